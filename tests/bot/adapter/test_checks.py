"""The per-user cooldown and its notices."""

from __future__ import annotations

from bot.adapter.checks import RateLimiter


def test_the_cooldown_lets_count_questions_through_per_window() -> None:
    limiter = RateLimiter(2, 30)
    assert [limiter.hit(1, now=t) for t in (0, 1)] == [0, 0]
    assert limiter.hit(1, now=2) == 28
    assert limiter.hit(2, now=2) == 0  # another member
    assert limiter.hit(1, now=31) == 0  # the window moved on


def test_a_refused_member_is_told_once_per_window() -> None:
    limiter = RateLimiter(1, 30)
    limiter.hit(1, now=0)
    told = []
    for t in (1, 2, 3, 4):
        limiter.hit(1, now=t)
        told.append(limiter.tell(1, now=t))
    assert told == [True, False, False, False]
    limiter.hit(1, now=31)  # a new window: a new question, then a new notice if refused
    limiter.hit(1, now=32)
    assert limiter.tell(1, now=32)
