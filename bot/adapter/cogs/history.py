"""``/history`` (only the caller sees it) and ``/forget`` (Manage Messages, or one's own DM)."""

from __future__ import annotations

import discord
from discord import app_commands
from discord.ext import commands

from bot.adapter.client import KiosqueBot
from bot.adapter.places import of_interaction
from bot.adapter.replies import respond, within_deadline
from bot.app.language import Chosen, reply_language


def own_dm_or_manage_messages() -> app_commands.check:
    """In a server, Manage Messages; in a direct message, the history is the caller's own."""

    async def predicate(interaction: discord.Interaction) -> bool:
        if interaction.guild_id is None:
            return True
        if not interaction.permissions.manage_messages:
            raise app_commands.MissingPermissions(["manage_messages"])
        return True

    return app_commands.check(predicate)


class History(commands.Cog):
    """The channel's conversation history."""

    def __init__(self, bot: KiosqueBot) -> None:
        self.bot = bot

    @app_commands.command(name="history", description="This channel's recent questions")
    @app_commands.describe(page="Page of the list (10 questions a page, newest first)")
    async def history(
        self, interaction: discord.Interaction, page: app_commands.Range[int, 1] = 1
    ) -> None:
        """Show the channel's questions, to the caller only, a page at a time."""
        await within_deadline(interaction, self._page(interaction, page), ephemeral=True)

    async def _page(
        self, interaction: discord.Interaction, page: int
    ) -> tuple[list[str], discord.ui.View | None]:
        content, view = await self.bot.page(interaction, "history", page)
        return [content], view

    @app_commands.command(name="forget", description="Clear this channel's history")
    @app_commands.default_permissions(manage_messages=True)
    @own_dm_or_manage_messages()
    async def forget(self, interaction: discord.Interaction) -> None:
        """Delete the channel's history (Manage Messages; anyone in their own DM)."""
        kiosque = self.bot.service
        language = reply_language(Chosen(server=await self.bot.language(interaction.guild_id)))
        count = await kiosque.forget(of_interaction(interaction).channel)
        await respond(interaction, [kiosque.renderer.line("forgotten", language, count=count)])


async def setup(bot: KiosqueBot) -> None:
    """Register the cog."""
    await bot.add_cog(History(bot))
