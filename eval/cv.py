"""Grouped k-fold cross-validation of the answer decision over articles.

For each fold, the decision (what ``eval.calibrate`` fits: weights, means, deviations, floors)
is fitted on the other folds' articles and measured on the fold's own: realistic questions,
near-topic questions and follow-up chains of all three realistic files, PIAF titles (and their
questions asked of another title of the same fold). The held-back counts, summed over the
folds, say how the decision holds on articles it was not fitted on.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

from eval import piaf, realistic
from eval.calibrate import Data, Row, decide
from eval.folds import K, fold_of
from eval.memo import MemoResponder
from eval.vectors import CachedEmbedder


@dataclass(frozen=True)
class HeldBack:
    """Counts over the held-back folds (``realistic.score`` and ``piaf.score`` counts)."""

    realistic: Counter[str]
    piaf: Counter[str]
    articles: dict[str, Counter[str]]  # each article's (or PIAF title's) own counts


def held_back(
    responder: MemoResponder,
    data: Data,
    rows: Sequence[Row],
    embedder: CachedEmbedder | None,
    k: int = K,
) -> HeldBack:
    """Fit on k - 1 folds, measure on the last, for each fold; the responder's tuning is
    left as it was."""
    kept = responder.tuning
    system = piaf.project(responder, embedder)
    pairs = piaf.fold_pairs(data.titles)
    vectors = {id(case.article): stored.vectors for case, stored in data.cases}
    real: Counter[str] = Counter()
    titled: Counter[str] = Counter()
    articles: dict[str, Counter[str]] = {}
    try:
        for fold in range(k):
            training = [r for r in rows if fold_of(r.article, k) != fold]
            cases = [(c, s) for c, s in data.cases if fold_of(c.name, k) != fold]
            responder.tuning, _ = decide(responder, training, cases)
            for case, _ in data.cases:
                if fold_of(case.name, k) == fold:
                    counts = realistic.score(responder, [case], vectors)
                    articles[f"{case.source}:{case.name}"] = counts
                    real.update(counts)
            for title in data.titles:
                if fold_of(title.article.title, k) == fold:
                    within = [(a, b) for a, b in pairs if a is title]
                    counts = piaf.score(system, [title], within)
                    articles[f"piaf:{title.article.title}"] = counts
                    titled.update(counts)
    finally:
        responder.tuning = kept
    return HeldBack(real, titled, articles)
