"""French-aware sentence splitting that returns verbatim spans."""

from __future__ import annotations

import re

# Abbreviations whose period never ends a sentence (compared lower-cased).
ABBREVIATIONS = frozenset(
    """
    m. mm. mme. mmes. mlle. mlles. me. mgr. dr. pr. st. ste. sts. cf. etc. ex. p. pp. vol.
    art. al. env. av. apr. chap. fig. no. n. tél. hab. min. max. éd. coll. dir. trad. op.
    cit. ibid. janv. févr. fév. avr. juil. sept. oct. nov. déc. jan. feb. mar. apr. jun.
    jul. aug. sep. dec. lun. mar. mer. jeu. ven. sam. dim. mr. mrs. ms. jr. sr. inc. ltd.
    co. corp. vs. e.g. i.e. approx. dept. est. gén. lt. col. cpt. sgt. boul. bd. ste-. s.
    c.-à-d.
    """.split()
)

_BOUNDARY = re.compile(r"[.!?…]+(?:[\s\u00a0\u202f]*[»”])?[\"'’)\]]*(?=\s+)")
_NEXT_START = re.compile(r"\s+[\"«“(\[—–-]?\s*[A-ZÀ-ÖØ-Ý0-9¿¡]")
_INITIALS = re.compile(r"(?:\b[A-ZÀ-Ý]\.)+(?:-[A-ZÀ-Ý]\.)*$")
_LAST_WORD = re.compile(r"(\S+)$")


def split_sentences(text: str) -> list[tuple[int, int]]:
    """Spans ``(start, end)`` of the sentences of ``text``, stripped of surrounding spaces."""
    spans: list[tuple[int, int]] = []
    start = 0
    for match in _BOUNDARY.finditer(text):
        end = match.end()
        if not _NEXT_START.match(text, end):
            continue
        if match.group().startswith(".") and _is_abbreviation(text[: match.start() + 1]):
            continue
        spans.append((start, end))
        start = end
    spans.append((start, len(text)))
    return [span for span in (_strip(text, a, b) for a, b in spans) if span[0] < span[1]]


def _is_abbreviation(before: str) -> bool:
    word = _LAST_WORD.search(before)
    if not word:
        return False
    token = word.group(1).lstrip('(«"“[')
    if token.lower() in ABBREVIATIONS:
        return True
    return bool(_INITIALS.search(token))


def _strip(text: str, start: int, end: int) -> tuple[int, int]:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return start, end
