"""Assemble cleaned blocks into an article: sections, paragraphs and verbatim sentences."""

from __future__ import annotations

import re

from index.errors import SourceError
from index.ingest.clean import Block
from index.ingest.sentences import split_sentences
from index.language.tables import MONTHS, WEEKDAYS, alternation
from index.model import BODY, KEY_POINTS, LEAD, Article, Paragraph, Section, Sentence

_MONTHS = alternation(MONTHS)
# A page's dateline ("6 novembre 2012.", "July 4, 2012") says when, not what: it is kept in the
# text but never quoted, and the dash that follows it ("- L'Assemblée ...") is not the
# sentence's first character.
DATELINE = re.compile(
    rf"^(?:(?:{alternation(WEEKDAYS)}),?\s+)?(?:\d{{1,2}}(?:er)?\s+(?:{_MONTHS})\s+\d{{4}}"
    rf"|(?:{_MONTHS})\s+\d{{1,2}},?\s+\d{{4}})\s*[.:\-–—]?$",
    re.IGNORECASE,
)
_LEADING_DASH = re.compile(r"[-–—]\s+")


def _content_spans(text: str, spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    kept = []
    for start, end in spans:
        if DATELINE.match(text[start:end]):
            continue
        dash = _LEADING_DASH.match(text, start, end)
        kept.append((dash.end() if dash and dash.end() < end else start, end))
    return kept


def build_article(
    title: str, blocks: list[Block], language: str, dropped: list[str], most: int | None = None
) -> Article:
    """An ``Article`` whose ``text`` is the title and kept blocks joined by blank lines.

    More than ``most`` sentences is refused (``SourceError``), with how many there are.
    """
    parts = [title]
    offset = len(title)
    sections: list[tuple[str | None, list[int]]] = [(None, [])]
    paragraphs: list[Paragraph] = []
    sentences: list[Sentence] = []
    for block in blocks:
        offset += 2
        start = offset
        parts.append(block.text)
        offset += len(block.text)
        if block.heading:
            sections.append((block.text, []))
            continue
        section = len(sections) - 1
        kind = KEY_POINTS if block.item else (LEAD if sections[section][0] is None else BODY)
        spans = [(0, len(block.text))] if block.item else split_sentences(block.text)
        spans = _content_spans(block.text, spans)
        if most is not None and len(sentences) + len(spans) > most:
            raise SourceError("too_many_sentences", str(_count(blocks)), most)
        index = len(paragraphs)
        first = len(sentences)
        for a, b in spans:
            sentences.append(Sentence(block.text[a:b], start + a, start + b, section, index))
        paragraphs.append(Paragraph(kind, section, tuple(range(first, len(sentences)))))
        sections[section][1].append(index)
    built = tuple(Section(heading, tuple(paras)) for heading, paras in sections)
    return Article(
        title=title,
        text="\n\n".join(parts),
        language=language,
        sections=built,
        paragraphs=tuple(paragraphs),
        sentences=tuple(sentences),
        dropped=tuple(dropped),
    )


def _count(blocks: list[Block]) -> int:
    """How many sentences the blocks make, counted without building them."""
    return sum(
        len(_content_spans(b.text, [(0, len(b.text))] if b.item else split_sentences(b.text)))
        for b in blocks
        if not b.heading
    )
