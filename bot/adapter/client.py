"""``KiosqueBot``: the discord.py bot that serves one ``Kiosque`` service, its cogs and the sync."""

from __future__ import annotations

import asyncio
import hashlib
import json
import logging
import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import aiohttp
import discord
from discord import app_commands
from discord.ext import commands

from bot.adapter.announcer import Announcer
from bot.adapter.checks import VOTES_PER_QUESTION, Cooldown, DirectMessage, NotAdmin, RateLimiter
from bot.adapter.places import locale_language, of_interaction
from bot.adapter.replies import refuse
from bot.adapter.translator import Translator
from bot.adapter.views import DYNAMIC_ITEMS, pages_view
from bot.app.language import Chosen, from_locale, reply_language
from bot.app.render import Raw
from bot.app.service import Kiosque
from bot.errors import KiosqueError
from bot.settings import Settings

log = logging.getLogger("kiosque.discord")

COGS = (
    "bot.adapter.cogs.questions",
    "bot.adapter.cogs.library",
    "bot.adapter.cogs.history",
    "bot.adapter.cogs.config",
    "bot.adapter.cogs.feeds",
)
DRAIN_SECONDS = 10.0
# Requests in flight past which a burst is under way: more than the default thread pool
# (where answers are computed) has workers, so some already wait in line.
CROWD = min(32, (os.cpu_count() or 1) + 4)
# Connections to Discord's API at once (discord.py's default: no limit). A burst's thousand
# acknowledgements then reuse kept-alive connections instead of each opening (and, on real
# Discord, handshaking) its own: measured on the fake, the burst's first responses came sooner.
CONNECTIONS = 50
LIST_PAGE = 10  # a page of a list fits in one message, under its buttons



async def sent_at_sync(
    tree: app_commands.CommandTree, guild: discord.abc.Snowflake | None
) -> list[dict]:
    """The commands as ``tree.sync(guild=guild)`` sends them: with their French names and
    descriptions, so that a change to ``prompts/fr/commands.json`` is a change to sync."""
    commands = tree._get_all_commands(guild=guild)  # what sync itself reads
    translator = tree.translator
    if translator is None:
        return [command.to_dict(tree) for command in commands]
    return [await command.get_translated_payload(tree, translator) for command in commands]


