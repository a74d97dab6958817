"""The one decision of the language the bot's words are in (French or English).

Every shell asks ``reply_language``: the Discord adapter (the server's setting, the member's
Discord language), the command line and the console chat (the operator's setting), the service
(which adds the question's language, or the article's) and the renderer (which only speaks a
language it has templates for). Nothing else falls back to a language of its own.
"""

from __future__ import annotations

from dataclasses import dataclass

LANGUAGES = ("fr", "en")  # the languages of ``prompts/``
FALLBACK = "fr"  # when nothing chose one


@dataclass(frozen=True)
class Chosen:
    """The languages chosen before anything is read, strongest first; ``None`` (or anything
    but ``"fr"`` and ``"en"``, such as the operator's ``"auto"``) chooses nothing."""

    server: str | None = None  # the server's ``/config language``
    member: str | None = None  # the member's Discord language (``from_locale``)
    operator: str | None = None  # ``KIOSQUE_LANGUAGE``


NOTHING = Chosen()


def reply_language(
    chosen: Chosen = NOTHING, question: str | None = None, default: str | None = FALLBACK
) -> str:
    """The language of the bot's words: the server's setting, else the member's Discord
    language, else the operator's setting, else the question's language (``question``), else
    ``default`` (the article's, for what is about an article), else French."""
    for candidate in (chosen.server, chosen.member, chosen.operator, question, default):
        if candidate in LANGUAGES:
            return candidate
    return FALLBACK


def from_locale(locale: object) -> str | None:
    """``"fr"`` or ``"en"`` from a Discord locale (``fr``, ``en-US``, ``en-GB``...), if it is
    one of them."""
    text = str(locale)
    return next((language for language in LANGUAGES if text.startswith(language)), None)
