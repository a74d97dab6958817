"""Self-test: a real discord.py 2.x Bot against FakeDiscord, in one event loop, no mocks."""

from __future__ import annotations

import asyncio
import contextlib
import io
import json
import os
import sys
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp
import discord
import pytest
from discord import app_commands
from discord.ext import commands

from support.fake_discord import EPHEMERAL, INTENT_MESSAGE_CONTENT, MANAGE_GUILD, FakeDiscord
from tests.fake_discord_selftest.harness import connected, run

SOURCES = ["Le Monde", "Le Figaro", "Libération", "Mediapart", "Le Monde diplomatique"]
SUBPROCESS_BOT = Path(__file__).with_name("subprocess_bot.py")


class SelftestBot(commands.Bot):
    """A minimal bot exercising replies, defers, attachments, autocomplete and mentions."""

    def __init__(self) -> None:
        super().__init__(
            command_prefix="!",
            intents=discord.Intents.default(),
            guild_ready_timeout=0.1,
        )
        self.callback_responses: list[discord.InteractionCallbackResponse[Any]] = []
        self.command_errors: list[app_commands.AppCommandError] = []
        self._add_commands()

    def _add_commands(self) -> None:
        @self.tree.command(name="ping", description="Répond pong")
        async def ping(interaction: discord.Interaction, text: str) -> None:
            response = await interaction.response.send_message(f"pong: {text}", ephemeral=True)
            self.callback_responses.append(response)

        @self.tree.command(name="add", description="Additionne deux entiers")
        async def add(interaction: discord.Interaction, a: int, b: int) -> None:
            await interaction.response.send_message(f"{a} + {b} = {a + b}")

        @self.tree.command(name="slow", description="Réfléchit puis répond")
        async def slow(interaction: discord.Interaction) -> None:
            await interaction.response.defer(thinking=True)
            await asyncio.sleep(0.05)
            await interaction.followup.send("réponse différée")

        @self.tree.command(name="sleepy", description="Oublie de différer")
        async def sleepy(interaction: discord.Interaction) -> None:
            await asyncio.sleep(0.3)
            await interaction.response.send_message("trop tard")

        @self.tree.command(name="upload", description="Lit un fichier")
        async def upload(interaction: discord.Interaction, file: discord.Attachment) -> None:
            data = await file.read()
            await interaction.response.send_message(f"{file.filename}:{file.size}:{data.decode()}")

        @self.tree.command(name="source", description="Choisit un journal")
        async def source(interaction: discord.Interaction, name: str) -> None:
            await interaction.response.send_message(name)

        @source.autocomplete("name")
        async def source_autocomplete(
            interaction: discord.Interaction, current: str
        ) -> list[app_commands.Choice[str]]:
            wanted = current.lower()
            return [app_commands.Choice(name=s, value=s) for s in SOURCES if wanted in s.lower()]

        config = app_commands.Group(
            name="config",
            description="Réglages",
            default_permissions=discord.Permissions(manage_guild=True),
            guild_only=True,
        )

        @config.command(name="set", description="Change un réglage")
        @app_commands.checks.has_permissions(manage_guild=True)
        async def config_set(interaction: discord.Interaction, key: str, value: int) -> None:
            await interaction.response.send_message(f"{key}={value}", ephemeral=True)

        self.tree.add_command(config)

        @self.tree.error
        async def on_tree_error(
            interaction: discord.Interaction, error: app_commands.AppCommandError
        ) -> None:
            self.command_errors.append(error)
            if not interaction.response.is_done():
                await interaction.response.send_message("refusé", ephemeral=True)

    async def on_message(self, message: discord.Message) -> None:
        """Answer DMs and mentions without pinging anyone; 'fichier' gets an attachment."""
        if message.author.bot:
            return
        if message.guild is not None and self.user not in message.mentions:
            return
        none = discord.AllowedMentions.none()
        if "fichier" in message.content:
            file = discord.File(io.BytesIO(b"contenu du fichier"), filename="reponse.txt")
            await message.channel.send("voici", file=file, allowed_mentions=none)
            return
        await message.reply(f"bonjour {message.author.display_name}", allowed_mentions=none)


@contextlib.asynccontextmanager
async def running_bot(**fake_options: Any) -> AsyncIterator[tuple[FakeDiscord, SelftestBot]]:
    """FakeDiscord plus a connected, ready SelftestBot; closes both cleanly."""
    async with FakeDiscord(**fake_options) as fake, connected(fake, SelftestBot()) as bot:
        yield fake, bot


