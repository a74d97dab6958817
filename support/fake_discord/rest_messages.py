"""REST handlers that create or change messages: channels, interactions and webhooks."""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from .errors import form_error
from .messages import (
    FLAGS_CREATE,
    FLAGS_DEFER,
    FLAGS_EDIT,
    FLAGS_INTERACTION,
    ApiError,
    apply_payload,
    mark_edited,
    validate_choices,
    validate_flags,
    validate_message,
)
from .models import (
    CREATE_PUBLIC_THREADS,
    EPHEMERAL,
    GUILD_FORUM,
    HAS_THREAD,
    INTENT_DIRECT_MESSAGES,
    INTENT_GUILD_MESSAGES,
    LOADING,
    PUBLIC_THREAD,
    READ_MESSAGE_HISTORY,
    SEND_MESSAGES,
    SEND_MESSAGES_IN_THREADS,
    VIEW_CHANNEL,
    FakeChannel,
    FakeUser,
)
from .payloads import channel_payload, dm_channel_payload, message_payload, user_payload
from .recorder import UploadedFile

if TYPE_CHECKING:
    from .server import FakeDiscord

JSON = dict[str, Any]
SUPPRESS_EMBEDS_OR_SILENT = (1 << 2) | (1 << 12)  # the flags a forum post's message may set
DEFAULT_MESSAGE, REPLY_MESSAGE = 0, 19
CHAT_INPUT_COMMAND_MESSAGE, CONTEXT_MENU_COMMAND_MESSAGE = 20, 23
APPLICATION_COMMAND, COMPONENT, AUTOCOMPLETE, MODAL_SUBMIT = 2, 3, 4, 5
# Callback types each interaction type accepts (6 and 7 change the message a component is on).
ALLOWED_CALLBACKS = {
    APPLICATION_COMMAND: (4, 5, 9, 10, 12),
    COMPONENT: (4, 5, 6, 7, 9, 10, 12),
    AUTOCOMPLETE: (8,),
    MODAL_SUBMIT: (4, 5, 6, 7, 10, 12),
}


@dataclass
class InteractionState:
    """Server-side life cycle of one interaction token.

    `created` is on the fake's clock (`FakeDiscord.now`). For a component, `message_id` is the
    message it is on, which `@original` means after a type 6 or 7 callback.
    """

    id: str
    token: str
    type: int
    channel_id: str | None
    guild_id: str | None
    user: FakeUser | None = None
    created: float = field(default_factory=time.monotonic)
    command_type: int | None = None
    message_id: str | None = None
    target_id: str | None = None
    callback_type: int | None = None
    original_id: str | None = None
    loading: bool = False
    message_ids: list[str] = field(default_factory=list)

    @property
    def message_type(self) -> int:
        """The type of the messages that answer this interaction."""
        if self.type == APPLICATION_COMMAND:
            return CHAT_INPUT_COMMAND_MESSAGE if self.command_type in (None, 1) else (
                CONTEXT_MENU_COMMAND_MESSAGE)
        return DEFAULT_MESSAGE


@dataclass
class Call:
    """A parsed incoming request handed to a route handler."""

    method: str
    params: dict[str, str]
    query: dict[str, str]
    json: Any
    files: list[UploadedFile]
    client: str | None = None


Handler = Callable[[Call], Awaitable[Any]]


class NoContent:
    """Marker body for 204 responses."""


NO_CONTENT = NoContent()


