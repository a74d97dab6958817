"""The article library: versioned articles in SQLite, each version written in one transaction."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime

import aiosqlite
import numpy as np

from bot.database import Database
from bot.errors import KiosqueError
from bot.values import StoredArticle
from index.embedding import from_bytes, to_bytes
from index.model import Article


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


def source_key(title: str, url: str | None = None) -> str:
    """What makes two sources the same article: the same URL, else the same title."""
    if url:
        return "url:" + url.strip()
    return "title:" + " ".join(title.casefold().split())


class Library:
    """Articles and their versions; reads always see the last committed version.

    ``model`` names the semantic model in use: stored vectors that another model made are
    not served (``None``: vectors are not read at all).
    """

    def __init__(self, database: Database, model: str | None = None) -> None:
        self.database = database
        self.model = model
        self._current: dict[int, StoredArticle] = {}  # the last version read, per article

    async def add(
        self,
        article: Article,
        source: str,
        url: str | None = None,
        vectors: np.ndarray | None = None,
        model: str | None = None,
    ) -> ArticleInfo:
        """Store ``article`` as a new article, or as the next version of the same source.

        ``vectors`` (one row per sentence, made by ``model``) are written in the same
        transaction as the version: a version never exists without the vectors it was given.
        """
        key = source_key(article.title, url)
        now = datetime.now(UTC).isoformat(timespec="seconds")
        content = json.dumps(article.to_dict(), ensure_ascii=False)
        async with self.database.transaction() as db:
            async with db.execute(
                "SELECT id, current_version FROM articles WHERE source_key = ?", (key,)
            ) as cursor:
                row = await cursor.fetchone()
            previous: Article | None = None
            if row is None:
                cursor = await db.execute(
                    "INSERT INTO articles (source_key, title, created_at) VALUES (?, ?, ?)",
                    (key, article.title, now),
                )
                article_id, version = cursor.lastrowid, 1
            else:
                article_id, version = row["id"], row["current_version"] + 1
                previous, _ = await self._content(db, article_id, row["current_version"])
            await db.execute(
                "INSERT INTO versions (article_id, version, source, language, content, indexed_at,"
                " vectors, model) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    article_id,
                    version,
                    source,
                    article.language,
                    content,
                    now,
                    None if vectors is None else to_bytes(vectors),
                    None if vectors is None else model,
                ),
            )
            await db.execute(
                "UPDATE articles SET current_version = ?, title = ? WHERE id = ?",
                (version, article.title, article_id),
            )
        headings = _headings(article)
        old = _headings(previous) if previous else headings
        return ArticleInfo(
            id=article_id,
            title=article.title,
            version=version,
            language=article.language,
            indexed_at=now,
            source=source,
            sections=headings,
            sentences=len(article.sentences),
            added=tuple(h for h in headings if h not in old),
            removed=tuple(h for h in old if h not in headings),
            semantic=None if model is None else vectors is not None,
        )

    async def load(self, article_id: int | None = None) -> StoredArticle:
        """The current version of an article (the newest article when ``article_id`` is None)."""
        if article_id is None:
            row = await self.database.fetchone(
                "SELECT id, current_version FROM articles WHERE current_version > 0"
                " ORDER BY created_at DESC, id DESC LIMIT 1"
            )
            if row is None:
                raise KiosqueError("no_articles")
        else:
            row = await self.database.fetchone(
                "SELECT id, current_version FROM articles WHERE id = ? AND current_version > 0",
                (article_id,),
            )
            if row is None:
                raise KiosqueError("unknown_article", ref=article_id)
        article_id, version = row["id"], row["current_version"]
        cached = self._current.get(article_id)
        if cached is None or cached.version != version:
            article, vectors = await self._content(self.database.reader, article_id, version)
            cached = StoredArticle(article_id, version, article, vectors)
            self._current[article_id] = cached
        return cached

    async def articles(self) -> list[ArticleInfo]:
        """Every article's current version, newest first."""
        rows = await self.database.fetchall(
            "SELECT a.id, a.title, a.current_version, v.language, v.indexed_at, v.source"
            " FROM articles a JOIN versions v"
            " ON v.article_id = a.id AND v.version = a.current_version"
            " ORDER BY a.created_at DESC, a.id DESC"
        )
        return [
            ArticleInfo(
                id=r["id"],
                title=r["title"],
                version=r["current_version"],
                language=r["language"],
                indexed_at=r["indexed_at"],
                source=r["source"],
            )
            for r in rows
        ]

    async def find(self, ref: str) -> ArticleInfo:
        """An article by id, or by title (exact, then the only one that contains ``ref``)."""
        listed = await self.articles()
        wanted = ref.strip()
        if wanted.isdigit():
            for info in listed:
                if info.id == int(wanted):
                    return info
        folded = wanted.casefold()
        exact = [i for i in listed if i.title.casefold() == folded]
        partial = [i for i in listed if folded and folded in i.title.casefold()]
        for matches in (exact, partial):
            if len(matches) == 1:
                return matches[0]
        raise KiosqueError("unknown_article", ref=ref)

    async def is_empty(self) -> bool:
        """Whether no article has been indexed yet."""
        return await self.database.fetchone("SELECT 1 FROM articles LIMIT 1") is None

    async def _content(
        self, db: aiosqlite.Connection, article_id: int, version: int
    ) -> tuple[Article, np.ndarray | None]:
        async with db.execute(
            "SELECT content, vectors, model FROM versions WHERE article_id = ? AND version = ?",
            (article_id, version),
        ) as cursor:
            row = await cursor.fetchone()
        article = Article.from_dict(json.loads(row["content"]))
        vectors = None
        if self.model and row["vectors"] is not None and row["model"] == self.model:
            vectors = from_bytes(row["vectors"], len(article.sentences))
        return article, vectors


def _headings(article: Article) -> tuple[str, ...]:
    return tuple(s.heading for s in article.sections if s.heading)
