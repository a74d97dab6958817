"""``python -m eval.xenc_cv``: the answerability cross-encoder's veto
(``index.search.xenc``) against today's decision, on held-back folds (grouped k-fold over
articles, ``eval.folds``).

The cross-encoder is trained on SQuAD 2.0 pairs only (``eval.xenc_train``), never on the
evaluation files, so its probabilities need no fold of their own. Per fold, on the other
folds only: the decision is fitted as ``eval.cv`` fits it, then the veto (how many
candidates the reader reads, the probability under which none answers) and the decision's
answer floor beside it are chosen as ``eval.reader_fit.choose`` chooses them (most near-topic
questions abstained, answerable ones no more than the decision alone there). Both are then
measured on the held-back fold through the responder, in one run: realistic files, the
reader's pairs, PIAF and its other-article pairs.

The pair probabilities are kept on disk (``var/cache/eval/xenc-<weights>.json``): a first
run reads every question's best candidates (about 60 ms a pair on one thread).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

import numpy as np

from bot.app.responder import Tuning, answer_features
from bot.values import StoredArticle
from eval import piaf, reader_data, reader_fit, realistic
from eval.calibrate import Data, collect_rows, decide, load_data
from eval.folds import K, fold_of
from eval.memo import MemoResponder
from eval.reader_data import Read
from eval.vectors import CACHE, CachedEmbedder, evaluation_embedder
from index.model import Article
from index.search.retrieval import Retrieval
from index.search.xenc import Choice, CrossEncoder, CrossReader, log_odds, passage_text
from index.vectors.embedding import model_file

WRITTEN = realistic.HELD_BACK["written"].name  # trained on: never measured here
WEIGHTS = Path(__file__).resolve().parent.parent / "bot" / "data" / "xenc.npz"
CHOICE = WEIGHTS.with_suffix(".json")
ABOUT = (
    "Written by python -m eval.xenc_cv --write: how the answerability cross-encoder"
    " (index/search/xenc.py, weights xenc.npz) is used, chosen on all the development data with the"
    " shipped decision: candidates read, veto floor, the answer floor beside it, candidates"
    " reordered and the rank weight (eval/README.md). Do not edit by hand."
)


class DiskMemo:
    """The encoder's probabilities kept by (question, passage) in one JSON file."""

    def __init__(self, encoder: CrossEncoder, path: Path) -> None:
        self.encoder = encoder
        self.path = path
        self.known: dict[str, float] = (
            json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}
        )
        self.fresh = 0

    def probability(self, question: str, passage: str) -> float:
        key = hashlib.sha1(f"{question}\x00{passage}".encode()).hexdigest()[:20]
        if key not in self.known:
            self.known[key] = round(self.encoder.probability(question, passage), 5)
            self.fresh += 1
            if self.fresh % 500 == 0:
                self.save()
        return self.known[key]

    def save(self) -> None:
        self.path.write_text(json.dumps(self.known), encoding="utf-8")


class Routed:
    """Probabilities from the weights not trained on a question: each written question's from
    the model trained on the other half of the written articles (``--halves``), the others'
    from the main weights."""

    def __init__(self, main: DiskMemo, route: dict[str, DiskMemo]) -> None:
        self.main = main
        self.route = route
        self.routed = 0

    def probability(self, question: str, passage: str) -> float:
        memo = self.route.get(question)
        self.routed += memo is not None
        return (memo or self.main).probability(question, passage)

    @property
    def fresh(self) -> int:
        return self.main.fresh + sum(m.fresh for m in set(self.route.values()))

    def save(self) -> None:
        for memo in {self.main, *self.route.values()}:
            memo.save()


