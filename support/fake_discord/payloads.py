"""Builders for the JSON objects of Discord API v10, shaped the way discord.py 2.7 parses them."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from .models import (
    DM,
    GUILD_CATEGORY,
    FakeChannel,
    FakeGuild,
    FakeMember,
    FakeRole,
    FakeUser,
    snowflake,
)

JSON = dict[str, Any]


def now_iso() -> str:
    """Current time as Discord's ISO-8601 timestamp."""
    return datetime.now(UTC).isoformat()


def user_payload(user: FakeUser, *, me: bool = False) -> JSON:
    """A user object; `me=True` adds the private fields of GET /users/@me."""
    data: JSON = {
        "id": user.id,
        "username": user.username,
        "discriminator": "0",
        "global_name": user.global_name,
        "avatar": None,
        "bot": user.bot,
        "public_flags": 0,
    }
    if me:
        data.update(verified=True, mfa_enabled=False, flags=0, email=None, locale="fr")
    return data


def role_payload(role: FakeRole) -> JSON:
    """A role object."""
    data: JSON = {
        "id": role.id,
        "name": role.name,
        "color": 0,
        "hoist": False,
        "icon": None,
        "unicode_emoji": None,
        "position": role.position,
        "permissions": str(role.permissions),
        "managed": role.managed,
        "mentionable": False,
        "flags": 0,
    }
    if role.bot_id is not None:
        data["tags"] = {"bot_id": role.bot_id}
    return data


def member_payload(
    member: FakeMember, *, with_user: bool = True, permissions: int | None = None
) -> JSON:
    """A guild member object; `permissions` is only present in interactions."""
    data: JSON = {
        "roles": [role.id for role in member.roles],
        "nick": member.nick,
        "avatar": None,
        "joined_at": member.joined_at,
        "premium_since": None,
        "deaf": False,
        "mute": False,
        "flags": member.flags,
        "pending": False,
        "communication_disabled_until": None,
    }
    if with_user:
        data["user"] = user_payload(member.user)
    if permissions is not None:
        data["permissions"] = str(permissions)
    return data


def channel_payload(channel: FakeChannel, guild_id: str) -> JSON:
    """A guild channel or thread object."""
    data: JSON = {
        "id": channel.id,
        "type": channel.type,
        "guild_id": guild_id,
        "name": channel.name,
        "position": channel.position,
        "parent_id": channel.parent_id,
        "permission_overwrites": [
            {"id": o.id, "type": o.type, "allow": str(o.allow), "deny": str(o.deny)}
            for o in channel.overwrites
        ],
        "nsfw": False,
        "flags": 0,
    }
    if channel.type == GUILD_CATEGORY:
        return data
    data.update(topic=channel.topic, rate_limit_per_user=0, last_message_id=None)
    if channel.is_thread:
        data.update(
            owner_id=channel.owner_id,
            message_count=0,
            member_count=1,
            total_message_sent=0,
            thread_metadata={
                "archived": False,
                "auto_archive_duration": 1440,
                "archive_timestamp": now_iso(),
                "locked": False,
            },
        )
    return data


def dm_channel_payload(channel_id: str, recipient: FakeUser) -> JSON:
    """A DM channel object."""
    return {
        "id": channel_id,
        "type": DM,
        "last_message_id": None,
        "recipients": [user_payload(recipient)],
        "flags": 0,
    }


def guild_payload(guild: FakeGuild, members: list[FakeMember]) -> JSON:
    """The full GUILD_CREATE object; threads are listed apart from channels, as Discord does."""
    return {
        "id": guild.id,
        "name": guild.name,
        "icon": None,
        "splash": None,
        "discovery_splash": None,
        "banner": None,
        "description": None,
        "owner_id": guild.owner_id,
        "afk_channel_id": None,
        "afk_timeout": 300,
        "verification_level": 0,
        "default_message_notifications": 0,
        "explicit_content_filter": 0,
        "mfa_level": 0,
        "nsfw_level": 0,
        "premium_tier": 0,
        "premium_subscription_count": 0,
        "premium_progress_bar_enabled": False,
        "system_channel_id": guild.system_channel_id,
        "system_channel_flags": 0,
        "rules_channel_id": None,
        "public_updates_channel_id": None,
        "safety_alerts_channel_id": None,
        "vanity_url_code": None,
        "preferred_locale": guild.preferred_locale,
        "features": [],
        "application_id": None,
        "roles": [role_payload(role) for role in guild.roles],
        "emojis": [],
        "stickers": [],
        "joined_at": now_iso(),
        "large": False,
        "unavailable": False,
        "member_count": len(guild.members),
        "members": [member_payload(member) for member in members],
        "channels": [channel_payload(c, guild.id) for c in guild.channels if not c.is_thread],
        "threads": [channel_payload(c, guild.id) for c in guild.channels if c.is_thread],
        "voice_states": [],
        "presences": [],
        "stage_instances": [],
        "guild_scheduled_events": [],
        "soundboard_sounds": [],
    }


