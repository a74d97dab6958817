"""``/articles``, ``/use`` (with title autocomplete) and the admins' ``/reindex``."""

from __future__ import annotations

import logging

import discord
from discord import app_commands
from discord.ext import commands

from bot.adapter.checks import admin_only, in_guild
from bot.adapter.client import KiosqueBot
from bot.adapter.cogs.questions import channel_key
from bot.adapter.replies import NO_MENTIONS, Progress, respond
from bot.errors import KiosqueError

log = logging.getLogger("kiosque.discord")


class Library(commands.Cog):
    """The article library as people in a server see it."""

    def __init__(self, bot: KiosqueBot) -> None:
        self.bot = bot

    @app_commands.command(name="articles", description="The articles Kiosque knows")
    async def articles(self, interaction: discord.Interaction) -> None:
        """List the library: title, version, date, id."""
        kiosque = self.bot.service
        language = await self.bot.language(interaction.guild_id) or "fr"
        listed = await kiosque.library.articles()
        active = await kiosque.history.active(channel_key(interaction.channel_id))
        await respond(
            interaction,
            kiosque.renderer.messages("articles", language, articles=listed, active=active),
        )

    @app_commands.command(name="use", description="Choose this channel's article")
    @app_commands.describe(article="Article id or title")
    @in_guild()
    @app_commands.checks.has_permissions(manage_channels=True)
    async def use(self, interaction: discord.Interaction, article: str) -> None:
        """Make an article the channel's active one (Manage Channels)."""
        kiosque = self.bot.service
        info = await kiosque.use(channel_key(interaction.channel_id), article)
        language = await self.bot.language(interaction.guild_id) or info.language
        await respond(
            interaction, [kiosque.renderer.line("using", language, title=info.title, id=info.id)]
        )

    @use.autocomplete("article")
    async def use_autocomplete(
        self, interaction: discord.Interaction, current: str
    ) -> list[app_commands.Choice[str]]:
        """Titles that contain what was typed so far (at most 25, as Discord allows)."""
        listed = await self.bot.service.library.articles()
        typed = current.casefold().strip()
        return [
            app_commands.Choice(name=f"{info.title[:90]} (v{info.version})", value=str(info.id))
            for info in listed
            if not typed or typed in info.title.casefold() or typed == str(info.id)
        ][:25]

    @app_commands.command(name="reindex", description="Add an article or a new version of one")
    @app_commands.describe(
        url="Page to download",
        file="Text, Markdown or HTML file",
        title="Title (default: the page's own)",
    )
    @admin_only()
    async def reindex(
        self,
        interaction: discord.Interaction,
        url: str | None = None,
        file: discord.Attachment | None = None,
        title: str | None = None,
    ) -> None:
        """Index a URL or an attachment (Manage Server or the admin role)."""
        kiosque = self.bot.service
        language = await self.bot.language(interaction.guild_id) or "fr"
        if not url and not file:
            raise KiosqueError("nothing_to_index")
        # Discord wants an answer within 3 seconds; downloading and indexing may take longer.
        await interaction.response.defer(thinking=True)
        source = file.filename if file is not None else (url or "").strip()
        progress = Progress(
            interaction,
            lambda done, total: kiosque.renderer.line(
                "embedding", language, source=source, done=done, total=total
            ),
        )
        async with self.bot.busy():
            try:
                info = await self._index(url, file, title, progress)
            except KiosqueError as error:
                await progress.settle()
                await _replace_with_error(interaction, kiosque.error_text(error, language))
                return
            channel = channel_key(interaction.channel_id)
            if info.version == 1 or await kiosque.history.active(channel) is None:
                await kiosque.history.use(channel, info.id)
            messages = kiosque.renderer.messages(
                "indexed",
                await self.bot.language(interaction.guild_id) or info.language,
                stored=info,
            )
            await progress.replace(messages)

    async def _index(
        self,
        url: str | None,
        file: discord.Attachment | None,
        title: str | None,
        progress: Progress,
    ) -> object:
        kiosque = self.bot.service
        if file is not None:
            limit = kiosque.settings.max_source_bytes
            if file.size > limit:
                raise KiosqueError(
                    "source_error", source=file.filename, problem="too_large", limit=limit
                )
            data = await file.read()
            return await kiosque.index_bytes(
                data, file.filename, content_type=file.content_type, title=title, progress=progress
            )
        return await kiosque.index_url(url.strip(), title=title, progress=progress)


async def _replace_with_error(interaction: discord.Interaction, text: str) -> None:
    # The deferred "thinking…" message is public; the error should only reach the admin.
    try:
        await interaction.delete_original_response()
    except discord.HTTPException:
        log.debug("no deferred response to delete")
    await interaction.followup.send(text, ephemeral=True, allowed_mentions=NO_MENTIONS)


async def setup(bot: KiosqueBot) -> None:
    """Register the cog."""
    await bot.add_cog(Library(bot))
