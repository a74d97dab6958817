"""The realistic files the held-back folds measure, the reader's questions among them."""

from __future__ import annotations

from eval import realistic
from eval.build_background import RESERVED


def test_the_reader_pairs_are_a_fourth_held_back_file() -> None:
    cases = realistic.load("pairs")
    reserved = set(RESERVED.read_text(encoding="utf-8").split())
    given = {case.name for name in realistic.FILES for case in realistic.load(name)}
    assert len(cases) == 16 and set(realistic.HELD_BACK) >= set(realistic.FILES)
    assert all(case.source == "reader_pairs.json" and not case.followups for case in cases)
    assert not {case.name for case in cases} & (reserved | given)
    kinds = {q["kind"] for case in cases for q in case.questions}
    assert "abstain" in kinds and kinds - {"abstain"} <= set(realistic.ANSWERABLE)
