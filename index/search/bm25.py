"""BM25 over the library-wide index's sentences, computed the way SQLite's FTS5 ``bm25()`` does,
for an engine that finds candidate sentences but cannot rank them itself (Postgres full text
has no IDF).

A sentence is a document of three weighted fields (``index.search.fields``: its own terms, its
paragraph's, its title's); its length counts the tokens of the three fields, a term's
frequency adds its field's weight for each occurrence, and the IDF is
``log((N - n + 0.5) / (n + 0.5))`` floored at 1e-6, N the sentences of the space and n those
holding the term in any field.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence

import numpy as np

K1 = 1.2
B = 0.75
WEIGHTS = (1.0, 0.3, 0.3)  # sentence, paragraph, title
_TOKEN = re.compile(r"[^\W_]+")


def tokens(text: str) -> list[str]:
    """A field's tokens as FTS5's unicode61 tokenizer splits and folds them."""
    return _TOKEN.findall(text.lower())


def idf(sentences: int, having: int) -> float:
    """FTS5's IDF of a term found in ``having`` of ``sentences`` sentences."""
    value = math.log((sentences - having + 0.5) / (having + 0.5))
    return value if value > 0 else 1e-6


def scores(
    frequencies: np.ndarray, lengths: np.ndarray, idfs: np.ndarray, average: float
) -> np.ndarray:
    """The BM25 of each sentence: ``frequencies`` holds one row per sentence and one column per
    term (weighted), ``lengths`` their tokens, ``idfs`` the terms', ``average`` the mean length
    of the space's sentences."""
    norm = K1 * (1 - B + B * lengths / average)
    return (idfs * frequencies * (K1 + 1) / (frequencies + norm[:, None])).sum(axis=1)


def candidate_terms(having: Mapping[str, int], budget: int) -> list[str]:
    """The terms to look candidates up by: the rarest first, while the sentences holding them
    add up to at most ``budget`` (the rarest one always).

    A term left out is in more sentences than the budget, so its IDF is low: a sentence that
    holds only such terms mostly ranks below those that hold a rarer one. Its frequency still
    counts in the score of every candidate.
    """
    chosen: list[str] = []
    total = 0
    for term in sorted((t for t in having if having[t] > 0), key=lambda t: (having[t], t)):
        if chosen and total + having[term] > budget:
            break
        chosen.append(term)
        total += having[term]
    return chosen


def newest_only(having: Mapping[str, int], chosen: list[str], budget: int) -> bool:
    """Whether a question's candidates are to be read among the newest sentences only.

    That is when even its rarest term is in more sentences than ``budget``: a question of
    ordinary words ("Where does her body rest?"), which no article stands out for. Ranking
    every sentence that holds such a word is what makes a question slow in a large library
    (45 000 sentences hold "rester" among 100 000 articles), and it seldom finds the right
    article; among the newest ``budget`` sentences that hold it, the work is bounded and a
    news library's recent articles are preferred.
    """
    return bool(chosen) and sum(having[t] for t in chosen) > budget


def sentence_scores(
    paragraphs: Sequence[Sequence[str]],
    titles: Sequence[Sequence[str]],
    known: Sequence[str],
    idfs: np.ndarray,
    average: float,
) -> np.ndarray:
    """The BM25 of every sentence of some paragraphs, in order: each sentence a document of
    three fields (its own tokens, its paragraph's, its title's). ``paragraphs`` holds each
    paragraph's sentences as strings of tokens joined by single spaces, ``titles`` each
    paragraph's title tokens (its article's title and its section's heading), ``known`` the
    terms scored, ``idfs`` theirs, ``average`` the mean length of the space's sentences.

    All at once: one pattern per term over every sentence (the regular expression engine,
    not a Python loop over tokens), then the fields summed with numpy.
    """
    sentences = [s for paragraph in paragraphs for s in paragraph]
    if not sentences:
        return np.zeros(0)
    sizes = np.fromiter((len(p) for p in paragraphs), dtype=np.int64, count=len(paragraphs))
    # " a b \n c ": every token has a space on each side, a sentence starts after its "\n".
    starts = np.zeros(len(sentences), dtype=np.int64)
    np.cumsum([len(s) + 3 for s in sentences[:-1]], out=starts[1:])
    joined = " " + " \n ".join(sentences) + " "
    own = np.zeros((len(sentences), len(known)))
    for j, term in enumerate(known):
        at = [m.start() for m in re.finditer(re.escape(" " + term) + "(?= )", joined)]
        if at:
            np.add.at(own[:, j], np.searchsorted(starts, at, side="right") - 1, 1)
    column = {term: j for j, term in enumerate(known)}
    counted: dict[tuple[str, ...], np.ndarray] = {}
    titled = np.zeros((len(paragraphs), len(known)))
    for p, title in enumerate(titles):
        key = tuple(title)
        if key not in counted:
            counted[key] = np.zeros(len(known))
            for token in key:
                if token in column:
                    counted[key][column[token]] += 1
        titled[p] = counted[key]
    first = np.concatenate(([0], np.cumsum(sizes)[:-1]))
    own_weight, paragraph_weight, title_weight = WEIGHTS
    frequencies = own_weight * own + np.repeat(
        paragraph_weight * np.add.reduceat(own, first, axis=0) + title_weight * titled,
        sizes, axis=0,
    )
    lengths = np.fromiter((s.count(" ") + 1 if s else 0 for s in sentences), dtype=np.float64,
                          count=len(sentences))
    around = np.add.reduceat(lengths, first) + np.fromiter(
        (len(t) for t in titles), dtype=np.float64, count=len(titles)
    )
    return scores(frequencies, lengths + np.repeat(around, sizes), idfs, average)
