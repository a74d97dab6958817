"""The responder with the semantic model: meaning, other languages, silence, follow-ups."""

from __future__ import annotations

import pytest

from bot.app.replies import Answer
from bot.app.responder import Responder
from bot.values import StoredArticle
from index import parse_article
from index.ingest.structure import DATELINE
from index.vectors.embedding import Embedder, embed_article
from tests.conftest import DATA, converse, straight


def first(answer: Answer) -> str:
    assert not answer.abstained, f"abstained on {answer.question!r}"
    return straight(answer.passages[0].text)


@pytest.fixture(scope="module")
def wikinews(embedder: Embedder) -> StoredArticle:
    """A French Wikinews article (2012) that opens with a dateline, and its vectors."""
    path = DATA / "wikinews_44145.html"
    article = parse_article(path.read_bytes(), path.name)
    return StoredArticle(3, 1, article, embed_article(embedder, article))


def test_answers_say_the_model_took_part(
    semantic_responder: Responder, semantic_stored: StoredArticle
) -> None:
    answer = semantic_responder.answer("Qui a ratifié le traité ?", semantic_stored)
    assert answer.semantic and not answer.abstained
    assert "ratifié un traité de défense mutuelle" in first(answer)


def test_an_english_question_gets_the_article_words_and_english_chrome(
    semantic_responder: Responder, semantic_stored: StoredArticle, responder: Responder
) -> None:
    question = "Which intercontinental missile did North Korea test?"
    answer = semantic_responder.answer(question, semantic_stored)
    assert answer.language == "en"
    assert "missile balistique intercontinental" in first(answer)
    # The article's own words, verbatim, never a translation.
    assert all(p.text in semantic_stored.article.text for p in answer.passages)


def test_paraphrases_are_understood(
    semantic_responder: Responder, semantic_stored: StoredArticle
) -> None:
    answer = semantic_responder.answer("Quelle arme Pyongyang a-t-il essayée ?", semantic_stored)
    assert "missile balistique intercontinental" in first(answer)
    promise = "What do the two nations promise each other?"
    english = semantic_responder.answer(promise, semantic_stored)
    assert "engage les deux nations à s'assister militairement" in first(english)


@pytest.mark.parametrize(
    "question",
    [
        "Quel âge a Vladimir Poutine ?",  # near the topic: no age in the article
        "À quelle heure le traité a-t-il été signé ?",  # no time of day
        "Combien a coûté le traité ?",  # no amount
    ],
)
def test_a_near_topic_question_the_article_does_not_answer_is_abstained(
    semantic_responder: Responder, semantic_stored: StoredArticle, question: str
) -> None:
    answer = semantic_responder.answer(question, semantic_stored)
    assert answer.abstained and answer.passages == ()


@pytest.mark.parametrize(
    "question",
    [
        "Quelle est la recette de la tarte Tatin ?",
        "Qui a gagné la finale de Wimbledon en 2012 ?",
    ],
)
def test_a_far_off_question_is_abstained(
    semantic_responder: Responder, semantic_stored: StoredArticle, question: str
) -> None:
    assert semantic_responder.answer(question, semantic_stored).abstained


def test_a_follow_up_moves_on_instead_of_repeating(
    semantic_responder: Responder, semantic_stored: StoredArticle
) -> None:
    missile, why = converse(
        semantic_responder,
        semantic_stored,
        ["Quel missile a été testé ?", "Qu'est-ce que cela montre ?"],
    )
    assert "missile balistique intercontinental" in first(missile)
    assert why.followup
    assert "ambition militaire persistante de Pyongyang" in first(why)
    assert first(why) != first(missile)


def test_a_follow_up_on_what_was_already_said_says_so(
    semantic_responder: Responder, semantic_stored: StoredArticle
) -> None:
    answers = converse(
        semantic_responder,
        semantic_stored,
        ["Quel missile a été testé ?", "Et à quelle heure ?"],
    )
    last = answers[-1]
    assert last.abstained and last.followup and last.passages == ()


def test_a_follow_up_naming_what_the_article_never_mentions_is_abstained(
    semantic_responder: Responder, semantic_stored: StoredArticle
) -> None:
    last = converse(
        semantic_responder,
        semantic_stored,
        ["Qui a ratifié le traité ?", "Et l'Australie ?"],
    )[-1]
    assert last.abstained


def test_bullets_are_chosen_for_the_question_and_never_a_dateline(
    semantic_responder: Responder, wikinews: StoredArticle
) -> None:
    article = wikinews.article
    assert "5 juin 2012. - Un avion" in article.text
    questions = [
        "Où l'avion s'est-il écrasé ?",
        "Combien de personnes étaient à bord ?",
        "Quelle compagnie exploitait l'avion ?",
    ]
    answers = [semantic_responder.answer(q, wikinews) for q in questions]
    bullets = [b for a in answers for b in a.bullets]
    assert bullets
    assert len({a.bullets for a in answers}) > 1  # not the same bullets for every question
    for bullet in bullets:
        assert not DATELINE.match(bullet)
        assert not bullet.startswith(("- ", "– ", "\\-"))
    for answer in answers:
        for passage in answer.passages:
            assert not passage.text.startswith(("- ", "– "))


def test_without_the_model_the_bot_still_answers_with_bm25(
    responder: Responder, semantic_stored: StoredArticle
) -> None:
    # The same stored article (vectors and all) served by a responder without the model.
    answer = responder.answer("Qui a ratifié le traité ?", semantic_stored)
    assert not answer.semantic
    assert "ratifié un traité de défense mutuelle" in first(answer)
    assert responder.answer("Quelle est la recette de la tarte Tatin ?", semantic_stored).abstained
