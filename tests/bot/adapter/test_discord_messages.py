"""Discord's rules on the messages the bot posts: 2000 characters, thread permissions, replies
that survive a deleted question or a channel whose history the bot may not read, publishing."""

from __future__ import annotations

import asyncio
from pathlib import Path

from support.fake_discord import FakeChannel, FakeDiscord, FakeOverwrite, default_guild
from support.fake_discord.models import (
    CREATE_PUBLIC_THREADS,
    READ_MESSAGE_HISTORY,
    SEND_MESSAGES,
    SEND_MESSAGES_IN_THREADS,
)
from tests.bot.adapter.harness import run, running_bot

MISSILE = "Quel missile a été testé ?"
LIMIT = 2000


def _deny(fake: FakeDiscord, channel: str, who: str, bits: int) -> None:
    # Set before the bot starts: it learns the overwrites with the guild.
    fake.guild.channel(channel).overwrites.append(FakeOverwrite(who, type=1, deny=bits))


async def _posted(fake: FakeDiscord, channel_id: str, start: int) -> list:
    return [r for r in fake.requests[start:]
            if r.route == "create_message" and r.params.get("channel_id") == channel_id]


def test_answers_survive_missing_permissions_and_a_deleted_question(tmp_path: Path) -> None:
    guild = default_guild()
    guild.channels += [FakeChannel("fils", position=2), FakeChannel("salon", position=3)]
    fake = FakeDiscord(guilds=[guild])
    _deny(fake, "general", fake.bot.id, SEND_MESSAGES_IN_THREADS)
    _deny(fake, "fils", fake.bot.id, CREATE_PUBLIC_THREADS)
    _deny(fake, "annonces", fake.bot.id, READ_MESSAGE_HISTORY)

    async def scenario() -> None:
        async with running_bot(tmp_path, fake):
            member = guild.member("member")
            # No READ_MESSAGE_HISTORY: Discord refuses a reply; the answer comes without one.
            unread = await fake.send_message(guild.channel("annonces"), member,
                                             f"{fake.bot.mention} {MISSILE}")
            answer = await unread.reply(timeout=20)
            assert answer.status == 200 and "message_reference" not in answer.json
            assert "missile balistique intercontinental" in answer.content
            # The question deleted before the answer: the answer is still posted.
            salon = guild.channel("salon")
            start = fake.recorder.next_index
            gone = await fake.send_message(salon, member, f"{fake.bot.mention} {MISSILE}")
            del fake.messages[gone.id]
            await fake.recorder.wait_for(
                lambda r: r.route == "create_message" and r.status == 200
                and r.params.get("channel_id") == salon.id,
                start=start, timeout=20, what="the answer to a deleted question")
            assert "missile balistique intercontinental" in fake.message(
                (await _posted(fake, salon.id, start))[-1])["content"]
            # Thread answers where the bot may not post in threads, or not open one: the
            # question is answered in its channel, and no empty thread is left behind.
            await (await fake.send_slash("config", {"thread_answers": True},
                                         user=guild.member("admin"))).response()
            for name in ("general", "fils"):
                channel = guild.channel(name)
                start = fake.recorder.next_index
                asked = await fake.send_message(channel, member, f"{fake.bot.mention} {MISSILE}")
                answer = await asked.reply(timeout=20)
                assert answer.status == 200, answer.response
                assert "missile balistique intercontinental" in answer.content
                assert str(answer.json["message_reference"]["message_id"]) == asked.id
                assert not [r for r in fake.requests[start:] if r.route == "start_thread"]
                assert not [c for c in guild.channels if c.parent_id == channel.id
                            and c.name != "discussion"]

    run(scenario())


def test_history_after_ten_long_questions_is_one_message_under_the_limit(tmp_path: Path) -> None:
    async def scenario() -> None:
        async with running_bot(tmp_path, COOLDOWN_QUESTIONS="100") as (fake, _):
            member = fake.guild.member("member")
            for n in range(10):
                question = (f"Question {n} : quel missile a été testé par la Corée du Nord, "
                            "à quelle date, depuis quelle base, avec quelle portée annoncée "
                            "et quelles réactions des pays voisins comme le Japon ou la Corée "
                            "du Sud après ce tir de démonstration ?")
                assert 190 <= len(question) <= 230
                await (await fake.send_slash("ask", {"question": question},
                                             user=member)).response(timeout=20)
            shown = await (await fake.send_slash("history", {}, user=member)).response()
            assert shown.status == 200 and len(shown.content) <= LIMIT
            assert shown.ephemeral and "Historique de ce salon" in shown.content
            assert shown.content.count("Question ") == 10

    run(scenario())


