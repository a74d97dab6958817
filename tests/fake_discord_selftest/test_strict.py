"""Self-test: the fake refuses what Discord refuses (length, threads, replies, flags)."""

from __future__ import annotations

import discord
import pytest

from support.fake_discord import FakeDiscord, FakeOverwrite
from support.fake_discord.models import (
    CREATE_PUBLIC_THREADS,
    EPHEMERAL,
    HAS_THREAD,
    READ_MESSAGE_HISTORY,
    SEND_MESSAGES_IN_THREADS,
    SUPPRESS_NOTIFICATIONS,
)
from tests.fake_discord_selftest.harness import connected, run


class Quiet(discord.Client):
    """A client the test drives by hand (no handlers)."""

    def __init__(self) -> None:
        super().__init__(intents=discord.Intents.default(), guild_ready_timeout=0.1)


async def _question(fake: FakeDiscord, bot: Quiet) -> discord.Message:
    # The question as the bot's own cache would hold it (a partial message is enough).
    handle = await fake.send_message(fake.guild.channel("general"), fake.guild.member("member"),
                                      f"{fake.bot.mention} salut")
    channel = bot.get_channel(int(handle.channel_id))
    return channel.get_partial_message(int(handle.id))


def _bot_overwrite(fake: FakeDiscord, channel: str, deny: int) -> None:
    fake.guild.channel(channel).overwrites.append(
        FakeOverwrite(fake.bot.id, type=1, deny=deny))


def test_a_message_over_2000_characters_is_refused() -> None:
    async def body() -> None:
        async with FakeDiscord() as fake, connected(fake, Quiet()) as bot:
            channel = bot.get_channel(int(fake.guild.channel("general").id))
            with pytest.raises(discord.HTTPException) as refused:
                await channel.send("x" * 2001)
            assert refused.value.status == 400 and refused.value.code == 50035
            sent = await channel.send("x" * 2000)
            assert len(fake.message(str(sent.id))["content"]) == 2000

    run(body)


def test_a_thread_needs_create_public_threads_and_there_is_one_per_message() -> None:
    async def body() -> None:
        async with FakeDiscord() as fake, connected(fake, Quiet()) as bot:
            question = await _question(fake, bot)
            thread = await question.create_thread(name="fil")
            assert thread.id == question.id
            assert fake.message(str(question.id))["flags"] & HAS_THREAD
            with pytest.raises(discord.HTTPException) as twice:
                await question.create_thread(name="encore")
            assert twice.value.status == 400 and twice.value.code == 160004
            _bot_overwrite(fake, "general", CREATE_PUBLIC_THREADS)
            other = await _question(fake, bot)
            with pytest.raises(discord.Forbidden) as refused:
                await other.create_thread(name="fil")
            assert refused.value.code == 50013

    run(body)


def test_posting_in_a_thread_needs_send_messages_in_threads() -> None:
    async def body() -> None:
        async with FakeDiscord() as fake, connected(fake, Quiet()) as bot:
            thread = await (await _question(fake, bot)).create_thread(name="fil")
            await thread.send("dans le fil")
            _bot_overwrite(fake, "general", SEND_MESSAGES_IN_THREADS)
            with pytest.raises(discord.Forbidden):
                await thread.send("refusé")
            # The parent channel itself still takes messages.
            await bot.get_channel(int(fake.guild.channel("general").id)).send("ici")

    run(body)


def test_a_reply_to_a_deleted_message_fails_unless_told_not_to() -> None:
    async def body() -> None:
        async with FakeDiscord() as fake, connected(fake, Quiet()) as bot:
            question = await _question(fake, bot)
            answered = await question.reply("ok")
            assert fake.message(str(answered.id))["type"] == 19
            assert fake.message(str(answered.id))["referenced_message"]["id"] == str(question.id)
            del fake.messages[str(question.id)]
            with pytest.raises(discord.HTTPException) as refused:
                await question.reply("trop tard")
            assert refused.value.status == 400 and refused.value.code == 50035
            lenient = question.to_reference(fail_if_not_exists=False)
            sent = await question.channel.send("quand même", reference=lenient)
            stored = fake.message(str(sent.id))
            assert stored["type"] == 0 and "message_reference" not in stored

    run(body)


def test_a_reply_needs_read_message_history() -> None:
    async def body() -> None:
        async with FakeDiscord() as fake, connected(fake, Quiet()) as bot:
            question = await _question(fake, bot)
            _bot_overwrite(fake, "general", READ_MESSAGE_HISTORY)
            with pytest.raises(discord.Forbidden) as refused:
                await question.reply("ok")
            assert refused.value.code == 50013
            await question.channel.send("sans référence")

    run(body)


def test_message_flags_are_checked_per_route() -> None:
    async def body() -> None:
        async with FakeDiscord() as fake, connected(fake, Quiet()) as bot:
            channel = bot.get_channel(int(fake.guild.channel("general").id))
            silent = await channel.send("chut", silent=True, suppress_embeds=True)
            assert fake.message(str(silent.id))["flags"] & SUPPRESS_NOTIFICATIONS
            route = discord.http.Route("POST", "/channels/{channel_id}/messages",
                                       channel_id=channel.id)
            with pytest.raises(discord.HTTPException) as ephemeral:
                await bot.http.request(route, json={"content": "privé", "flags": EPHEMERAL})
            assert ephemeral.value.status == 400 and ephemeral.value.code == 50035
            edit = discord.http.Route("PATCH", "/channels/{channel_id}/messages/{message_id}",
                                      channel_id=channel.id, message_id=silent.id)
            with pytest.raises(discord.HTTPException) as edited:
                await bot.http.request(edit, json={"flags": SUPPRESS_NOTIFICATIONS})
            assert edited.value.status == 400 and edited.value.code == 50035

    run(body)
