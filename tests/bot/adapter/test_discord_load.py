"""Many channels asking at once while admins reindex, on one process or on two shard processes
sharing a database: nothing lost, nothing twice."""

from __future__ import annotations

from stress.load import load
from stress.shards import load_shards
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
    assert report.problems() == []  # every first response within Discord's 3 s, too


def test_load_over_two_shard_processes_on_one_database_is_answered_and_recorded_once(
    database_url: str,
) -> None:
    report = run(load_shards(questions=200, channels=20, reindexes=2, probes=2,
                             database_url=database_url))
    assert report.problems() == []
    assert (report.sent, report.answered, report.reindexed) == (200, 200, 2)
    assert report.probes == 8 and report.stale == 0  # 2 rounds during the load, 2 after
