"""The chat-size table renders each answer with today's templates and with the templates of
before (``eval/data/before_chat``), which must keep reading today's reply values."""

from __future__ import annotations

from eval import chat_size
from index.model import Article

QUESTIONS = ("Qui a ratifié le traité ?", "Who ratified the treaty?")


def test_both_renderings_of_an_answer_are_measured(bundled_article: Article) -> None:
    asked = [chat_size.Asked(bundled_article, question, ()) for question in QUESTIONS]
    table = chat_size.figures(asked, None)
    assert table["before"]["answers given"] == table["after"]["answers given"] == "2 of 2"
    before = int(table["before"]["characters: median"])
    after = int(table["after"]["characters: median"])
    assert 0 < after < before
