"""The question tower's training data and the vectors the evaluation reads its trained-on
questions with: nothing measured comes from a question it was trained on."""

from __future__ import annotations

import numpy as np

from eval import piaf, realistic
from eval.folds import fold_of
from eval.qtower_data import HALVES, TRAINED_ON, items
from eval.qtower_ship import questions_by_half
from eval.vectors import HELD_OUT, HeldOutTower, key
from index.vectors.embedding import Embedder
from tests.conftest import training_libraries_loaded


def test_the_tower_trains_on_the_written_questions_and_piaf_only() -> None:
    found, articles = items()
    sources = {k.split(":", 1)[0] for k in articles}
    assert sources == {"written_pairs.json", "piaf"}
    development = {c.name for n in realistic.FILES for c in realistic.load(n)}
    development |= {c.name for c in realistic.load("pairs")}
    reserved = realistic.reserved()
    names = {k.split(":", 1)[1] for k in articles}
    assert not names & development and not names & reserved
    assert len(found) > 1000 and all(i["positives"] for i in found)
    assert {i["half"] for i in found} == set(range(HALVES))
    # every answerable written question is trained on (near-topic ones have no sentence to pick)
    written = [q for c in realistic.load("written") for q in c.questions if q["kind"] != "abstain"]
    assert sum(1 for i in found if i["article"].startswith("written")) == len(written)


def test_every_trained_on_question_has_a_held_out_vector_and_no_other_does() -> None:
    with np.load(HELD_OUT) as arrays:
        held = set(arrays["texts"].tolist())
        assert arrays["vectors"].shape == (len(held), 384)
    halves = questions_by_half()
    assert {key(t) for asked in halves.values() for t in asked} == held
    assert TRAINED_ON == ("written",)
    # A development question is read by the shipped tower, which never saw its article; one
    # written the same words for another article ("Comment s'appelait le commandant de
    # bord ?", two plane crashes) is read by a half's tower, which never saw it either.
    shared = {
        key(q["q"])
        for name in ("realistic", "more", "own", "pairs")
        for case in realistic.load(name)
        for q in case.questions
    } & held
    written = {key(q["q"]) for c in realistic.load("written") for q in c.questions}
    assert shared <= written and len(shared) <= 3
    # each question's half is its article's (PIAF: its title's)
    first = realistic.load("written")[0]
    assert key(first.questions[0]["q"]) in {key(t) for t in halves[fold_of(first.name, HALVES)]}
    title = piaf.load()[0]
    assert title.questions[0].text in halves[fold_of(title.article.title, HALVES)]


def test_the_evaluation_reads_a_trained_on_question_with_the_held_out_tower(
    embedder: Embedder, tmp_path
) -> None:
    reading = HeldOutTower(embedder, tmp_path)
    written = realistic.load("written")[0].questions[0]["q"]
    development = realistic.load("realistic")[0].questions[0]["q"]
    vector, held = reading.question(written)
    shipped = embedder.question(written)
    assert np.array_equal(vector, shipped[0])  # e5's vector is e5's
    assert float(held @ shipped[1]) < 0.999  # another tower's (trained without its half)
    assert np.array_equal(reading.question(development)[1], embedder.question(development)[1])


def test_the_tower_s_run_time_and_data_need_no_training_library() -> None:
    # The run-time side (``index.vectors``, the service) is checked in test_reader; here the
    # evaluation's reading of the tower and the scripts around its training.
    assert not training_libraries_loaded(
        "index.vectors.embedding", "eval.vectors", "eval.qtower_data", "eval.qtower_ship"
    )
