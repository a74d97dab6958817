"""BM25 as FTS5 computes it, for the Postgres engine: tokens, IDF, weighted fields, candidates."""

from __future__ import annotations

import math

from index import bm25
from index.fields import SentenceFields


def test_fields_are_split_and_folded_like_fts5() -> None:
    assert bm25.tokens("Rio-Paris airbus A330 l_état") == ["rio", "paris", "airbus", "a330", "l",
                                                          "état"]
    fields = SentenceFields(0, "crash avion", "crash avion mort", "Rio-Paris")
    assert bm25.field_tokens(fields) == (["crash", "avion"], ["crash", "avion", "mort"],
                                         ["rio", "paris"])
    assert bm25.distinct_counts([fields, SentenceFields(1, "mort", "mort", "")]) == {
        "crash": 1, "avion": 1, "mort": 2, "rio": 1, "paris": 1,
    }


def test_idf_is_fts5s_and_never_zero() -> None:
    assert math.isclose(bm25.idf(100, 1), math.log(99.5 / 1.5))
    assert bm25.idf(100, 1) > bm25.idf(100, 10) > 0
    assert bm25.idf(10, 9) == 1e-6  # a term in most sentences still counts, a little


def test_a_term_in_the_sentence_counts_more_than_in_its_paragraph_or_title() -> None:
    assert bm25.frequency("A") == 1.0
    assert math.isclose(bm25.frequency("AAB"), 2.3)
    idfs = {"crash": 2.0}
    own = bm25.score({"crash": bm25.frequency("A")}, 10, idfs, 10.0)
    paragraph = bm25.score({"crash": bm25.frequency("B")}, 10, idfs, 10.0)
    longer = bm25.score({"crash": bm25.frequency("A")}, 30, idfs, 10.0)
    assert own > paragraph > 0
    assert own > longer  # the same match in a longer sentence weighs less
    assert bm25.score({"autre": 1.0}, 10, idfs, 10.0) == 0.0


def test_candidates_come_from_the_rarest_terms_within_the_budget() -> None:
    having = {"crash": 3, "avion": 40, "mort": 900, "absent": 0}
    assert bm25.candidate_terms(having, 50) == ["crash", "avion"]
    assert bm25.candidate_terms(having, 10_000) == ["crash", "avion", "mort"]
    assert bm25.candidate_terms({"mort": 900}, 50) == ["mort"]  # the rarest, always
    assert bm25.candidate_terms({"absent": 0}, 50) == []
