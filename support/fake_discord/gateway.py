"""The gateway websocket: HELLO, IDENTIFY/READY, GUILD_CREATE, heartbeats, RESUME, dispatches,
and shards: each session gets the guilds, and the events, of the shard it identified as."""

from __future__ import annotations

import asyncio
import json
import logging
import secrets
import zlib
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from aiohttp import WSMsgType, web

from .models import (
    INTENT_GUILD_MEMBERS,
    INTENT_GUILDS,
    PRIVILEGED_INTENTS,
    FakeGuild,
    shard_of,
)
from .payloads import guild_payload, member_payload, ready_payload

if TYPE_CHECKING:
    from .server import FakeDiscord

log = logging.getLogger("fake_discord.gateway")

DISPATCH, HEARTBEAT, IDENTIFY, PRESENCE, VOICE_STATE = 0, 1, 2, 3, 4
RESUME, RECONNECT, REQUEST_MEMBERS, INVALID_SESSION, HELLO, HEARTBEAT_ACK = 6, 7, 8, 9, 10, 11


@dataclass
class GatewaySession:
    """One identified gateway session; survives reconnects so RESUME can replay missed events."""

    session_id: str
    intents: int
    identify: dict[str, Any]
    ws: web.WebSocketResponse | None = None
    seq: int = 0
    sent: list[tuple[int, str]] = field(default_factory=list)
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    client: str | None = None

    @property
    def shard(self) -> tuple[int, int]:
        """``(shard_id, shard_count)`` from IDENTIFY; ``(0, 1)`` for a session without shards."""
        shard_id, count = self.identify.get("shard") or (0, 1)
        return int(shard_id), int(count)

    def owns(self, guild_id: str | None) -> bool:
        """Whether this session receives the guild's events (``None``: direct messages, which
        Discord sends to shard 0)."""
        shard_id, count = self.shard
        return shard_id == (0 if guild_id is None else shard_of(guild_id, count))

    def events(self, name: str | None = None) -> list[dict[str, Any]]:
        """The dispatches sent to this session so far (``d`` of each), optionally one kind."""
        frames = (json.loads(text) for _, text in self.sent)
        return [f["d"] for f in frames if name is None or f["t"] == name]

    async def dispatch(self, event: str, data: Any) -> int:
        """Send one op-0 event with the next sequence number; buffer it if the socket is gone."""
        async with self.lock:
            self.seq += 1
            text = json.dumps({"op": DISPATCH, "t": event, "s": self.seq, "d": data})
            self.sent.append((self.seq, text))
            if self.ws is not None and not self.ws.closed:
                await self.ws.send_str(text)
            return self.seq


