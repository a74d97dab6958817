"""Helpers the self-tests share: run a body with a time limit, run a real client on a fake."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import TypeVar

import discord

from support.fake_discord import FakeDiscord

TEST_TIMEOUT = 20.0
ClientT = TypeVar("ClientT", bound=discord.Client)


def run(test: Callable[[], Awaitable[None]]) -> None:
    """Run one async test body with a global time limit."""

    async def limited() -> None:
        await asyncio.wait_for(test(), TEST_TIMEOUT)

    asyncio.run(limited())


@contextlib.asynccontextmanager
async def connected(fake: FakeDiscord, client: ClientT) -> AsyncIterator[ClientT]:
    """`client` started against the (started) fake and ready; closed cleanly afterwards."""
    with fake.patch_discord_py():
        task = asyncio.create_task(client.start("fake-token"))
        try:
            await fake.wait_for_ready()
            await asyncio.wait_for(client.wait_until_ready(), 5)
            yield client
        finally:
            await client.close()
            await asyncio.wait_for(task, 5)


async def settle(condition: Callable[[], bool], timeout: float = 5.0) -> None:
    """Wait until `condition()` holds (the bot handles events in its own tasks)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not condition():
        if loop.time() > deadline:
            raise TimeoutError("condition not met in time")
        await asyncio.sleep(0.01)
