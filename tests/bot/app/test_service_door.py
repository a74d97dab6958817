"""The calls the shells make instead of reaching the service's parts: a server's settings, the
bot's own notes, whether any channel answers every message, and starting from settings."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

import pytest

from bot.app.service import CannotStart, Kiosque
from bot.settings import Settings


def test_a_server_keeps_its_settings_and_another_sees_none(kiosque: Callable) -> None:
    async def scenario() -> tuple:
        async with kiosque(seed=False) as k:
            default = await k.guild_config(1)
            await k.configure_guild(1, replace(default, language="en", thread_answers=True))
            return default, await k.guild_config(1), await k.guild_config(2)

    default, chosen, other = asyncio.run(scenario())
    assert (chosen.language, chosen.thread_answers) == ("en", True)
    assert other == default and default.language is None and not default.thread_answers


def test_every_message_is_read_once_a_channel_answers_them(kiosque: Callable) -> None:
    async def scenario() -> tuple[bool, bool, bool]:
        async with kiosque(seed=False) as k:
            before = await k.reads_every_message()
            await k.configure_guild(1, replace(await k.guild_config(1), answer_channels=(7,)))
            after = await k.reads_every_message()
        async with kiosque(seed=False, answer_channels=(9,)) as k:
            by_setting = await k.reads_every_message()
        return before, after, by_setting

    assert asyncio.run(scenario()) == (False, True, True)


def test_a_note_is_kept_across_openings(kiosque: Callable) -> None:
    async def scenario() -> tuple:
        async with kiosque(seed=False) as k:
            missing = await k.note("commands:global")
            await k.set_note("commands:global", "abc")
            await k.set_note("commands:global", "def")
        async with kiosque(seed=False) as k:
            return missing, await k.note("commands:global")

    assert asyncio.run(scenario()) == (None, "def")


def test_start_on_a_file_that_is_not_a_database_is_one_line_naming_it(tmp_path: Path) -> None:
    broken = tmp_path / "k.db"
    broken.write_bytes(b"SQLite? non: " + bytes(range(256)) * 20)
    settings = Settings(database_url=f"sqlite:///{broken}", semantic=False)
    with pytest.raises(CannotStart) as failed:
        asyncio.run(Kiosque.start(settings))
    assert str(failed.value).startswith(f"cannot open the database sqlite:///{broken}")
    assert "\n" not in str(failed.value)


def test_start_with_a_bundled_article_that_cannot_be_indexed_names_its_code(
    tmp_path: Path,
) -> None:
    (tmp_path / "vide.txt").write_bytes(b"")
    settings = Settings(database_url=f"sqlite:///{tmp_path / 'k.db'}", semantic=False,
                        articles_dir=tmp_path)
    with pytest.raises(CannotStart, match=r"^cannot index the bundled articles: "):
        asyncio.run(Kiosque.start(settings))
