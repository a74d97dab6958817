"""Page clutter (teasers, ad headlines, comment counters, share prompts) is never article."""

from __future__ import annotations

import pytest

from index.ingest.clean import Block, clean_blocks, is_clutter_line, looks_like_heading
from index.model import KEY_POINTS, Article
from tests.conftest import AD_HEADLINE, CLUTTER, HEADINGS, parse
from tests.conftest import KEY_POINTS as KEY_POINT_TEXTS


@pytest.mark.parametrize("clutter", CLUTTER)
def test_bundled_clutter_is_gone_from_text_and_sentences(
    bundled_article: Article, clutter: str
) -> None:
    assert clutter not in bundled_article.text
    assert all(clutter not in s.text for s in bundled_article.sentences)
    assert any(d.startswith(clutter) for d in bundled_article.dropped)


def test_bundled_clutter_words_are_nowhere_in_the_article(bundled_article: Article) -> None:
    # Words that only the clutter uses: none of them may be quoted.
    text = bundled_article.text.casefold()
    for word in ("trump", "proche-orient", "remèdes", "bleus", "avis", "partagez"):
        assert word not in text, word


def test_bundled_key_points_are_kept(bundled_article: Article) -> None:
    items = [
        bundled_article.sentences[p.sentences[0]].text
        for p in bundled_article.paragraphs
        if p.kind == KEY_POINTS
    ]
    assert items == list(KEY_POINT_TEXTS)


def test_bundled_conclusion_after_the_key_points_is_kept(bundled_article: Article) -> None:
    assert bundled_article.sentences[-1].text.startswith(
        "La perspective de voir des troupes nord-coréennes combattre"
    )


@pytest.mark.parametrize(
    "line",
    [
        "À lire aussi : Les dix plus belles plages de la Méditerranée",
        "Lire aussi - Le budget 2025 en cinq chiffres",
        "A lire Les tensions montent",
        "Voir aussi : Les écoles du nord rouvrent lundi",
        "Sur le même sujet « Le budget en cinq chiffres »",
        "Read more: The tram line in numbers",
        "12 commentaires",
        "21 avis sur « Un titre d’article »",
        "Partagez votre avis",
        "Laisser un commentaire",
        "Partager sur Facebook",
        "Publicité",
        "Abonnez-vous à notre newsletter",
    ],
)
def test_clutter_lines_are_recognised(line: str) -> None:
    assert is_clutter_line(line)


@pytest.mark.parametrize(
    "line",
    [
        "Lire entre les lignes du traité reste difficile pour les diplomates.",
        "La chambre haute du Parlement russe a ratifié le traité.",
        "Les avis des experts divergent sur la portée du traité.",
        "Le partage des eaux du fleuve reste un sujet de discorde.",
    ],
)
def test_article_sentences_are_not_clutter(line: str) -> None:
    assert not is_clutter_line(line)


@pytest.mark.parametrize(
    "paragraph",
    [
        "À voir les chiffres publiés lundi, la guerre pourrait durer encore des années.",
        "3 réponses ont été apportées par le gouvernement aux syndicats mardi.",
    ],
    ids=["À voir ...", "3 réponses ..."],
)
def test_a_paragraph_that_starts_like_clutter_is_kept(paragraph: str) -> None:
    text = f"Un titre\n\nLe gouvernement a présenté son plan mardi.\n\n{paragraph}\n"
    assert paragraph in parse(text).text


@pytest.mark.parametrize(
    ("title", "before", "teaser", "after"),
    [
        (
            "Le conseil vote le budget",
            "Le conseil municipal a voté le budget de la ville mardi soir.",
            "Lire aussi : notre enquête sur les écoles du nord",
            "Les élus de l’opposition ont voté contre le budget.",
        ),
        (
            "City council approves a new tram line",
            "The city council voted on Tuesday to build a new tram line to the station.",
            "Read more: the tram line in numbers",
            "Most of the money will come from a regional grant.",
        ),
    ],
    ids=["Lire aussi :", "Read more:"],
)
def test_teaser_with_a_lower_case_headline_is_dropped(
    title: str, before: str, teaser: str, after: str
) -> None:
    article = parse(f"{title}\n\n{before}\n\n{teaser}\n\n{after}\n")
    assert teaser not in article.text
    assert [s.heading for s in article.sections] == [None]


def test_bare_related_labels_at_the_end_are_dropped() -> None:
    article = parse(
        "Le conseil vote le budget\n\n"
        "Le conseil municipal a voté le budget de la ville mardi soir.\n\n"
        "Sur le même sujet\n\nVoir aussi\n"
    )
    assert article.text.endswith("mardi soir.")
    assert "Voir aussi" in article.dropped


def test_related_articles_list_is_not_article_text() -> None:
    article = parse(
        "Le conseil vote le budget\n\n"
        "Le conseil municipal a voté le budget de la ville mardi soir.\n\n"
        "Voir aussi\n\n"
        "- Le budget de la ville en cinq chiffres\n"
        "- Les écoles du nord rouvrent lundi\n"
    )
    assert [s.heading for s in article.sections] == [None]
    assert "Voir aussi" not in article.text
    assert all("écoles du nord" not in s.text for s in article.sentences)


def test_unrelated_headline_without_body_is_dropped_but_related_one_is_kept() -> None:
    text = (
        "Le port de Marseille ouvre un terminal\n\n"
        "Le port de Marseille a inauguré un terminal pour les navires de croisière.\n\n"
        "Le terminal accueille deux navires de croisière à la fois.\n\n"
        "Recettes faciles de gâteau au chocolat sans four\n\n"
        "Le terminal du port de Marseille\n"
    )
    kept, dropped = clean_blocks(
        [Block(b) for b in text.split("\n\n")[1:]], "Le port de Marseille ouvre un terminal"
    )
    assert "Recettes faciles de gâteau au chocolat sans four" in dropped
    assert "Le terminal accueille deux navires de croisière à la fois." in [b.text for b in kept]


def test_ad_headline_in_bundled_article_is_not_a_section(bundled_article: Article) -> None:
    assert AD_HEADLINE not in [s.heading for s in bundled_article.sections]
    assert [s.heading for s in bundled_article.sections[1:]] == list(HEADINGS)


def test_heading_needs_body_text_after_it() -> None:
    blocks = [
        Block("Une introduction au sujet du jour, avec une phrase complète."),
        Block("Une vraie section"),
        Block("Le texte de la section explique ce qui se passe."),
        Block("Un intertitre orphelin"),
    ]
    kept, dropped = clean_blocks(blocks, "Titre du jour")
    assert [b.text for b in kept if b.heading] == ["Une vraie section"]
    assert "Un intertitre orphelin" in dropped


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Le vote décisif de la chambre haute russe", True),
        ("2024 : une année record", True),
        ("Une phrase qui finit par un point.", False),
        ("Une question ?", False),
        ("minuscule au début", False),
        ("Un " + "très " * 20 + "long titre", False),
    ],
)
def test_looks_like_heading(text: str, expected: bool) -> None:
    assert looks_like_heading(text) is expected


def test_clutter_only_article_drops_everything() -> None:
    kept, dropped = clean_blocks(
        [Block("À lire aussi : autre chose"), Block("Partagez votre avis")], "Titre"
    )
    assert kept == []
    assert len(dropped) == 2
