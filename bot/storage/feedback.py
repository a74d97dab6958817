"""Members' votes on answers: one per member and answer, changeable, kept with what was asked
and quoted so that the questions voted down can become evaluation cases."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from bot.storage.history import passages_json
from bot.storage.protocol import Database
from bot.values import Turn, Votes


class Feedback:
    """Reads and writes the ``feedback`` table."""

    def __init__(self, database: Database) -> None:
        self.database = database

    async def vote(self, space: str, turn: Turn, member: str, up: bool) -> tuple[int, int]:
        """Record (or change) a member's vote on an answer; the answer's votes up and down."""
        now = datetime.now(UTC).isoformat(timespec="seconds")
        async with self.database.transaction() as db:
            await db.execute(
                "INSERT INTO feedback (turn_id, member, vote, voted_at, space, article_id,"
                " version, question, passages) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)"
                " ON CONFLICT(turn_id, member) DO UPDATE SET vote = excluded.vote,"
                " voted_at = excluded.voted_at",
                (
                    turn.id,
                    member,
                    1 if up else -1,
                    now,
                    space,
                    turn.article_id,
                    turn.version,
                    turn.question,
                    passages_json(turn.passages),
                ),
            )
        row = await self.database.fetchone(
            "SELECT COUNT(*) FILTER (WHERE vote > 0), COUNT(*) FILTER (WHERE vote < 0)"
            " FROM feedback WHERE turn_id = ?",
            (turn.id,),
        )
        return int(row[0] or 0), int(row[1] or 0)

    async def report(self, space: str | None = None) -> list[Votes]:
        """Votes per article (of one space, or all), with the questions voted down."""
        where, params = ("WHERE f.space = ?", (space,)) if space else ("", ())
        rows = await self.database.fetchall(
            "SELECT f.space, f.article_id, COALESCE(a.title, '') AS title,"
            " COUNT(*) FILTER (WHERE f.vote > 0) AS up, COUNT(*) FILTER (WHERE f.vote < 0) AS down"
            f" FROM feedback f LEFT JOIN articles a ON a.id = f.article_id {where}"
            " GROUP BY f.space, f.article_id, a.title ORDER BY down DESC, f.article_id",
            params,
        )
        report = []
        for row in rows:
            down = await self.database.fetchall(
                "SELECT question, passages FROM feedback WHERE space = ? AND article_id = ?"
                " AND vote < 0 ORDER BY voted_at",
                (row["space"], row["article_id"]),
            )
            report.append(
                Votes(
                    space=row["space"],
                    article_id=row["article_id"],
                    title=row["title"],
                    up=int(row["up"] or 0),
                    down=int(row["down"] or 0),
                    downvoted=tuple(
                        (d["question"], tuple(p["text"] for p in json.loads(d["passages"])))
                        for d in down
                    ),
                )
            )
        return report
