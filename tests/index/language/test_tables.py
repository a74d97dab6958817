"""Every entry of the language tables does its job through the public function that uses it."""

from __future__ import annotations

import re

import pytest

from index.ingest.structure import DATELINE
from index.language.analysis import question_terms, related_terms, terms
from index.language.answer_span import answer_span
from index.language.followup import CONTINUES, REFERS, leaning
from index.language.intent import small_talk
from index.language.question import expected_kind, stated_language
from index.language.shapes import AMOUNT, DATE, DURATION, NUMBER, SPEECH, holds
from index.language.tables import (
    ASKED_DATE_EN,
    ASKED_DATE_FR_FEMININE,
    ASKED_DATE_FR_MASCULINE,
    ASKED_MONEY_EN,
    ASKED_MONEY_FR,
    ASKED_SAYING_EN,
    ASKED_SAYING_FR,
    COUNT_WORDS,
    DEMONYMS_EN,
    DEMONYMS_FR,
    DURATION_UNITS,
    ENGLISH_QUESTION_WORDS,
    FOLLOWUP_CLOSERS,
    FOLLOWUP_OPENERS,
    MONTHS,
    NUMBER_WORDS,
    POINTING_PRONOUNS,
    SAYING_EN,
    SAYING_PARTICIPLES_FR,
    SAYING_PRESENT_FR,
    SMALL_TALK,
    WEEKDAYS,
    alternation,
)

ENGLISH_OPENERS = {"and", "but", "so", "what about", "how about"}


_PART = re.compile(r"\(\?:([^()]*)\)(\?)?|\[([^\]]*)\]|(\w)\?")


def _spellings(fragment: str) -> tuple[str, ...]:
    """The words a table's regex fragment stands for: "millions?" is "million" and "millions",
    "repl(?:y|ied)" "reply" and "replied", "chiffre d['’]affaires" both apostrophes."""
    part = _PART.search(fragment)
    if part is None:
        return (fragment,)
    head, tail = fragment[: part.start()], fragment[part.end() :]
    if part.group(1) is not None:  # (?:a|b), optional when followed by ?
        options = part.group(1).split("|") + ([""] if part.group(2) else [])
    elif part.group(3) is not None:  # [ab]
        options = list(part.group(3))
    else:  # a letter that may be left out
        options = ["", part.group(4)]
    return tuple(word for option in options for word in _spellings(head + option + tail))


def _leaning(text: str, language: str) -> str | None:
    return leaning(text, question_terms(text, language), language)


def test_alternation_keeps_the_order():
    assert alternation(("a", "b", "c")) == "a|b|c"


@pytest.mark.parametrize("month", MONTHS)
def test_a_month_dates(month):
    assert DATELINE.match(f"6 {month} 2012.")
    assert DATELINE.match(f"{month.capitalize()} 4, 2012")
    assert holds(DATE, f"Le vote a eu lieu en {month} dernier.")
    sentence = f"Le traité a été signé le 5 {month} 2012 à Rome."
    span = answer_span(sentence, DATE)
    assert span is not None and sentence[span[0] : span[1]] == f"5 {month} 2012"


@pytest.mark.parametrize("day", WEEKDAYS)
def test_a_weekday_dates(day):
    assert DATELINE.match(f"{day.capitalize()} 6 novembre 2012.")
    assert holds(DATE, f"Le ministre arrive {day} à Rome.")
    sentence = f"Le ministre est arrivé {day} à Rome."
    span = answer_span(sentence, DATE)
    assert span is not None and sentence[span[0] : span[1]] == day


def test_without_a_date_word_nothing_dates():
    assert not holds(DATE, "Le ministre arrive à Rome.")
    assert answer_span("Le ministre est arrivé à Rome.", DATE) is None


@pytest.mark.parametrize("word", NUMBER_WORDS)
def test_a_number_word_gives_a_duration_its_figure(word):
    sentence = f"Le chantier a duré {word} semaines au total."
    span = answer_span(sentence, DURATION)
    assert span is not None and sentence[span[0] : span[1]] == f"{word} semaines"


def test_a_duration_without_a_figure_is_no_span():
    assert answer_span("Le chantier a duré des semaines au total.", DURATION) is None


