"""How a question leans on the conversation before it: pronouns that point back, and openers
that continue ("Et les États-Unis ?")."""

from __future__ import annotations

import re
from collections.abc import Sequence

from index.language.analysis import question_terms
from index.language.shapes import NAME
from index.language.tables import FOLLOWUP_CLOSERS, FOLLOWUP_OPENERS, POINTING_PRONOUNS, alternation

_FOLLOWUP_OPENERS = re.compile(
    rf"^\s*(?:{alternation(FOLLOWUP_OPENERS)})\b",
    re.IGNORECASE,
)
_AND = re.compile(r"^\s*(?:et|and)\b", re.IGNORECASE)
_FOLLOWUP_CLOSERS = re.compile(
    rf"\b(?:{alternation(FOLLOWUP_CLOSERS)})\s*[?!.]*\s*$", re.IGNORECASE
)
_STANDALONE_PRONOUN = re.compile(
    rf"(?:^|\s)(?:{alternation(POINTING_PRONOUNS)})(?=[\s?!.,]|$)",
    re.IGNORECASE,
)
_INVERTED_PRONOUN = re.compile(r"\w-(?:t-)?(?:il|elle|ils|elles|ce|on)\b", re.IGNORECASE)
_EXAMPLE = re.compile(r"\b(?:exemple|example|autre|autres|other|others|plus|more)\b", re.I)
FOLLOWUP_MAX_TERMS = 2

def _points_back(text: str, language: str) -> bool:
    """Whether a question refers to what came before with a pronoun ("cela", "Qu'a-t-il dit ?")."""
    if _STANDALONE_PRONOUN.search(text) or _EXAMPLE.search(text):
        return True
    # An inverted pronoun points back unless a noun comes before it ("Le traité oblige-t-il
    # ...?" is about the treaty).
    return any(
        not question_terms(text[: m.start()], language) for m in _INVERTED_PRONOUN.finditer(text)
    )


REFERS = "refers"
CONTINUES = "continues"

def leaning(text: str, terms: Sequence[str], language: str) -> str | None:
    """How a question leans on the previous ones: ``REFERS``, ``CONTINUES`` or ``None``.

    It refers to them with a pronoun or by naming nothing ("Qu'a-t-il dit ?", "Pourquoi ?"),
    only continues them with an opener ("Et les États-Unis ?"), or stands alone.
    """
    if not terms:
        return REFERS
    if len(terms) <= FOLLOWUP_MAX_TERMS and _points_back(text, language):
        return REFERS
    if _AND.match(text) or _FOLLOWUP_CLOSERS.search(text):
        return CONTINUES  # "Et le directeur du conseil scientifique, il a dit quoi ?"
    if _FOLLOWUP_OPENERS.match(text):
        return CONTINUES if len(terms) <= FOLLOWUP_MAX_TERMS + 1 else None
    if len(terms) > FOLLOWUP_MAX_TERMS:
        return None  # a question that names enough of its own topic stands alone
    if len(terms) == 1 and not NAME.search(text[1:]):
        return CONTINUES  # one word of its own, no name: "Qui a été guéri ?" goes on
    return None
