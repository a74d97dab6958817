"""Library-wide questions in a server of 100 000 articles, and indexing as the library grows.

The library: the 22 Wikinews articles of the realistic development questions, indexed as the
bot indexes them (their sentence vectors made by the model), among generated variants of the
80 other Wikinews articles of ``bench/data`` (a window of three paragraphs each under a
numbered title). Variants are written in one transaction the way ``Library`` writes them,
including their rows of the library-wide index; their sentence vectors are random unit vectors,
so that every candidate costs the semantic work a real one costs (they are there for timing:
the figures of quality are ``make eval``'s).

Each of the 242 development questions is asked without naming an article (``/ask`` in a
channel of its own with the library option), with the semantic model and without it, beside
the previous behaviour (the channel's newest article answers) in the same run. Indexing is
timed into an empty library and into the full one.
"""

from __future__ import annotations

import asyncio
import json
import os
import statistics
import tempfile
import time
from dataclasses import replace
from pathlib import Path

import numpy as np

from bench.run import CORPUS, percentile
from bot.service import Kiosque
from bot.settings import Settings
from bot.values import guild_space
from eval import realistic
from eval.vectors import evaluation_embedder, vectors_of
from index import parse_article
from index.analysis import terms
from index.clean import Block
from index.embedding import to_bytes
from index.fields import sentence_fields
from index.model import Article
from index.structure import build_article

ARTICLES = int(os.environ.get("BENCH_ARTICLES", "100000"))
SPACE = guild_space(1)
WINDOW = 3
INDEXED = 10  # articles timed into the empty and the full library


def _windows(base: Article) -> list[list[Block]]:
    """Every run of ``WINDOW`` consecutive paragraphs of an article, as blocks."""
    paragraphs = [
        " ".join(base.sentences[i].text for i in p.sentences) for p in base.paragraphs
        if p.sentences
    ]
    last = max(1, len(paragraphs) - WINDOW + 1)
    return [[Block(t) for t in paragraphs[s:s + WINDOW]] for s in range(last)]


async def _fill(kiosque: Kiosque, bases: list[Article], count: int, model: str | None) -> int:
    """``count`` variants in ``SPACE``, in one transaction; how many sentences they hold."""
    windows = [(base, blocks) for base in bases for blocks in _windows(base)]
    fields = {}
    rng = np.random.default_rng(0)
    sentences = 0
    now = "2026-01-01T00:00:00"
    async with kiosque.database.transaction() as db:
        for n in range(count):
            base, blocks = windows[n % len(windows)]
            article = build_article(f"{base.title} ({n})", blocks, base.language, [])
            key = n % len(windows)
            if key not in fields:
                fields[key] = sentence_fields(article)
            title = " ".join(terms(article.title, article.language))
            vectors = rng.standard_normal((len(article.sentences), 384)).astype(np.float32)
            vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
            cursor = await db.execute(
                "INSERT INTO articles (space, source_key, title, current_version, created_at)"
                " VALUES (?, ?, ?, 1, ?)",
                (SPACE, f"variant:{n}", article.title, f"2025-01-01T00:00:{n:09d}"),
            )
            await db.execute(
                "INSERT INTO versions (article_id, version, source, language, content,"
                " indexed_at, vectors, model) VALUES (?, 1, ?, ?, ?, ?, ?, ?)",
                (cursor.lastrowid, f"variant-{n}.txt", article.language,
                 json.dumps(article.to_dict(), ensure_ascii=False), now,
                 to_bytes(vectors) if model else None, model),
            )
            await kiosque.library.search.replace(
                db, SPACE, cursor.lastrowid, 1, article,
                [replace(f, title=title) for f in fields[key]],
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
) -> dict[str, list[float]]:
    """Milliseconds per question, each way; under ``"<way> right"``, 1.0 for each answerable
    question answered from its own article."""
    timings: dict[str, list[float]] = {}
    await kiosque.warm()  # as the bot does at start
    for c, case in enumerate(cases):
        for q, question in enumerate(case.questions):
            for way, library in (("library-wide", True), ("newest, then routed", False)):
                start = time.perf_counter()
                answer = await kiosque.ask(SPACE, question["q"], f"{way}-{c}-{q}",
                                           library=library)
                timings.setdefault(way, []).append(1000 * (time.perf_counter() - start))
                if question["kind"] != "abstain":
                    right = not answer.abstained and answer.article_id == ids[c]
                    timings.setdefault(f"{way} right", []).append(float(right))
    return timings


