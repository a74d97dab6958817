"""Buttons under the bot's messages, rebuilt from their ``custom_id`` after a restart.

Each button is a discord.py ``DynamicItem``: what it acts on (an answer's turn, a page) is in
its ``custom_id``, so a button pressed days later, after the bot restarted, still works. The
bot registers them once (``bot.add_dynamic_items``); the cogs build views with ``answer_view``
and ``pages_view``.
"""

from __future__ import annotations

import re
from typing import Any

import discord

from bot.adapter.checks import cooled_down
from bot.adapter.places import of_interaction
from bot.adapter.replies import NO_MENTIONS, refuse, respond
from bot.errors import KiosqueError


def _bot(interaction: discord.Interaction) -> Any:
    return interaction.client


async def _say(interaction: discord.Interaction, name: str, **values: object) -> str:
    bot = _bot(interaction)
    language = await bot.speaking(interaction)
    return bot.service.renderer.line(name, language, **values)


class VoteButton(
    discord.ui.DynamicItem[discord.ui.Button], template=r"kq:vote:(?P<turn>\d+):(?P<up>[01])"
):
    """👍 or 👎 on an answer: one vote per member and answer, changeable."""

    def __init__(self, turn: int, up: bool, label: str = "") -> None:
        super().__init__(
            discord.ui.Button(
                emoji="👍" if up else "👎",
                label=label or None,
                style=discord.ButtonStyle.secondary,
                custom_id=f"kq:vote:{turn}:{int(up)}",
            )
        )
        self.turn, self.up = turn, up

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Button, match: re.Match[str]
    ) -> VoteButton:
        return cls(int(match["turn"]), match["up"] == "1")

    async def callback(self, interaction: discord.Interaction) -> None:
        if await cooled_down(interaction, votes=True):
            return
        bot = _bot(interaction)
        where = of_interaction(interaction)
        try:
            up, down = await bot.service.vote(
                where.space, self.turn, str(interaction.user.id), self.up
            )
        except KiosqueError as error:
            language = await bot.speaking(interaction)
            await refuse(interaction, bot.service.error_text(error, language))
            return
        text = await _say(interaction, "voted", up=up, down=down, mine="👍" if self.up else "👎")
        await respond(interaction, [text], ephemeral=True)


class MoreButton(
    discord.ui.DynamicItem[discord.ui.Button], template=r"kq:more:(?P<turn>\d+):(?P<page>\d+)"
):
    """« Plus de passages »: the next passages for the same question, without asking again."""

    def __init__(self, turn: int, page: int, label: str = "") -> None:
        super().__init__(
            discord.ui.Button(
                label=label or "+",
                style=discord.ButtonStyle.secondary,
                custom_id=f"kq:more:{turn}:{page}",
            )
        )
        self.turn, self.page = turn, page

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Button, match: re.Match[str]
    ) -> MoreButton:
        return cls(int(match["turn"]), int(match["page"]))

    async def callback(self, interaction: discord.Interaction) -> None:
        if await cooled_down(interaction):
            return
        bot = _bot(interaction)
        where = of_interaction(interaction)
        language = await bot.speaking(interaction)
        try:
            answer = await bot.service.more(where.space, self.turn, self.page, language)
        except KiosqueError as error:
            await refuse(interaction, bot.service.error_text(error, language))
            return
        messages = bot.service.renderer.messages(
            "more", answer.language, answer=answer, question=answer.question[:300]
        )
        view = None if answer.abstained else answer_view(bot, self.turn, language, self.page + 1)
        await respond(interaction, messages, ephemeral=True, view=view)


