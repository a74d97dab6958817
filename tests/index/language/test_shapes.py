"""Answer shapes found once per article: the same verdicts as reading every sentence again."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from index import parse_article
from index.language import shapes as shapes_module
from index.language.shapes import (
    ANSWER_SHAPES,
    DATE,
    NUMBER,
    PERSON,
    SentenceShapes,
    article_shapes,
    holds,
)
from index.model import Article
from index.search.article_index import ArticleIndex

CORPUS = Path(__file__).resolve().parents[3] / "bench" / "data" / "wikinews_fr"
# Questions that give numbers, a month, a weekday, names of their own, or nothing at all.
ASKED = (
    "",
    "Combien de Pieds-Noirs ont quitté l'Algérie en 1962 ?",
    "Que s'est-il passé en juillet ?",
    "Qu'a dit Vladimir Poutine lundi ?",
    "Combien de soldats au chapitre 3, le 5 mars 2014 ?",
    "Quel score final, 2-1 ?",
)


@pytest.fixture(scope="module")
def articles(bundled_article: Article) -> list[Article]:
    paths = sorted(CORPUS.glob("*.html"))[:12]
    return [bundled_article, *(parse_article(p.read_bytes(), str(p)) for p in paths)]


@pytest.mark.parametrize("kind", [*ANSWER_SHAPES, PERSON])
def test_every_sentence_holds_what_reading_it_again_would_say(
    articles: list[Article], kind: str
) -> None:
    for article in articles:
        texts = [s.text for s in article.sentences]
        shapes = SentenceShapes(texts)
        for asked in ASKED:
            expected = [bool(holds(kind, text, asked)) for text in texts]
            assert list(shapes.holding(kind, asked)) == expected, (article.title, asked)


def test_a_number_the_question_gives_is_no_answer() -> None:
    shapes = SentenceShapes(["Ils étaient 900 000 au départ.", "Ils étaient 120 000 au départ."])
    asked = "Combien de Pieds-Noirs sont partis, 900 000 ?"
    assert list(shapes.holding(NUMBER, asked)) == [False, True]
    assert list(shapes.holding(NUMBER, "Combien de Pieds-Noirs ?")) == [True, True]


def test_a_month_the_question_names_is_no_date() -> None:
    shapes = SentenceShapes(["Il est parti en juillet.", "Il est parti en juillet 2012."])
    assert list(shapes.holding(DATE, "Que s'est-il passé en juillet ?")) == [False, True]


def test_a_name_the_question_says_is_no_answer() -> None:
    shapes = SentenceShapes(["Il a rencontré Thierry Roland.", "Jean-Michel Larqué l'a remplacé."])
    assert list(shapes.holding(PERSON, "Qui a remplacé Thierry Roland ?")) == [False, True]


def test_a_kind_that_cannot_be_checked_says_nothing() -> None:
    assert SentenceShapes(["Il pleut."]).holding("cause", "Pourquoi ?") is None


def test_each_kind_is_scanned_once_per_built_index(bundled_article: Article) -> None:
    index = ArticleIndex(bundled_article)
    first = index.shapes.found(NUMBER)
    index.shapes.holding(NUMBER, "Combien de missiles ?")
    assert index.shapes.found(NUMBER) is first
    assert len(first) == index.size


def test_shapes_stored_at_indexing_give_the_same_verdicts_without_scanning(
    articles: list[Article], monkeypatch: pytest.MonkeyPatch
) -> None:
    asks = [(kind, asked) for kind in [*ANSWER_SHAPES, PERSON] for asked in ASKED]
    for article in articles:
        texts = [s.text for s in article.sentences]
        stored = article_shapes(article)
        with monkeypatch.context() as patch:
            for scanner in ("_key", "_name_words"):  # what scanning a sentence calls
                patch.setattr(shapes_module, scanner, _never)
            loaded = SentenceShapes.loads(texts, stored)
            verdicts = [list(loaded.holding(kind, asked)) for kind, asked in asks]
        fresh = SentenceShapes(texts)
        assert verdicts == [list(fresh.holding(kind, asked)) for kind, asked in asks]


def _never(*_: object) -> None:
    raise AssertionError("a stored kind was scanned again")


def test_shapes_stored_by_other_patterns_or_none_are_scanned_when_asked(
    bundled_article: Article,
) -> None:
    texts = [s.text for s in bundled_article.sentences]
    data = json.loads(article_shapes(bundled_article))
    data["signature"] = "older patterns"
    for stored in (json.dumps(data), None):
        loaded = SentenceShapes.loads(texts, stored)
        assert not loaded._found and loaded._names is None
        assert list(loaded.holding(NUMBER, "")) == list(SentenceShapes(texts).holding(NUMBER, ""))


def test_a_built_index_reads_the_shapes_stored_with_its_version(bundled_article: Article) -> None:
    index = ArticleIndex(bundled_article, shapes=article_shapes(bundled_article))
    shapes = index.shapes
    assert set(shapes._found) == set(ANSWER_SHAPES) and shapes._names is not None
    assert not ArticleIndex(bundled_article).shapes._found  # none stored: scanned when asked
