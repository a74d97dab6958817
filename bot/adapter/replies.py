"""Sending what the service produced: split messages, no mentions, ephemeral errors."""

from __future__ import annotations

import discord

NO_MENTIONS = discord.AllowedMentions.none()


async def respond(
    interaction: discord.Interaction, messages: list[str], *, ephemeral: bool = False
) -> None:
    """Answer an interaction with one or more messages (the first as the response)."""
    for i, content in enumerate(messages):
        if i == 0 and not interaction.response.is_done():
            await interaction.response.send_message(
                content, ephemeral=ephemeral, allowed_mentions=NO_MENTIONS
            )
        else:
            await interaction.followup.send(
                content, ephemeral=ephemeral, allowed_mentions=NO_MENTIONS
            )


async def reply(message: discord.Message, messages: list[str]) -> None:
    """Answer a channel message: the first part as a reply, the rest after it."""
    for i, content in enumerate(messages):
        if i == 0:
            await message.reply(content, allowed_mentions=NO_MENTIONS, mention_author=False)
        else:
            await message.channel.send(content, allowed_mentions=NO_MENTIONS)


async def refuse(interaction: discord.Interaction, text: str) -> None:
    """An ephemeral one-line refusal or error, whether or not the interaction was deferred."""
    if interaction.response.is_done():
        await interaction.followup.send(text, ephemeral=True, allowed_mentions=NO_MENTIONS)
    else:
        await interaction.response.send_message(text, ephemeral=True, allowed_mentions=NO_MENTIONS)
