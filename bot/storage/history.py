"""Per-channel state: the active article and the history of turns, capped per channel."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from bot.storage.protocol import Database, Row
from bot.values import Passage, Turn


class History:
    """Turns and active articles of every channel; channels never see each other's."""

    def __init__(self, database: Database, limit: int = 200) -> None:
        self.database = database
        self.limit = limit

    async def record(self, turn: Turn) -> int:
        """Append a turn and drop the channel's oldest ones beyond the cap, atomically; the
        new turn's id."""
        passages = passages_json(turn.passages)
        asked_at = (turn.asked_at or datetime.now(UTC)).isoformat(timespec="seconds")
        async with self.database.transaction() as db:
            inserted = await db.execute(
                "INSERT INTO turns (channel, author, question, article_id, version, abstained,"
                " passages, asked_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
                (
                    turn.channel,
                    turn.author,
                    turn.question,
                    turn.article_id,
                    turn.version,
                    int(turn.abstained),
                    passages,
                    asked_at,
                ),
            )
            turn_id = inserted.rows[0]["id"]
            await db.execute(
                "DELETE FROM turns WHERE channel = ? AND id NOT IN"
                " (SELECT id FROM turns WHERE channel = ? ORDER BY id DESC LIMIT ?)",
                (turn.channel, turn.channel, self.limit),
            )
        return turn_id

    async def get(self, turn_id: int) -> Turn | None:
        """One turn by its id (``None`` once trimmed or forgotten)."""
        row = await self.database.fetchone("SELECT * FROM turns WHERE id = ?", (turn_id,))
        return _turn(row) if row else None

    async def recent(self, channel: str, count: int = 10) -> list[Turn]:
        """The channel's last ``count`` turns, oldest first."""
        rows = await self.database.fetchall(
            "SELECT * FROM turns WHERE channel = ? ORDER BY id DESC LIMIT ?", (channel, count)
        )
        return [_turn(row) for row in reversed(rows)]

    async def page(self, channel: str, offset: int, count: int) -> list[Turn]:
        """``count`` turns of a channel after skipping the ``offset`` newest, oldest first."""
        rows = await self.database.fetchall(
            "SELECT * FROM turns WHERE channel = ? ORDER BY id DESC LIMIT ? OFFSET ?",
            (channel, count, offset),
        )
        return [_turn(row) for row in reversed(rows)]

    async def count(self, channel: str) -> int:
        """How many turns the channel keeps."""
        row = await self.database.fetchone(
            "SELECT COUNT(*) FROM turns WHERE channel = ?", (channel,)
        )
        return int(row[0])

    async def forget(self, channel: str) -> int:
        """Delete the channel's history; return how many turns were dropped."""
        async with self.database.transaction() as db:
            deleted = await db.execute("DELETE FROM turns WHERE channel = ?", (channel,))
            return deleted.rowcount

    async def active(self, channel: str) -> int | None:
        """The article the channel uses, if one was chosen."""
        row = await self.database.fetchone(
            "SELECT article_id FROM channels WHERE channel = ?", (channel,)
        )
        return int(row[0]) if row else None

    async def use(self, channel: str, article_id: int) -> None:
        """Make ``article_id`` the channel's active article."""
        async with self.database.transaction() as db:
            await db.execute(
                "INSERT INTO channels (channel, article_id) VALUES (?, ?)"
                " ON CONFLICT(channel) DO UPDATE SET article_id = excluded.article_id",
                (channel, article_id),
            )


def passages_json(passages: tuple[Passage, ...]) -> str:
    """Quoted passages as stored with a turn or a vote."""
    return json.dumps(
        [
            {
                "text": p.text,
                "section": p.section,
                "article_id": p.article_id,
                "score": p.score,
                "sentences": list(p.sentences),
                "sentence": p.sentence,
                "cut": p.cut,
                "bold": [list(span) for span in p.bold],
            }
            for p in passages
        ],
        ensure_ascii=False,
    )


def _turn(row: Row) -> Turn:
    passages = tuple(
        Passage(
            text=p["text"],
            section=p["section"],
            article_id=p["article_id"],
            score=p["score"],
            sentences=tuple(p.get("sentences", ())),
            sentence=p.get("sentence"),
            cut=p.get("cut", False),
            bold=tuple(tuple(span) for span in p.get("bold", ())),
        )
        for p in json.loads(row["passages"])
    )
    return Turn(
        channel=row["channel"],
        author=row["author"],
        question=row["question"],
        article_id=row["article_id"],
        version=row["version"],
        abstained=bool(row["abstained"]),
        passages=passages,
        asked_at=datetime.fromisoformat(row["asked_at"]),
        id=row["id"],
    )
