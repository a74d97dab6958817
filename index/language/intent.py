"""What a message asks for besides a fact: which articles speak of something, the article's
summary, or nothing at all (a greeting, a thank-you)."""

from __future__ import annotations

import re

from index.language.analysis import fold
from index.language.tables import SMALL_TALK

_WHICH_ARTICLE = re.compile(
    r"^\s*(?:dans\s+)?(?:quels?|lequel|lesquels)\s+(?:des\s+)?articles?\b.*\b(?:parle|parlent"
    r"|traite|traitent|évoque|évoquent|dit|disent|aborde|abordent|mentionne|mentionnent)"
    r"|^\s*(?:which|what)\s+articles?\b.*\b(?:about|mention|mentions|talk|talks|cover"
    r"|covers|say|says)",
    re.IGNORECASE,
)


def asks_for_articles(text: str) -> bool:
    """Whether a question asks which articles speak of something ("Quel article parle de … ?")
    rather than for a fact."""
    return bool(_WHICH_ARTICLE.search(text))


_PLEASE = r"(?:\s+(?:svp|stp|s'il\s+(?:te|vous)\s+plait|please|merci))?"
_ARTICLE = (
    r"(?:l'\s*article|le\s+texte|cet\s+article|tout\s+ca|ca|cela|the\s+article|this\s+article"
    r"|it)"
)
_SUMMARY = re.compile(
    r"^(?:(?:est-ce\s+que\s+)?(?:tu\s+peux|vous\s+pouvez|peux-tu|pouvez-vous|pourrais-tu"
    r"|pourriez-vous)\s+(?:me\s+|nous\s+)?)?resume[rsz]?(?:-(?:moi|nous|le|la))?"
    r"(?:\s+" + _ARTICLE + r")?" + _PLEASE + r"$"
    r"|^(?:(?:fais|faites|donne|donnez)(?:-moi|-nous)?\s+)?(?:un|le|ton|votre)?\s*resume"
    r"(?:\s+(?:de|du)\s+" + _ARTICLE + r")?" + _PLEASE + r"$"
    r"|^(?:de\s+quoi|sur\s+quoi)\s+(?:parle|traite|porte)\s+" + _ARTICLE + r"$"
    r"|^(?:en\s+bref|les\s+grandes\s+lignes|l'essentiel|tl\s*;?\s*dr)" + _PLEASE + r"$"
    r"|^(?:(?:can|could|would)\s+you\s+|please\s+)?(?:summari[sz]e|sum\s+up)"
    r"(?:\s+" + _ARTICLE + r")?" + _PLEASE + r"$"
    r"|^(?:give\s+me\s+)?(?:a\s+|the\s+)?summary(?:\s+of\s+" + _ARTICLE + r")?" + _PLEASE
    + r"$|^what(?:'s|\s+is)\s+" + _ARTICLE + r"\s+about$",
)


def asks_for_summary(text: str) -> bool:
    """Whether a message asks for the article's summary ("Résume l'article", "Tu peux
    résumer ?", "Summarize it please") rather than for a fact."""
    folded = fold(text).replace("’", "'").strip()
    folded = re.sub(r"\s+", " ", re.sub(r"[\s?!.,:]+$", "", folded))
    return bool(_SUMMARY.match(folded))


_SMALL_TALK_PATTERNS = tuple(
    (kind, language, re.compile(rf"(?:{words})(?: (?:kiosque|le bot|bot|a toi|a vous))?"))
    for kind, language, words in SMALL_TALK
)


def small_talk(text: str) -> tuple[str, str | None] | None:
    """``(kind, language)`` when a message only greets, thanks or acknowledges ("Bonjour !",
    "Merci beaucoup", "ok"): ``kind`` is ``"greeting"``, ``"thanks"`` or ``"ack"``, and
    ``language`` ``None`` when the word belongs to both languages."""
    folded = fold(text).replace("’", "'")
    folded = " ".join(re.findall(r"[a-z']+", folded))
    for kind, language, pattern in _SMALL_TALK_PATTERNS:
        if pattern.fullmatch(folded):
            return kind, language
    return None


def articles_topic(text: str) -> str:
    """What a "Quel article parle de … ?" question is about: the words after its frame
    (the whole text when there is no frame, or nothing after it)."""
    match = _WHICH_ARTICLE.search(text)
    rest = text[match.end():] if match else ""
    return rest if any(c.isalnum() for c in rest) else text


# What a message asks for: a fact (``QUESTION``), the article's summary, a listing of the
# articles that speak of something, or nothing (a greeting, a thank-you).
QUESTION = "question"
SUMMARY = "summary"
LISTING = "listing"
SMALL_TALK = "small talk"


def intent_of(text: str) -> str:
    """What a message asks for, as typed: ``LISTING``, ``SMALL_TALK``, ``SUMMARY`` or
    ``QUESTION``, checked in that order."""
    if asks_for_articles(text):
        return LISTING
    if small_talk(text) is not None:
        return SMALL_TALK
    if asks_for_summary(text):
        return SUMMARY
    return QUESTION
