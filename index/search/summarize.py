"""Extractive summaries: the sentences that best cover an article or a section."""

from __future__ import annotations

import math
from collections import Counter

from index.model import KEY_POINTS, LEAD
from index.search.article_index import ArticleIndex

REDUNDANT = 0.5
MIN_BULLET_TERMS = 4


def summary_sentences(index: ArticleIndex, count: int = 5, section: int | None = None) -> list[int]:
    """Indices of ``count`` sentences, in article order, covering the sections in turn.

    The first sentence of the lead comes first (it carries the news); then the most central
    sentence of each section, then the next most central ones, skipping any sentence that
    repeats one already chosen.
    """
    article = index.article
    pool = [
        i
        for i, s in enumerate(article.sentences)
        if article.paragraphs[s.paragraph].kind != KEY_POINTS
        and (section is None or s.section == section)
    ]
    if not pool:
        pool = [i for i, s in enumerate(article.sentences) if section in (None, s.section)]
    weight = _centrality(index, pool)
    chosen: list[int] = []

    def take(candidates: list[int]) -> None:
        for i in sorted(candidates, key=lambda i: (-weight[i], i)):
            if len(chosen) >= count:
                return
            if i not in chosen and not _repeats(index, i, chosen):
                chosen.append(i)
                return

    lead = [i for i in pool if article.paragraphs[article.sentences[i].paragraph].kind == LEAD]
    if section is None and lead:
        take([lead[0]])
    # Grouped once: a summary's cost grows with the article's size, not with sections times
    # sentences (an article of 20 000 sections would otherwise take seconds).
    by_section: dict[int, list[int]] = {}
    for i in pool:
        by_section.setdefault(article.sentences[i].section, []).append(i)
    for sec in sorted(by_section):
        if len(chosen) >= count:
            break
        take(by_section[sec])
    for i in sorted(pool, key=lambda i: (-weight[i], i)):
        if len(chosen) >= count:
            break
        if i not in chosen and not _repeats(index, i, chosen):
            chosen.append(i)
    return sorted(chosen)


def context_sentences(
    index: ArticleIndex, quoted: set[int], scores: list[float], count: int = 3
) -> list[int]:
    """Sentences that sum up the context of quoted ones: their sections, then the lead."""
    article = index.article
    sections = {article.sentences[i].section for i in quoted}
    near = [
        i
        for i, s in enumerate(article.sentences)
        if s.section in sections and i not in quoted and _informative(index, i)
    ]
    ranked = sorted(near, key=lambda i: (-scores[i], i))
    chosen: list[int] = []
    for i in ranked:
        if len(chosen) >= count:
            break
        if not _repeats(index, i, chosen + sorted(quoted)):
            chosen.append(i)
    if len(chosen) < 2:
        for i in summary_sentences(index, count=5):
            if len(chosen) >= 2:
                break
            if i not in quoted and i not in chosen and not _repeats(index, i, chosen):
                chosen.append(i)
    return sorted(chosen)


def _informative(index: ArticleIndex, i: int) -> bool:
    # A bullet must say something on its own: not an exclamation ("Quel pied !"), a
    # question, or a sentence of two words.
    text = index.article.sentences[i].text.rstrip(" »”\"")
    return len(index.sentence_terms[i]) >= MIN_BULLET_TERMS and not text.endswith(("?", "!"))


def _centrality(index: ArticleIndex, pool: list[int]) -> dict[int, float]:
    # A sentence is central when its terms are frequent across the article (and the title),
    # weighted by IDF so that it is about something in particular; long sentences are not
    # favoured (the score is averaged over the sentence's distinct terms).
    document = Counter(t for terms in index.sentence_terms for t in set(terms))
    title = set(index.heading_terms[0])
    weight: dict[int, float] = {}
    for i in pool:
        own = set(index.sentence_terms[i])
        if not own:
            weight[i] = 0.0
            continue
        mass = sum(math.log1p(document[t]) * index.idf(t) for t in own)
        mass += sum(index.idf(t) for t in own & title)
        weight[i] = mass / math.sqrt(len(own))
    return weight


def _repeats(index: ArticleIndex, i: int, chosen: list[int]) -> bool:
    mine = set(index.sentence_terms[i])
    for j in chosen:
        other = set(index.sentence_terms[j])
        union = mine | other
        if union and len(mine & other) / len(union) > REDUNDANT:
            return True
    return False
