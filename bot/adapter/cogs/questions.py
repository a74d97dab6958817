"""``/ask``, ``/summary``, ``/help`` and questions asked by @mentioning the bot."""

from __future__ import annotations

import logging
import re
from typing import Literal

import discord
from discord import app_commands
from discord.ext import commands

from bot.adapter.checks import Cooldown
from bot.adapter.client import KiosqueBot
from bot.adapter.replies import reply, respond
from bot.errors import KiosqueError

log = logging.getLogger("kiosque.discord")
BUSY = 8


def channel_key(channel_id: int | None) -> str:
    """The history key of a channel; a thread is a channel of its own."""
    return str(channel_id)


class Questions(commands.Cog):
    """Questions and summaries, open to everyone (with a per-user cooldown on questions)."""

    def __init__(self, bot: KiosqueBot) -> None:
        self.bot = bot

    @app_commands.command(name="ask", description="Ask a question about the channel's article")
    @app_commands.describe(question="Your question, in plain language")
    async def ask(self, interaction: discord.Interaction, question: str) -> None:
        """Answer with verbatim quotes from the article."""
        wait = self.bot.limiter.hit(interaction.user.id)
        if wait:
            raise Cooldown(wait)
        if self.bot.in_flight >= BUSY:
            # Under a burst the answer may come after Discord's 3-second deadline: acknowledge
            # first, answer in a follow-up.
            await interaction.response.defer(thinking=True)
        async with self.bot.busy():
            messages = await self._answer(
                question, interaction.channel_id, interaction.guild_id, interaction.user
            )
            await respond(interaction, messages)

    @app_commands.command(name="summary", description="Bullet summary of the article")
    @app_commands.describe(section="Only this section", length="short (3) or long (7 bullets)")
    async def summary(
        self,
        interaction: discord.Interaction,
        section: str | None = None,
        length: Literal["short", "long"] | None = None,
    ) -> None:
        """Sum up the channel's article, or one of its sections."""
        kiosque = self.bot.service
        language = await self.bot.language(interaction.guild_id)
        async with self.bot.busy():
            result = await kiosque.summary(
                channel_key(interaction.channel_id),
                section=section,
                length=length or "medium",
                language=language,
            )
            await respond(
                interaction, kiosque.renderer.messages("summary", result.language, summary=result)
            )

    @app_commands.command(name="help", description="What Kiosque can do")
    async def help(self, interaction: discord.Interaction) -> None:
        """List the commands."""
        language = await self.bot.language(interaction.guild_id) or "fr"
        await respond(
            interaction, self.bot.service.renderer.messages("help", language), ephemeral=True
        )

    @commands.Cog.listener()
    async def on_message(self, message: discord.Message) -> None:
        """A message that @mentions the bot (or any message in an answer channel) is a question."""
        if message.author.bot or self.bot.user is None:
            return
        mentioned = self.bot.user in message.mentions
        if not mentioned and not await self.bot.answers_everything_in(
            message.guild.id if message.guild else None, message.channel.id
        ):
            return
        question = re.sub(rf"<@!?{self.bot.user.id}>", " ", message.content).strip()
        if not question:
            return
        kiosque = self.bot.service
        language = await self.bot.language(message.guild.id if message.guild else None) or "fr"
        wait = self.bot.limiter.hit(message.author.id)
        if wait:
            await reply(
                message, [kiosque.renderer.line("cooldown", language, seconds=int(wait) + 1)]
            )
            return
        async with self.bot.busy():
            try:
                messages = await self._answer(
                    question,
                    message.channel.id,
                    message.guild.id if message.guild else None,
                    message.author,
                )
            except KiosqueError as error:
                messages = [kiosque.error_text(error, language)]
            except Exception:
                log.exception("mention failed")
                messages = [kiosque.renderer.line("internal_error", language)]
            await reply(message, messages)

    async def _answer(
        self, question: str, channel_id: int | None, guild_id: int | None, user: discord.abc.User
    ) -> list[str]:
        kiosque = self.bot.service
        language = await self.bot.language(guild_id)
        answer = await kiosque.ask(
            question, channel_key(channel_id), author=str(user.id), language=language
        )
        return kiosque.renderer.messages(
            "answer", answer.language, answer=answer, question=answer.question[:300]
        )


async def setup(bot: KiosqueBot) -> None:
    """Register the cog."""
    await bot.add_cog(Questions(bot))
