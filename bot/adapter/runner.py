"""``kiosque run`` and ``kiosque sync``: point discord.py at the configured Discord and start."""

from __future__ import annotations

import asyncio
import logging
import signal

import discord
import yarl
from discord.gateway import DiscordWebSocket
from discord.http import Route

from bot.adapter.client import KiosqueBot
from bot.settings import Settings

log = logging.getLogger("kiosque.discord")


def configure_endpoints(settings: Settings) -> None:
    """Send REST calls and the gateway connection where the settings say (proxy or tests)."""
    Route.BASE = settings.discord_api_base.rstrip("/")
    DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(settings.discord_gateway_url)


def run(settings: Settings, sync: str = "auto") -> int:
    """Run the bot until SIGINT or SIGTERM; return the exit code."""
    logging.basicConfig(
        level=settings.log_level, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    configure_endpoints(settings)
    try:
        return asyncio.run(_serve(settings, sync))
    except discord.LoginFailure:
        log.error("Discord refused the token (DISCORD_TOKEN): check it in the developer portal")
        return 2
    except KeyboardInterrupt:
        return 0


async def _serve(settings: Settings, sync: str) -> int:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    async with KiosqueBot(settings, sync=sync) as bot:
        runner = asyncio.create_task(bot.start(settings.discord_token))
        stopper = asyncio.create_task(stop.wait())
        done, _ = await asyncio.wait({runner, stopper}, return_when=asyncio.FIRST_COMPLETED)
        if stopper in done:
            log.info("stopping: finishing the requests in flight")
            await bot.close()
            await runner
        else:
            stopper.cancel()
            runner.result()
    return 0


def sync(settings: Settings) -> int:
    """Log in, sync the slash commands whatever the stored hash says, and exit."""
    logging.basicConfig(level=settings.log_level)
    configure_endpoints(settings)

    async def login_and_sync() -> None:
        async with KiosqueBot(settings, sync="force") as bot:
            await bot.login(settings.discord_token)  # runs setup_hook, which syncs

    try:
        asyncio.run(login_and_sync())
    except discord.LoginFailure:
        log.error("Discord refused the token (DISCORD_TOKEN): check it in the developer portal")
        return 2
    return 0
