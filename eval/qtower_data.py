"""Training data for the question tower (``eval.qtower_train``): ``python -m eval.qtower_data OUT``.

The question tower is e5 with its top layers fine-tuned to rank an article's sentences for a
question (``Embedder.question``). It reads the question only: the sentences keep the vectors
the bot stored for them, so nothing indexed has to be read again. What it is trained on:

- the questions written on the 44 articles that no development file uses
  (``data/written_pairs.json``: 792 answerable ones, each with its gold substrings);
- the PIAF slice's questions (``data/piaf_dev.json``: 373, each with its answer's place).

Each question's positives are the sentences of its article that hold its gold (or overlap its
answer); every other sentence of the batch's articles is a negative. The four realistic
development files (``realistic_dev``, ``realistic_more``, ``own_dev``, ``reader_pairs``) are
never read here: they measure the tower on questions and articles it never saw. The reserved
articles are in no file read here (a test of ``written_pairs.json`` checks it).

Written to ``OUT``: ``items.json`` (question, article key, its half for the cross-fitted models,
positive sentence numbers) and ``vectors.npz`` (each article's sentence vectors, as the bot
stores them, and e5's vector of each question, for the trainer's check that its untrained
tower is e5).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np

from eval import piaf, realistic
from eval.folds import fold_of
from eval.seed import fold_quotes
from eval.vectors import evaluation_embedder, vectors_of

HALVES = 2  # the written articles and PIAF titles are split in two: each half is measured
# by the tower trained on the other (``fold_of(name, HALVES)``)
TRAINED_ON = ("written",)  # the realistic-format files trained on (with the PIAF slice)


def items() -> tuple[list[dict], dict[str, object]]:
    """The training questions and, by article key, the articles they are asked of."""
    out: list[dict] = []
    articles: dict[str, object] = {}
    for name in TRAINED_ON:
        for case in realistic.load(name):
            key = f"{case.source}:{case.name}"
            articles[key] = case.article
            sentences = [fold_quotes(s.text) for s in case.article.sentences]
            for q in case.questions:
                if q["kind"] == "abstain":
                    continue
                gold = [fold_quotes(g) for g in q["gold"]]
                positives = [i for i, s in enumerate(sentences) if any(g in s for g in gold)]
                out.append(_item(q["q"], key, case.name, positives))
    for title in piaf.load():
        article = title.article
        key = f"piaf:{article.title}"
        articles[key] = article
        for q in title.questions:
            positives = [
                i
                for i, s in enumerate(article.sentences)
                if s.start < q.end and q.start < s.start + len(s.text)
            ]
            out.append(_item(q.text, key, article.title, positives))
    return [i for i in out if i["positives"]], articles


def _item(question: str, key: str, name: str, positives: list[int]) -> dict:
    return {
        "q": question,
        "article": key,
        "half": fold_of(name, HALVES),
        "positives": positives,
    }


def main(argv: list[str] | None = None) -> int:
    """Write ``items.json`` and ``vectors.npz`` into the folder given."""
    arguments = sys.argv[1:] if argv is None else argv
    if len(arguments) != 1:
        print("usage: python -m eval.qtower_data OUT_FOLDER", file=sys.stderr)
        return 2
    folder = Path(arguments[0])
    folder.mkdir(parents=True, exist_ok=True)
    embedder = evaluation_embedder()
    if embedder is None:
        print("the semantic model does not load here", file=sys.stderr)
        return 1
    found, articles = items()
    arrays = {
        f"sentences {key}": np.asarray(vectors_of(embedder, article), dtype=np.float32)[
            : len(article.sentences)
        ]
        for key, article in articles.items()
    }
    for number, item in enumerate(found):
        arrays[f"query {number}"] = embedder.query(item["q"])
    np.savez_compressed(folder / "vectors.npz", **arrays)
    (folder / "items.json").write_text(json.dumps(found, ensure_ascii=False), encoding="utf-8")
    print(f"{len(found)} questions on {len(articles)} articles written to {folder}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
