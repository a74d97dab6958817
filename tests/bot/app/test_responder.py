"""The responder on the bundled article: verbatim quotes, abstentions, follow-ups, summaries."""

from __future__ import annotations

import json
from collections.abc import Sequence

import pytest

from bot.app.language import Chosen
from bot.app.replies import Answer
from bot.app.responder import Responder
from bot.values import StoredArticle, Turn
from index.model import Article
from tests.conftest import CLUTTER, HEADINGS, SEED_QUESTIONS, converse, parse, straight

MISSILE = "Quel missile a été testé ?"


def first_passage(answer: Answer) -> str:
    assert not answer.abstained, f"abstained on {answer.question!r}"
    return straight(answer.passages[0].text)


def _seed(kind: str) -> list:
    return json.loads(SEED_QUESTIONS.read_text(encoding="utf-8"))[kind]


@pytest.mark.parametrize("case", _seed("questions"), ids=lambda c: c["q"])
def test_dev_question_first_passage_hits(
    responder: Responder, bundled_stored: StoredArticle, case: dict
) -> None:
    answer = responder.answer(case["q"], bundled_stored)
    assert any(gold in first_passage(answer) for gold in case["gold"]), answer.passages


@pytest.mark.parametrize(
    "question",
    [case["q"] for case in _seed("abstain")] + ["Quelle est la capitale de l'Australie ?"],
)
def test_out_of_scope_question_abstains_and_quotes_nothing(
    responder: Responder, bundled_stored: StoredArticle, question: str
) -> None:
    answer = responder.answer(question, bundled_stored)
    assert answer.abstained
    assert answer.passages == ()
    assert answer.bullets == ()
    assert answer.closest_sections
    assert set(answer.closest_sections) <= set(HEADINGS)


@pytest.mark.parametrize(
    "question",
    [
        "Que dit Trump ?",
        "Quels remèdes pour dire adieu aux bleus ?",
        "Que se passe-t-il au Proche-Orient ?",
        "Comment partager son avis ?",
    ],
)
def test_question_matching_only_clutter_abstains(
    responder: Responder, bundled_stored: StoredArticle, question: str
) -> None:
    assert responder.answer(question, bundled_stored).abstained


@pytest.mark.parametrize("case", _seed("followups"), ids=lambda c: " / ".join(c["turns"]))
def test_dev_followup_last_answer_hits(
    responder: Responder, bundled_stored: StoredArticle, case: dict
) -> None:
    last = converse(responder, bundled_stored, case["turns"])[-1]
    assert last.followup
    assert any(gold in first_passage(last) for gold in case["gold_last"]), last.passages


def test_followup_is_answered_in_the_previous_context(
    responder: Responder, bundled_stored: StoredArticle
) -> None:
    alone = responder.answer("Et pourquoi est-ce important ?", bundled_stored)
    assert alone.abstained
    first, after = converse(responder, bundled_stored, [MISSILE, "Et pourquoi est-ce important ?"])
    # It moves on: the sentence that says why the missile test matters, not the test again.
    assert after.followup
    assert "ambition militaire persistante de Pyongyang" in first_passage(after)
    assert first_passage(after) != first_passage(first)


def test_unrelated_next_question_is_not_dragged_to_the_previous_topic(
    responder: Responder, bundled_stored: StoredArticle
) -> None:
    answer = converse(responder, bundled_stored, [MISSILE, "Qu'a fait Vladimir Poutine ?"])[-1]
    assert not answer.followup
    assert "visite notable de Vladimir Poutine à Pyongyang" in first_passage(answer)
    assert all("missile" not in p.text for p in answer.passages)


def test_new_topic_after_an_opener_does_not_quote_the_previous_topic(
    responder: Responder, bundled_stored: StoredArticle
) -> None:
    answer = converse(responder, bundled_stored, [MISSILE, "Et que dit Antony Blinken ?"])[-1]
    assert "Antony Blinken" in first_passage(answer)
    assert all("missile" not in p.text for p in answer.passages)


def test_unanswerable_followup_still_abstains(
    responder: Responder, bundled_stored: StoredArticle
) -> None:
    answer = converse(responder, bundled_stored, [MISSILE, "Et la capitale de l'Australie ?"])[-1]
    assert answer.abstained
    assert answer.passages == ()


def test_history_of_another_article_is_ignored(
    responder: Responder, bundled_stored: StoredArticle
) -> None:
    missile = responder.answer(MISSILE, bundled_stored)
    elsewhere = Turn(
        channel="salon",
        author="test",
        question=MISSILE,
        article_id=bundled_stored.id + 1,
        version=1,
        abstained=False,
        passages=missile.passages,
    )
    answer = responder.answer("Et pourquoi est-ce important ?", bundled_stored, [elsewhere])
    assert not answer.followup
    assert answer.abstained


UKRAINE = StoredArticle(
    id=7,
    version=1,
    article=parse(
        "Nouvelles du front\n\nL’Ukraine reçoit des missiles de ses alliés.\n\n"
        "Le port de Marseille est calme ce matin.\n\n"
        "Les marchés financiers progressent à Paris.\n"
    ),
)


