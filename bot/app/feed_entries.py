"""Reading a feed's bytes (RSS 0.9x, 1.0, 2.0, Atom, through ``feedparser``) into entries, and
deciding what a poll does with them: which entries are new or changed (known items matched by
GUID, then link, then content hash), and how long to wait before the next poll. Pure functions:
the poller runs ``read_feed`` on its own thread.
"""

from __future__ import annotations

import calendar
import hashlib
import random
import re
from dataclasses import dataclass
from urllib.parse import urljoin

from bot.errors import KiosqueError
from bot.storage.feeds import FAILED, FeedItem

# A feed is read up to its first items only: feeds list the newest first, and parsing is pure
# Python holding the interpreter's lock (50 000 items take seconds of CPU). The rest of the
# document is cut off before parsing; the loose parser reads what remains.
MAX_PARSED_ITEMS = 500
_ITEM_END = re.compile(rb"</(?:[\w.-]+:)?(?:item|entry)\s*>", re.IGNORECASE)


@dataclass(frozen=True)
class Entry:
    """One item of a feed: its keys and when it says it was published."""

    guid: str | None
    link: str | None
    title: str
    content_hash: str
    published: int | None  # Unix seconds


@dataclass(frozen=True)
class FeedDocument:
    """A parsed feed: its title and its newest entries (newest first), and how many items
    were read."""

    title: str | None
    entries: tuple[Entry, ...]
    items: int


@dataclass(frozen=True)
class Work:
    """An entry a poll must fetch: a new one (``known`` is ``None``), one whose content
    changed, or one whose page failed last time."""

    entry: Entry
    known: FeedItem | None


def read_feed(data: bytes, url: str, content_type: str | None, window: int) -> FeedDocument:
    """The newest ``window`` entries of a feed document, each GUID or link once.

    A document with no entry that is not even a feed (an HTML page, malformed XML, JSON) is
    refused with ``source_error`` / ``not_a_feed``; an empty but valid feed is not.
    """
    import feedparser  # loaded with the first poll, not with the bot

    ends = [match.end() for _, match in zip(range(MAX_PARSED_ITEMS), _ITEM_END.finditer(data),
                                              strict=False)]
    if len(ends) == MAX_PARSED_ITEMS:
        data = data[: ends[-1]]
    headers = {"content-location": url}
    if content_type:
        headers["content-type"] = content_type
    try:
        parsed = feedparser.parse(data, response_headers=headers, sanitize_html=False,
                                  resolve_relative_uris=False)
    except Exception as error:  # feedparser is lenient, but whatever it trips on is the feed's
        raise KiosqueError("source_error", source=url, problem="not_a_feed",
                           detail=type(error).__name__) from None
    if not parsed.entries and (parsed.bozo or not parsed.version):
        problem = parsed.get("bozo_exception")
        detail = "no RSS or Atom feed in it"
        if parsed.version and problem is not None:
            detail = f"malformed XML ({_first_line(problem)})"
        raise KiosqueError("source_error", source=url, problem="not_a_feed", detail=detail)
    entries = []
    seen: set[str] = set()
    for order, raw in enumerate(parsed.entries):
        entry = _entry(raw, url)
        keys = {k for k in (f"g:{entry.guid}" if entry.guid else "",
                            f"l:{entry.link}" if entry.link else "") if k}
        if keys & seen:  # a GUID or a link given twice: the first item only
            continue
        seen |= keys
        entries.append((order, entry))
    # Newest first by the dates they give; undated items keep the feed's order, after them.
    entries.sort(key=lambda pair: (-(pair[1].published or 0), pair[0]))
    title = parsed.feed.get("title") or None
    return FeedDocument(title, tuple(entry for _, entry in entries[:window]),
                        len(parsed.entries))


def _entry(raw: dict, base: str) -> Entry:
    link = (raw.get("link") or "").strip() or None
    if link:
        link = urljoin(base, link)
    guid = (raw.get("id") or "").strip() or None
    title = " ".join((raw.get("title") or "").split())
    body = [raw.get("summary") or ""] + [c.get("value", "") for c in raw.get("content") or []]
    digest = hashlib.sha256("\x1f".join([title, link or "", *body]).encode("utf-8", "replace"))
    when = raw.get("published_parsed") or raw.get("updated_parsed")
    return Entry(guid, link, title, digest.hexdigest(), calendar.timegm(when) if when else None)


def _first_line(problem: BaseException) -> str:
    text = " ".join(str(problem).split()) or type(problem).__name__
    return text[:120]


class Seen:
    """The items already seen in a feed, looked up by GUID, link and content hash."""

    def __init__(self, known: list[FeedItem]) -> None:
        self.by: dict[str, dict[str, FeedItem]] = {"guid": {}, "link": {}, "content_hash": {}}
        for item in known:  # oldest first: the first item seen with a key keeps it
            for key, index in self.by.items():
                value = getattr(item, key)
                if value is not None:
                    index.setdefault(value, item)

    def matching(self, entry: Entry) -> FeedItem | None:
        """The item ``entry`` is: same GUID, else same link, else same content."""
        for key, value in (("guid", entry.guid), ("link", entry.link),
                           ("content_hash", entry.content_hash)):
            if value is not None and value in self.by[key]:
                return self.by[key][value]
        return None


def to_do(entries: tuple[Entry, ...], known: list[FeedItem], attempts: int) -> list[Work]:
    """The entries a poll must fetch, newest first: new ones, those whose content changed
    since they were indexed, and those whose page failed fewer than ``attempts`` times."""
    seen = Seen(known)
    work = []
    taken: set[int] = set()
    for entry in entries:
        item = seen.matching(entry)
        if item is None:
            work.append(Work(entry, None))
            continue
        if item.id in taken:
            continue  # two entries of this poll are one item: the newest stands for it
        taken.add(item.id)
        if item.state == FAILED:
            if item.attempts < attempts or item.content_hash != entry.content_hash:
                work.append(Work(entry, item))
        elif item.content_hash != entry.content_hash and item.link is not None:
            work.append(Work(entry, item))
    return work


def page_hash(data: bytes) -> str:
    """What tells two downloads of an item's page apart."""
    return hashlib.sha256(data).hexdigest()


def wait_seconds(
    interval: int,
    failures: int,
    quiet: int,
    longest: int,
    jitter: float,
    chance: random.Random,
    factor: float = 1.5,
) -> float:
    """How long to wait before the next poll: ``interval``, doubled for each failure in a row,
    or stretched by ``factor`` for each poll in a row that found nothing new; at most
    ``longest``; then moved by up to ``jitter`` (a fraction) either way, so that feeds added
    together are not all polled in the same second."""
    stretch = 2.0 ** min(failures, 30) if failures else factor ** min(quiet, 60)
    wait = min(interval * stretch, float(longest))
    return wait * chance.uniform(1 - jitter, 1 + jitter)
