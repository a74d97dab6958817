"""``python -m eval.tune``: choose a retrieval setting by nested cross-validation over articles.

A retrieval weight (``index.search.retrieval.Fusion``, ``index.search.article_index.Weights``)
chosen by
looking at the held-back figures of every fold would be fitted on all of them. Here, for each
fold ``f``, each candidate setting is scored on the other four folds only, each of them held
back in turn with the decision fitted on the remaining three (inner folds); the setting that
scores best there is the one measured on ``f``, with the decision fitted on the other four
(outer fold, as ``eval.cv``). The outer counts, summed over the folds, are what the choice
itself is worth on articles it was not made on; a setting is kept only when every (or nearly
every) fold chooses it.
"""

from __future__ import annotations

import argparse
import sys
from collections import Counter
from collections.abc import Callable
from dataclasses import fields, replace

from eval import calibrate, piaf, realistic
from eval.calibrate import Data, Row, decide
from eval.folds import K, fold_of
from eval.memo import MemoResponder
from eval.vectors import CachedEmbedder, evaluation_embedder
from index.search.article_index import Weights
from index.search.retrieval import Fusion

Counts = dict[int, tuple[Counter[str], Counter[str]]]  # fold -> (realistic, PIAF) counts


def objective(real: Counter[str], titled: Counter[str]) -> float:
    """What a setting is chosen for: the first passage (realistic and PIAF), and near-topic
    questions abstained at a quarter of its weight (the decision keeps answerable questions
    abstained within its budgets on its training folds whatever the setting)."""
    first = real["first"] / (real["answerable"] or 1)
    near = real["abstain_hit"] / (real["abstain"] or 1)
    return first + piaf.figures(titled)["piaf_first"] + 0.25 * near


def fold_counts(
    responder: MemoResponder,
    data: Data,
    rows: list[Row],
    embedder: CachedEmbedder | None,
    left_out: frozenset[int],
    k: int = K,
) -> Counts:
    """Each fold of ``left_out``'s counts with the decision fitted on the folds outside it."""
    kept = responder.tuning
    training = [r for r in rows if fold_of(r.article, k) not in left_out]
    cases = [(c, s) for c, s in data.cases if fold_of(c.name, k) not in left_out]
    system = piaf.project(responder, embedder)
    pairs = piaf.fold_pairs(data.titles)
    vectors = {id(case.article): stored.vectors for case, stored in data.cases}
    out: Counts = {}
    try:
        responder.tuning, _ = decide(responder, training, cases)
        for fold in left_out:
            held = [c for c, _ in data.cases if fold_of(c.name, k) == fold]
            titles = [t for t in data.titles if fold_of(t.article.title, k) == fold]
            within = [(a, b) for a, b in pairs if fold_of(a.article.title, k) == fold]
            out[fold] = (
                realistic.score(responder, held, vectors), piaf.score(system, titles, within)
            )
    finally:
        responder.tuning = kept
    return out


def setting_counts(
    responder: MemoResponder, data: Data, embedder: CachedEmbedder | None, k: int = K
) -> tuple[Counts, dict[tuple[int, int], tuple[Counter[str], Counter[str]]]]:
    """Outer counts (fold ``f``, decision fitted on the others) and inner counts
    (fold ``g`` while ``f`` is set aside: decision fitted on the folds outside both)."""
    rows = calibrate.collect_rows(responder, data, embedder)
    outer: Counts = {}
    inner: dict[tuple[int, int], tuple[Counter[str], Counter[str]]] = {}
    for f in range(k):
        outer.update(fold_counts(responder, data, rows, embedder, frozenset({f}), k))
        for g in range(f + 1, k):
            both = fold_counts(responder, data, rows, embedder, frozenset({f, g}), k)
            inner[(f, g)], inner[(g, f)] = both[g], both[f]
    return outer, inner


def nested(
    settings: dict[str, tuple[Fusion, Weights]],
    embedder: CachedEmbedder | None,
    data: Data,
    k: int = K,
    report: Callable[[str], None] = print,
) -> tuple[Counter[str], Counter[str], dict[int, str]]:
    """The outer counts of the setting each fold chooses on the other folds, and the choices."""
    measured = {}
    for name, (fusion, weights) in settings.items():
        responder = MemoResponder(embedder=embedder, fusion=fusion, weights=weights)
        measured[name] = setting_counts(responder, data, embedder, k)
        outer = measured[name][0]
        real = sum((outer[f][0] for f in outer), Counter())
        titled = sum((outer[f][1] for f in outer), Counter())
        report(f"{name:28} held-back {_line(real, titled)}")
    chosen: dict[int, str] = {}
    real, titled = Counter(), Counter()
    for f in range(k):
        def inner_score(name: str, f: int = f) -> float:
            inner = measured[name][1]
            r = sum((inner[(f, g)][0] for g in range(k) if g != f), Counter())
            p = sum((inner[(f, g)][1] for g in range(k) if g != f), Counter())
            return objective(r, p)

        # The first setting (today's) wins ties.
        first = next(iter(settings))
        chosen[f] = max(settings, key=lambda n: (round(inner_score(n), 6), n == first))
        real.update(measured[chosen[f]][0][f][0])
        titled.update(measured[chosen[f]][0][f][1])
    report(f"{'chosen per fold':28} held-back {_line(real, titled)}  choices {chosen}")
    return real, titled, chosen


def _line(real: Counter[str], titled: Counter[str]) -> str:
    answerable = real["answerable"] or 1
    figures = piaf.figures(titled)
    return (
        f"first {real['first'] / answerable:.3f}"
        f" abst {real['answerable_abstained'] / answerable:.3f}"
        f" near {real['abstain_hit']}/{real['abstain']} fu {real['followup_hit']}"
        f" piaf {figures['piaf_first']:.3f}/{figures['piaf_inside']:.3f}"
        f"/{figures['piaf_false_abstention']:.3f}/{figures['piaf_cross_abstention']:.3f}"
    )


def setting(text: str) -> tuple[Fusion, Weights]:
    """A setting written ``field=value,field=value`` (``Fusion`` or ``Weights`` fields),
    the other fields as today."""
    fusion, weights = Fusion(), Weights()
    fusion_fields = {f.name: f.type for f in fields(Fusion)}
    for part in filter(None, text.split(",")):
        name, value = part.split("=")
        number = int(value) if name.endswith(("chars", "length")) else float(value)
        if name in fusion_fields:
            fusion = replace(fusion, **{name: number})
        else:
            weights = replace(weights, **{name: number})
    return fusion, weights


def main(argv: list[str] | None = None) -> int:
    """Nested cross-validation of settings against today's."""
    parser = argparse.ArgumentParser(prog="python -m eval.tune")
    parser.add_argument(
        "settings", nargs="+", help="field=value[,field=value...], e.g. semantic=0.6 k1=0.9,b=0.3"
    )
    arguments = parser.parse_args(argv)
    embedder = evaluation_embedder()
    if embedder is None:
        print("the semantic model cannot load here", file=sys.stderr)
        return 1
    data = calibrate.load_data(embedder)
    settings = {"today": (Fusion(), Weights()), **{t: setting(t) for t in arguments.settings}}
    nested(settings, embedder, data)
    return 0


if __name__ == "__main__":
    sys.exit(main())
