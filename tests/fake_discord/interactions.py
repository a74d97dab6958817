"""Construction of INTERACTION_CREATE payloads (slash commands and autocomplete)."""

from __future__ import annotations

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

SUB_COMMAND, SUB_COMMAND_GROUP = 1, 2
STRING, INTEGER, BOOLEAN, USER, CHANNEL, ROLE, MENTIONABLE, NUMBER, ATTACHMENT = range(3, 12)
# Discord's default upload limit for a guild without boosts (10 MiB).
ATTACHMENT_SIZE_LIMIT = 10 * 1024 * 1024
GUILD_CONTEXT, BOT_DM_CONTEXT = 0, 1


def find_command(
    fake: FakeDiscord, name: str, guild_id: str | None
) -> tuple[JSON | None, str | None]:
    """The registered chat-input command `name` visible in this guild, and its guild scope."""
    scopes = [guild_id, None] if guild_id is not None else [None]
    for scope in scopes:
        for command in fake.commands.get(scope, []):
            if command["name"] == name and command.get("type", 1) == 1:
                return command, scope
    return None, None


def build_interaction(
    fake: FakeDiscord,
    interaction_type: int,
    name: str,
    options: Mapping[str, Any] | Sequence[JSON] | None,
    *,
    focused: str | None,
    user: FakeMember | FakeUser,
    guild: FakeGuild | None,
    channel_id: str,
    locale: str,
    permissions: int | None,
    app_permissions: int | None,
    token: str,
) -> JSON:
    """A complete INTERACTION_CREATE payload as Discord sends it to a guild-installed bot."""
    path = name.split()
    command, command_guild = find_command(fake, path[0], guild.id if guild else None)
    schema: list[JSON] | None = command.get("options", []) if command else None
    nesting: list[tuple[int, str]] = []
    for depth, part in enumerate(path[1:]):
        declared = _declared(schema, part, path[0])
        kind = declared["type"] if declared else (
            SUB_COMMAND if depth == len(path) - 2 else SUB_COMMAND_GROUP)
        nesting.append((kind, part))
        schema = declared.get("options", []) if declared else None

    resolved: JSON = {}
    if isinstance(options, Mapping):
        built = [_option(key, value, _declared(schema, key, name), focused, resolved, guild, fake)
                 for key, value in options.items()]
    else:
        built = [dict(option) for option in options or []]
    for kind, part in reversed(nesting):
        built = [{"type": kind, "name": part, "options": built}]

    data: JSON = {"id": command["id"] if command else snowflake(), "name": path[0], "type": 1}
    if built:
        data["options"] = built
    if resolved:
        data["resolved"] = resolved
    if command_guild is not None:
        data["guild_id"] = command_guild

    payload: JSON = {
        "id": snowflake(),
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
    bot_perms = guild.permissions_for(fake.bot_member(guild))
    member_perms = guild.permissions_for(member) if permissions is None else permissions
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


def _declared(schema: list[JSON] | None, name: str, command: str) -> JSON | None:
    """The declared option `name`; an unknown name on a synced command is a test bug."""
    if schema is None:
        return None
    for option in schema:
        if option["name"] == name:
            return option
    known = ", ".join(o["name"] for o in schema) or "none"
    raise ValueError(f"/{command} has no option or subcommand {name!r} (known: {known})")


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
    if name == focused:
        # While typing, Discord sends the raw text of the focused option, whatever its type.
        return {"name": name, "type": kind, "value": str(value), "focused": True}
    if kind == ATTACHMENT:
        resolved.setdefault("attachments", {})[value["id"]] = {**value, "ephemeral": True}
        value = value["id"]
    elif isinstance(value, FakeUser | FakeMember):
        user = value.user if isinstance(value, FakeMember) else value
        resolved.setdefault("users", {})[user.id] = user_payload(user)
        member = guild.find_member(user.id) if guild else None
        if guild and member:
            perms = guild.permissions_for(member)
            resolved.setdefault("members", {})[user.id] = member_payload(
                member, with_user=False, permissions=perms)
        value = user.id
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
