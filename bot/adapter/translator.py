"""Command names and descriptions in the member's language (``prompts/<lang>/commands.json``)."""

from __future__ import annotations

import discord
from discord import app_commands

from bot.app.render import Renderer


class Translator(app_commands.Translator):
    """French names and descriptions for every command, option and choice (English is the
    default Discord shows everyone else)."""

    def __init__(self, renderer: Renderer) -> None:
        self.renderer = renderer

    async def translate(
        self,
        string: app_commands.locale_str,
        locale: discord.Locale,
        context: app_commands.TranslationContext,
    ) -> str | None:
        """The French text of ``string`` for the French locale, else nothing."""
        if locale is not discord.Locale.french:
            return None
        return self.renderer.strings("fr").get(string.message)
