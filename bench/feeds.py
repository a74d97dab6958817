"""``make bench`` figures for news feeds, through the service against the loopback news site
(``support/feed_server.py``, reached through its own DNS server and pretend internet, as the
tests reach it), on SQLite in a temporary folder, with the bot's own settings (the semantic
model on, no vector cache).

- What one poll of a feed costs: CPU (the process's, less the threads of the site and its DNS
  server) and the peak of memory allocated (``tracemalloc``, in a second pass of its own), for
  a poll answered 304, a poll of an unchanged 20-item feed served whole (a new ETag at every
  request, as a feed rebuilt on each request is), and a poll that indexes 5 new items.
- Items indexed per minute: a feed that publishes many items at once, polled until none is
  left, beside the same pages given to ``index_bytes`` directly (what ``/reindex`` does once it
  has downloaded a page), in the same run.
- Question latency through the service while 100 feeds are polled (``poll_due_feeds`` in a
  loop, a few feeds publishing an item at each round), beside the same questions with nothing
  polled, in alternating blocks of the same run. The goal: unchanged within noise.
"""

from __future__ import annotations

import asyncio
import contextlib
import random
import statistics
import sys
import tempfile
import threading
import time
import tracemalloc
from collections.abc import Awaitable, Callable
from contextlib import AsyncExitStack
from datetime import UTC, datetime, timedelta
from pathlib import Path

import aiohttp

from bot.app.feeds import FeedPolicy
from bot.app.service import Kiosque
from bot.settings import Settings
from bot.values import LOCAL, guild_space
from eval import realistic
from support.feed_server import SITE, FeedServer, dated, reachable, rss20

POLLS = 15  # measured polls of each kind (CPU); a third as many traced (memory)
INDEXING_POLLS = 4  # measured polls that index 5 new items each
PUBLISHED = 60  # items a feed publishes at once, for items per minute
FEEDS = 100  # feeds polled while questions are asked
PER_SERVER = 20  # FeedPolicy.per_server: 100 feeds are five servers' worth
PUBLISHING = 3  # feeds that publish one new item before each round of polls
QUESTION_ARTICLES = 8  # articles of eval/data/realistic_dev.json asked about
BLOCK = 11  # questions asked in one condition before switching
SPACING = 0.1  # seconds between two questions (a block spans a round of the paced poller)
# Threads of the loopback site and its DNS server: their CPU is the site's, not the bot's.
SITE_THREADS = ("feed-site", "stress-dns")


def percentile(values: list[float], share: float) -> float:
    """The value below which ``share`` of the values lie (nearest rank)."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def _site_cpu() -> float:
    """Seconds of CPU the site's threads have used."""
    total = 0.0
    for thread in threading.enumerate():
        if thread.name in SITE_THREADS and thread.ident is not None:
            with contextlib.suppress(OSError):  # the thread ended since enumerate
                total += time.clock_gettime(time.pthread_getcpuclockid(thread.ident))
    return total


async def _cpu_ms(step: Callable[[], Awaitable[object]]) -> tuple[float, float]:
    """(CPU ms of the bot's side, wall ms) of one awaited step."""
    cpu, site, wall = time.process_time(), _site_cpu(), time.perf_counter()
    await step()
    bot_cpu = (time.process_time() - cpu) - (_site_cpu() - site)
    return bot_cpu * 1000, (time.perf_counter() - wall) * 1000


async def _peak_kib(step: Callable[[], Awaitable[object]]) -> float:
    """KiB allocated at the peak of one awaited step, above what was allocated before it."""
    tracemalloc.reset_peak()
    before = tracemalloc.get_traced_memory()[0]
    await step()
    return (tracemalloc.get_traced_memory()[1] - before) / 1024


