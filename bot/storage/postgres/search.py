"""Postgres's library-wide search: full text finds the rows holding a question's terms, then
``bot.storage.search`` ranks their sentences with FTS5's BM25 (``index.search.bm25``), as on SQLite.

Each row of ``search_rows`` (an article's title, a heading, a paragraph) stores its distinct
tokens in ``match_form`` as a ``tsvector``, with its space as one more lexeme that no token can
be (``#`` and the space's token: tokens are ``[a-z0-9]`` only). The GIN index is not on that
column but on ``search_lexemes(match, id >> SPANNED)`` (migration 005 of this folder),
which spells each token after the space's token, as SQLite's index does, alone and with ``@``
and the row's span of article ids (``span``). A term's posting list is so its space's own:
ANDing the space's lexeme with the terms made GIN walk every row of the space (120 ms for
"crash | avion" at 100 000 articles, half a millisecond now). And the newest rows that hold a
common word are found in the newest spans, without reading the others. The stored column stays
short: the table is read for every row found, and a narrow one stays in memory.
"""

from __future__ import annotations

import math

from bot.storage import search
from bot.storage.protocol import Connection, Row
from bot.storage.search import IndexRow, Lookup, SearchIndex, index_row, space_token
from index.search.fields import match_form

BUDGET = 2000  # candidate sentences a question reads, at most about
SPANNED = 30  # a row's span is its id >> SPANNED: 1024 articles' rows (SHIFT is 20)
WIDER = 4  # a window of spans that found nothing is followed by one this many times wider
PER_ROW = 6  # sentences holding a word per row holding it, at most about (first window)
INDEXED = f"search_lexemes(match, id >> {SPANNED})"  # the index's expression, as queries spell it


def space_lexeme(space: str) -> str:
    """The lexeme every row of ``space`` holds (``#`` is in no token's ``match_form``)."""
    return "#" + space_token(space)


def span(article_id: int) -> int:
    """The span of article ids an article's rows are in (``SPANNED``)."""
    return (article_id << search.SHIFT) >> SPANNED


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

    async def _found(self, space: str, lookup: Lookup) -> list[tuple[int, int, int]]:
        token = space_token(space)
        words = [token + match_form(t) for t in lookup.tokens]
        newest = lookup.newest
        if newest is None:
            return await self._rows(" | ".join(map(_lexeme, words)), space)
        # The newest rows holding a common word, window by window of spans from the newest
        # (GIN reads the window's rows only), until ``newest`` rows are found: the first window
        # is what should hold them at the word's frequency (a row holds it for about
        # ``PER_ROW`` sentences), the next twice what the rows found so far say the rest needs.
        high = span(lookup.last)
        width = max(1, math.ceil((high + 1) * PER_ROW * newest / max(lookup.holding, 1)))
        found: list[tuple[int, int, int]] = []
        spans = 0
        while high >= 0 and len(found) < newest:
            if width <= high:
                low = high - width + 1
                query = " | ".join(
                    _lexeme(f"{w}@{n}") for w in words for n in range(high, low - 1, -1)
                )
                below = None
            else:  # the rest at once: all the word's rows of the spans from ``high`` down
                low = 0
                query = " | ".join(map(_lexeme, words))
                below = (high + 1) << SPANNED
            found += await self._rows(query, space, newest - len(found), below)
            spans += high - low + 1
            high = low - 1
            width = (max(1, math.ceil(2 * (newest - len(found)) * spans / len(found)))
                     if found else width * WIDER)
        return found[:newest]

    async def _rows(
        self, query: str, space: str, newest: int | None = None, below: int | None = None
    ) -> list[tuple[int, int, int]]:
        """The rows matching a tsquery (with ``newest``: the ``newest`` largest ids, under
        ``below``, largest first), each one's article checked to be the space's, in one
        statement (a subquery per row: joined, the planner reads all the articles to hash
        them). The tsquery is a subquery's: the planner, which has no statistics for a span's
        lexemes, would read the whole table for a window of many spans rather than GIN."""
        check = ("(SELECT a.space FROM articles a"
                 f" WHERE a.id = found.id >> {int(search.SHIFT)}) = ?")
        if newest is None:
            rows = await self.database.fetchall(
                "SELECT found.id, found.section, found.count FROM search_rows found"
                f" WHERE {INDEXED} @@ (SELECT ?::tsquery) AND {check}",
                (query, space),
            )
        else:
            # Materialised: the GIN index finds every match at once; walking the primary key
            # backwards and testing each row's terms is ten times slower.
            rows = await self.database.fetchall(
                "WITH matches AS MATERIALIZED (SELECT id, section, count FROM search_rows"
                f"  WHERE {INDEXED} @@ (SELECT ?::tsquery) AND id < ?),"
                " found AS MATERIALIZED (SELECT * FROM matches ORDER BY id DESC LIMIT ?)"
                f" SELECT id, section, count FROM found WHERE {check} ORDER BY id DESC",
                (query, (1 << 62) if below is None else below, newest, space),
            )
        return [(r[0], r[1], r[2]) for r in rows]

    async def _read(self, lows: list[int], ids: list[int]) -> list[Row]:
        # Arrays, not lists of parameters: one statement, prepared once whatever the number of
        # rows. An article's rows through a LIMIT: joined on a bare range, the planner expects
        # a tenth of the table for each article, and compiles the plan (JIT) for longer than
        # it runs.
        return await self.database.fetchall(
            "SELECT r.* FROM unnest(?::bigint[]) low CROSS JOIN LATERAL"
            " (SELECT id, section, first, count, terms FROM search_rows"
            "  WHERE id BETWEEN low AND low + ? ORDER BY id LIMIT ?) r"
            " UNION ALL SELECT id, section, first, count, terms FROM search_rows"
            " WHERE id = ANY(?::bigint[])",
            (lows, (1 << search.SHIFT) - 1, 1 << search.SHIFT, ids),
        )


def _lexeme(term: str) -> str:
    """A lexeme quoted for a tsquery."""
    return "'" + term.replace("\\", "\\\\").replace("'", "''") + "'"