class Gateway:
    """Serves the gateway websocket for one FakeDiscord."""

    def __init__(self, server: FakeDiscord, heartbeat_interval_ms: int) -> None:
        self.server = server
        self.heartbeat_interval_ms = heartbeat_interval_ms
        self.sessions: dict[str, GatewaySession] = {}
        self.current: GatewaySession | None = None
        # The live session of each (shard_id, shard_count): a new IDENTIFY or a RESUME takes
        # the shard's place.
        self.shards: dict[tuple[int, int], GatewaySession] = {}
        self.received: list[dict[str, Any]] = []
        self.connections: list[dict[str, str]] = []
        self.heartbeats = 0
        self.resumes = 0
        self.rejections: list[str] = []
        self.ready = asyncio.Event()
        self._shard_ready: dict[int, asyncio.Event] = {}
        self._sockets: set[web.WebSocketResponse] = set()

    def shard_ready(self, shard_id: int) -> asyncio.Event:
        """Set once a session identified as shard ``shard_id`` and got its guilds."""
        return self._shard_ready.setdefault(shard_id, asyncio.Event())

    def session_of_shard(self, shard_id: int) -> GatewaySession | None:
        """The live session that identified as shard ``shard_id`` (of any count), if any."""
        found = [s for (sid, _), s in self.shards.items() if sid == shard_id]
        return found[-1] if found else None

    def owners(self, guild_id: str | None) -> list[GatewaySession]:
        """The sessions that receive a guild's events (``None``: direct messages, shard 0)."""
        return [s for s in self.shards.values() if s.owns(guild_id)]

    def route(self, guild_id: str | None) -> list[GatewaySession]:
        """`owners`, or RuntimeError when no bot holds that shard: a test's event would be
        lost without a word."""
        if self.current is None:
            raise RuntimeError("fake Discord: no bot has identified on the gateway yet")
        found = self.owners(guild_id)
        if not found:
            where = f"guild {guild_id}" if guild_id else "direct messages"
            held = sorted(self.shards)
            raise RuntimeError(f"fake Discord: no gateway session holds the shard of {where} "
                               f"(shards held as (id, count): {held})")
        return found

    async def handle(self, request: web.Request) -> web.StreamResponse:
        """aiohttp handler for GET /gateway and /c/{client}/gateway (websocket upgrade)."""
        ws = web.WebSocketResponse(max_msg_size=0)
        await ws.prepare(request)
        self._sockets.add(ws)
        self.connections.append(dict(request.query))
        client = request.match_info.get("client")
        session: GatewaySession | None = None
        hello = {"heartbeat_interval": self.heartbeat_interval_ms, "_trace": ["fake-discord"]}
        await self._send(ws, {"op": HELLO, "d": hello, "s": None, "t": None})
        try:
            async for msg in ws:
                if msg.type == WSMsgType.TEXT:
                    frame = json.loads(msg.data)
                elif msg.type == WSMsgType.BINARY:
                    frame = json.loads(_maybe_inflate(msg.data))
                else:
                    continue
                self.received.append(frame)
                session = await self._on_frame(ws, frame, session, client)
        finally:
            self._sockets.discard(ws)
            if session is not None and session.ws is ws:
                session.ws = None
        return ws

    async def _on_frame(
        self,
        ws: web.WebSocketResponse,
        frame: dict[str, Any],
        session: GatewaySession | None,
        client: str | None,
    ) -> GatewaySession | None:
        op, data = frame.get("op"), frame.get("d")
        if op == HEARTBEAT:
            self.heartbeats += 1
            await self._send(ws, {"op": HEARTBEAT_ACK, "d": None, "s": None, "t": None})
        elif op == IDENTIFY:
            return await self._identify(ws, data, client)
        elif op == RESUME:
            return await self._resume(ws, data)
        elif op == REQUEST_MEMBERS and session is not None:
            await self._request_members(session, data)
        elif op not in (PRESENCE, VOICE_STATE):
            log.warning("fake Discord gateway: unhandled op %s: %r", op, frame)
        return session

    async def _identify(
        self, ws: web.WebSocketResponse, data: dict[str, Any], client: str | None
    ) -> GatewaySession | None:
        server = self.server
        if server.token is not None and data.get("token") != server.token:
            return await self._reject(ws, 4004, "Authentication failed.")
        intents = int(data.get("intents", 0))
        if intents & PRIVILEGED_INTENTS & ~server.allowed_privileged_intents:
            return await self._reject(ws, 4014, "Disallowed intent(s).")
        if not _valid_shard(data.get("shard")):
            return await self._reject(ws, 4010, "Invalid shard.")
        session = GatewaySession(secrets.token_hex(16), intents, data, ws=ws, client=client)
        self.sessions[session.session_id] = session
        self.current = self.shards[session.shard] = session
        guilds = [g for g in server.guilds if session.owns(g.id)]
        ready = ready_payload(
            server.bot,
            server.application_id,
            server.application_flags,
            guilds,
            session.session_id,
            server.gateway_url_for(client),
            data.get("shard"),
        )
        await session.dispatch("READY", ready)
        for guild in guilds:
            await self.send_guild_create(session, guild)
        self.ready.set()
        self.shard_ready(session.shard[0]).set()
        return session

    async def send_guild_create(
        self, session: GatewaySession, guild: FakeGuild, *, joined: bool = False
    ) -> None:
        """GUILD_CREATE for `guild` (needs the GUILDS intent). `joined` leaves `unavailable`
        out, as Discord does for a guild the bot was just added to."""
        if not session.intents & INTENT_GUILDS:
            return
        members = guild.members
        if not session.intents & INTENT_GUILD_MEMBERS:
            # Without the members intent Discord only sends the bot's own member.
            members = [m for m in guild.members if m.id == self.server.bot.id]
        data = guild_payload(guild, members)
        if joined:
            del data["unavailable"]
        await session.dispatch("GUILD_CREATE", data)

    async def _reject(self, ws: web.WebSocketResponse, code: int, reason: str) -> None:
        self.rejections.append(f"{code} {reason}")
        log.warning("fake Discord gateway: closing with %s %s", code, reason)
        await ws.close(code=code, message=reason.encode())

    async def _resume(
        self, ws: web.WebSocketResponse, data: dict[str, Any]
    ) -> GatewaySession | None:
        session = self.sessions.get(data.get("session_id", ""))
        if session is None:
            await self._send(ws, {"op": INVALID_SESSION, "d": False, "s": None, "t": None})
            return None
        self.resumes += 1
        async with session.lock:
            session.ws = ws
            last_seen = data.get("seq") or 0
            for seq, text in session.sent:
                if seq > last_seen:
                    await ws.send_str(text)
        self.current = self.shards[session.shard] = session
        await session.dispatch("RESUMED", {"_trace": ["fake-discord"]})
        return session

    async def _request_members(self, session: GatewaySession, data: dict[str, Any]) -> None:
        guild = self.server.find_guild(str(data.get("guild_id")))
        if guild is None:
            return
        members = guild.members
        if data.get("user_ids"):
            wanted = {str(uid) for uid in data["user_ids"]}
            members = [m for m in members if m.id in wanted]
        elif data.get("query"):
            members = [m for m in members if m.user.username.startswith(data["query"])]
        chunk: dict[str, Any] = {
            "guild_id": guild.id,
            "members": [member_payload(m) for m in members],
            "chunk_index": 0,
            "chunk_count": 1,
            "not_found": [],
        }
        if data.get("nonce"):
            chunk["nonce"] = data["nonce"]
        await session.dispatch("GUILD_MEMBERS_CHUNK", chunk)

    async def dispatch(self, event: str, data: Any, guild_id: str | None = None) -> int:
        """Send an event to the session(s) holding ``guild_id``'s shard (``None``: shard 0, as
        direct messages) and return its sequence number there."""
        seq = 0
        for session in self.route(guild_id):
            seq = await session.dispatch(event, data)
        return seq

    async def request_reconnect(self, shard_id: int | None = None) -> None:
        """Send op 7 RECONNECT (to shard ``shard_id``'s session, else the latest session);
        discord.py then reconnects to resume_gateway_url and RESUMEs."""
        session = self.current if shard_id is None else self.session_of_shard(shard_id)
        if session is None or session.ws is None:
            raise RuntimeError("fake Discord: no live gateway connection")
        await self._send(session.ws, {"op": RECONNECT, "d": None, "s": None, "t": None})

    async def close_all(self, code: int = 1001) -> None:
        """Close every open websocket."""
        for ws in list(self._sockets):
            await ws.close(code=code, message=b"fake Discord shutting down")

    @staticmethod
    async def _send(ws: web.WebSocketResponse, frame: dict[str, Any]) -> None:
        if not ws.closed:
            await ws.send_str(json.dumps(frame))


def _valid_shard(shard: Any) -> bool:
    """IDENTIFY's ``shard``: absent, or ``[shard_id, shard_count]`` with 0 <= id < count."""
    if shard is None:
        return True
    if not isinstance(shard, list | tuple) or len(shard) != 2:
        return False
    shard_id, count = shard
    return isinstance(shard_id, int) and isinstance(count, int) and 0 <= shard_id < count


def _maybe_inflate(data: bytes) -> str:
    try:
        return data.decode()
    except UnicodeDecodeError:
        return zlib.decompress(data).decode()
