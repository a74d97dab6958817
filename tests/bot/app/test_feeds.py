"""Following news feeds through the service, against the loopback news site
(``support/feed_server.py``) and the real fetcher, indexer and database (both backends).

Feeds are polled with ``Kiosque.poll_feeds`` (what ``kiosque feed poll`` runs): items become
articles of the server, a 304 costs nothing, a changed item becomes a new version, and every
way a feed can go wrong is a one-line reason on the feed, never a crash or a flood.
"""

from __future__ import annotations

import asyncio
import random
import time
from collections.abc import Callable, Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from bot.app.feed_entries import MAX_PARSED_ITEMS, wait_seconds
from bot.app.feeds import PollReport
from bot.app.service import Kiosque
from bot.errors import KiosqueError
from bot.values import guild_space
from support.feed_server import (
    SITE,
    FeedServer,
    Item,
    atom,
    dated,
    reachable,
    rss091,
    rss10,
    rss20,
    story,
)

SPACE = guild_space(77)


@pytest.fixture
def site() -> Iterator[FeedServer]:
    with FeedServer() as server:
        yield server


def _line(k: Kiosque, error: KiosqueError) -> str:
    text = k.error_text(error, "en", plain=True)
    assert len(text.splitlines()) == 1, text
    return text


async def _poll(k: Kiosque) -> PollReport:
    [report] = await k.poll_feeds(SPACE)
    return report


def _articles_requested(site: FeedServer) -> list[str]:
    return [path for path, _ in site.requests if path.startswith("/articles/")]


def test_new_items_become_articles_a_304_costs_nothing_a_changed_item_is_a_new_version(
    kiosque: Callable, site: FeedServer
) -> None:
    items = dated(3, "budget")
    site.feeds["/rss"] = rss20(items)

    async def scenario() -> tuple:
        async with kiosque(seed=False, semantic=False) as k, reachable(site, k.newsfeeds):
            await k.add_feed(SPACE, f"{SITE}/rss", channel=5)
            first = await _poll(k)
            second = await _poll(k)
            # The site publishes a new item and rewrites the newest one.
            items[0].summary = "Résumé corrigé"
            site.pages["budget-0"] = story("budget-0", "la piscine olympique")
            fresh = Item("piste", "La piste cyclable", guid="piste:1",
                         published=items[0].published + timedelta(hours=1))
            site.feeds["/rss"] = rss20([fresh, *items])
            third = await _poll(k)
            found = await k.search(SPACE, "piscine olympique")
            return first, second, third, found, await k.list_feeds(SPACE)

    first, second, third, found, [feed] = asyncio.run(scenario())
    assert [a.title for a in first.indexed] == [f"Article budget-{n}" for n in range(3)]
    assert {a.version for a in first.indexed} == {1} and first.title == "Le Journal"
    assert second.not_modified and second.indexed == ()
    conditional = site.hits("/rss")[1]
    assert "If-None-Match" not in site.hits("/rss")[0]
    assert conditional["If-None-Match"].startswith('"')
    assert conditional["If-Modified-Since"] == "Mon, 07 Dec 2026 10:00:00 GMT"
    renewed = {a.title: a for a in third.indexed}
    assert set(renewed) == {"Article piste", "Article budget-0"}
    assert renewed["Article piste"].version == 1
    before = next(a for a in first.indexed if a.title == "Article budget-0")
    assert (renewed["Article budget-0"].id, renewed["Article budget-0"].version) == (before.id, 2)
    assert found and found[0].article_id == before.id  # the new version answers
    # Each item page fetched once, the rewritten one twice: nothing fetched for nothing.
    assert sorted(_articles_requested(site)) == sorted(
        ["/articles/budget-0", "/articles/budget-1", "/articles/budget-2",
         "/articles/piste", "/articles/budget-0"])
    assert (feed.channel, feed.failures, feed.title) == (5, 0, "Le Journal")


def test_atom_rss_1_0_and_rss_0_91_are_read(kiosque: Callable, site: FeedServer) -> None:
    site.feeds["/atom"] = atom(dated(2, "atom"))
    site.feeds["/rdf"] = rss10([Item("rdf-0", "Un"), Item("rdf-1", "Deux")])
    site.feeds["/old"] = rss091([Item("old-0", "Un"), Item("old-1", "Deux")])

    async def scenario() -> list[PollReport]:
        async with kiosque(seed=False, semantic=False) as k, reachable(site, k.newsfeeds):
            for path in ("/atom", "/rdf", "/old"):
                await k.add_feed(SPACE, SITE + path)
            return await k.poll_feeds(SPACE)

    reports = asyncio.run(scenario())
    assert [sorted(a.title for a in r.indexed) for r in reports] == [
        ["Article atom-0", "Article atom-1"], ["Article rdf-0", "Article rdf-1"],
        ["Article old-0", "Article old-1"]]
    assert all(r.error is None for r in reports)


