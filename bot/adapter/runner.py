"""``kiosque run`` and ``kiosque sync``: open the library, point discord.py at the configured
Discord and start; every failure at start is one line on stderr and exit code 2."""

from __future__ import annotations

import asyncio
import logging
import signal
import sys

import aiohttp
import discord
import yarl
from discord.gateway import DiscordWebSocket
from discord.http import Route

from bot.adapter.client import KiosqueBot, kiosque_bot
from bot.app.service import CannotStart, Kiosque
from bot.settings import Settings

log = logging.getLogger("kiosque.discord")

EXIT_START = 2
# The one line logged when Discord refuses the message content intent (gateway close 4014).
CONTENT_REFUSED = (
    "Discord refused the message content intent (gateway close 4014): answer channels are off"
    " until the bot's owner enables it in the developer portal (Bot > Privileged Gateway"
    " Intents > Message Content); mentions, direct messages and slash commands still work"
)


class StartFailure(Exception):
    """The bot cannot start; the message is the one line that says why."""


def configure_endpoints(settings: Settings) -> None:
    """Send REST calls and the gateway connection where the settings say (proxy or tests)."""
    Route.BASE = settings.discord_api_base.rstrip("/")
    DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(settings.discord_gateway_url)


def run(settings: Settings, sync: str = "auto") -> int:
    """Run the bot until SIGINT or SIGTERM; return the exit code."""
    return _main(settings, _serve(settings, sync))


def sync(settings: Settings) -> int:
    """Log in, sync the slash commands whatever the stored hash says, and exit."""
    return _main(settings, _sync(settings))


def _main(settings: Settings, work: object) -> int:
    logging.basicConfig(
        level=settings.log_level, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    # aiosqlite logs every statement with its parameters at DEBUG: whole articles, vectors
    # and members' questions. Never in the bot's log.
    logging.getLogger("aiosqlite").setLevel(max(logging.INFO, logging.getLogger().level))
    # Kiosque has no voice: discord.py's warnings about voice libraries are noise.
    discord.VoiceClient.warn_nacl = discord.VoiceClient.warn_dave = False
    configure_endpoints(settings)
    try:
        return asyncio.run(work)
    except StartFailure as failure:
        print(f"kiosque: {failure}", file=sys.stderr, flush=True)
        return EXIT_START
    except KeyboardInterrupt:
        return 0


async def _open(settings: Settings) -> Kiosque:
    try:
        return await Kiosque.start(settings)
    except CannotStart as failure:
        raise StartFailure(str(failure)) from None


async def _serve(settings: Settings, sync_mode: str) -> int:
    service = await _open(settings)
    if settings.shard_count is not None:
        ids = settings.shard_ids or range(settings.shard_count)
        log.info("running shard(s) %s of %d", ",".join(map(str, ids)), settings.shard_count)
    try:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, stop.set)
        # The privileged intent is asked for only where a channel answers every message.
        reads = await service.reads_every_message()
        try:
            await _serve_until(stop, kiosque_bot(settings, service, sync=sync_mode,
                                                 message_content=reads), settings)
        except discord.PrivilegedIntentsRequired:
            # Discord closed the gateway with 4014: the portal has not enabled the intent.
            # Everything but the answer channels works without it.
            log.warning(CONTENT_REFUSED)
            if not stop.is_set():
                again = "auto" if sync_mode == "force" else sync_mode  # synced a moment ago
                await _serve_until(stop, kiosque_bot(settings, service, sync=again,
                                                     content_refused=True), settings)
    finally:
        await service.close()
    return 0


async def _serve_until(stop: asyncio.Event, bot: KiosqueBot, settings: Settings) -> None:
    """Run ``bot`` until ``stop`` is set (then let it finish what is in flight) or it fails."""
    async with bot:
        runner = asyncio.create_task(_start(bot, settings))
        stopper = asyncio.create_task(stop.wait())
        done, _ = await asyncio.wait({runner, stopper}, return_when=asyncio.FIRST_COMPLETED)
        if stopper in done:
            log.info("stopping: finishing the requests in flight")
            await bot.close()
            await runner
        else:
            stopper.cancel()
            runner.result()


async def _sync(settings: Settings) -> int:
    service = await _open(settings)
    try:
        async with kiosque_bot(settings, service, sync="force") as bot:
            await _login(bot, settings)  # runs setup_hook, which syncs
    finally:
        await service.close()
    return 0


async def _start(bot: KiosqueBot, settings: Settings) -> None:
    await _login(bot, settings)
    try:
        await bot.connect()
    except (aiohttp.ClientError, OSError, discord.GatewayNotFound) as error:
        raise StartFailure(_unreachable(settings, error)) from None


async def _login(bot: KiosqueBot, settings: Settings) -> None:
    try:
        await bot.login(settings.discord_token)
    except discord.LoginFailure:
        raise StartFailure(
            "Discord refused the token (DISCORD_TOKEN): check it in the developer portal"
        ) from None
    except (aiohttp.ClientError, OSError, discord.HTTPException) as error:
        raise StartFailure(_unreachable(settings, error)) from None


def _unreachable(settings: Settings, error: BaseException) -> str:
    detail = " ".join(str(error).split()) or type(error).__name__
    return f"cannot reach Discord at {settings.discord_api_base}: {detail[:200]}"
