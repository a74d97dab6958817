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

# Every pattern is matched in time linear in the text, whatever the text: a run of full stops
# is tried from its first (a match from inside it would end where the first one's did), and
# spaces are taken whole (giving some back never lets the capital match).
_BOUNDARY = re.compile(r"(?<![.!?…])[.!?…]+(?:[\s\u00a0\u202f]*[»”])?[\"'’)\]]*(?=\s)")
_NEXT_START = re.compile(r"\s++[\"«“(\[—–-]?\s*+[A-ZÀ-ÖØ-Ý0-9¿¡]")
_INITIALS = re.compile(r"(?:\b[A-ZÀ-Ý]\.)+(?:-[A-ZÀ-Ý]\.)*$")
_LAST_WORD = re.compile(r"\S+$")
# An abbreviation or a run of initials is read in a word's last characters; any run of
# initials ending there has a tail of initials that starts within them.
_WORD_TAIL = 64


def split_sentences(text: str) -> list[tuple[int, int]]:
    """Spans ``(start, end)`` of the sentences of ``text``, stripped of surrounding spaces."""
    spans: list[tuple[int, int]] = []
    start = 0
    for match in _BOUNDARY.finditer(text):
        end = match.end()
        if not _NEXT_START.match(text, end):
            continue
        if match.group().startswith(".") and _is_abbreviation(text, match.start() + 1):
            continue
        spans.append((start, end))
        start = end
    spans.append((start, len(text)))
    return [span for span in (_strip(text, a, b) for a, b in spans) if span[0] < span[1]]


def _is_abbreviation(text: str, end: int) -> bool:
    """Whether the word that ends at ``end`` (its full stop included) is an abbreviation."""
    token = _last_word(text, end).lstrip('(«"“[')
    if token.lower() in ABBREVIATIONS:
        return True
    return bool(_INITIALS.search(token, max(0, len(token) - _WORD_TAIL)))


def _last_word(text: str, end: int) -> str:
    """The run of non-space characters that ends at ``end``, read back from ``end`` only: as
    far as the word goes, never to the start of the text (which made splitting quadratic)."""
    width = _WORD_TAIL
    while True:
        start = max(0, end - width)
        word = _LAST_WORD.search(text, start, end)
        if word is None:
            return ""
        if word.start() > start or start == 0:
            return word.group()
        width *= 2  # the word may go on before the window


def _strip(text: str, start: int, end: int) -> tuple[int, int]:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return start, end
