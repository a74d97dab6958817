"""Where, in a quoted sentence, are the words that answer a question of a given kind: the
date for "quand", the name for "qui", the figure for "combien", the place for "où".

Pure: a sentence's text and the question's expected kind (``index.language.question.expected_kind``)
in, character offsets out. The responder marks that span in bold; the quote stays verbatim.
"""

from __future__ import annotations

import re

from index.language.analysis import fold, is_stopword, term, words
from index.language.shapes import (
    AGE,
    AMOUNT,
    ANSWER_SHAPES,
    CAUSE,
    DATE,
    DISTANCE,
    DURATION,
    NUMBER,
    PERSON,
    PLACE,
    SCORE,
    SENTENCE,
    SPEECH,
)
from index.language.tables import MONTHS, NUMBER_WORDS, WEEKDAYS, alternation

MAX_SPAN = 140  # longer than this, a span is a clause, not "the words that answer"

_MONTHS = alternation(MONTHS)
_DAYS = alternation(WEEKDAYS)
_NUMBER_WORDS = alternation(NUMBER_WORDS)

# A full date, most complete first: "mardi 5 juillet 2012", "5 juillet", "juillet 2012",
# "en 2012" (the year), "le XIXe siècle".
_FULL_DATE = re.compile(
    rf"""
    (?:(?:{_DAYS})\s+)?(?:\d{{1,2}}(?:er)?\s+)?(?:{_MONTHS})(?:\s+\d{{4}})?  # 5 juillet 2012
    | (?:{_DAYS})\s+\d{{1,2}}(?:er)?                                   # mardi 5
    | \b(?:1[0-9]{{3}}|20[0-9]{{2}})\b                                   # a year
    | \b[IVXL]+e\s+siècle\b                                              # XIXe siècle
    | \b(?:{_DAYS}|hier|demain|aujourd['’]hui|yesterday|tomorrow|today)\b  # a named day
    """,
    re.IGNORECASE | re.VERBOSE,
)

# A name: capitalised words, with the particles names carry between them ("Charles de
# Gaulle", "Jean-Marc Ayrault", "Lee Myung-bak").
_NAME = re.compile(
    r"""
    (?:(?<![\w'’])|(?<=(?<!\w)[lLdD]['’]))  # a word's start, or after an elision: l'Élysée
    [A-ZÀ-ÖØ-Ý][\w'’-]*                       # a capitalised word
    (?:[ \u00a0]+(?:(?:de|du|des|von|van|der|di|da|la|le|al|bin|ben)[ \u00a0]+|d['’])?
    [A-ZÀ-ÖØ-Ý][\w'’-]*)*                     # more capitalised words (a particle between)
    """,
    re.VERBOSE,
)
_ELIDED = re.compile(r"^(?:[LlDd]['’])")  # "l'Élysée" names "Élysée"

# What comes just before a place: "à Paris", "en Corée du Nord", "dans la Somme".
_PLACE_BEFORE = re.compile(
    r"(?:\b(?:à|a|au|aux|en|dans|vers|chez|près\s+de|sur|depuis|in|at|near|from)\s+"
    r"(?:(?:la|le|les|the)\s+|l['’])?|\b[àa]\s+l['’]|\bdans\s+l['’])$",
    re.IGNORECASE,
)

# What opens a cause: "parce que ...", "car ...", "en raison de ...". The clause runs to the
# next punctuation.
_CAUSE = re.compile(
    r"\b(?:parce\s+qu(?:e|['’])|car\s+|en\s+raison\s+d(?:e|u|es|['’])|à\s+cause\s+d(?:e|u|es"
    r"|['’])|du\s+fait\s+d(?:e|u|es|['’])|puisqu(?:e|['’])|afin\s+d(?:e|['’])|grâce\s+à"
    r"|suite\s+à|because|due\s+to|owing\s+to|in\s+order\s+to)[^,;:.!?»)\n]*",
    re.IGNORECASE,
)

