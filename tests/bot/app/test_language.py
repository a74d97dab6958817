"""The one decision of the bot's language: ``bot.app.language.reply_language``."""

from __future__ import annotations

import pytest

from bot.app.language import FALLBACK, Chosen, from_locale, reply_language


@pytest.mark.parametrize(
    ("chosen", "question", "default", "expected"),
    [
        # The server's setting beats everything below it.
        (Chosen(server="en", member="fr", operator="fr"), "fr", "fr", "en"),
        # Else the member's Discord language...
        (Chosen(member="en", operator="fr"), "fr", "fr", "en"),
        # ...else the operator's KIOSQUE_LANGUAGE...
        (Chosen(operator="en"), "fr", "fr", "en"),
        # ...else the question's language...
        (Chosen(), "en", "fr", "en"),
        # ...else the default (the article's, for what is about one)...
        (Chosen(), None, "en", "en"),
        # ...else French.
        (Chosen(), None, None, FALLBACK),
        # What is not French or English chooses nothing: the next one decides.
        (Chosen(server="de", member="pt-BR", operator="auto"), "en", "fr", "en"),
        (Chosen(server="", member=None, operator="auto"), None, "de", FALLBACK),
    ],
)
def test_the_first_language_chosen_wins(
    chosen: Chosen, question: str | None, default: str | None, expected: str
) -> None:
    assert reply_language(chosen, question, default) == expected


def test_nothing_chosen_speaks_french() -> None:
    assert reply_language() == "fr" == FALLBACK


@pytest.mark.parametrize(
    ("locale", "expected"),
    [("fr", "fr"), ("en-US", "en"), ("en-GB", "en"), ("de", None), ("pt-BR", None),
     (None, None)],
)
def test_a_discord_locale_counts_only_when_french_or_english(
    locale: str | None, expected: str | None
) -> None:
    assert from_locale(locale) == expected