class MessageRoutes:
    """Channel messages, interaction callbacks, follow-ups and @original edits."""

    server: FakeDiscord

    # -- channels and messages ------------------------------------------------------------------

    def _channel(self, channel_id: str) -> JSON:
        guild, channel = self.server.locate_channel(channel_id)
        if guild is not None and channel is not None:
            return channel_payload(channel, guild.id)
        user = self.server.dm_channels.get(channel_id)
        if user is not None:
            return dm_channel_payload(channel_id, user)
        raise ApiError(404, 10003, "Unknown Channel")

    def _message(self, channel_id: str | None, message_id: str) -> JSON:
        message = self.server.messages.get(message_id)
        if message is None or (channel_id is not None and message["channel_id"] != channel_id):
            raise ApiError(404, 10008, "Unknown Message")
        return message

    async def _get_channel(self, call: Call) -> Any:
        return self._channel(call.params["channel_id"])

    async def _get_messages(self, call: Call) -> Any:
        self._channel(call.params["channel_id"])
        limit = int(call.query.get("limit", 50))
        found = [m for m in self.server.messages.values()
                 if m["channel_id"] == call.params["channel_id"]]
        return sorted(found, key=lambda m: int(m["id"]), reverse=True)[:limit]

    def _check_bot_may(self, channel_id: str, needed: int) -> None:
        """403 50013 unless the bot holds every permission of ``needed`` in a guild channel."""
        guild, channel = self.server.locate_channel(channel_id)
        if guild is None or channel is None:
            return
        perms = guild.channel_permissions(self.server.bot_member(guild), channel)
        if perms & needed != needed:
            raise ApiError(403, 50013, "Missing Permissions")

    def _check_can_post(self, channel_id: str) -> None:
        _, channel = self.server.locate_channel(channel_id)
        in_thread = channel is not None and channel.is_thread
        self._check_bot_may(
            channel_id, VIEW_CHANNEL | (SEND_MESSAGES_IN_THREADS if in_thread else SEND_MESSAGES))

    def _reference(self, channel_id: str, payload: JSON) -> JSON | None:
        """The reply's reference as stored, or None: Discord wants READ_MESSAGE_HISTORY to
        reply, and refuses a reference to a message it cannot find unless
        ``fail_if_not_exists`` is false (then the message is sent as a plain one)."""
        reply = payload.get("message_reference")
        if not reply:
            return None
        self._check_bot_may(channel_id, READ_MESSAGE_HISTORY)
        # discord.py sends integer ids here; Discord answers with strings.
        reference = {k: str(v) if k.endswith("_id") else v for k, v in reply.items()}
        target = self.server.messages.get(reference.get("message_id", ""))
        if target is None or target["channel_id"] != reference.get("channel_id", channel_id):
            if reference.get("fail_if_not_exists", True) is False:
                return None
            raise form_error(["message_reference"], "Unknown message",
                             code="MESSAGE_REFERENCE_UNKNOWN_MESSAGE")
        reference.pop("fail_if_not_exists", None)
        return reference

    async def _create_message(self, call: Call) -> Any:
        channel = self._channel(call.params["channel_id"])
        self._check_can_post(channel["id"])
        if channel["type"] == GUILD_FORUM:
            # A forum holds posts (threads), not messages.
            raise ApiError(400, 50008, "Cannot send messages in a non-text channel")
        payload = call.json or {}
        validate_message(payload, call.files)
        validate_flags(payload, FLAGS_CREATE)
        reference = self._reference(channel["id"], payload)
        payload = {k: v for k, v in payload.items() if k != "message_reference"}
        message = self._new_bot_message(channel["id"], channel.get("guild_id"), payload, call.files,
                                        message_type=REPLY_MESSAGE if reference else 0)
        if reference:
            message["message_reference"] = reference
            message["referenced_message"] = self.server.messages[reference["message_id"]]
        await self._echo(message)
        return message

    async def _start_thread(self, call: Call) -> Any:
        """POST /channels/{id}/messages/{id}/threads: a public thread from a message; the
        thread becomes a channel of the guild (THREAD_CREATE is sent to the bot)."""
        message = self._message(call.params["channel_id"], call.params["message_id"])
        guild, parent = self.server.locate_channel(message["channel_id"])
        if guild is None or parent is None or parent.is_thread:
            raise ApiError(400, 50024, "Cannot execute action on this channel type")
        self._check_bot_may(parent.id, VIEW_CHANNEL | CREATE_PUBLIC_THREADS)
        name = str((call.json or {}).get("name", ""))
        if not 1 <= len(name) <= 100:
            raise ApiError(400, 50035, "Invalid Form Body")
        if guild.find_channel(message["id"]) is not None:
            # A thread takes its starter message's id: there is one per message.
            raise ApiError(400, 160004, "A thread has already been created for this message")
        thread = FakeChannel(name, type=PUBLIC_THREAD, id=message["id"], parent_id=parent.id,
                             owner_id=self.server.bot.id)
        guild.channels.append(thread)
        message["flags"] = int(message.get("flags") or 0) | HAS_THREAD
        payload = channel_payload(thread, guild.id)
        await self.server.dispatch("THREAD_CREATE", {**payload, "newly_created": True})
        return payload

    async def _start_thread_without_message(self, call: Call) -> Any:
        """POST /channels/{id}/threads: in a forum, a post (a thread and its first message,
        which Discord requires as ``message``, with the post's id); in a text channel, a
        thread without a starter message."""
        guild, parent = self.server.locate_channel(call.params["channel_id"])
        if guild is None or parent is None:
            raise ApiError(404, 10003, "Unknown Channel")
        if parent.is_thread or parent.type not in (GUILD_FORUM, 0, 5):
            raise ApiError(400, 50024, "Cannot execute action on this channel type")
        body = call.json or {}
        name = str(body.get("name", ""))
        if not 1 <= len(name) <= 100:
            raise form_error(["name"], "Must be between 1 and 100 in length.",
                             code="BASE_TYPE_BAD_LENGTH")
        forum = parent.type == GUILD_FORUM
        # Creating a forum post is SEND_MESSAGES ("Create Posts") on the forum.
        self._check_bot_may(parent.id, VIEW_CHANNEL | (
            SEND_MESSAGES if forum else CREATE_PUBLIC_THREADS))
        first = body.get("message")
        if forum and not isinstance(first, dict):
            raise form_error(["message"], "This field is required", code="BASE_TYPE_REQUIRED")
        if forum:
            validate_message(first, call.files)
            validate_flags(first, SUPPRESS_EMBEDS_OR_SILENT, "message.flags")
        thread = FakeChannel(name, type=PUBLIC_THREAD, parent_id=parent.id,
                             owner_id=self.server.bot.id)
        guild.channels.append(thread)
        payload = channel_payload(thread, guild.id)
        if self.server.gateway.current is not None:  # a bot is connected to be told
            await self.server.dispatch("THREAD_CREATE", {**payload, "newly_created": True})
        if not forum:
            return payload
        message = self._new_bot_message(thread.id, guild.id, first, call.files)
        # The first message of a post has the post's id, as on Discord.
        del self.server.messages[message["id"]]
        message["id"] = thread.id
        self.server.messages[thread.id] = message
        await self._echo(message)
        return {**payload, "message": message}

    async def _get_message(self, call: Call) -> Any:
        return self._message(call.params["channel_id"], call.params["message_id"])

    async def _edit_message(self, call: Call) -> Any:
        message = self._message(call.params["channel_id"], call.params["message_id"])
        payload = call.json or {}
        validate_message(payload, call.files, editing=True)
        validate_flags(payload, FLAGS_EDIT)
        return mark_edited(apply_payload(message, payload, self._attachments(call.files)))

    async def _delete_message(self, call: Call) -> Any:
        message = self._message(call.params["channel_id"], call.params["message_id"])
        del self.server.messages[message["id"]]
        return NO_CONTENT

    def _attachments(self, files: list[UploadedFile]) -> list[JSON]:
        return [self.server.add_attachment(f.filename or f.field, f.data,
                                           f.content_type or "application/octet-stream")
                for f in files if f.field.startswith("files[")]

    def _new_bot_message(
        self,
        channel_id: str,
        guild_id: str | None,
        payload: JSON,
        files: list[UploadedFile],
        *,
        message_type: int = 0,
        flags: int | None = None,
        interaction: InteractionState | None = None,
    ) -> JSON:
        server = self.server
        guild = server.find_guild(guild_id) if guild_id else None
        extra: JSON = {}
        if interaction is not None:
            extra["webhook_id"] = server.application_id
            extra["application_id"] = server.application_id
            extra["interaction_metadata"] = _metadata(interaction, server, guild_id)
        message = message_payload(
            channel_id=channel_id,
            author=server.bot,
            content="",
            guild_id=guild_id,
            member=server.bot_member(guild) if guild else None,
            flags=int(payload.get("flags") or 0) if flags is None else flags,
            message_type=message_type,
            extra=extra,
        )
        apply_payload(message, payload, self._attachments(files))
        server.messages[message["id"]] = message
        return message

    async def _echo(self, message: JSON) -> None:
        # Discord sends the bot its own messages back as MESSAGE_CREATE (never ephemeral ones),
        # on the shard of the message's guild.
        server = self.server
        if not server.echo_bot_messages or server.gateway.current is None \
                or message["flags"] & EPHEMERAL:
            return
        guild_id = message.get("guild_id")
        needed = INTENT_GUILD_MESSAGES if guild_id else INTENT_DIRECT_MESSAGES
        for session in server.gateway.owners(guild_id):
            if session.intents & needed:
                await session.dispatch("MESSAGE_CREATE", message)

    # -- interactions ---------------------------------------------------------------------------

    async def _interaction_callback(self, call: Call) -> Any:
        server = self.server
        state = server.interactions.get(call.params["interaction_id"])
        if state is None or state.token != call.params["token"]:
            raise ApiError(404, 10062, "Unknown interaction")
        if state.callback_type is not None:
            raise ApiError(400, 40060, "Interaction has already been acknowledged.")
        timeout = server.interaction_ack_timeout
        if timeout is not None and server.now() - state.created > timeout:
            # Discord forgets unacknowledged interactions after 3 seconds.
            raise ApiError(404, 10062, "Unknown interaction")
        body = call.json or {}
        ctype, data = body.get("type"), body.get("data") or {}
        if ctype not in ALLOWED_CALLBACKS.get(state.type, ()):
            raise ApiError(400, 50035, "Invalid Form Body", {"type": {"_errors": [{
                "code": "INTERACTION_RESPONSE_TYPE_INVALID",
                "message": f"Callback type {ctype!r} is not valid for interaction type "
                           f"{state.type}"}]}})
        if ctype == 4:
            validate_message(data, call.files)
            validate_flags(data, FLAGS_INTERACTION, "data.flags")
        elif ctype == 5:
            validate_flags(data, FLAGS_DEFER, "data.flags")
        elif ctype == 7:
            validate_message(data, call.files, editing=True)
            validate_flags(data, FLAGS_EDIT, "data.flags")
        elif ctype == 8:
            validate_choices(data)
        resource: JSON | None = {"type": ctype} if ctype in (6, 9) else None
        if ctype in (6, 7):
            updated = self._message(None, state.message_id or "")
            if ctype == 7:
                apply_payload(updated, data, self._attachments(call.files))
                mark_edited(updated)
                resource = {"type": ctype, "message": updated}
            state.original_id = updated["id"]
        # Set before any await, so a second callback racing this one is refused.
        state.callback_type = ctype
        if ctype in (4, 5) and state.channel_id is not None:
            flags = int(data.get("flags") or 0) | (LOADING if ctype == 5 else 0)
            message = self._new_bot_message(
                state.channel_id, state.guild_id, data if ctype == 4 else {}, call.files,
                message_type=state.message_type, flags=flags, interaction=state,
            )
            state.original_id, state.loading = message["id"], ctype == 5
            resource = {"type": ctype, "message": message}
            if ctype == 4:
                await self._echo(message)
        if call.query.get("with_response", "").lower() not in ("1", "true"):
            return NO_CONTENT
        original = server.messages.get(state.original_id or "")
        result: JSON = {
            "interaction": {
                "id": state.id,
                "type": state.type,
                "response_message_id": state.original_id,
                "response_message_loading": state.loading,
                "response_message_ephemeral": bool(original and original["flags"] & EPHEMERAL),
            }
        }
        if resource is not None:
            result["resource"] = resource
        return result

    def _interaction_for_webhook(self, call: Call) -> InteractionState:
        state = self.server.interactions_by_token.get(call.params["token"])
        if state is None or call.params["app_id"] != self.server.application_id:
            raise ApiError(404, 10015, "Unknown Webhook")
        if state.callback_type is None:
            # Follow-ups and edits only exist once the interaction was acknowledged.
            raise ApiError(404, 10015, "Unknown Webhook")
        if self.server.now() - state.created > self.server.interaction_token_lifetime:
            # An interaction token is valid for 15 minutes; then the webhook is gone.
            raise ApiError(404, 10015, "Unknown Webhook")
        return state

    async def _followup(self, call: Call) -> Any:
        state = self._interaction_for_webhook(call)
        payload = call.json or {}
        validate_message(payload, call.files)
        validate_flags(payload, FLAGS_INTERACTION)
        if state.loading and state.original_id in self.server.messages:
            # The first follow-up after a defer replaces the "thinking..." message and keeps
            # the ephemerality chosen at defer time.
            message = self.server.messages[state.original_id]
            message["flags"] = message["flags"] & ~LOADING
            apply_payload(message, payload, self._attachments(call.files))
            state.loading = False
        else:
            message = self._new_bot_message(
                state.channel_id or "0", state.guild_id, payload, call.files,
                message_type=state.message_type, interaction=state,
            )
            state.message_ids.append(message["id"])
        await self._echo(message)
        return message if call.query.get("wait") in ("1", "true", "True") else NO_CONTENT

    async def _webhook_message(self, call: Call) -> Any:
        state = self._interaction_for_webhook(call)
        message_id = call.params["message_id"]
        if message_id == "@original":
            message_id = state.original_id or ""
        elif message_id not in state.message_ids and message_id != state.original_id:
            raise ApiError(404, 10008, "Unknown Message")
        message = self._message(None, message_id)
        if call.method == "DELETE":
            del self.server.messages[message_id]
            return NO_CONTENT
        if call.method == "PATCH":
            payload = call.json or {}
            validate_message(payload, call.files, editing=True)
            validate_flags(payload, FLAGS_EDIT)
            apply_payload(message, payload, self._attachments(call.files))
            if message_id == state.original_id and state.loading:
                message["flags"] &= ~LOADING
                state.loading = False
            else:
                mark_edited(message)
        return message


def _metadata(state: InteractionState, server: FakeDiscord, guild_id: str | None) -> JSON:
    """A message's `interaction_metadata`: who triggered it, and on what."""
    data: JSON = {
        "id": state.id,
        "type": state.type,
        "user": user_payload(state.user or server.bot),
        "authorizing_integration_owners": {"0": guild_id or "0"},
    }
    if state.type == COMPONENT and state.message_id:
        data["interacted_message_id"] = state.message_id
    elif state.command_type == 2 and state.target_id:
        user = server.find_user(state.target_id)
        if user is not None:
            data["target_user"] = user_payload(user)
    elif state.command_type == 3 and state.target_id:
        data["target_message_id"] = state.target_id
    if state.original_id:
        # Only follow-ups are created once the interaction has an original response.
        data["original_response_message_id"] = state.original_id
    return data