async def _run(folder: Path) -> dict[str, object]:
    cases = [case for name in realistic.FILES for case in realistic.load(name)]
    own = {case.article.title for case in cases}
    paths = sorted(CORPUS.glob("*.html"))
    others = [a for a in (parse_article(p.read_bytes(), p.name) for p in paths)
              if a.title not in own]
    spare = [p for p in paths if parse_article(p.read_bytes(), p.name).title not in own]
    embedder = evaluation_embedder()
    model = embedder.name if embedder else None
    settings = Settings(database_url=f"sqlite:///{folder / 'search.db'}", semantic=False)
    figures: dict[str, object] = {}
    kiosque = await Kiosque.open(settings, seed=False)
    try:
        empty = await _index_some(kiosque, spare[:INDEXED])
        start = time.perf_counter()
        sentences = await _fill(kiosque, others, ARTICLES - len(cases), model)
        figures["fill"] = (time.perf_counter() - start, sentences)
        ids = [
            (await kiosque.library.add(SPACE, case.article, f"real-{n}",
                                       vectors=vectors_of(embedder, case.article),
                                       model=model)).id
            for n, case in enumerate(cases)
        ]
        full = await _index_some(kiosque, spare[INDEXED:2 * INDEXED])
        figures["indexing"] = (empty, full)
        figures["articles"] = await kiosque.library.count(SPACE)
    finally:
        await kiosque.close()
    if embedder is not None:
        kiosque = await Kiosque.open(settings, seed=False)
        kiosque = Kiosque(settings, kiosque.database, embedder)
        try:
            figures["semantic+BM25"] = await _ask_all(kiosque, cases, ids)
        finally:
            await kiosque.close()
    kiosque = await Kiosque.open(settings, seed=False)
    try:
        figures["BM25 only"] = await _ask_all(kiosque, cases, ids)
    finally:
        await kiosque.close()
    return figures


def main() -> int:
    """Print the figures."""
    with tempfile.TemporaryDirectory() as tmp:
        figures = asyncio.run(_run(Path(tmp)))
    seconds, sentences = figures["fill"]
    print(f"a server with {figures['articles']} articles, {sentences} generated sentences "
          f"(written in {seconds:.0f} s): /ask without naming an article, 242 questions")
    row = "  {:44}" + "{:>18}" * 4 + "{:>10}"
    modes = [m for m in ("semantic+BM25", "BM25 only") if m in figures]
    columns = [(m, way) for m in modes for way in ("library-wide", "newest, then routed")]
    print(row.format("", *[f"{way}" for _, way in columns], "goal"))
    print(row.format("", *[f"{m}" for m, _ in columns], ""))
    for label, share, goal in (("p50 (ms)", 0.5, ""), ("p95 (ms)", 0.95, "<= 50")):
        cells = [f"{percentile(figures[m][way], share):.1f}" for m, way in columns]
        print(row.format(label, *cells, goal))
    cells = [f"{statistics.fmean(figures[m][way + ' right']):.2f}" for m, way in columns]
    print(row.format("answered from the right article", *cells, ""))
    empty, full = figures["indexing"]
    print(f"indexing {INDEXED} Wikinews articles (BM25 only), sentences per second: "
          f"{empty:.1f} into an empty library, {full:.1f} into the full one")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
