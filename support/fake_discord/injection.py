"""What users and Discord do to the bot: messages, commands, button presses, a new server."""

from __future__ import annotations

import copy
import re
import secrets
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from .components import SELECT_TYPES, find_component
from .handles import InteractionHandle, MessageHandle
from .interactions import build_interaction, command_data, context_menu_data
from .models import (
    EPHEMERAL,
    INTENT_DIRECT_MESSAGES,
    INTENT_GUILD_MESSAGES,
    INTENT_MESSAGE_CONTENT,
    FakeChannel,
    FakeGuild,
    FakeMember,
    FakeUser,
)
from .payloads import channel_payload, member_payload, message_payload, user_payload
from .rest_messages import InteractionState

if TYPE_CHECKING:
    from .server import FakeDiscord

JSON = dict[str, Any]
MENTION_RE = re.compile(r"<@!?(\d+)>")
APPLICATION_COMMAND, COMPONENT, AUTOCOMPLETE = 2, 3, 4


class EventInjection:
    """The `send_*`, `press` and `join_guild` helpers of FakeDiscord."""

    async def dispatch(
        self: FakeDiscord, event: str, data: Any, guild_id: str | None = None
    ) -> int:
        """Send a raw gateway event to the shard of `guild_id` (default: the `guild_id` in
        `data`; none: shard 0); returns its sequence number."""
        if guild_id is None and isinstance(data, dict):
            guild_id = data.get("guild_id")
        return await self.gateway.dispatch(event, data, guild_id)

    async def delete_channel(
        self: FakeDiscord, channel: FakeChannel | str, *, tell_bot: bool = True
    ) -> None:
        """An admin deletes a channel: it is gone from its guild (its routes answer 404 10003
        Unknown Channel) and, unless ``tell_bot`` is false (the bot was away), the bot is sent
        CHANNEL_DELETE."""
        channel_id = channel if isinstance(channel, str) else channel.id
        guild, found = self.locate_channel(channel_id)
        if guild is None or found is None:
            raise ValueError(f"unknown guild channel {channel_id}")
        guild.channels.remove(found)
        if tell_bot and self.gateway.current is not None:
            await self.dispatch("CHANNEL_DELETE", channel_payload(found, guild.id))

    async def request_reconnect(self: FakeDiscord, shard: int | None = None) -> None:
        """Ask the bot (the session of shard `shard`, else the latest) to reconnect (op 7);
        it should come back with RESUME."""
        await self.gateway.request_reconnect(shard)

    async def join_guild(self: FakeDiscord, guild: FakeGuild) -> FakeGuild:
        """Add the bot to `guild` now, as an admin inviting it does: GUILD_CREATE without
        `unavailable` on the guild's shard, which discord.py reports as `on_guild_join`."""
        if self.find_guild(guild.id) is not None:
            raise ValueError(f"the bot is already in guild {guild.name!r}")
        sessions = self.gateway.route(guild.id)
        self.seat_bot(guild)
        self.guilds.append(guild)
        for session in sessions:
            await self.gateway.send_guild_create(session, guild, joined=True)
        return guild

    # -- messages -------------------------------------------------------------------------------

    async def send_message(
        self: FakeDiscord,
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
        self: FakeDiscord,
        author: FakeMember | FakeUser,
        content: str,
        *,
        attachments: Sequence[JSON] = (),
    ) -> MessageHandle:
        """Dispatch MESSAGE_CREATE in the DM channel between `author` and the bot."""
        user = author.user if isinstance(author, FakeMember) else author
        return await self._inject_message(self.dm_channel_id(user), None, user, None, content,
                                          None, attachments, None)

    async def _inject_message(
        self: FakeDiscord,
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
        sessions = self.gateway.route(guild.id if guild else None)
        self.messages[message["id"]] = message
        start = self.recorder.next_index
        needed = INTENT_GUILD_MESSAGES if guild else INTENT_DIRECT_MESSAGES
        bot_mentioned = any(u.id == self.bot.id for u in mentioned)
        delivered = False
        for session in sessions:
            if not session.intents & needed:
                continue
            sent = dict(message)
            if guild and not session.intents & INTENT_MESSAGE_CONTENT and not bot_mentioned:
                sent.update(content="", embeds=[], attachments=[], components=[])
            await session.dispatch("MESSAGE_CREATE", sent)
            delivered = True
        return MessageHandle(self, message, start, delivered)

    # -- interactions ---------------------------------------------------------------------------

    async def send_slash(
        self: FakeDiscord,
        name: str,
        options: Mapping[str, Any] | Sequence[JSON] | None = None,
        *,
        user: FakeMember | FakeUser,
        channel: FakeChannel | str | None = None,
        dm: bool = False,
        locale: str | None = None,
        permissions: int | None = None,
        app_permissions: int | None = None,
        age: float = 0.0,
    ) -> InteractionHandle:
        """Dispatch an APPLICATION_COMMAND interaction ("group sub" names nest subcommands).

        `age` makes it an interaction Discord created that many seconds ago (a slow gateway,
        a busy bot): its id says so, and its 3 s to be acknowledged started then.

        Names may be localized ones (Discord sends the default name). Option types come from
        the synced command when known, else from the Python values (str 3, int 4, bool 5,
        float 10, attachment dict from add_attachment 11, users 6, channels 7, roles 8).
        `dm=True` sends it from the user's DM with the bot; `locale` defaults to the user's.
        """
        guild, channel_id = self._interaction_place(user, channel, dm)
        data = command_data(self, name, options, focused=None, guild=guild)
        return await self._inject_interaction(APPLICATION_COMMAND, data, user, guild, channel_id,
                                              locale, permissions, app_permissions, age=age)

    async def send_autocomplete(
        self: FakeDiscord,
        name: str,
        options: Mapping[str, Any] | Sequence[JSON] | None,
        *,
        focused: str,
        user: FakeMember | FakeUser,
        channel: FakeChannel | str | None = None,
        dm: bool = False,
        locale: str | None = None,
    ) -> InteractionHandle:
        """Dispatch an APPLICATION_COMMAND_AUTOCOMPLETE interaction while the user types
        `focused`; the other options given are those already filled ("group sub" names nest)."""
        guild, channel_id = self._interaction_place(user, channel, dm)
        data = command_data(self, name, options, focused=focused, guild=guild)
        return await self._inject_interaction(AUTOCOMPLETE, data, user, guild, channel_id,
                                              locale, None, None)

    async def send_context_menu(
        self: FakeDiscord,
        name: str,
        target: Any,
        *,
        user: FakeMember | FakeUser,
        channel: FakeChannel | str | None = None,
        locale: str | None = None,
        permissions: int | None = None,
        app_permissions: int | None = None,
    ) -> InteractionHandle:
        """Dispatch a context menu command: a user command when `target` is a user or member,
        else a message command on the message `target` names (see `FakeDiscord.message`),
        in that message's channel, with the message in `data.resolved.messages`."""
        if isinstance(target, FakeMember | FakeUser):
            guild, channel_id = self._interaction_place(user, channel, False)
            data = context_menu_data(self, name, target, guild)
        else:
            message = self.message(target)
            guild, channel_id = self._message_place(message, user)
            data = context_menu_data(self, name, message, guild)
        return await self._inject_interaction(APPLICATION_COMMAND, data, user, guild,
                                              channel_id, locale, permissions, app_permissions)

    async def press(
        self: FakeDiscord,
        message: Any,
        custom_id: str,
        *,
        user: FakeMember | FakeUser,
        values: Sequence[str] | None = None,
        locale: str | None = None,
        permissions: int | None = None,
        app_permissions: int | None = None,
    ) -> InteractionHandle:
        """Press the button (or pick `values` in the string select) `custom_id` on a message
        the bot posted: a MESSAGE_COMPONENT interaction carrying the message as stored now.

        `message` is anything `FakeDiscord.message` accepts (a recorded request of the bot,
        a handle, a message dict or id). Disabled components, unknown custom_ids and someone
        else's ephemeral message raise ValueError: no user could press those.
        """
        stored = self.message(message)
        component = find_component(stored, custom_id)
        data: JSON = {"custom_id": custom_id, "component_type": component["type"]}
        if component["type"] in SELECT_TYPES:
            data["values"] = list(values or [])
        elif values is not None:
            raise ValueError(f"{custom_id!r} is a button: it takes no values")
        guild, channel_id = self._message_place(stored, user)
        return await self._inject_interaction(COMPONENT, data, user, guild, channel_id, locale,
                                              permissions, app_permissions, message=stored)

    def _interaction_place(
        self: FakeDiscord, user: FakeMember | FakeUser, channel: FakeChannel | str | None,
        dm: bool,
    ) -> tuple[FakeGuild | None, str]:
        """The guild (None in DMs) and channel id an interaction comes from."""
        if dm:
            plain_user = user.user if isinstance(user, FakeMember) else user
            return None, self.dm_channel_id(plain_user)
        if channel is None:
            channel = next(c for c in self.guild.channels if c.type == 0)
        channel_id = channel if isinstance(channel, str) else channel.id
        guild, _ = self.locate_channel(channel_id)
        if guild is None:
            raise ValueError(f"unknown guild channel {channel_id}")
        return guild, channel_id

    def _message_place(
        self: FakeDiscord, message: JSON, user: FakeMember | FakeUser
    ) -> tuple[FakeGuild | None, str]:
        """Where an interaction on `message` comes from; checks `user` can see the message."""
        plain_user = user.user if isinstance(user, FakeMember) else user
        channel_id = message["channel_id"]
        if message.get("flags", 0) & EPHEMERAL:
            owner = (message.get("interaction_metadata") or {}).get("user", {}).get("id")
            if owner != plain_user.id:
                raise ValueError(f"message {message['id']} is ephemeral: only its user sees it")
        guild, _ = self.locate_channel(channel_id)
        if guild is None:
            partner = self.dm_channels.get(channel_id)
            if partner is None or partner.id != plain_user.id:
                raise ValueError(f"message {message['id']} is not in {plain_user.username}'s "
                                 "server channels nor in their DM with the bot")
        return guild, channel_id

    async def _inject_interaction(
        self: FakeDiscord,
        interaction_type: int,
        data: JSON,
        user: FakeMember | FakeUser,
        guild: FakeGuild | None,
        channel_id: str,
        locale: str | None,
        permissions: int | None,
        app_permissions: int | None,
        *,
        message: JSON | None = None,
        age: float = 0.0,
    ) -> InteractionHandle:
        plain_user = user.user if isinstance(user, FakeMember) else user
        payload = build_interaction(
            self, interaction_type, data, user=user, guild=guild, channel_id=channel_id,
            locale=locale or plain_user.locale, permissions=permissions,
            app_permissions=app_permissions, token=secrets.token_hex(40), age=age,
        )
        if message is not None:
            payload["message"] = copy.deepcopy(message)
        state = InteractionState(
            payload["id"], payload["token"], interaction_type, channel_id,
            guild.id if guild else None, user=plain_user, created=self.now() - age,
            command_type=data.get("type") if interaction_type != COMPONENT else None,
            message_id=message["id"] if message is not None else None,
            target_id=data.get("target_id"),
        )
        self.interactions[state.id] = state
        self.interactions_by_token[state.token] = state
        start = self.recorder.next_index
        await self.gateway.dispatch("INTERACTION_CREATE", payload, guild.id if guild else None)
        return InteractionHandle(self, payload, start)
