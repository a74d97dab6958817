"""Where the words that answer are in a quoted sentence, by the kind of answer asked for."""

from __future__ import annotations

import pytest

from index.language.answer_span import MAX_SPAN, answer_span
from index.language.question import expected_kind, normalise
from index.language.shapes import SPEECH


def bold(question: str, sentence: str) -> str | None:
    span = answer_span(sentence, expected_kind(normalise(question)), question)
    return None if span is None else sentence[span[0] : span[1]]


@pytest.mark.parametrize(
    ("question", "sentence", "words"),
    [
        # "quand": the whole date, not only its year
        (
            "Quand la guerre a-t-elle commencé ?",
            "La guerre a commencé le 24 février 2022, selon Kiev.",
            "24 février 2022",
        ),
        ("When did the war start?", "Depuis février 2022, la guerre continue.", "février 2022"),
        # "qui": the name the question does not give, a full name before a lone acronym
        (
            "Qui a demandé la suspension de séance ?",
            "François Brottes (PS) est intervenu pour demander une suspension de séance.",
            "François Brottes",
        ),
        (
            "Qui a succédé à Valéry Giscard d'Estaing ?",
            "Valéry Giscard d'Estaing a été remplacé par François Mitterrand en 1981.",
            "François Mitterrand",
        ),
        # "combien": the figure that counts something, with its size
        (
            "Combien de victimes a fait l'ouragan ?",
            "L'ouragan de catégorie 1 a fait 39 morts en Haïti.",
            "39",
        ),
        (
            "Combien d'habitants compte la ville ?",
            "La ville compte 2,5 millions d'habitants.",
            "2,5 millions",
        ),
        ("Le budget diminue de combien ?", "Le budget est en baisse de 3 % cette année.", "3 %"),
        # "où": a name after a place word ("à l'", "en")
        (
            "Où a eu lieu le sommet ?",
            "Le sommet s'est tenu à l'Élysée avec Angela Merkel.",
            "Élysée",
        ),
        # "pourquoi": the clause that gives the cause
        (
            "Pourquoi la séance a-t-elle été suspendue ?",
            "La séance a été suspendue parce que des députés manquaient, selon la droite.",
            "parce que des députés manquaient",
        ),
        # units: the figure and its whole unit
        (
            "La séance a été interrompue pendant combien de temps ?",
            "La séance a été suspendue de 5 minutes à la demande du PS.",
            "5 minutes",
        ),
        ("Quel âge avait-il ?", "Il est mort à l'âge de 87 ans, en 2012.", "87 ans"),
        (
            "Quel est le score final ?",
            "Elle l'emporte 6-1, 5-7, 6-2 face à Radwanska.",
            "6-1, 5-7, 6-2",
        ),
        (
            "À quelle peine a-t-il été condamné ?",
            "Il a été condamné à cinq ans de prison ferme.",
            "cinq ans de prison",
        ),
    ],
)
def test_the_words_that_answer_each_kind(question: str, sentence: str, words: str) -> None:
    assert bold(question, sentence) == words


@pytest.mark.parametrize(
    ("question", "sentence"),
    [
        # what the question gives itself is no answer
        ("Combien de Pieds-Noirs ont quitté l'Algérie en 1962 ?", "En 1962, l'exode commence."),
        ("Qui a remplacé Thierry Roland ?", "Thierry Roland a commenté son dernier match."),
        ("Que s'est-il passé en juillet ?", "En juillet, la ville a fêté son club."),
        # a question that asks for no kind: nothing is marked
        ("Que dit le traité ?", "Le traité engage les deux nations le 5 juillet 2012."),
        # a place word without a name after it
        ("Où vit-il ?", "Il vit à la campagne depuis longtemps."),
        # a duration without a figure
        ("Combien de temps a duré la séance ?", "La séance a duré longtemps."),
    ],
)
def test_no_span_when_nothing_answers(question: str, sentence: str) -> None:
    assert bold(question, sentence) is None


def test_the_first_word_of_a_sentence_is_no_name_when_it_is_a_common_word() -> None:
    assert bold("Qui a voté le texte ?", "Selon Le Monde, les députés ont voté.") == "Monde"


def test_a_span_is_on_one_line_and_never_a_whole_paragraph() -> None:
    long_cause = "parce que " + "les députés de la majorité étaient absents " * 5
    assert bold("Pourquoi ?", f"La séance a été suspendue {long_cause}.") is None
    assert len(long_cause) > MAX_SPAN
    assert bold("Qui a parlé ?", "Il a parlé avec Jean\nDupont.") in ("Jean", "Dupont")


def test_the_span_nearest_to_the_question_s_words_wins() -> None:
    sentence = "En 2010, le club a recruté Marc Petit ; en 2012, il a vendu son stade à Luc Morel."
    assert bold("Quand le club a-t-il vendu son stade ?", sentence) == "2012"
    assert bold("Qui a acheté le stade ?", sentence) == "Luc Morel"


def test_spans_are_offsets_of_the_verbatim_sentence() -> None:
    sentence = "Le « conseil » a voté *le budget* mardi 5 juillet 2012 — enfin."
    start, end = answer_span(sentence, "date", "Quand le conseil a-t-il voté ?")
    assert sentence[start:end] == "mardi 5 juillet 2012"
    assert sentence[start:end] == sentence[start:end].strip()


@pytest.mark.parametrize(
    ("question", "sentence", "words"),
    [
        # "Quel parti … ?", "Which journal … ?" ask for something named
        (
            "Quel parti a décliné l'invitation ?",
            "La Coalition de la gauche radicale a décliné, a indiqué Alexis Tsipras.",
            "Alexis Tsipras",
        ),
        # "WikiLeaks" is in the question: the name after it answers
        (
            "Which video did WikiLeaks release?",
            "WikiLeaks a publié Collateral Murder.",
            "Collateral Murder",
        ),
        # a saying verb without "what did ... say": the words quoted
        (
            "Comment le ministre a-t-il réagi ?",
            "Le ministre a déclaré : « nous ne céderons pas », avant de partir.",
            "nous ne céderons pas",
        ),
    ],
)
def test_questions_without_a_kind_that_still_point_at_words(
    question: str, sentence: str, words: str
) -> None:
    assert expected_kind(normalise(question)) is None
    assert bold(question, sentence) == words


@pytest.mark.parametrize(
    "sentence",
    [
        "Finalement, elle a gagné en trois sets.",  # an adverb capitalised at a sentence's start
        "Il a joué. Depuis, elle a gagné.",
        "« Parmi eux, beaucoup ont gagné. »",
    ],
)
def test_a_word_capitalised_for_opening_a_sentence_is_no_name(sentence: str) -> None:
    assert bold("Contre quelle joueuse a-t-elle gagné ?", sentence) is None


@pytest.mark.parametrize(
    ("question", "sentence", "words"),
    [
        (
            "Qu'a dit le ministre ?",
            "Le ministre a déclaré : « nous ne céderons pas », avant de partir.",
            "nous ne céderons pas",
        ),
        (
            "What did the minister say?",
            "Il a dit “c’est une victoire” devant la presse.",
            "c’est une victoire",
        ),
    ],
)
def test_what_someone_said_bolds_the_words_quoted(question: str, sentence: str, words: str) -> None:
    assert expected_kind(normalise(question)) == SPEECH
    assert bold(question, sentence) == words
