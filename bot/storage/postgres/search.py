"""Postgres's library-wide search: full text finds the rows holding a question's terms, then
``bot.storage.search`` ranks their sentences with FTS5's BM25 (``index.search.bm25``), as on SQLite.

Each row of ``search_rows`` (an article's title, a heading, a paragraph) carries its distinct
tokens in ``match_form`` as a ``tsvector``, with its space as one more lexeme that no token can
be (``#`` and the space's token: tokens are ``[a-z0-9]`` only), found through a GIN index.
"""

from __future__ import annotations

from bot.storage.protocol import Connection
from bot.storage.search import IndexRow, SearchIndex, index_row, space_token
from index.search.fields import match_form

BUDGET = 2000  # candidate sentences a question reads, at most about


def space_lexeme(space: str) -> str:
    """The lexeme every row of ``space`` holds (``#`` is in no token's ``match_form``)."""
    return "#" + space_token(space)


class PostgresIndex(SearchIndex):
    """The ``search_rows`` table with its GIN index."""

    number = "?::bigint"

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

    async def _match(self, space: str, tokens: list[str], newest: int | None) -> list[int]:
        wanted = " | ".join(_lexeme(match_form(t)) for t in tokens)
        query = f"{_lexeme(space_lexeme(space))} & ({wanted})"
        if newest is None:
            rows = await self.database.fetchall(
                "SELECT id FROM search_rows WHERE match @@ ?::tsquery", (query,)
            )
        else:
            # Materialised: the GIN index finds every match at once; walking the primary key
            # backwards and testing each row's terms is ten times slower.
            rows = await self.database.fetchall(
                "WITH matches AS MATERIALIZED"
                " (SELECT id FROM search_rows WHERE match @@ ?::tsquery)"
                " SELECT id FROM matches ORDER BY id DESC LIMIT ?",
                (query, newest),
            )
        return [int(r["id"]) for r in rows]


def _lexeme(term: str) -> str:
    """A lexeme quoted for a tsquery."""
    return "'" + term.replace("\\", "\\\\").replace("'", "''") + "'"
