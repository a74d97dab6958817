"""``python -m eval.xenc_bench [WEIGHTS]``: what the cross-encoder costs a question.

Every question of ``realistic_more.json`` through ``Responder.answer`` (one thread), with the
decision alone and with the reader reordering and vetoing over two candidates (nothing
remembered between questions; questions read afresh by the warmed e5, articles' vectors
as stored), and the time of one pair alone.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import numpy as np

from bot.app.responder import Responder
from bot.values import StoredArticle
from eval import realistic
from eval.vectors import evaluation_embedder, vectors_of
from eval.xenc_cv import WEIGHTS
from index.search.xenc import Choice, CrossEncoder, CrossReader
from index.vectors.embedding import load_embedder, model_file


def _percentiles(times: list[float]) -> str:
    ms = np.array(times) * 1000
    return f"median {np.median(ms):.0f} ms, p95 {np.percentile(ms, 95):.0f} ms"


def main(argv: list[str] | None = None) -> int:
    """Print the medians and 95th percentiles."""
    arguments = sys.argv[1:] if argv is None else argv
    weights = Path(arguments[0]) if arguments else WEIGHTS
    cached = evaluation_embedder()  # the articles' vectors, as the library stores them
    embedder = load_embedder()  # questions read afresh, as the bot reads them
    if cached is None or embedder is None:
        print("the semantic model cannot load here", file=sys.stderr)
        return 1
    embedder.warm()
    encoder = CrossEncoder(model_file(), dict(np.load(weights)), keep=8)
    # Two candidates read for the reordering and the veto, as every fold of eval.xenc_cv
    # chose; a floor of 0 never vetoes, so every answered question pays both pairs.
    choice = Choice(candidates=2, floor=0.0, rerank=2, rank_weight=1.0)
    cases = realistic.load("more")
    stored = [
        StoredArticle(id(c.article), 1, c.article, vectors_of(cached, c.article)) for c in cases
    ]
    questions = [(q["q"], s) for c, s in zip(cases, stored, strict=True) for q in c.questions]
    pair = ("Qui a remporté le match ?", "Le club lyonnais l'a emporté 2 à 1 samedi soir.")
    once = []
    for _ in range(20):
        encoder._read.clear()
        started = time.perf_counter()
        encoder.probability(*pair)
        once.append(time.perf_counter() - started)
    print(f"one pair ({len(encoder.ids(*pair))} tokens): {_percentiles(once)}")
    for name, reader in (
        ("decision alone", None),
        ("with the reader", CrossReader(encoder, choice)),
    ):
        responder = Responder(embedder=embedder, reader=reader)
        for text, article in questions[:5]:
            responder.answer(text, article)  # indexes built, caches warm
        times = []
        for text, article in questions:
            encoder._read.clear()
            started = time.perf_counter()
            responder.answer(text, article)
            times.append(time.perf_counter() - started)
        print(f"{name} ({len(times)} questions): {_percentiles(times)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
