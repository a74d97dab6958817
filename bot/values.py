"""The values the storage keeps and the layers share: spaces, stored articles, passages, turns,
votes. (What the service replies, answers and summaries, is in ``bot.app.replies``.)"""

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


@dataclass(frozen=True)
class News:
    """A feed's new article, to announce in the feed's channel: what the message says."""

    feed_id: int
    space: str
    channel: int | None  # where the feed's articles are posted (``None``: only indexed)
    feed_url: str
    source: str  # the feed's title, else its host
    item_id: int  # the feed item, marked announced once the message was taken
    article_id: int
    version: int
    title: str
    first_sentence: str
    link: str | None
    language: str
