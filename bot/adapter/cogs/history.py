"""``/history`` (ephemeral) and ``/forget`` (Manage Messages): a channel's past questions."""

from __future__ import annotations

import discord
from discord import app_commands
from discord.ext import commands

from bot.adapter.client import KiosqueBot
from bot.adapter.cogs.questions import channel_key
from bot.adapter.replies import respond


class History(commands.Cog):
    """The channel's conversation history."""

    def __init__(self, bot: KiosqueBot) -> None:
        self.bot = bot

    @app_commands.command(name="history", description="This channel's recent questions")
    @app_commands.describe(count="How many (default 10)")
    async def history(
        self, interaction: discord.Interaction, count: app_commands.Range[int, 1, 50] = 10
    ) -> None:
        """Show the channel's last questions, to the caller only."""
        kiosque = self.bot.service
        language = await self.bot.language(interaction.guild_id) or "fr"
        turns = await kiosque.history.recent(channel_key(interaction.channel_id), count)
        await respond(
            interaction, kiosque.renderer.messages("history", language, turns=turns), ephemeral=True
        )

    @app_commands.command(name="forget", description="Clear this channel's history")
    @app_commands.checks.has_permissions(manage_messages=True)
    async def forget(self, interaction: discord.Interaction) -> None:
        """Delete the channel's history (Manage Messages)."""
        kiosque = self.bot.service
        language = await self.bot.language(interaction.guild_id) or "fr"
        count = await kiosque.history.forget(channel_key(interaction.channel_id))
        await respond(interaction, [kiosque.renderer.line("forgotten", language, count=count)])


async def setup(bot: KiosqueBot) -> None:
    """Register the cog."""
    await bot.add_cog(History(bot))
