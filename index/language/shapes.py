"""What answers look like in text: the shapes of dates, times, ages, amounts, counts, names...

A question that names the kind of answer it wants ("À quelle heure … ?") is only answered by a
passage holding something of that shape. ``holds`` checks one text; ``SentenceShapes`` holds,
for every sentence of an article, what does not depend on the question (the shapes it holds),
computed once per built index, so that a question only filters out what it gives itself.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Sequence

import numpy as np

from index.language.analysis import fold, is_stopword
from index.language.tables import (
    COUNT_WORDS,
    DURATION_UNITS,
    MONTHS,
    SAYING_EN,
    SAYING_PARTICIPLES_FR,
    SAYING_PRESENT_FR,
    WEEKDAYS_EN,
    WEEKDAYS_FR,
    alternation,
)
from index.model import Article

# Kinds of answer a question asks for, and how each looks in text. A question that names its
# kind ("À quelle heure ...?") is only answered by a passage that holds something of that kind.
PERSON = "person"
DATE = "date"
TIME = "time"
AGE = "age"
AMOUNT = "amount"
PERCENT = "percent"
DURATION = "duration"
DISTANCE = "distance"
NUMBER = "number"
PLACE = "place"
CAUSE = "cause"
SPEED = "speed"
SCORE = "score"
SENTENCE = "sentence"
SPEECH = "speech"  # what someone said: reported speech

_MONTHS = alternation(MONTHS)
_NUMBER_WORDS = alternation(COUNT_WORDS)
_YEAR = r"(?:1[5-9]\d\d|20\d\d)"
_QUANTITY = rf"(?:\d[\d\s\u00a0\u202f.,]*|\b(?:{_NUMBER_WORDS})\b)"
_DURATION_UNITS = alternation(DURATION_UNITS)

ANSWER_SHAPES: dict[str, re.Pattern[str]] = {
    DATE: re.compile(
        rf"\b(?:1[0-9]{{3}}|20[0-9]{{2}}|{_MONTHS}|siècle|century|{alternation(WEEKDAYS_FR)}"
        rf"|hier|demain|aujourd'hui|{alternation(WEEKDAYS_EN)}"
        r"|yesterday|tomorrow|today|prochaine?s?|dernière?s?|printemps"
        r"|été|automne|hiver|spring|summer|autumn|winter|next|last)\b",
        re.IGNORECASE,
    ),
    TIME: re.compile(
        r"\b\d{1,2}\s?h(?:\s?\d{2})?\b|\b\d{1,2}:\d{2}\b|\b\d{1,2}\s+heures?\b|\bmidi\b"
        r"|\bminuit\b|\b\d{1,2}\s*(?:a\.m\.|p\.m\.|am\b|pm\b)|o'clock",
        re.IGNORECASE,
    ),
    AGE: re.compile(
        rf"{_QUANTITY}\s*(?:ans|années|years?(?:\s+old|-old))\b|\bâgée?s?\b|\baged\b",
        re.IGNORECASE,
    ),
    AMOUNT: re.compile(
        rf"{_QUANTITY}\s*(?:de\s+)?(?:€|euros?|dollars?|\$|£|livres?|francs?|yens?|yuans?"
        r"|roubles?|dinars?|k€|m€|md€|millions?|milliards?|billions?|usd|eur|chf|gbp)"
        r"|[$€£]\s*\d",
        re.IGNORECASE,
    ),
    PERCENT: re.compile(r"\d\s*%|\bpour\s*cent\b|\bpourcent|\bper\s*cent\b", re.IGNORECASE),
    DURATION: re.compile(
        rf"\b(?:{_DURATION_UNITS})\b|\bdurée\b|\bduring\b|\blong(?:temps)?\b"
        rf"|\b(?:depuis|since)\s+(?:[\w'’]+\s+){{0,3}}{_YEAR}\b",
        re.IGNORECASE
    ),
    DISTANCE: re.compile(
        rf"{_QUANTITY}\s*(?:km|kilomètres?|mètres?|m\b|miles?|kilometers?|kilometres?|meters?"
        r"|metres?|yards?|feet|pieds?)",
        re.IGNORECASE,
    ),
    # A count: a number that is not a year on its own nor a day of a month ("le 5 juillet
    # 1962" dates, it does not count).
    NUMBER: re.compile(
        rf"(?<![\d.,])(?!{_YEAR}\b(?!\s*(?:%|ans|années|years)))"
        rf"(?!\d{{1,2}}(?:er)?\s+(?:{_MONTHS})\b)\d[\d\s\u00a0\u202f.,]*"
        rf"|\b(?:{_NUMBER_WORDS}|plusieurs|several|many|dozens)\b",
        re.IGNORECASE,
    ),
    SPEED: re.compile(
        rf"{_QUANTITY}\s*(?:km/h|km\s*/\s*h|kilomètres[- ]heure|mph|nœuds|noeuds|knots|m/s)", re.I
    ),
    SCORE: re.compile(
        r"\b\d{1,3}\s*[-–/à]\s*\d{1,3}\b|\d\s*%|\b\d+\s+(?:voix|sièges|points|buts|sets?"
        r"|votes|seats|goals)\b",
        re.IGNORECASE,
    ),
    SENTENCE: re.compile(
        r"\b(?:ans?|mois|années?|years?|months?)\s+(?:de\s+|d['’])?(?:prison|réclusion"
        r"|détention|emprisonnement|prison|jail)|\bperpétuité\b|\blife\s+sentence\b"
        r"|\bamende\b|\bfine\s+of\b|\bcondamnée?s?\s+à\b|\bsentenced\s+to\b"
        r"|\bacquittée?s?\b|\bsursis\b",
        re.IGNORECASE,
    ),
    # Reported speech: quotation marks, or a verb of saying (tables.SAYING_*).
    SPEECH: re.compile(
        r"[«»“”\"]|\b(?:a|ont|avait|avaient|aurait|auraient|avoir)\s+(?:\w+\s+)?"
        rf"(?:{alternation(SAYING_PARTICIPLES_FR)})\b"
        rf"|(?<![\w'’])(?:{alternation(SAYING_PRESENT_FR)})\b"
        rf"|\b(?:{alternation(SAYING_EN)})\b",
        re.IGNORECASE,
    ),
}

# Kinds whose shape is specific enough that a passage without it does not answer.
CHECKED_KINDS = frozenset(
    {DATE, TIME, AGE, AMOUNT, PERCENT, DURATION, DISTANCE, NUMBER, PERSON}
    | {SPEED, SCORE, SENTENCE, SPEECH}
)

NAME = re.compile(r"(?<!\w)(?:[A-ZÀ-ÖØ-Ý][\w'’]*(?:[\s-]+[A-ZÀ-ÖØ-Ý][\w'’]*)*)")
DIGITS = re.compile(r"\d+")
_WORD = re.compile(r"[^\W\d_]+")


def given(number: str, asked: str) -> bool:
    """Whether a number found in a passage is one the question itself says (same digits)."""
    digits = set(DIGITS.findall(number))
    return bool(digits) and digits <= set(DIGITS.findall(asked))


def holds(kind: str | None, text: str, asked: str = "") -> bool | None:
    """Whether a text holds an answer of ``kind``; ``None`` when the kind cannot be checked.

    What the question itself says does not count: "Combien de Pieds-Noirs ont quitté
    l'Algérie en 1962 ?" is not answered by a passage whose only number is 1962, nor "Qui a
    remplacé Thierry Roland ?" by one whose only name is his.
    """
    if kind == PERSON:
        return _names(text, asked)
    if kind not in ANSWER_SHAPES:
        return None
    folded = fold(asked)
    for match in ANSWER_SHAPES[kind].finditer(text):
        found = match.group()
        if given(found, asked):
            continue
        if kind == DATE and not DIGITS.search(found) and fold(found).strip() in folded.split():
            continue  # "Que s'est-il passé en juillet ?" is not answered by "juillet"
        return True
    return False


def names(text: str) -> list[str]:
    """The words a question capitalises away from its start: the things it names."""
    found = []
    for match in NAME.finditer(text):
        before = text[: match.start()].rstrip(" «\"“(")
        if not before or before[-1] in ".!?:":
            continue
        found.extend(
            w for w in re.findall(r"[^\W\d_]+", match.group())
            if len(w) > 1 and not is_stopword(w, "fr") and not is_stopword(w, "en")
        )
    return found


def _names(text: str, asked: str) -> bool:
    """Whether a text names someone or something (a capitalised word) the question does not."""
    known = {fold(w) for w in _WORD.findall(asked)}
    return not _name_words(text) <= known


_STARTERS = frozenset(
    """
    selon apres depuis lors pendant ensuite enfin cependant pourtant aujourd hier plusieurs
    certains dès des face malgre alors ainsi toutefois lorsque quand deja puis outre parmi
    grace suite afin lundi mardi mercredi jeudi vendredi samedi dimanche cette cet
    however after since during then today yesterday while although many some several
    """.split()
)



class SentenceShapes:
    """What every sentence of an article holds of each answer shape, found once per kind and
    kept with the article's built index: a question then only sets aside what it gives itself
    (its own numbers, the month it names, the names it says), instead of scanning every
    sentence again (``holds`` on each sentence took about 245 ms for a "combien" question on a
    3 300-sentence article).

    Every kind is scanned when the article is indexed (``scan``, on the indexing pool, about
    three times the rest of the built index) and stored with its version (``dumps``); a built
    index reads them back (``loads``). A version stored without them, or with shapes of other
    patterns (``SIGNATURE``), has each kind scanned at the first question that asks for it.
    """

    def __init__(self, texts: Sequence[str]) -> None:
        self._texts = tuple(texts)
        # Per kind, per sentence: the distinct (digits, folded word) of each match, the word
        # only for a date without digits ("juillet"), which a question may name itself.
        self._found: dict[str, tuple[frozenset[tuple[frozenset[str], str | None]], ...]] = {}
        self._names: tuple[frozenset[str], ...] | None = None

    def scan(self) -> SentenceShapes:
        """Every kind and every name scanned now (what indexing does); ``self``."""
        for kind in ANSWER_SHAPES:
            self.found(kind)
        self.named()
        return self

    def dumps(self) -> str:
        """Every kind's and the names' findings as JSON, with the ``SIGNATURE`` of the patterns
        that found them; only sentences that hold something are written."""
        self.scan()
        kinds = {
            kind: [
                [i, [[sorted(digits), word] for digits, word in sorted(keys, key=repr)]]
                for i, keys in enumerate(found)
                if keys
            ]
            for kind, found in self._found.items()
        }
        names = [[i, sorted(words)] for i, words in enumerate(self.named()) if words]
        data = {"signature": SIGNATURE, "kinds": kinds, "names": names}
        return json.dumps(data, ensure_ascii=False, separators=(",", ":"))

    @classmethod
    def loads(cls, texts: Sequence[str], stored: str | None) -> SentenceShapes:
        """The shapes of ``texts`` as ``dumps`` wrote them; nothing read (each kind scanned
        when first asked) when there are none or they were found by other patterns."""
        shapes = cls(texts)
        data = json.loads(stored) if stored else None
        if not data or data.get("signature") != SIGNATURE:
            return shapes
        size = len(shapes._texts)
        for kind, rows in data["kinds"].items():
            if kind not in ANSWER_SHAPES:
                continue
            found: list[frozenset[tuple[frozenset[str], str | None]]] = [frozenset()] * size
            for i, keys in rows:
                found[i] = frozenset((frozenset(digits), word) for digits, word in keys)
            shapes._found[kind] = tuple(found)
        named: list[frozenset[str]] = [frozenset()] * size
        for i, words in data["names"]:
            named[i] = frozenset(words)
        shapes._names = tuple(named)
        return shapes

    def found(self, kind: str) -> tuple[frozenset[tuple[frozenset[str], str | None]], ...]:
        """Each sentence's matches of ``kind`` (one of ``ANSWER_SHAPES``), scanned once."""
        found = self._found.get(kind)
        if found is None:
            pattern = ANSWER_SHAPES[kind]
            found = tuple(
                frozenset(_key(kind, match.group()) for match in pattern.finditer(text))
                for text in self._texts
            )
            self._found[kind] = found
        return found

    def named(self) -> tuple[frozenset[str], ...]:
        """Each sentence's folded name words (``_names``' reading), found once."""
        if self._names is None:
            self._names = tuple(frozenset(_name_words(text)) for text in self._texts)
        return self._names

    def holding(self, kind: str | None, asked: str = "") -> np.ndarray | None:
        """Whether each sentence holds an answer of ``kind`` for the question ``asked``, as
        ``holds(kind, sentence, asked)`` says; ``None`` when the kind cannot be checked."""
        if kind == PERSON:
            known = {fold(w) for w in _WORD.findall(asked)}
            return np.array([not words <= known for words in self.named()], dtype=bool)
        if kind not in ANSWER_SHAPES:
            return None
        found = self.found(kind)
        given_digits = set(DIGITS.findall(asked))
        if not given_digits and kind != DATE:
            return np.array([bool(keys) for keys in found], dtype=bool)
        said = set(fold(asked).split()) if kind == DATE else set()
        return np.array(
            [
                any(
                    not (digits and digits <= given_digits) and (digits or word not in said)
                    for digits, word in keys
                )
                for keys in found
            ],
            dtype=bool,
        )


