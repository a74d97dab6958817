"""A "combien" question on a 3 300-sentence article: the answer-shape stage read from the shapes
found when the article was indexed (stored with its version), beside the old path (``holds``
over every sentence at each question); and what finding and reading them back cost.

Run alone with ``python -m bench.shapes``; ``make bench`` prints it too. BM25 alone (no vectors):
embedding 3 300 sentences would take minutes, and the stage does not depend on them.
"""

from __future__ import annotations

import statistics
import sys
import time
from collections.abc import Callable

import numpy as np

from index import parse_article
from index.language.question import read_question
from index.language.shapes import SentenceShapes, article_shapes, holds
from index.search.article_index import ArticleIndex
from index.search.retrieval import retrieve
from index.search.stages import answer_shape
from stress.kills import big_article

QUESTION = "Combien de blindés recense le rapport numéro 3 ?"
RUNS = 7


class _EveryTime(SentenceShapes):
    """The old path: every question reads every sentence again."""

    def holding(self, kind: str | None, asked: str = "") -> np.ndarray | None:
        return np.array([bool(holds(kind, text, asked)) for text in self._texts])


def _ms(action: Callable[[], object], runs: int = RUNS) -> float:
    """Median milliseconds of ``action()`` over ``runs`` runs."""
    timings = []
    for _ in range(runs):
        start = time.perf_counter()
        action()
        timings.append((time.perf_counter() - start) * 1000)
    return statistics.median(timings)


def figures() -> dict[str, float]:
    """Milliseconds of each path (medians), and the article's size in sentences."""
    article = parse_article(big_article(450_000).encode("utf-8"), "chronique.txt")
    asked = read_question(QUESTION, (), article.language)
    texts = [s.text for s in article.sentences]
    stored = article_shapes(article)  # at indexing, on the uploads' pool
    built = ArticleIndex(article, shapes=stored)
    old = ArticleIndex(article)
    old.shapes = _EveryTime(texts)
    return {
        "sentences": len(texts),
        "old": _ms(lambda: [holds(asked.kind, text, asked.text) for text in texts]),
        "first": _ms(lambda: SentenceShapes(texts).holding(asked.kind, asked.text)),
        "warm": _ms(lambda: answer_shape(built, asked)),
        "retrieve": _ms(lambda: retrieve(built, asked)),
        "retrieve_old": _ms(lambda: retrieve(old, asked)),
        "build": _ms(lambda: ArticleIndex(article), runs=3),
        "indexing": _ms(lambda: article_shapes(article), runs=3),
        "reading": _ms(lambda: SentenceShapes.loads(texts, stored), runs=3),
        "stored_kb": len(stored.encode("utf-8")) / 1024,
    }


def main() -> int:
    """Print the figures."""
    found = figures()
    print(f"a count question on a {found['sentences']:.0f}-sentence article (BM25 alone, medians)")
    print(f"  answer shapes, old path: holds() on every sentence   {found['old']:8.1f} ms")
    print(f"  one kind scanned (a version stored without shapes)   {found['first']:8.1f} ms")
    print(f"  answer shapes, stored at indexing, at a question     {found['warm']:8.1f} ms"
          "   goal <= 30")
    print(f"  whole retrieval, old path                            {found['retrieve_old']:8.1f} ms")
    print(f"  whole retrieval, shapes from the built index         {found['retrieve']:8.1f} ms")
    print(f"  building the article's index                         {found['build']:8.1f} ms")
    print(f"  every shape found, at indexing (uploads' pool)       {found['indexing']:8.1f} ms"
          f"   {found['stored_kb']:.0f} KB stored")
    print(f"  stored shapes read back, at building the index       {found['reading']:8.1f} ms")
    return 0


if __name__ == "__main__":
    sys.exit(main())
