"""Sending what the service produced: split messages, no mentions, ephemeral errors."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable

import discord

NO_MENTIONS = discord.AllowedMentions.none()
# Discord drops an interaction not acknowledged within 3 s of its creation (its id's time).
# Past 1 s the bot says it is thinking: the rest covers a late gateway, a busy event loop, a
# clock a little off, and the acknowledgement's own round trip.
ACKNOWLEDGE_SECONDS = 1.0

log = logging.getLogger("kiosque.discord")


class Progress:
    """Shows in a deferred interaction's message how far a long indexing has gone.

    The service calls it from the worker thread that embeds the article; it edits the
    "thinking…" message on the event loop at most every ``EVERY`` seconds, and only for
    articles long enough (``LONG`` sentences) to take a while.
    """

    LONG = 64
    EVERY = 3.0

    def __init__(
        self, interaction: discord.Interaction, render: Callable[[int, int], str]
    ) -> None:
        self.interaction = interaction
        self.render = render
        self.loop = asyncio.get_running_loop()
        self.shown = False
        self._last = 0.0
        self._edits: list[asyncio.Future] = []

    def __call__(self, done: int, total: int) -> None:
        now = time.monotonic()
        if total < self.LONG or done >= total or now - self._last < self.EVERY:
            return
        self._last = now
        edit = self._edit(self.render(done, total))
        self._edits.append(asyncio.run_coroutine_threadsafe(edit, self.loop))

    async def _edit(self, text: str) -> None:
        try:
            await self.interaction.edit_original_response(content=text)
            self.shown = True
        except discord.HTTPException as error:
            log.debug("progress not shown: %s", error)

    async def settle(self) -> None:
        """Wait for the edits under way, so that none lands after the final answer."""
        await asyncio.gather(*(asyncio.wrap_future(e) for e in self._edits), return_exceptions=True)

    async def replace(self, messages: list[str]) -> None:
        """The final answer: in place of the progress message if one was shown.

        An interaction's token lasts 15 minutes: an indexing that took longer is announced in
        the channel instead, to its admin.
        """
        await self.settle()
        try:
            if not self.shown or not messages:
                await respond(self.interaction, messages)
                return
            await self.interaction.edit_original_response(
                content=messages[0], allowed_mentions=NO_MENTIONS
            )
            for content in messages[1:]:
                await self.interaction.followup.send(
                    content, allowed_mentions=NO_MENTIONS, suppress_embeds=True
                )
        except discord.HTTPException as error:
            channel = self.interaction.channel
            if error.status not in (401, 403, 404) or channel is None:
                raise
            log.info("interaction expired (%s): announcing in the channel", error)
            user = self.interaction.user
            for i, content in enumerate(messages):
                await channel.send(
                    f"{user.mention} {content}" if i == 0 else content,
                    allowed_mentions=discord.AllowedMentions(users=[user]),
                    suppress_embeds=True,
                )


async def respond(
    interaction: discord.Interaction,
    messages: list[str],
    *,
    ephemeral: bool = False,
    view: discord.ui.View | None = None,
) -> None:
    """Answer an interaction with one or more messages (the first as the response), the
    ``view``'s buttons under the last one.

    No message mentions anyone or unfurls a link preview.
    """
    for i, content in enumerate(messages):
        extra = {"view": view} if view is not None and i == len(messages) - 1 else {}
        if i == 0 and not interaction.response.is_done():
            await interaction.response.send_message(
                content,
                ephemeral=ephemeral,
                allowed_mentions=NO_MENTIONS,
                suppress_embeds=True,
                **extra,
            )
        else:
            await interaction.followup.send(
                content,
                ephemeral=ephemeral,
                allowed_mentions=NO_MENTIONS,
                suppress_embeds=True,
                **extra,
            )


async def reply(
    message: discord.Message, messages: list[str], *, view: discord.ui.View | None = None
) -> None:
    """Answer a channel message: the first part as a reply, the rest after it, the ``view``'s
    buttons under the last one.

    The answer is posted even if the question was deleted meanwhile (the reply then stands
    alone), and as a plain message where the bot may not read the channel's history, which
    Discord requires of a reply.
    """
    reference = reference_to(message)
    for i, content in enumerate(messages):
        extra: dict = {"view": view} if view is not None and i == len(messages) - 1 else {}
        if i == 0 and reference is not None:
            extra.update(reference=reference, mention_author=False)
        await message.channel.send(
            content, allowed_mentions=NO_MENTIONS, suppress_embeds=True, **extra
        )


def reference_to(message: discord.Message) -> discord.MessageReference | None:
    """What a reply to ``message`` refers to, or None where the bot may not reply."""
    guild = message.guild
    if guild is not None:
        me = guild.me
        if me is None or not message.channel.permissions_for(me).read_message_history:
            return None
    return message.to_reference(fail_if_not_exists=False)


async def refuse(interaction: discord.Interaction, text: str) -> None:
    """A one-line refusal or error only the caller sees, whether or not it was deferred.

    After a public defer Discord's first follow-up takes the place of the public "thinking…"
    message whatever its ephemeral flag: that message is deleted first, so that the error
    stays private.
    """
    response = interaction.response
    if not response.is_done():
        await response.send_message(
            text, ephemeral=True, allowed_mentions=NO_MENTIONS, suppress_embeds=True
        )
        return
    if response.type == discord.InteractionResponseType.deferred_channel_message:
        try:
            await interaction.delete_original_response()
        except discord.HTTPException:
            log.debug("no deferred response to delete")
    await interaction.followup.send(
        text, ephemeral=True, allowed_mentions=NO_MENTIONS, suppress_embeds=True
    )


Work = Awaitable[list[str] | tuple[list[str], discord.ui.View | None]]


def time_left(interaction: discord.Interaction, deadline: float = ACKNOWLEDGE_SECONDS) -> float:
    """Seconds left before ``deadline`` seconds after Discord created the interaction (0 when
    already past): the wait before saying "thinking…" is counted from there, not from when the
    handler started, which may be long after under load.

    A bot clock behind Discord's never gives more than ``deadline``; one ahead only defers
    sooner.
    """
    age = time.time() - interaction.created_at.timestamp()
    return max(0.0, min(deadline, deadline - age))


async def within_deadline(
    interaction: discord.Interaction,
    work: Work,
    *,
    ephemeral: bool = False,
    deadline: float = ACKNOWLEDGE_SECONDS,
    hurry: asyncio.Event | None = None,
) -> None:
    """Answer with what ``work`` produces (messages, and maybe buttons), acknowledging first
    if it takes a while.

    Discord drops an interaction not acknowledged within 3 seconds of its creation: an answer
    not ready ``deadline`` seconds after the creation is deferred (the bot says it is
    thinking, then answers in a follow-up); one already that late is deferred before the work
    even starts, so that a slow first step (a big article to load, a library to seed) cannot
    hold the acknowledgement back. So is one while ``hurry`` is set (a burst), or as soon as
    it is. An error ``work`` raises reaches the command's error handler, which answers
    privately.
    """
    left = time_left(interaction, deadline)
    if hurry is not None and hurry.is_set():
        left = 0.0
    if left <= 0:
        try:
            await interaction.response.defer(thinking=True, ephemeral=ephemeral)
        except BaseException:
            if asyncio.iscoroutine(work):
                work.close()  # never started: no "never awaited" warning
            raise
    task = asyncio.ensure_future(work)
    if left > 0:
        hurried = asyncio.ensure_future(hurry.wait()) if hurry is not None else None
        try:
            await asyncio.wait({task} | ({hurried} if hurried else set()), timeout=left,
                               return_when=asyncio.FIRST_COMPLETED)
        finally:
            if hurried is not None:
                hurried.cancel()
        if not task.done():
            await interaction.response.defer(thinking=True, ephemeral=ephemeral)
    produced = await task
    messages, view = produced if isinstance(produced, tuple) else (produced, None)
    await respond(interaction, messages, ephemeral=ephemeral, view=view)
