"""``kiosque run``: SIGTERM with questions in flight, and the token never in the logs."""

from __future__ import annotations

import asyncio
import os
import sqlite3
import sys
from pathlib import Path

import pytest

from stress.kills import TITLE, medium_article
from support.fake_discord import INTENT_MESSAGE_CONTENT, FakeDiscord, default_guild
from tests.bot.adapter.harness import run, running_bot, stop, turns


def test_sigterm_with_questions_in_flight_keeps_every_answered_turn(tmp_path: Path) -> None:
    async def scenario() -> None:
        async with running_bot(tmp_path, COOLDOWN_QUESTIONS="0") as (fake, process):
            member = fake.guild.member("member")
            handles = [
                await fake.send_slash("ask", {"question": f"Qui a ratifié le traité ? ({i})"},
                                      user=member)
                for i in range(20)
            ]
            code, _ = await stop(process)
            assert code == 0
            answered = []
            for handle in handles:
                try:
                    reply = await handle.response(timeout=0.5)
                except TimeoutError:
                    continue
                answered.append(reply)
            recorded = [question for _, question in turns(tmp_path / "kiosque.db")]
            assert answered, "no question was answered before the shutdown"
            assert len(recorded) >= len(answered)
            for i, handle in enumerate(handles):
                if any(r.params.get("interaction_id") == handle.id for r in answered):
                    assert f"Qui a ratifié le traité ? ({i})" in recorded

    run(scenario())


def test_token_is_never_logged(tmp_path: Path) -> None:
    token = "MTIzNDU2Nzg5.secret-token-value.abcdef"

    async def scenario() -> str:
        async with running_bot(tmp_path, DISCORD_TOKEN=token, LOG_LEVEL="DEBUG") as (fake, proc):
            await (await fake.send_slash("ask", {"question": "Qui a ratifié le traité ?"},
                                         user=fake.guild.member("member"))).response()
            await asyncio.sleep(0.2)
            _, log = await stop(proc)
            return log

    log = run(scenario())
    assert "kiosque" in log.lower() or "discord" in log.lower()  # the log is not empty
    assert token not in log


def test_backup_while_the_bot_runs_is_a_consistent_copy(tmp_path: Path) -> None:
    copy = tmp_path / "copy.db"

    async def scenario() -> None:
        async with running_bot(tmp_path) as (fake, _):
            await (await fake.send_slash("ask", {"question": "Qui a ratifié le traité ?"},
                                         user=fake.guild.member("member"))).response()
            backup = await asyncio.create_subprocess_exec(
                sys.executable, "-m", "bot", "backup", str(copy), cwd=tmp_path,
                env={**os.environ, "DATABASE_URL": f"sqlite:///{tmp_path / 'kiosque.db'}"},
                stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
            )
            _, stderr = await backup.communicate()
            assert backup.returncode == 0, stderr

    run(scenario())
    with sqlite3.connect(copy) as db:
        assert db.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        assert [q for _, q in turns(copy)] == ["Qui a ratifié le traité ?"]


def test_a_reindex_stopped_by_shutdown_tells_its_admin_and_changes_nothing(
    tmp_path: Path,
) -> None:
    long = medium_article(1200)  # longer to embed than the 10 s drain, even at 100 a second

    async def scenario() -> None:
        async with running_bot(tmp_path, EMBED_CACHE_DIR="off") as (fake, process):
            admin = fake.guild.member("admin")
            attachment = fake.add_attachment("long.txt", long.encode(), "text/plain")
            handle = await fake.send_slash("reindex", {"file": attachment}, user=admin)
            await handle.saying("phrases analysées", timeout=60)
            code, _ = await stop(process)
            told = await handle.saying("interrompue", timeout=5)
            assert told.ephemeral
            assert code == 0

    run(scenario())
    with sqlite3.connect(tmp_path / "kiosque.db") as db:
        titles = [row[0] for row in db.execute("SELECT title FROM articles")]
    assert TITLE not in titles