def article_shapes(article: Article) -> str:
    """Every answer shape of every sentence of ``article``, found now, as JSON to store with
    its version (``SentenceShapes.loads`` reads it back)."""
    return SentenceShapes([s.text for s in article.sentences]).dumps()


def _key(kind: str, found: str) -> tuple[frozenset[str], str | None]:
    digits = frozenset(DIGITS.findall(found))
    return digits, (fold(found).strip() if kind == DATE and not digits else None)


def _name_words(text: str) -> set[str]:
    """The folded words of the names a text holds, as ``_names`` reads them."""
    words: set[str] = set()
    for match in NAME.finditer(text):
        found = _WORD.findall(match.group())
        before = text[: match.start()].rstrip(" «\"“(")
        if (not before or before[-1] in ".!?:") and len(found) == 1:
            # A sentence's first word is capitalised whatever it is: only a word that is no
            # common word of either language may be a name there ("Bruxelles a salué ...").
            if is_stopword(found[0], "fr") or is_stopword(found[0], "en"):
                continue
            if fold(found[0]) in _STARTERS:
                continue
        words.update(fold(w) for w in found)
    return words

# What stored shapes were found with: the patterns, the name rule and its starters. Shapes
# stored by other patterns (an older version of the bot) are not read.
SIGNATURE = hashlib.sha256(
    repr(
        (
            sorted((k, p.pattern, p.flags) for k, p in ANSWER_SHAPES.items()),
            NAME.pattern,
            sorted(_STARTERS),
            _key.__code__.co_code,
            _name_words.__code__.co_code,
        )
    ).encode("utf-8")
).hexdigest()[:16]
