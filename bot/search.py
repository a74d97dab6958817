"""The library-wide search index: every sentence of every current article version, in SQLite's
FTS5, in the same file and the same transactions as the library.

Each sentence is one row: its terms, its paragraph's and its title's, each term prefixed by a
token of its space, so that a term's posting list, and its document frequency, are the space's
own (one server's library never weighs on another's ranking or speed). Its rowid is
``article_id << 20 | sentence``, so that replacing an article's rows is a range delete.

A question is searched on its rarest terms first, as many as fit in ``POSTINGS`` matching
sentences: BM25 gives common terms little weight anyway, and scoring every sentence that
holds "gouvernement" in a library of 100 000 articles is what would make a question slow.

A version's rows are written in the transaction that writes the version: the index is never
behind the library, except for a database written before it existed, which ``catch_up``
indexes at start.
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import aiosqlite

from bot.database import Database
from index.fields import SentenceFields, sentence_fields
from index.model import Article

SHIFT = 20  # up to about a million sentences per article
WEIGHTS = (1.0, 0.3, 0.3)  # sentence, paragraph, title
CANDIDATES = 200
POSTINGS = 5_000  # sentences a question's terms may match before commoner terms are left out
COMMONEST = 4  # a term matching more than this many times POSTINGS is never searched on


@dataclass(frozen=True)
class Hit:
    """A sentence found by a library-wide search, with its BM25 score (higher is better)."""

    article_id: int
    sentence: int
    score: float


def space_token(space: str) -> str:
    """The space as a fixed-length alphanumeric prefix (FTS5 splits ``guild:123`` in two)."""
    return "s" + hashlib.sha1(space.encode()).hexdigest()[:16]


def _prefixed(words: str, token: str) -> str:
    return " ".join(token + word for word in words.split())


class SearchIndex:
    """Writes and reads the ``sentence_index`` FTS5 table."""

    def __init__(self, database: Database) -> None:
        self.database = database

    async def replace(
        self,
        db: aiosqlite.Connection,
        space: str,
        article_id: int,
        version: int,
        article: Article,
        fields: list[SentenceFields] | None = None,
    ) -> None:
        """Index an article's new current version in the caller's write transaction
        (``fields``: its ``sentence_fields``, when the caller has them already)."""
        low, high = article_id << SHIFT, ((article_id + 1) << SHIFT) - 1
        async with db.execute(
            "SELECT text, paragraph, title FROM sentence_index WHERE rowid BETWEEN ? AND ?",
            (low, high),
        ) as cursor:
            counts = _counts(await cursor.fetchall(), -1)
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
            [(term, count) for term, count in counts.items() if count],
        )
        await db.execute(
            "UPDATE articles SET search_version = ? WHERE id = ?", (version, article_id)
        )

    async def search(self, space: str, terms: list[str], limit: int = CANDIDATES) -> list[Hit]:
        """The best sentences of a space for some terms, best first."""
        token = space_token(space)
        wanted = [token + t for t in terms if t.isalnum()]
        if not wanted:
            return []
        counts = await self.database.fetchall(
            "SELECT term, sentences FROM sentence_terms"
            f" WHERE term IN ({', '.join('?' * len(wanted))}) AND sentences > 0",
            tuple(wanted),
        )
        chosen = _rarest({row["term"]: int(row["sentences"]) for row in counts})
        if not chosen:
            return []
        rows = await self.database.fetchall(
            "SELECT rowid, bm25(sentence_index, ?, ?, ?) AS rank FROM sentence_index"
            " WHERE sentence_index MATCH ? ORDER BY rank LIMIT ?",
            (*WEIGHTS, " OR ".join(f'"{t}"' for t in chosen), limit),
        )
        mask = (1 << SHIFT) - 1
        return [Hit(r["rowid"] >> SHIFT, r["rowid"] & mask, -float(r["rank"])) for r in rows]

    async def catch_up(self) -> int:
        """Index every current version the index does not hold yet; how many."""
        behind = await self.database.fetchall(
            "SELECT a.id, a.space, a.current_version, v.content FROM articles a"
            " JOIN versions v ON v.article_id = a.id AND v.version = a.current_version"
            " WHERE a.current_version > 0"
            " AND (a.search_version IS NULL OR a.search_version != a.current_version)"
        )
        for row in behind:
            article = Article.from_dict(json.loads(row["content"]))
            async with self.database.transaction() as db:
                await self.replace(db, row["space"], row["id"], row["current_version"], article)
        return len(behind)


def _counts(rows: Iterable[Sequence[str]], sign: int) -> Counter[str]:
    """How many of ``rows`` (a sentence's fields) hold each term, times ``sign``."""
    counts: Counter[str] = Counter()
    for fields in rows:
        for term in set(" ".join(fields).split()):
            counts[term] += sign
    return counts


def _rarest(documents: dict[str, int], postings: int = POSTINGS) -> list[str]:
    """The rarest terms whose matching sentences add up to at most ``postings``; the rarest
    alone when it matches more, unless it matches more than ``COMMONEST`` times that: a
    question made only of words found everywhere has nothing to find its article by."""
    chosen, total = [], 0
    for term in sorted(documents, key=lambda t: (documents[t], t)):
        over = total + documents[term] > postings
        if over and (chosen or documents[term] > COMMONEST * postings):
            break
        chosen.append(term)
        total += documents[term]
    return chosen
