"""What the library-wide index stores of an article and asks of a question."""

from __future__ import annotations

from index.language.analysis import terms
from index.language.question import read_question
from index.search.bm25 import tokens
from index.search.fields import article_fields, match_form, search_terms
from tests.conftest import parse

ARTICLE = (
    "Le conseil vote le budget\n\n"
    "## Les écoles\n\n"
    "Le conseil municipal a voté le budget des écoles. Les enseignants approuvent.\n\n"
    "Une cantine ouvrira en septembre.\n"
)


def test_each_field_is_kept_once_with_what_ranks_a_sentence() -> None:
    article = parse(ARTICLE)
    fields = article_fields(article)
    assert fields.sentences == len(article.sentences)
    # every sentence's tokens, paragraph by paragraph, in order
    assert [t for p in fields.paragraphs for t in p.sentences] == [
        tuple(tokens(" ".join(terms(s.text, "fr")))) for s in article.sentences
    ]
    assert [p.first for p in fields.paragraphs] == [0, 2]
    assert set(terms("budget", "fr")) <= set(fields.title)
    assert fields.headings[1] == tuple(terms("écoles", "fr"))
    # counts: the title's terms are in every sentence, a heading's in its section's, a
    # paragraph's in its own sentences
    counts = fields.counts()
    assert counts[terms("budget", "fr")[0]] == 3
    assert counts[terms("enseignants", "fr")[0]] == 2
    assert counts[terms("cantine", "fr")[0]] == 1
    lengths = [
        len(own) + len(p.tokens) + len(fields.title) + len(fields.headings[p.section])
        for p in fields.paragraphs for own in p.sentences
    ]
    assert fields.tokens() == sum(lengths)


def test_match_form_is_one_to_one_and_plain() -> None:
    words = ["festival", "été", "z", "z003e", "zzz", "ａ", "⅟", "a330", "état", "etat"]
    forms = [match_form(w) for w in words]
    assert len(set(forms)) == len(words)
    assert all(f.isascii() and f.isalnum() and f == f.lower() for f in forms)
    assert match_form("festival") == "festival" and match_form("a330") == "a330"


def test_question_terms_in_both_languages_without_duplicates_or_punctuation() -> None:
    asked = search_terms(read_question("Who voted the school budget, and when?"))
    assert set(terms("budget", "fr")) <= set(asked)
    assert set(terms("voted", "en")) <= set(asked)
    assert len(asked) == len(set(asked))
    assert all(t.isalnum() for t in asked)