class PollCost:
    """Three feeds in servers of their own, each to be polled one way."""

    def __init__(self, kiosque: Kiosque, site: FeedServer) -> None:
        self.kiosque = kiosque
        self.site = site
        self.rebuilt = 0
        self.published = 0

    async def prepare(self) -> None:
        """Follow the three feeds and poll each once (the first poll indexes their newest
        items and leaves the rest as history)."""
        self.site.feeds["/304"] = rss20(dated(20, "fixe"))
        self.site.feeds["/rebuilt"] = rss20(dated(20, "refait"))
        self.site.feeds["/news"] = rss20(dated(20, "news"))
        for number, path in enumerate(("/304", "/rebuilt", "/news"), 1):
            await self.kiosque.add_feed(guild_space(number), SITE + path)
            await self.kiosque.poll_feeds(guild_space(number))

    async def not_modified(self) -> None:
        """A poll the site answers 304."""
        [report] = await self.kiosque.poll_feeds(guild_space(1))
        assert report.not_modified, report

    async def unchanged(self) -> None:
        """A poll of the same 20 items in a document served anew."""
        self.rebuilt += 1
        self.site.feeds["/rebuilt"] = rss20(dated(20, "refait")) + f"<!-- {self.rebuilt} -->"
        [report] = await self.kiosque.poll_feeds(guild_space(2))
        assert report.entries == 20 and not report.indexed and not report.not_modified, report

    async def five_new(self) -> None:
        """A poll that finds five new items on top of the feed and indexes them."""
        self.published += 5
        start = datetime(2026, 12, 7, 9, tzinfo=UTC) + timedelta(hours=self.published)
        self.site.feeds["/news"] = rss20(
            dated(self.published, "frais", start) + dated(20, "news"))
        [report] = await self.kiosque.poll_feeds(guild_space(3))
        assert len(report.indexed) == 5, report


