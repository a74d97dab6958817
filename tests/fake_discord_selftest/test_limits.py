"""Self-test: rate limits, expired interaction tokens and a server joined at runtime."""

from __future__ import annotations

import asyncio

import discord
import pytest
from discord import app_commands

from support.fake_discord import (
    SEND_MESSAGES,
    FakeChannel,
    FakeDiscord,
    FakeGuild,
    FakeMember,
    FakeOverwrite,
    FakeUser,
)
from tests.fake_discord_selftest.harness import connected, run, settle

FIFTEEN_MINUTES = 15 * 60


class PatientBot(discord.Client):
    """Answers mentions; /slow defers and answers when told to; greets new servers."""

    def __init__(self) -> None:
        super().__init__(intents=discord.Intents.default(), guild_ready_timeout=0.1)
        self.tree = app_commands.CommandTree(self)
        self.release = asyncio.Event()
        self.failures: list[discord.HTTPException] = []
        self.joined: list[int] = []

        @self.tree.command(name="slow", description="Répond plus tard")
        async def slow(interaction: discord.Interaction) -> None:
            await interaction.response.defer(thinking=True)
            await self.release.wait()
            self.release.clear()
            try:
                await interaction.followup.send("fini")
            except discord.HTTPException as error:
                self.failures.append(error)

        @self.tree.command(name="edit", description="Répond puis corrige")
        async def edit(interaction: discord.Interaction) -> None:
            await interaction.response.send_message("v1")
            await self.release.wait()
            self.release.clear()
            try:
                await interaction.edit_original_response(content="v2")
            except discord.HTTPException as error:
                self.failures.append(error)

    async def on_message(self, message: discord.Message) -> None:
        """Acknowledge each mention with one message."""
        if self.user in message.mentions and not message.author.bot:
            await message.channel.send(f"reçu {message.id}")

    async def on_guild_join(self, guild: discord.Guild) -> None:
        """Greet a new server in its system channel, else in the first channel that allows it."""
        self.joined.append(guild.id)
        me = guild.me
        candidates = [guild.system_channel, *guild.text_channels]
        for channel in candidates:
            if channel is not None and channel.permissions_for(me).send_messages:
                await channel.send("Bienvenue ! Tapez /ask.")
                return


def test_a_rate_limited_message_is_retried_and_not_lost() -> None:
    async def body() -> None:
        async with FakeDiscord() as fake, connected(fake, PatientBot()):
            fake.rate_limit_next("create_message", count=1, retry_after=0.3)
            general, member = fake.guild.channel("general"), fake.guild.member("member")
            handle = await fake.send_message(general, member, f"{fake.bot.mention} salut")
            reply = await handle.reply()
            assert reply.ok and reply.content == f"reçu {handle.id}"
            limited, retried = fake.requests_for("create_message")
            assert (limited.status, retried.status) == (429, 200)
            assert limited.rate_limited and limited.content == retried.content
            assert retried.timestamp - limited.timestamp >= 0.3
            assert limited.response == {"message": "You are being rate limited.",
                                        "retry_after": 0.3, "global": False}
            headers = limited.response_headers
            assert (headers["Retry-After"], headers["X-RateLimit-Remaining"]) == ("1", "0")
            assert headers["X-RateLimit-Reset-After"] == "0.300"
            assert headers["X-RateLimit-Scope"] == "user" and headers["X-RateLimit-Bucket"]
            assert fake.rate_limits.pending == 0
            # The message exists once.
            posted = [m for m in fake.messages.values() if m["content"] == reply.content]
            assert len(posted) == 1

    run(body)


def test_a_rate_limited_followup_is_retried() -> None:
    async def body() -> None:
        async with FakeDiscord() as fake, connected(fake, PatientBot()) as bot:
            await bot.tree.sync()
            fake.rate_limit_next("followup", count=2, retry_after=0.05)
            handle = await fake.send_slash("slow", user=fake.guild.member("member"))
            await handle.callback()
            bot.release.set()
            followup = await handle.followup()
            assert followup.ok and followup.content == "fini"
            assert [r.status for r in handle.requests if r.route == "followup"] == [429, 429, 200]
            assert handle.original_message is not None
            assert handle.original_message["content"] == "fini"
            assert bot.failures == []

    run(body)


def test_interaction_tokens_expire_after_fifteen_minutes() -> None:
    async def body() -> None:
        async with FakeDiscord() as fake, connected(fake, PatientBot()) as bot:
            await bot.tree.sync()
            member = fake.guild.member("member")
            in_time = await fake.send_slash("slow", user=member)
            await in_time.callback()
            fake.advance(FIFTEEN_MINUTES - 1)
            bot.release.set()
            assert (await in_time.followup()).ok

            late = await fake.send_slash("slow", user=member)
            await late.callback()
            fake.advance(FIFTEEN_MINUTES + 1)
            bot.release.set()
            refused = await late.followup()
            assert refused.status == 404 and refused.response["code"] == 10015
            await settle(lambda: bool(bot.failures))
            assert isinstance(bot.failures[-1], discord.NotFound)

            edited = await fake.send_slash("edit", user=member)
            await edited.callback()
            fake.advance(FIFTEEN_MINUTES + 1)
            bot.release.set()
            edit = await edited.edit_original()
            assert edit.status == 404 and edit.response["message"] == "Unknown Webhook"
            assert fake.message(edited)["content"] == "v1"
            with pytest.raises(ValueError):
                fake.advance(-1)

    run(body)


def new_server(*, readonly_system_channel: bool) -> FakeGuild:
    """A server with an owner, a system channel 'annonces' and a channel 'salon'."""
    guild = FakeGuild(name="Nouveau serveur")
    announcements, lounge = FakeChannel("annonces"), FakeChannel("salon", position=1)
    if readonly_system_channel:
        announcements.overwrites.append(FakeOverwrite(guild.id, deny=SEND_MESSAGES))
    guild.channels += [announcements, lounge]
    owner = FakeMember(FakeUser("fondatrice"))
    guild.members.append(owner)
    guild.owner_id, guild.system_channel_id = owner.id, announcements.id
    return guild


def test_joining_a_server_greets_it_in_its_system_channel() -> None:
    async def body() -> None:
        async with FakeDiscord() as fake, connected(fake, PatientBot()) as bot:
            guild = await fake.join_guild(new_server(readonly_system_channel=False))
            greeting = await fake.wait_for(
                "create_message", lambda r: r.params["channel_id"] == guild.system_channel_id)
            assert greeting[0].content == "Bienvenue ! Tapez /ask."
            assert bot.joined == [int(guild.id)]
            assert fake.find_guild(guild.id) is guild and fake.bot_member(guild) is not None
            seen = bot.get_guild(int(guild.id))
            assert seen is not None and seen.system_channel is not None

    run(body)


def test_a_read_only_system_channel_is_respected() -> None:
    async def body() -> None:
        async with FakeDiscord() as fake, connected(fake, PatientBot()) as bot:
            guild = await fake.join_guild(new_server(readonly_system_channel=True))
            greeting = await fake.wait_for("create_message")
            assert greeting[0].params["channel_id"] == guild.channel("salon").id
            # The fake refuses what Discord refuses: posting where the bot may not.
            announcements = bot.get_channel(int(guild.system_channel_id or 0))
            assert isinstance(announcements, discord.TextChannel)
            with pytest.raises(discord.Forbidden) as refused:
                await announcements.send("quand même")
            assert refused.value.code == 50013
            with pytest.raises(ValueError, match="already"):
                await fake.join_guild(guild)

    run(body)
