"""Many channels asking at once while an admin reindexes: nothing lost, nothing twice."""

from __future__ import annotations

from stress.load import load
from tests.bot.adapter.harness import run


def test_questions_under_load_with_reindexes_are_each_answered_once() -> None:
    report = run(load(questions=200, channels=20, reindexes=2))
    assert report.sent == 200
    assert report.lost == 0
    assert report.duplicates == 0
    assert report.turns == 200 and report.turns_duplicated == 0
    assert report.inconsistent == 0
    assert report.reindexed == 2
    assert report.errors == []