def collect(
    responder: MemoResponder,
    data: Data,
    embedder: CachedEmbedder,
    memo: DiskMemo,
    candidates: int,
    core: bool = False,
) -> list[Read]:
    """Every question's best candidates with the cross-encoder's probability for each
    (``written_pairs.json``'s as source "written": the weights were trained on them)."""
    out: list[Read] = []

    def add(
        group: str,
        source: str,
        key: str,
        stored: StoredArticle,
        question: str,
        label: Callable[[tuple[int, ...]], bool],
    ) -> None:
        found = responder.retrieval(question, stored)
        if found.best is None or not found.semantic:
            return
        article = stored.article
        features, labels = [], []
        for candidate in found.candidates[:candidates]:
            p = memo.probability(found.question.text, passage_text(article, candidate, core))
            features.append(
                {"xenc": p, "xenc_logit": log_odds(p), **answer_features(found, candidate)}
            )
            labels.append(label(candidate.sentences))
        decision = answer_features(found, found.best)
        out.append(
            Read(
                group,
                source,
                key,
                question,
                bool(decision["lacks_kind"]),
                decision,
                tuple(features),
                tuple(labels),
            )
        )

    for case, stored in data.cases:  # realistic files, reader's pairs, written
        source = "pairs" if case.source == reader_data.PAIRS.name else case.source
        source = "written" if case.source == WRITTEN else source
        for q in case.questions:
            answerable = q["kind"] != "abstain"
            add(
                "answerable" if answerable else "near-topic",
                source,
                case.name,
                stored,
                q["q"],
                lambda s, q=q, a=case.article, y=answerable: (
                    y and reader_data._holds_gold(a, s, q["gold"])
                ),
            )
    stored_of = {id(t): reader_data._stored(t.article, embedder) for t in data.titles}
    for title in data.titles:
        for q in title.questions:
            add(
                "piaf",
                "piaf",
                title.article.title,
                stored_of[id(title)],
                q.text,
                lambda s, q=q, a=title.article: reader_data._overlaps(a, s, q.start, q.end),
            )
    for title, other in piaf.fold_pairs(data.titles):
        for q in other.questions:
            add(
                "far-off",
                "piaf",
                title.article.title,
                stored_of[id(title)],
                q.text,
                lambda s: False,
            )
    memo.save()
    return out


RERANKS = (0, 2, 3)  # how many candidates are reordered (0: none)
RANK_WEIGHTS = (0.0, 0.5, 1.0, 2.0, 3.0, 5.0)


def reranked(read: Read, count: int, rank_weight: float) -> Read:
    """The read as the responder sees it once the reader reorders its first candidates."""
    head = min(count, len(read.features))
    if head < 2:
        return read
    keys = [log_odds(read.features[i]["xenc"]) - rank_weight * i for i in range(head)]
    order = [*sorted(range(head), key=lambda i: (-keys[i], i)), *range(head, len(read.features))]
    first = read.features[order[0]]
    decision = {k: v for k, v in first.items() if k != "xenc"}
    return replace(
        read,
        lacks_kind=bool(first["lacks_kind"]),
        decision=decision,
        features=tuple(read.features[i] for i in order),
        labels=tuple(read.labels[i] for i in order),
    )


def choose_rerank(reads: list[Read], tuning: Tuning) -> tuple[int, float]:
    """The reordering that puts the answer first in the most answerable questions (realistic,
    pairs, PIAF) that the decision answers; none on a tie."""
    decide = reader_fit.decision_probability(tuning)
    best = (-1, (0, 0.0))
    for count in RERANKS:
        for weight in RANK_WEIGHTS if count else (0.0,):
            hits = 0
            for read in reads:
                if read.group not in ("answerable", "piaf"):
                    continue
                seen = reranked(read, count, weight)
                answered = not seen.lacks_kind and decide(seen.decision) >= tuning.answer_floor
                hits += answered and seen.labels[0]
            if hits > best[0]:
                best = (hits, (count, weight))
    return best[1]


STACKED = (
    "xenc_logit",
    "semantic",
    "semantic_z",
    "coverage",
    "context_coverage",
    "crosslingual",
    "unknown_share",
    "unknown_names",
    "centroid",
)


