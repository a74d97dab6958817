"""Postgres's library-wide search: full text finds the rows holding a question's terms, then
``bot.storage.search`` ranks their sentences with FTS5's BM25 (``index.search.bm25``), as on SQLite.

Each row of ``search_rows`` (an article's title, a heading, a paragraph) carries its distinct
tokens in ``match_form`` as a ``tsvector``, with its space as one more lexeme that no token can
be (``#`` and the space's token: tokens are ``[a-z0-9]`` only), found through a GIN index.
"""

from __future__ import annotations

from bot.storage import search
from bot.storage.database import Connection, Row
from bot.storage.search import IndexRow, SearchIndex, index_row, space_token
from index.search.fields import match_form

BUDGET = 2000  # candidate sentences a question reads, at most about


def space_lexeme(space: str) -> str:
    """The lexeme every row of ``space`` holds (``#`` is in no token's ``match_form``)."""
    return "#" + space_token(space)


class PostgresIndex(SearchIndex):
    """The ``search_rows`` table with its GIN index."""

    @property
    def budget(self) -> int:
        """Candidate sentences a question reads, at most about."""
        return BUDGET

    async def _insert(self, db: Connection, space: str, low: int, rows: list[IndexRow]) -> None:
        lexeme = space_lexeme(space)
        await db.executemany(
            "INSERT INTO search_rows (id, section, first, count, terms, match)"
            " VALUES (?, ?, ?, ?, ?, array_to_tsvector(?::text[]))",
            [
                (low + r.n, r.section, r.first, r.count, r.terms,
                 [lexeme, *(match_form(t) for t in r.tokens())])
                for r in rows
            ],
        )

    async def _delete(self, db: Connection, space: str, low: int, high: int) -> list[IndexRow]:
        gone = await db.execute(
            "DELETE FROM search_rows WHERE id BETWEEN ? AND ?"
            " RETURNING id, section, first, count, terms",
            (low, high),
        )
        return [index_row(r, low) for r in gone.rows]

    async def _found(
        self, space: str, tokens: list[str], newest: int | None
    ) -> list[tuple[int, int, int]]:
        wanted = " | ".join(_lexeme(match_form(t)) for t in tokens)
        query = f"{_lexeme(space_lexeme(space))} & ({wanted})"
        # One statement: the rows found, then each one's article checked to be the space's
        # (a subquery per row: joined, the planner reads all the articles to hash them).
        check = ("(SELECT a.space FROM articles a"
                 f" WHERE a.id = found.id >> {int(search.SHIFT)}) = ?")
        if newest is None:
            rows = await self.database.fetchall(
                "SELECT found.id, found.section, found.count FROM search_rows found"
                f" WHERE found.match @@ ?::tsquery AND {check}",
                (query, space),
            )
        else:
            # Materialised: the GIN index finds every match at once; walking the primary key
            # backwards and testing each row's terms is ten times slower.
            rows = await self.database.fetchall(
                "WITH matches AS MATERIALIZED"
                " (SELECT id, section, count FROM search_rows WHERE match @@ ?::tsquery),"
                " found AS MATERIALIZED (SELECT * FROM matches ORDER BY id DESC LIMIT ?)"
                f" SELECT id, section, count FROM found WHERE {check}",
                (query, newest, space),
            )
        return [(r[0], r[1], r[2]) for r in rows]

    async def _read(self, lows: list[int], ids: list[int]) -> list[Row]:
        # Arrays, not lists of parameters: one statement text, prepared once whatever the
        # number of rows.
        return await self.database.fetchall(
            "SELECT r.id, r.section, r.first, r.count, r.terms FROM unnest(?::bigint[]) low"
            " JOIN search_rows r ON r.id BETWEEN low AND low + ?"
            " UNION ALL SELECT id, section, first, count, terms FROM search_rows"
            " WHERE id = ANY(?::bigint[])",
            (lows, (1 << search.SHIFT) - 1, ids),
        )


def _lexeme(term: str) -> str:
    """A lexeme quoted for a tsquery."""
    return "'" + term.replace("\\", "\\\\").replace("'", "''") + "'"
