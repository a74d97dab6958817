"""What the answerability reader is fitted and measured on: every development question's best
candidates, their features, and whether each holds the answer.

Questions: the three realistic files, ``data/reader_pairs.json`` (written for the reader, on
other Wikinews articles), the PIAF slice, and each PIAF title's questions asked of another
title of its fold (far-off negatives). A candidate of an answerable question is a positive
when it holds a gold substring (PIAF: overlaps the answer span); every candidate of a
near-topic or far-off question is a negative.

The model's token states are kept on disk (``var/cache/eval/tokens``), like the vectors.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from bot.app.responder import answer_features
from bot.values import StoredArticle
from eval import piaf, realistic
from eval.calibrate import Data
from eval.memo import MemoResponder
from eval.seed import fold_quotes
from eval.vectors import CACHE, CachedEmbedder, vectors_of
from index import parse_article
from index.model import Article
from index.search.reader import Reader, ReaderModel, Tokens, read_words

PAIRS = realistic.DATA / "reader_pairs.json"
CANDIDATES = 3  # the reader reads at most the best three candidates


@dataclass(frozen=True)
class Read:
    """One question asked of one article: its best candidates' features and labels."""

    group: str  # "answerable", "near-topic", "piaf", "far-off"
    source: str  # the file it comes from (realistic files, "pairs", "piaf")
    article: str  # its fold's key
    question: str
    lacks_kind: bool  # the best candidate lacks the kind of answer asked for (always refused)
    decision: dict[str, float]  # the best candidate's answer features (the decision's input)
    features: tuple[dict[str, float], ...]  # per candidate, best first
    labels: tuple[bool, ...]  # per candidate: holds the answer


def load_pairs() -> list[realistic.Case]:
    """The reader's own questions (``data/reader_pairs.json``), as realistic cases."""
    data = json.loads(PAIRS.read_text(encoding="utf-8"))
    cases = []
    for entry in data["articles"]:
        path = realistic.CORPUS / Path(entry["file"]).name
        cases.append(
            realistic.Case(
                parse_article(path.read_bytes(), path.name),
                tuple(entry["questions"]),
                tuple(entry["followups"]),
                path.name,
                PAIRS.name,
            )
        )
    return cases


class DiskTokens:
    """The model's token states, kept on disk by text (float16)."""

    def __init__(self, embedder: CachedEmbedder, folder: Path = CACHE / "tokens") -> None:
        self.embedder = embedder
        self.folder = folder
        folder.mkdir(parents=True, exist_ok=True)

    def __call__(self, text: str) -> tuple[list[str], np.ndarray] | None:
        digest = hashlib.sha256(text.encode("utf-8")).hexdigest()[:40]
        path = self.folder / f"{digest}.npz"
        if path.exists():
            saved = np.load(path, allow_pickle=False)
            return [str(p) for p in saved["pieces"]], saved["hidden"].astype(np.float32)
        read = self.embedder.tokens(text)
        if read is None:
            return None
        pieces, hidden = read
        np.savez(path, pieces=np.array(pieces), hidden=hidden.astype(np.float16))
        return pieces, hidden


def centre_articles() -> list[Article]:
    """The Wikinews articles that are neither evaluation nor reserved articles: the word
    vectors' centre is their mean (what the background IDF is counted on)."""
    reserved = realistic.reserved()
    evaluated = {case.name for name in realistic.FILES for case in realistic.load(name)}
    out = []
    for path in sorted(realistic.CORPUS.glob("*.html")):
        if path.name not in reserved and path.name not in evaluated:
            out.append(parse_article(path.read_bytes(), path.name))
    return out


def centre_of(tokens: Tokens, articles: list[Article]) -> np.ndarray:
    """The mean word vector over the articles' sentences (read as passages)."""
    rows = []
    zero = np.zeros(384, dtype=np.float32)
    for article in articles:
        for sentence in article.sentences:
            found = read_words(tokens, sentence.text, "passage", zero)
            if found is not None and len(found.texts):
                rows.append(found.vectors)  # unit vectors, uncentred
    return np.vstack(rows).mean(0).astype(np.float32)


def _holds_gold(article: Article, sentences: tuple[int, ...], gold: list[str]) -> bool:
    text = fold_quotes(" ".join(article.sentences[i].text for i in sentences))
    return any(fold_quotes(g) in text for g in gold)


def _overlaps(article: Article, sentences: tuple[int, ...], start: int, end: int) -> bool:
    first, last = article.sentences[sentences[0]], article.sentences[sentences[-1]]
    return first.start < end and start < last.end


def collect(
    responder: MemoResponder,
    data: Data,
    pairs: list[realistic.Case],
    embedder: CachedEmbedder,
    centre: np.ndarray,
) -> list[Read]:
    """Every question's best candidates read by the reader (no weights needed yet)."""
    blank = ReaderModel((), 0.0, centre, CANDIDATES, 0.0)
    reader = Reader(blank, DiskTokens(embedder), keep=100_000)
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
        for rank, candidate in enumerate(found.candidates[:CANDIDATES]):
            values = reader.features(found, article, candidate, rank, {})
            if values is None:
                return
            values.update(answer_features(found, candidate))
            features.append(values)
            labels.append(label(candidate.sentences))
        decision = answer_features(found, found.best)
        out.append(
            Read(group, source, key, question, bool(decision["lacks_kind"]), decision,
                 tuple(features), tuple(labels))
        )

    cases = [*[(c, s) for c, s in data.cases], *[(c, _stored(c.article, embedder)) for c in pairs]]
    for case, stored in cases:
        source = "pairs" if case.source == PAIRS.name else case.source
        for q in case.questions:
            answerable = q["kind"] != "abstain"
            group = "answerable" if answerable else "near-topic"
            add(group, source, case.name, stored, q["q"],
                lambda s, q=q, a=case.article, y=answerable: y and _holds_gold(a, s, q["gold"]))
    stored_of = {id(t): _stored(t.article, embedder) for t in data.titles}
    for title in data.titles:
        for q in title.questions:
            add("piaf", "piaf", title.article.title, stored_of[id(title)], q.text,
                lambda s, q=q, a=title.article: _overlaps(a, s, q.start, q.end))
    for title, other in piaf.fold_pairs(data.titles):
        for q in other.questions:
            add("far-off", "piaf", title.article.title, stored_of[id(title)], q.text,
                lambda s: False)
    return out


def _stored(article: Article, embedder: CachedEmbedder) -> StoredArticle:
    return StoredArticle(id(article), 1, article, vectors_of(embedder, article))
