"""SQLite's library-wide search: FTS5 finds the rows holding a question's terms, then
``bot.storage.search`` ranks their sentences (``index.search.bm25``), as on Postgres."""

from __future__ import annotations

from bot.storage import search
from bot.storage.protocol import Connection
from bot.storage.search import (
    IndexRow,
    Lookup,
    SearchIndex,
    chunks,
    index_row,
    marks,
    space_token,
)
from index.search.fields import match_form


class Fts5Index(SearchIndex):
    """SQLite's engine: ``search_match``, a contentless FTS5 table (no positions, no sizes)
    holding each row's distinct tokens, each prefixed by its space's token, so that a token's
    posting list is its space's own: one server's library never weighs on another's speed."""

    async def _insert(self, db: Connection, space: str, low: int, rows: list[IndexRow]) -> None:
        await db.executemany(
            "INSERT INTO search_rows (id, section, first, count, terms) VALUES (?, ?, ?, ?, ?)",
            [(low + r.n, r.section, r.first, r.count, r.terms) for r in rows],
        )
        await db.executemany(
            "INSERT INTO search_match (rowid, terms) VALUES (?, ?)",
            [(low + r.n, _matched(space, r)) for r in rows],
        )

    async def _delete(self, db: Connection, space: str, low: int, high: int) -> list[IndexRow]:
        gone = await db.execute(
            "DELETE FROM search_rows WHERE id BETWEEN ? AND ?"
            " RETURNING id, section, first, count, terms",
            (low, high),
        )
        rows = [index_row(r, low) for r in gone.rows]
        # A contentless table forgets a row given the very text it was written with.
        await db.executemany(
            "INSERT INTO search_match (search_match, rowid, terms) VALUES ('delete', ?, ?)",
            [(low + r.n, _matched(space, r)) for r in rows],
        )
        return rows

    async def _found(self, space: str, lookup: Lookup) -> list[tuple[int, int, int]]:
        token = space_token(space)
        match = " OR ".join(f'"{token}{match_form(t)}"' for t in lookup.tokens)
        if lookup.newest is None:
            rows = await self.database.fetchall(
                "SELECT rowid FROM search_match WHERE search_match MATCH ?", (match,)
            )
        else:
            rows = await self.database.fetchall(
                "SELECT rowid FROM search_match WHERE search_match MATCH ?"
                " ORDER BY rowid DESC LIMIT ?",
                (match, lookup.newest),
            )
        found = []
        for part in chunks(sorted({r[0] for r in rows})):
            found += [(r[0], r[1], r[2]) for r in await self.database.fetchall(
                "SELECT r.id, r.section, r.count FROM search_rows r"
                f" JOIN articles a ON a.id = (r.id >> {int(search.SHIFT)})"
                f" WHERE a.space = ? AND r.id IN ({marks(part)})",
                (space, *part),
            )]
        return found


def _matched(space: str, row: IndexRow) -> str:
    token = space_token(space)
    return " ".join(token + match_form(t) for t in row.tokens())
