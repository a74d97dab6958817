"""The library-wide search index: every sentence of every current article version, searched on
its analysed terms (``index.fields``), best sentences first.

Each backend has its engine (``Database.search_index``): SQLite's FTS5 here, in the same file
and the same transactions as the library; Postgres's in ``bot.postgres_search``. A version's
sentences are written in the transaction that writes the version: the index is never behind the
library, except for a database written before it existed, which ``catch_up`` indexes at start.
"""

from __future__ import annotations

import hashlib
import json
from abc import ABC, abstractmethod
from dataclasses import dataclass
from typing import TYPE_CHECKING

from index import bm25
from index.fields import SentenceFields, sentence_fields
from index.model import Article

if TYPE_CHECKING:
    from bot.database import Connection, Database

SHIFT = 20  # up to about a million sentences per article
WEIGHTS = (*bm25.WEIGHTS, 0.0)  # sentence, paragraph, title, space
CANDIDATES = 200


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
    """The space as one alphanumeric token (full-text engines split ``guild:123`` in two)."""
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
    paragraph's, its title's, and its space as one token), rowid ``article_id << 20 |
    sentence`` so that replacing an article's rows is a range delete."""

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
        await db.execute("DELETE FROM sentence_index WHERE rowid BETWEEN ? AND ?", (low, high))
        token = space_token(space)
        await db.executemany(
            "INSERT INTO sentence_index (rowid, text, paragraph, title, space)"
            " VALUES (?, ?, ?, ?, ?)",
            [
                (low + f.sentence, f.text, f.paragraph, f.title, token)
                for f in (sentence_fields(article) if fields is None else fields)
            ],
        )
        await db.execute(
            "UPDATE articles SET search_version = ? WHERE id = ?", (version, article_id)
        )

    async def search(self, space: str, terms: list[str], limit: int = CANDIDATES) -> list[Hit]:
        """The best sentences of a space for some terms, best first."""
        if not terms:
            return []
        wanted = " OR ".join(f'"{t}"' for t in terms)
        query = f'space : "{space_token(space)}" AND ({wanted})'
        rows = await self.database.fetchall(
            "SELECT rowid, bm25(sentence_index, ?, ?, ?, ?) AS rank FROM sentence_index"
            " WHERE sentence_index MATCH ? ORDER BY rank LIMIT ?",
            (*WEIGHTS, query, limit),
        )
        mask = (1 << SHIFT) - 1
        return [Hit(r["rowid"] >> SHIFT, r["rowid"] & mask, -float(r["rank"])) for r in rows]
