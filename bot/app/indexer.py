"""Sources into a space's library: a file, bytes or a URL parsed, embedded and written, and a
new library seeded with the bundled articles. What ``Kiosque`` calls to index; nothing here
answers a question.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
import threading
from collections.abc import AsyncIterator, Callable
from concurrent.futures import Executor
from pathlib import Path

from bot.errors import KiosqueError
from bot.settings import Settings
from bot.storage.library import ArticleInfo, Library
from bot.values import LOCAL
from index import Limits, SourceError, parse_article
from index.ingest.sources import SUPPORTED
from index.model import Article
from index.search.fields import article_fields
from index.vectors.embedding import Encoder, embed_article

# Uploads are parsed, analysed, embedded and written one at a time, on a thread of their own:
# never on the default pool (``asyncio.to_thread``) that questions use, and never more than one
# upload's write waiting for the database, so that a server's question waits behind one write
# at most, never behind a queue of another server's uploads; the queue waits here instead.
INDEXING_THREADS = 1

Progress = Callable[[int, int], None]
"""Told ``(sentences embedded, total)`` while a long article is indexed; called from a thread."""

log = logging.getLogger(__name__)


class _Stopped(Exception):
    """Raised in an embedding thread whose indexing was cancelled, to end it early."""


class Indexer:
    """Indexes sources into the libraries: uploads one at a time on ``pool`` (the thread of
    their own that the library writes on too), the bundled articles on the default pool."""

    def __init__(
        self, settings: Settings, library: Library, embedder: Encoder | None, pool: Executor
    ) -> None:
        self.settings = settings
        self.library = library
        self.embedder = embedder
        self.pool = pool
        self.limits = Limits(settings.max_article_sentences, settings.max_paragraph_chars)
        # A space being seeded: its lock and how many calls hold or wait for it.
        self._seeding: dict[str, tuple[asyncio.Lock, int]] = {}
        self._uploading = asyncio.Semaphore(INDEXING_THREADS)

    async def seed(self, space: str) -> list[ArticleInfo]:
        """Index every article bundled in ``articles_dir`` into ``space`` if it holds none.

        A new server's library starts with them, as the local one does. Parsing and embedding
        run off the event loop; the writes are one transaction that first checks the library
        is still empty, so two processes never seed it twice.
        """
        async with self._seeding_lock(space):
            if not await self.library.is_empty(space):
                return []
            folder = self.settings.articles_dir
            paths = sorted(p for p in folder.glob("*") if p.suffix.lower() in SUPPORTED)
            bundled = []
            for path in paths:
                data = await asyncio.to_thread(path.read_bytes)
                article = await self._parse(data, str(path))
                bundled.append((article, str(path), await self._vectors(article, str(path))))
            return await self.library.seed(space, bundled, self._model)

    @contextlib.asynccontextmanager
    async def _seeding_lock(self, space: str) -> AsyncIterator[None]:
        """One seeding of ``space`` at a time in this process. The lock goes with its last
        user: kept for every space ever seeded (one per member who wrote in DMs), they would
        pile up for as long as the bot runs."""
        lock, users = self._seeding.get(space, (asyncio.Lock(), 0))
        self._seeding[space] = (lock, users + 1)
        try:
            async with lock:
                yield
        finally:
            lock, users = self._seeding[space]
            if users == 1:
                del self._seeding[space]
            else:
                self._seeding[space] = (lock, users - 1)

    async def ready(self, space: str) -> None:
        """Make sure a server's (or a member's DM) library exists: a new one starts with the
        bundled articles.

        Every call that reads a space's library does this first; the local library is seeded
        when the service opens (unless asked not to).
        """
        if space != LOCAL and await self.library.is_empty(space):
            await self.seed(space)

    async def index_path(
        self,
        space: str,
        path: Path,
        title: str | None = None,
        progress: Progress | None = None,
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
        return await self.index_bytes(space, data, name, title=title, progress=progress)

    async def index_url(
        self, space: str, url: str, title: str | None = None, progress: Progress | None = None
    ) -> ArticleInfo:
        """Download a page (see ``bot.net.fetch``) and index it as a version of that URL."""
        from bot.net.fetch import fetch

        page = await fetch(url, self.settings)
        return await self.index_bytes(
            space,
            page.data,
            url,
            content_type=page.content_type,
            title=title,
            url=url,
            progress=progress,
        )

    async def index_bytes(
        self,
        space: str,
        data: bytes,
        name: str,
        *,
        content_type: str | None = None,
        title: str | None = None,
        url: str | None = None,
        progress: Progress | None = None,
    ) -> ArticleInfo:
        """Parse, embed and store one source in ``space``; nothing is stored if any step fails.

        Sentence vectors are computed off the event loop before the version is written, and
        written with it: a process killed while embedding leaves the previous version served.
        Articles longer than ``EMBED_MAX_SENTENCES`` are stored without vectors.
        """
        self._check_size(name, len(data))
        await self.ready(space)  # a new server's library starts with the bundled articles
        parse_name = url.split("?")[0] if url else name
        pool = self.pool
        async with self._uploading:
            article = await self._parse(data, parse_name, content_type=content_type,
                                        title=title, source=name, pool=pool)
            vectors = await self._vectors(article, name, progress, pool=pool)
            fields = await _run(pool, article_fields, article)
            return await self.library.add(
                space, article, source=name, url=url, vectors=vectors, model=self._model,
                fields=fields,
            )

    async def _parse(
        self,
        data: bytes,
        name: str,
        *,
        content_type: str | None = None,
        title: str | None = None,
        source: str | None = None,
        pool: Executor | None = None,
    ) -> Article:
        """Parse a source on ``pool`` (``None``: the default one, for the bundled articles)."""
        try:
            return await _run(
                pool, parse_article, data, name, content_type=content_type, title=title,
                limits=self.limits,
            )
        except SourceError as error:
            raise KiosqueError(
                "source_error",
                source=source or name,
                problem=error.code,
                detail=error.detail,
                limit="" if error.limit is None else error.limit,
            ) from None

    async def _vectors(
        self,
        article: Article,
        name: str,
        progress: Progress | None = None,
        pool: Executor | None = None,
    ):
        embedder = self.embedder
        if embedder and 0 < len(article.sentences) <= self.settings.embed_max_sentences:
            # A worker thread cannot be cancelled: when the indexing is (a shutdown, a kill of
            # the request), the thread stops at its next batch instead of embedding on for
            # minutes while the process waits for it to exit.
            stopped = threading.Event()

            def told(done: int, total: int) -> None:
                if stopped.is_set():
                    raise _Stopped
                if progress is not None:
                    progress(done, total)

            try:
                return await _run(pool, embed_article, embedder, article, told)
            except asyncio.CancelledError:
                stopped.set()
                raise
        if embedder and article.sentences:
            log.info(
                "%s: %d sentences, over EMBED_MAX_SENTENCES=%d: indexed without vectors",
                name,
                len(article.sentences),
                self.settings.embed_max_sentences,
            )
        return None

    @property
    def _model(self) -> str | None:
        return self.embedder.name if self.embedder else None

    def _check_size(self, name: str, size: int) -> None:
        if size > self.settings.max_source_bytes:
            raise KiosqueError(
                "source_error",
                source=name,
                problem="too_large",
                limit=self.settings.max_source_bytes,
            )


async def _run(pool: Executor | None, function: Callable, /, *args, **kwargs):
    """``function(*args, **kwargs)`` on ``pool``'s threads (``None``: the default pool)."""
    call = functools.partial(function, *args, **kwargs)
    return await asyncio.get_running_loop().run_in_executor(pool, call)
