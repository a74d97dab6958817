"""The shipped answer decision is what ``python -m eval.calibrate`` fits, and it is loaded."""

from __future__ import annotations

import json
from pathlib import Path

from bot.app.responder import DECISION, Responder, Tuning, answer_features, load_decision
from bot.values import StoredArticle
from eval import realistic
from eval.calibrate import NAMES, Row, choose_floor, decision_json, fit, read_rows, refit
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


def test_the_tower_floor_refuses_a_question_whose_best_sentence_stays_under_it(
    tmp_path: Path, embedder: Embedder, semantic_stored: StoredArticle
) -> None:
    question = "Qui a ratifié le traité ?"
    found = Responder(embedder=embedder).retrieval(question, semantic_stored)
    assert found.ranked_best is not None  # the shipped model has its tower
    data = json.loads(DECISION.read_text(encoding="utf-8"))
    for floor, abstained in ((found.ranked_best - 0.01, False), (found.ranked_best + 0.01, True)):
        data["tower_floor"] = floor
        (tmp_path / "decision.json").write_text(json.dumps(data), encoding="utf-8")
        tuning = Tuning(**load_decision(tmp_path / "decision.json"))
        answer = Responder(tuning, embedder=embedder).answer(question, semantic_stored)
        assert answer.abstained is abstained


def _row(group: str, i: int, ranked: float | None, shift: float = 0.0) -> Row:
    # weighed features that vary alike in every group but far-off's, the tower's best cosine
    features = {name: (i * (k + 1)) % 11 / 11 + shift for k, name in enumerate(NAMES)}
    return Row(group, "a", features | {"lacks_kind": 0.0, "ranked": ranked}, group != "near-topic")


def test_the_tower_floor_is_chosen_only_where_it_catches_near_topic_questions_within_budget(
) -> None:
    # Answerable and PIAF questions stand high on the tower, near-topic ones low; the
    # decision's feature tells them apart no better than chance.
    rows = [_row("answerable", i, 0.80 + i % 5 / 100) for i in range(200)]
    rows += [_row("piaf", i, 0.80 + i % 5 / 100) for i in range(100)]
    rows += [_row("near-topic", i, 0.70 + i % 5 / 100) for i in range(100)]
    rows += [_row("far-off", i, 0.6, shift=-1.0) for i in range(100)]
    tuning = fit(rows)
    answer_floor, tower_floor = choose_floor(tuning, rows)
    assert 0.05 <= answer_floor < 0.95
    assert 0.74 < tower_floor <= 0.80  # above every near-topic question, under every other
    # without the tower's reading (None: no model, or a follow-up), no tower floor catches
    # anything, and the plain floor is chosen as before
    blind = [Row(r.group, r.article, r.features | {"ranked": None}, r.answerable) for r in rows]
    assert choose_floor(fit(blind), blind)[1] == 0.0
