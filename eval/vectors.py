"""The semantic model for evaluation runs, its vectors kept on disk between runs.

Embedding every development article and question takes a minute or two on a 2-core machine;
``make eval`` and ``python -m eval.calibrate`` keep what they computed in ``var/cache/eval``
(keyed by the model and the exact text), so a second run only embeds what changed.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from bot.app.vector_cache import CachedEmbedder
from index.model import Article
from index.vectors.embedding import embed_article, load_embedder

CACHE = Path(__file__).resolve().parent.parent / "var" / "cache" / "eval"


def evaluation_embedder() -> CachedEmbedder | None:
    """The model with its disk cache (questions too), or ``None`` when it cannot load here;
    warmed as the bot warms it, so questions are read by the engine the bot reads them with."""
    embedder = load_embedder(vocabulary_dir=CACHE)
    if embedder is None:
        return None
    embedder.warm()
    return CachedEmbedder(embedder, CACHE, keep_queries=True)


def vectors_of(embedder: CachedEmbedder | None, article: Article) -> np.ndarray | None:
    """An article's sentence vectors as the bot stores them, or ``None`` without the model."""
    if embedder is None or not article.sentences:
        return None
    return embed_article(embedder, article)
