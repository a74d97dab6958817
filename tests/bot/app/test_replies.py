"""The reply values of ``Kiosque.ask`` and how the renderer dispatches on them."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.app.render import Renderer
from bot.app.replies import Answer, Found, FoundArticles, SmallTalk, Summary, to_json
from bot.values import Passage

PROMPTS = Path(__file__).resolve().parents[3] / "prompts"
QUOTE = Passage("Le traité a été ratifié.", "Le vote", 1, 0.9, (0,), 0, bold=((3, 9),))


@pytest.fixture(scope="module")
def renderer() -> Renderer:
    return Renderer(PROMPTS)


def test_an_answer_without_quotes_is_an_abstention() -> None:
    quoted = Answer("q", "fr", 1, "T", 1, passages=(QUOTE,))
    assert not quoted.abstained
    assert Answer("q", "fr", 1, "T", 1, closest_sections=("A",)).abstained


def test_found_articles_abstain_only_when_none_is_found() -> None:
    found = Found(2, "Papillons", "Des papillons mutants.", 1.0)
    assert not FoundArticles("q", "fr", (found,), 1, "T", 1).abstained
    assert FoundArticles("q", "fr", (), 1, "T", 1).abstained


def test_each_reply_is_rendered_with_its_own_template(renderer: Renderer) -> None:
    answer = Answer("Qui ?", "fr", 1, "Traité", 1, passages=(QUOTE,))
    assert renderer.reply(answer) == renderer.messages(
        "answer", "fr", answer=answer, question="Qui ?"
    )
    summary = Summary("en", 1, "Treaty", 1, ("One.", "Two."), question="Summarize")
    assert renderer.reply(summary) == renderer.messages("summary", "en", summary=summary)
    talk = SmallTalk("Merci", "fr", "thanks", 1, "Traité", 1)
    assert renderer.reply_text(talk) == "Avec plaisir ! Une autre question sur *Traité* ?"
    hello = SmallTalk("Hello", "en", "greeting", 1, "Treaty", 1)
    assert renderer.reply_text(hello).startswith("Hello! Ask me a question about *Treaty*")
    ack = SmallTalk("ok", "fr", "ack", 1, "Traité", 1)
    assert renderer.reply_text(ack) == "D’accord. Une autre question sur *Traité* ?"


def test_found_articles_are_listed_and_none_found_reads_as_an_abstention(
    renderer: Renderer,
) -> None:
    found = Found(2, "Papillons", "Des papillons mutants.", 1.0)
    listed = renderer.reply_text(FoundArticles("Quel article ?", "fr", (found,), 1, "T", 1))
    assert listed.startswith("**Les articles qui en parlent** — « Quel article ? »")
    assert "`2` **Papillons**\n> Des papillons mutants." in listed
    none = renderer.reply_text(FoundArticles("Which one?", "en", (), 1, "Newest", 1))
    assert none.startswith("**The article does not answer this question.** “Which one?”")
    assert "Nothing in *Newest* answers it" in none


def test_the_json_contract_of_every_reply() -> None:
    answer = Answer("Qui ?", "fr", 1, "T", 1, passages=(QUOTE,), bullets=("B.",))
    assert to_json(answer, "m") == {
        "question": "Qui ?",
        "abstained": False,
        "passages": [{"text": QUOTE.text, "section": "Le vote", "article_id": 1,
                      "score": 0.9, "bold": [[3, 9]]}],
        "bullets": ["B."],
        "message": "m",
    }
    summary = Summary("fr", 1, "T", 1, ("Un.", "Deux."), question="Résume")
    assert to_json(summary, "m") == {"question": "Résume", "abstained": False,
                                     "passages": [], "bullets": ["Un.", "Deux."], "message": "m"}
    none = FoundArticles("Quel ?", "fr", (), 1, "T", 1)
    assert to_json(none, "m")["abstained"] is True
    talk = SmallTalk("ok", "fr", "ack", 1, "T", 1)
    assert to_json(talk, "m") == {"question": "ok", "abstained": False, "passages": [],
                                  "bullets": [], "message": "m"}


def test_what_is_not_a_reply_is_refused(renderer: Renderer) -> None:
    with pytest.raises(TypeError):
        renderer.reply(QUOTE)  # type: ignore[arg-type]
