"""Plain data describing the fake world: users, roles, channels, guilds, permissions."""

from __future__ import annotations

import itertools
import threading
import time
from dataclasses import dataclass, field

# Permission bits (https://discord.com/developers/docs/topics/permissions).
CREATE_INSTANT_INVITE = 1 << 0
KICK_MEMBERS = 1 << 1
BAN_MEMBERS = 1 << 2
ADMINISTRATOR = 1 << 3
MANAGE_CHANNELS = 1 << 4
MANAGE_GUILD = 1 << 5
ADD_REACTIONS = 1 << 6
VIEW_CHANNEL = 1 << 10
SEND_MESSAGES = 1 << 11
MANAGE_MESSAGES = 1 << 13
EMBED_LINKS = 1 << 14
ATTACH_FILES = 1 << 15
READ_MESSAGE_HISTORY = 1 << 16
MENTION_EVERYONE = 1 << 17
MANAGE_ROLES = 1 << 28
USE_APPLICATION_COMMANDS = 1 << 31
MANAGE_THREADS = 1 << 34
CREATE_PUBLIC_THREADS = 1 << 35
CREATE_PRIVATE_THREADS = 1 << 36
SEND_MESSAGES_IN_THREADS = 1 << 38
ALL_PERMISSIONS = (1 << 53) - 1

EVERYONE_PERMISSIONS = (
    VIEW_CHANNEL
    | SEND_MESSAGES
    | READ_MESSAGE_HISTORY
    | ADD_REACTIONS
    | EMBED_LINKS
    | ATTACH_FILES
    | USE_APPLICATION_COMMANDS
    | CREATE_PUBLIC_THREADS
    | CREATE_PRIVATE_THREADS
    | SEND_MESSAGES_IN_THREADS
)
BOT_PERMISSIONS = EVERYONE_PERMISSIONS

# Gateway intents that matter for what the fake delivers.
INTENT_GUILDS = 1 << 0
INTENT_GUILD_MEMBERS = 1 << 1
INTENT_GUILD_PRESENCES = 1 << 8
INTENT_GUILD_MESSAGES = 1 << 9
INTENT_DIRECT_MESSAGES = 1 << 12
INTENT_MESSAGE_CONTENT = 1 << 15
PRIVILEGED_INTENTS = INTENT_GUILD_MEMBERS | INTENT_GUILD_PRESENCES | INTENT_MESSAGE_CONTENT

# Channel types.
GUILD_TEXT = 0
DM = 1
GUILD_CATEGORY = 4
GUILD_ANNOUNCEMENT = 5
PUBLIC_THREAD = 11
PRIVATE_THREAD = 12
GUILD_FORUM = 15
THREAD_TYPES = (10, PUBLIC_THREAD, PRIVATE_THREAD)

# Message flags (https://discord.com/developers/docs/resources/message#message-object-message-flags).
SUPPRESS_EMBEDS = 1 << 2
HAS_THREAD = 1 << 5
EPHEMERAL = 1 << 6
LOADING = 1 << 7
SUPPRESS_NOTIFICATIONS = 1 << 12
IS_COMPONENTS_V2 = 1 << 15

DISCORD_EPOCH_MS = 1420070400000


