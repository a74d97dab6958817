"""Summary quality on the bundled article and the 100 Wikinews articles, against lead-3.

Measures, averaged over articles:
- sections covered: share of the sections with text that have at least one bullet;
- spread: share of the article's paragraphs that have a bullet (how far the summary reaches);
- lead facts: share of the first paragraph's content terms found in the bullets;
- redundant pairs: pairs of bullets sharing more than half of their terms (should be 0);
- clutter: bullets that are page clutter (must be 0).
"""

from __future__ import annotations

from pathlib import Path

from bot.app.responder import Responder
from bot.values import StoredArticle
from index import parse_article
from index.ingest.clean import is_clutter_line
from index.ingest.structure import DATELINE
from index.model import Article
from index.search.article_index import ArticleIndex
from index.search.summarize import REDUNDANT, summary_sentences

ROOT = Path(__file__).resolve().parent.parent
WIKINEWS = sorted((ROOT / "bench" / "data" / "wikinews_fr").glob("*.html"))
SOURCES = [ROOT / "articles" / "russie-coree-du-nord-alliance.txt", *WIKINEWS]


def lead_three(index: ArticleIndex) -> list[int]:
    """The baseline: the article's first three sentences."""
    return list(range(min(3, index.size)))


def kiosque(index: ArticleIndex) -> list[int]:
    """This project's summary (default length, 5 bullets)."""
    return summary_sentences(index, count=5)


def measures(article: Article, index: ArticleIndex, chosen: list[int]) -> dict[str, float]:
    """The five figures for one article's chosen sentences."""
    sections = {s.section for s in article.sentences}
    paragraphs = {s.paragraph for s in article.sentences}
    covered = {article.sentences[i].section for i in chosen}
    reached = {article.sentences[i].paragraph for i in chosen}
    first = article.sentences[0].paragraph if article.sentences else 0
    lead = {
        t for i, s in enumerate(article.sentences) if s.paragraph == first
        for t in index.sentence_terms[i]
    }
    said = {t for i in chosen for t in index.sentence_terms[i]}
    pairs = 0
    for a, i in enumerate(chosen):
        for j in chosen[a + 1:]:
            x, y = set(index.sentence_terms[i]), set(index.sentence_terms[j])
            if x | y and len(x & y) / len(x | y) > REDUNDANT:
                pairs += 1
    return {
        "sections": len(covered & sections) / len(sections),
        "spread": len(reached) / len(paragraphs),
        "lead": len(lead & said) / len(lead) if lead else 1.0,
        "redundant": pairs,
        "clutter": sum(is_clutter_line(article.sentences[i].text) for i in chosen),
        "dateline": sum(
            article.sentences[i].text.startswith(("- ", "– ", "— "))
            or bool(DATELINE.match(article.sentences[i].text))
            for i in chosen
        ),
    }


def figures() -> dict[str, dict[str, float]]:
    """Averages of the measures for this project and for lead-3."""
    responder = Responder()
    totals: dict[str, dict[str, float]] = {"kiosque": {}, "lead-3": {}}
    for number, path in enumerate(SOURCES, start=1):
        article = parse_article(path.read_bytes(), path.name)
        index = responder.index(StoredArticle(number, 1, article))
        for name, system in (("kiosque", kiosque), ("lead-3", lead_three)):
            for key, value in measures(article, index, system(index)).items():
                totals[name][key] = totals[name].get(key, 0.0) + value
    count = len(SOURCES)
    return {
        name: {
            k: (v if k in ("redundant", "clutter", "dateline") else v / count)
            for k, v in values.items()
        }
        for name, values in totals.items()
    }
