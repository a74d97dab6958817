"""Construction of INTERACTION_CREATE payloads: slash commands, autocomplete, context menus."""

from __future__ import annotations

import copy
import time
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from .models import (
    EVERYONE_PERMISSIONS,
    FakeChannel,
    FakeGuild,
    FakeMember,
    FakeRole,
    FakeUser,
    snowflake,
)
from .payloads import (
    channel_payload,
    dm_channel_payload,
    member_payload,
    role_payload,
    user_payload,
)

if TYPE_CHECKING:
    from .server import FakeDiscord

JSON = dict[str, Any]

CHAT_INPUT, USER_COMMAND, MESSAGE_COMMAND = 1, 2, 3
SUB_COMMAND, SUB_COMMAND_GROUP = 1, 2
STRING, INTEGER, BOOLEAN, USER, CHANNEL, ROLE, MENTIONABLE, NUMBER, ATTACHMENT = range(3, 12)
# Discord's default upload limit for a guild without boosts (10 MiB).
ATTACHMENT_SIZE_LIMIT = 10 * 1024 * 1024
GUILD_CONTEXT, BOT_DM_CONTEXT = 0, 1


def find_command(
    fake: FakeDiscord, name: str, guild_id: str | None, command_type: int = CHAT_INPUT
) -> tuple[JSON | None, str | None]:
    """The registered command `name` (or one of its localized names) of this type visible in
    this guild, and its guild scope."""
    scopes = [guild_id, None] if guild_id is not None else [None]
    for scope in scopes:
        for command in fake.commands.get(scope, []):
            if command.get("type", CHAT_INPUT) == command_type and _named(command, name):
                return command, scope
    return None, None


def command_data(
    fake: FakeDiscord,
    name: str,
    options: Mapping[str, Any] | Sequence[JSON] | None,
    *,
    focused: str | None,
    guild: FakeGuild | None,
) -> JSON:
    """`data` of a slash command or autocomplete interaction ("group sub" names nest)."""
    path = name.split()
    command, command_guild = find_command(fake, path[0], guild.id if guild else None)
    schema: list[JSON] | None = command.get("options", []) if command else None
    nesting: list[tuple[int, str]] = []
    for depth, part in enumerate(path[1:]):
        declared = _declared(schema, part, path[0])
        kind = declared["type"] if declared else (
            SUB_COMMAND if depth == len(path) - 2 else SUB_COMMAND_GROUP)
        nesting.append((kind, declared["name"] if declared else part))
        schema = declared.get("options", []) if declared else None

    resolved: JSON = {}
    if isinstance(options, Mapping):
        if focused is not None and focused not in options:
            raise ValueError(f"focused option {focused!r} is not among the options given")
        built = [_option(key, value, _declared(schema, key, name), focused, resolved, guild, fake)
                 for key, value in options.items()]
    else:
        built = [dict(option) for option in options or []]
    for kind, part in reversed(nesting):
        built = [{"type": kind, "name": part, "options": built}]

    data: JSON = {
        "id": command["id"] if command else snowflake(),
        "name": command["name"] if command else path[0],
        "type": CHAT_INPUT,
    }
    if built:
        data["options"] = built
    if resolved:
        data["resolved"] = resolved
    if command_guild is not None:
        data["guild_id"] = command_guild
    return data


def context_menu_data(
    fake: FakeDiscord,
    name: str,
    target: JSON | FakeUser | FakeMember,
    guild: FakeGuild | None,
) -> JSON:
    """`data` of a user (target is a user or member) or message (target is a stored message)
    context menu command, with the target in `resolved` as Discord sends it."""
    kind = MESSAGE_COMMAND if isinstance(target, dict) else USER_COMMAND
    command, command_guild = find_command(fake, name, guild.id if guild else None, kind)
    resolved: JSON = {}
    if isinstance(target, dict):
        target_id = target["id"]
        resolved["messages"] = {target_id: copy.deepcopy(target)}
    else:
        target_id = _resolve_user(target, guild, resolved)
    data: JSON = {
        "id": command["id"] if command else snowflake(),
        "name": command["name"] if command else name,
        "type": kind,
        "target_id": target_id,
        "resolved": resolved,
    }
    if command_guild is not None:
        data["guild_id"] = command_guild
    return data


