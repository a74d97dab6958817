"""News feeds a server follows: each new item's page fetched and indexed as an article of that
server, polled politely (conditional GET, backoff, jitter, caps) by one process at a time.

``Feeds.poll`` takes a feed's lease (``bot.storage.feeds``), downloads the feed through the
same SSRF-safe fetcher as ``/reindex`` (``bot.net.fetch``), reads it on the feeds' own thread
(``feed_entries.read_feed``), then fetches each new item's page and indexes it through the
indexer (on the uploads' thread), at most ``items_per_poll`` a poll, newest first. At most
``concurrency`` feeds are polled at once in a process, whatever asks.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
import os
import random
import socket
import uuid
from collections.abc import Callable, Collection
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

from bot.app.feed_entries import FeedDocument, Work, page_hash, read_feed, to_do, wait_seconds
from bot.app.indexer import Indexer
from bot.errors import KiosqueError
from bot.settings import Settings
from bot.storage.feeds import FAILED, INDEXED, SKIPPED, Feed, FeedStore, PollState, stamp
from bot.storage.library import ArticleInfo
from bot.values import News

ACCEPT = (
    "application/rss+xml, application/atom+xml, application/rdf+xml;q=0.9,"
    " application/xml;q=0.8, text/xml;q=0.8, */*;q=0.5"
)

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class FeedPolicy:
    """How feeds are polled (every figure a default the bot runs with)."""

    interval: int = 900  # seconds between polls of a feed that changes
    longest_wait: int = 6 * 3600  # the longest backoff, quiet or failing
    backlog_wait: int = 60  # the next poll, when new items are left for it
    per_server: int = 20  # feeds a server may follow
    items_per_poll: int = 5  # item pages fetched and indexed in one poll
    window: int = 100  # the newest entries of a feed considered at each poll
    failures_to_pause: int = 5  # failed polls in a row that pause a feed
    item_attempts: int = 3  # polls that try a failing item page
    concurrency: int = 4  # feeds polled at once by one process
    lease_seconds: float = 60.0  # a dead poller's feeds are taken over after this
    jitter: float = 0.1


@dataclass(frozen=True)
class PollReport:
    """What one poll of a feed did."""

    feed: Feed
    indexed: tuple[ArticleInfo, ...] = ()  # new articles, and new versions of changed items
    unchanged: int = 0  # changed entries whose page was the same
    failed: tuple[tuple[str, KiosqueError], ...] = ()  # item pages that could not be indexed
    skipped: int = 0  # a new feed's older items, never indexed
    waiting: int = 0  # new items left for the next poll (the cap was reached)
    not_modified: bool = False  # the server answered 304
    error: KiosqueError | None = None  # the feed itself failed
    paused: bool = False  # ... for the ``failures_to_pause``-th time in a row
    busy: bool = False  # another poller holds the feed: nothing done
    entries: int = 0  # items read in the feed
    title: str | None = None
    lost: bool = False  # the lease was lost mid-poll: stopped, nothing written


class Feeds:
    """The feeds of every space: following them, and polling them."""

    def __init__(
        self,
        settings: Settings,
        store: FeedStore,
        indexer: Indexer,
        policy: FeedPolicy | None = None,
        owner: str | None = None,
    ) -> None:
        self.settings = settings
        self.store = store
        self.indexer = indexer
        self.policy = policy or FeedPolicy()
        self.owner = owner or f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
        self.nameserver: tuple[str, int] | None = None  # tests: a DNS server of their own
        self.clock: Callable[[], datetime] = lambda: datetime.now(UTC)
        self.chance = random.Random()
        # Feeds are read on a thread of their own: never the default pool that questions use.
        self._reading = ThreadPoolExecutor(1, thread_name_prefix="feeds")
        self._slots = asyncio.Semaphore(self.policy.concurrency)

    def close(self) -> None:
        """Stop reading feeds (a read in progress finishes on its thread)."""
        self._reading.shutdown(wait=False, cancel_futures=True)

    async def add(self, space: str, url: str, channel: int | None = None) -> Feed:
        """Follow a feed in ``space`` (an http(s) URL, not on a private address); it is
        polled at the next round."""
        url = url.strip()
        from bot.net.fetch import checked_url  # aiohttp loads only for a feed (cold start)

        checked_url(url, self.settings)
        if not urlsplit(url).path:
            url += "/"
        return await self.store.add(space, url, channel, self.policy.interval,
                                    self.policy.per_server, self.clock())

    async def list(self, space: str | None = None) -> list[Feed]:
        """A space's feeds (every space's: ``None``)."""
        return await self.store.of_space(space)

    async def remove(self, space: str, ref: str) -> Feed:
        """Stop following a feed named by id or URL; its articles stay in the library."""
        feed = await self.store.find(space, ref)
        await self.store.remove(feed)
        return feed

    async def pause(self, space: str, ref: str) -> Feed:
        """Stop polling a feed until it is resumed."""
        return await self.store.set_paused(await self.store.find(space, ref), True, self.clock())

    async def resume(self, space: str, ref: str) -> Feed:
        """Poll a paused feed again, at once, its failures forgiven."""
        return await self.store.set_paused(await self.store.find(space, ref), False,
                                           self.clock())

    async def due(self, limit: int | None = None) -> list[Feed]:
        """The feeds whose time has come and that no process polls now."""
        return await self.store.due(self.clock(), limit or self.policy.concurrency * 4)

    async def poll_due(self, limit: int | None = None) -> list[PollReport]:
        """Poll the feeds that are due (what the bot's loop calls every minute or so)."""
        feeds = await self.due(limit)
        reports = await asyncio.gather(*(self.poll(feed, due=True) for feed in feeds),
                                       return_exceptions=True)
        done = []
        for feed, report in zip(feeds, reports, strict=True):
            if isinstance(report, asyncio.CancelledError):
                raise report
            if isinstance(report, BaseException):  # a bug or the database away: the next round
                log.error("feed %d (%s) not polled", feed.id, feed.url, exc_info=report)
            elif not report.busy:
                done.append(report)
        return done

    async def news(self, spaces: Collection[str], limit: int = 20) -> list[News]:
        """The new articles of ``spaces``' feeds not announced yet, oldest first (a process
        announces those of the servers it runs)."""
        found: list[News] = []
        for space in await self.store.spaces_with_news():
            if space not in spaces:
                continue
            for feed, item in await self.store.unannounced(space, limit):
                try:
                    stored = await self.indexer.library.load(space, item.article_id)
                except KiosqueError:  # deleted since: nothing to announce
                    await self.store.mark_announced(item.id)
                    continue
                article = stored.article
                first = article.sentences[0].text if article.sentences else ""
                source = feed.title or urlsplit(feed.url).hostname or feed.url
                found.append(News(feed.id, space, feed.channel, feed.url, source, item.id,
                                  stored.id, stored.version, article.title, first, item.link,
                                  article.language))
        return found

    async def announced(self, item_id: int) -> bool:
        """Mark a new article announced (``False``: it already was)."""
        return await self.store.mark_announced(item_id)

    async def stop_announcing(self, feed_id: int, reason: KiosqueError) -> bool:
        """Pause a feed whose articles cannot be posted; ``True`` for the call that paused it."""
        return await self.store.pause_for(feed_id, reason)

    async def poll_space(self, space: str) -> list[PollReport]:
        """Poll a space's feeds now, whatever their interval: those an admin paused are left
        alone, those their failures paused are tried (a success resumes them)."""
        feeds = [f for f in await self.store.of_space(space)
                 if not f.paused or f.pause_reason is not None]
        return list(await asyncio.gather(*(self.poll(feed) for feed in feeds)))

    async def poll(self, feed: Feed, due: bool = False) -> PollReport:
        """Poll one feed, if no other poller holds it (``due``: nor polled it since it was
        found due): download it (conditionally), index its new items, and write when to poll
        it next."""
        async with self._slots:
            now = self.clock()
            due_at = feed.next_poll_at if due else None
            if not await self.store.lease(feed.id, self.owner, now, self._lease_end(), due_at):
                return PollReport(feed, busy=True)
            lost = asyncio.Event()
            heartbeat = asyncio.create_task(self._heartbeat(feed.id, lost))
            try:
                report = await self._poll_leased(feed, lost)
            except BaseException:
                with contextlib.suppress(Exception):
                    await self.store.release(feed.id, self.owner)
                raise
            finally:
                heartbeat.cancel()
            if not report.lost:
                await self.store.release(feed.id, self.owner, self._state(feed, report))
            return report

    async def _poll_leased(self, feed: Feed, lost: asyncio.Event) -> PollReport:
        # An item whose page failed is tried again at the next polls: the feed is then read
        # whole even if it did not change (a 304 would leave the item behind). The items seen
        # are read only once the feed answered with something new.
        retrying = await self.store.retrying(feed.id, self.policy.item_attempts)
        headers = {"Accept": ACCEPT}
        if feed.etag and not retrying:
            headers["If-None-Match"] = feed.etag
        if feed.last_modified and not retrying:
            headers["If-Modified-Since"] = feed.last_modified
        try:
            from bot.net.fetch import fetch

            page = await fetch(feed.url, self.settings, nameserver=self.nameserver,
                               headers=headers)
            if page.not_modified:
                return PollReport(feed, not_modified=True)
            document: FeedDocument = await self._read(
                read_feed, page.data, feed.url, page.content_type, self.policy.window
            )
        except KiosqueError as error:
            failures = feed.failures + 1
            return PollReport(feed, error=error,
                              paused=failures >= self.policy.failures_to_pause)
        feed = replace(feed, etag=page.etag, last_modified=page.last_modified)
        known = await self.store.items(feed.id)
        work = to_do(document.entries, known, self.policy.item_attempts)
        now_work, later = work[: self.policy.items_per_poll], work[self.policy.items_per_poll:]
        first = not known  # the first poll that read the feed (earlier ones may have failed)
        indexed: list[ArticleInfo] = []
        failed: list[tuple[str, KiosqueError]] = []
        unchanged = 0
        for item in now_work:
            if lost.is_set():
                return PollReport(feed, lost=True)
            outcome = await self._take(feed, item)
            if isinstance(outcome, ArticleInfo):
                indexed.append(outcome)
            elif isinstance(outcome, KiosqueError):
                failed.append((item.entry.link or item.entry.title, outcome))
            elif outcome:
                unchanged += 1
        skipped = 0
        if first:  # a new feed's older items are history, not news: never indexed
            for item in later:
                if item.known is None:
                    await self._record(feed, item, SKIPPED)
                    skipped += 1
        return PollReport(
            feed, indexed=tuple(indexed), unchanged=unchanged, failed=tuple(failed),
            skipped=skipped, waiting=0 if first else len(later), entries=document.items,
            title=document.title,
        )

    async def _take(self, feed: Feed, work: Work) -> ArticleInfo | KiosqueError | bool:
        """Fetch and index one item's page: the article (version) indexed, the error, or
        whether its page was found unchanged."""
        known, entry = work.known, work.entry
        link = (known.link if known else None) or entry.link
        if link is None:
            await self._record(feed, work, SKIPPED)
            return False
        try:
            from bot.net.fetch import fetch

            page = await fetch(link, self.settings, nameserver=self.nameserver)
            digest = await self._read(page_hash, page.data)  # up to 5 MB: not on the loop
            if known is not None and known.state == INDEXED and known.page_hash == digest:
                await self._record(feed, work, INDEXED, digest=digest)
                return True
            info = await self.indexer.index_bytes(
                feed.space, page.data, link, content_type=page.content_type, url=link
            )
        except KiosqueError as error:
            if known is None or known.state == FAILED:
                await self._record(feed, work, FAILED)
            return error
        await self._record(feed, work, INDEXED, digest=digest, info=info)
        return info

    async def _record(
        self,
        feed: Feed,
        work: Work,
        state: str,
        digest: str | None = None,
        info: ArticleInfo | None = None,
    ) -> None:
        known, entry = work.known, work.entry
        attempts = (known.attempts if known else 0) + (state == FAILED)
        await self.store.record(
            feed.id, known.id if known else None, guid=entry.guid, link=entry.link,
            content_hash=entry.content_hash, page_hash=digest, state=state,
            attempts=attempts, article_id=info.id if info else None,
            version=info.version if info else None, now=self.clock(),
            renewed=info is not None and known is not None,
        )

    def _state(self, feed: Feed, report: PollReport) -> PollState:
        """Where the feed stands after ``report``: validators, failures, next poll time."""
        now = self.clock()
        policy = self.policy
        if report.error is not None:
            failures, quiet = feed.failures + 1, feed.quiet_polls
        else:
            failures = 0
            quiet = 0 if report.indexed else feed.quiet_polls + 1
        wait = wait_seconds(feed.interval, failures, quiet, policy.longest_wait, policy.jitter,
                            self.chance)
        if report.waiting and not report.error:
            wait = min(wait, policy.backlog_wait)
        etag, modified = feed.etag, feed.last_modified
        # A document whose new items are not all taken keeps the previous validators: the
        # next poll must read it whole again, not be answered 304 with items left behind.
        if report.error is None and not report.not_modified and not report.waiting:
            etag, modified = report.feed.etag, report.feed.last_modified
        return PollState(
            etag=etag, last_modified=modified,
            next_poll_at=stamp(now + timedelta(seconds=wait)), failures=failures,
            quiet_polls=quiet, last_error=report.error, polled_at=stamp(now),
            title=report.title, paused=report.paused,
        )

    def _lease_end(self) -> datetime:
        return self.clock() + timedelta(seconds=self.policy.lease_seconds)

    async def _heartbeat(self, feed_id: int, lost: asyncio.Event) -> None:
        """Renew the lease while the poll runs; a lease lost (this process stalled past its
        expiry, another took the feed) stops the poll at its next item."""
        while True:
            await asyncio.sleep(self.policy.lease_seconds / 3)
            try:
                if not await self.store.renew(feed_id, self.owner, self._lease_end()):
                    lost.set()
                    return
            except Exception:  # the database is away a moment: try again at the next beat
                log.warning("feed %d: lease not renewed", feed_id, exc_info=True)

    async def _read(self, function: Callable, /, *args: object) -> Any:
        call = functools.partial(function, *args)
        return await asyncio.get_running_loop().run_in_executor(self._reading, call)

