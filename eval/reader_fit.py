"""Fit the answerability reader (``index.search.reader``) and choose its veto, from ``reader_data``
reads.

The reader is a logistic regression over each candidate's features (``FEATURES``), labelled
by whether the candidate holds the answer. A question is vetoed when none of its first ``N``
candidates reaches the veto floor; beside the veto, the decision's answer floor is lowered
so that answerable questions are not abstained more often than the decision alone allows.
Both are chosen together on the training data, with the reader's probabilities for the
training questions taken out of fold (each training fold predicted by a reader fitted on the
others), so the choice is not made on probabilities the reader has already seen:

- answerable questions abstained at most ``BUDGET_REALISTIC`` (realistic files and the
  reader's pairs), PIAF's at most ``BUDGET_PIAF`` (the issue's targets, as ``eval.calibrate``);
- among those, the most near-topic questions abstained, then the most far-off ones.

``python -m eval.reader_fit`` fits on all the development data and writes
``bot/data/reader.json``; ``python -m eval.reader_cv`` measures the same way of fitting on
held-back folds.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import partial

import numpy as np

from bot.app import responder
from bot.app.responder import Tuning
from eval.calibrate import BUDGET_PIAF, BUDGET_REALISTIC
from eval.folds import K, fold_of
from eval.reader_data import Read
from index.search.reader import READER_FEATURES, ReaderModel

FEATURES = (
    *READER_FEATURES,
    "semantic",
    "semantic_z",
    "coverage",
    "context_coverage",
    "crosslingual",
    "unknown_share",
    "unknown_names",
    "centroid",
)
GROUP_WEIGHT = {"answerable": 1.0, "near-topic": 1.0, "piaf": 1.0, "far-off": 0.5}
VETO_FLOORS = tuple(round(x, 2) for x in np.arange(0.0, 0.61, 0.02))
FLOOR_STEP = 0.01
READ_CANDIDATES = (1, 2, 3)
# Whether the veto may abstain on answerable questions up to the budgets (the targets)
# rather than no more than the decision alone does.
SPEND_BUDGET = False


@dataclass(frozen=True)
class Fitted:
    """A fitted reader's weights (standardised features) and bias."""

    features: tuple[tuple[str, float, float, float], ...]
    bias: float

    def probabilities(self, matrix: np.ndarray) -> np.ndarray:
        """Probabilities of rows of raw features, in ``FEATURES`` order."""
        mean = np.array([m for _, m, _, _ in self.features])
        deviation = np.array([d for _, _, d, _ in self.features])
        weight = np.array([w for _, _, _, w in self.features])
        z = np.clip(self.bias + ((matrix - mean) / deviation) @ weight, -30, 30)
        return 1 / (1 + np.exp(-z))


