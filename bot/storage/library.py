"""The article libraries: versioned articles in the database, one library per space.

A space is a Discord server's (``guild:<id>``), the direct messages' (``direct``) or
the local one (``local``: the command line and the console chat). Every read and write names
its space: an id or a title from another space is unknown here.
"""

from __future__ import annotations

import asyncio
import functools
import json
from collections.abc import Callable
from concurrent.futures import Executor
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import numpy as np

from bot.errors import KiosqueError
from bot.storage.cache import ByteBoundCache
from bot.storage.protocol import Connection, Database, Row
from bot.values import StoredArticle
from index.language.shapes import article_shapes
from index.model import Article
from index.search.fields import ArticleFields
from index.vectors.embedding import from_bytes, to_bytes

PAGE = 20
CHOICES = 25  # Discord shows at most 25 autocomplete choices
MAX_ID = (1 << 63) - 1  # the largest id either backend's integer holds


@dataclass(frozen=True)
class ArticleInfo:
    """What the library lists about an article's current version."""

    id: int
    title: str
    version: int
    language: str
    indexed_at: str
    source: str
    sections: tuple[str, ...] = ()
    sentences: int = 0
    added: tuple[str, ...] = ()
    removed: tuple[str, ...] = ()
    semantic: bool | None = None  # sentence vectors stored; False: too long; None: model off


@dataclass(frozen=True)
class Listing:
    """One page of a library, newest first, and how many articles the library holds."""

    articles: tuple[ArticleInfo, ...]
    page: int
    pages: int
    total: int


def library_lock(space: str) -> str:
    """The lock every write to a space's library (and its search index) holds."""
    return f"library:{space}"


def source_key(title: str, url: str | None = None) -> str:
    """What makes two sources the same article: the same URL, else the same title."""
    if url:
        return "url:" + url.strip()
    return "title:" + " ".join(title.casefold().split())