def test_bot_becomes_ready_and_sees_the_guild() -> None:
    async def body() -> None:
        async with running_bot() as (fake, bot):
            assert bot.is_ready()
            assert bot.user is not None and str(bot.user.id) == fake.bot.id
            assert str(bot.application_id) == fake.application_id
            guild = bot.get_guild(int(fake.guild.id))
            assert guild is not None and guild.name == "Kiosque Test"
            assert str(guild.owner_id) == fake.guild.owner_id
            assert guild.default_role.id == guild.id
            assert {c.name for c in guild.text_channels} == {"general", "annonces"}
            assert [t.name for t in guild.threads] == ["discussion"]
            assert guild.me is not None and guild.me.guild_permissions.send_messages
            # Without the members intent Discord (and the fake) only send the bot's member.
            assert [m.id for m in guild.members] == [bot.user.id]
            assert fake.identify is not None
            assert fake.identify["intents"] == discord.Intents.default().value
            query = fake.gateway.connections[0]
            assert query == {"v": "10", "encoding": "json", "compress": "zlib-stream"}
            assert fake.gateway.heartbeats >= 1
            assert fake.unknown_routes == []

    run(body)


def test_json_content_type_auth_and_unknown_routes() -> None:
    async def body() -> None:
        async with FakeDiscord() as fake, aiohttp.ClientSession() as session:
            headers = {"Authorization": "Bot x"}
            async with session.get(f"{fake.api_base}/users/@me", headers=headers) as resp:
                # discord.py only parses JSON when the header is exactly this.
                assert resp.headers["Content-Type"] == "application/json"
                assert (await resp.json())["id"] == fake.bot.id
            async with session.get(f"{fake.api_base}/users/@me") as resp:
                assert resp.status == 401
            async with session.post(f"{fake.api_base}/nope/123", headers=headers) as resp:
                assert resp.status == 404
                assert json.loads(await resp.text()) == {"message": "404: Not Found", "code": 0}
            assert [r.path for r in fake.unknown_routes] == ["/nope/123"]

    run(body)


def test_wrong_token_and_privileged_intents_are_refused() -> None:
    async def body() -> None:
        async with FakeDiscord(token="good", allowed_privileged_intents=0) as fake:
            with fake.patch_discord_py():
                bot = SelftestBot()
                with pytest.raises(discord.LoginFailure):
                    await bot.start("bad")
                await bot.close()
                greedy = commands.Bot(command_prefix="!", intents=discord.Intents.all())
                with pytest.raises(discord.PrivilegedIntentsRequired):
                    await greedy.start("good")
                await greedy.close()
                assert fake.gateway.rejections == ["4014 Disallowed intent(s)."]

    run(body)


def test_privileged_intents_are_refused_unless_the_portal_enabled_them() -> None:
    async def body() -> None:
        reading = discord.Intents.default()
        reading.message_content = True
        async with FakeDiscord() as fake, connected(fake, SelftestBot()):
            pass  # the default intents need nothing from the portal
        async with FakeDiscord() as fake:  # Discord's default: the portal enabled nothing
            with fake.patch_discord_py():
                bot = commands.Bot(command_prefix="!", intents=reading)
                with pytest.raises(discord.PrivilegedIntentsRequired):
                    await bot.start("fake-token")
                await bot.close()
            assert fake.gateway.rejections == ["4014 Disallowed intent(s)."]
        async with FakeDiscord(allowed_privileged_intents=INTENT_MESSAGE_CONTENT) as fake:
            with fake.patch_discord_py():
                bot = commands.Bot(command_prefix="!", intents=reading)
                async with connected(fake, bot):
                    assert fake.gateway.current.intents & INTENT_MESSAGE_CONTENT
                greedy = commands.Bot(command_prefix="!", intents=discord.Intents.all())
                with pytest.raises(discord.PrivilegedIntentsRequired):
                    await greedy.start("fake-token")  # members and presences: not enabled
                await greedy.close()

    run(body)


def test_command_writes_are_counted_per_scope() -> None:
    async def body() -> None:
        async with running_bot() as (fake, bot):
            assert fake.command_writes[None] == 0
            await bot.tree.sync()
            await bot.tree.sync()
            assert fake.command_writes[None] == 2
            guild = discord.Object(id=int(fake.guild.id))
            bot.tree.copy_global_to(guild=guild)
            await bot.tree.sync(guild=guild)
            assert fake.command_writes == {None: 2, fake.guild.id: 1}
            await bot.tree.fetch_commands()  # a read is no write
            assert sum(fake.command_writes.values()) == 3

    run(body)


def test_an_interaction_created_earlier_has_less_time_to_be_acknowledged() -> None:
    async def body() -> None:
        async with running_bot() as (fake, bot):
            await bot.tree.sync()
            member = fake.guild.member("member")
            fresh = await fake.send_slash("sleepy", user=member)  # answers after 0.3 s
            assert (await fresh.callback()).ok
            sent = time.time()
            old = await fake.send_slash("sleepy", user=member, age=2.8)
            created = discord.utils.snowflake_time(int(old.id)).timestamp()
            assert 2.7 < sent - created < 2.9
            callback = await old.callback()  # 0.3 s later: past the 3 s since its creation
            assert callback.status == 404 and callback.response["code"] == 10062

    run(body)