def build_interaction(
    fake: FakeDiscord,
    interaction_type: int,
    data: JSON,
    *,
    user: FakeMember | FakeUser,
    guild: FakeGuild | None,
    channel_id: str,
    locale: str,
    permissions: int | None,
    app_permissions: int | None,
    token: str,
    age: float = 0.0,
) -> JSON:
    """A complete INTERACTION_CREATE payload as Discord sends it to a guild-installed bot;
    its id (its creation time) ``age`` seconds old."""
    payload: JSON = {
        "id": snowflake(at=time.time() - age) if age else snowflake(),
        "application_id": fake.application_id,
        "type": interaction_type,
        "data": data,
        "token": token,
        "version": 1,
        "locale": locale,
        "entitlements": [],
        "entitlement_sku_ids": [],
        "authorizing_integration_owners": {"0": guild.id if guild else "0"},
        "attachment_size_limit": ATTACHMENT_SIZE_LIMIT,
        "channel_id": channel_id,
    }
    plain_user = user.user if isinstance(user, FakeMember) else user
    if guild is None:
        payload.update(
            context=BOT_DM_CONTEXT,
            user=user_payload(plain_user),
            channel=dm_channel_payload(channel_id, plain_user),
            app_permissions=str(
                EVERYONE_PERMISSIONS if app_permissions is None else app_permissions
            ),
        )
        return payload
    member = user if isinstance(user, FakeMember) else guild.find_member(plain_user.id)
    if member is None:
        raise ValueError(f"{plain_user.username} is not a member of guild {guild.name!r}")
    channel = guild.find_channel(channel_id)
    assert channel is not None
    bot_perms = guild.channel_permissions(fake.bot_member(guild), channel)
    member_perms = (guild.channel_permissions(member, channel) if permissions is None
                    else permissions)
    channel_data = channel_payload(channel, guild.id)
    channel_data["permissions"] = str(member_perms)
    payload.update(
        context=GUILD_CONTEXT,
        guild_id=guild.id,
        guild={"id": guild.id, "locale": guild.preferred_locale, "features": []},
        guild_locale=guild.preferred_locale,
        member=member_payload(member, permissions=member_perms),
        channel=channel_data,
        app_permissions=str(bot_perms if app_permissions is None else app_permissions),
    )
    return payload


def _named(item: JSON, name: str) -> bool:
    """Whether `name` is the item's name or one of its localized names."""
    return name == item.get("name") or name in (item.get("name_localizations") or {}).values()


def _declared(schema: list[JSON] | None, name: str, command: str) -> JSON | None:
    """The declared option `name`; an unknown name on a synced command is a test bug."""
    if schema is None:
        return None
    for option in schema:
        if _named(option, name):
            return option
    known = ", ".join(o["name"] for o in schema) or "none"
    raise ValueError(f"/{command} has no option or subcommand {name!r} (known: {known})")


def _resolve_user(
    value: FakeUser | FakeMember, guild: FakeGuild | None, resolved: JSON
) -> str:
    """Put a user (and their member object, in a guild) in `resolved`; returns the user id."""
    user = value.user if isinstance(value, FakeMember) else value
    resolved.setdefault("users", {})[user.id] = user_payload(user)
    member = guild.find_member(user.id) if guild else None
    if guild and member:
        perms = guild.permissions_for(member)
        resolved.setdefault("members", {})[user.id] = member_payload(
            member, with_user=False, permissions=perms)
    return user.id


def _infer_type(value: Any) -> int:
    if isinstance(value, bool):
        return BOOLEAN
    if isinstance(value, int):
        return INTEGER
    if isinstance(value, float):
        return NUMBER
    if isinstance(value, FakeUser | FakeMember):
        return USER
    if isinstance(value, FakeChannel):
        return CHANNEL
    if isinstance(value, FakeRole):
        return ROLE
    if isinstance(value, dict) and {"id", "filename", "url"} <= value.keys():
        return ATTACHMENT
    return STRING


def _option(
    name: str,
    value: Any,
    declared: JSON | None,
    focused: str | None,
    resolved: JSON,
    guild: FakeGuild | None,
    fake: FakeDiscord,
) -> JSON:
    """One option of `data.options`, filling `resolved` for attachments, users, roles, channels."""
    kind = declared["type"] if declared else _infer_type(value)
    focused_here, name = name == focused, declared["name"] if declared else name
    if focused_here:
        if declared is not None and not declared.get("autocomplete"):
            raise ValueError(f"option {name!r} was not synced with autocomplete: Discord "
                             "sends no autocomplete interaction for it")
        # While typing, Discord sends the raw text of the focused option, whatever its type.
        return {"name": name, "type": kind, "value": str(value), "focused": True}
    if kind == ATTACHMENT:
        resolved.setdefault("attachments", {})[value["id"]] = {**value, "ephemeral": True}
        value = value["id"]
    elif isinstance(value, FakeUser | FakeMember):
        value = _resolve_user(value, guild, resolved)
    elif isinstance(value, FakeRole):
        resolved.setdefault("roles", {})[value.id] = role_payload(value)
        value = value.id
    elif isinstance(value, FakeChannel):
        if guild is None:
            raise ValueError("channel options need a guild interaction")
        channel_data = channel_payload(value, guild.id)
        channel_data["permissions"] = str(guild.permissions_for(fake.bot_member(guild)))
        resolved.setdefault("channels", {})[value.id] = channel_data
        value = value.id
    elif kind == INTEGER:
        value = int(value)
    elif kind == NUMBER:
        value = float(value)
    elif kind == BOOLEAN:
        value = bool(value)
    elif kind == STRING:
        value = str(value)
    return {"name": name, "type": kind, "value": value}