@pytest.mark.parametrize("fragment", COUNT_WORDS)
def test_a_count_word_counts(fragment):
    for word in _spellings(fragment):
        assert holds(NUMBER, f"On compte {word} blessés selon la police.")


def test_without_a_number_nothing_counts():
    assert not holds(NUMBER, "On compte des blessés selon la police.")


@pytest.mark.parametrize("fragment", DURATION_UNITS)
def test_a_duration_unit_is_a_duration(fragment):
    for word in _spellings(fragment):
        assert holds(DURATION, f"Les travaux prendront trois {word}, selon la mairie.")


def test_without_a_unit_nothing_lasts():
    assert not holds(DURATION, "Les travaux prendront trois, selon la mairie.")


@pytest.mark.parametrize(
    ("language", "demonym", "places"),
    [("fr", d, p) for d, p in DEMONYMS_FR.items()] + [("en", d, p) for d, p in DEMONYMS_EN.items()],
)
def test_a_demonym_reaches_its_country(language, demonym, places):
    # Where the stemmer already gives both the same term ("russe", "Russie"), the term itself
    # is enough; a hyphenated demonym reaches its country through its parts.
    reached = set()
    for word_term in terms(demonym, language):
        reached |= {word_term, *related_terms(word_term, language)}
    assert set(terms(places, language)) <= reached


def test_a_country_maps_back_to_its_demonym():
    assert "ukrainien" in related_terms("ukrain", "fr")
    assert "russian" in related_terms("russia", "en")


@pytest.mark.parametrize("opener", FOLLOWUP_OPENERS)
def test_an_opener_continues(opener):
    if opener in ENGLISH_OPENERS:
        assert _leaning(f"{opener.capitalize()} the army budget?", "en") == CONTINUES
    else:
        assert _leaning(f"{opener.capitalize()} le budget des armées ?", "fr") == CONTINUES


def test_without_an_opener_a_question_stands_alone():
    assert _leaning("Le budget des armées ?", "fr") is None
    assert _leaning("The army budget?", "en") is None


@pytest.mark.parametrize("closer", FOLLOWUP_CLOSERS)
def test_a_closer_continues(closer):
    assert _leaning(f"Le budget des armées, {closer} ?", "fr") == CONTINUES


@pytest.mark.parametrize("pronoun", POINTING_PRONOUNS)
def test_a_pronoun_refers(pronoun):
    assert _leaning(f"Qu'a dit {pronoun} sur le budget ?", "fr") == REFERS


def test_without_a_pronoun_a_question_only_continues():
    assert _leaning("Qu'a dit sur le budget ?", "fr") == CONTINUES


@pytest.mark.parametrize("word", ENGLISH_QUESTION_WORDS)
def test_an_english_question_word_says_english(word):
    assert stated_language(f"{word.capitalize()} Obama?") == "en"


def test_a_name_alone_says_no_language():
    assert stated_language("Obama?") is None


# Phrasings of the small-talk rows whose alternation has groups ("merci beaucoup"), written out.
_WRITTEN_OUT = {
    r"(?:ok |super |parfait |top |genial )?merci(?: beaucoup| bien)?": (
        "merci", "Merci beaucoup !", "merci bien", "ok merci", "Super merci", "parfait merci",
        "top merci", "Génial merci beaucoup",
    ),
    r"thanks|thank you|thanks a lot|thank you (?:very|so) much|thanks so much|many thanks|thx"
    r"|ty|cheers": (
        "thanks", "Thank you!", "thanks a lot", "thank you very much", "Thank you so much",
        "thanks so much", "many thanks", "thx", "ty", "cheers",
    ),
}  # fmt: skip


@pytest.mark.parametrize(("kind", "language", "phrasings"), SMALL_TALK)
def test_a_small_talk_phrasing_is_small_talk(kind, language, phrasings):
    if "(" in phrasings:
        messages = _WRITTEN_OUT[phrasings]
    else:
        messages = tuple(p.capitalize() + " !" for p in phrasings.split("|"))
    for message in messages:
        assert small_talk(message) == (kind, language), message
    assert small_talk(messages[0] + " kiosque") == (kind, language)


