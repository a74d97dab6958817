"""Where a Discord request comes from: the server's space, the channel, a thread's parent."""

from __future__ import annotations

from dataclasses import dataclass

import discord

from bot.values import LOCAL, guild_space


@dataclass(frozen=True)
class Place:
    """A request's space (the server's library, or the local one in direct messages), its
    channel (whose history and active article it uses) and, in a thread, the parent channel."""

    space: str
    channel: str
    parent: str | None = None
    guild_id: int | None = None

    @property
    def private(self) -> bool:
        """Whether this is a direct message (the local library, read only)."""
        return self.guild_id is None


def place(channel: object, channel_id: int | None, guild_id: int | None) -> Place:
    """The place of a channel: a thread keeps its own history and inherits its parent's
    article until it chooses one."""
    parent = channel.parent_id if isinstance(channel, discord.Thread) else None
    return Place(
        space=guild_space(guild_id) if guild_id else LOCAL,
        channel=str(channel_id),
        parent=str(parent) if parent else None,
        guild_id=guild_id,
    )


def of_interaction(interaction: discord.Interaction) -> Place:
    """Where a slash command was used."""
    return place(interaction.channel, interaction.channel_id, interaction.guild_id)


async def article_choices(
    interaction: discord.Interaction, current: str
) -> list[discord.app_commands.Choice[str]]:
    """Titles of this server's library that contain what was typed (at most 25), for the
    ``article`` options' autocomplete."""
    found = await interaction.client.service.titles(of_interaction(interaction).space, current)
    return [
        discord.app_commands.Choice(name=f"{info.title[:90]} (v{info.version})", value=str(info.id))
        for info in found
    ]


def of_message(message: discord.Message) -> Place:
    """Where a message was posted."""
    return place(message.channel, message.channel.id, message.guild.id if message.guild else None)