async def polling_cost(folder: Path, site: FeedServer) -> dict[str, tuple[list, list, list]]:
    """Per kind of poll: CPU ms, wall ms, peak KiB of each measured poll."""
    async with AsyncExitStack() as stack:
        kiosque = await _open(folder / "cost.db", stack)
        await stack.enter_async_context(reachable(site, kiosque.newsfeeds))
        cost = PollCost(kiosque, site)
        await cost.prepare()
        kinds = {"answered 304": (cost.not_modified, POLLS),
                 "unchanged 20 items, served whole": (cost.unchanged, POLLS),
                 "5 new items indexed": (cost.five_new, INDEXING_POLLS)}
        figures: dict[str, tuple[list, list, list]] = {}
        for label, (step, count) in kinds.items():
            timed = [await _cpu_ms(step) for _ in range(count)]
            figures[label] = ([c for c, _ in timed], [w for _, w in timed], [])
        tracemalloc.start()
        try:
            for label, (step, count) in kinds.items():
                figures[label][2].extend([await _peak_kib(step)
                                          for _ in range(max(2, count // 3))])
        finally:
            tracemalloc.stop()
    return figures


async def indexing_rate(folder: Path, site: FeedServer) -> tuple[int, int, float, float]:
    """(items, polls, seconds) for a feed that publishes ``PUBLISHED`` items at once, polled
    back to back (as ``kiosque feed poll`` does) until none is left, and the seconds
    ``index_bytes`` takes on the same pages."""
    async with AsyncExitStack() as stack:
        kiosque = await _open(folder / "rate.db", stack)
        await stack.enter_async_context(reachable(site, kiosque.newsfeeds))
        space = guild_space(10)
        site.feeds["/agence"] = rss20(dated(5, "veille"))
        await kiosque.add_feed(space, f"{SITE}/agence")
        await kiosque.poll_feeds(space)
        fresh = dated(PUBLISHED, "depeche", datetime(2026, 12, 8, tzinfo=UTC))
        site.feeds["/agence"] = rss20(fresh + dated(5, "veille"))
        items = polls = 0
        start = time.perf_counter()
        while True:
            [report] = await kiosque.poll_feeds(space)
            polls += 1
            items += len(report.indexed)
            if not report.waiting:
                break
        assert items == PUBLISHED, (items, polls)
        feeds_seconds = time.perf_counter() - start
        pages = []
        async with aiohttp.ClientSession() as session:
            for item in fresh:
                async with session.get(f"{site.base}/articles/{item.slug}") as response:
                    pages.append((item.slug, await response.read()))
        start = time.perf_counter()
        for slug, data in pages:
            await kiosque.index_bytes(guild_space(11), data, f"{slug}.html")
        direct_seconds = time.perf_counter() - start
    return items, polls, feeds_seconds, direct_seconds


class Poller:
    """100 feeds in five servers, polled by ``poll_due_feeds`` while it runs: back to back
    until none is due (``pause`` 0), or one call (up to 16 feeds, as the bot's loop makes
    every minute) every ``pause`` seconds. Before each round ``publishing`` feeds publish an
    item, and the feeds' clock moves a day on, so that every feed is due again."""

    def __init__(self, kiosque: Kiosque, site: FeedServer) -> None:
        self.kiosque = kiosque
        self.site = site
        self.publishing = 0
        self.pause = 0.0
        self.shift = timedelta()
        self.items: dict[int, list] = {n: [] for n in range(FEEDS)}
        self.chance = random.Random(23)
        self.polls = self.indexed = 0
        self.seconds = 0.0
        self.rounds: list[float] = []  # wall ms of each paced round
        self._task: asyncio.Task | None = None
        self._stop = asyncio.Event()
        kiosque.newsfeeds.clock = lambda: datetime.now(UTC) + self.shift

    async def prepare(self) -> None:
        """Follow the 100 feeds (empty at first) and poll each once."""
        for n in range(FEEDS):
            self.site.feeds[f"/fil/{n}"] = rss20([], title=f"Fil {n}")
            await self.kiosque.add_feed(guild_space(100 + n // PER_SERVER), f"{SITE}/fil/{n}")
        await self._round()

    def count(self) -> tuple[int, int, float]:
        """(polls, items indexed, seconds) since the last count."""
        counted = self.polls, self.indexed, self.seconds
        self.polls = self.indexed = 0
        self.seconds = 0.0
        return counted

    async def _round(self, once: bool = False) -> None:
        self.shift += timedelta(days=1)
        while reports := await self.kiosque.poll_due_feeds():
            self.polls += len(reports)
            self.indexed += sum(len(r.indexed) for r in reports)
            if once:
                break

    def _publish(self) -> None:
        for n in self.chance.sample(range(FEEDS), self.publishing):
            items = self.items[n]
            items[:0] = dated(1, f"fil-{n}-{len(items)}",
                              datetime(2026, 12, 8, tzinfo=UTC) + timedelta(hours=len(items)))
            self.site.feeds[f"/fil/{n}"] = rss20(items, title=f"Fil {n}")

    async def _run(self) -> None:
        began = time.perf_counter()
        while not self._stop.is_set():
            self._publish()
            start = time.perf_counter()
            await self._round(once=bool(self.pause))
            if self.pause:
                self.rounds.append((time.perf_counter() - start) * 1000)
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._stop.wait(), self.pause)
        self.seconds += time.perf_counter() - began

    def start(self, publishing: int, pause: float) -> None:
        """Poll in the background until ``stop``, ``publishing`` feeds changing each round."""
        self.publishing, self.pause = publishing, pause
        self._stop.clear()
        self._task = asyncio.create_task(self._run())

    async def stop(self) -> None:
        """Let the round in progress finish."""
        self._stop.set()
        if self._task is not None:
            await self._task
            self._task = None


# Per condition: feeds that publish an item before each round of polls, and the seconds
# between rounds (0: back to back); None: nothing polled.
CONDITIONS: dict[str, tuple[int, float] | None] = {
    "nothing polled": None,
    "a round every 1 s": (PUBLISHING, 1.0),
    "back to back, 304s": (0, 0.0),
    f"back to back, {PUBLISHING} new": (PUBLISHING, 0.0),
}


async def latency_while_polling(
    folder: Path, site: FeedServer
) -> tuple[dict[str, tuple[list[float], int, int, float]], list[float]]:
    """Per condition: question latencies (ms), and the polls, items indexed and seconds of
    polling meanwhile; and the wall ms of each paced round. The conditions take turns by
    blocks of questions, each block asked in every condition (in channels of their own), the
    order rotated from block to block, the questions ``SPACING`` apart in all of them."""
    async with AsyncExitStack() as stack:
        kiosque = await _open(folder / "latency.db", stack)
        await stack.enter_async_context(reachable(site, kiosque.newsfeeds))
        questions = []
        for number, case in enumerate(realistic.load("realistic")[:QUESTION_ARTICLES]):
            info = await kiosque.index_bytes(LOCAL, case.article.text.encode("utf-8"),
                                             f"q-{number}.txt", title=case.article.title)
            for condition in range(len(CONDITIONS)):
                await kiosque.use(LOCAL, f"{condition}-{number}", str(info.id))
            questions += [(number, q["q"]) for q in case.questions]
        poller = Poller(kiosque, site)
        await poller.prepare()
        poller.count()
        figures = {label: ([], 0, 0, 0.0) for label in CONDITIONS}
        labels = list(CONDITIONS)
        for block, first in enumerate(range(0, len(questions), BLOCK)):
            for turn in range(len(labels)):
                condition = (block + turn) % len(labels)
                label = labels[condition]
                polling = CONDITIONS[label]
                if polling is not None:
                    poller.start(*polling)
                timings = []
                for number, question in questions[first:first + BLOCK]:
                    start = time.perf_counter()
                    await kiosque.ask(LOCAL, question, channel=f"{condition}-{number}")
                    timings.append((time.perf_counter() - start) * 1000)
                    await asyncio.sleep(SPACING)
                await poller.stop()
                polls, indexed, seconds = poller.count()
                done, *counts = figures[label]
                figures[label] = (done + timings, counts[0] + polls, counts[1] + indexed,
                                  counts[2] + seconds)
    return figures, poller.rounds


async def _open(path: Path, stack: AsyncExitStack) -> Kiosque:
    kiosque = await Kiosque.open(Settings(database_url=f"sqlite:///{path}", embed_cache_dir=None),
                                 seed=False)
    stack.push_async_callback(kiosque.close)
    await kiosque.warm()
    return kiosque


def main() -> int:
    """Print the feed figures."""
    started = time.perf_counter()
    with tempfile.TemporaryDirectory() as tmp, FeedServer() as site:
        folder = Path(tmp)
        cost = asyncio.run(polling_cost(folder, site))
        items, polls, feeds_seconds, direct_seconds = asyncio.run(indexing_rate(folder, site))
        latency, rounds = asyncio.run(latency_while_polling(folder, site))
    policy = FeedPolicy()
    row = "  {:38}" + "{:>20}" * 3
    wide = "  {:38}" + "{:>20}" * 4
    print("news feeds, on the loopback news site (semantic model on, SQLite)")
    print(row.format("one poll of a feed, median (max)", "CPU ms", "wall ms", "peak KiB"))
    for label, (cpu, wall, peak) in cost.items():
        print(row.format(label, f"{statistics.median(cpu):.1f} ({max(cpu):.1f})",
                         f"{statistics.median(wall):.1f} ({max(wall):.1f})",
                         f"{statistics.median(peak):.0f} ({max(peak):.0f})"))
    print(f"items indexed per minute ({items} items published at once; {polls} polls back to "
          f"back, the bot's loop waits {policy.backlog_wait} s between them)")
    print(row.format("", "through the feed", "index_bytes", ""))
    print(row.format("items per minute", f"{items / feeds_seconds * 60:.0f}",
                     f"{items / direct_seconds * 60:.0f}", ""))
    labels = list(latency)
    count = len(latency[labels[0]][0])
    print(f"question through the service ({count} questions in each condition, in turns by "
          f"blocks of {BLOCK}); goal: unchanged within noise")
    print(wide.format("", *labels))
    print(wide.format("p50 (ms)", *[f"{statistics.median(latency[n][0]):.1f}" for n in labels]))
    print(wide.format("p95 (ms)", *[f"{percentile(latency[n][0], 0.95):.1f}" for n in labels]))
    print(wide.format("feed polls per second meanwhile", "",
                     *[f"{latency[n][1] / latency[n][3]:.0f}" for n in labels[1:]]))
    print(wide.format("items indexed meanwhile", "", *[str(latency[n][2]) for n in labels[1:]]))
    print(f"  a paced round ({policy.concurrency * 4} feeds at most, as the bot's loop polls "
          f"every {Settings().feed_poll_seconds:.0f} s): median {statistics.median(rounds):.0f} "
          f"ms, max {max(rounds):.0f} ms ({len(rounds)} rounds)")
    print(f"  (feed figures took {time.perf_counter() - started:.0f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
