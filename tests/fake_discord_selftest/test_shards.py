"""Self-test: shards. Each gateway session gets the guilds and events of its shard, DMs go to
shard 0, GET /gateway/bot recommends a count, and two processes tell their requests apart."""

from __future__ import annotations

import asyncio
import json
import os
import sys
from pathlib import Path

import aiohttp
import discord
import pytest

from support.fake_discord import FakeDiscord, FakeGuild, default_guild, shard_of, snowflake
from tests.fake_discord_selftest.harness import connected, run, settle

SUBPROCESS_BOT = Path(__file__).with_name("subprocess_bot.py")


class ShardClient(discord.AutoShardedClient):
    """Some shards of a bot, noting which events reached it and on which shard."""

    def __init__(self, shard_ids: list[int] | None = None, shard_count: int | None = None) -> None:
        super().__init__(intents=discord.Intents.default(), shard_ids=shard_ids,
                         shard_count=shard_count, guild_ready_timeout=0.1)
        self.seen: list[tuple[str, int | None, int | None]] = []

    async def before_identify_hook(self, shard_id: int | None, *, initial: bool = False) -> None:
        """No 5 s pause between shards: the fake has no IDENTIFY rate limit."""

    async def on_message(self, message: discord.Message) -> None:
        """Note a message with its guild and the shard it came through."""
        guild = message.guild
        where = (guild.id, guild.shard_id) if guild else (None, None)
        self.seen.append(("message", *where))

    async def on_interaction(self, interaction: discord.Interaction) -> None:
        """Note an interaction with its guild."""
        self.seen.append(("interaction", interaction.guild_id, None))

    async def on_guild_join(self, guild: discord.Guild) -> None:
        """Note a guild joined at runtime with its shard."""
        self.seen.append(("join", guild.id, guild.shard_id))


def two_shards() -> tuple[FakeDiscord, FakeGuild, FakeGuild]:
    """A fake recommending 2 shards, with one guild on each."""
    first, second = default_guild(shard=(0, 2)), default_guild(shard=(1, 2))
    return FakeDiscord(guilds=[first, second], shard_count=2), first, second


def test_snowflakes_can_be_made_for_a_shard() -> None:
    ids = [snowflake((n % 3, 3)) for n in range(30)]
    assert [shard_of(i, 3) for i in ids] == [n % 3 for n in range(30)]
    assert ids == sorted(ids, key=int) and len(set(ids)) == 30  # still unique and ordered
    assert shard_of(default_guild(shard=(5, 8)).id, 8) == 5


def test_each_shard_gets_its_own_guilds_and_events_and_dms_go_to_shard_0() -> None:
    fake, first, second = two_shards()

    async def body() -> None:
        async with fake:
            zero, one = ShardClient([0], 2), ShardClient([1], 2)
            async with connected(fake, zero), connected(fake, one):
                await fake.wait_for_ready(shard=1)
                assert [g.id for g in zero.guilds] == [int(first.id)]
                assert [g.id for g in one.guilds] == [int(second.id)]
                ready = fake.gateway.session_of_shard(1).events("READY")[0]
                assert ready["shard"] == [1, 2]
                assert [g["id"] for g in ready["guilds"]] == [second.id]

                member = second.member("member")
                await fake.send_message(second.channel("general"), member, "bonjour")
                await fake.send_slash("ping", {"text": "x"}, user=member,
                                      channel=second.channel("general"))
                await fake.send_dm(member, "en privé")
                third = await fake.join_guild(default_guild(shard=(1, 2)))
                await settle(lambda: len(one.seen) == 3 and len(zero.seen) == 1)
                assert one.seen == [("message", int(second.id), 1),
                                    ("interaction", int(second.id), None),
                                    ("join", int(third.id), 1)]
                assert zero.seen == [("message", None, None)]  # the DM

    run(body)


def test_one_process_can_take_the_recommended_shard_count() -> None:
    fake, first, second = two_shards()

    async def body() -> None:
        async with fake:
            client = ShardClient()  # no count: discord.py asks GET /gateway/bot
            async with connected(fake, client):
                await settle(lambda: len(client.guilds) == 2)
                assert client.shard_count == 2
                assert sorted(fake.gateway.shards) == [(0, 2), (1, 2)]
                assert {g.id: g.shard_id for g in client.guilds} == {
                    int(first.id): 0, int(second.id): 1}
                await fake.request_reconnect(shard=1)
                await settle(lambda: fake.gateway.resumes == 1)
                await fake.send_message(second.channel("general"), second.member("member"), "ok")
                await settle(lambda: client.seen == [("message", int(second.id), 1)])

    run(body)


def test_an_event_for_a_shard_no_bot_holds_is_an_error_not_a_silent_loss() -> None:
    fake, _, second = two_shards()

    async def body() -> None:
        async with fake, connected(fake, ShardClient([0], 2)):
            with pytest.raises(RuntimeError, match="no gateway session holds the shard"):
                await fake.send_message(second.channel("general"), second.member("member"),
                                        "perdu ?")

    run(body)


def test_an_impossible_shard_is_refused_with_4010() -> None:
    async def body() -> None:
        async with FakeDiscord() as fake, aiohttp.ClientSession() as http:
            async with http.ws_connect(fake.gateway_url) as ws:
                assert json.loads((await ws.receive()).data)["op"] == 10  # HELLO
                await ws.send_json({"op": 2, "d": {"token": "t", "intents": 513,
                                                   "properties": {}, "shard": [2, 2]}})
                closing = await ws.receive()
                assert closing.type == aiohttp.WSMsgType.CLOSE and closing.data == 4010
            assert fake.gateway.rejections == ["4010 Invalid shard."]

    run(body)


def test_two_processes_each_answer_their_own_shard() -> None:
    fake, first, second = two_shards()

    async def body() -> None:
        async with fake:
            processes = [
                await asyncio.create_subprocess_exec(
                    sys.executable, str(SUBPROCESS_BOT),
                    env={**os.environ, **fake.client_env(name), "SHARD_IDS": str(shard),
                         "SHARD_COUNT": "2"},
                    stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT,
                )
                for shard, name in ((0, "a"), (1, "b"))
            ]
            try:
                await fake.wait_for_ready(timeout=10, shard=0)
                await fake.wait_for_ready(timeout=10, shard=1)
                await fake.wait_for_commands(timeout=10)
                asked = {}
                for guild in (first, second):
                    member = guild.member("member")
                    asked[guild.id] = await fake.send_slash(
                        "ping", {"text": guild.name}, user=member, channel=guild.channel("general")
                    )
                answers = {gid: await h.callback(timeout=10) for gid, h in asked.items()}
                assert answers[first.id].content == "pong from shard 0: Kiosque Test"
                assert answers[first.id].client == "a"
                assert answers[second.id].content == "pong from shard 1: Kiosque Test"
                assert answers[second.id].client == "b"
                await asyncio.sleep(0.2)
                assert all(len(h.requests) == 1 for h in asked.values())  # answered once
                assert fake.gateway.session_of_shard(1).client == "b"
            finally:
                outputs = []
                for process in processes:
                    process.terminate()
                    outputs.append((await process.communicate())[0].decode())
            assert fake.errors == [], outputs

    run(body)