def test_what_is_not_a_feed_fails_in_one_line_and_pauses_the_feed_after_five_polls(
    kiosque: Callable, site: FeedServer
) -> None:
    site.feeds["/html"] = "<!doctype html><html><body><p>Bienvenue</p></body></html>"
    site.feeds["/broken"] = '<?xml version="1.0"?><rss version="2.0"><channel><title>X<<</ch>'

    async def scenario() -> tuple:
        async with kiosque(seed=False, semantic=False) as k, reachable(site, k.newsfeeds):
            await k.add_feed(SPACE, f"{SITE}/html")
            await k.add_feed(SPACE, f"{SITE}/broken")
            rounds = [await k.poll_feeds(SPACE) for _ in range(5)]
            k.newsfeeds.clock = _two_days_later
            due = await k.due_feeds()
            lines = [_line(k, r.error) for r in rounds[0]]
            return rounds, due, await k.list_feeds(SPACE), lines

    rounds, due, feeds, lines = asyncio.run(scenario())
    assert "not an RSS or Atom feed (no RSS or Atom feed in it)" in lines[0]
    assert "not an RSS or Atom feed (malformed XML (" in lines[1]
    assert [[r.paused for r in poll] for poll in rounds] == [[False, False]] * 4 + [[True, True]]
    assert due == []  # paused feeds are not polled by the loop
    assert all(f.paused and f.failures == 5 for f in feeds)
    assert feeds[0].pause_reason is not None
    assert feeds[0].pause_reason.values["problem"] == "not_a_feed"
    assert _articles_requested(site) == []


def _two_days_later() -> datetime:
    """Past any backoff of five failures."""
    return datetime.now(UTC) + timedelta(days=2)


def test_a_feeds_backlog_is_left_out_at_its_first_good_poll_even_after_failures(
    kiosque: Callable, site: FeedServer
) -> None:
    site.feeds["/rss"] = "<!doctype html><html><body>bientôt</body></html>"

    async def scenario() -> tuple[PollReport, PollReport]:
        async with kiosque(seed=False, semantic=False) as k, reachable(site, k.newsfeeds):
            await k.add_feed(SPACE, f"{SITE}/rss")
            failed = await _poll(k)
            site.feeds["/rss"] = rss20(dated(8, "archive"))
            return failed, await _poll(k)

    failed, first = asyncio.run(scenario())
    assert failed.error is not None
    assert [a.title for a in first.indexed] == [f"Article archive-{n}" for n in range(5)]
    assert (first.skipped, first.waiting) == (3, 0)


def test_items_left_for_the_next_poll_are_taken_though_the_feed_did_not_change_since(
    kiosque: Callable, site: FeedServer
) -> None:
    site.feeds["/rss"] = rss20(dated(2, "veille"))

    async def scenario() -> list[PollReport]:
        async with kiosque(seed=False, semantic=False) as k, reachable(site, k.newsfeeds):
            await k.add_feed(SPACE, f"{SITE}/rss")
            await _poll(k)
            later = datetime(2026, 12, 8, tzinfo=UTC)
            site.feeds["/rss"] = rss20(dated(12, "depeche", later) + dated(2, "veille"))
            return [await _poll(k) for _ in range(4)]

    polls = asyncio.run(scenario())
    assert [(len(p.indexed), p.waiting, p.not_modified) for p in polls] == [
        (5, 7, False), (5, 2, False), (2, 0, False), (0, 0, True)]
    assert sorted(a.title for p in polls for a in p.indexed) == sorted(
        f"Article depeche-{n}" for n in range(12))


def test_a_50_000_item_feed_indexes_a_few_items_and_never_floods(
    kiosque: Callable, site: FeedServer
) -> None:
    async def scenario() -> tuple:
        async with kiosque(seed=False, semantic=False) as k, reachable(site, k.newsfeeds):
            await k.add_feed(SPACE, f"{SITE}/huge")
            start = time.perf_counter()
            first = await _poll(k)
            took = time.perf_counter() - start
            return first, took, len(await k.articles(SPACE))

    first, took, articles = asyncio.run(scenario())
    assert len(first.indexed) == 5  # FeedPolicy.items_per_poll
    assert [a.title for a in first.indexed] == [f"Article huge-{n}" for n in range(5)]
    assert first.skipped == 95  # the rest of the window: history, never indexed
    assert first.entries == MAX_PARSED_ITEMS  # the document was cut before parsing
    assert len(_articles_requested(site)) == 5
    assert articles == 1 + 5  # the bundled article and the five
    assert took < 30, took


