"""Answers sized for a chat, end to end against the fake: the first passage alone with the
words that answer in bold, the others behind « Plus de passages »."""

from __future__ import annotations

from pathlib import Path

from support.fake_discord import FakeDiscord, default_guild
from tests.bot.adapter.harness import run, running_bot

RATIFY = "Qui a ratifié le traité ?"


def quotes(content: str) -> list[str]:
    return [line for line in content.split("\n") if line.startswith("> ")]


def test_an_answer_leads_in_bold_and_more_passages_give_the_next_ones(tmp_path: Path) -> None:
    guild = default_guild()

    async def scenario() -> None:
        async with running_bot(tmp_path, FakeDiscord(guilds=[guild])) as (fake, _):
            member = guild.member("member")
            asked = await fake.send_slash("ask", {"question": RATIFY}, user=member)
            answer = await asked.response()
            [lead] = quotes(answer.content)  # one passage shown, not a wall of text
            assert "chambre haute du **Parlement** russe a récemment ratifié" in lead
            assert answer.content.count("\n• ") <= 2  # at most two context bullets
            assert len(answer.content) <= 1000
            more = next(b.custom_id for b in answer.buttons if b.custom_id.startswith("kq:more:"))
            shown = await (await fake.press(answer, more, user=member)).response()
            assert shown.ephemeral and "Autres passages" in shown.content
            held = quotes(shown.content)  # the answer's other passages, in bold too
            assert held and lead not in held and any("**" in q for q in held)
            after = next(
                b.custom_id for b in shown.buttons if b.custom_id.startswith("kq:more:")
            )
            assert after.endswith(":2")
            further = await (await fake.press(shown, after, user=member)).response()
            assert further.ephemeral
            assert not set(quotes(further.content)) & {lead, *held}

    run(scenario())
