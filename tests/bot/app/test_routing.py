"""The steps of a question's way to the article that answers it (``bot.app.routing``), and the
service's own first step, the question's check."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

import pytest

from bot.app.language import NOTHING, Chosen
from bot.errors import KiosqueError
from bot.values import LOCAL, Turn
from index.language.question import read_question
from tests.conftest import DATA

CRASH, PAPILLONS = DATA / "wikinews_44145.html", DATA / "wikinews_45037.html"
PASSENGERS = "Combien de passagers transportait l'avion ?"


def test_a_question_goes_to_the_channel_s_article_else_to_the_one_that_answers(
    kiosque: Callable,
) -> None:
    async def scenario() -> tuple:
        async with kiosque(semantic=False) as k:
            crash = (await k.index_path(LOCAL, CRASH)).id
            papillons = (await k.index_path(LOCAL, PAPILLONS)).id
            asked = read_question(PASSENGERS)
            named = await k.router.answer(LOCAL, asked, [], NOTHING, papillons, named=True)
            own = await k.router.answer(LOCAL, asked, [], NOTHING, papillons)
            nowhere = await k.router.answer(LOCAL, asked, [], NOTHING, None)
            english = await k.router.answer(LOCAL, asked, [], Chosen(member="en"), None)
            return crash, papillons, named, own, nowhere, english

    crash, papillons, named, own, nowhere, english = asyncio.run(scenario())
    # Named for this question, only that article is asked: it does not answer.
    assert named.abstained and (named.article_id, named.routed) == (papillons, None)
    # The channel's article does not answer: the one that does, named as such.
    assert (own.article_id, own.routed) == (crash, "elsewhere") and not own.abstained
    # No article in the channel: the library's best.
    assert (nowhere.article_id, nowhere.routed) == (crash, "library")
    assert (nowhere.language, english.language) == ("fr", "en")


def test_the_library_s_candidates_leave_out_the_excluded_article(kiosque: Callable) -> None:
    async def scenario() -> tuple:
        async with kiosque(semantic=False) as k:
            crash = (await k.index_path(LOCAL, CRASH)).id
            asked = read_question(PASSENGERS)
            hits = await k.router.best_hits(LOCAL, asked)
            best = await k.router.from_library(LOCAL, asked, NOTHING, "library")
            other = await k.router.from_library(LOCAL, asked, NOTHING, "library", exclude=crash)
            return crash, hits, best, other

    crash, hits, best, other = asyncio.run(scenario())
    ids = [hit.article_id for hit in hits]
    assert ids[0] == crash and len(ids) == len(set(ids))  # each article once, best first
    assert best.article_id == crash and best.routed == "library"
    assert other is None or other.article_id != crash


def test_a_follow_up_goes_on_only_with_an_answered_article(kiosque: Callable) -> None:
    async def scenario() -> tuple:
        async with kiosque(semantic=False) as k:
            crash = (await k.index_path(LOCAL, CRASH)).id
            answered = Turn("salon", "a", PASSENGERS, crash, 1, False)
            refused = Turn("salon", "a", PASSENGERS, crash, 1, True)
            onward = read_question("Et pourquoi l'avion s'est-il écrasé ?")
            return crash, [
                await k.router.followed(LOCAL, onward, []),
                await k.router.followed(LOCAL, onward, [refused]),
                await k.router.followed(LOCAL, onward, [answered]),
            ]

    crash, followed = asyncio.run(scenario())
    assert followed == [None, None, crash]


def test_a_question_is_checked_before_anything_is_read(kiosque: Callable) -> None:
    async def scenario() -> tuple:
        async with kiosque(seed=False, max_question_chars=20) as k:
            spaced = k._checked("  Qui\x00a\n ratifié ?  ")
            codes = []
            for question in (" \x00 ", "x" * 21):
                with pytest.raises(KiosqueError) as refused:
                    k._checked(question)
                codes.append(refused.value.code)
            return spaced, codes

    spaced, codes = asyncio.run(scenario())
    assert spaced == "Qui a ratifié ?"
    assert codes == ["empty_question", "too_long"]
