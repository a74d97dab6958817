"""Two ``kiosque run`` processes, one per shard, on one database: each answers its own servers
(and shard 0 the DMs), once; a cooldown holds; what a third process (the command line) writes
is served at once."""

from __future__ import annotations

import asyncio
import json
import os
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from bot.app.service import Kiosque
from bot.settings import ROOT, Settings
from bot.values import LOCAL
from support.bot_process import running_shards, shard_client, stop
from support.fake_discord import FakeDiscord, FakeGuild, FakeMember, FakeUser, default_guild
from tests.bot.adapter.harness import run

RATIFY = "Qui a ratifié le traité ?"
BUDGET = "Le conseil vote le budget\n\nLe conseil municipal a voté le budget de la ville mardi.\n"
COUNCIL = "Qu'a fait le conseil municipal ?"


def two_shards() -> tuple[FakeDiscord, FakeGuild, FakeGuild, FakeUser]:
    """A fake with 2 shards, a server on each, and a reader who is a member of both."""
    first, second = default_guild(shard=(0, 2)), default_guild(shard=(1, 2))
    reader = FakeUser("lectrice")
    first.members.append(FakeMember(reader))
    second.members.append(FakeMember(reader))
    # Two bots and the command line share this machine's cores: Discord's 3 s acknowledgement
    # deadline is tested elsewhere, one bot at a time.
    fake = FakeDiscord(guilds=[first, second], shard_count=2, interaction_ack_timeout=None)
    return fake, first, second, reader


@asynccontextmanager
async def shared(database_url: str) -> AsyncIterator[Kiosque]:
    """The shared database as the command line opens it (no model, no seeding)."""
    kiosque = await Kiosque.open(Settings(database_url=database_url, semantic=False), seed=False)
    try:
        yield kiosque
    finally:
        await kiosque.close()


async def kiosque_cli(folder: Path, database_url: str, *args: str) -> str:
    """``kiosque ARGS`` as a third process on the shared database; its standard output."""
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", *args, cwd=folder,
        env={**os.environ, "DATABASE_URL": database_url,
             "EMBED_CACHE_DIR": str(ROOT / "var" / "cache" / "vectors")},
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )
    out, err = await asyncio.wait_for(process.communicate(), 60)
    assert process.returncode == 0, err.decode()
    return out.decode()


def test_each_process_answers_its_own_servers_once_and_shard_0_the_dms(
    tmp_path: Path, database_url: str
) -> None:
    fake, first, second, reader = two_shards()

    async def scenario() -> None:
        async with fake, running_shards(tmp_path, fake, database_url) as processes:
            for shard, guild in enumerate((first, second)):
                ready = fake.gateway.session_of_shard(shard).events("READY")[0]
                assert [g["id"] for g in ready["guilds"]] == [guild.id]
            asked = [
                await fake.send_slash("ask", {"question": RATIFY}, user=guild.member("member"),
                                      channel=guild.channel("general"))
                for guild in (first, second)
            ]
            mention = await fake.send_message(second.channel("annonces"), reader,
                                              f"{fake.bot.mention} {RATIFY}")
            private = await fake.send_dm(reader, RATIFY)
            for shard, handle in enumerate(asked):
                assert "ratifié un traité" in (await handle.response(timeout=30)).content
                assert {r.client for r in handle.requests} == {shard_client(shard)}
            assert (await mention.reply(timeout=30)).client == shard_client(1)
            assert (await private.reply(timeout=30)).client == shard_client(0)
            await asyncio.sleep(1)  # time for a second answer, were there one
            assert [len([r for r in h.requests if r.route == "interaction_callback"])
                    for h in asked] == [1, 1]
            assert len(await mention.replies(count=1)) == 1
            assert len(await private.replies(count=1)) == 1
            for shard, process in enumerate(processes):
                code, log = await stop(process)
                assert code == 0 and "Traceback" not in log, log
                assert f"running shard(s) {shard} of 2" in log
        async with shared(database_url) as kiosque:
            places = [first.channel("general").id, second.channel("general").id,
                      second.channel("annonces").id, fake.dm_channel_id(reader)]
            for channel in places:
                assert [t.question for t in await kiosque.turns(channel)] == [RATIFY]
            # Both processes started on a new database: the local library was seeded once.
            assert len(await kiosque.articles(LOCAL)) == 1

    run(scenario())


def test_a_cooldown_holds_for_a_member_of_servers_on_both_processes(
    tmp_path: Path, database_url: str
) -> None:
    fake, first, second, reader = two_shards()

    async def ask(guild: FakeGuild | None) -> str:
        if guild is None:
            return (await (await fake.send_dm(reader, RATIFY)).reply(timeout=30)).content
        handle = await fake.send_slash("ask", {"question": RATIFY}, user=reader,
                                       channel=guild.channel("general"))
        return (await handle.response(timeout=30)).content

    async def scenario() -> None:
        env = {"COOLDOWN_QUESTIONS": "2", "COOLDOWN_SECONDS": "60"}
        async with fake, running_shards(tmp_path, fake, database_url, **env):
            # The window is per member and server (DMs are one place, on shard 0): each is
            # counted whole by the one process that receives its questions.
            assert ["ratifié un traité" in await ask(second) for _ in range(2)] == [True, True]
            assert "réessayez" in await ask(second)
            assert "ratifié un traité" in await ask(first)
            assert ["ratifié un traité" in await ask(None) for _ in range(2)] == [True, True]
            assert "Doucement" in await ask(None)

    run(scenario())


def test_what_the_command_line_writes_is_served_at_once_by_the_process_of_its_place(
    tmp_path: Path, database_url: str
) -> None:
    fake, _, second, reader = two_shards()
    source = tmp_path / "budget.txt"
    general = second.channel("general")

    async def answer_in_second() -> str:
        handle = await fake.send_slash("ask", {"question": COUNCIL}, user=reader, channel=general)
        reply = await handle.response(timeout=30)
        assert reply.client == shard_client(1)
        return reply.content

    async def answer_in_dm() -> str:
        reply = await (await fake.send_dm(reader, COUNCIL)).reply(timeout=30)
        assert reply.client == shard_client(0)
        return reply.content

    async def scenario() -> None:
        # The operator gives direct messages the local library (DM_LIBRARY=local).
        async with fake, running_shards(tmp_path, fake, database_url, DM_LIBRARY="local"):
            # A server's library, prepared from the machine while the bot runs (shard 1).
            source.write_text(BUDGET, encoding="utf-8")
            added = json.loads(await kiosque_cli(tmp_path, database_url, "index", str(source),
                                                 "--guild", second.id, "--json"))
            await kiosque_cli(tmp_path, database_url, "use", str(added["id"]),
                              "--channel", general.id, "--guild", second.id)
            assert "mardi" in await answer_in_second()
            source.write_text(BUDGET.replace("mardi", "mercredi"), encoding="utf-8")
            await kiosque_cli(tmp_path, database_url, "index", str(source), "--guild", second.id)
            assert "mercredi" in await answer_in_second()  # the first question after it
            # The local library, which direct messages read here (shard 0).
            await kiosque_cli(tmp_path, database_url, "index", str(source))
            assert "mercredi" in await answer_in_dm()
            source.write_text(BUDGET.replace("mardi", "jeudi"), encoding="utf-8")
            await kiosque_cli(tmp_path, database_url, "index", str(source))
            assert "jeudi" in await answer_in_dm()

    run(scenario())