# A figure with the words that say its size: "2,5 millions", "39".
_MAGNITUDE = re.compile(
    r"\s*(?:(?:millions?|milliards?|billions?|mille|thousands?|hundreds?|pour\s+cent)\b|%)",
    re.IGNORECASE,
)
_QUANTITY_BEFORE = re.compile(
    rf"(?:(?<![\w.,])\d[\d\s\u00a0\u202f.,]*|\b(?:{_NUMBER_WORDS})\b)\s*(?:de\s+|d['’])?$",
    re.IGNORECASE,
)
# Questions that name no kind of answer and still point at one. "Quel parti … ?", "Which
# journal … ?" ask for something named: a name. "Qu'a dit X ?", "How did X react?" ask for
# someone's words: what the sentence quotes.
_WHICH = re.compile(
    r"\b(?:quel|quelle|quels|quelles|kel|kelle|lequel|laquelle)\s+(?!est\b|sont\b|était\b)"
    r"[^\W\d_]|\b(?:which|what)\s+(?!is\b|was\b|are\b|were\b|did\b|does\b|do\b|has\b"
    r"|had\b|will\b|would\b|can\b|could\b)[^\W\d_]",
    re.IGNORECASE,
)
_SAID = re.compile(
    r"\b(?:dit|dire|disait|déclaré|réagi|réagit|répondu|répondait|affirmé|confié|lancé|say|said"
    r"|says|react|reacted|respond|responded|told|tell|describe|described)\b",
    re.IGNORECASE,
)
_QUOTATION = re.compile(r"«\s*([^«»\n]+?)\s*»|“([^“”\n]+)”|\"([^\"\n]+)\"")
NAMED = "named"  # the answer is a name, though the question asks for no person
NAME_WORD = 5  # characters of distance one more word of a name is worth
SAID = "said"  # the answer is what someone said

_DIGITS = re.compile(r"\d+")
_WEAK = frozenset(
    {"long", "longtemps", "duree", "during", "aged", "age", "agee", "ages", "agees", "plusieurs"}
    | {"several", "many", "dozens"}
)


def answer_span(
    text: str, kind: str | None, asked: str = "", language: str = "fr"
) -> tuple[int, int] | None:
    """The offsets in ``text`` of the words that answer a question of ``kind``, or ``None``.

    What the question says itself is no answer ("en 1962" for "Combien ... en 1962 ?", the
    name it asks about for "Qui a remplacé Thierry Roland ?"). Among several spans, the one
    nearest to the words the question shares with the text wins (a count: one followed by
    what it counts first).
    """
    if kind == SPEECH:
        kind = SAID
    elif kind is None:
        kind = SAID if _SAID.search(asked) else NAMED if _WHICH.search(asked) else None
    found = _spans(text, kind, asked)
    found = [
        (start, end)
        for start, end in found
        if 0 < end - start <= MAX_SPAN
        and "\n" not in text[start:end]
        and not _given(text[start:end], asked)
    ]
    if not found:
        return None
    anchors = _anchors(text, asked, language)

    def rank(span: tuple[int, int]) -> tuple[float, ...]:
        start, end = span
        # How far, on average, each of the question's words is from the span.
        distance = sum(
            min(start - a if a < start else max(0, a - end) for a in at)
            for at in anchors.values()
        ) / max(1, len(anchors))
        counts = -_counts_something(text, end, language) if kind == NUMBER else 0
        # A full name ("François Brottes") before a lone word ("PS") nearby.
        longer = NAME_WORD * (len(text[start:end].split()) - 1) if kind in (PERSON, NAMED) else 0
        return (counts, distance - longer, start)

    return min(found, key=rank)


def _spans(text: str, kind: str | None, asked: str) -> list[tuple[int, int]]:
    """Every span of ``text`` that has the shape of an answer of ``kind``."""
    if kind is None:
        return []
    if kind == DATE:
        spans = [m.span() for m in _FULL_DATE.finditer(text)]
        return [_trim(text, s, e) for s, e in spans]
    if kind in (PERSON, NAMED):
        return _names(text, asked)
    if kind == SAID:
        return [
            next(match.span(g) for g in (1, 2, 3) if match.group(g))
            for match in _QUOTATION.finditer(text)
        ]
    if kind == PLACE:
        return [
            (s, e) for s, e in _names(text, asked) if _PLACE_BEFORE.search(text[max(0, s - 14) : s])
        ]
    if kind == CAUSE:
        return [_trim(text, *m.span()) for m in _CAUSE.finditer(text)]
    shape = ANSWER_SHAPES.get(kind)
    if shape is None:
        return []
    spans = []
    for match in shape.finditer(text):
        start, end = _trim(text, *match.span())
        if start >= end or fold(text[start:end]) in _WEAK:
            continue
        start = _whole_figure(text, start)
        if kind in (DURATION, SENTENCE, AGE, DISTANCE, AMOUNT):
            start = _with_quantity(text, start)
        if kind in (NUMBER, AMOUNT):
            magnitude = _MAGNITUDE.match(text, end)
            end = magnitude.end() if magnitude else end
        if kind == SCORE:
            end = _more_sets(text, end)
        end = _whole_word(text, end)
        if kind in (DURATION, SENTENCE) and not _has_quantity(text[start:end]):
            continue  # "pendant longtemps", "des années": a duration, but no figure to show
        spans.append((start, end))
    return spans


