"""An English article gets the English analyzer and chrome, and answers as well as French."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.app.render import Renderer
from bot.app.responder import Responder
from bot.settings import ROOT
from bot.values import StoredArticle
from index import parse_article

FIXTURE = Path(__file__).resolve().parents[2] / "data" / "english-article.md"


@pytest.fixture(scope="module")
def english() -> StoredArticle:
    article = parse_article(FIXTURE.read_bytes(), FIXTURE.name)
    return StoredArticle(1, 1, article)


def test_english_article_is_detected_and_structured(english: StoredArticle) -> None:
    article = english.article
    assert article.language == "en"
    assert [s.heading for s in article.sections] == [
        None, "The vote", "Funding and cost", "What happens next"
    ]


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        ("How many passengers will the tram carry?", "60,000 passengers a day"),
        ("Who is the mayor?", "Mayor Helen Carter"),
        ("Where will the money come from?", "regional transport grant"),
        ("When will construction start?", "Construction is expected to start next spring"),
        ("What did the opposition argue?", "budget of 480 million euros was unrealistic"),
        ("How many stops will the line have?", "eleven stops"),
    ],
)
def test_english_questions_hit_with_the_first_passage(
    english: StoredArticle, question: str, expected: str
) -> None:
    answer = Responder().answer(question, english)
    assert not answer.abstained
    assert expected in answer.passages[0].text


def test_english_out_of_scope_question_abstains(english: StoredArticle) -> None:
    answer = Responder().answer("What is the capital of Australia?", english)
    assert answer.abstained and not answer.passages


def test_english_answer_uses_english_chrome(english: StoredArticle) -> None:
    renderer = Renderer(ROOT / "prompts")
    answer = Responder().answer("Who is the mayor?", english)
    text = "\n".join(renderer.messages("answer", answer.language, answer=answer,
                                       question=answer.question))
    assert "**Context**" in text and "Contexte" not in text
    refused = Responder().answer("What is the capital of Australia?", english)
    text = "\n".join(renderer.messages("answer", refused.language, answer=refused,
                                       question=refused.question))
    assert "does not answer" in text
