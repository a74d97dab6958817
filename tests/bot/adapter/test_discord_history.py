"""Per-channel history through Discord: follow-ups in one channel, nothing leaks to another."""

from __future__ import annotations

from pathlib import Path

from tests.bot.adapter.harness import run, running_bot


def test_followups_use_the_channel_history_and_do_not_leak(tmp_path: Path) -> None:
    async def scenario() -> None:
        async with running_bot(tmp_path) as (fake, _):
            member = fake.guild.member("member")
            general = fake.guild.channel("general")
            annonces = fake.guild.channel("annonces")
            first = await fake.send_slash("ask", {"question": "Quel missile a été testé ?"},
                                          user=member, channel=general)
            assert "missile balistique intercontinental" in (await first.response()).content
            follow = await fake.send_slash("ask", {"question": "Et pourquoi est-ce important ?"},
                                           user=member, channel=general)
            assert "ambition militaire persistante" in (await follow.response()).content
            elsewhere = await fake.send_slash("ask", {"question": "Et pourquoi est-ce important ?"},
                                              user=member, channel=annonces)
            # In #annonces nothing came before: read on its own (about the article as a whole),
            # never as following #general's missile.
            assert "ambition militaire persistante" not in (await elsewhere.response()).content

            history = await fake.send_slash("history", {}, user=member, channel=general)
            shown = await history.response()
            assert shown.ephemeral
            assert "Quel missile" in shown.content and "pourquoi est-ce important" in shown.content
            other = await fake.send_slash("history", {}, user=member, channel=annonces)
            assert "Quel missile" not in (await other.response()).content

    run(scenario())


def test_a_thread_keeps_its_own_history(tmp_path: Path) -> None:
    async def scenario() -> None:
        async with running_bot(tmp_path) as (fake, _):
            member = fake.guild.member("member")
            await (await fake.send_slash("ask", {"question": "Quel missile a été testé ?"},
                                         user=member, channel=fake.guild.channel("general"))
                   ).response()
            thread = fake.guild.channel("discussion")
            handle = await fake.send_slash("history", {}, user=member, channel=thread)
            assert "Quel missile" not in (await handle.response()).content

    run(scenario())


def test_forget_needs_manage_messages(tmp_path: Path) -> None:
    async def scenario() -> None:
        async with running_bot(tmp_path) as (fake, _):
            member = fake.guild.member("member")
            await (await fake.send_slash("ask", {"question": "Quel missile a été testé ?"},
                                         user=member)).response()
            refused = await (await fake.send_slash("forget", {}, user=member)).response()
            assert refused.ephemeral and "Gérer les messages" in refused.content
            done = await (await fake.send_slash("forget", {},
                                                user=fake.guild.member("moderator"))).response()
            assert "effacé (1" in done.content
            shown = await (await fake.send_slash("history", {}, user=member)).response()
            assert "Quel missile" not in shown.content

    run(scenario())
