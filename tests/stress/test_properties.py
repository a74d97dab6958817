"""Property tests (hypothesis): any text gets an answer that renders safely, and escape holds."""

from __future__ import annotations

import re

from hypothesis import given, settings
from hypothesis import strategies as st

from bot.app.render import Renderer, escape
from bot.app.replies import Answer
from bot.app.responder import Responder
from bot.settings import ROOT
from bot.values import Passage, StoredArticle
from stress.hostile import FRAGMENTS, french_words, live_mentions, message_problems

RENDERER = Renderer(ROOT / "prompts")
WORDS = french_words()
MARKUP = "*_~|`<>#[]"
LONG = ("a" * 100_000, "Qui a ratifié le traité ? @everyone <@123> " * 2_500, "é\u0301" * 50_000)

fragments = st.sampled_from(FRAGMENTS)
nasty = st.one_of(
    st.text(max_size=300),
    st.lists(st.one_of(fragments, st.sampled_from(WORDS), st.text(max_size=12)), max_size=12).map(
        " ".join
    ),
    st.lists(st.one_of(fragments, st.text(alphabet="@<>&#!\\`*_~|[]()\n >-+1.\u200b"))).map(
        "".join
    ),
)
questions = st.one_of(nasty, st.sampled_from(LONG))
many = settings(max_examples=200, deadline=None)


def _unescaped_markup(text: str) -> list[str]:
    """Markdown characters Discord would read as markup: those not after a backslash."""
    found, i = [], 0
    while i < len(text):
        if text[i] == "\\":
            i += 2
            continue
        if text[i] in MARKUP:
            found.append(text[i])
        i += 1
    return found


@many
@given(question=questions)
def test_responder_answers_any_text_and_it_renders_safely(
    responder: Responder, bundled_stored: StoredArticle, question: str
) -> None:
    answer = responder.answer(question, bundled_stored)
    assert answer.question == question
    assert answer.abstained or answer.passages
    messages = RENDERER.messages(
        "answer", answer.language, answer=answer, question=answer.question[:300]
    )
    assert messages
    for message in messages:
        assert message_problems(message) == []


text = st.one_of(nasty, st.text(min_size=1500, max_size=4000), st.sampled_from(LONG[:2]))
passages = st.builds(
    Passage,
    text=text,
    section=st.none() | nasty,
    article_id=st.just(1),
    score=st.floats(0, 10),
)
answers = st.builds(
    Answer,
    question=nasty,
    language=st.sampled_from(["fr", "en", "de", ""]),
    article_id=st.just(1),
    article_title=nasty,
    version=st.integers(1, 10**6),
    passages=st.lists(passages, max_size=4).map(tuple),
    bullets=st.lists(text, max_size=4).map(tuple),
    closest_sections=st.lists(nasty, max_size=3).map(tuple),
)


@many
@given(answer=answers)
def test_renderer_keeps_every_message_short_and_silent(answer: Answer) -> None:
    messages = RENDERER.messages(
        "answer", answer.language, answer=answer, question=answer.question[:300]
    )
    assert messages
    for message in messages:
        assert message_problems(message) == []


@many
@given(value=st.one_of(nasty, st.sampled_from(LONG)), other=nasty)
def test_escape_cannot_format_nor_mention(value: str, other: str) -> None:
    escaped = escape(value)
    assert _unescaped_markup(escaped) == []
    assert not re.search(r"@(everyone|here)", escaped, re.IGNORECASE)
    assert live_mentions(escaped) == []
    assert live_mentions(escaped + escape(other)) == []
    for line in escaped.split("\n"):
        assert not re.match(r"\s*(?:[-+]|\d+\.)\s", line)
    assert not any(ord(ch) < 32 and ch not in "\n\t" for ch in escaped)
