"""Which article answers a question: the one named, the one a follow-up goes on with, the
channel's, or the library's best, found through the library-wide index.

``Router.answer`` is the question's way through these; each step is a method of its own.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import replace

from bot.app.language import Chosen
from bot.app.replies import Answer
from bot.app.responder import Responder
from bot.storage.library import Library
from bot.storage.search import Hit
from bot.values import Turn
from index.language.question import Question, read_question
from index.search.fields import search_terms

ROUTE_CANDIDATES = 4  # articles asked when the library is searched (fit half: as good as 5)
ROUTE_SURE = 0.8  # an answer this confident ends the search (chosen by eval/routing.py's fit half)


class Router:
    """Sends a question to the article that answers it, through the responder."""

    def __init__(self, library: Library, responder: Responder) -> None:
        self.library = library
        self.responder = responder

    async def answer(
        self,
        space: str,
        question: Question,
        history: Sequence[Turn],
        chosen: Chosen,
        own: int | None,
        named: bool = False,
        library: bool = False,
    ) -> Answer:
        """The answer to ``question`` in a channel whose article is ``own`` (``None``: it has
        none; ``named``: the member named it for this question, and only it is asked).

        A follow-up goes on with the article the channel's last answer came from. A channel
        without an article (or ``library``) asks the whole library; a question the channel's
        article does not answer asks the library's other articles, and the answer names the
        one that does (``Answer.routed``).
        """
        onward = None if named else await self.followed(space, question, history)
        if onward is not None:
            own, library = onward, False
        if library or (own is None and await self.library.several(space)):
            found = await self.from_library(space, question, chosen, "library")
            if found is not None:
                return found
        stored = await self.library.load(space, own)
        answer = await asyncio.to_thread(self.responder.answer, question, stored, history, chosen)
        if answer.abstained and not answer.followup and not named and own:
            elsewhere = await self.from_library(
                space, question, chosen, "elsewhere", exclude=own
            )
            return elsewhere or answer
        return answer

    async def followed(
        self, space: str, question: Question, history: Sequence[Turn]
    ) -> int | None:
        """The article a follow-up goes on with: the one the channel's last answer quoted,
        when that answer came from another article than the channel's (routed there)."""
        last = next((t for t in reversed(history) if not t.abstained), None)
        if last is None or not await self.library.has(space, last.article_id):
            return None
        if not await asyncio.to_thread(self.responder.continues, question, history):
            return None
        return last.article_id

    async def from_library(
        self,
        space: str,
        question: Question,
        chosen: Chosen,
        routed: str,
        exclude: int | None = None,
    ) -> Answer | None:
        """The answer of the library's article that answers best, or ``None``.

        The library-wide index proposes the articles whose sentences match best; the first few
        are asked in turn as if each were the channel's, and the most confident answer wins
        (one of ``ROUTE_SURE`` confidence wins at once).
        """
        candidates = [
            hit.article_id for hit in await self.best_hits(space, question)
            if hit.article_id != exclude
        ][:ROUTE_CANDIDATES]
        answers = []
        for rank, candidate in enumerate(candidates):
            stored = await self.library.load(space, candidate)
            answer = await asyncio.to_thread(self.responder.answer, question, stored, (), chosen)
            if not answer.abstained:
                answers.append((answer.confidence or 0.0, -rank, answer))
                if (answer.confidence or 0.0) >= ROUTE_SURE:
                    break  # the next articles could hardly do better
        if not answers:
            return None
        return replace(max(answers, key=lambda a: a[:2])[2], routed=routed)

    async def best_hits(self, space: str, question: str | Question) -> list[Hit]:
        """Each matching article's best sentence, best first."""
        best: dict[int, Hit] = {}
        for hit in await self.library.search.search(space, await _terms_of(question)):
            best.setdefault(hit.article_id, hit)
        return list(best.values())


async def _terms_of(question: str | Question) -> list[str]:
    """A question's library-wide search terms, analysed off the event loop (read first when
    it is only text: a listing's topic)."""
    if isinstance(question, str):
        return await asyncio.to_thread(lambda: search_terms(read_question(question)))
    return await asyncio.to_thread(search_terms, question)
