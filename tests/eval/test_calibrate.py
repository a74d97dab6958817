"""The shipped answer decision is what ``python -m eval.calibrate`` fits, and it is loaded."""

from __future__ import annotations

import json
from pathlib import Path

from bot.app.responder import DECISION, Responder, Tuning, answer_features, load_decision
from bot.values import StoredArticle
from eval import realistic
from eval.calibrate import decision_json, read_rows, refit
from index.vectors.embedding import Embedder

BUNDLED = "russie-coree-du-nord-alliance.txt"


def test_the_shipped_decision_is_what_calibrate_fits_from_its_rows() -> None:
    # Weights, means, deviations and the answer floor are re-fitted from the stored features;
    # the follow-up floor is re-chosen from the stored chain counts (which need the model).
    rows, counts = read_rows()
    assert len(rows) > 1000
    assert decision_json(refit(rows, counts)) == DECISION.read_text(encoding="utf-8")


def test_the_stored_features_are_what_retrieval_finds_now(
    semantic_responder: Responder, semantic_stored: StoredArticle
) -> None:
    # The bundled article's realistic questions, asked again with the model: a change to
    # retrieval that moves the features means calibrate must be run again.
    rows, _ = read_rows()
    stored = [r for r in rows if r.article == BUNDLED]
    (case,) = [c for c in realistic.load("more") if c.name == BUNDLED]
    found = [semantic_responder.retrieval(q["q"], semantic_stored) for q in case.questions]
    now = [answer_features(f, f.best) for f in found if f.best is not None]
    assert len(stored) == len(now) >= 10
    for row, features in zip(stored, now, strict=True):
        for name, value in row.features.items():
            assert abs(features[name] - value) < 2e-3, (name, row, features)


def test_the_responder_decides_with_the_loaded_file(
    tmp_path: Path, embedder: Embedder, semantic_stored: StoredArticle
) -> None:
    assert Tuning() == Tuning(**load_decision())
    question = "Qui a ratifié le traité ?"
    assert not Responder(embedder=embedder).answer(question, semantic_stored).abstained
    data = json.loads(DECISION.read_text(encoding="utf-8"))
    data["answer_floor"] = 1.0
    (tmp_path / "decision.json").write_text(json.dumps(data), encoding="utf-8")
    strict = Tuning(**load_decision(tmp_path / "decision.json"))
    assert Responder(strict, embedder=embedder).answer(question, semantic_stored).abstained
