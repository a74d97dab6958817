"""Real ``kiosque run`` processes connected to a FakeDiscord on loopback: one bot, or one
process per shard on a shared database.

Used by the adapter's tests, ``make bench`` and ``make stress``, from the repository's root (as
the Makefile runs them), where ``support`` is importable.
"""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from collections.abc import AsyncIterator, Awaitable, Sequence
from contextlib import AsyncExitStack, asynccontextmanager
from pathlib import Path
from typing import TypeVar

from bot.settings import ROOT
from support.fake_discord import FakeChannel, FakeDiscord, FakeGuild, default_guild

__all__ = [
    "FakeChannel",
    "FakeDiscord",
    "FakeGuild",
    "default_guild",
    "running_bot",
    "running_shards",
    "shard_client",
    "stop",
]

T = TypeVar("T")

# How long a bot process may take to be ready: a hang detector, not a timing check. Two
# processes starting together on 2 cores while the rest of the suite runs once took over 30 s.
STARTUP = 90.0


@asynccontextmanager
async def bot_process(
    folder: Path, fake: FakeDiscord, *args: str, python: str = sys.executable, **env: str
) -> AsyncIterator[asyncio.subprocess.Process]:
    """``kiosque run ARGS`` against the started ``fake``, in ``folder`` and on
    ``folder/kiosque.db`` unless ``env`` names another DATABASE_URL; SIGTERM on the way out."""
    process = await asyncio.create_subprocess_exec(
        python, "-m", "bot", "run", *args,
        cwd=folder,
        env={
            **os.environ,
            **fake.env,
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
        yield process
    finally:
        if process.returncode is None:
            process.send_signal(signal.SIGTERM)
            try:
                await asyncio.wait_for(process.communicate(), 15)
            except TimeoutError:
                process.kill()
                await process.wait()


@asynccontextmanager
async def running_bot(
    folder: Path, fake: FakeDiscord | None = None, python: str = sys.executable, **env: str
) -> AsyncIterator[tuple[FakeDiscord, asyncio.subprocess.Process]]:
    """A started fake and a ``kiosque run`` process on ``folder/kiosque.db``, ready and synced.

    ``python`` is the interpreter that runs the bot: another one tests an installed wheel.
    """
    discord = fake or FakeDiscord()
    async with discord, bot_process(folder, discord, python=python, **env) as process:
        await unless_exited([process], discord.wait_for_ready(timeout=STARTUP))
        await unless_exited([process], discord.wait_for_commands(timeout=STARTUP))
        yield discord, process


def shard_client(shard: int) -> str:
    """The name a shard's process is known by in the fake (``RecordedRequest.client``)."""
    return f"shard-{shard}"


@asynccontextmanager
async def running_shards(
    folder: Path, fake: FakeDiscord, database_url: str, **env: str
) -> AsyncIterator[list[asyncio.subprocess.Process]]:
    """One ``kiosque run --shards N --shard-count C`` process per shard of the started
    ``fake`` (C is its ``shard_count``), all on ``database_url``, each ready; the commands are
    synced by whichever process gets there first. Process N's requests carry the name
    ``shard_client(N)``."""
    count = fake.shard_count
    async with AsyncExitStack() as stack:
        processes = [
            await stack.enter_async_context(bot_process(
                folder, fake, "--shards", str(shard), "--shard-count", str(count),
                **{**fake.client_env(shard_client(shard)), "DATABASE_URL": database_url, **env},
            ))
            for shard in range(count)
        ]
        for shard in range(count):
            await unless_exited(processes, fake.wait_for_ready(timeout=STARTUP, shard=shard))
        await unless_exited(processes, fake.wait_for_commands(timeout=STARTUP))
        yield processes


async def unless_exited(
    processes: Sequence[asyncio.subprocess.Process], waiting: Awaitable[T]
) -> T:
    """What ``waiting`` (a wait on the fake) gives, or RuntimeError with its log as soon as
    one of the bot ``processes`` exits: a bot that could not start is not waited for."""
    task = asyncio.ensure_future(waiting)
    exits = {asyncio.ensure_future(process.wait()): process for process in processes}
    try:
        await asyncio.wait({task, *exits}, return_when=asyncio.FIRST_COMPLETED)
        if task.done():
            return task.result()
        process = next(exits[done] for done in exits if done.done())
    finally:
        for future in (task, *exits):
            future.cancel()  # nothing for the one that finished
    assert process.stderr is not None
    log = (await process.stderr.read()).decode("utf-8", "replace")
    raise RuntimeError(f"kiosque run exited with code {process.returncode} before it was"
                       f" ready:\n{log}")


async def stop(process: asyncio.subprocess.Process) -> tuple[int, str]:
    """SIGTERM the bot, wait for it, and return its exit code and log output."""
    process.send_signal(signal.SIGTERM)
    _, stderr = await asyncio.wait_for(process.communicate(), 30)
    return process.returncode, stderr.decode("utf-8", "replace")
