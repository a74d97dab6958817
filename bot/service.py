"""Kiosque as one object: library, history and responder behind the calls adapters make."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from bot.database import Database
from bot.errors import KiosqueError
from bot.history import History
from bot.library import ArticleInfo, Library
from bot.render import Renderer
from bot.responder import Responder
from bot.settings import Settings
from bot.values import Answer, StoredArticle, Summary, Turn
from bot.vector_cache import CachedEmbedder
from index import SourceError, parse_article
from index.embedding import Encoder, embed_article, load_embedder
from index.sources import SUPPORTED

FOLLOWUP_TURNS = 4

Progress = Callable[[int, int], None]
"""Told ``(sentences embedded, total)`` while a long article is indexed; called from a thread."""

log = logging.getLogger(__name__)


class Kiosque:
    """What the CLI, the console chat and the Discord adapter all call."""

    def __init__(
        self, settings: Settings, database: Database, embedder: Encoder | None = None
    ) -> None:
        self.settings = settings
        self.database = database
        self.embedder = embedder
        self.library = Library(database, model=embedder.name if embedder else None)
        self.history = History(database, settings.history_limit)
        self.responder = Responder(embedder=embedder)
        self.renderer = Renderer(settings.prompts_dir)

    @classmethod
    async def open(cls, settings: Settings, seed: bool = True) -> Kiosque:
        """Open the database; index the bundled articles the first time it is empty."""
        embedder: Encoder | None = None
        if settings.semantic:
            embedder = load_embedder(settings.embed_threads)
            if embedder is not None and settings.embed_cache_dir:
                embedder = CachedEmbedder(embedder, settings.embed_cache_dir)
        else:
            log.info("semantic model turned off (SEMANTIC_MODEL=off): answering with BM25 alone")
        database = await Database.open(settings.database_path)
        kiosque = cls(settings, database, embedder)
        try:
            if seed and await kiosque.library.is_empty():
                await kiosque.seed()
        except BaseException:
            await database.close()
            raise
        return kiosque

    async def close(self) -> None:
        """Close the database after the write in progress."""
        await self.database.close()

    async def seed(self) -> list[ArticleInfo]:
        """Index every article bundled in ``articles_dir``."""
        folder = self.settings.articles_dir
        paths = sorted(p for p in folder.glob("*") if p.suffix.lower() in SUPPORTED)
        return [await self.index_path(path) for path in paths]

    async def index_path(
        self, path: Path, title: str | None = None, progress: Progress | None = None
    ) -> ArticleInfo:
        """Index a file from disk, after checking it exists and is under the size limit."""
        name = str(path)
        if path.is_dir():
            raise KiosqueError("source_error", source=name, problem="directory")
        try:
            if not path.is_file():  # a device or a pipe has no size to trust
                exists = path.exists()
                raise KiosqueError(
                    "source_error",
                    source=name,
                    problem="unreadable" if exists else "missing",
                    detail="not a regular file" if exists else "",
                )
            self._check_size(name, path.stat().st_size)
            with path.open("rb") as source:
                data = source.read(self.settings.max_source_bytes + 1)
        except OSError as error:
            raise KiosqueError(
                "source_error",
                source=name,
                problem="unreadable",
                detail=error.strerror or str(error),
            ) from None
        return await self.index_bytes(data, name, title=title, progress=progress)

    async def index_url(
        self, url: str, title: str | None = None, progress: Progress | None = None
    ) -> ArticleInfo:
        """Download a page (see ``bot.fetch``) and index it as a version of that URL."""
        from bot.fetch import fetch

        page = await fetch(url, self.settings)
        return await self.index_bytes(
            page.data, url, content_type=page.content_type, title=title, url=url, progress=progress
        )

    async def index_bytes(
        self,
        data: bytes,
        name: str,
        *,
        content_type: str | None = None,
        title: str | None = None,
        url: str | None = None,
        progress: Progress | None = None,
    ) -> ArticleInfo:
        """Parse, embed and store one source; nothing is stored if any step fails.

        Sentence vectors are computed off the event loop before the version is written, and
        written with it: a process killed while embedding leaves the previous version served.
        Articles longer than ``EMBED_MAX_SENTENCES`` are stored without vectors.
        """
        self._check_size(name, len(data))
        parse_name = url.split("?")[0] if url else name
        try:
            article = await asyncio.to_thread(
                parse_article, data, parse_name, content_type=content_type, title=title
            )
        except SourceError as error:
            raise KiosqueError(
                "source_error", source=name, problem=error.code, detail=error.detail
            ) from None
        vectors = None
        embedder = self.embedder
        if embedder and 0 < len(article.sentences) <= self.settings.embed_max_sentences:
            vectors = await asyncio.to_thread(embed_article, embedder, article, progress)
        elif embedder and article.sentences:
            log.info(
                "%s: %d sentences, over EMBED_MAX_SENTENCES=%d: indexed without vectors",
                name,
                len(article.sentences),
                self.settings.embed_max_sentences,
            )
        return await self.library.add(
            article,
            source=name,
            url=url,
            vectors=vectors,
            model=embedder.name if embedder else None,
        )

    async def article_for(self, channel: str, article_id: int | None = None) -> StoredArticle:
        """The article a channel asks about: the one named, its active one, else the newest."""
        if article_id is None:
            article_id = await self.history.active(channel)
        return await self.library.load(article_id)

    async def ask(
        self,
        question: str,
        channel: str,
        author: str = "cli",
        article_id: int | None = None,
        language: str | None = None,
    ) -> Answer:
        """Answer a question in a channel's context and record the turn."""
        question = " ".join(question.split())
        if not question:
            raise KiosqueError("empty_question")
        if len(question) > self.settings.max_question_chars:
            raise KiosqueError("too_long", limit=self.settings.max_question_chars)
        stored = await self.article_for(channel, article_id)
        history = await self.history.recent(channel, FOLLOWUP_TURNS)
        answer = await asyncio.to_thread(
            self.responder.answer, question, stored, history, self.chrome_language(language)
        )
        await self.history.record(
            Turn(
                channel=channel,
                author=author,
                question=question,
                article_id=stored.id,
                version=stored.version,
                abstained=answer.abstained,
                passages=answer.passages,
                asked_at=datetime.now(UTC),
            )
        )
        return answer

    async def summary(
        self,
        channel: str,
        article_id: int | None = None,
        section: str | None = None,
        length: str | int = "medium",
        language: str | None = None,
    ) -> Summary:
        """Bullets over the channel's article or one of its sections."""
        stored = await self.article_for(channel, article_id)
        try:
            return await asyncio.to_thread(
                self.responder.summary, stored, section, length, self.language(stored, language)
            )
        except LookupError:
            raise KiosqueError("unknown_section", name=section) from None

    async def use(self, channel: str, ref: str) -> ArticleInfo:
        """Make an article (by id or title) the channel's active one."""
        info = await self.library.find(ref)
        await self.history.use(channel, info.id)
        return info

    def chrome_language(self, asked: str | None = None) -> str | None:
        """The language the bot must speak whatever is asked: asked for, else the setting.

        ``None`` leaves it to what is being answered: an answer speaks the question's
        language, a summary or a listing the article's.
        """
        if asked in ("fr", "en"):
            return asked
        if self.settings.language != "auto":
            return self.settings.language
        return None

    def language(self, stored: StoredArticle, asked: str | None = None) -> str:
        """The chrome language about an article: asked for, else the setting, else its own."""
        return self.chrome_language(asked) or stored.article.language

    def error_text(self, error: KiosqueError, language: str = "fr", plain: bool = False) -> str:
        """The one line that tells the user what went wrong (``plain`` for a terminal)."""
        return self.renderer.error(error, language, plain=plain)

    def _check_size(self, name: str, size: int) -> None:
        if size > self.settings.max_source_bytes:
            raise KiosqueError(
                "source_error",
                source=name,
                problem="too_large",
                limit=self.settings.max_source_bytes,
            )
