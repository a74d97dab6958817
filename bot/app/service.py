"""Kiosque as one object: libraries, history and responder behind the calls adapters make.

Every call names the space it acts in (``values.LOCAL`` for the command line and the console,
``values.guild_space(id)`` for a Discord server, ``values.DIRECT`` for direct
messages, which ``bot.adapter.places`` chooses): a space's library is its own, and nothing done
in one reaches another.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Collection
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from bot.app.feeds import Feeds, PollReport
from bot.app.indexer import INDEXING_THREADS, Indexer, Progress
from bot.app.language import FALLBACK, Chosen, reply_language
from bot.app.render import Renderer
from bot.app.replies import Answer, Found, FoundArticles, Reply, SmallTalk, Summary
from bot.app.responder import RANKING, Responder
from bot.app.routing import Router
from bot.app.vector_cache import CachedEmbedder
from bot.errors import KiosqueError
from bot.settings import Settings
from bot.storage.backup import backup
from bot.storage.factory import open_database
from bot.storage.feedback import Feedback
from bot.storage.feeds import Feed, FeedStore
from bot.storage.guilds import GuildConfig, GuildSettings
from bot.storage.history import History
from bot.storage.library import ArticleInfo, Library, Listing
from bot.storage.protocol import Database, DatabaseUnavailable
from bot.storage.search import Hit
from bot.values import LOCAL, News, StoredArticle, Turn, Votes
from index.language.analysis import warm
from index.language.intent import LISTING, SMALL_TALK, SUMMARY, articles_topic
from index.language.question import Question, read_question
from index.vectors.embedding import Encoder, load_embedder

if TYPE_CHECKING:
    import numpy as np

    from index.model import Article

FOLLOWUP_TURNS = 4

log = logging.getLogger(__name__)


class CannotStart(Exception):
    """Kiosque cannot start (``Kiosque.start``); the message is the one line that says why."""


class Kiosque:
    """What the CLI, the console chat and the Discord adapter all call."""

    def __init__(
        self, settings: Settings, database: Database, embedder: Encoder | None = None
    ) -> None:
        self.settings = settings
        self.database = database
        self.embedder = embedder
        self._indexing = ThreadPoolExecutor(INDEXING_THREADS, thread_name_prefix="indexing")
        self.library = Library(
            database, model=embedder.name if embedder else None, writer=self._indexing
        )
        self.history = History(database, settings.history_limit)
        self.guilds = GuildSettings(database)
        self.feedback = Feedback(database)
        self.responder = Responder(embedder=embedder)
        self.router = Router(self.library, self.responder)
        self.renderer = Renderer(settings.prompts_dir)
        self._prefetching: set[asyncio.Future] = set()
        self.indexer = Indexer(settings, self.library, embedder, self._indexing)
        self.newsfeeds = Feeds(settings, FeedStore(database), self.indexer)

    @classmethod
    async def open(
        cls, settings: Settings, seed: bool = True, embedder: Encoder | None = None
    ) -> Kiosque:
        """Open the database; index the bundled articles the first time the local library is
        empty. ``embedder``: a model made elsewhere (the evaluation's cached one) instead of
        the one the settings name."""
        if embedder is None and settings.semantic:
            embedder = load_embedder(
                settings.embed_threads, settings.embed_engine, settings.embed_cache_dir, RANKING
            )
            if embedder is not None and settings.embed_cache_dir:
                embedder = CachedEmbedder(embedder, settings.embed_cache_dir)
        elif embedder is None:
            log.info("semantic model turned off (SEMANTIC_MODEL=off): answering with BM25 alone")
        database = await open_database(settings)
        kiosque = cls(settings, database, embedder)
        try:
            caught = await kiosque.library.catch_up()
            if caught:
                log.info("library-wide index: %d article(s) indexed at start", caught)
            if seed:
                await kiosque.seed(LOCAL)
        except BaseException:
            await database.close()
            raise
        return kiosque

    @classmethod
    async def start(cls, settings: Settings) -> Kiosque:
        """``open`` and ``warm``, as a process that serves members starts; a database that
        cannot be opened or a bundled article that cannot be indexed is a ``CannotStart``."""
        try:
            kiosque = await cls.open(settings)
        except DatabaseUnavailable as error:
            raise CannotStart(
                f"cannot open the database {settings.database_label}: {error}"
            ) from None
        except KiosqueError as error:
            raise CannotStart(f"cannot index the bundled articles: {error.code}") from None
        await kiosque.warm()
        return kiosque

    async def warm(self) -> None:
        """Load what a process answering many questions should not wait for at its first: the
        lemmatizer's dictionaries of every language the library is searched in, and the fast
        reader of questions (``Encoder.warm``), off the event loop."""
        await asyncio.to_thread(warm)
        if self.embedder is not None:
            await asyncio.to_thread(self.embedder.warm)

    async def close(self) -> None:
        """Close the database after the write in progress; uploads not started are dropped."""
        self._indexing.shutdown(wait=False, cancel_futures=True)
        self.newsfeeds.close()
        await self.database.close()

    async def seed(self, space: str) -> list[ArticleInfo]:
        """Index the bundled articles into ``space`` if its library holds none."""
        return await self.indexer.seed(space)

    async def ready(self, space: str) -> None:
        """Make sure a server's (or a member's DM) library exists: a new one starts with the
        bundled articles. Every call that reads a space's library does this first."""
        await self.indexer.ready(space)

    async def index_path(
        self, space: str, path: Path, title: str | None = None, progress: Progress | None = None
    ) -> ArticleInfo:
        """Index a file from disk (see ``Indexer.index_path``)."""
        return await self.indexer.index_path(space, path, title=title, progress=progress)

    async def index_url(
        self, space: str, url: str, title: str | None = None, progress: Progress | None = None
    ) -> ArticleInfo:
        """Download a page (see ``bot.net.fetch``) and index it as a version of that URL."""
        return await self.indexer.index_url(space, url, title=title, progress=progress)

    async def index_bytes(self, space: str, data: bytes, name: str, **options) -> ArticleInfo:
        """Parse, embed and store one source in ``space``; nothing is stored if any step fails
        (``options``: those of ``Indexer.index_bytes``)."""
        return await self.indexer.index_bytes(space, data, name, **options)

    async def article_for(
        self,
        space: str,
        channel: str,
        article_id: int | None = None,
        parent: str | None = None,
    ) -> StoredArticle:
        """The article a channel asks about: the one named, the channel's active one, its
        parent channel's (for a thread), else the space's newest."""
        await self.ready(space)
        if article_id is None:
            article_id = await self._active_of(space, channel, parent)
        return await self.library.load(space, article_id)

    async def _active_of(self, space: str, channel: str, parent: str | None) -> int | None:
        for key in (channel, parent):
            active = await self.history.active(key) if key else None
            if active is not None and await self.library.has(space, active):
                return active
        return None

    async def ask(
        self,
        space: str,
        question: str,
        channel: str,
        author: str = "cli",
        article_id: int | None = None,
        language: str | None = None,
        parent: str | None = None,
        library: bool = False,
        locale: str | None = None,
    ) -> Reply:
        """Reply to a message in a channel's context; an answer's turn is recorded.

        The question goes to the article named, else to the channel's (see ``Router.answer``
        for the library). "Quel article parle de … ?" gets ``FoundArticles``, "Résume l'article"
        a ``Summary``, "Bonjour", "Merci" a word back (``SmallTalk``); none of these is
        recorded as a turn. ``language`` is the server's setting, ``locale`` the member's
        Discord language (``bot.app.language``).
        """
        question = self._checked(question)
        await self.ready(space)
        chosen = self._chosen(language, locale)
        # Read once, off the event loop: what it asks for, its language, its kind of answer.
        asked = await asyncio.to_thread(read_question, question)
        if asked.intent == LISTING:
            return await self._listing(space, question, asked, chosen)
        if asked.intent == SMALL_TALK:
            stored = await self.article_for(space, channel, article_id, parent)
            return _small_talk(question, asked, stored, chosen)
        if asked.intent == SUMMARY:
            stored = await self.article_for(space, channel, article_id, parent)
            summary = await self._summarised(stored, None, "medium", chosen, asked.language)
            return replace(summary, question=question)
        answer = await self._answer(space, channel, asked, chosen, article_id, parent, library)
        return await self._record(channel, author, question, answer)

    def _checked(self, question: str) -> str:
        """The question with its spaces made single, or the error that refuses it."""
        # A NUL is a space: Postgres text cannot hold one, and no question needs it.
        question = " ".join(question.replace("\x00", " ").split())
        if not question:
            raise KiosqueError("empty_question")
        if len(question) > self.settings.max_question_chars:
            raise KiosqueError("too_long", limit=self.settings.max_question_chars)
        return question

    async def _listing(
        self, space: str, question: str, asked: Question, chosen: Chosen
    ) -> FoundArticles:
        """« Quel article parle de … ? »: the articles of the space that do (none found: an
        abstention about the newest)."""
        found = await self.search(space, articles_topic(question))
        newest = await self.library.load(space)
        return FoundArticles(question, reply_language(chosen, asked.language), tuple(found),
                             newest.id, newest.article.title, newest.version)

    async def _answer(
        self,
        space: str,
        channel: str,
        asked: Question,
        chosen: Chosen,
        article_id: int | None,
        parent: str | None,
        library: bool,
    ) -> Answer:
        """The answer of the article named, else the channel's (or another: ``Router``)."""
        self._prefetch(asked.text)
        history = await self.history.recent(channel, FOLLOWUP_TURNS)
        own = article_id or await self._active_of(space, channel, parent)
        return await self.router.answer(
            space, asked, history, chosen, own, named=article_id is not None, library=library
        )

    async def _record(self, channel: str, author: str, question: str, answer: Answer) -> Answer:
        """The answer with its turn, once recorded in the channel's history."""
        turn = await self.history.record(
            Turn(
                channel=channel,
                author=author,
                question=question,
                article_id=answer.article_id,
                version=answer.version,
                abstained=answer.abstained,
                passages=answer.passages,
                asked_at=datetime.now(UTC),
            )
        )
        return replace(answer, turn=turn)

    def _prefetch(self, question: str) -> None:
        """Start the question's vector (its normalised text, as retrieval reads it) in a worker
        thread while the history and the article are read: the model runs outside the
        interpreter's lock, so the two overlap, and retrieval then finds the vector ready (or
        waits for it, never computing it twice)."""
        if self.embedder is None:
            return
        # With the question tower too, when the model has one (``Embedder.question``).
        read = getattr(self.embedder, "question", None) or self.embedder.query
        task = asyncio.ensure_future(asyncio.to_thread(read, question))
        self._prefetching.add(task)
        task.add_done_callback(self._prefetched)

    def _prefetched(self, task: asyncio.Future) -> None:
        self._prefetching.discard(task)
        if not task.cancelled() and task.exception() is not None:
            # Retrieval asks again and meets the same error, where it is handled.
            log.debug("question vector not prefetched: %r", task.exception())

    async def search(self, space: str, query: str, limit: int = 5) -> list[Found]:
        """The articles of a space that speak most of ``query``, each with its best sentence."""
        await self.ready(space)
        found = []
        for hit in (await self.router.best_hits(space, query))[:limit]:
            stored = await self.library.load(space, hit.article_id)
            sentence = stored.article.sentences[hit.sentence].text
            found.append(Found(hit.article_id, stored.article.title, sentence, hit.score))
        return found

    async def _turn(self, space: str, turn_id: int) -> tuple[Turn, StoredArticle]:
        """A recorded turn of ``space`` and the article version it was answered from."""
        turn = await self.history.get(turn_id)
        if turn is None or not await self.library.has(space, turn.article_id):
            raise KiosqueError("unknown_turn")
        stored = await self.library.load(space, turn.article_id)
        if stored.version != turn.version:
            raise KiosqueError("stale_turn")
        return turn, stored

    async def more(
        self,
        space: str,
        turn_id: int,
        page: int = 1,
        language: str | None = None,
        locale: str | None = None,
    ) -> Answer:
        """The ``page``-th batch of further passages for an answered question.

        An answer shows only its first passage: page 1 holds the others it quoted, when it
        quoted more than one; the next pages (or page 1 otherwise) the passages after them.
        """
        turn, stored = await self._turn(space, turn_id)
        shown = {i for p in turn.passages for i in p.sentences}
        chosen = self._chosen(language, locale)
        held = turn.passages[1:]
        if held and page <= 1:
            answer = await asyncio.to_thread(
                self.responder.held, turn.question, stored, held, chosen
            )
            return replace(answer, turn=turn_id)
        answer = None
        for _ in range(max(1, page - 1 if held else page)):
            answer = await asyncio.to_thread(
                self.responder.more, turn.question, stored, set(shown), chosen
            )
            shown |= {i for p in answer.passages for i in p.sentences}
        return replace(answer, turn=turn_id)

    async def recorded(
        self, space: str, turn_id: int, language: str | None = None, locale: str | None = None
    ) -> Answer:
        """An answer again, as its turn recorded it (its quotes): to post it whole, all its
        parts, in the channel (« Publier dans le salon »)."""
        turn, stored = await self._turn(space, turn_id)
        return Answer(
            question=turn.question,
            language=self.language(stored, language, locale),
            article_id=stored.id,
            article_title=stored.article.title,
            version=stored.version,
            passages=turn.passages,
            turn=turn_id,
        )

    async def surrounding(self, space: str, turn_id: int) -> tuple[str, str | None]:
        """The paragraph around an answer's first quote, and its section."""
        turn, stored = await self._turn(space, turn_id)
        if not turn.passages:
            raise KiosqueError("unknown_turn")
        first = turn.passages[0]
        core = first.sentence if first.sentence is not None else first.sentences[0]
        return self.responder.paragraph(stored, core)

    async def vote(self, space: str, turn_id: int, member: str, up: bool) -> tuple[int, int]:
        """A member's vote on an answer (changeable); the answer's votes up and down."""
        turn = await self.history.get(turn_id)
        if turn is None or not await self.library.has(space, turn.article_id):
            raise KiosqueError("unknown_turn")
        return await self.feedback.vote(space, turn, member, up)

    async def votes(self, space: str | None = None) -> list[Votes]:
        """Votes per article, with the questions voted down and what was quoted."""
        return await self.feedback.report(space)

    async def summary(
        self,
        space: str,
        channel: str,
        article_id: int | None = None,
        section: str | None = None,
        length: str | int = "medium",
        language: str | None = None,
        parent: str | None = None,
        locale: str | None = None,
    ) -> Summary:
        """Bullets over the channel's article or one of its sections."""
        stored = await self.article_for(space, channel, article_id, parent)
        return await self._summarised(stored, section, length, self._chosen(language, locale))

    async def _summarised(
        self,
        stored: StoredArticle,
        section: str | None,
        length: str | int,
        chosen: Chosen,
        question: str | None = None,
    ) -> Summary:
        """The responder's summary, in the language chosen, else the question's (asked in
        words), else the article's."""
        try:
            return await asyncio.to_thread(
                self.responder.summary, stored, section, length, chosen, question
            )
        except LookupError:
            raise KiosqueError("unknown_section", name=section) from None

    async def use(self, space: str, channel: str, ref: str) -> ArticleInfo:
        """Make an article of ``space`` (by id or title) the channel's active one."""
        await self.ready(space)
        info = await self.library.find(space, ref)
        await self.history.use(channel, info.id)
        return info

    async def indexed_in(self, space: str, channel: str, info: ArticleInfo) -> None:
        """After an admin indexed an article in a channel: a new article becomes the channel's,
        as does any article in a channel that had none."""
        active = await self.history.active(channel)
        if info.version == 1 or active is None or not await self.library.has(space, active):
            await self.history.use(channel, info.id)

    async def articles(self, space: str) -> list[ArticleInfo]:
        """Every article of a space's library, newest first."""
        await self.ready(space)
        return await self.library.articles(space)

    async def listing(self, space: str, page: int = 1, size: int = 20) -> Listing:
        """One page of a space's library, newest first."""
        await self.ready(space)
        return await self.library.page(space, page, size)

    async def titles(self, space: str, typed: str) -> list[ArticleInfo]:
        """Articles of a space whose title contains what was typed (for autocompletion)."""
        await self.ready(space)
        return await self.library.titled(space, typed)

    async def active(self, space: str, channel: str) -> int | None:
        """The channel's active article, if it chose one of this space's."""
        active = await self.history.active(channel)
        return active if active is not None and await self.library.has(space, active) else None

    async def turns(self, channel: str, count: int = 10) -> list[Turn]:
        """A channel's last ``count`` questions, oldest first."""
        return await self.history.recent(channel, count)

    async def turns_page(
        self, channel: str, page: int = 1, size: int = 10
    ) -> tuple[list[Turn], int, int]:
        """One page of a channel's questions, newest page first: (turns, page, pages)."""
        total = await self.history.count(channel)
        pages = max(1, -(-total // size))
        page = min(max(1, page), pages)
        turns = await self.history.page(channel, (page - 1) * size, size)
        return turns, page, pages

    async def resolve(self, space: str, ref: str) -> int:
        """The id of an article of ``space`` named by id or title."""
        return (await self.library.find(space, ref)).id

    async def add_article(
        self,
        space: str,
        article: Article,
        source: str,
        vectors: np.ndarray | None = None,
        model: str | None = None,
    ) -> ArticleInfo:
        """Store an article parsed elsewhere, with the sentence vectors ``model`` made for it
        (evaluation and benchmarks fill libraries so, from their caches)."""
        return await self.library.add(space, article, source, vectors=vectors, model=model)

    async def article_count(self, space: str) -> int:
        """How many articles a space's library holds."""
        return await self.library.count(space)

    async def hits(self, space: str, terms: list[str]) -> list[Hit]:
        """The library-wide index's sentences for search terms, best first: what ``search``
        and the routing of a question start from (``bench.search`` times it alone)."""
        return await self.library.search.search(space, terms)

    async def sections(
        self, space: str, channel: str, article_id: int | None = None, parent: str | None = None
    ) -> list[str]:
        """The names of the sections of the channel's (or the named) article; the lead is
        "Introduction", as answers call it."""
        stored = await self.article_for(space, channel, article_id, parent)
        return ["Introduction" if s.heading is None else s.heading
                for s in stored.article.sections if s.paragraphs]

    async def forget(self, channel: str) -> int:
        """Delete a channel's history; how many questions were dropped."""
        return await self.history.forget(channel)

    async def guild_config(self, guild_id: int) -> GuildConfig:
        """What a server's admins chose with ``/config`` (defaults when they chose nothing)."""
        return await self.guilds.get(guild_id)

    async def configure_guild(self, guild_id: int, config: GuildConfig) -> None:
        """Replace a server's settings."""
        await self.guilds.set(guild_id, config)

    async def reads_every_message(self) -> bool:
        """Whether some channel answers every message (``ANSWER_CHANNELS`` or a server's
        ``/config``): only then does the bot need Discord's message content intent."""
        return bool(self.settings.answer_channels) or await self.guilds.answering()

    async def note(self, key: str) -> str | None:
        """A note the bot keeps for itself (such as the hash of the last synced commands)."""
        return await self.guilds.meta(key)

    async def set_note(self, key: str, value: str) -> None:
        """Keep a note for the bot itself."""
        await self.guilds.set_meta(key, value)

    async def backup(self, target: Path) -> None:
        """A consistent copy of the database at ``target``."""
        if target.exists():
            raise KiosqueError("backup_exists", path=str(target))
        await backup(self.database, target)

    async def add_feed(self, space: str, url: str, channel: int | None = None) -> Feed:
        """Follow a news feed (RSS or Atom) in a server: its new items become articles."""
        return await self.newsfeeds.add(space, url, channel)

    async def list_feeds(self, space: str | None = None) -> list[Feed]:
        """The feeds a server follows (every server's: ``None``), with why any is paused."""
        return await self.newsfeeds.list(space)

    async def remove_feed(self, space: str, ref: str) -> Feed:
        """Stop following a feed (by id or URL); the articles it brought stay."""
        return await self.newsfeeds.remove(space, ref)

    async def pause_feed(self, space: str, ref: str) -> Feed:
        """Stop polling a feed until it is resumed."""
        return await self.newsfeeds.pause(space, ref)

    async def resume_feed(self, space: str, ref: str) -> Feed:
        """Poll a paused feed again, at once."""
        return await self.newsfeeds.resume(space, ref)

    async def poll_feeds(self, space: str) -> list[PollReport]:
        """Poll a server's feeds once, now, whatever their interval."""
        return await self.newsfeeds.poll_space(space)

    async def due_feeds(self) -> list[Feed]:
        """The feeds whose time to be polled has come (and that no process polls now)."""
        return await self.newsfeeds.due()

    async def poll_due_feeds(self) -> list[PollReport]:
        """Poll every feed that is due; what the bot's loop calls every minute or so."""
        return await self.newsfeeds.poll_due()

    async def feed_news(self, spaces: Collection[str]) -> list[News]:
        """New feed articles of these servers still to announce, oldest first."""
        return await self.newsfeeds.news(spaces)

    async def feed_announced(self, news: News, channel: str | None = None) -> None:
        """After Discord took a new article's announcement: never announced again, and the
        channel's article when it has its own post (``channel``)."""
        await self.newsfeeds.announced(news.item_id)
        if channel is not None:
            await self.history.use(channel, news.article_id)

    async def stop_announcing(self, feed_id: int, reason: KiosqueError) -> bool:
        """Pause a feed whose channel is gone or closed to the bot; ``True`` once."""
        return await self.newsfeeds.stop_announcing(feed_id, reason)

    def _chosen(self, language: str | None, locale: str | None) -> Chosen:
        """What the shell chose (the server's setting, the member's Discord language) and the
        operator's setting (``KIOSQUE_LANGUAGE``)."""
        return Chosen(server=language, member=locale, operator=self.settings.language)

    def language(
        self,
        stored: StoredArticle | None = None,
        language: str | None = None,
        locale: str | None = None,
    ) -> str:
        """The language of the bot's words about an article (or about none): chosen by the
        server, the member or the operator, else the article's (``reply_language``)."""
        return reply_language(
            self._chosen(language, locale), default=stored.article.language if stored else None
        )

    def error_text(
        self, error: KiosqueError, language: str = FALLBACK, plain: bool = False
    ) -> str:
        """The one line that tells the user what went wrong (``plain`` for a terminal)."""
        return self.renderer.error(error, language, plain=plain)


def _small_talk(question: str, asked: Question, stored: StoredArticle, chosen: Chosen) -> SmallTalk:
    """A word back to "Bonjour", "Merci" or "ok", about the channel's article."""
    kind, said_in = asked.talk
    return SmallTalk(question, reply_language(chosen, said_in, stored.article.language), kind,
                     stored.id, stored.article.title, stored.version)