def _big_article() -> bytes:
    """About 400 KB: many paragraphs, one of 16 KB (under the paragraph cap) around a sentence
    that answers a question, one sentence of 6 KB, and a section of long sentences about the
    dredging (a quote cut at its limit)."""
    filler = [f"La commission {n} a examiné le dossier {n} du quartier {n % 37} sans conclure "
              f"ce jour-là, faute de quorum au conseil numéro {n}." for n in range(3000)]
    parts = ["# Le grand port de Kerbonne", ""]
    parts += [" ".join(filler[i:i + 8]) + "\n" for i in range(0, 1400, 8)]
    parts.append(" ".join(filler[1400:1470])
                 + " Le terminal flottant de Kerbonne accueillera les méthaniers géants dès "
                 "l'automne prochain, selon la capitainerie. "
                 + " ".join(filler[1600:1670]) + "\n")
    parts.append("Le rapport sur la marée noire évoque " + " ".join(
        f"la nappe {n} de fioul lourd" for n in range(300)) + ".\n")
    parts.append("## Le dragage du chenal\n")
    dredging = " ".join(f"la drague {n} creuse le chenal sur {n} mètres de vase compacte"
                        for n in range(30))
    parts.append(" ".join(f"Le dragage du chenal d'accès, étape {k}, prévoit que {dredging}."
                          for k in range(3)) + "\n")
    parts += [" ".join(filler[i:i + 8]) + "\n" for i in range(1800, 3000, 8)]
    text = "\n".join(parts)
    while len(text.encode()) < 400_000:
        text += "\n" + " ".join(filler[:8]) + "\n"
    return text.encode()


def test_a_400_kb_article_gives_bounded_messages_and_publishing_follows_permissions(
    tmp_path: Path,
) -> None:
    guild = default_guild()
    fake = FakeDiscord(guilds=[guild])
    mute = guild.member("moderator")
    _deny(fake, "general", mute.id, SEND_MESSAGES)

    async def scenario() -> None:
        # Without the model: words alone find the passages, and indexing takes seconds.
        async with running_bot(tmp_path, fake, SEMANTIC_MODEL="false"):
            member, general = guild.member("member"), guild.channel("general")
            data = _big_article()
            attachment = fake.add_attachment("port.md", data, "text/markdown")
            indexed = await fake.send_slash("reindex", {"file": attachment},
                                            user=guild.member("admin"))
            await indexed.saying("indexé", timeout=120)
            # « Voir dans l'article » in a 16 KB paragraph: one message, the quote in it.
            asked = await fake.send_slash(
                "ask", {"question": "Quand le terminal flottant accueillera-t-il les méthaniers ?"},
                user=member)
            answer = await asked.response(timeout=30)
            assert "terminal flottant" in answer.content
            see = next(b.custom_id for b in answer.buttons if b.custom_id.startswith("kq:see:"))
            press = await fake.press(answer, see, user=member)
            around = await press.response()
            assert around.status == 200 and len(around.content) <= LIMIT
            assert "méthaniers géants" in around.content and "…" in around.content
            # /search whose best sentence is 6 KB long: one message.
            searched = await fake.send_slash("search", {"query": "nappe fioul lourd marée noire"},
                                             user=member)
            found = await searched.response(timeout=30)
            assert found.status == 200 and len(found.content) <= LIMIT
            assert "nappe" in found.content and "…" in found.content
            await asyncio.sleep(1)
            for handle in (press, searched):
                assert not [r for r in handle.requests if r.route == "followup"]
            # An answer in several messages, published: all of its parts, in order.
            said = await fake.send_message(general, guild.member("owner"),
                                           "Que prévoit le dragage du chenal d'accès ?")

            async def checked_by(user: object) -> list:
                checked = await fake.send_context_menu("Check against the article", said,
                                                       user=user)
                first = await checked.response(timeout=30)
                await asyncio.sleep(1)
                return [first] + [r for r in checked.requests if r.route == "followup"]

            def publish(parts: list) -> str:
                return next(b.custom_id for b in parts[-1].buttons
                            if b.custom_id.startswith("kq:publish"))

            # A member who may not post in the channel cannot post through the bot.
            muted = await checked_by(mute)
            start = fake.recorder.next_index
            refused = await (await fake.press(muted[-1], publish(muted), user=mute)).response()
            assert refused.ephemeral and "ne pouvez pas écrire" in refused.content
            await asyncio.sleep(1)
            assert not await _posted(fake, general.id, start)
            # An answer now shows its first passage alone: it fits one message (splitting is
            # tested in tests/bot/app/test_render.py); publishing still posts every part.
            parts = await checked_by(member)
            assert len(parts) >= 1 and all(len(p.content) <= LIMIT for p in parts)
            start = fake.recorder.next_index
            await (await fake.press(parts[-1], publish(parts), user=member)).callback()
            await fake.recorder.wait_for(
                lambda r: r.route == "create_message" and r.params.get("channel_id") == general.id,
                start=start, count=len(parts), timeout=20, what="every part, published")
            posted = "\n".join(p.content for p in await _posted(fake, general.id, start))
            quotes = [line for p in parts for line in p.content.splitlines()
                      if line.startswith("> ")]
            assert len(quotes) >= 1 and all(quote in posted for quote in quotes)

    run(scenario())