class SeeButton(discord.ui.DynamicItem[discord.ui.Button], template=r"kq:see:(?P<turn>\d+)"):
    """« Voir dans l'article »: the quoted sentence in its paragraph, for the caller only."""

    def __init__(self, turn: int, label: str = "") -> None:
        super().__init__(
            discord.ui.Button(
                label=label or "…",
                style=discord.ButtonStyle.secondary,
                custom_id=f"kq:see:{turn}",
            )
        )
        self.turn = turn

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Button, match: re.Match[str]
    ) -> SeeButton:
        return cls(int(match["turn"]))

    async def callback(self, interaction: discord.Interaction) -> None:
        if await cooled_down(interaction):
            return
        bot = _bot(interaction)
        language = await bot.speaking(interaction)
        try:
            paragraph, section = await bot.service.surrounding(
                of_interaction(interaction).space, self.turn
            )
        except KiosqueError as error:
            await refuse(interaction, bot.service.error_text(error, language))
            return
        messages = bot.service.renderer.messages(
            "surrounding", language, paragraph=paragraph, section=section
        )
        await respond(interaction, messages, ephemeral=True)


class PublishButton(
    discord.ui.DynamicItem[discord.ui.Button], template=r"kq:publish(?::(?P<turn>\d+))?"
):
    """Posts, for the whole channel, an answer that only its asker saw: all its parts, where
    both the member and the bot may post. (``kq:publish`` without a turn, from before,
    posts the message it is under.)"""

    def __init__(self, turn: int | None = None, label: str = "") -> None:
        super().__init__(
            discord.ui.Button(
                label=label or "↗",
                style=discord.ButtonStyle.primary,
                custom_id="kq:publish" if turn is None else f"kq:publish:{turn}",
            )
        )
        self.turn = turn

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Button, match: re.Match[str]
    ) -> PublishButton:
        return cls(int(match["turn"]) if match["turn"] else None)

    async def callback(self, interaction: discord.Interaction) -> None:
        if await cooled_down(interaction):
            return
        channel = interaction.channel
        refusal = _cannot_publish(interaction)
        if refusal is not None:
            await refuse(interaction, await _say(interaction, refusal))
            return
        try:
            messages = await _published(interaction, self.turn)
        except KiosqueError as error:
            bot = _bot(interaction)
            language = await bot.speaking(interaction)
            await refuse(interaction, bot.service.error_text(error, language))
            return
        if not messages or channel is None:
            await interaction.response.defer()
            return
        await interaction.response.defer()
        for content in messages:
            await channel.send(content, allowed_mentions=NO_MENTIONS, suppress_embeds=True)


def _cannot_publish(interaction: discord.Interaction) -> str | None:
    """Why an answer may not be posted in the interaction's channel, if it may not: Discord
    lets a member's button post with the bot's rights, so the member's own are checked too."""
    in_thread = isinstance(interaction.channel, discord.Thread)

    def can_post(permissions: discord.Permissions) -> bool:
        return permissions.send_messages_in_threads if in_thread else permissions.send_messages

    if interaction.guild_id is None:
        return None
    if not can_post(interaction.permissions):
        return "publish_member_cannot_send"
    if not can_post(interaction.app_permissions):
        return "publish_bot_cannot_send"
    return None


async def _published(interaction: discord.Interaction, turn: int | None) -> list[str]:
    """The messages to post: the whole answer of the turn, else the message pressed."""
    if turn is None:
        shown = interaction.message.content if interaction.message else ""
        return [shown] if shown else []

    bot = _bot(interaction)
    # The language the answer was given in: the server's, else the member's (as /ask does).
    chosen = await bot.chosen(interaction)
    answer = await bot.service.recorded(
        of_interaction(interaction).space, turn, chosen.server, chosen.member
    )
    return bot.service.renderer.reply(answer)


class PageButton(
    discord.ui.DynamicItem[discord.ui.Button],
    template=r"kq:page:(?P<what>articles|history):(?P<page>\d+)",
):
    """◀ ▶ under a list (``/articles``, ``/history``): shows another page in the same message."""

    def __init__(self, what: str, page: int, forward: bool, disabled: bool = False) -> None:
        super().__init__(
            discord.ui.Button(
                label="▶" if forward else "◀",
                style=discord.ButtonStyle.secondary,
                custom_id=f"kq:page:{what}:{page}",
                disabled=disabled,
            )
        )
        self.what, self.page = what, page

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Button, match: re.Match[str]
    ) -> PageButton:
        return cls(match["what"], int(match["page"]), forward=True)

    async def callback(self, interaction: discord.Interaction) -> None:
        if await cooled_down(interaction):
            return
        bot = _bot(interaction)
        content, view = await bot.page(interaction, self.what, self.page)
        await interaction.response.edit_message(content=content, view=view)