def app_info_payload(application_id: str, bot: FakeUser, owner: FakeUser, flags: int) -> JSON:
    """The application object of GET /oauth2/applications/@me."""
    return {
        "id": application_id,
        "name": bot.username,
        "icon": None,
        "description": "",
        "summary": "",
        "type": None,
        "bot_public": False,
        "bot_require_code_grant": False,
        "bot": user_payload(bot),
        "owner": user_payload(owner),
        "team": None,
        "verify_key": "0" * 64,
        "flags": flags,
        "redirect_uris": [],
        "interactions_endpoint_url": None,
        "approximate_guild_count": 1,
    }


def ready_payload(
    bot: FakeUser,
    application_id: str,
    application_flags: int,
    guilds: list[FakeGuild],
    session_id: str,
    resume_gateway_url: str,
    shard: list[int] | None,
) -> JSON:
    """The READY dispatch: guilds start unavailable and arrive later as GUILD_CREATE."""
    data: JSON = {
        "v": 10,
        "user": user_payload(bot, me=True),
        "guilds": [{"id": guild.id, "unavailable": True} for guild in guilds],
        "session_id": session_id,
        "session_type": "normal",
        "resume_gateway_url": resume_gateway_url,
        "application": {"id": application_id, "flags": application_flags},
        "private_channels": [],
        "relationships": [],
        "presences": [],
        "guild_join_requests": [],
        "geo_ordered_rtc_regions": ["rotterdam"],
        "user_settings": {},
        "_trace": ["fake-discord"],
    }
    if shard is not None:
        data["shard"] = shard
    return data


def message_payload(
    *,
    channel_id: str,
    author: FakeUser,
    content: str,
    guild_id: str | None = None,
    member: FakeMember | None = None,
    mentions: list[JSON] | None = None,
    message_id: str | None = None,
    flags: int = 0,
    message_type: int = 0,
    extra: JSON | None = None,
) -> JSON:
    """A message object; `extra` carries payload fields echoed back (embeds, components...)."""
    data: JSON = {
        "id": message_id or snowflake(),
        "channel_id": channel_id,
        "author": user_payload(author),
        "content": content,
        "timestamp": now_iso(),
        "edited_timestamp": None,
        "tts": False,
        "mention_everyone": False,
        "mentions": mentions or [],
        "mention_roles": [],
        "attachments": [],
        "embeds": [],
        "reactions": [],
        "components": [],
        "pinned": False,
        "type": message_type,
        "flags": flags,
    }
    if guild_id is not None:
        data["guild_id"] = guild_id
        if member is not None:
            data["member"] = member_payload(member, with_user=False)
    if extra:
        data.update(extra)
    return data


def command_payload(
    raw: JSON, application_id: str, guild_id: str | None, command_id: str | None = None
) -> JSON:
    """An application command as stored by Discord: the bot's payload plus server-side fields."""
    data: JSON = {
        "type": 1,
        "description": "",
        "options": [],
        "default_member_permissions": None,
        "nsfw": False,
    }
    data.update(raw)
    if data["default_member_permissions"] is not None:
        # discord.py sends an int; Discord stores and returns the bitfield as a string.
        data["default_member_permissions"] = str(data["default_member_permissions"])
    data.update(
        id=command_id or raw.get("id") or snowflake(),
        application_id=application_id,
        version=snowflake(),
    )
    if guild_id is not None:
        data["guild_id"] = guild_id
    return data