class KiosqueBot(commands.Bot):
    """The bot: slash commands, mentions and direct messages served by one ``Kiosque``.

    ``message_content`` asks Discord for the privileged intent that lets the bot read every
    message of the answer channels (``ANSWER_CHANNELS`` or ``/config answer_here``); mentions,
    direct messages and slash commands do not need it. ``content_refused`` says Discord
    refused it at this start (the portal has not enabled it): the bot runs without it.
    """

    def __init__(
        self,
        settings: Settings,
        service: Kiosque,
        *,
        sync: str = "auto",
        message_content: bool = False,
        content_refused: bool = False,
    ) -> None:
        intents = discord.Intents.default()
        intents.message_content = message_content
        super().__init__(
            command_prefix=commands.when_mentioned,
            intents=intents,
            help_command=None,
            allowed_mentions=discord.AllowedMentions.none(),
            guild_ready_timeout=settings.discord_guild_ready_timeout,
            # Each gateway websocket holds one connection for as long as it lives.
            connector=aiohttp.TCPConnector(limit=CONNECTIONS + self._shards_here(settings)),
            **self._sharding(settings),
        )
        self.settings = settings
        self.service = service
        self.sync_mode = sync
        self.content_refused = content_refused
        self.limiter = RateLimiter(settings.cooldown_questions, settings.cooldown_seconds)
        self.vote_limiter = RateLimiter(
            settings.cooldown_questions * VOTES_PER_QUESTION, settings.cooldown_seconds
        )
        self._in_flight = 0
        self._idle = asyncio.Event()
        self._idle.set()
        # Set while more requests are in flight than there are workers (a burst): an
        # interaction is then acknowledged at once, as its answer waits its turn behind the
        # others and the busy event loop could not be trusted to wake up in time to defer.
        self.crowded = asyncio.Event()
        # Answers computed at once: in a burst the others wait here, cheaply, instead of
        # taking the event loop from the acknowledgements of the questions still arriving.
        self.answering = asyncio.Semaphore(CROWD)
        self._interruptible: dict[asyncio.Task, discord.Interaction] = {}
        self.command_ids: dict[str, int] = {}
        self.announcer = Announcer(self)

    @staticmethod
    def _sharding(settings: Settings) -> dict[str, object]:
        # One connection without shards: discord.py's plain Bot, as before sharding existed.
        return {}

    @staticmethod
    def _shards_here(settings: Settings) -> int:
        """How many gateway connections this process opens (one per shard it runs)."""
        return len(settings.shard_ids) or settings.shard_count or 1

    async def setup_hook(self) -> None:
        """Load the cogs, the buttons and the translations; sync the commands if they changed."""
        self.tree.on_error = self.on_app_command_error
        await self.tree.set_translator(Translator(self.service.renderer))
        self.add_dynamic_items(*DYNAMIC_ITEMS)
        for cog in COGS:
            await self.load_extension(cog)
        if self.sync_mode != "never":
            await self.sync_commands(force=self.sync_mode == "force")
            await self._learn_command_ids()
        self.announcer.start()

    async def _learn_command_ids(self) -> None:
        # Command mentions (</ask:id>) are clickable in Discord: they need the synced ids.
        guild = (
            discord.Object(self.settings.discord_guild_id)
            if self.settings.discord_guild_id
            else None
        )
        try:
            synced = await self.tree.fetch_commands(guild=guild)
        except discord.HTTPException:
            log.warning("could not read the synced commands' ids")
            return
        self.command_ids = {command.name: command.id for command in synced}

    def mentions(self) -> dict[str, Raw]:
        """How to write each command in a message: a clickable mention when its id is known."""
        slash = app_commands.Command
        names = [c.name for c in self.tree.get_commands() if isinstance(c, slash)]
        return {
            name: Raw(f"</{name}:{self.command_ids[name]}>")
            if name in self.command_ids
            else Raw(f"`/{name}`")
            for name in names
        }

    @property
    def content_intent(self) -> str:
        """Where the message content intent stands: ``"granted"`` (asked for, and the bot is
        connected with it), ``"refused"`` (Discord refused it at this start) or ``"unasked"``
        (no answer channel at start: it is asked for at the next start)."""
        if self.intents.message_content:
            return "granted"
        return "refused" if self.content_refused else "unasked"

    async def chosen(self, interaction: discord.Interaction) -> Chosen:
        """The languages the server (its setting) and the member (their Discord language)
        chose, for ``reply_language``."""
        return Chosen(
            server=await self.language(interaction.guild_id), member=locale_language(interaction)
        )

    async def speaking(self, interaction: discord.Interaction) -> str:
        """The language of the bot's own words to a member: the server's choice, else the
        member's Discord language when it is French or English, else French."""
        return reply_language(await self.chosen(interaction))

    async def on_guild_join(self, guild: discord.Guild) -> None:
        """A short welcome in the new server's system channel, if the bot may post there."""
        channel = guild.system_channel
        if channel is None or not channel.permissions_for(guild.me).send_messages:
            return
        # A new server has no setting yet: its Discord language stands for it.
        language = reply_language(Chosen(server=from_locale(guild.preferred_locale)))
        text = self.service.renderer.message("help", language, commands=self.mentions())
        try:
            await channel.send(text, allowed_mentions=discord.AllowedMentions.none(),
                               suppress_embeds=True)
        except discord.HTTPException:
            log.info("could not post the welcome message in %s", guild.id)

    async def page(
        self, interaction: discord.Interaction, what: str, number: int
    ) -> tuple[str, discord.ui.View | None]:
        """One page of ``/articles`` or ``/history``, with its ◀ ▶ buttons: one message, which
        the buttons edit in place (each item is cut so that a page fits)."""
        where = of_interaction(interaction)
        language = await self.speaking(interaction)
        renderer = self.service.renderer
        if what == "articles":
            listing = await self.service.listing(where.space, number, LIST_PAGE)
            active = await self.service.active(where.space, where.channel)
            text = renderer.message(
                "articles", language, listing=listing, active=active, discord=True
            )
            return text, pages_view("articles", listing.page, listing.pages)
        turns, page, pages = await self.service.turns_page(where.channel, number)
        text = renderer.message("history", language, turns=turns, discord=True, page=page,
                                pages=pages)
        return text, pages_view("history", page, pages)

    async def sync_commands(self, force: bool = False) -> bool:
        """Sync the slash commands when their definition changed since the last sync."""
        guild = (
            discord.Object(self.settings.discord_guild_id)
            if self.settings.discord_guild_id
            else None
        )
        if guild is not None:
            self.tree.copy_global_to(guild=guild)
        payload = await sent_at_sync(self.tree, guild)
        digest = hashlib.sha256(
            json.dumps([payload, guild.id if guild else None], sort_keys=True).encode()
        ).hexdigest()
        key = f"commands:{guild.id if guild else 'global'}"
        if not force and await self.service.note(key) == digest:
            return False
        await self.tree.sync(guild=guild)
        await self.service.set_note(key, digest)
        log.info("slash commands synced (%s)", "guild" if guild else "global")
        return True

    async def on_app_command_error(
        self, interaction: discord.Interaction, error: app_commands.AppCommandError
    ) -> None:
        """Every refusal and error of a slash command: one private line saying what to do."""
        kiosque = self.service
        language = await self.speaking(interaction)
        original = getattr(error, "original", error)
        say = kiosque.renderer.line
        if isinstance(original, KiosqueError):
            text = kiosque.error_text(original, language)
        elif isinstance(error, Cooldown):
            text = say("cooldown", language, seconds=int(error.retry_after) + 1)
        elif isinstance(error, DirectMessage | app_commands.NoPrivateMessage):
            text = say("dm_refused", language)
        elif isinstance(error, NotAdmin):
            text = say("not_allowed", language, permission=say("permission_manage_guild", language))
        elif isinstance(error, app_commands.MissingPermissions):
            names = ", ".join(say(f"permission_{p}", language) for p in error.missing_permissions)
            text = say("not_allowed", language, permission=names)
        else:
            log.error(
                "command %s failed", getattr(interaction.command, "name", "?"), exc_info=original
            )
            text = say("internal_error", language)
        try:
            await refuse(interaction, text)
        except discord.HTTPException:
            log.warning("could not send an error message to the user")

    async def on_message(self, message: discord.Message) -> None:
        """Mentions and direct messages are handled by the questions cog; no prefix commands."""

    @asynccontextmanager
    async def busy(self) -> AsyncIterator[None]:
        """Mark a request in flight so that shutdown waits for its turn to be recorded."""
        self._in_flight += 1
        self._idle.clear()
        if self._in_flight > CROWD:
            self.crowded.set()
        try:
            yield
        finally:
            self._in_flight -= 1
            if self._in_flight <= CROWD:
                self.crowded.clear()
            if self._in_flight == 0:
                self._idle.set()

    @asynccontextmanager
    async def interruptible(self, interaction: discord.Interaction) -> AsyncIterator[None]:
        """A long request (a reindex) that shutdown may stop: its author is told so."""
        task = asyncio.current_task()
        self._interruptible[task] = interaction
        try:
            yield
        finally:
            self._interruptible.pop(task, None)

    async def close(self) -> None:
        """Let requests in flight finish; tell the authors of those that cannot finish in time
        that they were stopped (nothing was changed); then close the gateway."""
        await self.announcer.stop()  # a poll cut short gives its feed back (its lease)
        # Interactions already received are tasks that may not have started: let them take
        # their place among the requests in flight before waiting for those to finish.
        await asyncio.sleep(0.1)
        try:
            await asyncio.wait_for(self._idle.wait(), DRAIN_SECONDS)
        except TimeoutError:
            log.warning("closing with %d request(s) still in flight", self._in_flight)
            await self._interrupt()
        await super().close()
        connector = self.http.connector
        if isinstance(connector, aiohttp.BaseConnector) and not connector.closed:
            await connector.close()  # ours, even when the bot never logged in to use it

    async def _interrupt(self) -> None:
        for task, interaction in list(self._interruptible.items()):
            task.cancel()
            language = await self.speaking(interaction)
            text = self.service.renderer.line("interrupted", language)
            try:
                await refuse(interaction, text)
            except discord.HTTPException:
                log.warning("could not tell an admin that their reindex was stopped")

    async def admin_role(self, guild_id: int) -> int | None:
        """The id of a server's admin role: its own setting, else ``ADMIN_ROLE``."""
        stored = await self.service.guild_config(guild_id)
        return stored.admin_role or self.settings.admin_role

    async def language(self, guild_id: int | None) -> str | None:
        """A server's chosen language for the bot's words, if it set one."""
        if guild_id is None:
            return None
        return (await self.service.guild_config(guild_id)).language

    async def answers_everything_in(self, guild_id: int | None, channel_id: int) -> bool:
        """Whether every message in this channel is a question (answer channels)."""
        if channel_id in self.settings.answer_channels:
            return True
        if guild_id is None:
            return False
        return channel_id in (await self.service.guild_config(guild_id)).answer_channels


class ShardedKiosqueBot(KiosqueBot, commands.AutoShardedBot):
    """``KiosqueBot`` on some shards of the bot (``SHARD_IDS`` of ``SHARD_COUNT``; all of them
    when no ids are given): one of several processes that share the servers and one database.

    Discord sends a server's events to one shard only, and direct messages to shard 0: what a
    server does is always seen by the process that runs its shard.
    """

    @staticmethod
    def _sharding(settings: Settings) -> dict[str, object]:
        return {"shard_ids": list(settings.shard_ids) or None, "shard_count": settings.shard_count}


def kiosque_bot(settings: Settings, service: Kiosque, **options: object) -> KiosqueBot:
    """The bot the settings ask for: sharded when ``SHARD_COUNT`` is set, else one connection."""
    kind = ShardedKiosqueBot if settings.shard_count is not None else KiosqueBot
    return kind(settings, service, **options)