def _stacked_reader(fitted: reader_fit.Fitted) -> type[CrossReader]:
    """A reader whose veto weighs the cross-encoder beside the decision's features."""

    class Stacked(CrossReader):
        def vetoes(self, found: Retrieval, article: Article, extra: Callable | None = None) -> bool:
            best = None
            question = found.question.text
            for candidate in found.candidates[: self.model.candidates]:
                text = passage_text(article, candidate, self.model.core)
                values = {"xenc_logit": log_odds(self.encoder.probability(question, text))}
                values.update(extra(candidate))
                row = np.array([[values[n] for n in reader_fit.FEATURES]])
                p = float(fitted.probabilities(row)[0])
                best = p if best is None else max(best, p)
            return best is not None and best < self.model.floor

    return Stacked


def _separation(reads: list[Read]) -> str:
    """How well the best candidate's probability tells answered-right questions from near-topic
    ones (ROC AUC), beside the decision's own probability."""
    right = [r for r in reads if r.group == "answerable" and r.labels[0]]
    near = [r for r in reads if r.group == "near-topic"]
    scores = [r.features[0]["xenc"] for r in right + near]
    labels = [1] * len(right) + [0] * len(near)
    order = np.argsort(scores)
    ranks = np.empty(len(scores))
    ranks[order] = np.arange(1, len(scores) + 1)
    y = np.array(labels)
    n1 = y.sum()
    value = (ranks[y == 1].sum() - n1 * (n1 + 1) / 2) / (n1 * (len(y) - n1))
    return (
        f"best candidate, answered right ({len(right)}) vs near-topic ({len(near)}): "
        f"AUC {value:.3f}"
    )


def _figures(
    real: Counter, pairs: Counter, titled: Counter, written: Counter
) -> dict[str, str]:
    def share(a: int, b: int) -> str:
        return f"{a}/{b} ({a / b:.1%})" if b else "-"

    p = piaf.figures(titled)
    return {
        "first passage (3 realistic files)": f"{real['first'] / real['answerable']:.3f}",
        "English (3 realistic files)": share(real["english_hit"], real["english"]),
        "answerable abstained (3 files)": share(real["answerable_abstained"], real["answerable"]),
        "near-topic abstained (3 files)": share(real["abstain_hit"], real["abstain"]),
        "follow-ups right (3 files)": share(real["followup_hit"], real["followups"]),
        "first passage (reader pairs)": f"{pairs['first'] / max(1, pairs['answerable']):.3f}",
        "answerable abstained (pairs)": share(pairs["answerable_abstained"], pairs["answerable"]),
        "near-topic abstained (pairs)": share(pairs["abstain_hit"], pairs["abstain"]),
        "near-topic abstained (3 files + pairs)": share(
            real["abstain_hit"] + pairs["abstain_hit"], real["abstain"] + pairs["abstain"]
        ),
        "answerable abstained (3 files + pairs)": share(
            real["answerable_abstained"] + pairs["answerable_abstained"],
            real["answerable"] + pairs["answerable"],
        ),
        "written, 44 articles: first": f"{written['first'] / max(1, written['answerable']):.3f}",
        "written: English": share(written["english_hit"], written["english"]),
        "written: answerable abstained": share(
            written["answerable_abstained"], written["answerable"]
        ),
        "written: near-topic abstained": share(written["abstain_hit"], written["abstain"]),
        "PIAF first / inside": f"{p['piaf_first']:.3f} / {p['piaf_inside']:.3f}",
        "PIAF false abstention": f"{p['piaf_false_abstention']:.3f}",
        "PIAF other-article abstention": f"{p['piaf_cross_abstention']:.3f}",
    }


