"""Training data for the question tower (``eval.qtower_train``): ``python -m eval.qtower_data OUT``.

The question tower is e5 with its top layers fine-tuned to rank an article's sentences for a
question (``Embedder.question``). It reads the question only: the sentences keep the vectors
the bot stored for them, so nothing indexed has to be read again. What it is trained on:

- every realistic-format file: the questions written on the 44 articles that no development
  file uses (``data/written_pairs.json`` and ``data/written_more.json``, the latter training
  data only), and the four development files (``realistic_dev``, ``realistic_more``,
  ``own_dev``, ``reader_pairs``), except the bundled article's questions, which stay the bot's
  own check;
- the PIAF slice's questions (``data/piaf_dev.json``: 373, each with its answer's place).

An answerable question's positives are the sentences of its article that hold its gold (or
overlap its answer); a near-topic question has none: it is trained to pick the null
(``eval.qtower_train``). Every article is in one of two halves (``fold_of(name, HALVES)``):
the evaluation reads each question with the tower trained on the other half only
(``eval.qtower_ship``, ``eval.vectors.HeldOutTower``), so no figure comes from an article the
tower reading it was trained on. The reserved articles are in no file read here (a test
checks it).

Written to ``OUT``: ``items.json`` (question, article key, its half for the cross-fitted models,
positive sentence numbers) and ``vectors.npz`` (each article's sentence vectors, as the bot
stores them, and e5's vector of each question, for the trainer's check that its untrained
tower is e5).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np

from eval import piaf, realistic
from eval.folds import fold_of
from eval.seed import ARTICLE, fold_quotes
from eval.vectors import evaluation_embedder, vectors_of

HALVES = 2  # the written articles and PIAF titles are split in two: each half is measured
# by the tower trained on the other (``fold_of(name, HALVES)``)
# The realistic-format files trained on (with the PIAF slice): every one. Each question is
# measured by the half tower that never saw its article (``eval.vectors.HeldOutTower``).
TRAINED_ON = ("written", "written_more", "realistic", "more", "own", "pairs")
# SQuAD-format files trained on: the PIAF slice (French Wikipedia).
SQUAD_FORMAT = {"piaf": piaf.DATA / "piaf_dev.json"}
# Data measured as training data and not kept, for a trial to add (``--with english,squad2``;
# eval/README.md, "sixth attempt"): English versions of the French questions above and of the
# PIAF slice's (same article, same answer, same half), and a slice of SQuAD 2.0 (English
# Wikipedia, with questions the paragraph does not answer; CC BY-SA 4.0).
ENGLISH_OF = piaf.DATA / "english_of.json"
SQUAD2 = piaf.DATA / "squad2_slice.json"
EXTRA = ("english", "squad2")


def items(
    files: tuple[str, ...] = TRAINED_ON, extra: tuple[str, ...] = ()
) -> tuple[list[dict], dict[str, object]]:
    """The training questions and, by article key, the articles they are asked of.

    The bundled article is never trained on, whatever file asks of it: its questions are the
    bot's own acceptance check (``eval.seed``). ``extra``: names of ``EXTRA`` also trained on
    (``english``: each English version asked of its original's article, with its answer)."""
    out: list[dict] = []
    articles: dict[str, object] = {}
    by_place: dict[str, dict] = {}  # "file|article|number": the item, for its English version
    for name in files:
        for case in realistic.load(name):
            if case.name == ARTICLE.name:
                continue
            key = f"{case.source}:{case.name}"
            articles[key] = case.article
            sentences = [fold_quotes(s.text) for s in case.article.sentences]
            for number, q in enumerate(case.questions):
                if q["kind"] == "abstain":  # near-topic: no sentence answers, the null does
                    item = {**_item(q["q"], key, case.name, []), "near": True}
                else:
                    gold = [fold_quotes(g) for g in q["gold"]]
                    positives = [i for i, s in enumerate(sentences) if any(g in s for g in gold)]
                    item = _item(q["q"], key, case.name, positives)
                out.append(item)
                by_place[f"{name}|{case.name}|{number}"] = item
    squad = {**SQUAD_FORMAT, **({"squad2": SQUAD2} if "squad2" in extra else {})}
    for source, path in squad.items():
        for title in piaf.load(path):
            article = title.article
            key = f"{source}:{article.title}"
            articles[key] = article
            for number, q in enumerate(title.questions):
                if not q.answerable:  # SQuAD 2.0's unanswerable: the null
                    out.append({**_item(q.text, key, article.title, []), "near": True})
                    continue
                positives = [
                    i
                    for i, s in enumerate(article.sentences)
                    if s.start < q.end and q.start < s.start + len(s.text)
                ]
                out.append(_item(q.text, key, article.title, positives))
                by_place[f"{source}|{article.title}|{number}"] = out[-1]
    if "english" in extra:
        out += [
            {**by_place[t["of"]], "q": t["q"]}
            for t in json.loads(ENGLISH_OF.read_text(encoding="utf-8"))["questions"]
            if t["of"] in by_place
        ]
    return [i for i in out if i["positives"] or i.get("near")], articles


def _item(question: str, key: str, name: str, positives: list[int]) -> dict:
    return {
        "q": question,
        "article": key,
        "half": fold_of(name, HALVES),
        "positives": positives,
    }


def main(argv: list[str] | None = None) -> int:
    """Write ``items.json`` and ``vectors.npz`` into the folder given."""
    parser = argparse.ArgumentParser(prog="python -m eval.qtower_data")
    parser.add_argument("folder", type=Path)
    parser.add_argument("--files", default=",".join(TRAINED_ON), help="realistic files, a,b")
    parser.add_argument("--with", dest="extra", default="", help="of: " + ",".join(EXTRA))
    arguments = parser.parse_args(argv)
    files = tuple(arguments.files.split(","))
    extra = tuple(n for n in arguments.extra.split(",") if n)
    if not set(extra) <= set(EXTRA):
        parser.error(f"--with takes {', '.join(EXTRA)}")
    folder = arguments.folder
    folder.mkdir(parents=True, exist_ok=True)
    embedder = evaluation_embedder(tower=False)
    if embedder is None:
        print("the semantic model does not load here", file=sys.stderr)
        return 1
    found, articles = items(files, extra)
    (folder / "files.json").write_text(json.dumps([*files, *extra]), encoding="utf-8")
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
