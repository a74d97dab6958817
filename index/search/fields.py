"""What a library-wide search index holds of an article, and asks of a question: analysed terms
as plain tokens, so that any full-text engine can store them and ``index.search.bm25`` rank them.

A sentence is ranked as a document of three fields: its own terms, its paragraph's, and its
title's (the article's title and the section's heading). Each is stored once, never copied
into every sentence (a paragraph of 2 000 sentences would be stored 2 000 times): the
article's title, each section's heading, and each paragraph with its sentences' terms. A
question is searched on its terms in the article's language and, when it is written in
another, in its own too.

Tokens are split and folded as FTS5's unicode61 tokenizer does (``bm25.tokens``). A full-text
engine matches them in ``match_form``: only ``[a-z0-9]``, so that no engine's tokenizer can
split one token in two, and no token can contain or become another's.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from index.language.analysis import terms
from index.language.question import Question
from index.model import Article
from index.search.bm25 import tokens

ESCAPE = "z"
_PLAIN = frozenset("abcdefghijklmnopqrstuvwxy0123456789")


@dataclass(frozen=True)
class ParagraphFields:
    """One paragraph as the index stores it: the tokens of each of its sentences, which are
    the article's sentences ``first``, ``first + 1``, ..."""

    paragraph: int
    section: int
    first: int
    sentences: tuple[tuple[str, ...], ...]

    @property
    def tokens(self) -> list[str]:
        """The paragraph field: its sentences' tokens, in order."""
        return [t for sentence in self.sentences for t in sentence]


@dataclass(frozen=True)
class ArticleFields:
    """An article as the index stores it: its title's tokens, each section's heading's
    (``()`` for the lead), its paragraphs that hold a sentence, and each section's sentence
    range (``first``, ``count``)."""

    title: tuple[str, ...]
    headings: tuple[tuple[str, ...], ...]
    ranges: tuple[tuple[int, int], ...]
    paragraphs: tuple[ParagraphFields, ...]

    @property
    def sentences(self) -> int:
        """How many sentences the article has."""
        return sum(len(p.sentences) for p in self.paragraphs)

    def counts(self) -> Counter[str]:
        """How many sentences hold each token in any of their three fields (linear: the title
        counts for every sentence, a heading for its section's, a paragraph for its own)."""
        counts: Counter[str] = Counter()
        title = set(self.title)
        for token in title:
            counts[token] += self.sentences
        headings = [set(h) - title for h in self.headings]
        for heading, (_, count) in zip(headings, self.ranges, strict=True):
            for token in heading:
                counts[token] += count
        for paragraph in self.paragraphs:
            seen = headings[paragraph.section]
            for token in set(paragraph.tokens):
                if token not in title and token not in seen:
                    counts[token] += len(paragraph.sentences)
        return counts

    def tokens(self) -> int:
        """The summed length, in tokens, of every sentence's three fields."""
        total = 0
        for paragraph in self.paragraphs:
            around = len(paragraph.tokens) + len(self.title) + len(self.headings[paragraph.section])
            total += sum(len(s) for s in paragraph.sentences) + around * len(paragraph.sentences)
        return total


def article_fields(article: Article) -> ArticleFields:
    """The fields of an article, each analysed once."""
    language = article.language
    paragraphs = []
    for number, paragraph in enumerate(article.paragraphs):
        if paragraph.sentences:
            paragraphs.append(ParagraphFields(
                number,
                paragraph.section,
                paragraph.sentences[0],
                tuple(_tokens(article.sentences[i].text, language) for i in paragraph.sentences),
            ))
    # One pass over the paragraphs (a hostile upload may have many sections and paragraphs).
    ranges = [(0, 0)] * len(article.sections)
    for paragraph in paragraphs:
        first, count = ranges[paragraph.section]
        ranges[paragraph.section] = (
            paragraph.first if count == 0 else first, count + len(paragraph.sentences)
        )
    return ArticleFields(
        title=_tokens(article.title, language),
        headings=tuple(_tokens(s.heading or "", language) for s in article.sections),
        ranges=tuple(ranges),
        paragraphs=tuple(paragraphs),
    )


def _tokens(text: str, language: str) -> tuple[str, ...]:
    return tuple(tokens(" ".join(terms(text, language)))) if text else ()


def match_form(token: str) -> str:
    """A token written with ``[a-z0-9]`` only, one to one: ``z`` and every character outside
    ``[a-y0-9]`` become ``z`` and four base-36 digits of the code point."""
    if all(c in _PLAIN for c in token):
        return token
    out = []
    for c in token:
        out.append(c if c in _PLAIN else ESCAPE + _base36(ord(c)))
    return "".join(out)


def _base36(number: int) -> str:
    digits = ""
    for _ in range(4):
        number, digit = divmod(number, 36)
        digits = "0123456789abcdefghijklmnopqrstuvwxyz"[digit] + digits
    return digits


def search_terms(question: Question, languages: tuple[str, ...] = ("fr", "en")) -> list[str]:
    """The distinct terms a question is searched on, across the libraries' languages, folded
    as tokens are (a term that is not one token, such as "états-unis", is left out)."""
    found: list[str] = []
    for language in languages:
        found += question.terms(language)
    return list(dict.fromkeys(t.lower() for t in found if t.isalnum()))
