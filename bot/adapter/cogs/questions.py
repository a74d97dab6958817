"""``/ask``, ``/summary``, ``/help``, the « Vérifier dans l'article » message menu, and questions
asked by @mentioning the bot or in a DM."""

from __future__ import annotations

import logging
import re
from typing import Literal

import discord
from discord import app_commands
from discord.ext import commands

from bot.adapter.checks import slow_down, spent
from bot.adapter.client import KiosqueBot
from bot.adapter.places import Place, article_choices, of_interaction, of_message, place
from bot.adapter.replies import NO_MENTIONS, reply, within_deadline
from bot.adapter.views import answer_view
from bot.app.language import Chosen, reply_language
from bot.app.replies import Answer
from bot.errors import KiosqueError

log = logging.getLogger("kiosque.discord")
THREAD_NAME = 90  # Discord allows 100 characters


class Questions(commands.Cog):
    """Questions and summaries, open to everyone, with a cooldown per member and server on
    both."""

    def __init__(self, bot: KiosqueBot) -> None:
        self.bot = bot
        self.check_menu = app_commands.ContextMenu(
            name="Check against the article", callback=self.check
        )

    async def cog_load(self) -> None:
        """The message menu lives on the tree, not in the cog (a discord.py rule)."""
        self.bot.tree.add_command(self.check_menu)

    async def cog_unload(self) -> None:
        """Take the message menu off the tree with the cog."""
        self.bot.tree.remove_command(self.check_menu.name, type=self.check_menu.type)

    @app_commands.command(name="ask", description="Ask a question about the channel's article")
    @app_commands.describe(
        question="Your question, in plain language",
        article="Another article than the channel's (id or title)",
    )
    async def ask(
        self, interaction: discord.Interaction, question: str, article: str | None = None
    ) -> None:
        """Answer with verbatim quotes from the article, and buttons under them."""
        slow_down(interaction)
        where = of_interaction(interaction)
        async with self.bot.busy():
            await within_deadline(
                interaction,
                self._answer_to(interaction, question, where, article),
                hurry=self.bot.crowded,
            )

    @app_commands.command(name="summary", description="Bullet summary of the article")
    @app_commands.describe(
        section="Only this section",
        length="short (3) or long (7 bullets)",
        article="Another article than the channel's (id or title)",
    )
    async def summary(
        self,
        interaction: discord.Interaction,
        section: str | None = None,
        length: Literal["short", "long"] | None = None,
        article: str | None = None,
    ) -> None:
        """Sum up the channel's article (or the one named), or one of its sections."""
        slow_down(interaction)
        async with self.bot.busy():
            await within_deadline(
                interaction,
                self._summary(of_interaction(interaction), section, length, article, interaction),
                hurry=self.bot.crowded,
            )

    async def _summary(
        self,
        where: Place,
        section: str | None,
        length: str | None,
        article: str | None,
        interaction: discord.Interaction,
    ) -> list[str]:
        kiosque = self.bot.service
        chosen = await self.bot.chosen(interaction)
        article_id = await kiosque.resolve(where.space, article) if article else None
        result = await kiosque.summary(
            where.space,
            where.channel,
            article_id,
            section=section,
            length=length or "medium",
            language=chosen.server,
            parent=where.parent,
            locale=chosen.member,
        )
        return kiosque.renderer.reply(result)

    @ask.autocomplete("article")
    @summary.autocomplete("article")
    async def article_autocomplete(
        self, interaction: discord.Interaction, current: str
    ) -> list[app_commands.Choice[str]]:
        """Titles of this server's library that contain what was typed (at most 25)."""
        return await article_choices(interaction, current)

    @summary.autocomplete("section")
    async def section_autocomplete(
        self, interaction: discord.Interaction, current: str
    ) -> list[app_commands.Choice[str]]:
        """The headings of the article the summary is about (the chosen one, else the
        channel's)."""
        if spent(interaction):
            return []
        kiosque = self.bot.service
        where = of_interaction(interaction)
        chosen = getattr(interaction.namespace, "article", None)
        try:
            article_id = await kiosque.resolve(where.space, chosen) if chosen else None
            names = await kiosque.sections(where.space, where.channel, article_id, where.parent)
        except KiosqueError:
            return []
        typed = current.casefold().strip()
        return [
            app_commands.Choice(name=name[:100], value=name[:100])
            for name in names
            if typed in name.casefold()
        ][:25]

    @app_commands.command(name="help", description="What Kiosque can do")
    async def help(self, interaction: discord.Interaction) -> None:
        """The commands, as clickable mentions."""
        await within_deadline(interaction, self._help(interaction), ephemeral=True)

    async def _help(self, interaction: discord.Interaction) -> list[str]:
        language = await self.bot.speaking(interaction)
        return self.bot.service.renderer.messages("help", language, commands=self.bot.mentions())

    async def check(self, interaction: discord.Interaction, message: discord.Message) -> None:
        """« Vérifier dans l'article »: the message's text as a question, answered to the caller
        only, with a button to post the answer in the channel."""
        slow_down(interaction)
        where = of_interaction(interaction)
        # The caller's own history in this channel: a check is not the channel's conversation.
        private = Place(where.space, f"{where.channel}:{interaction.user.id}", where.channel,
                        where.guild_id)
        async with self.bot.busy():
            await within_deadline(
                interaction,
                self._answer_to(interaction, message.content[:500], private, publish=True),
                ephemeral=True,
                hurry=self.bot.crowded,
            )

    @commands.Cog.listener()
    async def on_message(self, message: discord.Message) -> None:
        """A question: a message that @mentions the bot, any direct message, or any message
        in an answer channel. Where the server asked for it, a mention is answered in a new
        thread named after the question."""
        if message.author.bot or self.bot.user is None:
            return
        where = of_message(message, self.bot.settings.dm_library)
        mentioned = self.bot.user in message.mentions
        if not (
            mentioned
            or where.private
            or await self.bot.answers_everything_in(where.guild_id, message.channel.id)
        ):
            return
        question = re.sub(rf"<@!?{self.bot.user.id}>", " ", message.content).strip()
        if not question:
            return
        kiosque = self.bot.service
        # A message has no Discord language: the server's setting alone.
        chosen = Chosen(server=await self.bot.language(where.guild_id))
        language = reply_language(chosen)
        wait = self.bot.limiter.hit(where.guild_id, message.author.id)
        if wait:
            if self.bot.limiter.tell(where.guild_id, message.author.id):
                line = kiosque.renderer.line("cooldown", language, seconds=int(wait) + 1)
                await reply(message, [line])
            return
        async with self.bot.busy():
            target = await self._thread_for(message, question, where)
            if target is not None:
                where = place(target, target.id, where.guild_id, message.author.id,
                              self.bot.settings.dm_library)
            try:
                messages, view = await self._answer(question, where, message.author, chosen)
            except KiosqueError as error:
                messages, view = [kiosque.error_text(error, language)], None
            except Exception:
                log.exception("question by message failed")
                messages, view = [kiosque.renderer.line("internal_error", language)], None
            if target is None or not await self._post_in(target, messages, view):
                await reply(message, messages, view=view)

    async def _post_in(
        self, thread: discord.Thread, messages: list[str], view: discord.ui.View | None
    ) -> bool:
        """Post an answer in its thread; False if the thread refused its first message (the
        answer then goes to the channel, never lost in an empty thread)."""
        for i, content in enumerate(messages):
            extra = {"view": view} if view is not None and i == len(messages) - 1 else {}
            try:
                await thread.send(
                    content, allowed_mentions=NO_MENTIONS, suppress_embeds=True, **extra
                )
            except discord.HTTPException:
                if i:
                    raise
                log.info("could not answer in thread %s: answering in its channel", thread.id)
                return False
        return True

    async def _thread_for(
        self, message: discord.Message, question: str, where: Place
    ) -> discord.Thread | None:
        # Only a mention in a server channel (not already a thread) whose server asked for it.
        if where.private or isinstance(message.channel, discord.Thread):
            return None
        if not (await self.bot.service.guild_config(where.guild_id)).thread_answers:
            return None
        # Without these the thread would stay empty (Discord refuses its first message).
        me = message.guild.me if message.guild is not None else None
        allowed = message.channel.permissions_for(me) if me is not None else None
        if allowed is None or not (
            allowed.create_public_threads and allowed.send_messages_in_threads
        ):
            log.info("no permission to open a thread in %s: answering there", message.channel.id)
            return None
        name = " ".join(question.split())[:THREAD_NAME] or "Kiosque"
        try:
            return await message.create_thread(name=name)
        except discord.HTTPException:
            log.info("could not open a thread for a question in %s", message.channel.id)
            return None

    async def _answer_to(
        self,
        interaction: discord.Interaction,
        question: str,
        where: Place,
        article: str | None = None,
        publish: bool = False,
    ) -> tuple[list[str], discord.ui.View | None]:
        # The language is read inside the work the deadline watches: under load even this
        # read can be slow.
        chosen = await self.bot.chosen(interaction)
        return await self._answer(question, where, interaction.user, chosen, article, publish)

    async def _answer(
        self,
        question: str,
        where: Place,
        user: discord.abc.User,
        chosen: Chosen,
        article: str | None = None,
        publish: bool = False,
    ) -> tuple[list[str], discord.ui.View | None]:
        async with self.bot.answering:
            return await self._answered(question, where, user, chosen, article, publish)

    async def _answered(
        self,
        question: str,
        where: Place,
        user: discord.abc.User,
        chosen: Chosen,
        article: str | None,
        publish: bool,
    ) -> tuple[list[str], discord.ui.View | None]:
        kiosque = self.bot.service
        article_id = await kiosque.resolve(where.space, article) if article else None
        reply = await kiosque.ask(
            where.space,
            question,
            where.channel,
            author=str(user.id),
            article_id=article_id,
            language=chosen.server,
            parent=where.parent,
            locale=chosen.member,
        )
        view = None
        if isinstance(reply, Answer) and reply.turn is not None and not reply.abstained:
            view = answer_view(self.bot, reply.turn, reply.language, publish=publish)
        return kiosque.renderer.reply(reply), view


async def setup(bot: KiosqueBot) -> None:
    """Register the cog."""
    await bot.add_cog(Questions(bot))
