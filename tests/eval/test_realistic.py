"""The realistic files as the evaluation loads them, with the measured-only reader pairs."""

from __future__ import annotations

from eval import realistic


def test_the_reader_pairs_load_as_a_measured_file_on_articles_of_their_own() -> None:
    pairs = realistic.load("pairs")
    assert len(pairs) == 16
    assert {case.source for case in pairs} == {"reader_pairs.json"}
    # Never fitted on: not among the files the decision is fitted on.
    assert "pairs" not in realistic.FILES
    english = [q for case in pairs for q in case.questions if q["kind"] == "english"]
    assert len(english) == 16
    reserved = set((realistic.DATA / "reserved_articles.txt").read_text().split())
    evaluated = {case.name for name in realistic.FILES for case in realistic.load(name)}
    assert not {case.name for case in pairs} & (reserved | evaluated)
