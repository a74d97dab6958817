"""Postgres's library-wide search: full text finds the candidate sentences, BM25 ranks them.

Each sentence is a row of ``sentences``: its analysed terms as a ``tsvector`` (weight A for the
sentence's own, B its paragraph's, C its title's; the space as one more lexeme, as FTS5 has a
space column), found through a GIN index. Postgres's own ranking has no IDF, so the candidates
are ranked in Python with FTS5's BM25 (``index.bm25``), from statistics kept per space in the
same transactions: how many sentences hold each term (``term_stats``), and how many sentences
and tokens the space has (``space_stats``).
"""

from __future__ import annotations

from collections import Counter

from bot.database import Connection, Row
from bot.search import CANDIDATES, SHIFT, Hit, SearchIndex, space_token
from index import bm25
from index.fields import SentenceFields, sentence_fields
from index.model import Article

BUDGET = 2000  # candidate sentences read for a question, at most about (see candidate_terms)
MAX_POSITION = 16383  # Postgres keeps positions up to this in a tsvector


def document(fields: SentenceFields, token: str) -> tuple[int, str]:
    """A sentence's length in tokens and its ``tsvector`` literal (one position per token,
    labelled with its field's weight; the space token last)."""
    positions: dict[str, list[str]] = {}
    count = 0
    for letter, words in zip(bm25.FIELDS, bm25.field_tokens(fields), strict=True):
        for word in words:
            count += 1
            positions.setdefault(word, []).append(f"{min(count, MAX_POSITION)}{letter}")
    count += 1
    positions[token] = [str(min(count, MAX_POSITION))]
    return count, " ".join(f"'{_quoted(w)}':{','.join(p)}" for w, p in positions.items())


def _quoted(lexeme: str) -> str:
    return lexeme.replace("\\", "\\\\").replace("'", "''")


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
        rows = [(low + f.sentence, *document(f, token)) for f in fields]
        await db.executemany(
            "INSERT INTO sentences (id, length, terms) VALUES (?, ?, ?::tsvector)", rows
        )
        change = bm25.distinct_counts(fields)
        change.subtract(Counter(t for row in gone.rows for t in row["terms"] if t != token))
        change = {term: n for term, n in change.items() if n}
        await db.execute(
            "INSERT INTO term_stats (space, term, sentences)"
            " SELECT ?, term, n FROM unnest(?::text[], ?::int[]) AS d (term, n) ORDER BY term"
            " ON CONFLICT (space, term)"
            " DO UPDATE SET sentences = term_stats.sentences + excluded.sentences",
            (space, list(change), list(change.values())),
        )
        await db.execute(
            "DELETE FROM term_stats WHERE space = ? AND term = ANY(?::text[]) AND sentences <= 0",
            (space, [term for term, n in change.items() if n < 0]),
        )
        await db.execute(
            "INSERT INTO space_stats (space, sentences, tokens) VALUES (?, ?, ?)"
            " ON CONFLICT (space) DO UPDATE SET"
            " sentences = space_stats.sentences + excluded.sentences,"
            " tokens = space_stats.tokens + excluded.tokens",
            (
                space,
                len(rows) - len(gone.rows),
                sum(r[1] for r in rows) - sum(r["length"] for r in gone.rows),
            ),
        )
        await db.execute(
            "UPDATE articles SET search_version = ? WHERE id = ?", (version, article_id)
        )

    async def search(self, space: str, terms: list[str], limit: int = CANDIDATES) -> list[Hit]:
        """The best sentences of a space for some terms, best first."""
        wanted = list(dict.fromkeys(t.lower() for t in terms))
        totals = await self.database.fetchone(
            "SELECT sentences, tokens FROM space_stats WHERE space = ?", (space,)
        )
        if not wanted or totals is None or totals["sentences"] <= 0:
            return []
        having = {
            row["term"]: row["sentences"]
            for row in await self.database.fetchall(
                "SELECT term, sentences FROM term_stats WHERE space = ? AND term = ANY(?::text[])",
                (space, wanted),
            )
        }
        chosen = bm25.candidate_terms(having, BUDGET)
        if not chosen:
            return []
        query = f"'{space_token(space)}' & (" + " | ".join(f"'{_quoted(t)}'" for t in chosen) + ")"
        rows = await self.database.fetchall(
            "SELECT s.id, s.length, array_agg(u.lexeme) AS terms,"
            " array_agg(array_to_string(u.weights, '')) AS fields"
            " FROM sentences s, unnest(s.terms) AS u"
            " WHERE s.terms @@ ?::tsquery AND u.lexeme = ANY(?::text[])"
            " GROUP BY s.id",
            (query, list(having)),
        )
        sentences = totals["sentences"]
        average = totals["tokens"] / sentences
        idfs = {term: bm25.idf(sentences, n) for term, n in having.items()}
        scored = sorted((-_score(row, idfs, average), row["id"]) for row in rows)[:limit]
        mask = (1 << SHIFT) - 1
        return [Hit(row_id >> SHIFT, row_id & mask, -score) for score, row_id in scored]


def _score(row: Row, idfs: dict[str, float], average: float) -> float:
    """A candidate's BM25, from the fields each of its query terms occurs in."""
    frequencies = {
        term: bm25.frequency(letters)
        for term, letters in zip(row["terms"], row["fields"], strict=True)
    }
    return bm25.score(frequencies, row["length"], idfs, average)
