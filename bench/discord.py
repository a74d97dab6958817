"""The Discord round trip through the loopback fake: ``/ask`` latency and 50-channel throughput."""

from __future__ import annotations

import asyncio
import statistics
import sys
import tempfile
import time
from pathlib import Path

from support.bot_process import FakeChannel, FakeDiscord, default_guild, running_bot

SEQUENTIAL = 200
CHANNELS = 50
ROUNDS = 4
QUESTION = "Qui a ratifié le traité ?"


async def measure() -> tuple[list[float], int, float]:
    """Latencies of sequential ``/ask`` calls, then answers and seconds for 50 channels at once."""
    guild = default_guild()
    guild.channels += [FakeChannel(f"salon-{i}") for i in range(CHANNELS)]
    fake = FakeDiscord(guilds=[guild], interaction_ack_timeout=None)
    with tempfile.TemporaryDirectory() as tmp:
        async with running_bot(Path(tmp), fake, COOLDOWN_QUESTIONS="0", LOG_LEVEL="WARNING"):
            member = guild.member("member")
            latencies = []
            for _ in range(SEQUENTIAL):
                start = time.perf_counter()
                handle = await fake.send_slash("ask", {"question": QUESTION}, user=member)
                await handle.callback(timeout=30)
                latencies.append(time.perf_counter() - start)
            channels = [c for c in guild.channels if c.name.startswith("salon-")]
            start = time.perf_counter()
            handles = [
                await fake.send_slash("ask", {"question": QUESTION}, user=member, channel=c)
                for _ in range(ROUNDS)
                for c in channels
            ]
            for handle in handles:
                await handle.response(timeout=60)  # the answer, maybe after a deferral
            elapsed = time.perf_counter() - start
    return latencies, len(handles), elapsed


def main() -> int:
    """Print the Discord round-trip figures."""
    latencies, answered, elapsed = asyncio.run(measure())
    ms = sorted(t * 1000 for t in latencies)
    p95 = ms[min(len(ms) - 1, round(0.95 * (len(ms) - 1)))]
    print(f"discord /ask round trip ({len(ms)} sequential, INTERACTION_CREATE → callback):")
    print(f"  median {statistics.median(ms):.1f} ms   p95 {p95:.1f} ms")
    print(f"discord throughput: {answered} questions from {CHANNELS} channels at once in "
          f"{elapsed:.2f} s = {answered / elapsed:.0f} questions/s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
