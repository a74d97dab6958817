"""Library-wide questions in a server of 100 000 articles, and indexing as the library grows.

The library: the 22 Wikinews articles of the realistic development questions, indexed as the
bot indexes them (their sentence vectors made by the model), among generated variants of the
other Wikinews articles of ``bench/data`` (a window of three paragraphs each under a numbered
title), leaving out those reserved for measurement (``realistic.reserved``). Variants are
written in one transaction the way ``Library`` writes them,
including their rows of the library-wide index; their sentence vectors are random unit vectors,
so that every candidate costs the semantic work a real one costs (they are there for timing:
the figures of quality are ``make eval``'s).

The real articles are added first, so they are the oldest: a question of ordinary words, whose
candidates are read among the newest sentences that hold them (``bot.storage.search``), finds no
help
in their place.

Each of the 242 development questions is asked without naming an article (``/ask`` in a
channel of its own with the library option), with the semantic model and without it, beside
the previous behaviour (the channel's newest article answers) in the same run. With the model,
each question's vector is read from the evaluation cache, not computed: the figures are the
library's part of a question; the model's own time (35 to 70 ms a question on these machines,
whatever the library's size) is ``make bench``'s "question through the service". Indexing is
timed into an empty library and into the full one.

``--postgres`` runs the same on a throwaway Postgres server after SQLite, and prints its figures
beside SQLite's (Postgres's own search engine: full text, then BM25 in Python); the last line
puts both backends' p95 of the search alone beside the goal.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import tempfile
import time
from dataclasses import replace
from pathlib import Path

import numpy as np

from bench.run import CORPUS, percentile
from bot.app.service import Kiosque
from bot.settings import Settings
from bot.storage.factory import open_database
from bot.storage.protocol import Database
from bot.values import guild_space
from eval import realistic
from eval.vectors import evaluation_embedder, vectors_of
from index import parse_article
from index.ingest.clean import Block
from index.ingest.structure import build_article
from index.language.analysis import terms
from index.language.question import read_question
from index.model import Article
from index.search.bm25 import tokens
from index.search.fields import article_fields, search_terms
from index.vectors.embedding import to_bytes

ARTICLES = int(os.environ.get("BENCH_ARTICLES", "100000"))
SPACE = guild_space(1)
WINDOW = 3
INDEXED = 10  # articles timed into the empty and the full library
# Articles written per transaction: each one updates the same rows of Postgres's search
# statistics, whose versions pile up until the transaction ends.
BATCH = 1000
SEARCH_GOAL = 50  # ms, the p95 of the search alone, on either backend


def _windows(base: Article) -> list[list[Block]]:
    """Every run of ``WINDOW`` consecutive paragraphs of an article, as blocks."""
    paragraphs = [
        " ".join(base.sentences[i].text for i in p.sentences) for p in base.paragraphs
        if p.sentences
    ]
    last = max(1, len(paragraphs) - WINDOW + 1)
    return [[Block(t) for t in paragraphs[s:s + WINDOW]] for s in range(last)]


async def _fill(
    database: Database, bases: list[Article], count: int, model: str | None
) -> int:
    """``count`` variants in ``SPACE``, ``BATCH`` a transaction; how many sentences they hold.

    Written on a connection of its own, underneath the service: a variant is not an upload (no
    parsing, no model), and 100 000 of them must be written in minutes.
    """
    index = database.search_index()
    windows = [(base, blocks) for base in bases for blocks in _windows(base)]
    fields = {}
    rng = np.random.default_rng(0)
    sentences = 0
    now = "2026-01-01T00:00:00"
    for first in range(0, count, BATCH):
        async with database.transaction() as db:
            for n in range(first, min(count, first + BATCH)):
                base, blocks = windows[n % len(windows)]
                article = build_article(f"{base.title} ({n})", blocks, base.language, [])
                key = n % len(windows)
                if key not in fields:
                    fields[key] = article_fields(article)
                title = tuple(tokens(" ".join(terms(article.title, article.language))))
                vectors = rng.standard_normal((len(article.sentences), 384)).astype(np.float32)
                vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
                inserted = await db.execute(
                    "INSERT INTO articles (space, source_key, title, current_version, created_at)"
                    " VALUES (?, ?, ?, 1, ?) RETURNING id",
                    (SPACE, f"variant:{n}", article.title, f"2025-01-01T00:00:{n:09d}"),
                )
                article_id = inserted.rows[0]["id"]
                await db.execute(
                    "INSERT INTO versions (article_id, version, source, language, content,"
                    " indexed_at, vectors, model) VALUES (?, 1, ?, ?, ?, ?, ?, ?)",
                    (article_id, f"variant-{n}.txt", article.language,
                     json.dumps(article.to_dict(), ensure_ascii=False), now,
                     to_bytes(vectors) if model else None, model),
                )
                await index.replace(
                    db, SPACE, article_id, 1, article,
                    replace(fields[key], title=title),
                )
                sentences += len(article.sentences)
    return sentences


async def _index_some(kiosque: Kiosque, paths: list[Path]) -> float:
    """Sentences per second indexing ``paths`` as new articles (BM25 only: no model time)."""
    sentences = 0
    start = time.perf_counter()
    for n, path in enumerate(paths):
        info = await kiosque.index_bytes(SPACE, path.read_bytes(), f"again-{n}-{path.name}")
        sentences += info.sentences
    return sentences / (time.perf_counter() - start)


async def _ask_all(
    kiosque: Kiosque, cases: list[realistic.Case], ids: list[int]
) -> tuple[dict[str, list[float]], float]:
    """Milliseconds per question each way, and the share of answerable questions answered
    library-wide from their own article (``ids``: the id of each case's article)."""
    timings: dict[str, list[float]] = {"library-wide": [], "newest, then routed": []}
    right = []
    await kiosque.warm()  # as the bot does at start
    for c, case in enumerate(cases):
        for q, question in enumerate(case.questions):
            for way, library in (("library-wide", True), ("newest, then routed", False)):
                start = time.perf_counter()
                answer = await kiosque.ask(SPACE, question["q"], f"{way}-{c}-{q}",
                                           library=library)
                timings[way].append(1000 * (time.perf_counter() - start))
                if library and question["kind"] != "abstain":
                    right.append(not answer.abstained and answer.article_id == ids[c])
    return timings, sum(right) / len(right)


async def _search_all(kiosque: Kiosque, cases: list[realistic.Case]) -> list[float]:
    """Milliseconds of the library-wide search alone (the engine's candidates and ranking)."""
    timings = []
    for case in cases:
        for question in case.questions:
            wanted = search_terms(read_question(question["q"]))
            start = time.perf_counter()
            await kiosque.hits(SPACE, wanted)
            timings.append(1000 * (time.perf_counter() - start))
    return timings


async def _run(url: str) -> dict[str, object]:
    """The figures of one backend, on the empty database ``url``."""
    cases = [case for name in realistic.FILES for case in realistic.load(name)]
    own = {case.article.title for case in cases}
    # The articles kept for measurement are no part of the library a setting is chosen on.
    kept = realistic.reserved()
    paths = [p for p in sorted(CORPUS.glob("*.html")) if p.name not in kept]
    others = [a for a in (parse_article(p.read_bytes(), p.name) for p in paths)
              if a.title not in own]
    spare = [p for p in paths if parse_article(p.read_bytes(), p.name).title not in own]
    embedder = evaluation_embedder()
    model = embedder.name if embedder else None
    settings = Settings(database_url=url, semantic=False)
    right: dict[str, float] = {}
    figures: dict[str, object] = {"right": right}
    kiosque = await Kiosque.open(settings, seed=False)
    try:
        empty = await _index_some(kiosque, spare[:INDEXED])
        ids = []  # the oldest articles: being recent helps them in no search
        for n, case in enumerate(cases):
            info = await kiosque.add_article(SPACE, case.article, f"real-{n}",
                                             vectors=vectors_of(embedder, case.article),
                                             model=model)
            ids.append(info.id)
        start = time.perf_counter()
        database = await open_database(settings)
        try:
            sentences = await _fill(database, others, ARTICLES - len(cases), model)
        finally:
            await database.close()
        figures["fill"] = (time.perf_counter() - start, sentences)
        full = await _index_some(kiosque, spare[INDEXED:2 * INDEXED])
        figures["indexing"] = (empty, full)
        figures["articles"] = await kiosque.article_count(SPACE)
    finally:
        await kiosque.close()
    if embedder is not None:
        kiosque = await Kiosque.open(settings, seed=False, embedder=embedder)
        try:
            figures["semantic+BM25"], right["semantic+BM25"] = await _ask_all(kiosque, cases, ids)
        finally:
            await kiosque.close()
    kiosque = await Kiosque.open(settings, seed=False)
    try:
        figures["BM25 only"], right["BM25 only"] = await _ask_all(kiosque, cases, ids)
        figures["search"] = await _search_all(kiosque, cases)
    finally:
        await kiosque.close()
    return figures


def main(argv: list[str] | None = None) -> int:
    """Print the figures (``--postgres``: Postgres's beside SQLite's)."""
    parser = argparse.ArgumentParser(prog="python -m bench.search", description=__doc__)
    parser.add_argument("--postgres", action="store_true",
                        help="also run on a temporary Postgres server")
    args = parser.parse_args(argv)
    backends: dict[str, dict[str, object]] = {}
    with tempfile.TemporaryDirectory() as tmp:
        backends["SQLite (FTS5)"] = asyncio.run(_run(f"sqlite:///{Path(tmp) / 'search.db'}"))
    if args.postgres:
        from support.postgres_server import temporary_postgres

        # Sized like a server that holds such a library: its 100 000 articles' search rows and
        # their index (about 260 MB) fit in shared buffers (the default, 128 MB, does not).
        with temporary_postgres("-c shared_buffers=512MB") as server:
            backends["Postgres"] = asyncio.run(_run(server.create_database()))
    for backend, figures in backends.items():
        _print(backend, figures)
    print(f"the library-wide search alone at {ARTICLES} articles, p95 (goal <= {SEARCH_GOAL} ms): "
          + ", ".join(f"{backend} {percentile(figures['search'], 0.95):.1f} ms"
                      for backend, figures in backends.items()))
    return 0


def _print(backend: str, figures: dict[str, object]) -> None:
    seconds, sentences = figures["fill"]
    print(f"{backend}: a server with {figures['articles']} articles, {sentences} generated "
          f"sentences (written in {seconds:.0f} s): /ask without naming an article, 242 questions")
    print("  (semantic: each question's vector comes from the evaluation cache; the model's own"
          " time is not in these figures)")
    row = "  {:44}" + "{:>21}" * 4 + "{:>10}"
    modes = [m for m in ("semantic+BM25", "BM25 only") if m in figures]
    columns = [(m, way) for m in modes for way in ("library-wide", "newest, then routed")]
    print(row.format("", *[f"{way}" for _, way in columns], "goal"))
    print(row.format("", *[f"{m}" for m, _ in columns], ""))
    for label, share, goal in (("p50 (ms)", 0.5, ""), ("p95 (ms)", 0.95, "<= 50")):
        cells = [f"{percentile(figures[m][way], share):.1f}" for m, way in columns]
        print(row.format(label, *cells, goal))
    print(row.format("answerable, from its own article",
                     *[f"{figures['right'][m]:.3f}" if way == "library-wide" else ""
                       for m, way in columns], ""))
    search = figures["search"]
    print(f"  {'the search alone, p50 / p95 (ms)':44}{percentile(search, 0.5):>18.1f}"
          f"{percentile(search, 0.95):>18.1f}   goal: p95 <= {SEARCH_GOAL} ms")
    empty, full = figures["indexing"]
    print(f"indexing {INDEXED} Wikinews articles (BM25 only), sentences per second: "
          f"{empty:.1f} into an empty library, {full:.1f} into the full one")


if __name__ == "__main__":
    raise SystemExit(main())
