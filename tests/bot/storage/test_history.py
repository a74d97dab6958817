"""Per-channel history and active article: capped, forgettable, never shared between channels."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import UTC, datetime

from bot.storage.history import History
from bot.storage.library import Library
from bot.values import LOCAL, Passage, Turn
from tests.conftest import parse

ARTICLE = "Le conseil vote le budget\n\nLe conseil a voté le budget mardi.\n"
OTHER = "Le port ouvre un terminal\n\nLe port de Marseille a ouvert un terminal.\n"


def turn(channel: str, question: str, article_id: int = 1, abstained: bool = False) -> Turn:
    return Turn(
        channel=channel,
        author="alice",
        question=question,
        article_id=article_id,
        version=1,
        abstained=abstained,
    )


def test_recent_turns_oldest_first(database: Callable) -> None:
    async def scenario() -> tuple[list[str], list[str]]:
        async with database() as db:
            history = History(db)
            for i in range(5):
                await history.record(turn("salon", f"q{i}"))
            last = [t.question for t in await history.recent("salon")]
            two = [t.question for t in await history.recent("salon", 2)]
            return last, two

    assert asyncio.run(scenario()) == (["q0", "q1", "q2", "q3", "q4"], ["q3", "q4"])


def test_a_turn_round_trips(database: Callable) -> None:
    asked = datetime(2024, 11, 20, 8, 30, tzinfo=UTC)
    passage = Passage(
        text="Le conseil a voté le budget mardi.",
        section="Les écoles",
        article_id=1,
        score=2.5,
        sentences=(0, 1),
        sentence=1,
        cut=True,
        bold=((28, 33),),  # "mardi": the words that answer, shown in bold
    )
    original = Turn(
        channel="salon",
        author="bob",
        question="Qu'a voté le conseil ?",
        article_id=1,
        version=3,
        abstained=False,
        passages=(passage,),
        asked_at=asked,
    )

    async def scenario() -> list[Turn]:
        async with database() as db:
            history = History(db)
            await history.record(original)
            await history.record(turn("salon", "Et la capitale ?", abstained=True))
            return await history.recent("salon")

    stored, abstained = asyncio.run(scenario())
    assert stored == original
    assert stored.asked_at == asked
    assert stored.passages[0] == passage
    assert abstained.abstained and abstained.passages == ()


def test_cap_drops_the_oldest_turns_of_that_channel_only(database: Callable) -> None:
    async def scenario() -> tuple:
        async with database() as db:
            history = History(db, limit=3)
            await history.record(turn("autre", "a0"))
            for i in range(6):
                await history.record(turn("salon", f"q{i}"))
            return (
                await history.count("salon"),
                [t.question for t in await history.recent("salon", 10)],
                [t.question for t in await history.recent("autre", 10)],
            )

    assert asyncio.run(scenario()) == (3, ["q3", "q4", "q5"], ["a0"])


def test_channels_never_see_each_other(database: Callable) -> None:
    async def scenario() -> tuple:
        async with database() as db:
            history = History(db)
            await history.record(turn("A", "question de A"))
            return (
                [t.question for t in await history.recent("A")],
                await history.recent("B"),
                await history.count("B"),
            )

    assert asyncio.run(scenario()) == (["question de A"], [], 0)


def test_forget_clears_one_channel(database: Callable) -> None:
    async def scenario() -> tuple:
        async with database() as db:
            history = History(db)
            for i in range(3):
                await history.record(turn("A", f"a{i}"))
            await history.record(turn("B", "b0"))
            dropped = await history.forget("A")
            again = await history.forget("A")
            return dropped, again, await history.count("A"), await history.count("B")

    assert asyncio.run(scenario()) == (3, 0, 0, 1)


def test_active_article_per_channel(database: Callable) -> None:
    async def scenario() -> tuple:
        async with database() as db:
            library = Library(db)
            first = await library.add(LOCAL, parse(ARTICLE), source="a.txt")
            second = await library.add(LOCAL, parse(OTHER), source="b.txt")
            history = History(db)
            before = await history.active("A")
            await history.use("A", first.id)
            await history.use("B", second.id)
            await history.use("A", second.id)
            await history.use("A", first.id)
            after = [await history.active(channel) for channel in "ABC"]
            return before, *after

    assert asyncio.run(scenario()) == (None, 1, 2, None)
