"""Assemble cleaned blocks into an article: sections, paragraphs and verbatim sentences."""

from __future__ import annotations

from index.clean import Block
from index.model import BODY, KEY_POINTS, LEAD, Article, Paragraph, Section, Sentence
from index.sentences import split_sentences


def build_article(title: str, blocks: list[Block], language: str, dropped: list[str]) -> Article:
    """An ``Article`` whose ``text`` is the title and kept blocks joined by blank lines."""
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