def main(argv: list[str] | None = None) -> int:
    """Print the held-back comparison."""
    parser = argparse.ArgumentParser(prog="python -m eval.xenc_cv")
    parser.add_argument("--weights", type=Path, default=WEIGHTS)
    parser.add_argument("--candidates", type=int, default=3, help="read at most this many")
    parser.add_argument(
        "--stacked", action="store_true", help="veto by the reader beside the decision's features"
    )
    parser.add_argument(
        "--blind", action="store_true", help="with --stacked: leave the reader's feature out"
    )
    parser.add_argument("--core", action="store_true", help="read core sentences only")
    parser.add_argument(
        "--budget", action="store_true", help="the veto may spend the answerable budgets"
    )
    parser.add_argument("--write", action="store_true", help="write bot/data/xenc.json")
    parser.add_argument(
        "--written", action="store_true", help="learn the veto from data/written_pairs.json too"
    )
    parser.add_argument(
        "--halves",
        type=Path,
        nargs=2,
        help="weights trained without the written articles of half 0, of half 1: the written"
        " questions are then read by the one not trained on them, learnt from and measured",
    )
    parser.add_argument("--no-veto", dest="veto", action="store_false", help="reorder only")
    parser.add_argument("--no-rerank", dest="rerank", action="store_false", help="veto only")
    arguments = parser.parse_args(argv)
    started = time.perf_counter()
    embedder = evaluation_embedder()
    if embedder is None:
        print("the semantic model cannot load here: no reader to measure", file=sys.stderr)
        return 1
    weights = dict(np.load(arguments.weights))
    digest = hashlib.sha1(arguments.weights.read_bytes()).hexdigest()[:12]
    encoder = CrossEncoder(model_file(), weights, keep=200_000)
    memo = DiskMemo(encoder, CACHE / f"xenc-{digest}.json")
    if arguments.halves:
        arguments.written = True
        halves = []
        for path in arguments.halves:
            half = hashlib.sha1(path.read_bytes()).hexdigest()[:12]
            coder = CrossEncoder(model_file(), dict(np.load(path)), keep=200_000)
            halves.append(DiskMemo(coder, CACHE / f"xenc-{half}.json"))
        route = {
            q["q"].strip(): halves[fold_of(case.name, 2)]
            for case in realistic.load("written")
            for q in case.questions
        }
        memo = Routed(memo, route)
    responder = MemoResponder(embedder=embedder)
    data = load_data(embedder)
    rows = collect_rows(responder, data, embedder)
    reads = collect(responder, data, embedder, memo, arguments.candidates, arguments.core)
    print(
        f"# {len(reads)} questions read, {memo.fresh} new pairs "
        f"({time.perf_counter() - started:.0f} s)",
        flush=True,
    )
    print(f"# {_separation([r for r in reads if r.source != 'written'])}", flush=True)
    if arguments.halves:
        print(f"# {memo.routed} pairs read by the half not trained on them", flush=True)
    vectors = {id(c.article): s.vectors for c, s in data.cases}
    system = piaf.project(responder, embedder)
    within = piaf.fold_pairs(data.titles)
    totals = {name: [Counter() for _ in range(4)] for name in ("decision", "reader")}
    kept = responder.tuning
    reader_fit.READ_CANDIDATES = tuple(range(1, arguments.candidates + 1))
    reader_fit.SPEND_BUDGET = arguments.budget
    if arguments.stacked:
        reader_fit.FEATURES = STACKED[1:] if arguments.blind else STACKED
    try:
        for fold in range(K):
            training = [r for r in rows if fold_of(r.article, K) != fold]
            cases = [(c, s) for c, s in data.cases if fold_of(c.name, K) != fold]
            responder.tuning, _ = decide(responder, training, cases)
            # The other folds' questions; the written ones only when asked: every one when the
            # weights were trained on them all (--written), the other folds' when read by
            # halves (--halves).
            def learnt(read: Read, fold: int = fold) -> bool:
                if read.source == "written" and not arguments.halves:
                    return arguments.written
                return fold_of(read.article, K) != fold

            learn = [r for r in reads if learnt(r)]
            count, weight = choose_rerank(learn, responder.tuning) if arguments.rerank else (0, 0)
            learn = [reranked(r, count, weight) for r in learn]
            stacked = None
            if arguments.stacked:
                # The reader's log-odds as one more feature beside the decision's, weighed by
                # a logistic regression fitted on the training folds; its veto chosen on
                # out-of-fold probabilities there, as ``eval.reader_cv`` does.
                stacked = reader_fit.fit(learn)
                choice = reader_fit.choose(learn, reader_fit.out_of_fold(learn), responder.tuning)
            elif arguments.veto:
                probabilities = [np.array([v["xenc"] for v in r.features]) for r in learn]
                choice = reader_fit.choose(learn, probabilities, responder.tuning)
            else:
                choice = reader_fit.Choice(1, 0.0, responder.tuning.answer_floor, 0, 0, 0, 0)
            print(
                f"# fold {fold}: decision floor {responder.tuning.answer_floor}, {choice}",
                flush=True,
            )
            print(f"# fold {fold}: rerank {count} candidates, rank weight {weight}", flush=True)
            reader_class = CrossReader if stacked is None else _stacked_reader(stacked)
            reader = reader_class(
                memo,
                Choice(
                    choice.candidates,
                    choice.veto_floor,
                    choice.answer_floor,
                    count,
                    weight,
                    arguments.core,
                ),
            )
            held_cases = [c for c, _ in data.cases if fold_of(c.name, K) == fold]
            held_written = [c for c in held_cases if c.source == WRITTEN and arguments.halves]
            held_cases = [c for c in held_cases if c.source != WRITTEN]
            held_pairs = [c for c in held_cases if c.source == reader_data.PAIRS.name]
            held_cases = [c for c in held_cases if c.source != reader_data.PAIRS.name]
            held_titles = [t for t in data.titles if fold_of(t.article.title, K) == fold]
            held_within = [(a, b) for a, b in within if a in held_titles]
            for name, used in (("decision", None), ("reader", reader)):
                responder.reader = used
                real, own, titled, new = totals[name]
                new.update(realistic.score(responder, held_written, vectors))
                real.update(realistic.score(responder, held_cases, vectors))
                own.update(realistic.score(responder, held_pairs, vectors))
                titled.update(piaf.score(system, held_titles, held_within))
            responder.reader = None
    finally:
        responder.tuning = kept
        responder.reader = None
        memo.save()
    print("\n# held-back folds (5-fold over articles): today's decision | with the cross-encoder")
    left, right = _figures(*totals["decision"]), _figures(*totals["reader"])
    for key in left:
        print(f"{key:34s} {left[key]:>18s} | {right[key]:>18s}")
    if arguments.write:
        usable = [r for r in reads if arguments.written or r.source != "written"]
        count, weight = choose_rerank(usable, kept) if arguments.rerank else (0, 0.0)
        every = [
            reranked(r, count, weight) for r in reads if arguments.written or r.source != "written"
        ]
        probabilities = [np.array([v["xenc"] for v in r.features]) for r in every]
        choice = reader_fit.choose(every, probabilities, kept)
        chosen = Choice(
            choice.candidates, choice.veto_floor, choice.answer_floor, count, weight, arguments.core
        )
        CHOICE.write_text(choice_json(chosen, digest), encoding="utf-8")
        print(f"# all data: {choice}, rerank {count}, rank weight {weight}\nwrote {CHOICE}")
    print(f"# {time.perf_counter() - started:.0f} s")
    return 0


def choice_json(choice: Choice, digest: str) -> str:
    """The text of ``bot/data/xenc.json``."""
    return (
        json.dumps(
            {
                "about": ABOUT,
                "weights_sha1": digest,
                "choice": {
                    "candidates": choice.candidates,
                    "floor": choice.floor,
                    "answer_floor": choice.answer_floor,
                    "rerank": choice.rerank,
                    "rank_weight": choice.rank_weight,
                    "core": choice.core,
                },
            },
            indent=1,
        )
        + "\n"
    )


if __name__ == "__main__":
    sys.exit(main())