class SummaryButton(
    discord.ui.DynamicItem[discord.ui.Button], template=r"kq:fsum:(?P<article>\d+)"
):
    """« Résumé » under a feed article's announcement: its summary, for the caller only."""

    def __init__(self, article: int, label: str = "") -> None:
        super().__init__(
            discord.ui.Button(
                label=label or "…",
                style=discord.ButtonStyle.secondary,
                custom_id=f"kq:fsum:{article}",
            )
        )
        self.article = article

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Button, match: re.Match[str]
    ) -> SummaryButton:
        return cls(int(match["article"]))

    async def callback(self, interaction: discord.Interaction) -> None:
        if await cooled_down(interaction):
            return
        bot = _bot(interaction)
        where = of_interaction(interaction)
        chosen = await bot.chosen(interaction)
        try:
            summary = await bot.service.summary(
                where.space, where.channel, self.article, language=chosen.server,
                parent=where.parent, locale=chosen.member,
            )
        except KiosqueError as error:
            language = await bot.speaking(interaction)
            await refuse(interaction, bot.service.error_text(error, language))
            return
        await respond(interaction, bot.service.renderer.reply(summary), ephemeral=True)


class AskButton(discord.ui.DynamicItem[discord.ui.Button], template=r"kq:fask:(?P<article>\d+)"):
    """« Poser une question » under a feed article's announcement: it becomes the channel's
    article, and the caller is told how to ask about it."""

    def __init__(self, article: int, label: str = "") -> None:
        super().__init__(
            discord.ui.Button(
                label=label or "?",
                style=discord.ButtonStyle.primary,
                custom_id=f"kq:fask:{article}",
            )
        )
        self.article = article

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Button, match: re.Match[str]
    ) -> AskButton:
        return cls(int(match["article"]))

    async def callback(self, interaction: discord.Interaction) -> None:
        if await cooled_down(interaction):
            return
        bot = _bot(interaction)
        where = of_interaction(interaction)
        language = await bot.speaking(interaction)
        try:
            info = await bot.service.use(where.space, where.channel, str(self.article))
        except KiosqueError as error:
            await refuse(interaction, bot.service.error_text(error, language))
            return
        ask = bot.mentions().get("ask", "`/ask`")
        text = bot.service.renderer.line("feed_asking", language, title=info.title, id=info.id,
                                         ask=ask)
        await respond(interaction, [text], ephemeral=True)


DYNAMIC_ITEMS = (VoteButton, MoreButton, SeeButton, PublishButton, PageButton, SummaryButton,
                 AskButton)


def answer_view(bot: Any, turn: int, language: str, page: int = 1, publish: bool = False):
    """The buttons under an answer: vote, more passages, see in the article (and publish)."""
    say = bot.service.renderer.line
    view = discord.ui.View(timeout=None)
    view.add_item(VoteButton(turn, True))
    view.add_item(VoteButton(turn, False))
    view.add_item(MoreButton(turn, page, say("button_more", language)))
    if page == 1:
        view.add_item(SeeButton(turn, say("button_see", language)))
    if publish:
        view.add_item(PublishButton(turn, say("button_publish", language)))
    return view


def news_view(bot: Any, article: int, language: str) -> discord.ui.View:
    """The buttons under a feed article's announcement: « Résumé », « Poser une question »."""
    say = bot.service.renderer.line
    view = discord.ui.View(timeout=None)
    view.add_item(SummaryButton(article, say("button_summary", language)))
    view.add_item(AskButton(article, say("button_ask", language)))
    return view


def pages_view(what: str, page: int, pages: int) -> discord.ui.View | None:
    """◀ ▶ under a list of several pages (none for a single page)."""
    if pages <= 1:
        return None
    view = discord.ui.View(timeout=None)
    view.add_item(PageButton(what, max(1, page - 1), forward=False, disabled=page <= 1))
    view.add_item(PageButton(what, min(pages, page + 1), forward=True, disabled=page >= pages))
    return view
