"""Per-server settings and the bot's notes, on both backends: defaults, replaced as a whole,
kept apart per server."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from bot.storage.guilds import GuildConfig, GuildSettings


def test_a_servers_settings_round_trip_and_stay_its_own(database: Callable) -> None:
    chosen = GuildConfig(admin_role=42, answer_channels=(7, 8), language="en", thread_answers=True)

    async def scenario() -> tuple:
        async with database() as db:
            guilds = GuildSettings(db)
            before = await guilds.get(1), await guilds.answering()
            await guilds.set(1, chosen)
            stored = await guilds.get(1), await guilds.get(2), await guilds.answering()
            await guilds.set(1, GuildConfig(language="fr"))
            return before, stored, await guilds.get(1), await guilds.answering()

    before, stored, replaced, answering = asyncio.run(scenario())
    assert before == (GuildConfig(), False)
    assert stored == (chosen, GuildConfig(), True)
    assert replaced == GuildConfig(language="fr") and not answering


def test_notes_are_kept_and_replaced(database: Callable) -> None:
    async def scenario() -> tuple:
        async with database() as db:
            guilds = GuildSettings(db)
            missing = await guilds.meta("commands:hash")
            await guilds.set_meta("commands:hash", "abc")
            await guilds.set_meta("commands:hash", "def")
            return missing, await guilds.meta("commands:hash")

    assert asyncio.run(scenario()) == (None, "def")
