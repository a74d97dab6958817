"""``/ask``, mentions, ``/summary``, mention safety, long answers and the cooldown, end to end."""

from __future__ import annotations

import asyncio
from pathlib import Path

from stress.kills import big_article
from support.fake_discord import FakeChannel, FakeGuild, default_guild
from tests.bot.adapter.harness import DATA, run, running_bot

DEFERRED = 5  # the "thinking…" callback
# The words that answer "Qui … ?" in bold, the quote otherwise verbatim.
QUOTE = "La chambre haute du **Parlement** russe a récemment ratifié un traité de défense mutuelle"


def test_ask_answers_with_a_verbatim_quote(tmp_path: Path) -> None:
    async def scenario() -> None:
        async with running_bot(tmp_path) as (fake, _):
            member = fake.guild.member("member")
            handle = await fake.send_slash("ask", {"question": "Qui a ratifié le traité ?"},
                                           user=member)
            reply = await handle.response()
            assert QUOTE in reply.content
            assert "> " in reply.content
            assert not reply.ephemeral
            assert reply.allowed_mentions == {"parse": []}

    run(scenario())


def test_mention_is_answered_with_a_verbatim_quote(tmp_path: Path) -> None:
    async def scenario() -> None:
        async with running_bot(tmp_path) as (fake, _):
            message = await fake.send_message(
                fake.guild.channel("general"), fake.guild.member("member"),
                f"{fake.bot.mention} Qui a ratifié le traité ?",
            )
            reply = await message.reply()
            assert QUOTE in reply.content
            assert reply.allowed_mentions == {"parse": [], "replied_user": False}

    run(scenario())


def test_summary_lists_bullets_of_the_article(tmp_path: Path) -> None:
    async def scenario() -> None:
        async with running_bot(tmp_path) as (fake, _):
            handle = await fake.send_slash("summary", {}, user=fake.guild.member("member"))
            reply = await handle.response()
            replies = [reply] + [r for r in handle.requests if r.route == "followup"]
            text = "\n".join(r.content or "" for r in replies)
            assert "Résumé" in text
            assert text.count("• ") == 5
            assert "À lire" not in text and "avis" not in text

    run(scenario())


def test_a_mention_asking_for_a_summary_gets_the_bullets(tmp_path: Path) -> None:
    async def scenario() -> None:
        async with running_bot(tmp_path) as (fake, _):
            message = await fake.send_message(
                fake.guild.channel("general"), fake.guild.member("member"),
                f"{fake.bot.mention} Résume l'article",
            )
            reply = await message.reply()
            assert "Résumé" in reply.content and reply.content.count("• ") == 5
            assert "> " not in reply.content  # bullets, not quotes

    run(scenario())


def test_mass_mentions_in_a_question_ping_nobody(tmp_path: Path) -> None:
    async def scenario() -> None:
        async with running_bot(tmp_path) as (fake, _):
            role = fake.guild.roles[0].id
            question = f"@everyone @here <@&{role}> qui a ratifié le traité ?"
            handle = await fake.send_slash("ask", {"question": question},
                                           user=fake.guild.member("member"))
            reply = await handle.response()
            assert reply.allowed_mentions == {"parse": []}
            assert "@everyone" not in reply.content and "@here" not in reply.content
            assert f"<@&{role}>" not in reply.content

    run(scenario())


def test_long_answer_is_one_message_under_2000_characters(tmp_path: Path) -> None:
    async def scenario() -> None:
        async with running_bot(tmp_path) as (fake, _):
            admin = fake.guild.member("admin")
            attachment = fake.add_attachment(
                "long.txt", (DATA / "long-sentences.txt").read_bytes(), "text/plain"
            )
            indexed = await fake.send_slash("reindex", {"file": attachment}, user=admin)
            await indexed.followup()
            handle = await fake.send_slash(
                "ask", {"question": "Que dit le rapport sur le barrage hydroélectrique ?"},
                user=fake.guild.member("member"),
            )
            first = await handle.response()
            # The first passage alone, however long its sentences: one message, its quote
            # block whole (it ends with its section), no follow-up part.
            assert len(first.content) <= 2000
            blocks = [b for b in first.content.split("\n\n") if b.startswith("> ")]
            assert len(blocks) == 1 and "— section" in blocks[0]
            await asyncio.sleep(1)
            assert not [r for r in handle.requests if r.route == "followup"]

    run(scenario())