def test_sync_syncs_the_commands_and_exits(tmp_path: Path) -> None:
    async def scenario() -> None:
        async with FakeDiscord() as fake:
            process = await asyncio.create_subprocess_exec(
                sys.executable, "-m", "bot", "sync", cwd=tmp_path,
                env={**os.environ, **fake.env,
                     "DATABASE_URL": f"sqlite:///{tmp_path / 'kiosque.db'}"},
                stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
            )
            _, stderr = await asyncio.wait_for(process.communicate(), 60)
            assert process.returncode == 0, stderr.decode()
            assert fake.recorder.find_all(lambda r: r.route == "bulk_overwrite_commands")
            assert fake.gateway.current is None  # it synced; it did not run the bot

    run(scenario())


def test_answer_here_brings_the_message_content_intent_at_the_next_start(tmp_path: Path) -> None:
    guild = default_guild()

    async def first() -> None:
        async with running_bot(tmp_path, FakeDiscord(guilds=[guild])) as (fake, _):
            assert not fake.gateway.current.intents & INTENT_MESSAGE_CONTENT
            done = await fake.send_slash("config", {"answer_here": True},
                                         user=guild.member("admin"))
            assert "prochain démarrage" in (await done.response()).content

    async def second() -> None:
        # The owner enabled the intent in the portal in between.
        portal = FakeDiscord(guilds=[guild], allowed_privileged_intents=INTENT_MESSAGE_CONTENT)
        async with running_bot(tmp_path, portal) as (fake, _):
            assert fake.gateway.current.intents & INTENT_MESSAGE_CONTENT
            message = await fake.send_message(
                guild.channel("general"), guild.member("member"), "Qui a ratifié le traité ?"
            )
            assert "ratifié un traité" in (await message.reply(timeout=20)).content
            shown = await (await fake.send_slash("config", {}, user=guild.member("admin"))
                           ).response()
            assert "a accordé" in shown.content

    run(first())
    # A new fake knows no commands: make the bot sync them again, as on a first start.
    with sqlite3.connect(tmp_path / "kiosque.db") as db:
        db.execute("DELETE FROM meta WHERE key LIKE 'commands:%'")
    run(second())


@pytest.mark.parametrize("shards", [None, "1"], ids=["one-connection", "sharded"])
def test_a_refused_message_content_intent_starts_without_it_and_keeps_serving(
    tmp_path: Path, shards: str | None
) -> None:
    guild = default_guild()
    general = guild.channel("general")
    env = {"ANSWER_CHANNELS": general.id, **({"SHARD_COUNT": shards} if shards else {})}

    async def scenario() -> tuple[int, str]:
        # The portal has not enabled the intent (Discord's default): IDENTIFY gets 4014.
        async with running_bot(tmp_path, FakeDiscord(guilds=[guild]), **env) as (fake, process):
            assert fake.gateway.rejections == ["4014 Disallowed intent(s)."]
            assert not fake.gateway.current.intents & INTENT_MESSAGE_CONTENT
            member = guild.member("member")
            asked = await fake.send_slash("ask", {"question": "Qui a ratifié le traité ?"},
                                          user=member)
            assert "ratifié un traité" in (await asked.response(timeout=20)).content
            mention = await fake.send_message(
                general, member, f"{fake.bot.mention} Qui a ratifié le traité ?"
            )
            assert "ratifié un traité" in (await mention.reply(timeout=20)).content
            told = await (await fake.send_slash("config", {"answer_here": True},
                                                user=guild.member("admin"))).response()
            assert told.ephemeral
            assert "a refusé" in told.content and "portail développeur" in told.content
            assert process.returncode is None
            return await stop(process)

    code, log = run(scenario())
    assert code == 0
    assert "Traceback" not in log
    said = [line for line in log.splitlines() if "answer channels are off" in line]
    assert len(said) == 1 and "developer portal" in said[0]