def test_a_question_is_no_small_talk():
    assert small_talk("Merci de me dire qui a gagné") is None
    assert small_talk("Hello, who won?") is None


@pytest.mark.parametrize("participle", SAYING_PARTICIPLES_FR)
def test_a_past_saying_verb_reports_speech(participle):
    assert holds(SPEECH, f"Le ministre a {participle} que la réforme attendra.")
    assert holds(SPEECH, f"Les syndicats ont aussitôt {participle} que la grève continue.")


@pytest.mark.parametrize("word", SAYING_PRESENT_FR)
def test_a_present_saying_verb_reports_speech(word):
    assert holds(SPEECH, f"Le ministre {word} la réforme attendra.")


@pytest.mark.parametrize("word", SAYING_EN)
def test_an_english_saying_verb_reports_speech(word):
    assert holds(SPEECH, f"The minister {word} the reform would wait.")


def test_quotation_marks_report_speech_and_a_plain_fact_does_not():
    assert holds(SPEECH, "Pour le maire, « rien ne change ».")
    assert holds(SPEECH, "The mayor: “nothing changes”.")
    assert not holds(SPEECH, "Le ministre se rendra en Guyane pour rendre hommage aux morts.")
    # "dit" inside another word, or "nie" ending a word, is no saying verb
    assert not holds(SPEECH, "Le contredit budgétaire porte sur la Tanzanie.")


@pytest.mark.parametrize("verb", ASKED_SAYING_FR)
def test_a_french_saying_verb_asks_what_was_said(verb):
    assert expected_kind(f"Qu'a {verb} le ministre ?") == SPEECH
    assert expected_kind(f"Qu'est-ce que le ministre a {verb} ?") == SPEECH


@pytest.mark.parametrize("fragment", ASKED_SAYING_EN)
def test_an_english_saying_verb_asks_what_was_said(fragment):
    for verb in _spellings(fragment):
        assert expected_kind(f"What did the minister {verb} to them?") == SPEECH


def test_without_a_saying_verb_a_question_asks_for_no_speech():
    assert expected_kind("Qu'a construit le ministre ?") is None
    assert expected_kind("What did the minister build?") is None


@pytest.mark.parametrize("fragment", ASKED_MONEY_FR)
def test_a_french_money_noun_asks_for_an_amount(fragment):
    for noun in _spellings(fragment):
        assert expected_kind(f"Quel est le {noun} du festival ?") == AMOUNT
        assert expected_kind(f"Quel {noun} l'entreprise annonce-t-elle ?") == AMOUNT


@pytest.mark.parametrize("noun", ASKED_MONEY_EN)
def test_an_english_money_noun_asks_for_an_amount(noun):
    assert expected_kind(f"What was the company's {noun}?") == AMOUNT
    assert expected_kind(f"What is the {noun} of the festival?") == AMOUNT


def test_a_money_noun_that_is_not_what_is_asked_asks_for_no_amount():
    # the question asks for a state, and a count of people, not for the budget or the wage
    assert expected_kind("Quel État américain a réduit le budget du français ?") != AMOUNT
    assert expected_kind("Combien de salariés touchent le salaire minimum ?") == NUMBER


@pytest.mark.parametrize("noun", ASKED_DATE_FR_MASCULINE)
def test_quel_and_a_masculine_unit_of_the_calendar_asks_for_a_date(noun):
    assert expected_kind(f"Quel {noun} le ministre arrive-t-il ?") == DATE
    assert expected_kind(f"Le ministre arrive en Guyane quel {noun} ?") == DATE


@pytest.mark.parametrize("noun", ASKED_DATE_FR_FEMININE)
def test_quelle_and_a_feminine_unit_of_the_calendar_asks_for_a_date(noun):
    assert expected_kind(f"À quelle {noun} le ministre arrive-t-il ?") == DATE


@pytest.mark.parametrize("noun", ASKED_DATE_EN)
def test_which_and_a_unit_of_the_calendar_asks_for_a_date(noun):
    assert expected_kind(f"Which {noun} did the minister arrive?") == DATE
    assert expected_kind(f"What {noun} does the festival open?") == DATE
