"""The library-wide search index: every sentence of every current article version, searched on
its analysed terms (``index.search.fields``), best sentences first.

An article is stored once, as rows of ``search_rows`` (its title, each section's heading, each
paragraph with its sentences' tokens), never a paragraph per sentence: storage stays linear in
the upload. Each engine finds the rows that hold a question's terms (``Database.search_index``:
SQLite's FTS5 in ``bot.storage.sqlite.search``, Postgres's full text in
``bot.storage.postgres.search``); a row found stands for the sentences it covers, which are
ranked in Python with FTS5's BM25 over their three fields (``index.search.bm25``), from
statistics kept per space in the same transactions: how many sentences hold each term
(``search_counts``), how many sentences and tokens the space has (``search_totals``). A
version's rows are written in the transaction that writes the version: the index is never
behind the library, except for a database written before it existed, which the library
catches up at start (``Library.catch_up``).

Spaces never meet: the engines match tokens written in ``[a-z0-9]`` only (``match_form``) and
marked by their space (a fixed-length prefix: FTS5 stores it, Postgres's index spells it from
a lexeme no token can be), and every row found is checked against the asking space's articles
before it is read.

Both look a question's candidates up by its rarest terms first (``bm25.candidate_terms``), as
many as fit in a budget of matching sentences: BM25 gives common terms little weight anyway,
and scoring every sentence that holds "gouvernement" in a library of 100 000 articles is what
would make a question slow. When even the rarest term is in more sentences than the budget,
the candidates are those of the newest articles that hold it, about ``NEWEST`` sentences
(``bm25.newest_only``).

The ranking reads few rows and loops little in Python: the rows found are read first without
their terms (their article, section and sentence count are enough to choose), the chosen
ones' terms in a few queries whatever the number of articles, and every candidate sentence is
scored at once (``bm25.sentence_scores``).
"""

from __future__ import annotations

import hashlib
from abc import ABC, abstractmethod
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from index.model import Article
from index.search import bm25
from index.search.fields import ArticleFields, ParagraphFields, article_fields

if TYPE_CHECKING:
    from bot.storage.protocol import Connection, Database, Row

SHIFT = 20  # row ids: article_id << SHIFT | n, n < 2**SHIFT (see ``row_number``)
WEIGHTS = bm25.WEIGHTS  # sentence, paragraph, title
CANDIDATES = 200
POSTINGS = 5_000  # sentences a question's terms may match before commoner terms are left out
NEWEST = 2_000  # sentences read, at most about, when even the rarest term is over POSTINGS
CHUNK = 2000  # ids per IN (...) or VALUES list
SEPARATOR = " | "  # between a paragraph row's sentences (no token holds it)


@dataclass(frozen=True)
class Hit:
    """A sentence found by a library-wide search, with its BM25 score (higher is better)."""

    article_id: int
    sentence: int
    score: float


@dataclass(frozen=True)
class Candidate:
    """A paragraph a search ranks: its article, its first sentence, its tokens (sentence by
    sentence, ``SEPARATOR`` between) and its title's (its article's title and section's
    heading)."""

    article_id: int
    first: int
    terms: str
    title: tuple[str, ...]


@dataclass(frozen=True)
class Lookup:
    """How a search looks its rows up: by ``tokens``; with ``newest``, the ``newest`` rows of
    largest ids only; ``holding``: how many of the space's sentences hold the tokens; ``last``:
    the largest article id when the search began."""

    tokens: tuple[str, ...]
    newest: int | None
    holding: int
    last: int


class IndexFull(Exception):
    """An article has more paragraphs or sections than its range of row ids can number."""


def space_token(space: str) -> str:
    """The space as a fixed-length ``[a-z0-9]`` token (full-text engines split ``guild:123``
    in two); prefixed to a ``match_form`` token, the whole is still one token, and no other
    space's token with any term can spell it."""
    return "s" + hashlib.sha1(space.encode()).hexdigest()[:20]


def row_number(kind: str, number: int) -> int:
    """The low bits of a row's id: 0 the title, 2s+1 section s's heading, 2p+2 paragraph p."""
    n = {"title": 0, "heading": 2 * number + 1, "paragraph": 2 * number + 2}[kind]
    if n >= 1 << SHIFT:
        raise IndexFull(f"{kind} {number} is past the {(1 << (SHIFT - 1)) - 1} the index numbers")
    return n


