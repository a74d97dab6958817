"""Postgres's library-wide search: full text finds the candidate sentences, BM25 ranks them.

Each sentence is a row of ``sentences``: the terms of the sentence, its paragraph and its title
as a ``tsvector``, with its space as one more lexeme (FTS5 prefixes terms by it), found through
a GIN index; and each term's weighted frequency (``jsonb``). Postgres's own ranking has no IDF,
so the candidates are ranked in Python with FTS5's BM25 (``index.bm25``), from statistics kept
per space in the same transactions: how many sentences hold each term (``term_stats``), how
many sentences and tokens the space has (``space_stats``).

A question looks its candidates up by its rarest terms, up to ``BUDGET`` sentences
(``bm25.candidate_terms``): the ranking is FTS5's whenever its terms are in fewer sentences
than that; when even the rarest is in more, the candidates are the newest ``BUDGET`` sentences
that hold it (``bm25.newest_only``), as with FTS5.
"""

from __future__ import annotations

import json
from collections import Counter

import numpy as np

from bot.database import Connection
from bot.search import CANDIDATES, SHIFT, Hit, SearchIndex, space_token
from index import bm25
from index.fields import SentenceFields, sentence_fields
from index.model import Article

BUDGET = 2000  # candidate sentences a question reads, at most about


class PostgresIndex(SearchIndex):
    """The ``sentences`` table with its GIN index and statistics."""

    async def replace(
        self,
        db: Connection,
        space: str,
        article_id: int,
        version: int,
        article: Article,
        fields: list[SentenceFields] | None = None,
    ) -> None:
        """Index an article's new current version in the caller's write transaction, and
        update the space's statistics by what changed."""
        fields = sentence_fields(article) if fields is None else fields
        token = space_token(space)
        low, high = article_id << SHIFT, ((article_id + 1) << SHIFT) - 1
        gone = await db.execute(
            "DELETE FROM sentences WHERE id BETWEEN ? AND ?"
            " RETURNING length, tsvector_to_array(terms) AS terms",
            (low, high),
        )
        rows = []
        change: Counter[str] = Counter()
        for one in fields:
            length, frequencies = bm25.weighted(one)
            rows.append((low + one.sentence, length, [*frequencies, token],
                         json.dumps(frequencies)))
            change.update(frequencies.keys())
        await db.executemany(
            "INSERT INTO sentences (id, length, terms, frequencies)"
            " VALUES (?, ?, array_to_tsvector(?::text[]), ?::jsonb)",
            rows,
        )
        change.subtract(t for row in gone.rows for t in row["terms"] if t != token)
        await self._count(db, space, {term: n for term, n in change.items() if n})
        await db.execute(
            "INSERT INTO space_stats (space, sentences, tokens) VALUES (?, ?, ?)"
            " ON CONFLICT (space) DO UPDATE SET"
            " sentences = space_stats.sentences + excluded.sentences,"
            " tokens = space_stats.tokens + excluded.tokens",
            (
                space,
                len(rows) - len(gone.rows),
                sum(row[1] for row in rows) - sum(row["length"] for row in gone.rows),
            ),
        )
        await db.execute(
            "UPDATE articles SET search_version = ? WHERE id = ?", (version, article_id)
        )

    async def _count(self, db: Connection, space: str, change: dict[str, int]) -> None:
        """Add ``change`` to the number of sentences holding each term (in term order, so that
        no two writers could ever wait for each other's rows)."""
        await db.execute(
            "INSERT INTO term_stats (space, term, sentences)"
            " SELECT ?, term, n FROM unnest(?::text[], ?::int[]) AS d (term, n) ORDER BY term"
            " ON CONFLICT (space, term)"
            " DO UPDATE SET sentences = term_stats.sentences + excluded.sentences",
            (space, list(change), list(change.values())),
        )
        fewer = [term for term, n in change.items() if n < 0]
        if fewer:
            await db.execute(
                "DELETE FROM term_stats WHERE space = ? AND term = ANY(?::text[])"
                " AND sentences <= 0",
                (space, fewer),
            )

    async def search(self, space: str, terms: list[str], limit: int = CANDIDATES) -> list[Hit]:
        """The best sentences of a space for some terms, best first."""
        wanted = list(dict.fromkeys(t.lower() for t in terms))
        if not wanted:
            return []
        totals = await self.database.fetchone(
            "SELECT s.sentences, s.tokens, t.terms, t.counts FROM space_stats s"
            " CROSS JOIN LATERAL (SELECT array_agg(term) AS terms, array_agg(sentences) AS counts"
            " FROM term_stats WHERE space = s.space AND term = ANY(?::text[])) AS t"
            " WHERE s.space = ? AND s.sentences > 0",
            (wanted, space),
        )
        if totals is None or not totals["terms"]:
            return []
        having = dict(zip(totals["terms"], totals["counts"], strict=True))
        chosen = bm25.candidate_terms(having, BUDGET)
        if not chosen:
            return []
        known = list(having)
        query = f"{_lexeme(space_token(space))} & ({' | '.join(map(_lexeme, chosen))})"
        newest = ""  # ids grow with articles: the newest sentences have the largest
        if bm25.newest_only(having, chosen, BUDGET):
            # Materialised: the GIN index finds every match at once; walking the primary key
            # backwards and testing each row's terms is ten times slower.
            row = await self.database.fetchone(
                "WITH matches AS MATERIALIZED (SELECT id FROM sentences WHERE terms @@ ?::tsquery)"
                " SELECT id FROM matches ORDER BY id DESC OFFSET ? LIMIT 1",
                (query, BUDGET - 1),
            )
            # Written into the query, not passed: with a parameter the planner may keep one
            # generic plan for every bound, and pick a scan of the whole table for it.
            newest = f" AND s.id >= {int(row['id'])}" if row else ""
        found = ", ".join(["COALESCE((s.frequencies ->> ?)::float8, 0)"] * len(known))
        rows = await self.database.fetchall(
            f"SELECT s.id, s.length, ARRAY[{found}] AS frequencies FROM sentences s"
            f" WHERE s.terms @@ ?::tsquery{newest}",
            (*known, query),
        )
        if not rows:
            return []
        ids = np.array([row["id"] for row in rows], dtype=np.int64)
        ranked = bm25.scores(
            np.array([row["frequencies"] for row in rows], dtype=np.float64),
            np.array([row["length"] for row in rows], dtype=np.float64),
            np.array([bm25.idf(totals["sentences"], having[t]) for t in known]),
            totals["tokens"] / totals["sentences"],
        )
        best = np.lexsort((ids, -ranked))[:limit]
        mask = (1 << SHIFT) - 1
        return [Hit(int(ids[i]) >> SHIFT, int(ids[i]) & mask, float(ranked[i])) for i in best]


def _lexeme(term: str) -> str:
    """A term as a quoted tsquery lexeme."""
    return "'" + term.replace("\\", "\\\\").replace("'", "''") + "'"
