"""The semantic model for evaluation runs, its vectors kept on disk between runs.

Embedding every development article and question takes a minute or two on a 2-core machine;
``make eval`` and ``python -m eval.calibrate`` keep what they computed in ``var/cache/eval``
(keyed by the model and the exact text), so a second run only embeds what changed.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from bot.app.responder import RANKING
from bot.app.vector_cache import CachedEmbedder
from index.model import Article
from index.vectors.embedding import Encoder, clip, embed_article, load_embedder

CACHE = Path(__file__).resolve().parent.parent / "var" / "cache" / "eval"
# The question tower's vectors of the questions it was trained on, each from the tower
# trained without its half (``eval.qtower_ship``).
HELD_OUT = Path(__file__).resolve().parent / "data" / "ranking_held_out.npz"


def evaluation_embedder(tower: bool = True) -> CachedEmbedder | None:
    """The model with its disk cache (questions too), or ``None`` when it cannot load here;
    warmed as the bot warms it, so questions are read by the engine the bot reads them with.

    With the bot's question tower (``bot/data/ranking.npz``) unless ``tower`` is false; the
    questions it was trained on (written articles, PIAF slice) are then read by the tower
    trained without their half (``HeldOutTower``)."""
    embedder = load_embedder(vocabulary_dir=CACHE, ranking=RANKING if tower else None)
    if embedder is None:
        return None
    embedder.warm()
    if tower and embedder.ranker is not None:
        return HeldOutTower(embedder, CACHE)
    return CachedEmbedder(embedder, CACHE, keep_queries=True)


def key(text: str) -> str:
    """How a question is looked up in the held-out vectors: as the model reads it."""
    return " ".join(clip(text).split())


class HeldOutTower(CachedEmbedder):
    """The evaluation's model, whose question tower reads each question it was trained on
    as the tower trained without that question's half did (``eval/data/ranking_held_out.npz``,
    written by ``eval.qtower_ship``): no figure comes from a question trained on."""

    def __init__(self, embedder: Encoder, folder: Path, path: Path = HELD_OUT) -> None:
        super().__init__(embedder, folder, keep_queries=True)
        with np.load(path) as arrays:
            self.held_out = dict(
                zip(arrays["texts"].tolist(), arrays["vectors"].astype(np.float32), strict=True)
            )

    def question(self, text: str) -> tuple[np.ndarray, np.ndarray | None]:
        vector, ranked = super().question(text)
        return vector, self.held_out.get(key(text), ranked)


def vectors_of(embedder: CachedEmbedder | None, article: Article) -> np.ndarray | None:
    """An article's sentence vectors as the bot stores them, or ``None`` without the model."""
    if embedder is None or not article.sentences:
        return None
    return embed_article(embedder, article)
