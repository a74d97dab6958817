"""PIAF titles as articles: each paragraph a block, each question with its gold answer span."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from bot.app.responder import Responder
from bot.values import StoredArticle
from eval.folds import fold_of
from eval.vectors import CachedEmbedder, vectors_of
from index.ingest.clean import Block
from index.ingest.structure import build_article
from index.language.analysis import detect_language
from index.model import Article

DATA = Path(__file__).resolve().parent / "data"


@dataclass(frozen=True)
class Question:
    """A PIAF question and where its answer lies in the article's text (-1 and -1 for a
    question the text does not answer, as SQuAD 2.0 has: PIAF has none)."""

    text: str
    start: int
    end: int

    @property
    def answerable(self) -> bool:
        return self.start >= 0


@dataclass(frozen=True)
class Title:
    """One PIAF title: the article built from its paragraphs, and its questions."""

    article: Article
    questions: tuple[Question, ...]


def load(path: Path = DATA / "piaf_dev.json") -> list[Title]:
    """Every title of a SQuAD-format file as an article with located answers."""
    titles = []
    for entry in json.loads(path.read_text(encoding="utf-8"))["data"]:
        contexts = [p["context"] for p in entry["paragraphs"]]
        text_language = detect_language(" ".join(contexts))
        article = build_article(entry["title"], [Block(c) for c in contexts], text_language, [])
        questions = []
        cursor = 0
        for paragraph in entry["paragraphs"]:
            offset = article.text.index(paragraph["context"], cursor)
            cursor = offset
            for qa in paragraph["qas"]:
                if qa.get("is_impossible"):  # SQuAD 2.0's: the paragraph does not say
                    questions.append(Question(qa["question"], -1, -1))
                    continue
                answer = qa["answers"][0]
                start = offset + answer["answer_start"]
                questions.append(Question(qa["question"], start, start + len(answer["text"])))
        titles.append(Title(article, tuple(questions)))
    return titles


@dataclass(frozen=True)
class Ranked:
    """What a system answers: quoted spans (first is the first passage), or an abstention."""

    spans: tuple[tuple[int, int], ...]
    abstained: bool


System = Callable[[Article, str], Ranked]


def project(responder: Responder, embedder: CachedEmbedder | None) -> System:
    """Kiosque's responder, one fresh channel per question (its ``tuning`` read at each call)."""
    cache: dict[int, StoredArticle] = {}

    def ask(article: Article, question: str) -> Ranked:
        if id(article) not in cache:
            cache[id(article)] = StoredArticle(
                id(article), 1, article, vectors_of(embedder, article)
            )
        answer = responder.answer(question, cache[id(article)])
        spans = []
        for passage in answer.passages:
            first = article.sentences[passage.sentences[0]]
            spans.append((first.start, first.start + len(passage.text)))
        return Ranked(tuple(spans), answer.abstained)

    return ask


def overlaps(span: tuple[int, int], start: int, end: int) -> bool:
    """Whether a quoted span shares at least one character with the answer."""
    return span[0] < end and start < span[1]


def next_pairs(titles: Sequence[Title]) -> list[tuple[Title, Title]]:
    """Each title beside the next one (the last beside the first): whose article is asked
    the other's questions, as questions about another article."""
    return [(t, titles[(i + 1) % len(titles)]) for i, t in enumerate(titles) if len(titles) > 1]


def fold_pairs(titles: Sequence[Title]) -> list[tuple[Title, Title]]:
    """As ``next_pairs``, within each cross-validation fold: a pair is held back together."""
    folds: dict[int, list[Title]] = {}
    for title in titles:
        folds.setdefault(fold_of(title.article.title), []).append(title)
    return [pair for members in folds.values() for pair in next_pairs(members)]


def score(
    system: System, titles: Sequence[Title], pairs: Sequence[tuple[Title, Title]]
) -> Counter[str]:
    """Counts: first-passage hits, answer inside a passage, false abstentions over the
    titles' questions; abstentions over each pair's second questions asked of the first."""
    counts: Counter[str] = Counter()
    for title in titles:
        for q in title.questions:
            ranked = system(title.article, q.text)
            counts["total"] += 1
            counts["refused"] += ranked.abstained
            counts["first"] += bool(ranked.spans) and overlaps(ranked.spans[0], q.start, q.end)
            counts["inside"] += any(a <= q.start and q.end <= b for a, b in ranked.spans)
    for title, other in pairs:
        for q in other.questions:
            counts["crossed"] += 1
            counts["cross_abstained"] += system(title.article, q.text).abstained
    return counts


def figures(counts: Counter[str]) -> dict[str, float]:
    """First-passage hits, answer inside a passage, false and cross-article abstentions."""
    total, crossed = counts["total"] or 1, counts["crossed"] or 1
    return {
        "piaf_first": counts["first"] / total,
        "piaf_inside": counts["inside"] / total,
        "piaf_false_abstention": counts["refused"] / total,
        "piaf_cross_abstention": counts["cross_abstained"] / crossed,
    }
