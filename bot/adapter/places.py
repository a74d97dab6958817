"""Where a Discord request comes from: its space (which library it reads), the channel, a
thread's parent."""

from __future__ import annotations

from dataclasses import dataclass

import discord

from bot.adapter.checks import spent
from bot.app.language import from_locale
from bot.values import DIRECT, LOCAL, guild_space


@dataclass(frozen=True)
class Place:
    """A request's space (the server's library, or in direct messages the member's own), its
    channel (whose history and active article it uses) and, in a thread, the parent channel."""

    space: str
    channel: str
    parent: str | None = None
    guild_id: int | None = None

    @property
    def private(self) -> bool:
        """Whether this is a direct message (no admin commands there)."""
        return self.guild_id is None


def space_of(guild_id: int | None, user_id: int, dm_library: str) -> str:
    """The library a request reads: its server's, else (a direct message) the DMs' own,
    or the local one when the operator set ``DM_LIBRARY=local``.

    The only place that decides it: the local library is the command line's, with whatever
    the operator indexed there, and anyone who can send the bot a DM would read it.
    """
    if guild_id:
        return guild_space(guild_id)
    return LOCAL if dm_library == "local" else DIRECT


def place(
    channel: object, channel_id: int | None, guild_id: int | None, user_id: int,
    dm_library: str,
) -> Place:
    """The place of a channel: a thread keeps its own history and inherits its parent's
    article until it chooses one."""
    parent = channel.parent_id if isinstance(channel, discord.Thread) else None
    return Place(
        space=space_of(guild_id, user_id, dm_library),
        channel=str(channel_id),
        parent=str(parent) if parent else None,
        guild_id=guild_id,
    )


def of_interaction(interaction: discord.Interaction) -> Place:
    """Where a slash command, a button or a menu was used."""
    return place(interaction.channel, interaction.channel_id, interaction.guild_id,
                 interaction.user.id, interaction.client.settings.dm_library)


async def article_choices(
    interaction: discord.Interaction, current: str
) -> list[discord.app_commands.Choice[str]]:
    """Titles of this place's library that contain what was typed (at most 25), for the
    ``article`` options' autocomplete; none past the member's cooldown (an autocomplete
    cannot show a message)."""
    if spent(interaction):
        return []
    found = await interaction.client.service.titles(of_interaction(interaction).space, current)
    return [
        discord.app_commands.Choice(name=f"{info.title[:90]} (v{info.version})", value=str(info.id))
        for info in found
    ]


def of_message(message: discord.Message, dm_library: str) -> Place:
    """Where a message was posted (``dm_library``: the ``DM_LIBRARY`` setting)."""
    guild_id = message.guild.id if message.guild else None
    return place(message.channel, message.channel.id, guild_id, message.author.id, dm_library)

def locale_language(interaction: discord.Interaction) -> str | None:
    """``"fr"`` or ``"en"`` from the member's Discord language, if it is one of them: the
    ``member`` that ``bot.app.language.reply_language`` weighs."""
    return from_locale(interaction.locale)
