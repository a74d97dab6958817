"""What a library-wide search index holds of an article, and asks of a question: analysed terms
as plain words, so that any full-text engine can store and rank them.

Each sentence is one document with three fields: its own terms, its paragraph's, and its
title's (the article's title and the section's heading). A question is searched on its terms
in the article's language and, when it is written in another, in its own too.
"""

from __future__ import annotations

from dataclasses import dataclass

from index.analysis import terms
from index.model import Article
from index.question import Question


@dataclass(frozen=True)
class SentenceFields:
    """One sentence of an article as the library-wide index stores it."""

    sentence: int
    text: str
    paragraph: str
    title: str


def sentence_fields(article: Article) -> list[SentenceFields]:
    """Every sentence of an article with its fields, terms joined by spaces."""
    language = article.language
    own = [terms(s.text, language) for s in article.sentences]
    paragraphs = [
        " ".join(t for i in p.sentences for t in own[i]) for p in article.paragraphs
    ]
    titles = [
        " ".join(terms(f"{article.title} {section.heading or ''}", language))
        for section in article.sections
    ]
    return [
        SentenceFields(i, " ".join(own[i]), paragraphs[s.paragraph], titles[s.section])
        for i, s in enumerate(article.sentences)
    ]


def search_terms(question: Question, languages: tuple[str, ...] = ("fr", "en")) -> list[str]:
    """The distinct terms a question is searched on, across the libraries' languages."""
    found: list[str] = []
    for language in languages:
        found += question.terms(language)
    return list(dict.fromkeys(t for t in found if t.isalnum()))