class Library:
    """Articles and their versions; reads always see the last committed version.

    ``model`` names the semantic model in use: stored vectors that another model made are
    not served (``None``: vectors are not read at all). The current versions read are kept
    in memory up to ``cache_bytes``. A version is encoded and decoded off the event loop (a
    long article takes a second): written on ``writer``'s threads (the uploads' own), read
    on the default pool.
    """

    def __init__(
        self,
        database: Database,
        model: str | None = None,
        cache_bytes: int = 256 << 20,
        writer: Executor | None = None,
    ) -> None:
        self.database = database
        self.model = model
        self.search = database.search_index()
        self.writer = writer
        self._current = ByteBoundCache(cache_bytes)

    async def add(
        self,
        space: str,
        article: Article,
        source: str,
        url: str | None = None,
        vectors: np.ndarray | None = None,
        model: str | None = None,
        fields: ArticleFields | None = None,
    ) -> ArticleInfo:
        """Store ``article`` in ``space``: a new article, or the next version of the same source.

        ``vectors`` (one row per sentence, made by ``model``) are written in the same
        transaction as the version: a version never exists without the vectors it was given.
        ``fields`` are its ``article_fields``, computed off the event loop by the caller.
        """
        key = source_key(article.title, url)
        now = datetime.now(UTC).isoformat(timespec="microseconds")
        content = await self._off_loop(_encoded, article)
        # Each sentence's answer shapes, found now (not at the first question of each kind).
        shapes = await self._off_loop(article_shapes, article)
        async with self.database.transaction(library_lock(space)) as db:
            previous = await self._write(db, space, key, article, source, content, now,
                                         vectors, model, fields, shapes)
        article_id, version, old = previous
        headings = _headings(article)
        # Read after the commit: the write lock is not held while a thread decodes.
        before = headings if old is None else await self._off_loop(_stored_headings, old)
        return ArticleInfo(
            id=article_id,
            title=article.title,
            version=version,
            language=article.language,
            indexed_at=now,
            source=source,
            sections=headings,
            sentences=len(article.sentences),
            added=tuple(h for h in headings if h not in before),
            removed=tuple(h for h in before if h not in headings),
            semantic=None if model is None else vectors is not None,
        )

    async def seed(
        self, space: str, articles: list[tuple[Article, str, np.ndarray | None]], model: str | None
    ) -> list[ArticleInfo]:
        """Store the bundled ``articles`` in ``space`` if, and only if, it holds none yet.

        The check and the writes are one transaction: processes starting together on a new
        library seed it once.
        """
        now = datetime.now(UTC).isoformat(timespec="microseconds")
        written = []
        shapes = [await self._off_loop(article_shapes, article) for article, _, _ in articles]
        async with self.database.transaction(library_lock(space)) as db:
            if (await db.execute("SELECT 1 FROM articles WHERE space = ? LIMIT 1", (space,))).rows:
                return []
            for (article, source, vectors), found in zip(articles, shapes, strict=True):
                content = _encoded(article)  # the bundled articles: a few, short
                key = source_key(article.title)
                article_id, version, _ = await self._write(
                    db, space, key, article, source, content, now, vectors, model, None, found
                )
                written.append(
                    ArticleInfo(article_id, article.title, version, article.language, now, source)
                )
        return written

    async def _write(
        self,
        db: Connection,
        space: str,
        key: str,
        article: Article,
        source: str,
        content: str,
        now: str,
        vectors: np.ndarray | None,
        model: str | None,
        fields: ArticleFields | None = None,
        shapes: str | None = None,
    ) -> tuple[int, int, str | None]:
        """Write a version; its id and number, and the previous version's content."""
        row = (await db.execute(
            "SELECT id, current_version FROM articles WHERE space = ? AND source_key = ?",
            (space, key),
        )).first()
        previous: str | None = None
        if row is None:
            inserted = await db.execute(
                "INSERT INTO articles (space, source_key, title, created_at) VALUES (?, ?, ?, ?)"
                " RETURNING id",
                (space, key, article.title, now),
            )
            article_id, version = inserted.rows[0]["id"], 1
        else:
            article_id, version = row["id"], row["current_version"] + 1
            previous = await _content(db, article_id, row["current_version"])
        await db.execute(
            "INSERT INTO versions (article_id, version, source, language, content, indexed_at,"
            " vectors, model, shapes) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                article_id,
                version,
                source,
                article.language,
                content,
                now,
                None if vectors is None else to_bytes(vectors),
                None if vectors is None else model,
                shapes,
            ),
        )
        await db.execute(
            "UPDATE articles SET current_version = ?, title = ? WHERE id = ?",
            (version, article.title, article_id),
        )
        await self.search.replace(db, space, article_id, version, article, fields)
        return article_id, version, previous

    async def catch_up(self) -> int:
        """Give the search index every current version it does not hold yet (a database
        written before the index existed, or a backup, which is copied without it); how many."""
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
                    article = _decoded(current["content"])
                    await self.search.replace(
                        db, row["space"], row["id"], current["current_version"], article
                    )
        return len(behind)

    async def _off_loop(self, function: Callable, /, *args: object) -> Any:
        """``function(*args)`` on the writer's threads."""
        call = functools.partial(function, *args)
        return await asyncio.get_running_loop().run_in_executor(self.writer, call)

    async def load(self, space: str, article_id: int | None = None) -> StoredArticle:
        """The current version of an article of ``space`` (the newest one when no id)."""
        if article_id is None:
            row = await self.database.fetchone(
                "SELECT id, current_version FROM articles WHERE space = ? AND current_version > 0"
                " ORDER BY created_at DESC, id DESC LIMIT 1",
                (space,),
            )
            if row is None:
                raise KiosqueError("no_articles")
        else:
            if not _storable(article_id):
                raise KiosqueError("unknown_article", ref=article_id)
            row = await self.database.fetchone(
                "SELECT id, current_version FROM articles"
                " WHERE id = ? AND space = ? AND current_version > 0",
                (article_id, space),
            )
            if row is None:
                raise KiosqueError("unknown_article", ref=article_id)
        article_id, version = row["id"], row["current_version"]
        cached = self._current.get(article_id)
        if cached is None or cached.version != version:
            content = await self.database.fetchone(
                "SELECT content, vectors, model, shapes FROM versions"
                " WHERE article_id = ? AND version = ?",
                (article_id, version),
            )
            article = await asyncio.to_thread(_decoded, content["content"])
            vectors = None
            if self.model and content["vectors"] is not None and content["model"] == self.model:
                vectors = from_bytes(content["vectors"], article)
            cached = StoredArticle(article_id, version, article, vectors, content["shapes"])
            self._current.put(article_id, cached, _weight(cached))
        return cached

    async def has(self, space: str, article_id: int) -> bool:
        """Whether ``space`` holds the article (another space's id is not found)."""
        if not _storable(article_id):
            return False
        row = await self.database.fetchone(
            "SELECT 1 FROM articles WHERE id = ? AND space = ? AND current_version > 0",
            (article_id, space),
        )
        return row is not None

    async def page(self, space: str, number: int = 1, size: int = PAGE) -> Listing:
        """One page of the library, newest first (contents are not read)."""
        total = int((await self.database.fetchone(
            "SELECT COUNT(*) FROM articles WHERE space = ? AND current_version > 0", (space,)
        ))[0])
        pages = max(1, -(-total // size))
        number = min(max(1, number), pages)
        rows = await self.database.fetchall(
            _LISTED + " WHERE a.space = ? AND a.current_version > 0"
            " ORDER BY a.created_at DESC, a.id DESC LIMIT ? OFFSET ?",
            (space, size, (number - 1) * size),
        )
        return Listing(tuple(_info(r) for r in rows), number, pages, total)

    async def articles(self, space: str) -> list[ArticleInfo]:
        """Every article of ``space``, newest first (contents are not read)."""
        rows = await self.database.fetchall(
            _LISTED + " WHERE a.space = ? AND a.current_version > 0"
            " ORDER BY a.created_at DESC, a.id DESC",
            (space,),
        )
        return [_info(r) for r in rows]

    async def titled(self, space: str, typed: str, limit: int = CHOICES) -> list[ArticleInfo]:
        """Articles whose title contains ``typed`` (or whose id it is), newest first."""
        typed = _text(typed).strip()
        pattern = "%" + typed.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        rows = await self.database.fetchall(
            _LISTED + " WHERE a.space = ? AND a.current_version > 0"
            " AND (lower(a.title) LIKE lower(?) ESCAPE '\\' OR CAST(a.id AS TEXT) = ?)"
            " ORDER BY a.created_at DESC, a.id DESC LIMIT ?",
            (space, pattern, typed, limit),
        )
        return [_info(r) for r in rows]

    async def find(self, space: str, ref: str) -> ArticleInfo:
        """An article of ``space`` by id, or by title (exact, then the only one containing it)."""
        wanted = _text(ref).strip()
        if _storable(_number(wanted)):
            rows = await self.database.fetchall(
                _LISTED + " WHERE a.space = ? AND a.id = ? AND a.current_version > 0",
                (space, _number(wanted)),
            )
            if rows:
                return _info(rows[0])
        if wanted:
            exact = await self.database.fetchall(
                _LISTED + " WHERE a.space = ? AND a.current_version > 0"
                " AND lower(a.title) = lower(?) LIMIT 2",
                (space, wanted),
            )
            if len(exact) == 1:
                return _info(exact[0])
            partial = await self.titled(space, wanted, limit=2)
            if len(partial) == 1 and not exact:
                return partial[0]
        raise KiosqueError("unknown_article", ref=wanted)

    async def count(self, space: str) -> int:
        """How many articles ``space`` holds."""
        row = await self.database.fetchone(
            "SELECT COUNT(*) FROM articles WHERE space = ? AND current_version > 0", (space,)
        )
        return int(row[0])

    async def several(self, space: str) -> bool:
        """Whether ``space`` holds more than one article (without counting them all)."""
        rows = await self.database.fetchall(
            "SELECT 1 FROM articles WHERE space = ? AND current_version > 0 LIMIT 2", (space,)
        )
        return len(rows) > 1

    async def is_empty(self, space: str) -> bool:
        """Whether no article has been indexed in ``space`` yet."""
        row = await self.database.fetchone(
            "SELECT 1 FROM articles WHERE space = ? LIMIT 1", (space,)
        )
        return row is None


_LISTED = (
    "SELECT a.id, a.title, a.current_version, v.language, v.indexed_at, v.source"
    " FROM articles a JOIN versions v ON v.article_id = a.id AND v.version = a.current_version"
)


def _storable(article_id: int | None) -> bool:
    """Whether an id can be looked up at all (a 30-digit number overflows both backends'
    integers: it names no article)."""
    return article_id is not None and 0 < article_id <= MAX_ID


def _number(ref: str) -> int | None:
    """``ref`` as an id when it is written in ASCII digits (``"²".isdigit()`` is true, but
    ``int("²")`` fails)."""
    return int(ref) if ref.isascii() and ref.isdigit() else None


def _text(typed: str) -> str:
    """What a member typed, without NUL characters (Postgres text cannot hold them)."""
    return typed.replace("\x00", " ")


def _info(row: Row) -> ArticleInfo:
    return ArticleInfo(
        id=row["id"],
        title=row["title"],
        version=row["current_version"],
        language=row["language"],
        indexed_at=row["indexed_at"],
        source=row["source"],
    )


async def _content(db: Connection, article_id: int, version: int) -> str:
    row = (await db.execute(
        "SELECT content FROM versions WHERE article_id = ? AND version = ?", (article_id, version)
    )).first()
    return row["content"]


def _encoded(article: Article) -> str:
    return json.dumps(article.to_dict(), ensure_ascii=False)


def _decoded(content: str) -> Article:
    return Article.from_dict(json.loads(content))


def _stored_headings(content: str) -> tuple[str, ...]:
    """The headings of a stored version, without building its sentences."""
    return tuple(heading for heading, _ in json.loads(content)["sections"] if heading)


def _headings(article: Article) -> tuple[str, ...]:
    return tuple(s.heading for s in article.sections if s.heading)


def _weight(stored: StoredArticle) -> int:
    # The text, its sentences' objects (~200 bytes each) and the vectors.
    vectors = stored.vectors.nbytes if stored.vectors is not None else 0
    shapes = len(stored.shapes) if stored.shapes else 0
    return 2 * len(stored.article.text) + 200 * len(stored.article.sentences) + vectors + shapes
