"""What the service says back to a message (``Kiosque.ask``), one value per kind of reply.

- ``Answer``: quotes from an article and context bullets, or none (an abstention).
- ``FoundArticles``: "Quel article parle de … ?", the articles that do.
- ``Summary``: bullets over an article ("Résume l'article", or ``/summary``).
- ``SmallTalk``: "Bonjour", "Merci", "ok": a word back.

The shells and the renderer (``Renderer.reply``) dispatch on the type. An abstention is an
``Answer`` without quotes rather than a value of its own: it is recorded as a turn like any
answer, a follow-up reads it the same way, and it carries the same article, question and
language; what only it has (``closest_sections``, ``exhausted``) says why nothing is quoted.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.values import Passage


@dataclass(frozen=True)
class Found:
    """An article a library-wide search found, with its best sentence."""

    article_id: int
    title: str
    sentence: str
    score: float


@dataclass(frozen=True)
class Answer:
    """Quotes and context bullets that answer a question, or none: an abstention."""

    question: str
    language: str
    article_id: int
    article_title: str
    version: int
    passages: tuple[Passage, ...] = ()
    bullets: tuple[str, ...] = ()
    closest_sections: tuple[str, ...] = ()  # an abstention's: where to look instead
    followup: bool = False
    exhausted: bool = False  # an abstention's: what the article says was already quoted
    semantic: bool = False
    turn: int | None = None  # the recorded turn, for the buttons under the answer
    confidence: float | None = None  # how likely the first passage answers (with the model)
    routed: str | None = None  # "elsewhere": found in another article than the channel's;
    # "library": the channel has none, the library was searched

    @property
    def abstained(self) -> bool:
        """Whether nothing is quoted: the article does not answer."""
        return not self.passages


@dataclass(frozen=True)
class FoundArticles:
    """« Quel article parle de … ? »: the articles that do, best first. When none does, the
    reply reads as an abstention about the library's newest article (``article_title``)."""

    question: str
    language: str
    found: tuple[Found, ...]
    article_id: int
    article_title: str
    version: int

    @property
    def abstained(self) -> bool:
        """Whether no article was found."""
        return not self.found


@dataclass(frozen=True)
class Summary:
    """Bullets that sum up an article or one of its sections, in article order; ``question``
    is what was typed when it was asked in words ("Résume l'article")."""

    language: str
    article_id: int
    article_title: str
    version: int
    bullets: tuple[str, ...]
    section: str | None = None
    question: str = ""
    abstained = False


@dataclass(frozen=True)
class SmallTalk:
    """A greeting, a thank-you or an acknowledgement (``kind``: ``"greeting"``,
    ``"thanks"`` or ``"ack"``), answered with a word about the channel's article."""

    question: str
    language: str
    kind: str
    article_id: int
    article_title: str
    version: int
    abstained = False


Reply = Answer | FoundArticles | Summary | SmallTalk


def to_json(reply: Reply, message: str) -> dict:
    """A reply in the CLI's JSON contract, with its rendered Discord ``message``."""
    passages = reply.passages if isinstance(reply, Answer) else ()
    bullets = reply.bullets if isinstance(reply, Answer | Summary) else ()
    return {
        "question": reply.question,
        "abstained": reply.abstained,
        "passages": [
            {
                "text": p.text,
                "section": p.section,
                "article_id": p.article_id,
                "score": round(p.score, 4),
                "bold": [list(span) for span in p.bold],
            }
            for p in passages
        ],
        "bullets": list(bullets),
        "message": message,
    }
