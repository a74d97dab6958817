"""Server-side permission checks and the cooldown of questions, searches and buttons, per member
and server."""

from __future__ import annotations

import time
from collections import OrderedDict

import discord
from discord import app_commands

from bot.adapter.replies import refuse

Asker = tuple[int | None, int]  # (server id or None for direct messages, user id)
MEMBERS = 50_000  # windows kept at most: about 25 MB, however many accounts flood the bot
VOTES_PER_QUESTION = 4  # a vote is one small write: four votes weigh one question


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
    """At most ``count`` requests per member and server in any ``seconds``-long window (a
    member's direct messages are a place of their own, ``guild_id`` None).

    Discord sends a server's events to one shard and direct messages to shard 0: each window
    is counted by the one process that runs that shard, however many processes share the bot.
    What it keeps is bounded: a window that expired is forgotten, and past ``members`` members
    those idle longest are (a flood of new accounts cannot grow it without end).
    """

    def __init__(self, count: int, seconds: float, members: int = MEMBERS) -> None:
        self.count = count
        self.seconds = seconds
        self.members = max(1, members)
        # Least recently asked first: the order in which members are forgotten.
        self._asked: OrderedDict[Asker, list[float]] = OrderedDict()
        self._told: dict[Asker, float] = {}

    def __len__(self) -> int:
        """How many members' windows are kept."""
        return len(self._asked)

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

    def waiting(self, guild_id: int | None, user_id: int, now: float | None = None) -> float:
        """The seconds a member must wait before the next request here (0: none); records
        nothing."""
        if self.count <= 0:
            return 0.0
        now = time.monotonic() if now is None else now
        asked = self._asked.get((guild_id, user_id))
        if not asked:
            return 0.0
        live = [t for t in asked if now - t < self.seconds]
        return self.seconds - (now - live[0]) if len(live) >= self.count else 0.0

    def hit(self, guild_id: int | None, user_id: int, now: float | None = None) -> float:
        """Record a request; return 0, or the seconds to wait when over the limit."""
        if self.count <= 0:
            return 0.0
        now = time.monotonic() if now is None else now
        asker = (guild_id, user_id)
        asked = self._asked.setdefault(asker, [])
        self._asked.move_to_end(asker)  # now the most recently asked
        while asked and now - asked[0] >= self.seconds:
            del asked[0]
        if len(asked) >= self.count:
            return self.seconds - (now - asked[0])
        asked.append(now)
        self._forget(now)
        return 0.0

    def _forget(self, now: float) -> None:
        # Members come least recently asked first: expired windows are dropped from the front
        # until a live one, and the members idle longest when too many are kept.
        while self._asked:
            asker, asked = next(iter(self._asked.items()))
            if len(self._asked) <= self.members and asked and now - asked[-1] < self.seconds:
                return
            del self._asked[asker]
            self._told.pop(asker, None)


def spent(interaction: discord.Interaction) -> bool:
    """Whether the member's cooldown is spent here; records nothing (an autocomplete, which
    fires at each key and cannot show a message, then offers no choices)."""
    return interaction.client.limiter.waiting(interaction.guild_id, interaction.user.id) > 0


def slow_down(interaction: discord.Interaction) -> None:
    """Count a request that does work (a question, a search, the message menu); raise
    ``Cooldown`` past the member's limit, which the commands' error handler says."""
    wait = interaction.client.limiter.hit(interaction.guild_id, interaction.user.id)
    if wait:
        raise Cooldown(wait)


async def cooled_down(interaction: discord.Interaction, votes: bool = False) -> bool:
    """For a button: count the press and, past the member's limit, refuse it with the
    cooldown line (a button's errors do not reach the commands' error handler). ``votes``:
    the lighter limit of the 👍 👎 buttons."""
    bot = interaction.client
    limiter = bot.vote_limiter if votes else bot.limiter
    wait = limiter.hit(interaction.guild_id, interaction.user.id)
    if not wait:
        return False
    language = await bot.speaking(interaction)
    await refuse(interaction, bot.service.renderer.line("cooldown", language,
                                                        seconds=int(wait) + 1))
    return True
