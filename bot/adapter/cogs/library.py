"""``/articles``, ``/use`` (with title autocomplete) and the admins' ``/reindex``."""

from __future__ import annotations

import discord
from discord import app_commands
from discord.ext import commands

from bot.adapter.checks import admin_only, in_guild, slow_down
from bot.adapter.client import KiosqueBot
from bot.adapter.places import article_choices, of_interaction
from bot.adapter.replies import Progress, refuse, within_deadline
from bot.app.language import Chosen, reply_language
from bot.errors import KiosqueError


class Library(commands.Cog):
    """The article library as people in a server see it."""

    def __init__(self, bot: KiosqueBot) -> None:
        self.bot = bot

    @app_commands.command(name="articles", description="The articles Kiosque knows")
    @app_commands.describe(page="Page of the list (20 articles a page, newest first)")
    async def articles(
        self, interaction: discord.Interaction, page: app_commands.Range[int, 1] = 1
    ) -> None:
        """List the server's library: title, version, date, id, one page at a time."""
        await within_deadline(interaction, self._listing(interaction, page), ephemeral=True)

    async def _listing(
        self, interaction: discord.Interaction, page: int
    ) -> tuple[list[str], discord.ui.View | None]:
        content, view = await self.bot.page(interaction, "articles", page)
        return [content], view

    @app_commands.command(name="search", description="The articles that speak most of something")
    @app_commands.describe(query="What to look for")
    async def search(self, interaction: discord.Interaction, query: str) -> None:
        """List this server's articles that speak most of ``query``, each with its best sentence."""
        slow_down(interaction)
        await within_deadline(interaction, self._search(interaction, query), ephemeral=True)

    async def _search(self, interaction: discord.Interaction, query: str) -> list[str]:
        kiosque = self.bot.service
        found = await kiosque.search(of_interaction(interaction).space, query)
        language = await self.bot.speaking(interaction)
        return kiosque.renderer.messages("search", language, found=found, query=query)

    @app_commands.command(name="use", description="Choose this channel's article")
    @app_commands.describe(article="Article id or title")
    @app_commands.guild_only()
    @app_commands.default_permissions(manage_channels=True)
    @in_guild()
    @app_commands.checks.has_permissions(manage_channels=True)
    async def use(self, interaction: discord.Interaction, article: str) -> None:
        """Make an article the channel's active one (Manage Channels)."""
        await within_deadline(interaction, self._use(interaction, article))

    async def _use(self, interaction: discord.Interaction, article: str) -> list[str]:
        kiosque = self.bot.service
        where = of_interaction(interaction)
        info = await kiosque.use(where.space, where.channel, article)
        chosen = Chosen(server=await self.bot.language(interaction.guild_id))
        language = reply_language(chosen, default=info.language)
        return [kiosque.renderer.line("using", language, title=info.title, id=info.id)]

    @use.autocomplete("article")
    async def use_autocomplete(
        self, interaction: discord.Interaction, current: str
    ) -> list[app_commands.Choice[str]]:
        """Titles of this server's library that contain what was typed (at most 25)."""
        return await article_choices(interaction, current)

    @app_commands.command(name="reindex", description="Add an article or a new version of one")
    @app_commands.describe(
        url="Page to download",
        file="Text, Markdown or HTML file",
        title="Title (default: the page's own)",
    )
    @app_commands.guild_only()
    @app_commands.default_permissions(manage_guild=True)
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
        where = of_interaction(interaction)
        chosen = Chosen(server=await self.bot.language(interaction.guild_id))
        language = reply_language(chosen)
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
        async with self.bot.busy(), self.bot.interruptible(interaction):
            try:
                info = await self._index(where.space, url, file, title, progress)
            except KiosqueError as error:
                await progress.settle()
                await refuse(interaction, kiosque.error_text(error, language))
                return
            await kiosque.indexed_in(where.space, where.channel, info)
            messages = kiosque.renderer.messages(
                "indexed",
                reply_language(
                    Chosen(server=await self.bot.language(interaction.guild_id)),
                    default=info.language,
                ),
                stored=info,
            )
            await progress.replace(messages)

    async def _index(
        self,
        space: str,
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
            try:
                data = await file.read()
            except discord.HTTPException as error:
                raise KiosqueError(
                    "source_error",
                    source=file.filename,
                    problem="fetch",
                    detail=f"HTTP {error.status}",
                ) from None
            return await kiosque.index_bytes(
                space,
                data,
                file.filename,
                content_type=file.content_type,
                title=title,
                progress=progress,
            )
        return await kiosque.index_url(space, url.strip(), title=title, progress=progress)


async def setup(bot: KiosqueBot) -> None:
    """Register the cog."""
    await bot.add_cog(Library(bot))