class _SnowflakeFactory:
    """Time-based ids that stay unique and increasing even within one millisecond."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._seq = itertools.count()
        self._last = 0

    def __call__(self, shard: tuple[int, int] | None = None, at: float | None = None) -> str:
        if at is not None:
            # An id made at a given past moment (`time.time()` seconds), e.g. an interaction
            # created before it reached the bot: unique, but not after the latest id.
            with self._lock:
                return str((int(at * 1000) - DISCORD_EPOCH_MS) << 22 | next(self._seq) & 0xFFF)
        with self._lock:
            now = (int(time.time() * 1000) - DISCORD_EPOCH_MS) << 22
            value = max(now | (next(self._seq) & 0xFFF), self._last + 1)
            if shard is not None:
                # Move to the next millisecond that falls on the shard: Discord routes a
                # guild's events to shard (id >> 22) % count.
                shard_id, count = shard
                step = (shard_id - (value >> 22)) % count
                value = value + (step << 22) if step else value
            self._last = value
            return str(value)


snowflake = _SnowflakeFactory()
"""Return a new, unique, time-ordered snowflake id as a string; ``snowflake((1, 2))`` is one
whose guild would live on shard 1 of 2; ``snowflake(at=time.time() - 0.8)`` one made 0.8 s ago."""


def shard_of(guild_id: str | int, shard_count: int) -> int:
    """The shard that receives a guild's events: ``(guild_id >> 22) % shard_count``."""
    return (int(guild_id) >> 22) % shard_count


@dataclass
class FakeUser:
    """A Discord user (or bot account)."""

    username: str = "user"
    id: str = field(default_factory=snowflake)
    global_name: str | None = None
    bot: bool = False
    locale: str = "fr"

    @property
    def mention(self) -> str:
        """The `<@id>` mention string."""
        return f"<@{self.id}>"


@dataclass
class FakeRole:
    """A guild role; `permissions` is an int bitfield."""

    name: str
    permissions: int = 0
    id: str = field(default_factory=snowflake)
    position: int = 1
    managed: bool = False
    bot_id: str | None = None

    @property
    def mention(self) -> str:
        """The `<@&id>` mention string."""
        return f"<@&{self.id}>"


@dataclass
class FakeMember:
    """A user's membership in a guild; `permissions` overrides the role-computed value."""

    user: FakeUser
    roles: list[FakeRole] = field(default_factory=list)
    nick: str | None = None
    permissions: int | None = None
    flags: int = 0
    joined_at: str = "2024-01-01T00:00:00.000000+00:00"

    @property
    def id(self) -> str:
        """The member's user id."""
        return self.user.id

    @property
    def mention(self) -> str:
        """The `<@id>` mention string."""
        return self.user.mention


@dataclass
class FakeOverwrite:
    """A channel permission overwrite for a role (`type` 0) or a member (`type` 1)."""

    id: str
    type: int = 0
    allow: int = 0
    deny: int = 0


@dataclass
class FakeChannel:
    """A guild channel; threads use a thread `type` and a `parent_id` (and its overwrites)."""

    name: str
    type: int = GUILD_TEXT
    id: str = field(default_factory=snowflake)
    parent_id: str | None = None
    position: int = 0
    topic: str | None = None
    owner_id: str | None = None
    overwrites: list[FakeOverwrite] = field(default_factory=list)

    @property
    def is_thread(self) -> bool:
        """Whether this channel is a thread."""
        return self.type in THREAD_TYPES

    @property
    def mention(self) -> str:
        """The `<#id>` mention string."""
        return f"<#{self.id}>"


