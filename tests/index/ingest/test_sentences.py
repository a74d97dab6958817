"""French-aware sentence splitting: abbreviations do not end sentences, spans are verbatim."""

from __future__ import annotations

import itertools
import time

import pytest

from index.ingest.sentences import split_sentences


def sentences(text: str) -> list[str]:
    """The sentences of ``text``, checking on the way that each span is a verbatim slice."""
    spans = split_sentences(text)
    for (a, b), (c, _) in itertools.pairwise(spans):
        assert a < b <= c, "spans overlap or go backwards"
    return [text[a:b] for a, b in spans]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "M. Dupont est arrivé hier soir. Il a parlé longuement.",
            ["M. Dupont est arrivé hier soir.", "Il a parlé longuement."],
        ),
        (
            "Le 12 nov. 2024, la loi est passée. Elle entre en vigueur demain.",
            ["Le 12 nov. 2024, la loi est passée.", "Elle entre en vigueur demain."],
        ),
        (
            "On y vend des pommes, des poires, etc. Tout est frais.",
            ["On y vend des pommes, des poires, etc. Tout est frais."],
        ),
        (
            "Les J.O. de Paris ont eu lieu en 2024. Ce fut un succès.",
            ["Les J.O. de Paris ont eu lieu en 2024.", "Ce fut un succès."],
        ),
        (
            "Les J.O. Paris 2024 furent un succès. Tout le monde en parle.",
            ["Les J.O. Paris 2024 furent un succès.", "Tout le monde en parle."],
        ),
        (
            "Mme Durand a rencontré M. Martin. Ils ont signé.",
            ["Mme Durand a rencontré M. Martin.", "Ils ont signé."],
        ),
    ],
    ids=["M.", "nov.", "etc.", "J.O.", "J.O. then capital", "Mme and M."],
)
def test_abbreviations_do_not_end_a_sentence(text: str, expected: list[str]) -> None:
    assert sentences(text) == expected


def test_ordinary_punctuation_ends_sentences() -> None:
    text = "Vraiment ? Oui ! Le prix est de 3.5 euros… Il est né en 1950. En 1970 il part."
    assert sentences(text) == [
        "Vraiment ?",
        "Oui !",
        "Le prix est de 3.5 euros…",
        "Il est né en 1950.",
        "En 1970 il part.",
    ]


def test_closing_quote_stays_with_its_sentence() -> None:
    text = 'He said "We leave." Then he left.'
    assert sentences(text) == ['He said "We leave."', "Then he left."]
    text = "Il a dit « Nous partons.» Puis il est parti."
    assert sentences(text) == ["Il a dit « Nous partons.»", "Puis il est parti."]


@pytest.mark.parametrize("space", [" ", "\u00a0", "\u202f"], ids=["space", "nbsp", "nnbsp"])
def test_french_spaced_closing_guillemet_ends_a_sentence(space: str) -> None:
    text = f"Il a déclaré : « Nous partons.{space}» Le lendemain, il est parti."
    assert sentences(text) == [
        f"Il a déclaré : « Nous partons.{space}»",
        "Le lendemain, il est parti.",
    ]


def test_lower_case_after_a_period_does_not_split() -> None:
    assert sentences("La version 2.0 est sortie. il reste des bugs.") == [
        "La version 2.0 est sortie. il reste des bugs."
    ]


def test_spans_are_stripped_and_verbatim() -> None:
    text = "  Première phrase ici.   Deuxième phrase là !\n\nTroisième ?  "
    spans = split_sentences(text)
    assert [text[a:b] for a, b in spans] == [
        "Première phrase ici.",
        "Deuxième phrase là !",
        "Troisième ?",
    ]
    for a, b in spans:
        assert not text[a].isspace() and not text[b - 1].isspace()


def test_text_without_final_punctuation_is_one_sentence() -> None:
    assert sentences("Un titre sans point") == ["Un titre sans point"]


def test_blank_text_has_no_sentence() -> None:
    assert split_sentences("") == []
    assert split_sentences("   \n ") == []


def _seconds(function: object, *args: object) -> float:
    start = time.perf_counter()
    function(*args)
    return time.perf_counter() - start


def test_sixteen_thousand_short_sentences_split_in_linear_time() -> None:
    # Each full stop used to re-read the text before it: 16 000 sentences took over a minute.
    text = " ".join(f"Phrase {i % 10} ici." for i in range(16_000))
    start = time.perf_counter()
    spans = split_sentences(text)
    assert time.perf_counter() - start < 2
    assert len(spans) == 16_000
    assert text[slice(*spans[-1])] == "Phrase 9 ici."


@pytest.mark.parametrize(
    "text",
    [
        "a" + "." * 40_000 + "x",  # a run of stops with no space after
        "Fin." + " " * 40_000 + "suite",  # a stop, then spaces and no capital
        "Fin." + " " * 40_000 + "x »",  # the spaces before a closing guillemet, tried
        "Voir " + "A." * 20_000 + " B",  # one word of 20 000 initials
        "(" * 40_000 + "m. Dupont",  # one word that ends in an abbreviation
    ],
    ids=["stops", "spaces", "guillemet", "initials", "brackets"],
)
def test_hostile_runs_split_in_linear_time(text: str) -> None:
    assert _seconds(split_sentences, text) < 1


def test_a_long_word_before_a_stop_is_read_whole() -> None:
    # The last word is read back from the stop as far as it goes, however long.
    assert sentences("Voir " + "x" * 100 + "J.O. Paris ici. Fin.") == [
        "Voir " + "x" * 100 + "J.O. Paris ici.",
        "Fin.",
    ]
    assert sentences("Voir le M. Dupont et " + "(" * 100 + "M. Martin. Fin.") == [
        "Voir le M. Dupont et " + "(" * 100 + "M. Martin.",
        "Fin.",
    ]
