"""``make eval``: answer quality on the bundled article and on the PIAF development slice.

Prints one table: this project's figures and, in the same run, two reference baselines
(rank-bm25 over sentences with naive lower-case tokens, and with the French analyzer).
"""

from __future__ import annotations

import re
import sys
from collections.abc import Callable
from dataclasses import dataclass

from rank_bm25 import BM25Okapi

from bot.answer import Turn
from bot.responder import Responder, StoredArticle
from eval import piaf, seed, summaries
from index.analysis import question_terms, terms
from index.model import Article


@dataclass(frozen=True)
class Ranked:
    """What a system answers: quoted spans (first is the first passage), or an abstention."""

    spans: tuple[tuple[int, int], ...]
    abstained: bool


System = Callable[[Article, str], Ranked]


def project(responder: Responder) -> System:
    """Kiosque's responder, one fresh channel per question."""
    cache: dict[int, StoredArticle] = {}

    def ask(article: Article, question: str) -> Ranked:
        stored = cache.setdefault(id(article), StoredArticle(len(cache) + 1, 1, article))
        answer = responder.answer(question, stored)
        spans = []
        for passage in answer.passages:
            first = article.sentences[passage.sentences[0]]
            spans.append((first.start, first.start + len(passage.text)))
        return Ranked(tuple(spans), answer.abstained)

    return ask


def baseline(tokenize: Callable[[str, str], list[str]], query: Callable[[str, str], list[str]]):
    """rank-bm25's BM25Okapi over sentences; the first passage is the best sentence."""
    cache: dict[int, BM25Okapi] = {}

    def ask(article: Article, question: str) -> Ranked:
        if id(article) not in cache:
            corpus = [tokenize(s.text, article.language) or ["∅"] for s in article.sentences]
            cache[id(article)] = BM25Okapi(corpus)
        scores = cache[id(article)].get_scores(query(question, article.language))
        best = max(range(len(scores)), key=lambda i: (scores[i], -i))
        sentence = article.sentences[best]
        return Ranked(((sentence.start, sentence.end),), False)

    return ask


def naive(text: str, language: str) -> list[str]:
    """Lower-case word tokens, nothing else."""
    return re.findall(r"\w+", text.lower())


def overlaps(span: tuple[int, int], start: int, end: int) -> bool:
    """Whether a quoted span shares at least one character with the answer."""
    return span[0] < end and start < span[1]


def piaf_figures(system: System, titles: list[piaf.Title]) -> dict[str, float]:
    """First-passage hits, answer inside a passage, false and cross-article abstentions."""
    total = first = inside = refused = 0
    for title in titles:
        for q in title.questions:
            ranked = system(title.article, q.text)
            total += 1
            refused += ranked.abstained
            if ranked.spans and overlaps(ranked.spans[0], q.start, q.end):
                first += 1
            if any(a <= q.start and q.end <= b for a, b in ranked.spans):
                inside += 1
    crossed = abstained = 0
    for i, title in enumerate(titles):
        other = titles[(i + 1) % len(titles)]
        for q in other.questions:
            crossed += 1
            abstained += system(title.article, q.text).abstained
    return {
        "piaf_first": first / total,
        "piaf_inside": inside / total,
        "piaf_false_abstention": refused / total,
        "piaf_cross_abstention": abstained / crossed,
    }


def bundled_figures(responder: Responder) -> dict[str, tuple[int, int]]:
    """Hits on the bundled article's development questions, abstentions and follow-ups."""
    article, data = seed.load()
    responder = Responder(responder.tuning)
    stored = StoredArticle(1, 1, article)
    hits = sum(seed.hit(responder.answer(q["q"], stored), q["gold"]) for q in data["questions"])
    abstained = sum(responder.answer(q["q"], stored).abstained for q in data["abstain"])
    followed = 0
    for case in data["followups"]:
        turns: list[Turn] = []
        for question in case["turns"]:
            answer = responder.answer(question, stored, turns)
            turns.append(Turn("eval", "eval", question, 1, 1, answer.abstained, answer.passages))
        followed += seed.hit(answer, case["gold_last"])
    return {
        "questions": (hits, len(data["questions"])),
        "abstain": (abstained, len(data["abstain"])),
        "followups": (followed, len(data["followups"])),
    }


def main() -> int:
    """Print the evaluation table."""
    titles = piaf.load()
    responder = Responder()
    systems = {
        "kiosque": project(responder),
        "bm25 naive": baseline(naive, naive),
        "bm25 fr analyzer": baseline(terms, question_terms),
    }
    results = {name: piaf_figures(system, titles) for name, system in systems.items()}
    bundled = bundled_figures(responder)
    names = list(systems)
    print(f"{'measure':34}" + "".join(f"{n:>18}" for n in names) + f"{'target':>10}")
    rows = [
        ("PIAF first passage overlaps answer", "piaf_first", ">= 0.65"),
        ("PIAF answer inside quoted passages", "piaf_inside", ">= 0.85"),
        ("PIAF false abstention", "piaf_false_abstention", "<= 0.03"),
        ("PIAF other-article abstention", "piaf_cross_abstention", ">= 0.90"),
    ]
    for label, key, target in rows:
        print(f"{label:34}" + "".join(f"{results[n][key]:>18.3f}" for n in names) + f"{target:>10}")
    for label, key in (
        ("bundled: first-passage hits", "questions"),
        ("bundled: abstentions", "abstain"),
        ("bundled: follow-ups", "followups"),
    ):
        got, total = bundled[key]
        print(f"{label:34}{f'{got}/{total}':>18}{'':>36}{'all':>10}")
    print(f"({sum(len(t.questions) for t in titles)} PIAF questions over {len(titles)} titles)")
    print()
    summary = summaries.figures()
    print(f"{'summaries (' + str(len(summaries.SOURCES)) + ' articles)':34}"
          f"{'kiosque':>18}{'lead-3':>18}")
    for label, key in (("sections covered", "sections"), ("paragraphs reached", "spread"),
                       ("lead terms kept", "lead"), ("redundant bullet pairs (total)", "redundant"),
                       ("clutter bullets (total)", "clutter")):
        values = [summary[name][key] for name in ("kiosque", "lead-3")]
        print(f"{label:34}" + "".join(f"{v:>18.3f}" if isinstance(v, float) and key not in
                                      ("redundant", "clutter") else f"{int(v):>18}"
                                      for v in values))
    return 0


if __name__ == "__main__":
    sys.exit(main())
