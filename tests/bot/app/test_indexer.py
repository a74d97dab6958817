"""Uploads through the service (``bot.app.indexer``): bounded by the caps, linear in their size,
and never in the way of another server's questions."""

from __future__ import annotations

import asyncio
import os
import time
from collections.abc import Callable

import pytest

from bot.errors import KiosqueError
from bot.settings import Settings, SettingsError
from bot.storage.search import SHIFT
from bot.values import guild_space
from stress.uploads import UPLOADER, blank_lines, crowd, short_sentences

HOME = guild_space(7)
BUDGET = "Le conseil vote le budget\n\nLe conseil municipal a voté le budget de la ville mardi.\n"


@pytest.mark.parametrize(
    ("data", "caps", "french", "english"),
    [
        (
            short_sentences(80, per_paragraph=20),
            {"max_article_sentences": 50},
            "l’article a 80 phrases, au-delà de la limite de 50",
            "the article has 80 sentences, over the limit of 50",
        ),
        (
            short_sentences(5000),
            {},
            "un paragraphe a 29 374 caractères, au-delà de la limite de 20 000",
            "a paragraph has 29,374 characters, over the limit of 20,000",
        ),
        (
            blank_lines(5_000_000),
            {},
            "plus de 100 000 paragraphes, au-delà de la limite de 100 000 phrases par article",
            "over 100,000 paragraphs, beyond the limit of 100,000 sentences per article",
        ),
    ],
    ids=["sentences", "paragraph", "5 MB of blank lines"],
)
def test_an_upload_over_a_cap_is_refused_in_one_line_and_nothing_is_stored(
    kiosque: Callable, data: bytes, caps: dict, french: str, english: str
) -> None:
    async def scenario() -> tuple:
        async with kiosque(seed=False, semantic=False, **caps) as k:
            await k.index_bytes(HOME, BUDGET.encode(), "budget.txt")
            before = await k.articles(HOME)
            hits = await k.search(HOME, "budget")
            with pytest.raises(KiosqueError) as caught:
                await k.index_bytes(HOME, data, "hostile.txt")
            error = caught.value
            after = await k.articles(HOME)
            return (error, k.error_text(error, "fr"), k.error_text(error, "en"), before, after,
                    hits, await k.search(HOME, "budget"))

    error, fr, en, before, after, hits, hits_after = asyncio.run(scenario())
    assert error.code == "source_error"
    assert fr == f"hostile.txt : {french}"
    assert en == f"hostile.txt: {english}"
    assert after == before
    assert hits_after == hits and hits


def test_the_sentence_cap_keeps_every_article_within_its_search_range() -> None:
    # Sentences are numbered ``article_id << SHIFT | n``: the cap can never reach the next id.
    assert Settings().max_article_sentences < 1 << SHIFT
    assert Settings.load({"MAX_ARTICLE_SENTENCES": "1000000"}, dotenv=None)
    with pytest.raises(SettingsError, match="MAX_ARTICLE_SENTENCES must be at most 1000000"):
        Settings.load({"MAX_ARTICLE_SENTENCES": str(1 << SHIFT)}, dotenv=None)
    assert 1 << SHIFT > 1_000_000


def test_an_article_at_the_cap_is_indexed_and_searched_within_its_range(
    kiosque: Callable,
) -> None:
    data = short_sentences(2999, per_paragraph=30) + b"\nLes girafes dansent.\n"

    async def scenario() -> tuple:
        async with kiosque(seed=False, semantic=False, max_article_sentences=3000) as k:
            at_cap = await k.index_bytes(HOME, data, "a.txt")
            after = await k.index_bytes(HOME, BUDGET.encode(), "budget.txt")
            return at_cap, after, await k.search(HOME, "budget"), await k.search(HOME, "girafes")

    at_cap, after, budget, last = asyncio.run(scenario())
    assert at_cap.sentences == 3000
    assert [(f.article_id, f.title) for f in budget] == [(after.id, "Le conseil vote le budget")]
    assert [(f.article_id, f.sentence) for f in last] == [(at_cap.id, "Les girafes dansent.")]


def test_an_article_of_sixteen_thousand_sentences_indexes_in_seconds(kiosque: Callable) -> None:
    # In paragraphs of 100: the one-paragraph case is in tests/index/ingest/test_sources.py.
    data = short_sentences(16_000, per_paragraph=100)

    async def scenario() -> tuple:
        async with kiosque(seed=False, semantic=False) as k:
            start = time.perf_counter()
            info = await k.index_bytes(HOME, data, "phrases.txt")
            return info, time.perf_counter() - start

    info, seconds = asyncio.run(scenario())
    assert info.sentences == 16_000
    assert seconds < 20


def test_another_servers_question_does_not_wait_behind_uploads(kiosque: Callable) -> None:
    # As many uploads as the default pool has threads: they used to fill it, and a question
    # of another server waited for the first of them to be parsed.
    workers = min(32, (os.cpu_count() or 1) + 4)
    upload = short_sentences(12_000, per_paragraph=20)

    async def scenario() -> tuple:
        async with kiosque(seed=False, semantic=False) as k:
            await k.ready(UPLOADER)
            start = time.perf_counter()
            await k.index_bytes(UPLOADER, upload, "alone.txt")
            alone = time.perf_counter() - start
            return alone, await crowd(k, [upload] * workers)

    alone, crowded = asyncio.run(scenario())
    assert crowded.failures == []
    assert len(crowded.latencies) >= 3
    # The uploads run one after another; a question waits for one upload's write at most.
    everything = max(crowded.uploads)
    assert everything > 2 * alone
    assert crowded.worst < everything / 3


def test_each_new_library_is_seeded_once_and_nothing_is_kept_per_library(
    kiosque: Callable,
) -> None:
    # Every member who writes in DMs has a library of their own: what seeding keeps per
    # library must go once it is seeded, or it grows for as long as the bot runs.
    spaces = [guild_space(100 + n) for n in range(20)]

    async def scenario() -> tuple[list[int], int]:
        async with kiosque(seed=False, semantic=False) as k:
            await asyncio.gather(*(k.ready(space) for space in spaces for _ in range(3)))
            counts = [len(await k.articles(space)) for space in spaces]
            return counts, len(k.indexer._seeding)

    counts, kept = asyncio.run(scenario())
    assert counts == [1] * len(spaces)  # the bundled article, once in each
    assert kept == 0
