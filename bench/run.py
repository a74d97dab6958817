"""``make bench``: question latency, ``kiosque ask`` cold start, indexing throughput."""

from __future__ import annotations

import asyncio
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bot.service import Kiosque
from bot.settings import ROOT, Settings
from eval import seed

CORPUS = Path(__file__).resolve().parent / "data" / "wikinews_fr"
QUESTIONS = 600


def percentile(values: list[float], share: float) -> float:
    """The value below which ``share`` of the values lie (nearest rank)."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def questions() -> list[str]:
    """Development, abstain and follow-up questions of the bundled article, cycled to 600."""
    _, data = seed.load()
    pool = [q["q"] for q in data["questions"] + data["abstain"]]
    pool += [turn for case in data["followups"] for turn in case["turns"]]
    return [pool[i % len(pool)] for i in range(QUESTIONS)]


async def question_latency(folder: Path) -> list[float]:
    """Seconds per ``Kiosque.ask`` (history read, answer, turn written) on the bundled article."""
    settings = Settings(database_url=f"sqlite:///{folder / 'bench.db'}")
    kiosque = await Kiosque.open(settings)
    timings = []
    try:
        for i, question in enumerate(questions()):
            start = time.perf_counter()
            await kiosque.ask(question, channel=f"bench-{i % 20}")
            timings.append(time.perf_counter() - start)
    finally:
        await kiosque.close()
    return timings


async def indexing(folder: Path) -> tuple[int, float]:
    """Index the 100 Wikinews articles into a fresh library; return count and seconds."""
    settings = Settings(database_url=f"sqlite:///{folder / 'index.db'}")
    kiosque = await Kiosque.open(settings, seed=False)
    paths = sorted(CORPUS.glob("*.html"))
    start = time.perf_counter()
    try:
        for path in paths:
            await kiosque.index_path(path)
    finally:
        await kiosque.close()
    return len(paths), time.perf_counter() - start


def cold_start(folder: Path, runs: int = 5) -> list[float]:
    """Wall time of ``kiosque ask`` as a new process, database already seeded."""
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{folder / 'cold.db'}"}
    command = [sys.executable, "-m", "bot", "ask", "Qui a ratifié le traité ?"]
    subprocess.run(command, env=env, cwd=ROOT, capture_output=True, check=True)
    timings = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(command, env=env, cwd=ROOT, capture_output=True, check=True)
        timings.append(time.perf_counter() - start)
    return timings


def main() -> int:
    """Print the benchmark figures."""
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        latency = asyncio.run(question_latency(folder))
        count, seconds = asyncio.run(indexing(folder))
        cold = cold_start(folder)
    ms = [t * 1000 for t in latency]
    print(f"question latency ({len(ms)} questions, one process, SQLite history included):")
    print(f"  median {statistics.median(ms):.2f} ms   p95 {percentile(ms, 0.95):.2f} ms"
          f"   (target < 5 ms)")
    print(f"kiosque ask cold start ({len(cold)} runs): median {statistics.median(cold):.3f} s"
          f"   max {max(cold):.3f} s   (target < 1 s)")
    rate = count / seconds
    print(f"indexing: {count} Wikinews articles in {seconds:.2f} s = {rate:.1f} articles/s")
    from bench import discord

    return discord.main()


if __name__ == "__main__":
    sys.exit(main())
