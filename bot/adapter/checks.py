"""Server-side permission checks and the question cooldown, per member and server."""

from __future__ import annotations

import time
from collections import defaultdict, deque

import discord
from discord import app_commands

Asker = tuple[int | None, int]  # (server id or None for direct messages, user id)


class NotAdmin(app_commands.CheckFailure):
    """The member has neither Manage Server nor the configured admin role."""


class DirectMessage(app_commands.CheckFailure):
    """An admin command used outside a server."""


class Cooldown(app_commands.CheckFailure):
    """Too many questions from one user; ``retry_after`` in seconds."""

    def __init__(self, retry_after: float) -> None:
        super().__init__(f"retry after {retry_after:.0f}s")
        self.retry_after = retry_after


def in_guild() -> app_commands.check:
    """Refuse the command in direct messages."""

    async def predicate(interaction: discord.Interaction) -> bool:
        if interaction.guild_id is None:
            raise DirectMessage()
        return True

    return app_commands.check(predicate)


def is_admin(
    member: discord.abc.User | None, permissions: discord.Permissions, role: int | None
) -> bool:
    """Manage Server (or Administrator), or the configured admin role, by id.

    A role with the same name is not the admin role: anyone allowed to create roles could
    make one. The server's default role (@everyone, whose id is the server's) never is.
    """
    if permissions.manage_guild or permissions.administrator:
        return True
    roles = getattr(member, "roles", ())
    guild = getattr(member, "guild", None)
    if not role or (guild is not None and role == guild.id):
        return False
    return any(r.id == role for r in roles)


def admin_only() -> app_commands.check:
    """Admin commands: checked against the member's permissions when the command runs."""

    async def predicate(interaction: discord.Interaction) -> bool:
        if interaction.guild_id is None:
            raise DirectMessage()
        role = await interaction.client.admin_role(interaction.guild_id)
        if not is_admin(interaction.user, interaction.permissions, role):
            raise NotAdmin()
        return True

    return app_commands.check(predicate)


class RateLimiter:
    """At most ``count`` questions per member and server in any ``seconds``-long window (a
    member's direct messages are a place of their own, ``guild_id`` None).

    Discord sends a server's events to one shard and direct messages to shard 0: each window
    is counted by the one process that runs that shard, however many processes share the bot.
    """

    def __init__(self, count: int, seconds: float) -> None:
        self.count = count
        self.seconds = seconds
        self._asked: dict[Asker, deque[float]] = defaultdict(deque)
        self._told: dict[Asker, float] = {}

    def tell(self, guild_id: int | None, user_id: int, now: float | None = None) -> bool:
        """Whether a refused member should be told to slow down: once per window, not at every
        message (15 mentions in a row get one notice, not ten)."""
        now = time.monotonic() if now is None else now
        asker = (guild_id, user_id)
        asked = self._asked.get(asker)
        window = asked[0] if asked else now
        if self._told.get(asker) == window:
            return False
        self._told[asker] = window
        return True

    def hit(self, guild_id: int | None, user_id: int, now: float | None = None) -> float:
        """Record a question; return 0, or the seconds to wait when over the limit."""
        if self.count <= 0:
            return 0.0
        now = time.monotonic() if now is None else now
        asked = self._asked[(guild_id, user_id)]
        while asked and now - asked[0] >= self.seconds:
            asked.popleft()
        if len(asked) >= self.count:
            return self.seconds - (now - asked[0])
        asked.append(now)
        return 0.0
