"""BM25 as FTS5 computes it, for the Postgres engine: tokens, weighted fields, IDF, candidates."""

from __future__ import annotations

import math
import random

import numpy as np

from index.search import bm25


def test_fields_are_split_folded_and_weighted_like_fts5() -> None:
    assert bm25.tokens("Rio-Paris airbus A330 l_état") == ["rio", "paris", "airbus", "a330", "l",
                                                          "état"]
    known, idfs = ["crash", "avion", "mort", "rio"], np.array([2.0, 1.0, 3.0, 0.5])
    ranked = bm25.sentence_scores([["crash avion", "crash mort"]], [("rio", "paris")], known,
                                  idfs, 8.0)
    # the first sentence: its own "crash" and "avion", its paragraph's, its title's; each
    # sentence's length counts its own two tokens, the paragraph's four and the title's two
    first = np.array([1.0 + 0.6, 1.0 + 0.3, 0.3, 0.3])
    second = np.array([1.0 + 0.6, 0.3, 1.0 + 0.3, 0.3])
    expected = bm25.scores(np.array([first, second]), np.array([8.0, 8.0]), idfs, 8.0)
    assert np.allclose(ranked, expected)


def _reference(paragraphs, titles, known, idfs, average) -> list[float]:
    """Each sentence's BM25 term by term, the slow way the fields are defined."""
    weight, paragraph_weight, title_weight = bm25.WEIGHTS
    ranked = []
    for sentences, title in zip(paragraphs, titles, strict=True):
        split = [s.split() for s in sentences]
        around = sum(len(s) for s in split) + len(title)
        for own in split:
            frequencies = np.array([
                weight * own.count(t) + paragraph_weight * sum(s.count(t) for s in split)
                + title_weight * list(title).count(t)
                for t in known
            ])
            ranked.append(float(bm25.scores(frequencies[None, :], np.array([len(own) + around]),
                                            idfs, average)[0]))
    return ranked


def test_sentences_are_scored_at_once_as_one_by_one() -> None:
    rng = random.Random(4)
    words = ["crash", "avion", "mort", "rio", "paris", "vol", "a330", "é"]
    known = ["crash", "mort", "rio", "absent", "a3"]
    idfs = np.array([2.0, 1.5, 0.7, 3.0, 1.0])
    paragraphs, titles = [], []
    for _ in range(40):
        paragraphs.append([" ".join(rng.choices(words, k=rng.randint(0, 9)))
                           for _ in range(rng.randint(1, 5))])
        titles.append(tuple(rng.choices(words, k=rng.randint(0, 4))))
    ranked = bm25.sentence_scores(paragraphs, titles, known, idfs, 6.0)
    assert np.allclose(ranked, _reference(paragraphs, titles, known, idfs, 6.0))
    assert len(bm25.sentence_scores([], [], known, idfs, 6.0)) == 0


def test_idf_is_fts5s_and_never_zero() -> None:
    assert math.isclose(bm25.idf(100, 1), math.log(99.5 / 1.5))
    assert bm25.idf(100, 1) > bm25.idf(100, 10) > 0
    assert bm25.idf(10, 9) == 1e-6  # a term in most sentences still counts, a little


def test_scores_favour_the_sentence_the_term_is_in_and_short_sentences() -> None:
    # One term (IDF 2): in the sentence itself, in its paragraph only, in a longer sentence,
    # not at all.
    frequencies = np.array([[1.0], [0.3], [1.0], [0.0]])
    ranked = bm25.scores(frequencies, np.array([10.0, 10.0, 30.0, 10.0]), np.array([2.0]), 10.0)
    assert math.isclose(ranked[0], 2.0 * 2.2 / (1.0 + 1.2))
    assert ranked[0] > ranked[1] > 0 and ranked[0] > ranked[2] and ranked[3] == 0


def test_candidates_come_from_the_rarest_terms_within_the_budget() -> None:
    having = {"crash": 3, "avion": 40, "mort": 900, "absent": 0}
    assert bm25.candidate_terms(having, 50) == ["crash", "avion"]
    assert bm25.candidate_terms(having, 10_000) == ["crash", "avion", "mort"]
    assert bm25.candidate_terms({"mort": 900}, 50) == ["mort"]  # the rarest, always
    assert bm25.candidate_terms({"absent": 0}, 50) == []


def test_only_a_rarest_term_over_the_budget_keeps_to_the_newest_sentences() -> None:
    having = {"crash": 3, "avion": 40, "mort": 900}
    assert not bm25.newest_only(having, bm25.candidate_terms(having, 50), 50)
    assert bm25.newest_only({"mort": 900}, ["mort"], 50)
    assert not bm25.newest_only({"mort": 900}, [], 50)
