"""The REST half of the fake: one catch-all aiohttp handler dispatching to a route table."""

from __future__ import annotations

import copy
import json
import logging
import re
from typing import TYPE_CHECKING, Any

from aiohttp import hdrs, web

from .messages import ApiError
from .payloads import (
    app_info_payload,
    channel_payload,
    dm_channel_payload,
    guild_payload,
    member_payload,
    role_payload,
    user_payload,
)
from .recorder import RecordedRequest, UploadedFile
from .rest_commands import CommandRoutes
from .rest_messages import NO_CONTENT, Call, Handler, MessageRoutes, NoContent

if TYPE_CHECKING:
    from .server import FakeDiscord

log = logging.getLogger("fake_discord.rest")

JSON = dict[str, Any]
# "/c/{client}/api/v10" is the same API for a named client (`FakeDiscord.client_env`).
API_PATH = re.compile(r"^(?:/c/(?P<client>[^/]+))?/api/v10(?P<path>/.*)$")
# Routes reached with a webhook/interaction token instead of the bot token, as on Discord.
TOKENLESS_ROUTES = ("interaction_callback", "followup", "webhook_message", "attachment")


class RestApi(MessageRoutes, CommandRoutes):
    """Route table and handlers for the subset of API v10 a discord.py bot uses."""

    def __init__(self, server: FakeDiscord) -> None:
        self.server = server
        self.routes: list[tuple[str, re.Pattern[str], str, Handler]] = []
        app, guild_cmds = "/applications/{app_id}", "/applications/{app_id}/guilds/{guild_id}"
        webhook = "/webhooks/{app_id}/{token}"
        webhook_msg = webhook + "/messages/{message_id}"
        message = "/channels/{channel_id}/messages/{message_id}"
        table: list[tuple[str, str, str, Handler]] = [
            ("GET", "/users/@me", "get_me", self._get_me),
            ("POST", "/users/@me/channels", "create_dm", self._create_dm),
            ("GET", "/users/{user_id}", "get_user", self._get_user),
            ("GET", "/oauth2/applications/@me", "get_application", self._get_application),
            ("GET", "/applications/@me", "get_application", self._get_application),
            ("GET", "/gateway", "get_gateway", self._get_gateway),
            ("GET", "/gateway/bot", "get_gateway_bot", self._get_gateway),
            ("GET", app + "/commands", "get_commands", self._get_commands),
            ("PUT", app + "/commands", "bulk_overwrite_commands", self._put_commands),
            ("POST", app + "/commands", "create_command", self._post_command),
            ("GET", app + "/commands/{command_id}", "get_command", self._one_command),
            ("PATCH", app + "/commands/{command_id}", "edit_command", self._one_command),
            ("DELETE", app + "/commands/{command_id}", "delete_command", self._one_command),
            ("GET", guild_cmds + "/commands/permissions", "get_command_permissions", self._empty),
            ("GET", guild_cmds + "/commands", "get_commands", self._get_commands),
            ("PUT", guild_cmds + "/commands", "bulk_overwrite_commands", self._put_commands),
            ("POST", guild_cmds + "/commands", "create_command", self._post_command),
            ("GET", guild_cmds + "/commands/{command_id}", "get_command", self._one_command),
            ("PATCH", guild_cmds + "/commands/{command_id}", "edit_command", self._one_command),
            ("DELETE", guild_cmds + "/commands/{command_id}", "delete_command", self._one_command),
            ("GET", "/channels/{channel_id}", "get_channel", self._get_channel),
            ("POST", "/channels/{channel_id}/typing", "typing", self._no_content),
            ("GET", "/channels/{channel_id}/messages", "get_messages", self._get_messages),
            ("POST", "/channels/{channel_id}/messages", "create_message", self._create_message),
            ("GET", message, "get_message", self._get_message),
            ("PATCH", message, "edit_message", self._edit_message),
            ("DELETE", message, "delete_message", self._delete_message),
            ("POST", message + "/threads", "start_thread", self._start_thread),
            ("POST", "/channels/{channel_id}/threads", "start_thread_without_message",
             self._start_thread_without_message),
            ("PUT", message + "/reactions/{emoji}/@me", "add_reaction", self._no_content),
            ("DELETE", message + "/reactions/{emoji}/{user_id}", "remove_reaction",
             self._no_content),
            ("GET", "/guilds/{guild_id}", "get_guild", self._get_guild),
            ("GET", "/guilds/{guild_id}/channels", "get_guild_channels", self._get_guild_channels),
            ("GET", "/guilds/{guild_id}/roles", "get_roles", self._get_roles),
            ("GET", "/guilds/{guild_id}/members", "get_members", self._get_members),
            ("GET", "/guilds/{guild_id}/members/{user_id}", "get_member", self._get_member),
            ("POST", "/interactions/{interaction_id}/{token}/callback", "interaction_callback",
             self._interaction_callback),
            ("POST", webhook, "followup", self._followup),
            ("GET", webhook_msg, "webhook_message", self._webhook_message),
            ("PATCH", webhook_msg, "webhook_message", self._webhook_message),
            ("DELETE", webhook_msg, "webhook_message", self._webhook_message),
        ]
        for method, pattern, name, handler in table:
            self.routes.append((method, _compile(pattern), name, handler))

    # -- dispatch ---------------------------------------------------------------------------

    async def handle(self, request: web.Request) -> web.StreamResponse:
        """Catch-all aiohttp handler: parse, route, answer, record."""
        if request.path.startswith("/attachments/"):
            return await self._serve_attachment(request)
        api = API_PATH.match(request.path)
        path, client = (api["path"], api["client"]) if api else (None, None)
        body, files = await _read_body(request)
        route, params, handler = "unknown", {}, None
        for method, regex, name, candidate in self.routes if path is not None else []:
            if method == request.method and (match := regex.match(path)):
                route, params, handler = name, match.groupdict(), candidate
                break
        call = Call(request.method, params, dict(request.query), body, files, client)
        headers: dict[str, str] = {}
        try:
            if handler is None:
                log.warning("fake Discord: unknown route %s %s", request.method, request.path)
                raise ApiError(404, 0, "404: Not Found")
            self._check_auth(request, route)
            if limited := self.server.rate_limits.check(route):
                status, result, headers = 429, limited.body, limited.headers
                log.info("fake Discord: %s %s -> 429 (rate limit on demand)", request.method,
                         request.path)
            else:
                status, result = 200, await handler(call)
            if isinstance(result, NoContent):
                status, result = 204, None
        except ApiError as error:
            status, result = error.status, error.body()
            if route != "unknown":
                log.info("fake Discord: %s %s -> %s", request.method, request.path, result)
        await self.server.recorder.add(
            RecordedRequest(
                index=self.server.recorder.next_index,
                method=request.method,
                path=path if path is not None else request.path,
                route=route,
                params=params,
                query=dict(request.query),
                headers=dict(request.headers),
                json=body,
                files=files,
                status=status,
                # Stored messages keep changing with later edits; freeze what was answered.
                response=copy.deepcopy(result),
                response_headers=headers,
                client=client,
            )
        )
        if status == 204:
            return web.Response(status=204)
        # discord.py only decodes JSON when Content-Type is exactly "application/json": aiohttp
        # appends "; charset=utf-8" when given text=, so the body must be bytes.
        return web.Response(status=status, body=json.dumps(result).encode(),
                            content_type="application/json", headers=headers)

    def _check_auth(self, request: web.Request, route: str) -> None:
        if route in TOKENLESS_ROUTES:
            return
        auth = request.headers.get(hdrs.AUTHORIZATION, "")
        expected = self.server.token
        if not auth.startswith("Bot ") or (expected is not None and auth != f"Bot {expected}"):
            raise ApiError(401, 0, "401: Unauthorized")

    async def _serve_attachment(self, request: web.Request) -> web.StreamResponse:
        parts = request.path.split("/")
        stored = self.server.attachments.get(parts[2] if len(parts) > 2 else "")
        await self.server.recorder.add(
            RecordedRequest(
                index=self.server.recorder.next_index,
                method=request.method,
                path=request.path,
                route="attachment",
                params={"attachment_id": parts[2] if len(parts) > 2 else ""},
                query=dict(request.query),
                headers=dict(request.headers),
                json=None,
                status=200 if stored else 404,
            )
        )
        if stored is None:
            return web.Response(status=404, body=b"Not Found", content_type="text/plain")
        return web.Response(body=stored.data, content_type=stored.content_type)

    # -- users, application, gateway --------------------------------------------------------

    async def _get_me(self, call: Call) -> Any:
        return user_payload(self.server.bot, me=True)

    async def _get_user(self, call: Call) -> Any:
        user = self.server.find_user(call.params["user_id"])
        if user is None:
            raise ApiError(404, 10013, "Unknown User")
        return user_payload(user)

    async def _create_dm(self, call: Call) -> Any:
        user = self.server.find_user(str((call.json or {}).get("recipient_id")))
        if user is None:
            raise ApiError(404, 10013, "Unknown User")
        return dm_channel_payload(self.server.dm_channel_id(user), user)

    async def _get_application(self, call: Call) -> Any:
        s = self.server
        return app_info_payload(s.application_id, s.bot, s.owner, s.application_flags)

    async def _get_gateway(self, call: Call) -> Any:
        limit = {"total": 1000, "remaining": 999, "reset_after": 0, "max_concurrency": 1}
        return {"url": self.server.gateway_url_for(call.client), "shards": self.server.shard_count,
                "session_start_limit": limit}

    async def _empty(self, call: Call) -> Any:
        return []

    async def _no_content(self, call: Call) -> Any:
        self._channel(call.params["channel_id"])
        return NO_CONTENT

    # -- guilds -------------------------------------------------------------------------------

    def _guild(self, call: Call) -> Any:
        guild = self.server.find_guild(call.params["guild_id"])
        if guild is None:
            raise ApiError(404, 10004, "Unknown Guild")
        return guild

    async def _get_guild(self, call: Call) -> Any:
        data = guild_payload(self._guild(call), [])
        for key in ("members", "channels", "threads", "voice_states", "presences"):
            data.pop(key)
        return data

    async def _get_guild_channels(self, call: Call) -> Any:
        guild = self._guild(call)
        return [channel_payload(c, guild.id) for c in guild.channels if not c.is_thread]

    async def _get_roles(self, call: Call) -> Any:
        return [role_payload(role) for role in self._guild(call).roles]

    async def _get_members(self, call: Call) -> Any:
        limit = int(call.query.get("limit", 1))
        return [member_payload(m) for m in self._guild(call).members[:limit]]

    async def _get_member(self, call: Call) -> Any:
        member = self._guild(call).find_member(call.params["user_id"])
        if member is None:
            raise ApiError(404, 10007, "Unknown Member")
        return member_payload(member)

def _compile(pattern: str) -> re.Pattern[str]:
    """Turn "/channels/{channel_id}" into an anchored regex with named groups."""
    parts = re.split(r"\{(\w+)\}", pattern)
    regex = "".join(re.escape(p) if i % 2 == 0 else f"(?P<{p}>[^/]+)" for i, p in enumerate(parts))
    return re.compile(regex + "$")


async def _read_body(request: web.Request) -> tuple[Any, list[UploadedFile]]:
    """Parse a JSON or multipart/form-data body; multipart's payload_json becomes the JSON."""
    files: list[UploadedFile] = []
    if request.content_type == "multipart/form-data":
        body: Any = None
        reader = await request.multipart()
        while (part := await reader.next()) is not None:
            if part.name == "payload_json":
                body = json.loads(await part.text())
            else:
                data = await part.read()
                content_type = part.headers.get(hdrs.CONTENT_TYPE)
                name = part.name or ""
                files.append(UploadedFile(name, part.filename, content_type, bytes(data)))
        return body, files
    if not request.can_read_body:
        return None, files
    raw = await request.read()
    if not raw:
        return None, files
    try:
        return json.loads(raw), files
    except ValueError:
        return raw.decode(errors="replace"), files