def test_cooldown_refuses_extra_questions_ephemerally(tmp_path: Path) -> None:
    async def scenario() -> None:
        async with running_bot(
            tmp_path, COOLDOWN_QUESTIONS="2", COOLDOWN_SECONDS="60"
        ) as (fake, _):
            member = fake.guild.member("member")
            for _ in range(2):
                handle = await fake.send_slash("ask", {"question": "Qui a ratifié le traité ?"},
                                               user=member)
                assert not (await handle.response()).ephemeral
            handle = await fake.send_slash("ask", {"question": "Qui a ratifié le traité ?"},
                                           user=member)
            refused = await handle.response()
            assert refused.ephemeral
            assert "réessayez" in refused.content
            other = await fake.send_slash("ask", {"question": "Qui a ratifié le traité ?"},
                                          user=fake.guild.member("moderator"))
            assert not (await other.response()).ephemeral

    run(scenario())


def test_a_big_article_is_acknowledged_in_time_and_help_is_not_held_up(tmp_path: Path) -> None:
    big = big_article(4_000_000)

    async def scenario() -> None:
        async with running_bot(tmp_path) as (fake, _):
            # The fake answers "Unknown interaction" to a callback later than Discord's 3 s.
            admin = fake.guild.member("admin")
            attachment = fake.add_attachment("chronique.txt", big.encode(), "text/plain")
            indexed = await fake.send_slash("reindex", {"file": attachment}, user=admin)
            await indexed.saying("indexé", timeout=120)
            member = fake.guild.member("member")
            asked = await fake.send_slash(
                "ask", {"question": "Combien de blindés recense le rapport numéro 3 ?"},
                user=member,
            )
            helped = await fake.send_slash("help", {}, user=fake.guild.member("moderator"))
            help_reply = await helped.response(timeout=3)
            assert help_reply.ok and help_reply.ephemeral
            acknowledged = await asked.callback(timeout=3)
            assert acknowledged.ok  # deferred in time, not "Unknown interaction"
            answer = await asked.response(timeout=120)
            assert "blindés" in answer.content

    run(scenario())


def test_the_deadline_to_defer_counts_from_the_interactions_creation(tmp_path: Path) -> None:
    async def scenario() -> None:
        # No vector cache on disk: a new server's first question seeds its library with
        # freshly embedded articles, an answer that takes a while.
        async with running_bot(tmp_path, EMBED_CACHE_DIR="off") as (fake, _):

            async def first_response(guild: FakeGuild, age: float) -> tuple[int, float]:
                asked = await fake.send_slash("ask", {"question": "Qui a ratifié le traité ?"},
                                              user=guild.member("member"),
                                              channel=guild.channel("general"), age=age)
                callback = await asked.callback(timeout=10)
                assert callback.ok
                assert "ratifié un traité" in (await asked.response(timeout=60)).content
                return callback.callback_type, callback.timestamp - fake.interactions[
                    asked.id].created

            # Created 0.8 s before it reached the bot, with a slow answer: "thinking…" at
            # 1 s from the creation, not 1 s (or 2 s) after the handler started.
            kind, after = await first_response(await fake.join_guild(default_guild()), 0.8)
            assert kind == DEFERRED and after < 1.5
            # Already 1.2 s old when it arrives: deferred at once, however quick the answer.
            kind, after = await first_response(fake.guild, 1.2)
            assert kind == DEFERRED and after < 1.6

    run(scenario())


def test_a_burst_of_questions_is_acknowledged_at_once(tmp_path: Path) -> None:
    guild = default_guild()
    rooms = [FakeChannel(f"salon-{n}") for n in range(20)]
    guild.channels += rooms

    async def scenario() -> list[float]:
        # A new server (its library seeded with freshly embedded articles by the first
        # question) asked 60 questions at once: far more than the bot answers at a time.
        async with running_bot(tmp_path, EMBED_CACHE_DIR="off", COOLDOWN_QUESTIONS="0") as (
            fake, _,
        ):
            await fake.join_guild(guild)
            asked = [
                await fake.send_slash("ask", {"question": f"Qui a ratifié le traité ? ({n})"},
                                      user=guild.member("member"), channel=rooms[n % 20])
                for n in range(60)
            ]
            first = [await handle.callback(timeout=30) for handle in asked]
            for n, handle in enumerate(asked):
                # each gets its own answer (which passage leads for "Qui a ratifié le traité ?
                # (51)" is the ranking's business: tests/eval and make eval measure it)
                content = (await handle.response(timeout=120)).content
                assert f"« Qui a ratifié le traité ? ({n}) »" in content
                assert "\n> " in content and "traité" in content
            return [callback.timestamp - fake.interactions[handle.id].created
                    for callback, handle in zip(first, asked, strict=True)]

    after = run(scenario())
    # Not one waits for its answer, nor for a second of its own, before "thinking…".
    assert max(after) < 1.0, sorted(after)[-5:]