@dataclass(frozen=True)
class IndexRow:
    """One row of ``search_rows``: ``n`` (``row_number``), the section, the sentences it covers
    (``first``, ``count``) and its tokens (a paragraph's, sentence by sentence)."""

    n: int
    section: int
    first: int
    count: int
    terms: str

    def tokens(self) -> list[str]:
        """The distinct tokens the engine matches the row on, sorted."""
        return sorted(set(self.terms.split()) - {SEPARATOR.strip()})


def index_rows(fields: ArticleFields) -> list[IndexRow]:
    """An article's rows: its title, its headings and its paragraphs, each once."""
    rows = []
    if fields.title and fields.sentences:
        rows.append(IndexRow(row_number("title", 0), -1, 0, fields.sentences,
                             " ".join(fields.title)))
    for section, (heading, (first, count)) in enumerate(
        zip(fields.headings, fields.ranges, strict=True)
    ):
        if heading and count:
            rows.append(IndexRow(row_number("heading", section), section, first, count,
                                 " ".join(heading)))
    for paragraph in fields.paragraphs:
        rows.append(IndexRow(
            row_number("paragraph", paragraph.paragraph),
            paragraph.section,
            paragraph.first,
            len(paragraph.sentences),
            SEPARATOR.join(" ".join(s) for s in paragraph.sentences),
        ))
    return rows


def fields_of(rows: Sequence[IndexRow]) -> ArticleFields:
    """The fields that ``rows`` were written from (what counts and totals need of them)."""
    sections = 1 + max((r.section for r in rows), default=-1)
    headings: list[tuple[str, ...]] = [()] * sections
    ranges = [(0, 0)] * sections
    title: tuple[str, ...] = ()
    paragraphs = []
    for row in rows:
        if row.n == 0:
            title = tuple(row.terms.split())
        elif row.n % 2:
            headings[row.section] = tuple(row.terms.split())
            ranges[row.section] = (row.first, row.count)
        else:
            paragraphs.append(ParagraphFields(
                (row.n - 2) // 2, row.section, row.first, _sentences(row.terms)
            ))
    return ArticleFields(title, tuple(headings), tuple(ranges), tuple(paragraphs))


def sentence_texts(terms: str) -> list[str]:
    """A paragraph row's sentences, each its tokens joined by single spaces."""
    return terms.split(SEPARATOR)


def _sentences(terms: str) -> tuple[tuple[str, ...], ...]:
    return tuple(tuple(text.split()) for text in sentence_texts(terms))


