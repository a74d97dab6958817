"""``/ask``, ``/summary``, ``/help``, and questions asked by @mentioning the bot or in a DM."""

from __future__ import annotations

import logging
import re
from typing import Literal

import discord
from discord import app_commands
from discord.ext import commands

from bot.adapter.checks import Cooldown
from bot.adapter.client import KiosqueBot
from bot.adapter.places import Place, of_interaction, of_message
from bot.adapter.replies import reply, within_deadline
from bot.errors import KiosqueError

log = logging.getLogger("kiosque.discord")


class Questions(commands.Cog):
    """Questions and summaries, open to everyone, with a per-user cooldown on both."""

    def __init__(self, bot: KiosqueBot) -> None:
        self.bot = bot

    def _slow_down(self, user_id: int) -> None:
        wait = self.bot.limiter.hit(user_id)
        if wait:
            raise Cooldown(wait)

    @app_commands.command(name="ask", description="Ask a question about the channel's article")
    @app_commands.describe(question="Your question, in plain language")
    async def ask(self, interaction: discord.Interaction, question: str) -> None:
        """Answer with verbatim quotes from the article."""
        self._slow_down(interaction.user.id)
        async with self.bot.busy():
            await within_deadline(
                interaction, self._answer(question, of_interaction(interaction), interaction.user)
            )

    @app_commands.command(name="summary", description="Bullet summary of the article")
    @app_commands.describe(section="Only this section", length="short (3) or long (7 bullets)")
    async def summary(
        self,
        interaction: discord.Interaction,
        section: str | None = None,
        length: Literal["short", "long"] | None = None,
    ) -> None:
        """Sum up the channel's article, or one of its sections."""
        self._slow_down(interaction.user.id)
        async with self.bot.busy():
            await within_deadline(
                interaction, self._summary(of_interaction(interaction), section, length)
            )

    async def _summary(self, where: Place, section: str | None, length: str | None) -> list[str]:
        kiosque = self.bot.service
        result = await kiosque.summary(
            where.space,
            where.channel,
            section=section,
            length=length or "medium",
            language=await self.bot.language(where.guild_id),
            parent=where.parent,
        )
        return kiosque.renderer.messages("summary", result.language, summary=result)

    @app_commands.command(name="help", description="What Kiosque can do")
    async def help(self, interaction: discord.Interaction) -> None:
        """List the commands."""
        language = await self.bot.language(interaction.guild_id) or "fr"
        await within_deadline(
            interaction, self._help(language), ephemeral=True
        )

    async def _help(self, language: str) -> list[str]:
        return self.bot.service.renderer.messages("help", language)

    @commands.Cog.listener()
    async def on_message(self, message: discord.Message) -> None:
        """A question: a message that @mentions the bot, any direct message, or any message
        in an answer channel."""
        if message.author.bot or self.bot.user is None:
            return
        where = of_message(message)
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
        language = await self.bot.language(where.guild_id) or "fr"
        wait = self.bot.limiter.hit(message.author.id)
        if wait:
            if self.bot.limiter.tell(message.author.id):
                line = kiosque.renderer.line("cooldown", language, seconds=int(wait) + 1)
                await reply(message, [line])
            return
        async with self.bot.busy():
            try:
                messages = await self._answer(question, where, message.author)
            except KiosqueError as error:
                messages = [kiosque.error_text(error, language)]
            except Exception:
                log.exception("question by message failed")
                messages = [kiosque.renderer.line("internal_error", language)]
            await reply(message, messages)

    async def _answer(self, question: str, where: Place, user: discord.abc.User) -> list[str]:
        kiosque = self.bot.service
        answer = await kiosque.ask(
            where.space,
            question,
            where.channel,
            author=str(user.id),
            language=await self.bot.language(where.guild_id),
            parent=where.parent,
        )
        return kiosque.renderer.messages(
            "answer", answer.language, answer=answer, question=answer.question[:300]
        )


async def setup(bot: KiosqueBot) -> None:
    """Register the cog."""
    await bot.add_cog(Questions(bot))
