"""The values the indexer produces: an article cut into sections, paragraphs and sentences."""

from __future__ import annotations

from dataclasses import dataclass, field

LEAD = "lead"
BODY = "body"
KEY_POINTS = "key_points"


@dataclass(frozen=True)
class Sentence:
    """One sentence, a verbatim slice ``article.text[start:end]``."""

    text: str
    start: int
    end: int
    section: int
    paragraph: int


@dataclass(frozen=True)
class Paragraph:
    """A block of body text, the lead, or one item of the article's key-points list."""

    kind: str
    section: int
    sentences: tuple[int, ...]


@dataclass(frozen=True)
class Section:
    """A heading (``None`` for the lead before the first heading) and its paragraphs."""

    heading: str | None
    paragraphs: tuple[int, ...]


@dataclass(frozen=True)
class Article:
    """A cleaned article: ``text`` holds only article content, every sentence is a slice of it."""

    title: str
    text: str
    language: str
    sections: tuple[Section, ...]
    paragraphs: tuple[Paragraph, ...]
    sentences: tuple[Sentence, ...]
    dropped: tuple[str, ...] = field(default=(), compare=False)

    def heading(self, section: int) -> str | None:
        """The heading of a section, ``None`` for the lead."""
        return self.sections[section].heading

    def find_section(self, name: str) -> int | None:
        """The section whose heading matches ``name`` (case-insensitive, prefix allowed); the
        lead answers to "Introduction", the name answers give it."""
        wanted = name.strip().casefold()
        headings = [(i, (s.heading or "").casefold()) for i, s in enumerate(self.sections)]
        for i, heading in headings:
            if heading == wanted:
                return i
        if wanted == "introduction" and self.sections and self.sections[0].heading is None:
            return 0
        for i, heading in headings:
            if wanted and (heading.startswith(wanted) or wanted in heading):
                return i
        return None

    def to_dict(self) -> dict:
        """Plain data for storage; ``Article.from_dict`` reads it back."""
        return {
            "title": self.title,
            "text": self.text,
            "language": self.language,
            "sections": [[s.heading, list(s.paragraphs)] for s in self.sections],
            "paragraphs": [[p.kind, p.section, list(p.sentences)] for p in self.paragraphs],
            "sentences": [[s.start, s.end, s.section, s.paragraph] for s in self.sentences],
        }

    @classmethod
    def from_dict(cls, data: dict) -> Article:
        """The article stored by ``to_dict``."""
        text = data["text"]
        return cls(
            title=data["title"],
            text=text,
            language=data["language"],
            sections=tuple(Section(h, tuple(p)) for h, p in data["sections"]),
            paragraphs=tuple(Paragraph(k, s, tuple(ss)) for k, s, ss in data["paragraphs"]),
            sentences=tuple(
                Sentence(text[a:b], a, b, sec, par) for a, b, sec, par in data["sentences"]
            ),
        )
