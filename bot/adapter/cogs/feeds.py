"""``/feed add|list|remove|pause|resume``: the news feeds a server follows (admins only)."""

from __future__ import annotations

import discord
from discord import app_commands
from discord.ext import commands

from bot.adapter.checks import admin_only
from bot.adapter.client import KiosqueBot
from bot.adapter.places import of_interaction
from bot.adapter.replies import respond

Postable = discord.TextChannel | discord.ForumChannel


@app_commands.guild_only()
@app_commands.default_permissions(manage_guild=True)
class Feeds(
    commands.GroupCog, group_name="feed", group_description="News feeds this server follows"
):
    """Feeds (RSS, Atom) whose new articles are indexed and announced in a channel."""

    def __init__(self, bot: KiosqueBot) -> None:
        self.bot = bot
        super().__init__()

    @app_commands.command(name="add", description="Follow a news feed (RSS or Atom)")
    @app_commands.describe(url="The feed's address",
                           channel="Where its new articles are posted (default: here)")
    @admin_only()
    async def add(
        self, interaction: discord.Interaction, url: str, channel: Postable | None = None
    ) -> None:
        """Follow a feed: its new articles are indexed and announced in ``channel``."""
        where = of_interaction(interaction)
        target = channel.id if channel is not None else interaction.channel_id
        feed = await self.bot.service.add_feed(where.space, url, target)
        await self._say(interaction, "feed_added", url=feed.url, id=feed.id)

    @app_commands.command(name="list", description="The feeds this server follows")
    @admin_only()
    async def listing(self, interaction: discord.Interaction) -> None:
        """The server's feeds, their channel, and why any is paused."""
        service = self.bot.service
        language = await self.bot.speaking(interaction)
        space = of_interaction(interaction).space

        def reason(feed: object) -> str | None:
            error = feed.pause_reason or feed.last_error
            return service.error_text(error, language) if error else None

        feeds = [(f, reason(f)) for f in await service.list_feeds(space)]
        text = service.renderer.message("feeds", language, feeds=feeds, space=space,
                                        discord=True)
        await respond(interaction, [text], ephemeral=True)

    @app_commands.command(name="remove", description="Stop following a feed")
    @app_commands.describe(feed="The feed (id or address)")
    @admin_only()
    async def remove(self, interaction: discord.Interaction, feed: str) -> None:
        """Stop following a feed; the articles it brought stay."""
        removed = await self.bot.service.remove_feed(of_interaction(interaction).space, feed)
        await self._say(interaction, "feed_removed", url=removed.url)

    @app_commands.command(name="pause", description="Stop polling a feed for now")
    @app_commands.describe(feed="The feed (id or address)")
    @admin_only()
    async def pause(self, interaction: discord.Interaction, feed: str) -> None:
        """Pause a feed until it is resumed."""
        paused = await self.bot.service.pause_feed(of_interaction(interaction).space, feed)
        await self._say(interaction, "feed_paused", url=paused.url)

    @app_commands.command(name="resume", description="Poll a paused feed again")
    @app_commands.describe(feed="The feed (id or address)")
    @admin_only()
    async def resume(self, interaction: discord.Interaction, feed: str) -> None:
        """Resume a feed (paused by an admin, by its failures or by its channel)."""
        resumed = await self.bot.service.resume_feed(of_interaction(interaction).space, feed)
        await self._say(interaction, "feed_resumed", url=resumed.url)

    @remove.autocomplete("feed")
    @pause.autocomplete("feed")
    @resume.autocomplete("feed")
    async def feed_autocomplete(
        self, interaction: discord.Interaction, current: str
    ) -> list[app_commands.Choice[str]]:
        """The server's feeds whose title or address holds what was typed (at most 25)."""
        typed = current.casefold()
        feeds = await self.bot.service.list_feeds(of_interaction(interaction).space)
        return [
            app_commands.Choice(name=_label(f), value=str(f.id))
            for f in feeds
            if typed in (f.title or "").casefold() or typed in f.url.casefold()
            or typed == str(f.id)
        ][:25]

    async def _say(self, interaction: discord.Interaction, line: str, **values: object) -> None:
        language = await self.bot.speaking(interaction)
        text = self.bot.service.renderer.line(line, language, **values)
        await respond(interaction, [text], ephemeral=True)


def _label(feed: object) -> str:
    """A feed as autocomplete shows it (Discord: 1 to 100 characters)."""
    label = f"{feed.id} · {feed.title or feed.url}" + (" (pause)" if feed.paused else "")
    return label if len(label) <= 100 else label[:99] + "…"


async def setup(bot: KiosqueBot) -> None:
    """Register the cog."""
    await bot.add_cog(Feeds(bot))
