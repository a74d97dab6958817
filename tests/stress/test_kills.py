"""Kill -9 during a reindex: the database stays whole and the previous version is served."""

from __future__ import annotations

import time
from pathlib import Path

from stress.kills import (
    DEFAULT_LIMIT,
    MARKER,
    TITLE,
    big_article,
    kill_during_embedding,
    kill_during_reindex,
)


def test_big_article_is_the_size_asked_and_under_the_limit() -> None:
    text = big_article(3_000_000)
    size = len(text.encode("utf-8"))
    assert 3_000_000 <= size < DEFAULT_LIMIT
    assert text.startswith(TITLE) and MARKER not in text
    assert "Chapitre 2 :" in text


def test_three_kills_during_a_reindex_are_survived(tmp_path: Path) -> None:
    started = time.perf_counter()
    kills, failures = kill_during_reindex(tmp_path, points=3, size=1_500_000)
    assert failures == []
    assert kills >= 2
    assert time.perf_counter() - started < 90


def test_a_kill_while_embedding_leaves_the_previous_version_served(tmp_path: Path) -> None:
    assert kill_during_embedding(tmp_path) == []
