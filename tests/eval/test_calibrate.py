"""The shipped answer decision is what ``python -m eval.calibrate`` fits, and it is loaded."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bot.app.responder import DECISION, Responder, Tuning, answer_features, load_decision
from bot.values import StoredArticle
from eval import calibrate, realistic
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


RATIFIED = "Qui a ratifié le traité ?"


def _abstains_with(
    changes: dict, folder: Path, embedder: Embedder, stored: StoredArticle
) -> bool:
    """Whether the bundled question is refused with the shipped decision file so changed
    (written, then loaded as the bot loads it)."""
    data = json.loads(DECISION.read_text(encoding="utf-8")) | changes
    (folder / "decision.json").write_text(json.dumps(data), encoding="utf-8")
    tuning = Tuning(**load_decision(folder / "decision.json"))
    return Responder(tuning, embedder=embedder).answer(RATIFIED, stored).abstained


def _tower_best(embedder: Embedder, stored: StoredArticle) -> float:
    found = Responder(embedder=embedder).retrieval(RATIFIED, stored)
    assert found.ranked_best is not None  # the shipped model has its tower
    return found.ranked_best


def test_the_tower_floor_refuses_a_question_whose_best_sentence_stays_under_it(
    tmp_path: Path, embedder: Embedder, semantic_stored: StoredArticle
) -> None:
    best = _tower_best(embedder, semantic_stored)
    for floor, abstained in ((best - 0.01, False), (best + 0.01, True)):
        assert _abstains_with(
            {"tower_floor": floor}, tmp_path, embedder, semantic_stored
        ) is abstained


def test_in_the_tower_s_doubt_band_the_passage_must_be_surer(
    tmp_path: Path, embedder: Embedder, semantic_stored: StoredArticle
) -> None:
    best = _tower_best(embedder, semantic_stored)
    for doubt, abstained in ((best - 0.01, False), (best + 0.01, True)):
        band = {"tower_floor": 0.0, "doubt_tower": doubt, "doubt_floor": 1.0}  # none so sure
        assert _abstains_with(band, tmp_path, embedder, semantic_stored) is abstained


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
    floors = choose_floor(tuning, rows)
    assert 0.05 <= floors.answer_floor < 0.95
    assert 0.74 < floors.tower_floor <= 0.80  # above every near-topic question, under every other
    # without the tower's reading (None: no model, or a follow-up), no tower floor catches
    # anything, and the plain floor is chosen as before
    blind = [Row(r.group, r.article, r.features | {"ranked": None}, r.answerable) for r in rows]
    blind_floors = choose_floor(fit(blind), blind)
    assert blind_floors.tower_floor == 0.0 and blind_floors.doubt_tower == 0.0


def test_a_tower_floor_that_answers_questions_about_another_article_is_refused(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Far-off questions stand with the near-topic ones on the tower and with the answerable
    # ones on the decision's features: the floor under them lets half of them through.
    rows = [_row("answerable", i, 0.80 + i % 5 / 100) for i in range(200)]
    rows += [_row("piaf", i, 0.80 + i % 5 / 100) for i in range(100)]
    rows += [_row("near-topic", i, 0.70 + i % 5 / 100) for i in range(100)]
    rows += [_row("far-off", i, 0.70 + i % 2 / 5) for i in range(100)]
    tuning = fit(rows)
    monkeypatch.setattr(calibrate, "FAR_OFF_LEAST", 0.0)
    assert choose_floor(tuning, rows).tower_floor > 0.74  # the near-topic questions caught
    monkeypatch.setattr(calibrate, "FAR_OFF_LEAST", 0.97)
    refused = choose_floor(tuning, rows)
    assert refused.tower_floor == 0.0 and refused.doubt_tower == 0.0


def test_a_doubt_band_is_chosen_where_a_tower_floor_would_refuse_answerable_questions(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Near-topic questions stand low on the tower, and so do some answerable ones, which the
    # decision's features find sure: a tower floor over the near-topic questions would refuse
    # them (over the budget). Other answerable ones are as unsure as the near-topic ones, but
    # high on the tower: the answer floor cannot rise to the near-topic questions either. A
    # band that asks the doubted questions to be surer catches them, and keeps the others.
    monkeypatch.setattr(calibrate, "FAR_OFF_LEAST", 0.0)
    def row(group: str, i: int, ranked: float, sure: float) -> Row:
        features = {name: sure + (i * (k + 1)) % 7 / 70 for k, name in enumerate(NAMES)}
        return Row(group, "a", features | {"lacks_kind": 0.0, "ranked": ranked},
                   group in ("answerable", "piaf"))

    rows = [row("answerable", i, 0.80 + i % 5 / 100, 1.0) for i in range(150)]
    rows += [row("answerable", i, 0.80 + i % 5 / 100, 0.5) for i in range(20)]  # unsure
    rows += [row("answerable", i, 0.70 + i % 5 / 100, 1.0) for i in range(30)]  # doubted
    rows += [row("piaf", i, 0.80 + i % 5 / 100, 1.0) for i in range(100)]
    rows += [row("near-topic", i, 0.70 + i % 5 / 100, 0.5) for i in range(100)]
    rows += [row("far-off", i, 0.6, 0.0) for i in range(100)]
    floors = choose_floor(fit(rows), rows)
    assert floors.tower_floor <= 0.705 and 0.74 < floors.doubt_tower <= 0.80
    assert floors.answer_floor < floors.doubt_floor
