"""The cooldown holds for everything that does work: questions, the message menu, ``/search``,
the buttons under answers and lists, and the autocompletes."""

from __future__ import annotations

import asyncio
from pathlib import Path

from bot.app.service import Kiosque
from bot.settings import Settings
from bot.values import guild_space
from support.fake_discord import FakeDiscord, default_guild
from tests.bot.adapter.harness import run, running_bot

RATIFY = "Qui a ratifié le traité ?"
SPENT = {"COOLDOWN_QUESTIONS": "2", "COOLDOWN_SECONDS": "600"}


def button(request: object, prefix: str) -> str:
    return next(b.custom_id for b in request.buttons if b.custom_id.startswith(prefix))


async def fill_library(folder: Path, guild_id: str, count: int) -> None:
    """``count`` small articles in a server's library, written before the bot starts (a
    second page of ``/articles``)."""
    settings = Settings(database_url=f"sqlite:///{folder / 'kiosque.db'}", semantic=False)
    kiosque = await Kiosque.open(settings, seed=False)
    try:
        for n in range(count):
            text = f"Dépêche {n}\n\nLe conseil numéro {n} a voté le budget.\n"
            await kiosque.index_bytes(guild_space(int(guild_id)), text.encode(), f"d{n}.txt")
    finally:
        await kiosque.close()


def test_buttons_search_and_the_menu_are_refused_once_the_cooldown_is_spent(
    tmp_path: Path,
) -> None:
    guild = default_guild()
    run(fill_library(tmp_path, guild.id, 11))

    async def scenario() -> None:
        async with running_bot(tmp_path, FakeDiscord(guilds=[guild]), **SPENT) as (fake, _):
            member, general = guild.member("member"), guild.channel("general")
            listed = await (await fake.send_slash("articles", {}, user=member)).response()
            said = await fake.send_message(general, guild.member("owner"),
                                           "Paraît que la Russie a ratifié un traité ?")
            checked = await fake.send_context_menu("Check against the article", said,
                                                   user=member)
            private = await checked.response()
            assert "ratifié un traité" in private.content
            asked = await fake.send_slash("ask", {"question": RATIFY}, user=member)
            answer = await asked.response()
            assert "ratifié un traité" in answer.content  # two questions: the cooldown is spent
            start = fake.recorder.next_index
            presses = [
                (answer, button(answer, "kq:more:")),
                (answer, button(answer, "kq:see:")),
                (private, button(private, "kq:publish")),
                (listed, "kq:page:articles:2"),
            ]
            for message, custom_id in presses:
                press = await fake.press(message, custom_id, user=member)
                refused = await press.response()
                assert refused.ephemeral and "réessayez" in refused.content, custom_id
                await asyncio.sleep(0.3)  # time for anything more to be sent
                assert [r.route for r in press.requests] == ["interaction_callback"], custom_id
            searched = await fake.send_slash("search", {"query": "traité"}, user=member)
            refused = await searched.response()
            assert refused.ephemeral and "réessayez" in refused.content
            again = await fake.send_context_menu("Check against the article", said, user=member)
            assert "réessayez" in (await again.response()).content
            await asyncio.sleep(0.5)
            posted = fake.recorder.find_all(
                lambda r: r.route == "create_message" and r.params.get("channel_id") == general.id,
                start=start,
            )
            assert posted == []  # the publish button posted nothing
            # Another member's cooldown is their own.
            other = await fake.send_slash("search", {"query": "traité"},
                                          user=guild.member("moderator"))
            assert "réessayez" not in (await other.response()).content

    run(scenario())


def test_autocomplete_offers_nothing_once_the_cooldown_is_spent(tmp_path: Path) -> None:
    async def scenario() -> None:
        async with running_bot(tmp_path, **SPENT) as (fake, _):
            member = fake.guild.member("member")

            async def offered(user: object, option: str = "article") -> list[dict]:
                handle = await fake.send_autocomplete(
                    "summary", {"article": "Corée", "section": ""}, focused=option, user=user
                )
                return await handle.choices()

            # Typing is not asking: the autocompletes count nothing.
            for _ in range(3):
                assert len(await offered(member)) == 1
            for _ in range(2):
                asked = await fake.send_slash("ask", {"question": RATIFY}, user=member)
                assert "ratifié un traité" in (await asked.response()).content
            assert await offered(member) == []
            assert await offered(member, "section") == []
            assert len(await offered(fake.guild.member("moderator"))) == 1

    run(scenario())


def test_votes_have_a_lighter_limit_of_their_own(tmp_path: Path) -> None:
    async def scenario() -> None:
        async with running_bot(tmp_path, **SPENT) as (fake, _):
            member = fake.guild.member("member")
            answer = await (await fake.send_slash("ask", {"question": RATIFY},
                                                  user=member)).response()
            up = button(answer, "kq:vote:")
            down = up[:-1] + "0"
            told = []
            for n in range(9):  # four votes weigh one question: 8 in the window
                press = await fake.press(answer, up if n % 2 else down, user=member)
                told.append((await press.response()).content)
            assert all("Vote" in text for text in told[:8]), told
            assert "réessayez" in told[8]
            # Votes did not spend the questions' cooldown (one question asked of two).
            asked = await fake.send_slash("ask", {"question": RATIFY}, user=member)
            assert "ratifié un traité" in (await asked.response()).content

    run(scenario())