class SearchIndex(ABC):
    """Both engines: ``replace`` an article's rows inside the library's transaction, ``search``
    a space's sentences on some terms. An engine says how rows are written and found."""

    @property
    def budget(self) -> int:
        """Sentences a question's terms may match before commoner terms are left out."""
        return POSTINGS

    def __init__(self, database: Database) -> None:
        self.database = database

    @abstractmethod
    async def _insert(self, db: Connection, space: str, low: int, rows: list[IndexRow]) -> None:
        """Write an article's rows (ids ``low + n``) and what finds them."""

    @abstractmethod
    async def _delete(self, db: Connection, space: str, low: int, high: int) -> list[IndexRow]:
        """Delete the rows of ids ``low``..``high`` and what finds them; the rows deleted."""

    @abstractmethod
    async def _found(self, space: str, lookup: Lookup) -> list[tuple[int, int, int]]:
        """The rows of ``space``'s articles holding any of the lookup's tokens (with
        ``newest``: the ``newest`` largest ids of those): each one's id, section and how many
        sentences it stands for (its terms are not read). A row of another space's article is
        never returned, whatever its terms."""

    async def replace(
        self,
        db: Connection,
        space: str,
        article_id: int,
        version: int,
        article: Article,
        fields: ArticleFields | None = None,
    ) -> None:
        """Index an article's new current version in the caller's write transaction
        (``fields``: its ``article_fields``, when the caller has them already), and update the
        space's statistics by what changed."""
        fields = article_fields(article) if fields is None else fields
        rows = index_rows(fields)  # raises IndexFull before anything is written
        low, high = article_id << SHIFT, ((article_id + 1) << SHIFT) - 1
        old = fields_of(await self._delete(db, space, low, high))
        await self._insert(db, space, low, rows)
        change = fields.counts()
        change.subtract(old.counts())
        counted = sorted((term, n) for term, n in change.items() if n)
        await db.executemany(
            "INSERT INTO search_counts (space, term, sentences) VALUES (?, ?, ?)"
            " ON CONFLICT (space, term)"
            " DO UPDATE SET sentences = search_counts.sentences + excluded.sentences",
            [(space, term, n) for term, n in counted],
        )
        if any(n < 0 for _, n in counted):
            await db.execute(
                "DELETE FROM search_counts WHERE space = ? AND sentences <= 0", (space,)
            )
        await db.execute(
            "INSERT INTO search_totals (space, sentences, tokens) VALUES (?, ?, ?)"
            " ON CONFLICT (space) DO UPDATE SET"
            " sentences = search_totals.sentences + excluded.sentences,"
            " tokens = search_totals.tokens + excluded.tokens",
            (space, fields.sentences - old.sentences, fields.tokens() - old.tokens()),
        )
        await db.execute(
            "UPDATE articles SET search_version = ? WHERE id = ?", (version, article_id)
        )

    async def search(self, space: str, terms: list[str], limit: int = CANDIDATES) -> list[Hit]:
        """The best sentences of a space for some terms, best first (BM25 over the sentence,
        its paragraph and its title, weighted by ``WEIGHTS``)."""
        wanted = list(dict.fromkeys(t.lower() for t in terms if t.isalnum()))
        if not wanted:
            return []
        totals = None
        having = {}
        last = 0
        for part in chunks(wanted):
            # The space's totals and the newest article beside its counts, in one round trip.
            for row in await self.database.fetchall(
                "SELECT t.sentences AS total, t.tokens, c.term, c.sentences,"
                " (SELECT max(id) FROM articles) AS last"
                " FROM search_totals t LEFT JOIN search_counts c ON c.space = t.space"
                f" AND c.term IN ({marks(part)}) WHERE t.space = ? AND t.sentences > 0",
                (*part, space),
            ):
                totals = (int(row["total"]), int(row["tokens"]))
                last = int(row["last"] or 0)
                if row["term"] is not None:
                    having[row["term"]] = int(row["sentences"])
        if totals is None:
            return []
        chosen = bm25.candidate_terms(having, self.budget)
        if not chosen:
            return []
        # A question of ordinary words reads fewer sentences: recency, not its terms, picks
        # them, and reading more of them found no more right articles (``bench.search``).
        newest = None
        if bm25.newest_only(having, chosen, self.budget):
            newest = min(NEWEST, self.budget)
        lookup = Lookup(tuple(chosen), newest, sum(having[t] for t in chosen), last)
        candidates = await self._candidates(await self._found(space, lookup), newest)
        if not candidates:
            return []
        known = list(having)
        idfs = np.array([bm25.idf(totals[0], having[t]) for t in known])
        average = totals[1] / totals[0]
        paragraphs = [sentence_texts(c.terms) for c in candidates]
        ranked = bm25.sentence_scores(paragraphs, [c.title for c in candidates], known, idfs,
                                      average)
        sizes = [len(p) for p in paragraphs]
        articles = np.repeat([c.article_id for c in candidates], sizes)
        sentences = np.repeat([c.first for c in candidates], sizes) + (
            np.arange(len(ranked)) - np.repeat(np.cumsum(sizes) - sizes, sizes)
        )
        order = np.lexsort((sentences, articles, -ranked))[:limit]
        return [Hit(int(articles[i]), int(sentences[i]), float(ranked[i])) for i in order]

    async def _candidates(
        self, rows_found: list[tuple[int, int, int]], newest: int | None
    ) -> list[Candidate]:
        """The paragraphs the rows found (``_found``) stand for, each with its article's title
        and its section's heading.

        A title found stands for every paragraph of its article, a heading for those of its
        section, a paragraph for itself. With ``newest``, the newest articles only, while the
        sentences they stand for are within ``newest``. In a few queries whatever the number
        of articles: the rows found were read without their terms (which articles they are
        in, how many sentences they stand for), then the terms of the chosen articles' rows
        are read at once (``_read``).
        """
        found = np.array(rows_found, dtype=np.int64).reshape(-1, 3)
        if not len(found):
            return []
        mask = (1 << SHIFT) - 1
        article, n = found[:, 0] >> SHIFT, found[:, 0] & mask
        section, count = found[:, 1], found[:, 2]
        heading = n % 2 == 1
        # A section is keyed by its article and number (a title's section, -1, is no heading's).
        key = (article << SHIFT) | (section + 1)
        in_found_section = np.isin(key, key[heading]) & (n > 0) & ~heading
        stands = np.where(in_found_section, 0, count)  # its section's heading counts it
        articles, where = np.unique(article, return_inverse=True)  # oldest first
        sentences = np.bincount(where, weights=stands)[::-1]
        articles = articles[::-1]  # ids grow: the newest articles first
        if newest is not None:
            before = np.concatenate(([0], np.cumsum(sentences)[:-1]))
            articles = articles[before < newest]
        chosen = np.isin(article, articles)
        whole = chosen & ((n == 0) | heading)  # a title or a heading: read the whole article
        whole_articles = set(article[whole].tolist())
        titled = set(article[chosen & (n == 0)].tolist())
        sections = set(key[chosen & heading].tolist())
        hit = set(found[chosen, 0].tolist())
        # The other articles were found by paragraphs only: read those, their article's title
        # and their sections' headings, by id.
        partial = chosen & ~np.isin(article, list(whole_articles))
        by_id = set(found[partial, 0].tolist())
        for owner, part in zip(article[partial].tolist(), section[partial].tolist(), strict=True):
            by_id |= {owner << SHIFT, (owner << SHIFT) + row_number("heading", part)}
        rows = await self._read(sorted(a << SHIFT for a in whole_articles), sorted(by_id))
        titles: dict[int, tuple[str, ...]] = {}
        headings: dict[tuple[int, int], tuple[str, ...]] = {}
        paragraphs = []
        for row_id, row_section, first, _, terms in sorted(tuple(r) for r in rows):
            article_id, number = row_id >> SHIFT, row_id & mask
            if number == 0:
                titles[article_id] = tuple(terms.split())
            elif number % 2:
                headings[article_id, row_section] = tuple(terms.split())
            elif (article_id not in whole_articles or article_id in titled or row_id in hit
                  or (article_id << SHIFT) | (row_section + 1) in sections):
                paragraphs.append((article_id, row_section, first, terms))
        return [
            Candidate(a, first, terms, titles.get(a, ()) + headings.get((a, s), ()))
            for a, s, first, terms in paragraphs
        ]

    async def _read(self, lows: list[int], ids: list[int]) -> list[Row]:
        """The rows (id, section, first, count, terms) of the articles whose first ids are
        ``lows``, and the rows ``ids``."""
        rows: list[Row] = []
        for part in chunks(lows):
            rows += await self.database.fetchall(
                "WITH lows (low) AS (VALUES " + ", ".join(["(?)"] * len(part)) + ")"
                " SELECT r.id, r.section, r.first, r.count, r.terms FROM lows"
                " JOIN search_rows r ON r.id BETWEEN lows.low AND lows.low + ?",
                (*part, (1 << SHIFT) - 1),
            )
        for part in chunks(ids):
            rows += await self.database.fetchall(
                "SELECT id, section, first, count, terms FROM search_rows"
                f" WHERE id IN ({marks(part)})",
                part,
            )
        return rows


def index_row(row: Row, low: int) -> IndexRow:
    """A ``search_rows`` row read back (``low``: its article's first id)."""
    return IndexRow(row["id"] - low, row["section"], row["first"], row["count"], row["terms"])


def marks(items: list) -> str:
    return ", ".join("?" * len(items))


def chunks(items: list) -> list[list]:
    return [items[i:i + CHUNK] for i in range(0, len(items), CHUNK)]
