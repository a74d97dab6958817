"""The library-wide search index: every sentence of every current article version, searched on
its analysed terms (``index.fields``), best sentences first.

Each backend has its engine (``Database.search_index``): SQLite's FTS5 here, in the same file
and the same transactions as the library; Postgres's in ``bot.postgres_search``. A version's
sentences are written in the transaction that writes the version: the index is never behind the
library, except for a database written before it existed, which ``catch_up`` indexes at start.

Both look a question's candidates up by its rarest terms first (``bm25.candidate_terms``), as
many as fit in a budget of matching sentences: BM25 gives common terms little weight anyway,
and scoring every sentence that holds "gouvernement" in a library of 100 000 articles is what
would make a question slow. When even the rarest term is in more sentences than the budget,
the candidates are the newest sentences that hold it, as many as the budget
(``bm25.newest_only``).
"""

from __future__ import annotations

import hashlib
import json
from abc import ABC, abstractmethod
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from index import bm25
from index.fields import SentenceFields, sentence_fields
from index.model import Article

if TYPE_CHECKING:
    from bot.database import Connection, Database

SHIFT = 20  # up to about a million sentences per article
WEIGHTS = bm25.WEIGHTS  # sentence, paragraph, title
CANDIDATES = 200
POSTINGS = 5_000  # sentences a question's terms may match before commoner terms are left out


@dataclass(frozen=True)
class Hit:
    """A sentence found by a library-wide search, with its BM25 score (higher is better)."""

    article_id: int
    sentence: int
    score: float


def library_lock(space: str) -> str:
    """The lock every write to a space's library (and its index) holds."""
    return f"library:{space}"


def space_token(space: str) -> str:
    """The space as a fixed-length alphanumeric token (full-text engines split ``guild:123``
    in two)."""
    return "s" + hashlib.sha1(space.encode()).hexdigest()[:16]


class SearchIndex(ABC):
    """The contract of both engines: ``replace`` an article's sentences inside the library's
    transaction, ``search`` a space's sentences on some terms."""

    def __init__(self, database: Database) -> None:
        self.database = database

    @abstractmethod
    async def replace(
        self,
        db: Connection,
        space: str,
        article_id: int,
        version: int,
        article: Article,
        fields: list[SentenceFields] | None = None,
    ) -> None:
        """Index an article's new current version in the caller's write transaction
        (``fields``: its ``sentence_fields``, when the caller has them already)."""

    @abstractmethod
    async def search(self, space: str, terms: list[str], limit: int = CANDIDATES) -> list[Hit]:
        """The best sentences of a space for some terms, best first (BM25 over the sentence,
        its paragraph and its title, weighted by ``WEIGHTS``)."""

    async def catch_up(self) -> int:
        """Index every current version the index does not hold yet; how many."""
        behind = await self.database.fetchall(
            "SELECT a.id, a.space FROM articles a WHERE a.current_version > 0"
            " AND (a.search_version IS NULL OR a.search_version != a.current_version)"
        )
        for row in behind:
            async with self.database.transaction(library_lock(row["space"])) as db:
                # Read again under the lock: another process may have caught it up meanwhile.
                current = (await db.execute(
                    "SELECT a.current_version, v.content FROM articles a JOIN versions v"
                    " ON v.article_id = a.id AND v.version = a.current_version"
                    " WHERE a.id = ? AND (a.search_version IS NULL"
                    " OR a.search_version != a.current_version)",
                    (row["id"],),
                )).first()
                if current is not None:
                    article = Article.from_dict(json.loads(current["content"]))
                    await self.replace(
                        db, row["space"], row["id"], current["current_version"], article
                    )
        return len(behind)