@pytest.mark.parametrize(
    "question",
    ["Quelle aide pour l'Ukraine ?", "Parle-moi de l’Ukraine", "Que se passe-t-il en ukraine ?"],
)
def test_ukraine_in_any_spelling_is_answered(responder: Responder, question: str) -> None:
    answer = responder.answer(question, UKRAINE)
    assert first_passage(answer) == "L'Ukraine reçoit des missiles de ses alliés."


@pytest.mark.parametrize(
    "question",
    ["Quelle aide pour les ukrainiens ?", "Parle-moi des Ukrainiens", "Les Ukrainiens ?"],
)
def test_ukrainians_meet_ukraine(responder: Responder, question: str) -> None:
    answer = responder.answer(question, UKRAINE)
    assert first_passage(answer) == "L'Ukraine reçoit des missiles de ses alliés."


def all_answers(responder: Responder, stored: StoredArticle) -> list[Answer]:
    questions = [case["q"] for case in _seed("questions")]
    questions += ["Qui a ratifié le traité ?", MISSILE, "Que dit l'article sur l'Ukraine ?"]
    return [responder.answer(q, stored) for q in questions]


def test_passages_are_verbatim_one_or_two_consecutive_sentences(
    responder: Responder, bundled_stored: StoredArticle, bundled_article: Article
) -> None:
    for answer in all_answers(responder, bundled_stored):
        assert 1 <= len(answer.passages) <= 3, answer.question
        for p in answer.passages:
            assert p.text in bundled_article.text
            assert len(p.sentences) in (1, 2)
            first, last = (bundled_article.sentences[i] for i in (p.sentences[0], p.sentences[-1]))
            assert list(p.sentences) == list(range(p.sentences[0], p.sentences[-1] + 1))
            assert p.text == bundled_article.text[first.start : last.end]
            assert p.section == bundled_article.heading(first.section)
            assert p.article_id == bundled_stored.id
            assert p.score > 0


def test_passages_do_not_overlap(responder: Responder, bundled_stored: StoredArticle) -> None:
    for answer in all_answers(responder, bundled_stored):
        quoted = [i for p in answer.passages for i in p.sentences]
        assert len(quoted) == len(set(quoted)), answer.question


def test_two_to_four_context_bullets_from_the_article(
    responder: Responder, bundled_stored: StoredArticle, bundled_article: Article
) -> None:
    for answer in all_answers(responder, bundled_stored):
        assert 2 <= len(answer.bullets) <= 4, answer.question
        for bullet in answer.bullets:
            assert bullet.removesuffix("…") in bundled_article.text


def test_nothing_quoted_is_clutter(responder: Responder, bundled_stored: StoredArticle) -> None:
    for answer in all_answers(responder, bundled_stored):
        said = " ".join([p.text for p in answer.passages] + list(answer.bullets))
        for clutter in CLUTTER:
            assert clutter not in said


def test_answer_names_its_article(responder: Responder, bundled_stored: StoredArticle) -> None:
    answer = responder.answer(
        "Qui a ratifié le traité ?", bundled_stored, chosen=Chosen(server="en")
    )
    assert answer.article_title == bundled_stored.article.title
    assert (answer.article_id, answer.version) == (1, 1)
    assert answer.language == "en"
    assert responder.answer("Qui a ratifié le traité ?", bundled_stored).language == "fr"


def positions(article: Article, bullets: Sequence[str]) -> list[int]:
    return [article.text.index(b.removesuffix("…")) for b in bullets]


def test_summary_has_five_bullets_in_article_order(
    responder: Responder, bundled_stored: StoredArticle, bundled_article: Article
) -> None:
    summary = responder.summary(bundled_stored)
    assert len(summary.bullets) == 5
    assert summary.section is None
    found = positions(bundled_article, summary.bullets)
    assert found == sorted(found)
    for bullet in summary.bullets:
        assert all(clutter not in bullet for clutter in CLUTTER)


def test_summary_covers_the_sections(
    responder: Responder, bundled_stored: StoredArticle, bundled_article: Article
) -> None:
    bullets = responder.summary(bundled_stored).bullets
    covered = {
        s.section for s in bundled_article.sentences if any(s.text.startswith(b) for b in bullets)
    }
    assert len(covered) >= 4


@pytest.mark.parametrize(
    ("length", "count"),
    [("short", 3), ("medium", 5), ("long", 7), (1, 3), (4, 4), (12, 7)],
)
def test_summary_length_stays_between_three_and_seven(
    responder: Responder, bundled_stored: StoredArticle, length: str | int, count: int
) -> None:
    assert len(responder.summary(bundled_stored, length=length).bullets) == count


def test_section_summary(
    responder: Responder, bundled_stored: StoredArticle, bundled_article: Article
) -> None:
    summary = responder.summary(bundled_stored, section="la réaction internationale")
    assert summary.section == HEADINGS[2]
    assert 3 <= len(summary.bullets) <= 5
    section = bundled_article.find_section(HEADINGS[2])
    texts = [s.text for s in bundled_article.sentences if s.section == section]
    assert all(bullet in texts for bullet in summary.bullets)


def test_unknown_section_is_an_error(responder: Responder, bundled_stored: StoredArticle) -> None:
    with pytest.raises(LookupError):
        responder.summary(bundled_stored, section="Sport et loisirs")