def _names(text: str, asked: str) -> list[tuple[int, int]]:
    """Names in ``text`` the question does not give, without a sentence's first word when it
    is a common word ("Selon", "Le")."""
    known = {fold(w) for w in re.findall(r"[^\W\d_]+", asked)}
    spans = []
    for match in _NAME.finditer(text):
        start, end = match.span()
        elided = _ELIDED.match(text, start)
        if elided:
            start = elided.end()
        # Leading common words ("Le président Barack Obama", "Selon Paris") are not the name.
        while start < end:
            first = re.match(r"[\w'’-]+\s*", text[start:end])
            word = first.group().strip() if first else ""
            if word and (is_stopword(word.lower(), "fr") or is_stopword(word.lower(), "en")):
                start += first.end()
            else:
                break
        if start >= end or not text[start].isupper():
            continue
        said = re.findall(r"[^\W\d_]+", text[start:end])
        if not said or all(fold(w) in known for w in said):
            continue
        if len(text[start:end].split()) == 1 and _opens_sentence(text, start):
            continue  # "Finalement, …", "Depuis …": capitalised for its place, not a name
        spans.append(_trim(text, start, end))
    return spans


def _opens_sentence(text: str, start: int) -> bool:
    """Whether the word at ``start`` opens the text or a sentence or quotation in it."""
    before = text[:start].rstrip(" \u00a0«“\"(—–-")
    return not before or before[-1] in ".!?:;"


def _trim(text: str, start: int, end: int) -> tuple[int, int]:
    """A span without the spaces and trailing separators it caught ("39 ", "2012,")."""
    while start < end and not text[start].isalnum() and text[start] not in "$€£-−+":
        start += 1
    while end > start and (text[end - 1].isspace() or text[end - 1] in ".,;:'’"):
        end -= 1
    return start, end


def _with_quantity(text: str, start: int) -> int:
    """Start earlier to take in the figure just before a unit ("trois **ans**")."""
    before = _QUANTITY_BEFORE.search(text[max(0, start - 30) : start])
    if before is None or not text[start].isalpha():
        return start
    return _trim(text, start - len(before.group()), start)[0]


def _whole_figure(text: str, start: int) -> int:
    """Start at the beginning of the figure the span started in ("3 °C" → "-5,3 °C")."""
    while start > 0 and (
        text[start - 1].isdigit()
        or (text[start - 1] in ".," and start > 1 and text[start - 2].isdigit())
    ):
        start -= 1
    if start > 0 and text[start - 1] in "-−" and (start == 1 or text[start - 2].isspace()):
        start -= 1
    return start


def _whole_word(text: str, end: int) -> int:
    """End at the end of the word the span stopped in ("5 °" → "5 °C")."""
    while end < len(text) and (text[end].isalnum() or text[end] in "°%") and text[end - 1] != " ":
        end += 1
    return end


def _more_sets(text: str, end: int) -> int:
    """A score's further sets: "6-1, 5-7, 6-2"."""
    more = re.compile(r",\s*\d{1,3}\s*[-–]\s*\d{1,3}\b")
    while (match := more.match(text, end)) is not None:
        end = match.end()
    return end


def _has_quantity(span: str) -> bool:
    return bool(_DIGITS.search(span) or re.search(rf"\b(?:{_NUMBER_WORDS})\b", span, re.I))


def _given(span: str, asked: str) -> bool:
    """Whether the question says the span itself: the same figures, or the same words."""
    digits = set(_DIGITS.findall(span))
    if digits:
        return digits <= set(_DIGITS.findall(asked))
    said = {fold(w) for w in words(span)}
    return bool(said) and said <= {fold(w) for w in words(asked)}


def _anchors(text: str, asked: str, language: str) -> dict[str, list[int]]:
    """Where in ``text`` each of the question's own words is (offsets of their starts)."""
    wanted = {
        term(w, language) for w in words(asked) if not is_stopword(w, language) and len(w) > 2
    }
    found: dict[str, list[int]] = {}
    for match in re.finditer(r"[^\W_]+", text):
        word = match.group().lower()
        if is_stopword(word, language):
            continue
        stem = term(word, language)
        if stem in wanted:
            found.setdefault(stem, []).append(match.start())
    return found


def _counts_something(text: str, end: int, language: str) -> bool:
    """Whether a figure is followed by what it counts (a word that carries meaning): "39
    morts" counts, "de catégorie 1 a fait" does not."""
    after = re.match(r"\s*(?:de\s+|d['’])?([^\W\d_]+)", text[end:])
    return bool(after) and not is_stopword(after.group(1).lower(), language)