def test_tree_sync_stores_commands() -> None:
    async def body() -> None:
        async with running_bot() as (fake, bot):
            synced = await bot.tree.sync()
            stored = fake.commands[None]
            names = {"ping", "add", "slow", "sleepy", "upload", "source", "config"}
            assert {c["name"] for c in stored} == names
            assert {c.name: str(c.id) for c in synced} == {c["name"]: c["id"] for c in stored}
            upload = next(c for c in stored if c["name"] == "upload")
            assert upload["options"][0]["type"] == discord.AppCommandOptionType.attachment.value
            config = next(c for c in stored if c["name"] == "config")
            assert config["default_member_permissions"] == str(MANAGE_GUILD)
            guild = discord.Object(id=int(fake.guild.id))
            bot.tree.copy_global_to(guild=guild)
            await bot.tree.sync(guild=guild)
            assert {c["name"] for c in await fake.wait_for_commands(fake.guild.id)} == names
            fetched = await bot.tree.fetch_commands()
            assert sorted(c.name for c in fetched) == sorted(names)

    run(body)


def test_slash_reply_is_recorded_with_ephemeral_flag() -> None:
    async def body() -> None:
        async with running_bot() as (fake, bot):
            await bot.tree.sync()
            member = fake.guild.member("member")
            handle = await fake.send_slash("ping", {"text": "bonjour"}, user=member)
            callback = await handle.callback()
            assert callback.callback_type == 4
            assert callback.content == "pong: bonjour"
            assert callback.flags == EPHEMERAL and callback.ephemeral
            assert callback.query == {"with_response": "1"}
            await asyncio.sleep(0)
            response = bot.callback_responses[-1]
            assert response.is_ephemeral() and response.message_id is not None
            assert handle.original_message is not None
            assert handle.original_message["content"] == "pong: bonjour"

            # The synced schema says "a" is an integer, so the string is sent as 2.
            adding = await fake.send_slash("add", {"a": "2", "b": 40}, user=member)
            assert (await adding.response()).content == "2 + 40 = 42"
            assert not (await adding.response()).ephemeral
            assert bot.command_errors == []

    run(body)


def test_defer_then_followup() -> None:
    async def body() -> None:
        async with running_bot() as (fake, _bot):
            handle = await fake.send_slash("slow", user=fake.guild.member("moderator"))
            callback = await handle.callback()
            assert callback.callback_type == 5
            followup = await handle.followup()
            assert followup.content == "réponse différée"
            assert followup.query["wait"] == "1"
            assert await handle.response() is followup
            assert handle.original_message is not None
            assert handle.original_message["content"] == "réponse différée"
            assert handle.original_message["flags"] == 0

    run(body)


def test_attachment_is_downloaded_and_echoed() -> None:
    async def body() -> None:
        async with running_bot() as (fake, bot):
            await bot.tree.sync()
            attachment = fake.add_attachment("note.txt", b"bonjour kiosque", "text/plain")
            handle = await fake.send_slash(
                "upload", {"file": attachment}, user=fake.guild.member("member")
            )
            response = await handle.response()
            assert response.content == "note.txt:15:bonjour kiosque"
            downloads = fake.requests_for("attachment")
            assert [d.params["attachment_id"] for d in downloads] == [attachment["id"]]
            option = handle.payload["data"]["options"][0]
            assert option == {"name": "file", "type": 11, "value": attachment["id"]}

    run(body)


def test_autocomplete_choices_are_recorded() -> None:
    async def body() -> None:
        async with running_bot() as (fake, bot):
            await bot.tree.sync()
            handle = await fake.send_autocomplete(
                "source", {"name": "monde"}, focused="name", user=fake.guild.member("member")
            )
            assert await handle.choices() == [
                {"name": "Le Monde", "value": "Le Monde"},
                {"name": "Le Monde diplomatique", "value": "Le Monde diplomatique"},
            ]

    run(body)


def test_subcommand_and_permission_bitfields() -> None:
    async def body() -> None:
        async with running_bot() as (fake, bot):
            await bot.tree.sync()
            options = {"key": "limit", "value": 5}
            refused = await fake.send_slash("config set", options, user=fake.guild.member("member"))
            assert (await refused.callback()).content == "refusé"
            assert isinstance(bot.command_errors[-1], app_commands.MissingPermissions)
            allowed = await fake.send_slash("config set", options, user=fake.guild.member("admin"))
            assert (await allowed.callback()).content == "limit=5"
            sub = allowed.payload["data"]["options"][0]
            assert (sub["type"], sub["name"], len(sub["options"])) == (1, "set", 2)

    run(body)


