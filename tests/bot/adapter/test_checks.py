"""The cooldown per member and server, and its notices."""

from __future__ import annotations

from bot.adapter.checks import RateLimiter

SERVER, OTHER_SERVER, DM = 10, 20, None


def test_the_cooldown_lets_count_questions_through_per_window() -> None:
    limiter = RateLimiter(2, 30)
    assert [limiter.hit(SERVER, 1, now=t) for t in (0, 1)] == [0, 0]
    assert limiter.hit(SERVER, 1, now=2) == 28
    assert limiter.hit(SERVER, 2, now=2) == 0  # another member
    assert limiter.hit(SERVER, 1, now=31) == 0  # the window moved on


def test_the_cooldown_counts_each_server_and_the_dms_apart() -> None:
    # A server's questions all reach the process of its shard, DMs shard 0's: each of these
    # windows is counted whole by one process, whichever processes share the bot.
    limiter = RateLimiter(1, 30)
    assert limiter.hit(SERVER, 1, now=0) == 0
    assert limiter.hit(SERVER, 1, now=1) == 29
    assert limiter.hit(OTHER_SERVER, 1, now=1) == 0
    assert limiter.hit(DM, 1, now=1) == 0
    assert limiter.hit(DM, 1, now=2) == 29


def test_a_refused_member_is_told_once_per_window() -> None:
    limiter = RateLimiter(1, 30)
    limiter.hit(SERVER, 1, now=0)
    told = []
    for t in (1, 2, 3, 4):
        limiter.hit(SERVER, 1, now=t)
        told.append(limiter.tell(SERVER, 1, now=t))
    assert told == [True, False, False, False]
    limiter.hit(SERVER, 1, now=31)  # a new window: a new question, then a new notice if refused
    limiter.hit(SERVER, 1, now=32)
    assert limiter.tell(SERVER, 1, now=32)


def test_expired_windows_are_forgotten() -> None:
    limiter = RateLimiter(2, 30)
    for member in range(1000):
        limiter.hit(SERVER, member, now=0)
    assert len(limiter) == 1000
    limiter.hit(SERVER, 5000, now=31)  # every earlier window has expired
    assert len(limiter) == 1


def test_a_flood_of_members_keeps_at_most_members_windows_dropping_the_idlest() -> None:
    limiter = RateLimiter(1, 30, members=100)
    limiter.hit(SERVER, 0, now=0)
    for member in range(1, 1000):
        limiter.hit(SERVER, member, now=1 + member / 1000)
        assert len(limiter) <= 100
    assert limiter.hit(SERVER, 999, now=2) > 0  # the newest are still counted
    assert limiter.hit(SERVER, 0, now=2) == 0  # the idlest were forgotten


def test_looking_at_the_cooldown_records_nothing() -> None:
    limiter = RateLimiter(2, 30)
    assert [limiter.waiting(SERVER, 1, now=t) for t in range(5)] == [0] * 5
    limiter.hit(SERVER, 1, now=10)
    assert limiter.waiting(SERVER, 1, now=11) == 0
    limiter.hit(SERVER, 1, now=12)
    assert limiter.waiting(SERVER, 1, now=13) == 27
    assert limiter.waiting(SERVER, 1, now=40) == 0  # the first question left the window
    assert limiter.hit(SERVER, 1, now=40) == 0
