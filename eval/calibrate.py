"""``python -m eval.calibrate``: fit the answer decision and write it to ``bot/data/decision.json``.

The decision (``bot.app.responder``) is a rule (a passage that lacks the kind of answer asked
for never answers) and a logistic score over what retrieval knows of a passage
(``bot.app.responder.answer_features``). This script collects those features for the best passage
of every development question (all three realistic files, the PIAF slice, and each PIAF
title's questions asked against another title of its fold as far-off negatives), fits the
weights, then chooses the thresholds on the same data:

- ``answer_floor``: the highest that keeps answerable questions abstained at most
  ``BUDGET_REALISTIC`` on the realistic files and ``BUDGET_PIAF`` on PIAF (a passage that
  lacks the kind of answer asked for is refused whatever its score, as the responder does);
- ``followup_floor``: the one that gets the most follow-up chains right (the lowest of equals).

The shipped decision is fitted on all the development data; how well that way of fitting
holds on articles it was not fitted on is what ``eval.cv`` measures (grouped k-fold over
articles), and what ``make eval`` prints first. Beside the decision, the script writes the
features it fitted on and the follow-up counts to ``eval/data/decision_rows.json``, so a test
can re-fit without the model and check the shipped file.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import NamedTuple

import numpy as np

from bot.app.replies import Answer
from bot.app.responder import (
    DECISION,
    Responder,
    Tuning,
    answer_features,
    decision_probability,
)
from bot.values import StoredArticle, Turn
from eval import piaf, realistic, seed
from eval.memo import MemoResponder
from eval.vectors import CachedEmbedder, evaluation_embedder, vectors_of

ROWS = Path(__file__).resolve().parent / "data" / "decision_rows.json"
# The answer floor's budgets are the targets for answerable questions abstained
# (6 % of realistic ones, 3 % of PIAF's). The previous budgets (10.5 % and 3.5 %, from the
# fit half) gave, on held-back folds, 8 % answerable abstained for 3 more near-topic questions
# of 80 abstained (eval/README.md).
# Fitted at 6 %, the floor left held-back folds at 6.2 % on the written questions (49 of 792);
# at 5.5 % they stay under the target everywhere (46 of 792, 15 of 356 on the development
# files) for one near-topic question of 1 000 (chosen by held-back folds over 5, 5.5, 6, 6.5
# and 7 %: eval/README.md).
BUDGET_REALISTIC = 0.055
BUDGET_PIAF = 0.025
FAR_OFF_LEAST = 0.97  # the least share of far-off questions (another article's) a tower floor
# must keep abstained on
# The score says whether a question is about what the passage is about: it is fitted on
# answerable questions against questions about another article. Near-topic questions are on
# the topic by design; what catches them is the kind of answer they ask for, a rule.
GROUP_WEIGHT = {"answerable": 1.0, "near-topic": 0.0, "piaf": 1.0, "far-off": 1.0}
NAMES = [
    "semantic", "semantic_z", "coverage", "context_coverage", "crosslingual", "unknown_share",
    "unknown_names", "centroid",
]
RULES = ["lacks_kind", "ranked"]  # recorded beside the weighed features: what the rules read
FOLLOWUP_CANDIDATES = (0.0, 0.05, 0.1, 0.15, 0.2, 0.25, 0.3)
# Tower floors tried (the tower's best cosine; 0: no veto). The tower is trained with its
# null at NULL (eval.qtower_train): a question whose best sentence stays under it asks what
# the article does not say.
TOWER_CANDIDATES = (0.0, *np.round(np.arange(0.60, 0.8001, 0.005), 3))
# Where the tower's doubt band may end (its best cosine under it: the passage must be surer).
DOUBT_CANDIDATES = tuple(np.round(np.arange(0.65, 0.8001, 0.01), 3))
SURER_CANDIDATES = np.round(np.arange(0.06, 0.9501, 0.02), 2)  # the floors tried in the band
# The files the decision is fitted on: the three realistic files and the written questions
# (written_pairs.json, eval/README.md); the reader's questions (reader_pairs.json) are
# measured only.
FITTED = {path.name for path in realistic.FILES.values()} | {realistic.HELD_BACK["written"].name}
DIGITS = 5  # features are rounded before fitting, so the stored rows re-fit to the same file


@dataclass(frozen=True)
class Row:
    """The best passage of one question: its features, and whether the question is answerable."""

    group: str  # "answerable", "near-topic", "piaf" or "far-off"
    article: str  # the article it was asked of (its fold's key)
    features: dict[str, float]
    answerable: bool


@dataclass(frozen=True)
class Data:
    """The development data, loaded once: realistic articles (stored) and PIAF titles."""

    cases: tuple[tuple[realistic.Case, StoredArticle], ...]
    titles: tuple[piaf.Title, ...]


def load_data(embedder: CachedEmbedder | None) -> Data:
    """Every realistic file's articles, each as the library would serve it, and PIAF's titles."""
    cases = tuple(
        (case, StoredArticle(id(case.article), 1, case.article, vectors_of(embedder, case.article)))
        for name in realistic.HELD_BACK
        for case in realistic.load(name)
    )
    return Data(cases, tuple(piaf.load()))


def _row(group: str, article: str, found: object, answerable: bool) -> Row:
    features = {
        k: None if v is None else round(v, DIGITS)
        for k, v in answer_features(found, found.best).items()
    }
    return Row(group, article, features, answerable)


def collect_rows(responder: Responder, data: Data, embedder: CachedEmbedder | None) -> list[Row]:
    """Features of the best passage of every question (the ones with a passage at all)."""
    out = []
    for case, stored in data.cases:
        if case.source not in FITTED:
            continue
        for question in case.questions:
            found = responder.retrieval(question["q"], stored)
            if found.best is not None:
                answerable = question["kind"] != "abstain"
                group = "answerable" if answerable else "near-topic"
                out.append(_row(group, case.name, found, answerable))
    stored_of = {
        id(t): StoredArticle(id(t.article), 1, t.article, vectors_of(embedder, t.article))
        for t in data.titles
    }
    for title in data.titles:
        for q in title.questions:
            found = responder.retrieval(q.text, stored_of[id(title)])
            if found.best is not None:
                out.append(_row("piaf", title.article.title, found, True))
    for title, other in piaf.fold_pairs(data.titles):
        for q in other.questions:
            found = responder.retrieval(q.text, stored_of[id(title)])
            if found.best is not None:
                out.append(_row("far-off", title.article.title, found, False))
    return out


def fit(rows: Sequence[Row], l2: float = 0.01, steps: int = 5000) -> Tuning:
    """Logistic regression on standardised features, weighted by group (floors not chosen)."""
    x = np.array([[r.features[n] for n in NAMES] for r in rows], dtype=float)
    y = np.array([r.answerable for r in rows], dtype=float)
    w = np.array([GROUP_WEIGHT[r.group] for r in rows])
    mean, deviation = x.mean(0), x.std(0) + 1e-9
    z = np.hstack([(x - mean) / deviation, np.ones((len(x), 1))])
    theta = np.zeros(z.shape[1])
    for _ in range(steps):
        p = 1 / (1 + np.exp(-z @ theta))
        gradient = z.T @ ((p - y) * w) / w.sum() + l2 * np.r_[theta[:-1], 0]
        theta -= 0.5 * gradient
    features = tuple(
        (name, round(float(m), 4), round(float(d), 4), round(float(t), 2))
        for name, m, d, t in zip(NAMES, mean, deviation, theta[:-1], strict=True)
    )
    return Tuning(features=features, bias=round(float(theta[-1]), 2))


class Floors(NamedTuple):
    """The floors ``choose_floor`` chooses (``Tuning``'s fields of the same names)."""

    answer_floor: float
    tower_floor: float
    doubt_tower: float = 0.0
    doubt_floor: float = 0.0


def choose_floor(
    tuning: Tuning, rows: Sequence[Row], towers: Sequence[float] | None = None
) -> Floors:
    """The answer floor and the tower floor, and the tower's doubt band: for each tower floor,
    the highest answer floor within the false-abstention budgets; then, over it, the band in
    which the tower doubts (its best cosine under ``doubt_tower``) and the passage must reach
    ``doubt_floor``. Of the rules within the budgets that keep at least ``FAR_OFF_LEAST`` of
    the questions about another article abstained, the one that abstains on the most
    near-topic questions (the lowest floors of equals). ``towers``: the tower floors tried
    (``(0.0,)``: without the tower, no band)."""
    probability = partial(decision_probability, tuning)
    group = np.array([r.group for r in rows])
    refused = np.array([bool(r.features["lacks_kind"]) for r in rows])
    p = np.array([probability(r.features) for r in rows])
    ranked = np.array([_ranked(r) for r in rows])
    # answerable, PIAF, near-topic, far-off (another article's questions)
    groups = [group == name for name in ("answerable", "piaf", "near-topic", "far-off")]

    def shares(out: np.ndarray, band: np.ndarray, surer: np.ndarray) -> list[np.ndarray]:
        """Each group's share abstained, for each floor of ``surer``: ``out``, and the other
        questions of ``band`` under that floor."""
        more = band & ~out
        return [
            (out[g].sum() + np.searchsorted(np.sort(p[more & g]), surer)) / max(int(g.sum()), 1)
            for g in groups
        ]

    def allowed(answerable: np.ndarray, piaf: np.ndarray) -> np.ndarray:
        return (answerable <= BUDGET_REALISTIC) & (piaf <= BUDGET_PIAF)

    best: tuple[tuple[float, float], Floors] | None = None
    no_band = np.zeros(len(rows), dtype=bool)
    for tower in TOWER_CANDIDATES if towers is None else towers:  # 0 first: always kept
        vetoed = refused | (ranked < tower)
        floors = [
            float(f)
            for f in np.arange(0.05, 0.95, 0.01)
            if allowed(*shares(vetoed | (p < f), no_band, np.zeros(1))[:2]).all()
        ]
        if not floors:
            if tower:
                continue  # the tower floor alone spends more than the budgets
            floors = [0.05]  # without it, the lowest floor (as before)
        # The highest answer floor within the budgets; with a doubt band, lower ones too
        # (the band spends part of the budgets).
        for floor in floors[::-1] if towers is None else floors[-1:]:
            base = vetoed | (p < floor)
            for doubt in (0.0, *(d for d in DOUBT_CANDIDATES if d > tower and towers is None)):
                surer = SURER_CANDIDATES if doubt else np.zeros(1)
                answerable, piaf, near, far = shares(base, ranked < doubt, surer)
                if tower or doubt:  # a rule that reads the tower: within the budgets, and
                    # still abstaining on the questions about another article
                    ok = allowed(answerable, piaf) & ((far >= FAR_OFF_LEAST) | ~groups[3].any())
                else:
                    ok = np.ones(1, dtype=bool)  # no tower: the plain floor, as before
                for k in np.flatnonzero(ok):
                    key = (float(near[k]), -float(answerable[k]))
                    if best is None or key > best[0]:
                        chosen = (floor, float(tower), float(doubt), float(surer[k]))
                        best = (key, Floors(*(round(v, 3) for v in chosen)))
    assert best is not None
    return best[1]


def _ranked(row: Row) -> float:
    value = row.features.get("ranked")
    return float("inf") if value is None else float(value)  # no tower reading: no veto


def followup_hits(
    responder: Responder, cases: Sequence[tuple[realistic.Case, StoredArticle]]
) -> int:
    """Follow-up chains whose last answer is right, with the responder's tuning."""
    hits = 0
    for case, stored in cases:
        for chain in case.followups:
            turns: list[Turn] = []
            answer: Answer | None = None
            for text in chain["turns"]:
                answer = responder.answer(text, stored, turns)
                turns.append(
                    Turn("c", "c", text, stored.id, 1, answer.abstained, answer.passages)
                )
            hits += seed.hit(answer, chain["gold_last"])
    return hits


def choose_followup_floor(counts: dict[float, int]) -> float:
    """The floor that gets the most chains right; the lowest of equals, which answers most
    (the development data has no follow-up that the article cannot answer)."""
    return max(counts, key=lambda c: (counts[c], -c))


def decide(
    responder: MemoResponder,
    rows: Sequence[Row],
    cases: Sequence[tuple[realistic.Case, StoredArticle]],
) -> tuple[Tuning, dict[float, int]]:
    """The decision fitted on ``rows`` and ``cases``' chains, and the chains right by
    follow-up floor. The responder's tuning is set to each trial, then left as it was."""
    fitted = fit(rows)
    floors = choose_floor(fitted, rows)
    alone = choose_floor(fitted, rows, towers=(0.0,)).answer_floor
    kept = responder.tuning
    counts = {}
    for candidate in sorted({*FOLLOWUP_CANDIDATES, floors.answer_floor}):
        responder.tuning = Tuning(
            features=fitted.features, bias=fitted.bias, followup_floor=candidate,
            floor_without_tower=alone, **floors._asdict(),
        )
        counts[candidate] = followup_hits(responder, cases)
    responder.tuning = kept
    chosen = Tuning(
        features=fitted.features, bias=fitted.bias,
        followup_floor=choose_followup_floor(counts), floor_without_tower=alone,
        **floors._asdict(),
    )
    return chosen, counts


def decision_json(tuning: Tuning) -> str:
    """The text of ``bot/data/decision.json`` for a decision (one feature a line)."""
    features = ",\n".join(f"  {json.dumps(list(row))}" for row in tuning.features)
    about = (
        "Written by python -m eval.calibrate: the answer decision fitted on all the development"
        " data (eval/README.md). Do not edit by hand. features: name, mean, deviation, weight."
    )
    return (
        "{\n"
        f' "about": {json.dumps(about)},\n'
        f' "features": [\n{features}\n ],\n'
        f' "bias": {json.dumps(tuning.bias)},\n'
        f' "answer_floor": {json.dumps(tuning.answer_floor)},\n'
        f' "followup_floor": {json.dumps(tuning.followup_floor)},\n'
        f' "tower_floor": {json.dumps(tuning.tower_floor)},\n'
        f' "floor_without_tower": {json.dumps(tuning.floor_without_tower)},\n'
        f' "doubt_tower": {json.dumps(tuning.doubt_tower)},\n'
        f' "doubt_floor": {json.dumps(tuning.doubt_floor)}\n'
        "}\n"
    )


def rows_json(rows: Sequence[Row], counts: dict[float, int]) -> str:
    """The text of ``eval/data/decision_rows.json``: what the decision was fitted on."""
    return json.dumps(
        {
            "about": "Written by python -m eval.calibrate: the features of each development"
            " question's best passage, and the follow-up chains right by follow-up floor.",
            "names": [*NAMES, *RULES],
            "rows": [
                [r.group, r.article, int(r.answerable)]
                + [r.features[n] for n in [*NAMES, *RULES]]
                for r in rows
            ],
            "followup_counts": [[c, n] for c, n in counts.items()],
        },
        ensure_ascii=False,
    ) + "\n"


def read_rows(path: Path = ROWS) -> tuple[list[Row], dict[float, int]]:
    """The rows and follow-up counts ``rows_json`` wrote."""
    data = json.loads(path.read_text(encoding="utf-8"))
    names = data["names"]
    rows = [
        Row(group, article, dict(zip(names, values, strict=True)), bool(answerable))
        for group, article, answerable, *values in data["rows"]
    ]
    return rows, {float(c): int(n) for c, n in data["followup_counts"]}


def refit(rows: Sequence[Row], counts: dict[float, int]) -> Tuning:
    """The decision ``decide`` reaches from stored rows and follow-up counts (no model)."""
    fitted = fit(rows)
    return Tuning(
        features=fitted.features, bias=fitted.bias,
        followup_floor=choose_followup_floor(counts),
        floor_without_tower=choose_floor(fitted, rows, towers=(0.0,)).answer_floor,
        **choose_floor(fitted, rows)._asdict(),
    )


def main() -> int:
    """Fit on all the development data, write the decision and what it was fitted on."""
    embedder = evaluation_embedder()
    if embedder is None:
        print("the semantic model cannot load here: nothing to calibrate", file=sys.stderr)
        return 1
    responder = MemoResponder(embedder=embedder)
    data = load_data(embedder)
    rows = collect_rows(responder, data, embedder)
    tuning, counts = decide(responder, rows, data.cases)
    probability = partial(decision_probability, tuning)
    print("# floor: abstained share of each group")
    for trial in (0.2, 0.3, 0.4, 0.5, 0.6, 0.7, tuning.answer_floor):
        shares = {
            group: np.mean(
                [bool(r.features["lacks_kind"]) or probability(r.features) < trial
                 or _ranked(r) < tuning.tower_floor
                 or (_ranked(r) < tuning.doubt_tower
                     and probability(r.features) < tuning.doubt_floor)
                 for r in rows if r.group == group] or [0]
            )
            for group in GROUP_WEIGHT
        }
        print(f"#   {trial:.2f} " + " ".join(f"{g} {v:.2f}" for g, v in shares.items()))
    print(f"# {len(rows)} questions; follow-up chains right by floor: {counts}")
    DECISION.write_text(decision_json(tuning), encoding="utf-8")
    ROWS.write_text(rows_json(rows, counts), encoding="utf-8")
    print(decision_json(tuning), end="")
    print(f"wrote {DECISION} and {ROWS}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
