"""Slash command sync at start: pushed when what Discord would be sent changed, translations
included, and only then."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from bot.adapter.client import KiosqueBot
from bot.app.service import Kiosque
from bot.settings import PROMPTS_DIR, Settings
from support.fake_discord import FakeDiscord
from tests.bot.adapter.harness import run

ASK = "Ask a question about the channel's article"


async def start(fake: FakeDiscord, settings: Settings) -> None:
    """Log a real bot in against ``fake`` (its setup hook syncs if needed) and close it."""
    service = await Kiosque.open(settings, seed=False)
    try:
        with fake.patch_discord_py():
            async with KiosqueBot(settings, service) as bot:
                await bot.login("fake-token")
    finally:
        await service.close()


def test_a_changed_french_translation_is_synced_once_and_nothing_else_is(tmp_path: Path) -> None:
    prompts = tmp_path / "prompts"
    shutil.copytree(PROMPTS_DIR, prompts)
    settings = Settings(database_url=f"sqlite:///{tmp_path / 'kiosque.db'}", semantic=False,
                        prompts_dir=prompts)
    french = prompts / "fr" / "commands.json"

    async def scenario() -> None:
        async with FakeDiscord() as fake:
            await start(fake, settings)
            assert fake.command_writes[None] == 1  # the first start syncs
            await start(fake, settings)
            assert fake.command_writes[None] == 1  # nothing changed: no sync
            strings = json.loads(french.read_text(encoding="utf-8"))
            strings[ASK] = "Posez une question sur l’article de ce salon"
            french.write_text(json.dumps(strings, ensure_ascii=False), encoding="utf-8")
            await start(fake, settings)
            assert fake.command_writes[None] == 2  # the new translation is pushed, once
            ask = fake.synced_command("ask")
            assert ask["description_localizations"]["fr"] == strings[ASK]
            await start(fake, settings)
            assert fake.command_writes[None] == 2

    run(scenario())
