"""Title, lead, sections, paragraphs and verbatim sentences of a cleaned article."""

from __future__ import annotations

import itertools

from index.ingest.clean import Block
from index.ingest.structure import build_article
from index.model import BODY, KEY_POINTS, LEAD, Article
from tests.conftest import HEADINGS, parse


def test_bundled_title_and_language(bundled_article: Article) -> None:
    assert bundled_article.title == (
        "La Russie et la Corée du Nord renforcent leur alliance militaire,"
        " une menace croissante pour l’Ukraine"
    )
    assert bundled_article.language == "fr"


def test_bundled_four_sections_after_the_lead(bundled_article: Article) -> None:
    assert bundled_article.sections[0].heading is None
    assert tuple(s.heading for s in bundled_article.sections[1:]) == HEADINGS


def test_bundled_lead_is_the_first_paragraph(bundled_article: Article) -> None:
    lead = [p for p in bundled_article.paragraphs if p.kind == LEAD]
    assert len(lead) == 1
    assert bundled_article.sentences[lead[0].sentences[0]].text.startswith(
        "La chambre haute du Parlement russe a récemment ratifié"
    )


def test_bundled_every_sentence_is_a_verbatim_slice(bundled_article: Article) -> None:
    assert len(bundled_article.sentences) > 15
    for s in bundled_article.sentences:
        assert s.text == bundled_article.text[s.start : s.end]
        assert s.text == s.text.strip()


def test_bundled_headings_are_not_sentences(bundled_article: Article) -> None:
    texts = {s.text for s in bundled_article.sentences}
    assert not texts & set(HEADINGS)
    assert bundled_article.title not in texts


def test_bundled_sentences_sit_in_their_section(bundled_article: Article) -> None:
    article = bundled_article
    blinken = next(i for i, s in enumerate(article.sentences) if "Antony Blinken" in s.text)
    assert article.heading(article.sentences[blinken].section) == HEADINGS[2]
    missile = next(i for i, s in enumerate(article.sentences) if "missile balistique" in s.text)
    assert article.heading(article.sentences[missile].section) == HEADINGS[3]


def test_paragraph_and_section_indices_agree(bundled_article: Article) -> None:
    article = bundled_article
    seen: list[int] = []
    for number, section in enumerate(article.sections):
        for p in section.paragraphs:
            assert article.paragraphs[p].section == number
            for i in article.paragraphs[p].sentences:
                assert article.sentences[i].paragraph == p
                assert article.sentences[i].section == number
                seen.append(i)
    assert seen == list(range(len(article.sentences)))


def test_sentences_are_in_text_order(bundled_article: Article) -> None:
    ends = [(s.start, s.end) for s in bundled_article.sentences]
    assert all(a[1] <= b[0] for a, b in itertools.pairwise(ends))


def test_find_section_by_prefix_and_case(bundled_article: Article) -> None:
    assert bundled_article.find_section("la réaction internationale") == 3
    assert bundled_article.find_section("CONSÉQUENCES POTENTIELLES ET FUTURES DYNAMIQUES") == 4
    assert bundled_article.find_section("Sport") is None


def test_round_trip_through_storage(bundled_article: Article) -> None:
    assert Article.from_dict(bundled_article.to_dict()) == bundled_article


def test_build_article_kinds_and_offsets() -> None:
    blocks = [
        Block("Le chapeau présente le sujet. Il a deux phrases."),
        Block("Première partie", heading=True),
        Block("Le corps de la partie."),
        Block("Un point clé. Avec deux phrases.", item=True),
    ]
    article = build_article("Le titre", blocks, "fr", [])
    assert article.text == (
        "Le titre\n\nLe chapeau présente le sujet. Il a deux phrases.\n\nPremière partie"
        "\n\nLe corps de la partie.\n\nUn point clé. Avec deux phrases."
    )
    assert [p.kind for p in article.paragraphs] == [LEAD, BODY, KEY_POINTS]
    # A list item is quoted whole, as one sentence.
    assert [s.text for s in article.sentences] == [
        "Le chapeau présente le sujet.",
        "Il a deux phrases.",
        "Le corps de la partie.",
        "Un point clé. Avec deux phrases.",
    ]
    for s in article.sentences:
        assert article.text[s.start : s.end] == s.text


def test_plain_text_heading_glued_to_its_paragraph_is_split_off() -> None:
    article = parse(
        "Le titre du jour\n\nUn chapeau qui présente le sujet.\n\n"
        "Une section collée\nLe texte de la section suit immédiatement.\n"
    )
    assert [s.heading for s in article.sections] == [None, "Une section collée"]
    assert article.sentences[-1].text == "Le texte de la section suit immédiatement."


def test_a_dateline_is_kept_in_the_text_but_never_a_sentence() -> None:
    article = parse(
        "Crash à Lagos\n\n5 juin 2012. - Un avion de ligne s'est écrasé sur une menuiserie. "
        "Il transportait 153 personnes.\n"
    )
    assert "5 juin 2012. - Un avion" in article.text
    assert [s.text for s in article.sentences] == [
        "Un avion de ligne s'est écrasé sur une menuiserie.",
        "Il transportait 153 personnes.",
    ]
    assert all(article.text[s.start : s.end] == s.text for s in article.sentences)