def test_a_redirect_or_an_item_to_a_private_address_is_refused(
    kiosque: Callable, site: FeedServer
) -> None:
    site.feeds["/rss"] = rss20([Item("x", "Interne", guid="x", link=f"{site.base}/secret"),
                                Item("ok", "Public", guid="ok")])
    site.feeds["/to-private"] = ""  # served as a redirect

    async def scenario() -> tuple:
        async with kiosque(seed=False, semantic=False) as k, reachable(site, k.newsfeeds):
            await k.add_feed(SPACE, f"{SITE}/to-private")
            await k.add_feed(SPACE, f"{SITE}/rss")
            redirected, listed = await k.poll_feeds(SPACE)
            return redirected, listed, _line(k, redirected.error), _line(k, listed.failed[0][1])

    redirected, listed, line, item_line = asyncio.run(scenario())
    assert redirected.error.values["problem"] == "forbidden_url"
    assert "127.0.0.1 is a private or local address" in line
    assert [a.title for a in listed.indexed] == ["Article ok"]
    assert "127.0.0.1 is a private or local address" in item_line
    assert site.hits("/secret") == []


def test_an_item_page_that_fails_is_tried_again_and_the_feed_goes_on(
    kiosque: Callable, site: FeedServer
) -> None:
    site.feeds["/rss"] = rss20([Item("broken", "Cassé", guid="b"), Item("fine", "Bon", guid="f")])

    async def scenario() -> tuple:
        async with kiosque(seed=False, semantic=False) as k, reachable(site, k.newsfeeds):
            await k.add_feed(SPACE, f"{SITE}/rss")
            first = await _poll(k)
            line = _line(k, first.failed[0][1])
            site.failing.clear()  # the page is back
            second = await _poll(k)
            third = await _poll(k)
            return first, line, second, third

    first, line, second, third = asyncio.run(scenario())
    assert [a.title for a in first.indexed] == ["Article fine"]
    assert first.error is None and "HTTP 500" in line
    assert [a.title for a in second.indexed] == ["Article broken"]
    assert "If-None-Match" not in site.hits("/rss")[1]  # read whole to retry the item
    assert third.not_modified


def test_duplicate_guids_and_links_are_indexed_once(kiosque: Callable, site: FeedServer) -> None:
    site.feeds["/rss"] = rss20([
        Item("un", "Un", guid="same"), Item("deux", "Deux", guid="same"),
        Item("trois", "Trois", guid="t1"), Item("trois", "Trois bis", guid="t2"),
    ])

    async def scenario() -> PollReport:
        async with kiosque(seed=False, semantic=False) as k, reachable(site, k.newsfeeds):
            await k.add_feed(SPACE, f"{SITE}/rss")
            return await _poll(k)

    report = asyncio.run(scenario())
    assert sorted(a.title for a in report.indexed) == ["Article trois", "Article un"]
    assert sorted(_articles_requested(site)) == ["/articles/trois", "/articles/un"]


def test_two_pollers_on_one_database_poll_a_feed_once(kiosque: Callable, site: FeedServer) -> None:
    site.feeds["/rss"] = rss20(dated(2, "shared"))
    site.delay = 0.3  # both ask while the first holds the feed

    async def scenario() -> tuple:
        async with kiosque(seed=False, semantic=False) as one, \
                kiosque(seed=False, semantic=False) as two, \
                reachable(site, one.newsfeeds, two.newsfeeds):
            await one.add_feed(SPACE, f"{SITE}/rss")
            reports = await asyncio.gather(one.poll_feeds(SPACE), two.poll_feeds(SPACE))
            return [r for [r] in reports], len(await one.articles(SPACE))

    reports, articles = asyncio.run(scenario())
    assert sorted(r.busy for r in reports) == [False, True]
    assert len(site.hits("/rss")) == 1
    assert articles == 1 + 2


def test_a_dead_pollers_expired_lease_is_taken_over(kiosque: Callable, site: FeedServer) -> None:
    site.feeds["/rss"] = rss20(dated(1, "relais"))

    async def scenario() -> tuple:
        async with kiosque(seed=False, semantic=False) as k, reachable(site, k.newsfeeds):
            feed = await k.add_feed(SPACE, f"{SITE}/rss")
            now = k.newsfeeds.clock()
            held = await k.newsfeeds.store.lease(feed.id, "dead", now, now + timedelta(seconds=60))
            before = await _poll(k), await k.due_feeds()
            k.newsfeeds.clock = lambda: now + timedelta(seconds=61)
            due = await k.due_feeds()
            return held, before, due, await _poll(k)

    held, (busy, due_before), due, taken = asyncio.run(scenario())
    assert held and busy.busy and due_before == []
    assert [f.url for f in due] == [f"{SITE}/rss"]
    assert [a.title for a in taken.indexed] == ["Article relais-0"]


