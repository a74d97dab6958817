"""Kiosque as one object: libraries, history and responder behind the calls adapters make.

Every call names the space it acts in (``values.LOCAL`` for the command line and the console,
``values.guild_space(id)`` for a Discord server, ``values.DIRECT`` for direct
messages, which ``bot.adapter.places`` chooses): a space's library is its own, and nothing done
in one reaches another.
"""

from __future__ import annotations

import asyncio
import logging
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

from bot.app.feeds import Feeds, PollReport
from bot.app.indexer import INDEXING_THREADS, Indexer, Progress
from bot.app.render import Renderer
from bot.app.responder import Responder
from bot.app.vector_cache import CachedEmbedder
from bot.errors import KiosqueError
from bot.settings import Settings
from bot.storage.backup import backup
from bot.storage.factory import open_database
from bot.storage.feedback import Feedback
from bot.storage.feeds import Feed, FeedStore
from bot.storage.guilds import GuildSettings
from bot.storage.history import History
from bot.storage.library import ArticleInfo, Library, Listing
from bot.storage.protocol import Database
from bot.storage.search import Hit
from bot.values import LOCAL, Answer, Found, StoredArticle, Summary, Turn, Votes
from index.language.analysis import warm
from index.language.intent import LISTING, SMALL_TALK, SUMMARY, articles_topic
from index.language.question import Question, read_question
from index.search.fields import search_terms
from index.vectors.embedding import Encoder, load_embedder

FOLLOWUP_TURNS = 4
ROUTE_CANDIDATES = 4  # articles asked when the library is searched (fit half: as good as 5)
ROUTE_SURE = 0.8  # an answer this confident ends the search (chosen by eval/routing.py's fit half)

