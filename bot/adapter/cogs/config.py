"""``/config``: a server's own admin role, answer channels, language and how its feed articles
are announced (admins only)."""

from __future__ import annotations

from dataclasses import replace
from typing import Literal

import discord
from discord import app_commands
from discord.ext import commands

from bot.adapter.checks import admin_only
from bot.adapter.client import KiosqueBot
from bot.adapter.replies import respond
from bot.app.language import Chosen, reply_language
from bot.errors import KiosqueError


class Config(commands.Cog):
    """Per-server settings stored in the bot's database."""

    def __init__(self, bot: KiosqueBot) -> None:
        self.bot = bot

    @app_commands.command(name="config", description="This server's Kiosque settings")
    @app_commands.describe(
        admin_role="Role allowed to use admin commands (kept by id): Manage Server only",
        clear_admin_role="Forget the admin role: Manage Server only",
        answer_here="Answer every message in this channel (needs the message-content intent)",
        thread_answers="Answer a mention in a new thread named after the question",
        language="Language of the bot's words",
        feed_articles="A new feed article becomes its channel's article",
        link_previews="Show link previews under feed articles",
    )
    @app_commands.guild_only()
    @app_commands.default_permissions(manage_guild=True)
    @admin_only()
    async def config(
        self,
        interaction: discord.Interaction,
        admin_role: discord.Role | None = None,
        clear_admin_role: bool | None = None,
        answer_here: bool | None = None,
        thread_answers: bool | None = None,
        language: Literal["auto", "fr", "en"] | None = None,
        feed_articles: bool | None = None,
        link_previews: bool | None = None,
    ) -> None:
        """Change and show the server's settings (Manage Server or the admin role)."""
        if (admin_role is not None or clear_admin_role) and not _manages(interaction):
            # Whoever holds the admin role could otherwise hand it to a role anyone can take.
            raise KiosqueError("admin_role_manage_guild")
        service = self.bot.service
        current = await service.guild_config(interaction.guild_id)
        if admin_role is not None:
            if admin_role.is_default():  # @everyone would make every member an admin
                raise KiosqueError("everyone_role")
            current = replace(current, admin_role=admin_role.id)
        if clear_admin_role:
            current = replace(current, admin_role=None)
        if answer_here is not None:
            channels = set(current.answer_channels)
            channels = (
                (channels | {interaction.channel_id})
                if answer_here
                else (channels - {interaction.channel_id})
            )
            current = replace(current, answer_channels=tuple(sorted(channels)))
        if thread_answers is not None:
            current = replace(current, thread_answers=thread_answers)
        if language is not None:
            current = replace(current, language=None if language == "auto" else language)
        if feed_articles is not None:
            current = replace(current, feed_articles=feed_articles)
        if link_previews is not None:
            current = replace(current, link_previews=link_previews)
        await service.configure_guild(interaction.guild_id, current)
        shown = reply_language(Chosen(server=current.language))
        # Answer channels need the privileged intent, which only the bot's owner can enable
        # (developer portal): say so, and whether Discord granted it at this start.
        intent = self.bot.content_intent if current.answer_channels else None
        await respond(
            interaction,
            self.bot.service.renderer.messages("config", shown, config=current, intent=intent),
            ephemeral=True,
        )


def _manages(interaction: discord.Interaction) -> bool:
    """Whether the member has Manage Server (Administrator grants it), not only the admin
    role."""
    permissions = interaction.permissions
    return permissions.manage_guild or permissions.administrator


async def setup(bot: KiosqueBot) -> None:
    """Register the cog."""
    await bot.add_cog(Config(bot))