def test_a_long_poll_keeps_its_lease(kiosque: Callable, site: FeedServer) -> None:
    """The lease is renewed while a poll runs past it: nobody takes the feed meanwhile."""
    site.feeds["/rss"] = rss20(dated(2, "lent"))
    site.delay = 0.3  # three requests: the poll lasts about three lease periods

    async def scenario() -> tuple:
        async with kiosque(seed=False, semantic=False) as k, reachable(site, k.newsfeeds):
            k.newsfeeds.policy = replace(k.newsfeeds.policy, lease_seconds=0.3)
            feed = await k.add_feed(SPACE, f"{SITE}/rss")
            polling = asyncio.ensure_future(_poll(k))
            tries = []
            for _ in range(4):
                await asyncio.sleep(0.2)
                now = k.newsfeeds.clock()
                tries.append(await k.newsfeeds.store.lease(feed.id, "other", now,
                                                           now + timedelta(seconds=1)))
            return tries, await polling

    tries, report = asyncio.run(scenario())
    assert tries == [False] * 4
    assert len(report.indexed) == 2 and not report.lost


def test_a_poller_that_lost_its_lease_stops_and_writes_nothing(
    kiosque: Callable, site: FeedServer
) -> None:
    """A poller stalled past its lease (another process took the feed over) stops at its next
    item, and leaves the feed's state to the new holder."""
    site.feeds["/rss"] = rss20(dated(4, "vol"))
    site.delay = 0.25

    async def scenario() -> tuple:
        async with kiosque(seed=False, semantic=False) as k, reachable(site, k.newsfeeds):
            k.newsfeeds.policy = replace(k.newsfeeds.policy, lease_seconds=0.3)
            feed = await k.add_feed(SPACE, f"{SITE}/rss")
            polling = asyncio.ensure_future(_poll(k))
            await asyncio.sleep(0.4)
            async with k.database.transaction() as db:  # the feed taken over meanwhile
                await db.execute("UPDATE feeds SET lease_owner = 'other' WHERE id = ?",
                                 (feed.id,))
            report = await polling
            return report, await k.newsfeeds.store.get(feed.id)

    report, feed = asyncio.run(scenario())
    assert report.lost and len(_articles_requested(site)) < 4
    assert feed.lease_owner == "other" and feed.last_polled_at is None and feed.etag is None


def test_a_server_may_follow_only_so_many_feeds(kiosque: Callable) -> None:
    async def scenario() -> tuple:
        async with kiosque(seed=False, semantic=False) as k:
            k.newsfeeds.policy = replace(k.newsfeeds.policy, per_server=2)
            await k.add_feed(SPACE, f"{SITE}/a")
            await k.add_feed(SPACE, f"{SITE}/b")
            errors = []
            for url in (f"{SITE}/c", "ftp://news.test/feed", "http://10.0.0.1/rss",
                        "http://１２７．０．０．１/rss"):
                try:
                    await k.add_feed(guild_space(78) if url != f"{SITE}/c" else SPACE, url)
                except KiosqueError as error:
                    errors.append(_line(k, error))
            return errors

    too_many, scheme, private, unicode = asyncio.run(scenario())
    assert "already follows 2 feeds" in too_many
    assert "scheme ftp" in scheme and "10.0.0.1 is a private or local address" in private
    assert "127.0.0.1 is a private or local address" in unicode


def test_polls_back_off_on_failures_and_on_quiet_feeds_with_jitter() -> None:
    chance = random.Random(1)
    plain = [wait_seconds(900, 0, 0, 21600, 0.0, chance) for _ in range(2)]
    failing = [wait_seconds(900, n, 0, 21600, 0.0, chance) for n in (1, 2, 3, 10)]
    quiet = [wait_seconds(900, 0, n, 21600, 0.0, chance) for n in (1, 2, 30)]
    jittered = [wait_seconds(900, 0, 0, 21600, 0.1, chance) for _ in range(200)]
    assert plain == [900, 900]
    assert failing == [1800, 3600, 7200, 21600]
    assert quiet == [1350, 2025, 21600]
    assert all(810 <= w <= 990 for w in jittered) and len({round(w) for w in jittered}) > 50