def _matrix(reads: Sequence[Read]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    rows, labels, weights = [], [], []
    for read in reads:
        share = GROUP_WEIGHT[read.group] / len(read.features)
        for values, label in zip(read.features, read.labels, strict=True):
            rows.append([values[n] for n in FEATURES])
            labels.append(label)
            weights.append(share)
    return np.array(rows, dtype=float), np.array(labels, dtype=float), np.array(weights)


def fit(reads: Sequence[Read], l2: float = 0.01, steps: int = 3000) -> Fitted:
    """Logistic regression over every candidate of the reads (each question weighs its
    group's weight, shared by its candidates)."""
    x, y, w = _matrix(reads)
    mean, deviation = x.mean(0), x.std(0) + 1e-9
    z = np.hstack([(x - mean) / deviation, np.ones((len(x), 1))])
    theta = np.zeros(z.shape[1])
    for _ in range(steps):
        p = 1 / (1 + np.exp(-np.clip(z @ theta, -30, 30)))
        gradient = z.T @ ((p - y) * w) / w.sum() + l2 * np.r_[theta[:-1], 0]
        theta -= 0.5 * gradient
    features = tuple(
        (name, round(float(m), 5), round(float(d), 5), round(float(t), 4))
        for name, m, d, t in zip(FEATURES, mean, deviation, theta[:-1], strict=True)
    )
    return Fitted(features, round(float(theta[-1]), 4))


def candidate_probabilities(fitted: Fitted, reads: Sequence[Read]) -> list[np.ndarray]:
    """Each read's candidates' probabilities, best candidate first."""
    return [
        fitted.probabilities(np.array([[v[n] for n in FEATURES] for v in r.features]))
        for r in reads
    ]


def out_of_fold(reads: Sequence[Read], k: int = K) -> list[np.ndarray]:
    """Each read's probabilities from a reader fitted on the other folds present."""
    folds = sorted({fold_of(r.article, k) for r in reads})
    out: list[np.ndarray | None] = [None] * len(reads)
    for fold in folds:
        inside = [i for i, r in enumerate(reads) if fold_of(r.article, k) == fold]
        fitted = fit([r for r in reads if fold_of(r.article, k) != fold])
        for i, p in zip(inside, candidate_probabilities(fitted, [reads[i] for i in inside]),
                        strict=True):
            out[i] = p
    return out  # type: ignore[return-value]


def decision_probability(tuning: Tuning) -> Callable[[dict], float]:
    """The decision's probability for a best candidate's features (the responder's own)."""
    return partial(responder.decision_probability, tuning)


@dataclass(frozen=True)
class Choice:
    """The veto chosen on training data, and what it gave there."""

    candidates: int
    veto_floor: float
    answer_floor: float
    near_topic: float
    far_off: float
    answerable: float
    piaf: float


def outcomes(
    reads: Sequence[Read], probabilities: Sequence[np.ndarray], tuning: Tuning,
    candidates: int, veto_floor: float, answer_floor: float,
) -> dict[str, float]:
    """Abstained share of each group with the decision at ``answer_floor`` and the veto."""
    decide = decision_probability(tuning)
    abstained: dict[str, list[bool]] = {g: [] for g in GROUP_WEIGHT}
    for read, p in zip(reads, probabilities, strict=True):
        refused = read.lacks_kind or decide(read.decision) < answer_floor
        vetoed = float(p[:candidates].max()) < veto_floor
        abstained[read.group].append(refused or vetoed)
    return {g: float(np.mean(v)) if v else 0.0 for g, v in abstained.items()}


def choose(
    reads: Sequence[Read], probabilities: Sequence[np.ndarray], tuning: Tuning
) -> Choice:
    """The veto (candidates read, veto floor) and answer floor that abstain on the most
    near-topic questions, abstaining on no more answerable questions (realistic, PIAF) than
    the decision alone does on the same data, nor beyond the budgets, and on no fewer
    questions about another article; without a veto, the decision's own floor."""
    decide = decision_probability(tuning)
    decided = np.array([decide(r.decision) for r in reads])
    lacks = np.array([r.lacks_kind for r in reads])
    groups = np.array([r.group for r in reads])
    alone = lacks | (decided < tuning.answer_floor)
    limit = {
        g: max(budget, alone[groups == g].mean()) if SPEND_BUDGET else alone[groups == g].mean()
        for g, budget in (("answerable", BUDGET_REALISTIC), ("piaf", BUDGET_PIAF))
    }
    far_off = alone[groups == "far-off"].mean() if (groups == "far-off").any() else 0.0
    best: tuple | None = None
    floors = np.arange(0.05, tuning.answer_floor + 1e-9, FLOOR_STEP)
    for n in READ_CANDIDATES:
        reader_best = np.array([float(p[:n].max()) for p in probabilities])
        for veto in VETO_FLOORS:
            vetoed = reader_best < veto
            for floor in floors:
                abstained = lacks | (decided < floor) | vetoed
                share = {g: abstained[groups == g].mean() for g in GROUP_WEIGHT}
                if share["answerable"] > limit["answerable"] or share["piaf"] > limit["piaf"]:
                    continue
                if share["far-off"] < far_off:
                    continue  # nor answer more questions about another article
                key = (share["near-topic"], share["far-off"], -share["answerable"], -n, -veto)
                if best is None or key > best[0]:
                    best = (key, Choice(n, float(veto), round(float(floor), 2),
                                        share["near-topic"], share["far-off"],
                                        share["answerable"], share["piaf"]))
    if best is None:
        return Choice(1, 0.0, tuning.answer_floor, 0, 0, 0, 0)
    return best[1]


def model_of(fitted: Fitted, choice: Choice, centre: np.ndarray) -> ReaderModel:
    """The reader as the responder runs it."""
    return ReaderModel(
        fitted.features, fitted.bias, centre, choice.candidates, choice.veto_floor,
        choice.answer_floor,
    )


def reader_json(model: ReaderModel, about: str) -> str:
    """The text of ``bot/data/reader.json``."""
    features = ",\n".join(f"  {json.dumps(list(row))}" for row in model.features)
    centre = json.dumps([round(float(v), 5) for v in model.centre])
    return (
        "{\n"
        f' "about": {json.dumps(about)},\n'
        f' "features": [\n{features}\n ],\n'
        f' "bias": {json.dumps(model.bias)},\n'
        f' "candidates": {model.candidates},\n'
        f' "veto_floor": {json.dumps(model.floor)},\n'
        f' "answer_floor": {json.dumps(model.answer_floor)},\n'
        f' "centre": {centre}\n'
        "}\n"
    )