log = logging.getLogger(__name__)


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
        self.renderer = Renderer(settings.prompts_dir)
        self._prefetching: set[asyncio.Future] = set()
        self.indexer = Indexer(settings, self.library, embedder, self._indexing)
        self.newsfeeds = Feeds(settings, FeedStore(database), self.indexer)

    @classmethod
    async def open(cls, settings: Settings, seed: bool = True) -> Kiosque:
        """Open the database; index the bundled articles the first time the local library is
        empty."""
        embedder: Encoder | None = None
        if settings.semantic:
            embedder = load_embedder(
                settings.embed_threads, settings.embed_engine, settings.embed_cache_dir
            )
            if embedder is not None and settings.embed_cache_dir:
                embedder = CachedEmbedder(embedder, settings.embed_cache_dir)
        else:
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
    ) -> Answer:
        """Answer a question in a channel's context and record the turn.

        The question goes to the article named, else to the channel's. A channel without an
        article of its own (or ``library``) asks the whole library, and so does a question
        the channel's article does not answer: the answer then comes from the article that
        does, and names it. "Quel article parle de … ?" lists the articles that do, and
        "Résume l'article" gets the summary (``Answer.summary``); "Bonjour", "Merci" get a
        word back (``Answer.chat``). Neither is recorded as a turn.
        """
        # A NUL is a space: Postgres text cannot hold one, and no question needs it.
        question = " ".join(question.replace("\x00", " ").split())
        if not question:
            raise KiosqueError("empty_question")
        if len(question) > self.settings.max_question_chars:
            raise KiosqueError("too_long", limit=self.settings.max_question_chars)
        await self.ready(space)
        chrome = self.chrome_language(language)
        # Read once, off the event loop: what it asks for, its language, its kind of answer.
        asked = await asyncio.to_thread(read_question, question)
        if asked.intent == LISTING:
            found = await self.search(space, articles_topic(question))
            newest = await self.library.load(space)
            return Answer(question, chrome or asked.language, newest.id,
                          newest.article.title, newest.version, found=tuple(found),
                          abstained=not found)
        if asked.intent == SMALL_TALK:  # a greeting or a thank-you: no question, no turn
            kind, said_in = asked.talk
            stored = await self.article_for(space, channel, article_id, parent)
            return Answer(question, chrome or said_in or stored.article.language, stored.id,
                          stored.article.title, stored.version, chat=kind)
        if asked.intent == SUMMARY:
            summary = await self.summary(space, channel, article_id,
                                         language=chrome or asked.language, parent=parent)
            return Answer(question, chrome or asked.language, summary.article_id,
                          summary.article_title, summary.version, summary=summary)
        self._prefetch(asked.text)
        history = await self.history.recent(channel, FOLLOWUP_TURNS)
        own = article_id or await self._active_of(space, channel, parent)
        onward = await self._followed(space, asked, history) if article_id is None else None
        if onward is not None:
            own, library = onward, False
        answer = None
        if library or (own is None and await self.library.several(space)):
            answer = await self._from_library(space, asked, chrome, "library")
        if answer is None:
            stored = await self.library.load(space, own)
            answer = await asyncio.to_thread(
                self.responder.answer, asked, stored, history, chrome
            )
            if answer.abstained and not answer.followup and article_id is None and own:
                answer = await self._from_library(
                    space, asked, chrome, "elsewhere", exclude=own
                ) or answer
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
        task = asyncio.ensure_future(asyncio.to_thread(self.embedder.query, question))
        self._prefetching.add(task)
        task.add_done_callback(self._prefetched)

    def _prefetched(self, task: asyncio.Future) -> None:
        self._prefetching.discard(task)
        if not task.cancelled() and task.exception() is not None:
            # Retrieval asks again and meets the same error, where it is handled.
            log.debug("question vector not prefetched: %r", task.exception())

    async def _followed(
        self, space: str, question: Question, history: list[Turn]
    ) -> int | None:
        """The article a follow-up goes on with: the one the channel's last answer quoted,
        when that answer came from another article than the channel's (routed there)."""
        last = next((t for t in reversed(history) if not t.abstained), None)
        if last is None or not await self.library.has(space, last.article_id):
            return None
        if not await asyncio.to_thread(self.responder.continues, question, history):
            return None
        return last.article_id

    async def _from_library(
        self,
        space: str,
        question: Question,
        language: str | None,
        routed: str,
        exclude: int | None = None,
    ) -> Answer | None:
        """The answer of the library's article that answers best, or ``None``.

        The library-wide index proposes the articles whose sentences match best; the first few
        are asked in turn as if each were the channel's, and the most confident answer wins
        (one of ``ROUTE_SURE`` confidence wins at once).
        """
        candidates = [
            hit.article_id for hit in await self._best_hits(space, question)
            if hit.article_id != exclude
        ][:ROUTE_CANDIDATES]
        answers = []
        for rank, candidate in enumerate(candidates):
            stored = await self.library.load(space, candidate)
            answer = await asyncio.to_thread(self.responder.answer, question, stored, (), language)
            if not answer.abstained:
                answers.append((answer.confidence or 0.0, -rank, answer))
                if (answer.confidence or 0.0) >= ROUTE_SURE:
                    break  # the next articles could hardly do better
        if not answers:
            return None
        return replace(max(answers, key=lambda a: a[:2])[2], routed=routed)

    async def _best_hits(self, space: str, question: str | Question) -> list[Hit]:
        """Each matching article's best sentence, best first."""
        best: dict[int, Hit] = {}
        for hit in await self.library.search.search(space, await _terms_of(question)):
            best.setdefault(hit.article_id, hit)
        return list(best.values())

    async def search(self, space: str, query: str, limit: int = 5) -> list[Found]:
        """The articles of a space that speak most of ``query``, each with its best sentence."""
        await self.ready(space)
        found = []
        for hit in (await self._best_hits(space, query))[:limit]:
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
        self, space: str, turn_id: int, page: int = 1, language: str | None = None
    ) -> Answer:
        """The ``page``-th batch of further passages for an answered question.

        An answer shows only its first passage: page 1 holds the others it quoted, when it
        quoted more than one; the next pages (or page 1 otherwise) the passages after them.
        """
        turn, stored = await self._turn(space, turn_id)
        shown = {i for p in turn.passages for i in p.sentences}
        chrome = self.chrome_language(language)
        held = turn.passages[1:]
        if held and page <= 1:
            answer = await asyncio.to_thread(
                self.responder.held, turn.question, stored, held, chrome
            )
            return replace(answer, turn=turn_id)
        answer = None
        for _ in range(max(1, page - 1 if held else page)):
            answer = await asyncio.to_thread(
                self.responder.more, turn.question, stored, set(shown), chrome
            )
            shown |= {i for p in answer.passages for i in p.sentences}
        return replace(answer, turn=turn_id)

    async def recorded(
        self, space: str, turn_id: int, language: str | None = None
    ) -> Answer:
        """An answer again, as its turn recorded it (its quotes): to post it whole, all its
        parts, in the channel (« Publier dans le salon »)."""
        turn, stored = await self._turn(space, turn_id)
        return Answer(
            question=turn.question,
            language=self.language(stored, language),
            article_id=stored.id,
            article_title=stored.article.title,
            version=stored.version,
            passages=turn.passages,
            abstained=turn.abstained,
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
    ) -> Summary:
        """Bullets over the channel's article or one of its sections."""
        stored = await self.article_for(space, channel, article_id, parent)
        try:
            return await asyncio.to_thread(
                self.responder.summary, stored, section, length, self.language(stored, language)
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

async def _terms_of(question: str | Question) -> list[str]:
    """A question's library-wide search terms, analysed off the event loop (read first when
    it is only text: a listing's topic)."""
    if isinstance(question, str):
        return await asyncio.to_thread(lambda: search_terms(read_question(question)))
    return await asyncio.to_thread(search_terms, question)
