"""The values that travel between the library, the responder and the shells: stored articles,
passages, answers, summaries, turns."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

import numpy as np

from index.model import Article

LOCAL = "local"
"""The space of the command line and the console chat (and of Discord direct messages only
when the operator sets ``DM_LIBRARY=local``)."""


def guild_space(guild_id: int) -> str:
    """The space of a Discord server: its library, its channels' articles, its settings."""
    return f"guild:{guild_id}"


DIRECT = "direct"
"""The space of Discord direct messages (unless ``DM_LIBRARY=local``): a library of their own,
which starts with the bundled articles as a new server's does. Nothing can be added to it from
a DM, so every member reads the same one: one copy, not one per member (each DM keeps its own
history and active article all the same)."""


@dataclass(frozen=True)
class StoredArticle:
    """An article as the library serves it: id, current version, content and sentence vectors.

    ``vectors`` (one row per sentence, or ``None``) and ``shapes`` (each sentence's answer
    shapes, ``index.language.shapes.SentenceShapes.dumps``, or ``None``) were computed when the
    version
    was indexed.
    """

    id: int
    version: int
    article: Article
    vectors: np.ndarray | None = field(default=None, compare=False, repr=False)
    shapes: str | None = field(default=None, compare=False, repr=False)


@dataclass(frozen=True)
class Passage:
    """One or two consecutive sentences quoted verbatim, with the section they come from.

    ``sentences`` are the quoted sentences' indices, ``sentence`` the one the passage was
    chosen for (a follow-up never answers with it again). ``cut`` says the quote stops
    before its last sentence ends. ``bold`` holds the words that answer as offsets in
    ``text`` (shown in bold; the text stays verbatim).
    """

    text: str
    section: str | None
    article_id: int
    score: float
    sentences: tuple[int, ...] = ()
    sentence: int | None = None
    cut: bool = False
    bold: tuple[tuple[int, int], ...] = ()


@dataclass(frozen=True)
class Found:
    """An article a library-wide search found, with its best sentence."""

    article_id: int
    title: str
    sentence: str
    score: float


@dataclass(frozen=True)
class Answer:
    """What the bot says to a question: quotes and context bullets, or an abstention."""

    question: str
    language: str
    article_id: int
    article_title: str
    version: int
    passages: tuple[Passage, ...] = ()
    bullets: tuple[str, ...] = ()
    abstained: bool = False
    closest_sections: tuple[str, ...] = ()
    followup: bool = False
    exhausted: bool = False
    semantic: bool = False
    turn: int | None = None  # the recorded turn, for the buttons under the answer
    confidence: float | None = None  # how likely the first passage answers (with the model)
    routed: str | None = None  # "elsewhere": found in another article than the channel's;
    # "library": the channel has none, the library was searched
    found: tuple[Found, ...] = ()  # "Quel article parle de …?": the articles that do
    summary: Summary | None = None  # "Résume l'article": the summary asked for in words
    chat: str | None = None  # "Bonjour", "Merci", "ok": "greeting", "thanks" or "ack"

    def to_json(self, message: str) -> dict:
        """The answer in the CLI's JSON contract, with its rendered Discord ``message``."""
        return {
            "question": self.question,
            "abstained": self.abstained,
            "passages": [
                {
                    "text": p.text,
                    "section": p.section,
                    "article_id": p.article_id,
                    "score": round(p.score, 4),
                    "bold": [list(span) for span in p.bold],
                }
                for p in self.passages
            ],
            "bullets": list(self.summary.bullets if self.summary else self.bullets),
            "message": message,
        }


@dataclass(frozen=True)
class Summary:
    """Bullets that sum up an article or one of its sections, in article order."""

    language: str
    article_id: int
    article_title: str
    version: int
    bullets: tuple[str, ...]
    section: str | None = None


@dataclass(frozen=True)
class Votes:
    """What members said of the answers about one article: votes up and down, and the
    questions voted down with what was quoted (cases for the evaluation)."""

    space: str
    article_id: int
    title: str
    up: int
    down: int
    downvoted: tuple[tuple[str, tuple[str, ...]], ...] = ()


@dataclass(frozen=True)
class Turn:
    """One question asked in a channel and what was answered."""

    channel: str
    author: str
    question: str
    article_id: int
    version: int
    abstained: bool
    passages: tuple[Passage, ...] = ()
    asked_at: datetime | None = field(default=None, compare=False)
    id: int | None = field(default=None, compare=False)
