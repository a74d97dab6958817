"""FakeDiscord: an aiohttp server speaking enough of Discord API v10 for a real discord.py bot."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any, Self

from aiohttp import web

from .components import Button, buttons_of
from .gateway import Gateway
from .handles import InteractionHandle, MessageHandle
from .injection import EventInjection
from .models import (
    BOT_PERMISSIONS,
    FakeChannel,
    FakeGuild,
    FakeMember,
    FakeRole,
    FakeUser,
    default_guild,
    snowflake,
)
from .ratelimits import RateLimitRule, RateLimits
from .recorder import DEFAULT_TIMEOUT, Predicate, RecordedRequest, Recorder
from .rest import RestApi
from .rest_messages import InteractionState

log = logging.getLogger("fake_discord")

JSON = dict[str, Any]
# Discord keeps an interaction token (follow-ups, @original) for 15 minutes.
INTERACTION_TOKEN_LIFETIME = 15 * 60.0


@dataclass
class StoredAttachment:
    """Bytes served at /attachments/{id}/{filename}."""

    id: str
    filename: str
    data: bytes
    content_type: str


class FakeDiscord(EventInjection):
    """Fake Discord (REST + gateway) on 127.0.0.1 for a real discord.py client.

    `clock` (seconds, monotonic) drives the 3 s acknowledgement deadline and the 15 minutes
    an interaction token lives; `advance()` moves it forward without waiting. `shard_count` is
    what GET /gateway/bot recommends; each session gets the guilds and events of the shard it
    identified as, whatever count it chose.

    Privileged intents (message content, guild members, presences) are refused with close
    code 4014, as Discord does until the developer portal enables them:
    `allowed_privileged_intents` names those the portal enabled (e.g. INTENT_MESSAGE_CONTENT).
    """

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
        allowed_privileged_intents: int = 0,
        interaction_ack_timeout: float | None = 3.0,
        interaction_token_lifetime: float = INTERACTION_TOKEN_LIFETIME,
        echo_bot_messages: bool = True,
        clock: Callable[[], float] = time.monotonic,
        shard_count: int = 1,
    ) -> None:
        self.bot = bot or FakeUser("Kiosque", bot=True)
        self.application_id = self.bot.id
        self.guilds: list[FakeGuild] = list(guilds) if guilds is not None else [default_guild()]
        self.owner = owner or self._default_owner()
        self.token = token
        self.host, self._port = host, port
        self.application_flags = application_flags
        self.bot_permissions = bot_permissions
        self.allowed_privileged_intents = allowed_privileged_intents
        self.interaction_ack_timeout = interaction_ack_timeout
        self.interaction_token_lifetime = interaction_token_lifetime
        self.echo_bot_messages = echo_bot_messages
        self.clock = clock
        self.shard_count = shard_count
        self._skew = 0.0
        self.recorder = Recorder()
        self.gateway = Gateway(self, heartbeat_interval_ms)
        self.rest = RestApi(self)
        self.rate_limits = RateLimits()
        self.commands: dict[str | None, list[JSON]] = {}
        # Accepted command writes (a bulk overwrite or one create) per scope (None: global).
        self.command_writes: Counter[str | None] = Counter()
        self.messages: dict[str, JSON] = {}
        self.attachments: dict[str, StoredAttachment] = {}
        self.interactions: dict[str, InteractionState] = {}
        self.interactions_by_token: dict[str, InteractionState] = {}
        self.dm_channels: dict[str, FakeUser] = {}
        self._runner: web.AppRunner | None = None
        for guild in self.guilds:
            self.seat_bot(guild)

    def seat_bot(self, guild: FakeGuild) -> FakeMember:
        """The bot's member in `guild`, added with its managed role when missing."""
        if (member := guild.find_member(self.bot.id)) is not None:
            return member
        role = FakeRole(self.bot.username, self.bot_permissions, managed=True, bot_id=self.bot.id)
        guild.roles.append(role)
        member = FakeMember(self.bot, roles=[role])
        guild.members.append(member)
        return member

    def _default_owner(self) -> FakeUser:
        for guild in self.guilds:
            if guild.owner_id and (member := guild.find_member(guild.owner_id)):
                return member.user
        return FakeUser("owner")

    # -- life cycle -----------------------------------------------------------------------------

    async def start(self) -> Self:
        """Start listening; `api_base` and `gateway_url` are valid afterwards."""
        app = web.Application(client_max_size=64 * 1024 * 1024)
        for prefix in ("", "/c/{client}"):
            app.router.add_get(prefix + "/gateway", self.gateway.handle)
            app.router.add_get(prefix + "/gateway/", self.gateway.handle)
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

    def gateway_url_for(self, client: str | None) -> str:
        """The gateway URL of a named client (see `client_env`), or the plain one."""
        prefix = "" if client is None else f"/c/{client}"
        return f"ws://{self.host}:{self._port}{prefix}/gateway"

    @property
    def env(self) -> dict[str, str]:
        """Environment for a bot process: DISCORD_API_BASE, DISCORD_GATEWAY_URL, DISCORD_TOKEN."""
        return {
            "DISCORD_API_BASE": self.api_base,
            "DISCORD_GATEWAY_URL": self.gateway_url,
            "DISCORD_TOKEN": self.token or "fake-token",
        }

    def client_env(self, client: str) -> dict[str, str]:
        """`env` for one of several bot processes: its REST calls and gateway session carry
        the name `client` (`RecordedRequest.client`, `GatewaySession.client`), so a test can
        tell which process did what."""
        return {
            **self.env,
            "DISCORD_API_BASE": f"{self.base_url}/c/{client}/api/v10",
            "DISCORD_GATEWAY_URL": self.gateway_url_for(client),
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

    def synced_command(
        self, name: str, guild_id: str | None = None, command_type: int | None = None
    ) -> JSON:
        """The command `name` as the bot synced it (localizations, default_member_permissions,
        contexts, integration_types, dm_permission, options...): from `guild_id`'s commands,
        else the global ones. KeyError lists the names there are."""
        scopes = [guild_id, None] if guild_id is not None else [None]
        for scope in scopes:
            for command in self.commands.get(scope, []):
                if command["name"] == name and command_type in (None, command.get("type", 1)):
                    return command
        known = sorted({c["name"] for scope in scopes for c in self.commands.get(scope, [])})
        raise KeyError(f"no synced command {name!r} (synced: {known})")

    def message_id_of(self, target: Any) -> str:
        """The id of the message `target` names: an id, a message dict, a MessageHandle, an
        InteractionHandle (its original response), or a RecordedRequest of the bot that created
        or edited a message (a callback, follow-up, `@original` edit, channel message)."""
        if isinstance(target, str):
            return target
        if isinstance(target, dict) and "id" in target:
            return str(target["id"])
        if isinstance(target, MessageHandle):
            return target.id
        state: InteractionState | None = None
        if isinstance(target, InteractionHandle):
            state = self.interactions.get(target.id)
        elif isinstance(target, RecordedRequest):
            params, response = target.params, target.response
            if target.route == "interaction_callback":
                state = self.interactions.get(params.get("interaction_id", ""))
            elif params.get("message_id") == "@original":
                state = self.interactions_by_token.get(params.get("token", ""))
            elif isinstance(response, dict) and "channel_id" in response and "id" in response:
                return str(response["id"])
            elif "message_id" in params:
                return params["message_id"]
        if state is not None and state.original_id:
            return state.original_id
        raise ValueError(f"{target!r} names no message the fake knows")

    def message(self, target: Any) -> JSON:
        """The fake's current copy of a message (edits and button updates applied); `target`
        is anything `message_id_of` accepts."""
        message_id = self.message_id_of(target)
        if message_id not in self.messages:
            raise ValueError(f"message {message_id} does not exist (deleted, or never posted)")
        return self.messages[message_id]

    def buttons(self, target: Any) -> list[Button]:
        """The buttons of a message as it is now, in reading order (see `message_id_of`)."""
        return buttons_of(self.message(target))

    # -- time and rate limits -------------------------------------------------------------------

    def now(self) -> float:
        """The fake's clock: `clock()` plus every `advance()`."""
        return self.clock() + self._skew

    def advance(self, seconds: float) -> None:
        """Move the fake's clock forward, e.g. 15 minutes to expire interaction tokens."""
        if seconds < 0:
            raise ValueError("time only moves forward")
        self._skew += seconds

    def rate_limit_next(
        self,
        route: str = "create_message",
        count: int = 1,
        retry_after: float = 0.2,
        *,
        scope: str = "user",
        is_global: bool = False,
    ) -> None:
        """Answer the next `count` requests of `route` (a route name: create_message,
        followup, interaction_callback...) with 429 and Discord's rate-limit headers;
        discord.py sleeps `retry_after` seconds and retries, and the recorder keeps both."""
        self.rate_limits.add(RateLimitRule(route, count, retry_after, scope, is_global))

    # -- waiting --------------------------------------------------------------------------------

    async def wait_for_ready(
        self, timeout: float = DEFAULT_TIMEOUT, *, shard: int | None = None
    ) -> JSON:
        """Wait until a bot identified (as shard `shard`, if given) and got READY +
        GUILD_CREATE; returns that IDENTIFY's `d`."""
        event = self.gateway.ready if shard is None else self.gateway.shard_ready(shard)
        try:
            await asyncio.wait_for(event.wait(), timeout)
        except TimeoutError:
            rejected = "; ".join(self.gateway.rejections) or "none"
            which = "" if shard is None else f" as shard {shard}"
            raise TimeoutError(
                f"fake Discord: no accepted IDENTIFY{which} within {timeout}s "
                f"(rejections: {rejected})"
            ) from None
        session = self.gateway.current if shard is None else self.gateway.session_of_shard(shard)
        assert session is not None
        return session.identify

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