@dataclass
class FakeGuild:
    """A guild; an @everyone role whose id equals the guild id is always present."""

    name: str = "Kiosque Test"
    id: str = field(default_factory=snowflake)
    owner_id: str | None = None
    roles: list[FakeRole] = field(default_factory=list)
    channels: list[FakeChannel] = field(default_factory=list)
    members: list[FakeMember] = field(default_factory=list)
    preferred_locale: str = "fr"
    system_channel_id: str | None = None

    def __post_init__(self) -> None:
        if not any(role.id == self.id for role in self.roles):
            everyone = FakeRole("@everyone", EVERYONE_PERMISSIONS, id=self.id, position=0)
            self.roles.insert(0, everyone)

    @property
    def everyone(self) -> FakeRole:
        """The @everyone role."""
        return next(role for role in self.roles if role.id == self.id)

    def role(self, name_or_id: str) -> FakeRole:
        """Find a role by name or id."""
        for role in self.roles:
            if name_or_id in (role.id, role.name):
                return role
        raise KeyError(f"no role {name_or_id!r} in guild {self.name!r}")

    def channel(self, name_or_id: str) -> FakeChannel:
        """Find a channel or thread by name or id."""
        for channel in self.channels:
            if name_or_id in (channel.id, channel.name):
                return channel
        raise KeyError(f"no channel {name_or_id!r} in guild {self.name!r}")

    def member(self, name_or_id: str) -> FakeMember:
        """Find a member by username, nick or user id."""
        for member in self.members:
            if name_or_id in (member.id, member.user.username, member.nick):
                return member
        raise KeyError(f"no member {name_or_id!r} in guild {self.name!r}")

    def find_member(self, user_id: str) -> FakeMember | None:
        """Return the member with this user id, or None."""
        return next((m for m in self.members if m.id == user_id), None)

    def find_channel(self, channel_id: str) -> FakeChannel | None:
        """Return the channel or thread with this id, or None."""
        return next((c for c in self.channels if c.id == channel_id), None)

    def permissions_for(self, member: FakeMember) -> int:
        """Guild-level permissions of a member (no channel overwrites are modelled)."""
        if member.permissions is not None:
            return member.permissions
        if member.id == self.owner_id:
            return ALL_PERMISSIONS
        value = self.everyone.permissions
        for role in member.roles:
            value |= role.permissions
        return ALL_PERMISSIONS if value & ADMINISTRATOR else value

    def channel_permissions(self, member: FakeMember, channel: FakeChannel) -> int:
        """A member's permissions in a channel: Discord's overwrite order (@everyone, roles,
        member); a thread takes its parent's overwrites."""
        value = self.permissions_for(member)
        if value & ADMINISTRATOR or member.permissions is not None:
            return value
        source = channel
        if channel.is_thread and channel.parent_id:
            source = self.find_channel(channel.parent_id) or channel
        by_id = {o.id: o for o in source.overwrites}
        if everyone := by_id.get(self.id):
            value = (value & ~everyone.deny) | everyone.allow
        role_ids = {role.id for role in member.roles}
        roles = [o for o in source.overwrites if o.type == 0 and o.id in role_ids]
        deny = allow = 0
        for overwrite in roles:
            deny, allow = deny | overwrite.deny, allow | overwrite.allow
        value = (value & ~deny) | allow
        if (own := by_id.get(member.id)) and own.type == 1:
            value = (value & ~own.deny) | own.allow
        if not value & VIEW_CHANNEL:
            # Discord: a channel you cannot see grants nothing else.
            return 0
        return value


def default_guild(shard: tuple[int, int] | None = None) -> FakeGuild:
    """A small French newsroom guild: 3 roles, 2 text channels, 1 thread, 4 human members;
    ``shard=(id, count)`` gives it an id on that shard."""
    guild = FakeGuild(name="Kiosque Test", id=snowflake(shard))
    admin_role = FakeRole("Admins", ADMINISTRATOR, position=3)
    mod_role = FakeRole("Modérateurs", MANAGE_MESSAGES | MANAGE_CHANNELS, position=2)
    guild.roles += [admin_role, mod_role]
    general = FakeChannel("general", position=0, topic="Discussion générale")
    guild.channels += [
        general,
        FakeChannel("annonces", position=1),
        FakeChannel("discussion", type=PUBLIC_THREAD, parent_id=general.id),
    ]
    owner = FakeMember(FakeUser("owner", global_name="Propriétaire"))
    guild.members += [
        owner,
        FakeMember(FakeUser("admin"), roles=[admin_role]),
        FakeMember(FakeUser("moderator"), roles=[mod_role]),
        FakeMember(FakeUser("member", global_name="Lecteur")),
    ]
    guild.owner_id = owner.id
    guild.system_channel_id = general.id
    for channel in guild.channels:
        if channel.is_thread and channel.owner_id is None:
            channel.owner_id = owner.id
    return guild
