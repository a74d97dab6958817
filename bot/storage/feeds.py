"""The feeds a space follows, the items seen in each, and who polls which feed right now.

A feed is polled by one process at a time across every process sharing the database: the one
holding its lease, a (owner, expiry) pair taken by one conditional ``UPDATE`` (``lease``). A
process that dies stops renewing it, and any other takes the feed over once it expires. Dates
are ISO 8601 text in UTC (``stamp``), so that they compare as they sort on both engines.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime

from bot.errors import KiosqueError
from bot.storage.protocol import Database, Row

# What an item row's ``state`` says: indexed as an article; left out (no link, or beyond what
# a new feed's first poll takes); its page failed (tried again, up to a few attempts).
INDEXED, SKIPPED, FAILED = "indexed", "skipped", "failed"

_FEED_COLUMNS = (
    "id, space, url, channel_id, title, paused, pause_reason, etag, last_modified,"
    " interval_seconds, next_poll_at, failures, quiet_polls, last_error, last_polled_at,"
    " lease_owner, lease_expires_at"
)
_ITEM_COLUMNS = (
    "id, feed_id, guid, link, content_hash, page_hash, state, attempts, article_id, version,"
    " announced"
)


def stamp(moment: datetime) -> str:
    """A moment as stored: UTC, to the microsecond, one fixed width (text order = time order)."""
    return moment.astimezone(UTC).isoformat(timespec="microseconds")


def feeds_lock(space: str) -> str:
    """The lock adding a feed to a space holds (the per-space cap is counted under it)."""
    return f"feeds:{space}"


@dataclass(frozen=True)
class Feed:
    """A followed feed and where its polling stands."""

    id: int
    space: str
    url: str
    channel: int | None
    title: str | None
    paused: bool
    pause_reason: KiosqueError | None  # why its failures paused it (``None``: an admin did)
    etag: str | None
    last_modified: str | None
    interval: int  # seconds between polls when all goes well
    next_poll_at: str
    failures: int  # in a row
    quiet_polls: int  # polls in a row that found nothing new
    last_error: KiosqueError | None
    last_polled_at: str | None
    lease_owner: str | None = None
    lease_expires_at: str | None = None


@dataclass(frozen=True)
class FeedItem:
    """An item seen in a feed: its keys (GUID, link, content hash) and what became of it."""

    id: int
    feed_id: int
    guid: str | None
    link: str | None
    content_hash: str
    page_hash: str | None
    state: str
    attempts: int
    article_id: int | None
    version: int | None
    announced: bool


@dataclass(frozen=True)
class PollState:
    """What a poll leaves on its feed: validators for the next conditional GET, when to poll
    next, and the failure count (a pause when it reached the limit)."""

    etag: str | None
    last_modified: str | None
    next_poll_at: str
    failures: int
    quiet_polls: int
    last_error: KiosqueError | None
    polled_at: str
    title: str | None = None
    paused: bool = False


def error_json(error: KiosqueError | None) -> str | None:
    """An error as stored: its code and values, rendered later in the reader's language."""
    if error is None:
        return None
    values = {k: v if isinstance(v, int | float | bool) else str(v)
              for k, v in error.values.items()}
    return json.dumps({"code": error.code, "values": values}, ensure_ascii=False)


def error_of(text: str | None) -> KiosqueError | None:
    """The error a stored ``error_json`` stands for."""
    if not text:
        return None
    stored = json.loads(text)
    return KiosqueError(stored["code"], **stored["values"])


def _feed(row: Row) -> Feed:
    return Feed(
        id=int(row["id"]),
        space=row["space"],
        url=row["url"],
        channel=int(row["channel_id"]) if row["channel_id"] else None,
        title=row["title"],
        paused=bool(row["paused"]),
        pause_reason=error_of(row["pause_reason"]),
        etag=row["etag"],
        last_modified=row["last_modified"],
        interval=int(row["interval_seconds"]),
        next_poll_at=row["next_poll_at"],
        failures=int(row["failures"]),
        quiet_polls=int(row["quiet_polls"]),
        last_error=error_of(row["last_error"]),
        last_polled_at=row["last_polled_at"],
        lease_owner=row["lease_owner"],
        lease_expires_at=row["lease_expires_at"],
    )