class Fts5Index(SearchIndex):
    """SQLite's engine: the ``sentence_index`` FTS5 table, one row per sentence (its terms, its
    paragraph's, its title's), rowid ``article_id << 20 | sentence`` so that replacing an
    article's rows is a range delete.

    Each term is prefixed by its space's token, so that a term's posting list and its count of
    sentences (``sentence_terms``, kept in the same transactions) are the space's own: one
    server's library never weighs on another's ranking or speed.
    """

    async def replace(
        self,
        db: Connection,
        space: str,
        article_id: int,
        version: int,
        article: Article,
        fields: list[SentenceFields] | None = None,
    ) -> None:
        """Index an article's new current version in the caller's write transaction."""
        low, high = article_id << SHIFT, ((article_id + 1) << SHIFT) - 1
        gone = await db.execute(
            "SELECT text, paragraph, title FROM sentence_index WHERE rowid BETWEEN ? AND ?",
            (low, high),
        )
        counts = _counts(((r["text"], r["paragraph"], r["title"]) for r in gone.rows), -1)
        await db.execute("DELETE FROM sentence_index WHERE rowid BETWEEN ? AND ?", (low, high))
        token = space_token(space)
        rows = [
            (
                low + f.sentence,
                _prefixed(f.text, token),
                _prefixed(f.paragraph, token),
                _prefixed(f.title, token),
            )
            for f in (sentence_fields(article) if fields is None else fields)
        ]
        await db.executemany(
            "INSERT INTO sentence_index (rowid, text, paragraph, title) VALUES (?, ?, ?, ?)", rows
        )
        counts.update(_counts([row[1:] for row in rows], 1))
        await db.executemany(
            "INSERT INTO sentence_terms (term, sentences) VALUES (?, ?) ON CONFLICT (term)"
            " DO UPDATE SET sentences = sentences + excluded.sentences",
            [(term, count) for term, count in sorted(counts.items()) if count],
        )
        await db.execute(
            "UPDATE articles SET search_version = ? WHERE id = ?", (version, article_id)
        )

    async def search(self, space: str, terms: list[str], limit: int = CANDIDATES) -> list[Hit]:
        """The best sentences of a space for some terms, best first."""
        token = space_token(space)
        wanted = list(dict.fromkeys(token + t.lower() for t in terms if t.isalnum()))
        if not wanted:
            return []
        having = await self.database.fetchall(
            "SELECT term, sentences FROM sentence_terms"
            f" WHERE term IN ({', '.join('?' * len(wanted))})",
            tuple(wanted),
        )
        counts = {r["term"]: int(r["sentences"]) for r in having}
        chosen = bm25.candidate_terms(counts, POSTINGS)
        if not chosen:
            return []
        match = " OR ".join(f'"{t}"' for t in chosen)
        floor = 0  # rowids grow with articles: the newest sentences have the largest
        if bm25.newest_only(counts, chosen, POSTINGS):
            row = await self.database.fetchone(
                "SELECT rowid FROM sentence_index WHERE sentence_index MATCH ?"
                " ORDER BY rowid DESC LIMIT 1 OFFSET ?",
                (match, POSTINGS - 1),
            )
            floor = row["rowid"] if row else 0
        rows = await self.database.fetchall(
            "SELECT rowid, bm25(sentence_index, ?, ?, ?) AS rank FROM sentence_index"
            " WHERE sentence_index MATCH ? AND rowid >= ? ORDER BY rank LIMIT ?",
            (*WEIGHTS, match, floor, limit),
        )
        mask = (1 << SHIFT) - 1
        return [Hit(r["rowid"] >> SHIFT, r["rowid"] & mask, -float(r["rank"])) for r in rows]


def _prefixed(words: str, token: str) -> str:
    return " ".join(token + word for word in words.split())


def _counts(rows: Iterable[Sequence[str]], sign: int) -> Counter[str]:
    """How many of ``rows`` (a sentence's fields) hold each term, times ``sign``."""
    counts: Counter[str] = Counter()
    for fields in rows:
        for term in set(" ".join(fields).split()):
            counts[term] += sign
    return counts
