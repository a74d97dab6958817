"""The semantic model for evaluation runs, with its vectors kept on disk between runs.

Embedding every development article and question takes a minute or two on a 2-core machine;
``make eval`` and ``python -m eval.calibrate`` keep what they computed in ``var/eval-cache``
(keyed by the model and the text), so a second run only embeds what changed.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np

from index.embedding import Embedder, embed_article, load_embedder
from index.model import Article

CACHE = Path(__file__).resolve().parent.parent / "var" / "eval-cache"


class CachedEmbedder:
    """An ``Embedder`` whose results are remembered in ``folder``."""

    def __init__(self, embedder: Embedder, folder: Path = CACHE) -> None:
        self.embedder = embedder
        self.name = embedder.name
        self.folder = folder
        folder.mkdir(parents=True, exist_ok=True)
        self._queries: dict[str, np.ndarray] = {}

    def _path(self, kind: str, texts: Sequence[str]) -> Path:
        digest = hashlib.sha1("\x00".join([self.name, kind, *texts]).encode()).hexdigest()
        return self.folder / f"{digest}.npy"

    def query(self, text: str) -> np.ndarray:
        """A question's vector."""
        if text not in self._queries:
            path = self._path("query", [text])
            if path.exists():
                vector = np.load(path)
            else:
                vector = self.embedder.query(text)
                np.save(path, vector)
            self._queries[text] = vector
        return self._queries[text]

    def passages(
        self, texts: Sequence[str], progress: Callable[[int, int], None] | None = None
    ) -> np.ndarray:
        """Many passages' vectors, computed once per distinct list of texts."""
        path = self._path("passages", texts)
        if path.exists():
            return np.load(path)
        vectors = self.embedder.passages(texts, progress)
        np.save(path, vectors)
        return vectors


def evaluation_embedder() -> CachedEmbedder | None:
    """The model with its disk cache, or ``None`` when it cannot load here."""
    embedder = load_embedder()
    return CachedEmbedder(embedder) if embedder else None


def vectors_of(embedder: CachedEmbedder | None, article: Article) -> np.ndarray | None:
    """An article's stored form of sentence vectors (as the bot stores them), or ``None``."""
    if embedder is None or not article.sentences:
        return None
    return embed_article(embedder, article)  # type: ignore[arg-type]
