"""``python -m eval.ablate``: held-back-fold figures with and without each language rule.

Each rule is switched off by replacing, for the run, what ``index.language.question`` or
``index.search.retrieval`` reads at call time (a kind's question pattern, a shape's alternation, a
function): the code is not edited. The answer decision is re-fitted on the training folds in
every run, as ``make eval``'s held-back column is, so a rule is judged with the decision it
would ship with. Rules that did not help on the folds they were not written from were removed
(see eval/README.md); this script measures the ones still there.
"""

from __future__ import annotations

import argparse
import contextlib
import sys
from collections import Counter
from collections.abc import Callable, Iterator

from eval import calibrate, cv, piaf
from eval.memo import MemoResponder
from eval.vectors import evaluation_embedder
from index.language import question as q


def _without_kind(kind: str) -> Callable[[], contextlib.AbstractContextManager]:
    """No question is read as asking for ``kind`` (it falls to the next pattern)."""
    return lambda: _patched(q, _ASKS=tuple(p for p in q._ASKS if p[1] != kind))


# Each rule and how to switch it off.
RULES: dict[str, Callable[[], contextlib.AbstractContextManager]] = {
    "score": _without_kind(q.SCORE),
    "speed": _without_kind(q.SPEED),
    "sentence": _without_kind(q.SENTENCE),
}


@contextlib.contextmanager
def _patched(module: object, **values: object) -> Iterator[None]:
    kept = {name: getattr(module, name) for name in values}
    for name, value in values.items():
        setattr(module, name, value)
    try:
        yield
    finally:
        for name, value in kept.items():
            setattr(module, name, value)


def measure() -> tuple[dict[str, float], dict[str, Counter[str]]]:
    """The held-back-fold figures of the code as it stands (a fresh, empty memo), and each
    article's counts."""
    embedder = evaluation_embedder()
    if embedder is None:
        raise SystemExit("the semantic model cannot load here")
    responder = MemoResponder(embedder=embedder)
    data = calibrate.load_data(embedder)
    rows = calibrate.collect_rows(responder, data, embedder)
    held = cv.held_back(responder, data, rows, embedder)
    real = held.realistic
    figures = {
        "first": real["first"] / real["answerable"],
        "answerable_abstained": real["answerable_abstained"] / real["answerable"],
        "near_topic_abstained": real["abstain_hit"],
        "english": real["english_hit"],
        "followups": real["followup_hit"],
        "repeats": real["followup_repeats"],
    }
    figures.update(piaf.figures(held.piaf))
    return figures, held.articles


KEYS = ("first", "answerable_abstained", "abstain_hit", "followup_hit", "refused", "inside",
        "cross_abstained")


def main(argv: list[str] | None = None) -> int:
    """Print one line of figures per run: all rules, then each rule switched off."""
    parser = argparse.ArgumentParser(prog="python -m eval.ablate")
    parser.add_argument("rules", nargs="*", default=list(RULES), help="rules to switch off")
    names = parser.parse_args(argv).rules
    runs = {"all rules": contextlib.nullcontext, **{f"without {n}": RULES[n] for n in names}}
    base: dict[str, Counter[str]] = {}
    for label, switch in runs.items():
        with switch():
            figures, articles = measure()
        cells = " ".join(
            f"{k} {v:.3f}" if isinstance(v, float) else f"{k} {v}" for k, v in figures.items()
        )
        print(f"{label:24} {cells}", flush=True)
        base = base or articles
        for name, counts in articles.items():
            moved = {k: counts[k] - base[name][k] for k in KEYS if counts[k] != base[name][k]}
            if moved:
                print(f"    {name}: {moved}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
