"""Run the real ``kiosque run`` process against a FakeDiscord on loopback."""

from __future__ import annotations

import asyncio
import os
import signal
import sqlite3
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from fake_discord import FakeDiscord

ROOT = Path(__file__).resolve().parents[3]
DATA = ROOT / "tests" / "data"
STARTUP = 30.0


@asynccontextmanager
async def running_bot(
    tmp_path: Path, fake: FakeDiscord | None = None, **env: str
) -> AsyncIterator[tuple[FakeDiscord, asyncio.subprocess.Process]]:
    """A started fake and a ``kiosque run`` process connected to it, ready and synced."""
    async with _fake(fake) as discord:
        process = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bot", "run",
            cwd=tmp_path,
            env={
                **os.environ,
                **discord.env,
                "DATABASE_URL": f"sqlite:///{tmp_path / 'kiosque.db'}",
                "DISCORD_GUILD_READY_TIMEOUT": "0.2",
                "LOG_LEVEL": "INFO",
                **env,
            },
            stdout=asyncio.subprocess.PIPE,
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
                    await asyncio.wait_for(process.wait(), 15)
                except TimeoutError:
                    process.kill()
                    await process.wait()


async def stop(process: asyncio.subprocess.Process) -> tuple[int, str]:
    """SIGTERM the bot, wait for it, and return its exit code and log output."""
    process.send_signal(signal.SIGTERM)
    _, stderr = await asyncio.wait_for(process.communicate(), 20)
    return process.returncode, stderr.decode("utf-8", "replace")


@asynccontextmanager
async def _fake(fake: FakeDiscord | None) -> AsyncIterator[FakeDiscord]:
    async with fake or FakeDiscord() as started:
        yield started


def turns(database: Path) -> list[tuple[str, str]]:
    """(channel, question) of every turn in a bot's database, in order."""
    with sqlite3.connect(database) as db:
        return db.execute("SELECT channel, question FROM turns ORDER BY id").fetchall()


def run(coroutine: object) -> object:
    """Run an async scenario from a plain test function."""
    return asyncio.run(coroutine)
