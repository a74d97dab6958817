"""The feeds a space follows and their leases, on both backends: a per-space cap, one poller at
a time (two processes asking at once: one gets the feed), an expired lease taken over, a
poller that lost its lease writes nothing, an item announced once."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest

from bot.errors import KiosqueError
from bot.storage.feeds import FAILED, INDEXED, SKIPPED, FeedStore, PollState, stamp

NOW = datetime(2026, 12, 7, 12, tzinfo=UTC)
SPACE, OTHER = "guild:1", "guild:2"


def _state(**changes: object) -> PollState:
    values = {"etag": '"e1"', "last_modified": "Mon, 07 Dec 2026 10:00:00 GMT",
              "next_poll_at": stamp(NOW + timedelta(minutes=15)), "failures": 0,
              "quiet_polls": 0, "last_error": None, "polled_at": stamp(NOW), "title": "Journal"}
    values.update(changes)
    return PollState(**values)  # type: ignore[arg-type]


def test_feeds_are_added_capped_per_space_found_and_removed(database: Callable) -> None:
    async def scenario() -> dict:
        async with database() as db:
            store = FeedStore(db)
            first = await store.add(SPACE, "http://a.test/rss", 10, 900, 2, NOW)
            await store.add(SPACE, "http://b.test/rss", None, 900, 2, NOW)
            errors = []
            for space, url in ((SPACE, "http://a.test/rss"), (SPACE, "http://c.test/rss")):
                try:
                    await store.add(space, url, None, 900, 2, NOW)
                except KiosqueError as error:
                    errors.append(error.code)
            elsewhere = await store.add(OTHER, "http://a.test/rss", None, 900, 2, NOW)
            by_url = await store.find(SPACE, "http://b.test/rss")
            by_id = await store.find(SPACE, str(first.id))
            try:
                await store.find(OTHER, str(first.id))  # another server's id is unknown here
            except KiosqueError as error:
                errors.append(error.code)
            await store.remove(by_url)
            return {"first": first, "errors": errors, "elsewhere": elsewhere, "by_id": by_id,
                    "left": [f.url for f in await store.of_space(SPACE)],
                    "all": len(await store.of_space())}

    found = asyncio.run(scenario())
    first = found["first"]
    assert (first.space, first.channel, first.interval, first.paused) == (SPACE, 10, 900, False)
    assert first.next_poll_at == stamp(NOW) and first.last_polled_at is None
    assert found["errors"] == ["feed_exists", "too_many_feeds", "unknown_feed"]
    assert found["elsewhere"].space == OTHER and found["by_id"] == first
    assert found["left"] == ["http://a.test/rss"] and found["all"] == 2


def test_one_poller_holds_a_feed_until_its_lease_expires(database: Callable) -> None:
    async def scenario() -> list:
        async with database() as db:
            store = FeedStore(db)
            feed = await store.add(SPACE, "http://a.test/rss", None, 900, 5, NOW)
            later = NOW + timedelta(seconds=61)
            return [
                await store.lease(feed.id, "a", NOW, NOW + timedelta(seconds=60)),
                await store.lease(feed.id, "b", NOW, NOW + timedelta(seconds=60)),
                [f.id for f in await store.due(NOW, 10)],  # held: not due for anyone
                [f.id for f in await store.due(later, 10)],  # expired: due again
                await store.lease(feed.id, "b", later, later + timedelta(seconds=60)),
                await store.renew(feed.id, "a", later + timedelta(seconds=60)),  # lost it
                await store.release(feed.id, "a", _state(etag='"stale"')),
                await store.release(feed.id, "b", _state()),
                await store.get(feed.id),
            ]

    a, b, held, expired, taken, renewed, stale, released, feed = asyncio.run(scenario())
    assert (a, b, held, taken, renewed, stale, released) == (
        True, False, [], True, False, False, True)
    assert expired == [feed.id]
    assert feed.lease_owner is None and feed.etag == '"e1"' and feed.title == "Journal"
    assert feed.last_polled_at == stamp(NOW)


def test_two_processes_asking_at_once_one_gets_each_feed(database: Callable) -> None:
    """Two connections (two processes' worth) race for the same ten feeds."""

    async def scenario() -> list[tuple[bool, bool]]:
        async with database() as one, database() as two:
            feeds = [await FeedStore(one).add(SPACE, f"http://{n}.test/", None, 900, 20, NOW)
                     for n in range(10)]
            until = NOW + timedelta(seconds=60)
            races = []
            for feed in feeds:
                got = await asyncio.gather(FeedStore(one).lease(feed.id, "one", NOW, until),
                                           FeedStore(two).lease(feed.id, "two", NOW, until))
                races.append(tuple(got))
            return races

    races = asyncio.run(scenario())
    assert all(sum(race) == 1 for race in races), races


def test_failures_pause_a_feed_with_the_reason_and_a_success_resumes_it(
    database: Callable,
) -> None:
    refused = KiosqueError("source_error", source="http://a.test/rss", problem="not_a_feed",
                           detail="no RSS or Atom feed in it")

    async def scenario() -> list:
        async with database() as db:
            store = FeedStore(db)
            feed = await store.add(SPACE, "http://a.test/rss", None, 900, 5, NOW)
            until = NOW + timedelta(seconds=60)
            await store.lease(feed.id, "a", NOW, until)
            await store.release(feed.id, "a", _state(failures=5, last_error=refused,
                                                     paused=True))
            paused = await store.get(feed.id)
            due_paused = await store.due(NOW + timedelta(days=1), 10)
            await store.lease(feed.id, "a", NOW, until)
            await store.release(feed.id, "a", _state())  # ``kiosque feed poll`` succeeded
            resumed = await store.get(feed.id)
            by_admin = await store.set_paused(resumed, True, NOW)
            await store.lease(feed.id, "a", NOW, until)
            await store.release(feed.id, "a", _state())
            return [paused, due_paused, resumed, await store.get(feed.id), by_admin]

    paused, due_paused, resumed, still, by_admin = asyncio.run(scenario())
    assert paused.paused and paused.failures == 5
    assert paused.pause_reason is not None and paused.pause_reason.values == refused.values
    assert due_paused == []
    assert not resumed.paused and resumed.pause_reason is None and resumed.failures == 0
    assert by_admin.paused and by_admin.pause_reason is None
    assert still.paused  # a success never resumes a feed an admin paused


@pytest.mark.parametrize("renewed", [False, True])
def test_an_item_is_announced_once_and_again_for_a_new_version(
    database: Callable, renewed: bool
) -> None:
    async def scenario() -> tuple:
        async with database() as db:
            store = FeedStore(db)
            feed = await store.add(SPACE, "http://a.test/rss", None, 900, 5, NOW)
            item = await store.record(feed.id, None, guid="g1", link="http://a.test/1",
                                      content_hash="h1", page_hash="p1", state=INDEXED,
                                      attempts=0, article_id=7, version=1, now=NOW)
            await store.record(feed.id, None, guid="g2", link=None, content_hash="h2",
                               page_hash=None, state=SKIPPED, attempts=0, article_id=None,
                               version=None, now=NOW)
            waiting = [i.id for _, i in await store.unannounced(SPACE)]
            marks = [await store.mark_announced(item.id), await store.mark_announced(item.id)]
            updated = await store.record(feed.id, item.id, guid="g1", link="http://a.test/1",
                                         content_hash="h1b", page_hash="p2", state=INDEXED,
                                         attempts=0, article_id=7,
                                         version=2 if renewed else None, now=NOW,
                                         renewed=renewed)
            again = [i.id for _, i in await store.unannounced(SPACE)]
            return item, waiting, marks, updated, again

    item, waiting, marks, updated, again = asyncio.run(scenario())
    assert waiting == [item.id]  # the skipped item is never announced
    assert marks == [True, False]
    assert updated.content_hash == "h1b" and updated.page_hash == "p2"
    assert updated.version == (2 if renewed else 1)
    assert again == ([item.id] if renewed else [])


def test_a_feed_is_retrying_while_a_failed_item_has_attempts_left(database: Callable) -> None:
    async def scenario() -> list[bool]:
        async with database() as db:
            store = FeedStore(db)
            feed = await store.add(SPACE, "http://a.test/rss", None, 900, 5, NOW)
            seen = [await store.retrying(feed.id, 3)]
            item = await store.record(feed.id, None, guid="g1", link="http://a.test/1",
                                      content_hash="h1", page_hash=None, state=FAILED,
                                      attempts=2, article_id=None, version=None, now=NOW)
            seen.append(await store.retrying(feed.id, 3))
            await store.record(feed.id, item.id, guid="g1", link="http://a.test/1",
                               content_hash="h1", page_hash=None, state=FAILED, attempts=3,
                               article_id=None, version=None, now=NOW)
            seen.append(await store.retrying(feed.id, 3))
            return seen

    assert asyncio.run(scenario()) == [False, True, False]


def test_a_feed_polled_since_it_was_found_due_is_not_taken_again(database: Callable) -> None:
    async def scenario() -> tuple:
        async with database() as db:
            store = FeedStore(db)
            feed = await store.add(SPACE, "http://a.test/rss", None, 900, 5, NOW)
            [seen_by_b] = await store.due(NOW, 10)  # both processes found it due
            until = NOW + timedelta(seconds=60)
            polled = await store.lease(feed.id, "a", NOW, until, seen_by_b.next_poll_at)
            await store.release(feed.id, "a", _state())  # polled: next poll in 15 minutes
            late = await store.lease(feed.id, "b", NOW, until, seen_by_b.next_poll_at)
            asked = await store.lease(feed.id, "c", NOW, until)  # ``kiosque feed poll``: no
            return polled, late, asked                           # due time to check

    assert asyncio.run(scenario()) == (True, False, True)


def test_news_is_read_per_space_and_a_feed_paused_for_its_channel_is_paused_once(
    database: Callable,
) -> None:
    async def scenario() -> tuple:
        async with database() as db:
            store = FeedStore(db)
            feeds = [await store.add(space, "http://a.test/rss", 5, 900, 5, NOW)
                     for space in (SPACE, OTHER)]
            for n, feed in enumerate(feeds):
                await store.record(feed.id, None, guid=f"g{n}", link=None, content_hash="h",
                                   page_hash="p", state=INDEXED, attempts=0, article_id=n + 1,
                                   version=1, now=NOW)
            spaces = await store.spaces_with_news()
            gone = KiosqueError("feed_channel_gone", channel=5)
            paused = [await store.pause_for(feeds[0].id, gone),
                      await store.pause_for(feeds[0].id, gone)]
            after = await store.spaces_with_news()
            feed = await store.get(feeds[0].id)
            return spaces, paused, after, feed, await store.unannounced(SPACE)

    spaces, paused, after, feed, left = asyncio.run(scenario())
    assert spaces == sorted([SPACE, OTHER]) and after == [OTHER]
    assert paused == [True, False]  # the admins are told once
    assert feed.paused and feed.pause_reason.code == "feed_channel_gone"
    assert left == []  # a paused feed's news waits for it to be resumed
