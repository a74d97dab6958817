"""A real ``kiosque run`` process connected to a FakeDiscord on loopback.

Used by the adapter's tests, ``make bench`` and ``make stress``. The fake lives with the tests,
as the package ``tests.fake_discord``: run from the repository's root, as the Makefile does.
"""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from bot.settings import ROOT
from tests.fake_discord import FakeChannel, FakeDiscord, default_guild

__all__ = ["FakeChannel", "FakeDiscord", "default_guild", "running_bot", "stop"]

STARTUP = 30.0


@asynccontextmanager
async def running_bot(
    folder: Path, fake: FakeDiscord | None = None, python: str = sys.executable, **env: str
) -> AsyncIterator[tuple[FakeDiscord, asyncio.subprocess.Process]]:
    """A started fake and a ``kiosque run`` process on ``folder/kiosque.db``, ready and synced.

    ``python`` is the interpreter that runs the bot: another one tests an installed wheel.
    """
    async with fake or FakeDiscord() as discord:
        process = await asyncio.create_subprocess_exec(
            python, "-m", "bot", "run",
            cwd=folder,
            env={
                **os.environ,
                **discord.env,
                "DATABASE_URL": f"sqlite:///{folder / 'kiosque.db'}",
                "DISCORD_GUILD_READY_TIMEOUT": "0.2",
                "LOG_LEVEL": "INFO",
                "EMBED_CACHE_DIR": str(ROOT / "var" / "cache" / "vectors"),
                **env,
            },
            stdout=asyncio.subprocess.DEVNULL,
            stderr=asyncio.subprocess.PIPE,
        )
        try:
            await discord.wait_for_ready(timeout=STARTUP)
            await discord.wait_for_commands(timeout=STARTUP)
            yield discord, process
        finally:
            if process.returncode is None:
                process.send_signal(signal.SIGTERM)
                try:
                    await asyncio.wait_for(process.communicate(), 15)
                except TimeoutError:
                    process.kill()
                    await process.wait()


async def stop(process: asyncio.subprocess.Process) -> tuple[int, str]:
    """SIGTERM the bot, wait for it, and return its exit code and log output."""
    process.send_signal(signal.SIGTERM)
    _, stderr = await asyncio.wait_for(process.communicate(), 30)
    return process.returncode, stderr.decode("utf-8", "replace")
