"""What the library-wide index stores of an article and asks of a question."""

from __future__ import annotations

from index.analysis import terms
from index.fields import search_terms, sentence_fields
from index.question import read_question
from tests.conftest import parse

ARTICLE = (
    "Le conseil vote le budget\n\n"
    "## Les écoles\n\n"
    "Le conseil municipal a voté le budget des écoles. Les enseignants approuvent.\n\n"
    "Une cantine ouvrira en septembre.\n"
)


def test_one_row_per_sentence_with_its_paragraph_and_title_terms() -> None:
    article = parse(ARTICLE)
    fields = sentence_fields(article)
    assert [f.sentence for f in fields] == list(range(len(article.sentences)))
    for row, sentence in zip(fields, article.sentences, strict=True):
        assert row.text.split() == terms(sentence.text, "fr")
        paragraph = article.paragraphs[sentence.paragraph]
        assert row.paragraph.split() == [
            t for i in paragraph.sentences for t in terms(article.sentences[i].text, "fr")
        ]
    enseignants = next(f for f in fields if "enseignants" in article.sentences[f.sentence].text)
    cantine = next(f for f in fields if "cantine" in article.sentences[f.sentence].text)
    assert set(terms("enseignants", "fr")) <= set(enseignants.text.split())
    # the paragraph field carries its neighbours' terms, never another paragraph's
    assert set(terms("budget", "fr")) <= set(enseignants.paragraph.split())
    assert not set(terms("cantine", "fr")) & set(enseignants.paragraph.split())
    # the title field: the article's title and the section's heading
    assert set(terms("budget écoles", "fr")) <= set(cantine.title.split())


def test_question_terms_in_both_languages_without_duplicates_or_punctuation() -> None:
    asked = search_terms(read_question("Who voted the school budget, and when?"))
    assert set(terms("budget", "fr")) <= set(asked)
    assert set(terms("voted", "en")) <= set(asked)
    assert len(asked) == len(set(asked))
    assert all(t.isalnum() for t in asked)

