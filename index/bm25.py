"""BM25 over the library-wide index's sentences, computed the way SQLite's FTS5 ``bm25()`` does,
for an engine that finds candidate sentences but cannot rank them itself (Postgres full text
has no IDF).

A sentence is a document of three weighted fields (``index.fields``) plus its space's token;
its length counts the tokens of all four, a term's frequency adds each field's weight per
occurrence, and the IDF is ``log((N - n + 0.5) / (n + 0.5))`` floored at 1e-6, N the sentences
of the space and n those holding the term in any field.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Mapping

from index.fields import SentenceFields

K1 = 1.2
B = 0.75
FIELDS = "ABC"  # sentence, paragraph, title: the order of ``WEIGHTS``
WEIGHTS = (1.0, 0.3, 0.3)
_TOKEN = re.compile(r"[^\W_]+")


def tokens(text: str) -> list[str]:
    """A field's tokens as FTS5's unicode61 tokenizer splits and folds them."""
    return _TOKEN.findall(text.lower())


def field_tokens(fields: SentenceFields) -> tuple[list[str], list[str], list[str]]:
    """The tokens of a sentence's three fields."""
    return tokens(fields.text), tokens(fields.paragraph), tokens(fields.title)


def idf(sentences: int, having: int) -> float:
    """FTS5's IDF of a term found in ``having`` of ``sentences`` sentences."""
    value = math.log((sentences - having + 0.5) / (having + 0.5))
    return value if value > 0 else 1e-6


def frequency(fields: str) -> float:
    """A term's weighted frequency in a sentence, from the field letter of each occurrence
    (``"AAB"``: twice in the sentence, once in the paragraph)."""
    return sum(WEIGHTS[FIELDS.index(letter)] for letter in fields)


def score(
    frequencies: Mapping[str, float], length: int, idfs: Mapping[str, float], average: float
) -> float:
    """A sentence's BM25 for the terms ``idfs`` weighs; ``frequencies`` are its weighted ones,
    ``length`` its tokens, ``average`` the mean length of the space's sentences."""
    norm = K1 * (1 - B + B * length / average) if average else K1
    total = 0.0
    for term, weight in idfs.items():
        f = frequencies.get(term, 0.0)
        if f:
            total += weight * f * (K1 + 1) / (f + norm)
    return total


def candidate_terms(having: Mapping[str, int], budget: int) -> list[str]:
    """The terms to look candidates up by: the rarest first, while the sentences holding them
    add up to at most ``budget`` (the rarest one always).

    A term left out is in more sentences than the budget, so its IDF is low: a sentence that
    holds only such terms ranks below those that hold a rarer one. Its frequency still counts
    in the score of every candidate.
    """
    chosen: list[str] = []
    total = 0
    for term in sorted((t for t in having if having[t] > 0), key=lambda t: (having[t], t)):
        if chosen and total + having[term] > budget:
            break
        chosen.append(term)
        total += having[term]
    return chosen


def distinct_counts(fields: list[SentenceFields]) -> Counter[str]:
    """In how many of these sentences each term occurs (in any field)."""
    counts: Counter[str] = Counter()
    for one in fields:
        text, paragraph, title = field_tokens(one)
        counts.update(set(text) | set(paragraph) | set(title))
    return counts