def test_mention_is_answered_without_pinging() -> None:
    async def body() -> None:
        async with running_bot() as (fake, _bot):
            general = fake.guild.channel("general")
            author = fake.guild.member("member")
            handle = await fake.send_message(general, author, f"{fake.bot.mention} salut")
            reply = await handle.reply()
            assert reply.content == "bonjour Lecteur"
            assert reply.allowed_mentions == {"parse": []}
            # discord.py sends the referenced id as an int; the fake answers with strings.
            assert reply.message["message_reference"]["message_id"] == int(handle.id)
            assert reply.response["referenced_message"]["id"] == handle.id

            files = await fake.send_message(general, author, f"<@{fake.bot.id}> fichier")
            sent = await files.reply()
            assert sent.content == "voici" and sent.allowed_mentions == {"parse": []}
            assert [(f.filename, f.data) for f in sent.files] == [
                ("reponse.txt", b"contenu du fichier")
            ]
            assert sent.response["attachments"][0]["filename"] == "reponse.txt"

            # Not mentioned and no MESSAGE_CONTENT intent: content is blanked, no answer.
            start = fake.recorder.next_index
            await fake.send_message(general, author, "salut tout le monde")
            await asyncio.sleep(0.3)
            assert fake.requests_for("create_message")[-1].index < start

    run(body)


def test_direct_messages() -> None:
    async def body() -> None:
        async with running_bot() as (fake, _bot):
            member = fake.guild.member("member")
            handle = await fake.send_dm(member, "bonjour en privé")
            reply = await handle.reply()
            assert reply.content.startswith("bonjour") and reply.params["channel_id"] in (
                fake.dm_channels
            )
            slash = await fake.send_slash("ping", {"text": "dm"}, user=member.user, dm=True)
            assert "guild_id" not in slash.payload and slash.payload["context"] == 1
            assert (await slash.callback()).content == "pong: dm"

    run(body)


def test_late_acknowledgement_is_rejected_like_discord() -> None:
    async def body() -> None:
        async with running_bot(interaction_ack_timeout=0.1) as (fake, bot):
            handle = await fake.send_slash("sleepy", user=fake.guild.member("member"))
            callback = await handle.callback()
            assert callback.status == 404 and callback.response["code"] == 10062
            await asyncio.sleep(0.05)
            error = bot.command_errors[-1]
            assert isinstance(error, app_commands.CommandInvokeError)
            assert isinstance(error.original, discord.NotFound)

    run(body)


def test_reconnect_resumes_the_session() -> None:
    async def body() -> None:
        async with running_bot() as (fake, _bot):
            await fake.request_reconnect()
            for _ in range(50):
                if fake.gateway.resumes:
                    break
                await asyncio.sleep(0.05)
            assert fake.gateway.resumes == 1
            assert [f["op"] for f in fake.gateway.received].count(6) == 1
            admin = fake.guild.member("admin")
            handle = await fake.send_slash("ping", {"text": "encore"}, user=admin)
            assert (await handle.callback()).content == "pong: encore"

    run(body)


def test_bot_in_a_separate_process_uses_env() -> None:
    async def body() -> None:
        async with FakeDiscord(token="secret-token") as fake:
            process = await asyncio.create_subprocess_exec(
                sys.executable, str(SUBPROCESS_BOT), env={**os.environ, **fake.env},
                stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT,
            )
            try:
                await fake.wait_for_ready(timeout=10)
                commands_ = await fake.wait_for_commands(timeout=10)
                assert [c["name"] for c in commands_] == ["ping"]
                member = fake.guild.member("member")
                handle = await fake.send_slash("ping", {"text": "processus"}, user=member)
                callback = await handle.callback()
                assert callback.content == "pong: processus" and callback.ephemeral
                assert all(r.headers.get("Authorization") == "Bot secret-token"
                           for r in fake.requests if r.route == "get_me")
            finally:
                process.terminate()
                output, _ = await process.communicate()
            assert fake.errors == [], output.decode()

    run(body)


def test_clean_shutdown() -> None:
    async def body() -> None:
        async with FakeDiscord() as fake:
            with fake.patch_discord_py():
                bot = SelftestBot()
                task = asyncio.create_task(bot.start("fake-token"))
                await fake.wait_for_ready()
                await bot.close()
                await asyncio.wait_for(task, 5)
                assert bot.is_closed() and task.exception() is None
                for _ in range(20):
                    if fake.gateway.current is None or fake.gateway.current.ws is None:
                        break
                    await asyncio.sleep(0.05)
                assert fake.gateway.current is not None and fake.gateway.current.ws is None
                assert fake.errors == []

    run(body)