def _item(row: Row) -> FeedItem:
    return FeedItem(
        id=int(row["id"]),
        feed_id=int(row["feed_id"]),
        guid=row["guid"],
        link=row["link"],
        content_hash=row["content_hash"],
        page_hash=row["page_hash"],
        state=row["state"],
        attempts=int(row["attempts"]),
        article_id=None if row["article_id"] is None else int(row["article_id"]),
        version=None if row["version"] is None else int(row["version"]),
        announced=bool(row["announced"]),
    )


class FeedStore:
    """Reads and writes ``feeds`` and ``feed_items``."""

    def __init__(self, database: Database) -> None:
        self.database = database

    async def add(
        self, space: str, url: str, channel: int | None, interval: int, cap: int, now: datetime
    ) -> Feed:
        """Follow ``url`` in ``space``, polled first at once; refused when the space already
        follows it or follows ``cap`` feeds."""
        async with self.database.transaction(feeds_lock(space)) as db:
            rows = (await db.execute("SELECT url FROM feeds WHERE space = ?", (space,))).rows
            if any(row["url"] == url for row in rows):
                raise KiosqueError("feed_exists", url=url)
            if len(rows) >= cap:
                raise KiosqueError("too_many_feeds", limit=cap)
            inserted = await db.execute(
                "INSERT INTO feeds (space, url, channel_id, interval_seconds, next_poll_at,"
                " created_at) VALUES (?, ?, ?, ?, ?, ?) RETURNING " + _FEED_COLUMNS,
                (space, url, None if channel is None else str(channel), interval, stamp(now),
                 stamp(now)),
            )
        return _feed(inserted.rows[0])

    async def get(self, feed_id: int) -> Feed | None:
        """A feed by id, whatever its space."""
        row = await self.database.fetchone(
            f"SELECT {_FEED_COLUMNS} FROM feeds WHERE id = ?", (feed_id,)
        )
        return None if row is None else _feed(row)

    async def of_space(self, space: str | None = None) -> list[Feed]:
        """A space's feeds (every space's: ``None``), oldest first."""
        if space is None:
            rows = await self.database.fetchall(
                f"SELECT {_FEED_COLUMNS} FROM feeds ORDER BY space, id"
            )
        else:
            rows = await self.database.fetchall(
                f"SELECT {_FEED_COLUMNS} FROM feeds WHERE space = ? ORDER BY id", (space,)
            )
        return [_feed(row) for row in rows]

    async def find(self, space: str, ref: str) -> Feed:
        """A feed of ``space`` named by its id or its URL."""
        text = ref.strip()
        if text.isdecimal() and int(text) < 1 << 63:
            row = await self.database.fetchone(
                f"SELECT {_FEED_COLUMNS} FROM feeds WHERE space = ? AND id = ?",
                (space, int(text)),
            )
        else:
            row = await self.database.fetchone(
                f"SELECT {_FEED_COLUMNS} FROM feeds WHERE space = ? AND url = ?", (space, text)
            )
        if row is None:
            raise KiosqueError("unknown_feed", ref=ref)
        return _feed(row)

    async def remove(self, feed: Feed) -> None:
        """Stop following a feed; its items are forgotten, its articles stay."""
        async with self.database.transaction() as db:
            await db.execute("DELETE FROM feed_items WHERE feed_id = ?", (feed.id,))
            await db.execute("DELETE FROM feeds WHERE id = ?", (feed.id,))

    async def set_paused(self, feed: Feed, paused: bool, now: datetime) -> Feed:
        """Pause a feed (by an admin: no reason) or resume it (its failures forgiven, polled
        at once)."""
        async with self.database.transaction() as db:
            changed = await db.execute(
                "UPDATE feeds SET paused = ?, pause_reason = NULL,"
                " failures = CASE WHEN ? = 1 THEN failures ELSE 0 END,"
                " next_poll_at = CASE WHEN ? = 1 THEN next_poll_at ELSE ? END"
                f" WHERE id = ? RETURNING {_FEED_COLUMNS}",
                (int(paused), int(paused), int(paused), stamp(now), feed.id),
            )
        if not changed.rows:
            raise KiosqueError("unknown_feed", ref=str(feed.id))
        return _feed(changed.rows[0])

    async def due(self, now: datetime, limit: int) -> list[Feed]:
        """Feeds whose poll time has come, that nobody polls now (no lease, or an expired
        one), longest waiting first."""
        moment = stamp(now)
        rows = await self.database.fetchall(
            f"SELECT {_FEED_COLUMNS} FROM feeds WHERE paused = 0 AND next_poll_at <= ?"
            " AND (lease_owner IS NULL OR lease_expires_at < ?) ORDER BY next_poll_at, id"
            " LIMIT ?",
            (moment, moment, limit),
        )
        return [_feed(row) for row in rows]

    async def lease(
        self, feed_id: int, owner: str, now: datetime, until: datetime,
        due_at: str | None = None,
    ) -> bool:
        """Take a feed for ``owner`` until ``until``, if nobody holds it or its holder's lease
        has expired: one statement, so of two processes asking at once one only gets it.
        ``due_at``: the poll time read when the feed was found due; a feed that another
        process polled since (its poll time moved) is not taken, nor polled twice."""
        still_due = "" if due_at is None else " AND next_poll_at = ?"
        async with self.database.transaction() as db:
            taken = await db.execute(
                "UPDATE feeds SET lease_owner = ?, lease_expires_at = ? WHERE id = ?"
                f" AND (lease_owner IS NULL OR lease_expires_at < ?){still_due} RETURNING id",
                (owner, stamp(until), feed_id, stamp(now))
                + (() if due_at is None else (due_at,)),
            )
        return bool(taken.rows)

    async def renew(self, feed_id: int, owner: str, until: datetime) -> bool:
        """Extend ``owner``'s lease; ``False`` when it lost it (expired and taken over)."""
        async with self.database.transaction() as db:
            kept = await db.execute(
                "UPDATE feeds SET lease_expires_at = ? WHERE id = ? AND lease_owner = ?"
                " RETURNING id",
                (stamp(until), feed_id, owner),
            )
        return bool(kept.rows)

    async def release(self, feed_id: int, owner: str, state: PollState | None = None) -> bool:
        """Give the lease back, writing what the poll found (``state``) in the same statement;
        nothing is written by an owner that lost its lease."""
        async with self.database.transaction() as db:
            if state is None:
                done = await db.execute(
                    "UPDATE feeds SET lease_owner = NULL, lease_expires_at = NULL"
                    " WHERE id = ? AND lease_owner = ? RETURNING id",
                    (feed_id, owner),
                )
                return bool(done.rows)
            ok = state.last_error is None
            done = await db.execute(
                "UPDATE feeds SET lease_owner = NULL, lease_expires_at = NULL, etag = ?,"
                " last_modified = ?, next_poll_at = ?, failures = ?, quiet_polls = ?,"
                " last_error = ?, last_polled_at = ?, title = COALESCE(?, title),"
                # A success resumes a feed its failures paused; never one an admin paused.
                " paused = CASE WHEN ? = 1 THEN 1"
                " WHEN ? = 1 AND pause_reason IS NOT NULL THEN 0 ELSE paused END,"
                " pause_reason = CASE WHEN ? = 1 THEN ? WHEN ? = 1 THEN NULL"
                " ELSE pause_reason END"
                " WHERE id = ? AND lease_owner = ? RETURNING id",
                (
                    state.etag, state.last_modified, state.next_poll_at, state.failures,
                    state.quiet_polls, error_json(state.last_error), state.polled_at,
                    state.title, int(state.paused), int(ok), int(state.paused),
                    error_json(state.last_error), int(ok), feed_id, owner,
                ),
            )
        return bool(done.rows)

    async def retrying(self, feed_id: int, attempts: int) -> bool:
        """Whether an item of the feed failed fewer than ``attempts`` times and is to be tried
        again (the one thing a poll must know before it asks the feed)."""
        row = await self.database.fetchone(
            "SELECT 1 FROM feed_items WHERE feed_id = ? AND state = ? AND attempts < ? LIMIT 1",
            (feed_id, FAILED, attempts),
        )
        return row is not None

    async def items(self, feed_id: int) -> list[FeedItem]:
        """Every item seen in a feed, oldest first."""
        rows = await self.database.fetchall(
            f"SELECT {_ITEM_COLUMNS} FROM feed_items WHERE feed_id = ? ORDER BY id", (feed_id,)
        )
        return [_item(row) for row in rows]

    async def record(
        self,
        feed_id: int,
        item_id: int | None,
        *,
        guid: str | None,
        link: str | None,
        content_hash: str,
        page_hash: str | None,
        state: str,
        attempts: int,
        article_id: int | None,
        version: int | None,
        now: datetime,
        renewed: bool = False,
    ) -> FeedItem:
        """Write what became of an item: a new row, or ``item_id``'s row updated (``renewed``:
        a new version of its article was indexed, a new announcement to make)."""
        async with self.database.transaction() as db:
            if item_id is None:
                written = await db.execute(
                    "INSERT INTO feed_items (feed_id, guid, link, content_hash, page_hash, state,"
                    " attempts, article_id, version, announced, seen_at)"
                    f" VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING {_ITEM_COLUMNS}",
                    (feed_id, guid, link, content_hash, page_hash, state, attempts, article_id,
                     version, int(state == SKIPPED), stamp(now)),
                )
            else:
                written = await db.execute(
                    "UPDATE feed_items SET guid = COALESCE(guid, ?), link = COALESCE(link, ?),"
                    " content_hash = ?, page_hash = COALESCE(?, page_hash), state = ?,"
                    " attempts = ?, article_id = COALESCE(?, article_id),"
                    " announced = CASE WHEN ? = 1 THEN 0 ELSE announced END,"
                    " version = COALESCE(?, version)"
                    f" WHERE id = ? RETURNING {_ITEM_COLUMNS}",
                    (guid, link, content_hash, page_hash, state, attempts, article_id,
                     int(renewed), version, item_id),
                )
        return _item(written.rows[0])

    async def unannounced(
        self, space: str | None = None, limit: int = 50
    ) -> list[tuple[Feed, FeedItem]]:
        """Items indexed and not yet announced, oldest first, of a space's feeds that are not
        paused (every space's: ``None``): what announcing reads."""
        where = "" if space is None else " AND f.space = ?"
        rows = await self.database.fetchall(
            "SELECT i.id FROM feed_items i JOIN feeds f ON f.id = i.feed_id"
            f" WHERE i.state = ? AND i.announced = 0 AND f.paused = 0{where}"
            " ORDER BY i.id LIMIT ?",
            (INDEXED, limit) if space is None else (INDEXED, space, limit),
        )
        found = []
        for row in rows:
            item = await self._item_by_id(int(row["id"]))
            feed = await self.get(item.feed_id) if item else None
            if item and feed:
                found.append((feed, item))
        return found

    async def spaces_with_news(self) -> list[str]:
        """The spaces that have items indexed and not yet announced (in feeds not paused)."""
        rows = await self.database.fetchall(
            "SELECT DISTINCT f.space FROM feed_items i JOIN feeds f ON f.id = i.feed_id"
            " WHERE i.state = ? AND i.announced = 0 AND f.paused = 0 ORDER BY f.space",
            (INDEXED,),
        )
        return [row["space"] for row in rows]

    async def pause_for(self, feed_id: int, reason: KiosqueError) -> bool:
        """Pause a feed for ``reason`` (its channel is gone, the bot may not post there);
        ``True`` only for the call that paused it, so that the admins are told once."""
        async with self.database.transaction() as db:
            done = await db.execute(
                "UPDATE feeds SET paused = 1, pause_reason = ?, last_error = ?"
                " WHERE id = ? AND paused = 0 RETURNING id",
                (error_json(reason), error_json(reason), feed_id),
            )
        return bool(done.rows)

    async def mark_announced(self, item_id: int) -> bool:
        """Mark an item announced; ``False`` when it already was (announce it once)."""
        async with self.database.transaction() as db:
            done = await db.execute(
                "UPDATE feed_items SET announced = 1 WHERE id = ? AND announced = 0 RETURNING id",
                (item_id,),
            )
        return bool(done.rows)

    async def _item_by_id(self, item_id: int) -> FeedItem | None:
        row = await self.database.fetchone(
            f"SELECT {_ITEM_COLUMNS} FROM feed_items WHERE id = ?", (item_id,)
        )
        return None if row is None else _item(row)
