"""The bot's news loop: every ``FEED_POLL_SECONDS`` it polls the feeds that are due (any
process may: the engine's leases let one poll a feed at a time) and posts the new articles of
the servers this process runs, each once, in its feed's channel (a post of its own in a forum).

An article is marked announced only after Discord took its message: a restart does not post
it again, and a failure is tried again at the next round. A channel that is gone or closed to
the bot pauses its feed, with one notice to the server's admins (its system channel).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import TYPE_CHECKING

import discord

from bot.adapter.replies import NO_MENTIONS
from bot.adapter.views import news_view
from bot.app.language import Chosen, reply_language
from bot.app.render import Raw, clip, visible
from bot.errors import KiosqueError
from bot.values import News, guild_space

if TYPE_CHECKING:
    from bot.adapter.client import KiosqueBot

log = logging.getLogger("kiosque.feeds")

THREAD_NAME = 100  # Discord's longest channel (post) name
LINK = 500  # a longer item link is left out of the message rather than cut


class NotPostable(Exception):
    """The feed's channel takes no messages (a voice channel, a category)."""


class Announcer:
    """Polls the due feeds and announces their new articles, in a task of the bot's own."""

    def __init__(self, bot: KiosqueBot) -> None:
        self.bot = bot
        self._task: asyncio.Task | None = None

    def start(self) -> None:
        """Start the loop (once the bot is ready, its first round)."""
        if self._task is None:
            self._task = asyncio.create_task(self._run(), name="kiosque-feeds")

    async def stop(self) -> None:
        """Stop the loop; a round in progress is cancelled (what it did not mark announced
        is posted at the next start)."""
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    async def _run(self) -> None:
        await self.bot.wait_until_ready()
        while True:
            try:
                await self.round()
            except asyncio.CancelledError:
                raise
            except Exception:  # the database away a moment, a bug: the next round tries again
                log.exception("feed round failed")
            await asyncio.sleep(self.bot.settings.feed_poll_seconds)

    async def round(self) -> None:
        """Poll the due feeds, then post what they brought (and what earlier rounds could not
        post, even when this round's polling failed)."""
        try:
            await self.bot.service.poll_due_feeds()
        finally:
            await self.announce()

    async def announce(self) -> int:
        """Post the new articles of this process's servers; how many were posted."""
        guilds = {guild_space(guild.id): guild for guild in self.bot.guilds}
        stopped: set[int] = set()
        posted = 0
        for news in await self.bot.service.feed_news(set(guilds)):
            guild = guilds.get(news.space)
            if guild is None or news.feed_id in stopped:
                continue
            try:
                posted += await self.post(guild, news)
            except (discord.NotFound, discord.Forbidden, NotPostable) as error:
                stopped.add(news.feed_id)
                await self._stop(guild, news, error)
            except discord.HTTPException as error:  # Discord's hiccup: tried at the next round
                log.warning("feed %d: article %d not posted (%s)", news.feed_id,
                            news.article_id, error)
        return posted

    async def post(self, guild: discord.Guild, news: News) -> bool:
        """Post one new article in its feed's channel (a post of its own in a forum);
        ``False`` when the feed has no channel (it is only indexed)."""
        service = self.bot.service
        if news.channel is None:
            await service.feed_announced(news)
            return False
        channel = guild.get_channel_or_thread(news.channel) or await self._fetch(news.channel)
        if getattr(getattr(channel, "guild", None), "id", None) != guild.id:
            # A channel id given on the command line may name another server's channel.
            raise NotPostable(f"channel {news.channel} is not in server {guild.id}")
        config = await service.guild_config(guild.id)
        language = reply_language(Chosen(server=config.language), default=news.language)
        link = Raw(news.link) if news.link and _plain_link(news.link) else None
        options = {
            "view": news_view(self.bot, news.article_id, language),
            "allowed_mentions": NO_MENTIONS,
            "suppress_embeds": not config.link_previews,
        }
        if isinstance(channel, discord.ForumChannel):
            text = service.renderer.message("feed_article", language, news=news, forum=True,
                                            link=link)
            name = clip(" ".join(visible(news.title).split()), THREAD_NAME - 1)
            created = await channel.create_thread(
                name=name or f"Article {news.article_id}", content=text, **options
            )
            await service.feed_announced(news, str(created.thread.id))
            return True
        if not isinstance(channel, discord.TextChannel | discord.Thread):
            # A voice channel or a category: Discord would refuse the message.
            raise NotPostable(f"channel {channel.id} is not a text channel")
        text = service.renderer.message("feed_article", language, news=news, forum=False,
                                        link=link)
        await channel.send(text, **options)
        await service.feed_announced(news, str(channel.id) if config.feed_articles else None)
        return True

    async def _fetch(self, channel_id: int) -> discord.abc.GuildChannel | discord.Thread:
        """A channel the cache does not hold (raises ``NotFound`` when it is gone)."""
        return await self.bot.fetch_channel(channel_id)

    async def _stop(self, guild: discord.Guild, news: News, error: Exception) -> None:
        """Pause the feed for good reason, and tell the admins once."""
        code = "feed_channel_gone" if isinstance(error, discord.NotFound) else (
            "feed_channel_forbidden")
        reason = KiosqueError(code, channel=news.channel)
        log.warning("feed %d paused: %s (%s)", news.feed_id, code, error)
        if not await self.bot.service.stop_announcing(news.feed_id, reason):
            return  # another process paused it and told the admins
        config = await self.bot.service.guild_config(guild.id)
        language = reply_language(Chosen(server=config.language))
        renderer = self.bot.service.renderer
        text = renderer.line("feed_stopped", language, url=news.feed_url,
                             reason=Raw(renderer.error(reason, language)))
        channel = guild.system_channel
        if channel is None or not channel.permissions_for(guild.me).send_messages:
            log.warning("feed %d: no system channel to tell the admins in", news.feed_id)
            return
        try:
            await channel.send(text, allowed_mentions=NO_MENTIONS, suppress_embeds=True)
        except discord.HTTPException as failed:
            log.warning("feed %d: admins not told (%s)", news.feed_id, failed)


def _plain_link(link: str) -> bool:
    """Whether a link can be written as it is: http(s), short, nothing Discord would read
    as markup around it."""
    return (link.startswith(("https://", "http://")) and len(link) <= LINK
            and not any(c.isspace() or c in "<>|`*" for c in link))

