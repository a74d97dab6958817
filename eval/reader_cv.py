"""``python -m eval.reader_cv``: the answerability reader's veto against today's decision, on
held-back folds (grouped k-fold over articles, ``eval.folds``).

For each fold, the decision is fitted on the other folds as ``eval.cv`` fits it; the reader
is fitted on the other folds' questions, its veto and the answer floor beside it chosen there
(``eval.reader_fit.choose``, on out-of-fold probabilities), and both are measured on the fold
through the responder, in one run: realistic files, the reader's own pairs, PIAF (with its
other-article pairs within the fold). ``--write`` then fits on all the development data and
writes ``bot/data/reader.json``.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections import Counter
from pathlib import Path

from eval import piaf, reader_data, reader_fit, realistic
from eval.calibrate import collect_rows, decide, load_data
from eval.folds import K, fold_of
from eval.memo import MemoResponder
from eval.vectors import evaluation_embedder
from index.search.reader import Reader

READER_FILE = Path(__file__).resolve().parent.parent / "bot" / "data" / "reader.json"
ABOUT = (
    "Written by python -m eval.reader_cv --write: the answerability reader (index/search/reader.py)"
    " fitted on all the development data, its veto floor and the answer floor beside it"
    " (eval/README.md). Do not edit by hand. features: name, mean, deviation, weight;"
    " centre: the mean e5 word vector of the background articles."
)


def _figures(real: Counter, pairs: Counter, titled: Counter) -> dict[str, str]:
    def share(a: int, b: int) -> str:
        return f"{a}/{b} ({a / b:.1%})" if b else "-"

    p = piaf.figures(titled)
    return {
        "first passage (realistic)": f"{real['first'] / real['answerable']:.3f}",
        "answerable abstained (realistic)": share(real["answerable_abstained"], real["answerable"]),
        "near-topic abstained (realistic)": share(real["abstain_hit"], real["abstain"]),
        "follow-ups right": share(real["followup_hit"], real["followups"]),
        "first passage (pairs)": f"{pairs['first'] / max(1, pairs['answerable']):.3f}",
        "answerable abstained (pairs)": share(pairs["answerable_abstained"], pairs["answerable"]),
        "near-topic abstained (pairs)": share(pairs["abstain_hit"], pairs["abstain"]),
        "PIAF first / inside": f"{p['piaf_first']:.3f} / {p['piaf_inside']:.3f}",
        "PIAF false abstention": f"{p['piaf_false_abstention']:.3f}",
        "PIAF other-article abstention": f"{p['piaf_cross_abstention']:.3f}",
    }


def main(argv: list[str] | None = None) -> int:
    """Print the held-back comparison; with ``--write``, write the shipped reader too."""
    parser = argparse.ArgumentParser(prog="python -m eval.reader_cv")
    parser.add_argument("--write", action="store_true", help="write bot/data/reader.json")
    arguments = parser.parse_args(argv)
    started = time.perf_counter()
    embedder = evaluation_embedder()
    if embedder is None:
        print("the semantic model cannot load here: no reader to measure", file=sys.stderr)
        return 1
    responder = MemoResponder(embedder=embedder)
    data = load_data(embedder)
    pairs = reader_data.load_pairs()
    tokens = reader_data.DiskTokens(embedder)
    centre = reader_data.centre_of(tokens, reader_data.centre_articles())
    rows = collect_rows(responder, data, embedder)
    reads = reader_data.collect(responder, data, pairs, embedder, centre)
    print(f"# {len(reads)} questions read ({time.perf_counter() - started:.0f} s)", flush=True)
    vectors = {id(c.article): s.vectors for c, s in data.cases}
    pair_stored = {id(c.article): reader_data._stored(c.article, embedder).vectors for c in pairs}
    system = piaf.project(responder, embedder)
    within = piaf.fold_pairs(data.titles)
    totals = {name: [Counter(), Counter(), Counter()] for name in ("decision", "reader")}
    kept = responder.tuning
    try:
        for fold in range(K):
            training = [r for r in rows if fold_of(r.article, K) != fold]
            cases = [(c, s) for c, s in data.cases if fold_of(c.name, K) != fold]
            responder.tuning, _ = decide(responder, training, cases)
            learn = [r for r in reads if fold_of(r.article, K) != fold]
            choice = reader_fit.choose(learn, reader_fit.out_of_fold(learn), responder.tuning)
            model = reader_fit.model_of(reader_fit.fit(learn), choice, centre)
            print(f"# fold {fold}: decision floor {responder.tuning.answer_floor}, {choice}",
                  flush=True)
            held_cases = [c for c, _ in data.cases if fold_of(c.name, K) == fold]
            held_pairs = [c for c in pairs if fold_of(c.name, K) == fold]
            held_titles = [t for t in data.titles if fold_of(t.article.title, K) == fold]
            held_within = [(a, b) for a, b in within if a in held_titles]
            for name, reader in (("decision", None), ("reader", Reader(model, tokens))):
                responder.reader = reader
                real, own, titled = totals[name]
                real.update(realistic.score(responder, held_cases, vectors))
                own.update(realistic.score(responder, held_pairs, pair_stored))
                titled.update(piaf.score(system, held_titles, held_within))
            responder.reader = None
    finally:
        responder.tuning = kept
        responder.reader = None
    print("\n# held-back folds (5-fold over articles): today's decision | with the reader's veto")
    left, right = _figures(*totals["decision"]), _figures(*totals["reader"])
    for key in left:
        print(f"{key:34s} {left[key]:>18s} | {right[key]:>18s}")
    if arguments.write:
        choice = reader_fit.choose(reads, reader_fit.out_of_fold(reads), kept)
        model = reader_fit.model_of(reader_fit.fit(reads), choice, centre)
        READER_FILE.write_text(reader_fit.reader_json(model, ABOUT), encoding="utf-8")
        print(f"# all data: {choice}\nwrote {READER_FILE}")
    print(f"# {time.perf_counter() - started:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
