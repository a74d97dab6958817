"""FakeDiscord: an aiohttp server speaking enough of Discord API v10 for a real discord.py bot."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
import secrets
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Self

from aiohttp import web

from .gateway import Gateway
from .handles import InteractionHandle, MessageHandle
from .interactions import build_interaction
from .models import (
    BOT_PERMISSIONS,
    INTENT_DIRECT_MESSAGES,
    INTENT_GUILD_MESSAGES,
    INTENT_MESSAGE_CONTENT,
    PRIVILEGED_INTENTS,
    FakeChannel,
    FakeGuild,
    FakeMember,
    FakeRole,
    FakeUser,
    default_guild,
    snowflake,
)
from .payloads import member_payload, message_payload, user_payload
from .recorder import DEFAULT_TIMEOUT, Predicate, RecordedRequest, Recorder
from .rest import RestApi
from .rest_messages import InteractionState

log = logging.getLogger("fake_discord")

JSON = dict[str, Any]
MENTION_RE = re.compile(r"<@!?(\d+)>")


@dataclass
class StoredAttachment:
    """Bytes served at /attachments/{id}/{filename}."""

    id: str
    filename: str
    data: bytes
    content_type: str


class FakeDiscord:
    """Fake Discord (REST + gateway) on 127.0.0.1 for a real discord.py client."""

    def __init__(
        self,
        *,
        guilds: Sequence[FakeGuild] | None = None,
        bot: FakeUser | None = None,
        owner: FakeUser | None = None,
        token: str | None = None,
        host: str = "127.0.0.1",
        port: int = 0,
        heartbeat_interval_ms: int = 1000,
        application_flags: int = 0,
        bot_permissions: int = BOT_PERMISSIONS,
        allowed_privileged_intents: int = PRIVILEGED_INTENTS,
        interaction_ack_timeout: float | None = 3.0,
        echo_bot_messages: bool = True,
    ) -> None:
        self.bot = bot or FakeUser("Kiosque", bot=True)
        self.application_id = self.bot.id
        self.guilds: list[FakeGuild] = list(guilds) if guilds is not None else [default_guild()]
        self.owner = owner or self._default_owner()
        self.token = token
        self.host, self._port = host, port
        self.application_flags = application_flags
        self.allowed_privileged_intents = allowed_privileged_intents
        self.interaction_ack_timeout = interaction_ack_timeout
        self.echo_bot_messages = echo_bot_messages
        self.recorder = Recorder()
        self.gateway = Gateway(self, heartbeat_interval_ms)
        self.rest = RestApi(self)
        self.commands: dict[str | None, list[JSON]] = {}
        self.messages: dict[str, JSON] = {}
        self.attachments: dict[str, StoredAttachment] = {}
        self.interactions: dict[str, InteractionState] = {}
        self.interactions_by_token: dict[str, InteractionState] = {}
        self.dm_channels: dict[str, FakeUser] = {}
        self._runner: web.AppRunner | None = None
        for guild in self.guilds:
            if guild.find_member(self.bot.id) is None:
                role = FakeRole(
                    self.bot.username, bot_permissions, managed=True, bot_id=self.bot.id
                )
                guild.roles.append(role)
                guild.members.append(FakeMember(self.bot, roles=[role]))

    def _default_owner(self) -> FakeUser:
        for guild in self.guilds:
            if guild.owner_id and (member := guild.find_member(guild.owner_id)):
                return member.user
        return FakeUser("owner")

    # -- life cycle -----------------------------------------------------------------------------

    async def start(self) -> Self:
        """Start listening; `api_base` and `gateway_url` are valid afterwards."""
        app = web.Application(client_max_size=64 * 1024 * 1024)
        app.router.add_get("/gateway", self.gateway.handle)
        app.router.add_get("/gateway/", self.gateway.handle)
        app.router.add_route("*", "/{tail:.*}", self.rest.handle)
        self._runner = web.AppRunner(app, access_log=None, shutdown_timeout=1.0)
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.host, self._port)
        await site.start()
        self._port = self._runner.addresses[0][1]
        log.info("fake Discord listening on %s", self.base_url)
        return self

    async def stop(self) -> None:
        """Close gateway sockets and stop the HTTP server."""
        if self._runner is None:
            return
        await self.gateway.close_all()
        await self._runner.cleanup()
        self._runner = None

    async def __aenter__(self) -> Self:
        return await self.start()

    async def __aexit__(self, *exc_info: object) -> None:
        await self.stop()

    @property
    def port(self) -> int:
        """The TCP port (known once started)."""
        return self._port

    @property
    def base_url(self) -> str:
        """http://host:port (attachments are served under it)."""
        return f"http://{self.host}:{self._port}"

    @property
    def api_base(self) -> str:
        """Value for discord.http.Route.BASE / DISCORD_API_BASE."""
        return f"{self.base_url}/api/v10"

    @property
    def gateway_url(self) -> str:
        """Value for DiscordWebSocket.DEFAULT_GATEWAY (as yarl.URL) / DISCORD_GATEWAY_URL."""
        return f"ws://{self.host}:{self._port}/gateway"

    @property
    def env(self) -> dict[str, str]:
        """Environment for a bot process: DISCORD_API_BASE, DISCORD_GATEWAY_URL, DISCORD_TOKEN."""
        return {
            "DISCORD_API_BASE": self.api_base,
            "DISCORD_GATEWAY_URL": self.gateway_url,
            "DISCORD_TOKEN": self.token or "fake-token",
        }

    @contextlib.contextmanager
    def patch_discord_py(self) -> Iterator[None]:
        """Point discord.py at this fake in-process, restoring the real endpoints afterwards."""
        import discord.gateway
        import discord.http
        import yarl

        route, ws = discord.http.Route, discord.gateway.DiscordWebSocket
        saved = (route.BASE, ws.DEFAULT_GATEWAY)
        route.BASE, ws.DEFAULT_GATEWAY = self.api_base, yarl.URL(self.gateway_url)
        try:
            yield
        finally:
            route.BASE, ws.DEFAULT_GATEWAY = saved

    # -- look-ups -------------------------------------------------------------------------------

    @property
    def guild(self) -> FakeGuild:
        """The first (usually only) guild."""
        return self.guilds[0]

    @property
    def requests(self) -> list[RecordedRequest]:
        """Every HTTP request received, in order."""
        return self.recorder.requests

    @property
    def unknown_routes(self) -> list[RecordedRequest]:
        """Requests that matched no route (answered 404)."""
        return [r for r in self.requests if r.route == "unknown"]

    @property
    def errors(self) -> list[RecordedRequest]:
        """Requests answered with an HTTP error status."""
        return [r for r in self.requests if r.status >= 400]

    @property
    def identify(self) -> JSON | None:
        """The IDENTIFY payload of the current gateway session."""
        return self.gateway.current.identify if self.gateway.current else None

    def requests_for(self, route: str, method: str | None = None) -> list[RecordedRequest]:
        """Recorded requests with this route name (see README) and optional method."""
        return [r for r in self.requests
                if r.route == route and (method is None or r.method == method)]

    def find_guild(self, guild_id: str) -> FakeGuild | None:
        """The guild with this id, or None."""
        return next((g for g in self.guilds if g.id == guild_id), None)

    def locate_channel(self, channel_id: str) -> tuple[FakeGuild | None, FakeChannel | None]:
        """The guild and channel (or thread) with this id, or (None, None)."""
        for guild in self.guilds:
            if (channel := guild.find_channel(channel_id)) is not None:
                return guild, channel
        return None, None

    def find_user(self, user_id: str) -> FakeUser | None:
        """Any known user (bot, owner, guild members, DM partners) by id."""
        users = [self.bot, self.owner, *self.dm_channels.values()]
        users += [m.user for g in self.guilds for m in g.members]
        return next((u for u in users if u.id == user_id), None)

    def bot_member(self, guild: FakeGuild) -> FakeMember:
        """The bot's membership in a guild."""
        return guild.member(self.bot.id)

    def dm_channel_id(self, user: FakeUser) -> str:
        """The (stable) id of the DM channel between the bot and `user`."""
        for channel_id, other in self.dm_channels.items():
            if other.id == user.id:
                return channel_id
        channel_id = snowflake()
        self.dm_channels[channel_id] = user
        return channel_id

    def add_attachment(
        self, filename: str, data: bytes, content_type: str = "application/octet-stream"
    ) -> JSON:
        """Register downloadable bytes; returns a Discord attachment object pointing at them."""
        attachment_id = snowflake()
        stored = StoredAttachment(attachment_id, filename, data, content_type)
        self.attachments[attachment_id] = stored
        url = f"{self.base_url}/attachments/{attachment_id}/{filename}"
        return {
            "id": attachment_id,
            "filename": filename,
            "size": len(data),
            "url": url,
            "proxy_url": url,
            "content_type": content_type,
        }

    # -- waiting --------------------------------------------------------------------------------

    async def wait_for_ready(self, timeout: float = DEFAULT_TIMEOUT) -> JSON:
        """Wait until a bot identified and got READY + GUILD_CREATE; returns IDENTIFY's `d`."""
        try:
            await asyncio.wait_for(self.gateway.ready.wait(), timeout)
        except TimeoutError:
            rejected = "; ".join(self.gateway.rejections) or "none"
            raise TimeoutError(
                f"fake Discord: no accepted IDENTIFY within {timeout}s (rejections: {rejected})"
            ) from None
        assert self.identify is not None
        return self.identify

    async def wait_for(
        self,
        route: str | None = None,
        predicate: Predicate | None = None,
        *,
        start: int = 0,
        count: int = 1,
        timeout: float = DEFAULT_TIMEOUT,
    ) -> list[RecordedRequest]:
        """Wait for `count` recorded requests (from index `start`) matching route and predicate."""

        def match(r: RecordedRequest) -> bool:
            return (route is None or r.route == route) and (predicate is None or predicate(r))

        what = f"request {route or ''}".strip()
        return await self.recorder.wait_for(match, start=start, count=count, timeout=timeout,
                                            what=what)

    async def wait_for_commands(
        self, guild_id: str | None = None, timeout: float = DEFAULT_TIMEOUT
    ) -> list[JSON]:
        """Wait until the bot registered commands (globally or in `guild_id`); returns them."""
        await self.wait_for(
            predicate=lambda r: r.route in ("bulk_overwrite_commands", "create_command")
            and r.ok and r.params.get("guild_id") == guild_id,
            timeout=timeout,
        )
        return self.commands.get(guild_id, [])

    # -- injecting events -----------------------------------------------------------------------

    async def dispatch(self, event: str, data: Any) -> int:
        """Send a raw gateway event; returns its sequence number."""
        return await self.gateway.dispatch(event, data)

    async def request_reconnect(self) -> None:
        """Ask the bot to reconnect (op 7); it should come back with RESUME."""
        await self.gateway.request_reconnect()

    async def send_message(
        self,
        channel: FakeChannel | str,
        author: FakeMember | FakeUser,
        content: str,
        *,
        mentions: Sequence[FakeMember | FakeUser] | None = None,
        attachments: Sequence[JSON] = (),
        reply_to: str | None = None,
    ) -> MessageHandle:
        """Dispatch MESSAGE_CREATE from `author` in a guild channel or thread.

        Mentions default to the `<@id>` found in `content`. Like Discord, content is blanked
        unless the bot has MESSAGE_CONTENT, is mentioned, or is the author.
        """
        channel_id = channel if isinstance(channel, str) else channel.id
        guild, _ = self.locate_channel(channel_id)
        if guild is None:
            raise ValueError(f"unknown guild channel {channel_id}; use send_dm for DMs")
        user = author.user if isinstance(author, FakeMember) else author
        member = author if isinstance(author, FakeMember) else guild.find_member(user.id)
        return await self._inject_message(channel_id, guild, user, member, content, mentions,
                                          attachments, reply_to)

    async def send_dm(
        self, author: FakeMember | FakeUser, content: str, *, attachments: Sequence[JSON] = ()
    ) -> MessageHandle:
        """Dispatch MESSAGE_CREATE in the DM channel between `author` and the bot."""
        user = author.user if isinstance(author, FakeMember) else author
        return await self._inject_message(self.dm_channel_id(user), None, user, None, content,
                                          None, attachments, None)

    async def _inject_message(
        self,
        channel_id: str,
        guild: FakeGuild | None,
        user: FakeUser,
        member: FakeMember | None,
        content: str,
        mentions: Sequence[FakeMember | FakeUser] | None,
        attachments: Sequence[JSON],
        reply_to: str | None,
    ) -> MessageHandle:
        if mentions is None:
            found = (self.find_user(uid) for uid in MENTION_RE.findall(content))
            mentioned: list[FakeUser] = [u for u in found if u is not None]
        else:
            mentioned = [m.user if isinstance(m, FakeMember) else m for m in mentions]
        mention_data = []
        for mentioned_user in mentioned:
            data = user_payload(mentioned_user)
            if guild and (mentioned_member := guild.find_member(mentioned_user.id)):
                data["member"] = member_payload(mentioned_member, with_user=False)
            mention_data.append(data)
        extra: JSON = {"attachments": list(attachments)}
        if reply_to is not None:
            extra["message_reference"] = {"message_id": reply_to, "channel_id": channel_id}
            if reply_to in self.messages:
                extra["referenced_message"] = self.messages[reply_to]
        message = message_payload(
            channel_id=channel_id, author=user, content=content,
            guild_id=guild.id if guild else None, member=member, mentions=mention_data,
            message_type=19 if reply_to else 0, extra=extra,
        )
        self.messages[message["id"]] = message
        start = self.recorder.next_index
        session = self.gateway.current
        if session is None:
            raise RuntimeError("fake Discord: no bot has identified on the gateway yet")
        needed = INTENT_GUILD_MESSAGES if guild else INTENT_DIRECT_MESSAGES
        delivered = bool(session.intents & needed)
        if delivered:
            sent = dict(message)
            bot_mentioned = any(u.id == self.bot.id for u in mentioned)
            if guild and not session.intents & INTENT_MESSAGE_CONTENT and not bot_mentioned:
                sent.update(content="", embeds=[], attachments=[], components=[])
            await self.dispatch("MESSAGE_CREATE", sent)
        return MessageHandle(self, message, start, delivered)

    async def send_slash(
        self,
        name: str,
        options: Mapping[str, Any] | Sequence[JSON] | None = None,
        *,
        user: FakeMember | FakeUser,
        channel: FakeChannel | str | None = None,
        dm: bool = False,
        locale: str = "fr",
        permissions: int | None = None,
        app_permissions: int | None = None,
    ) -> InteractionHandle:
        """Dispatch an APPLICATION_COMMAND interaction ("group sub" names nest subcommands).

        Option types come from the synced command when known, else from the Python values
        (str 3, int 4, bool 5, float 10, attachment dict from add_attachment 11, users 6,
        channels 7, roles 8). `dm=True` sends it from the user's DM with the bot.
        """
        return await self._inject_interaction(2, name, options, None, user, channel, dm, locale,
                                              permissions, app_permissions)

    async def send_autocomplete(
        self,
        name: str,
        options: Mapping[str, Any] | Sequence[JSON] | None,
        *,
        focused: str,
        user: FakeMember | FakeUser,
        channel: FakeChannel | str | None = None,
        dm: bool = False,
        locale: str = "fr",
    ) -> InteractionHandle:
        """Dispatch an APPLICATION_COMMAND_AUTOCOMPLETE interaction with `focused` option."""
        return await self._inject_interaction(4, name, options, focused, user, channel, dm, locale,
                                              None, None)

    async def _inject_interaction(
        self,
        interaction_type: int,
        name: str,
        options: Mapping[str, Any] | Sequence[JSON] | None,
        focused: str | None,
        user: FakeMember | FakeUser,
        channel: FakeChannel | str | None,
        dm: bool,
        locale: str,
        permissions: int | None,
        app_permissions: int | None,
    ) -> InteractionHandle:
        plain_user = user.user if isinstance(user, FakeMember) else user
        guild: FakeGuild | None = None
        if dm:
            channel_id = self.dm_channel_id(plain_user)
        else:
            if channel is None:
                channel = next(c for c in self.guild.channels if c.type == 0)
            channel_id = channel if isinstance(channel, str) else channel.id
            guild, _ = self.locate_channel(channel_id)
            if guild is None:
                raise ValueError(f"unknown guild channel {channel_id}")
        payload = build_interaction(
            self, interaction_type, name, options, focused=focused, user=user, guild=guild,
            channel_id=channel_id, locale=locale, permissions=permissions,
            app_permissions=app_permissions, token=secrets.token_hex(40),
        )
        state = InteractionState(payload["id"], payload["token"], interaction_type, channel_id,
                                 guild.id if guild else None, user=plain_user)
        self.interactions[state.id] = state
        self.interactions_by_token[state.token] = state
        start = self.recorder.next_index
        await self.dispatch("INTERACTION_CREATE", payload)
        return InteractionHandle(self, payload, start)

