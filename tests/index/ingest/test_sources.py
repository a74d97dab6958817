"""Reading sources: encodings, refused inputs, Markdown, HTML pages and Wikinews articles."""

from __future__ import annotations

import time

import pytest

from index import Limits, SourceError, parse_article
from index.ingest.sources import MAX_SENTENCES, decode, kind_of
from index.model import KEY_POINTS, Article
from index.search.fields import article_fields
from tests.conftest import DATA, parse

FRENCH = (
    "Un été à Noël\n\n"
    "L’élève a reçu « œuvres » complètes à Besançon. Il était très content.\n\n"
    "Ça coûte 5 € à Montréal.\n"
)


def key_points(article: Article) -> list[str]:
    """The items of the article's lists, in order."""
    items = [p for p in article.paragraphs if p.kind == KEY_POINTS]
    return [article.sentences[p.sentences[0]].text for p in items]


PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x10\x00\x00\x00\x10\x08\x06" + bytes(64)


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "cp1252"])
def test_french_text_in_each_encoding_reads_the_same(encoding: str) -> None:
    article = parse_article(FRENCH.encode(encoding), "article.txt")
    assert article.title == "Un été à Noël"
    assert [s.text for s in article.sentences] == [
        "L’élève a reçu « œuvres » complètes à Besançon.",
        "Il était très content.",
        "Ça coûte 5 € à Montréal.",
    ]
    assert "\ufffd" not in article.text
    assert "\ufeff" not in article.text


def test_latin1_text_is_decoded() -> None:
    text = "Été à Besançon\n\nL'élève français a reçu un cadeau à Noël. Très bien.\n"
    article = parse_article(text.encode("latin-1"), "vieux.txt")
    assert article.title == "Été à Besançon"
    assert article.sentences[0].text == "L'élève français a reçu un cadeau à Noël."
    assert "\ufffd" not in article.text


def test_windows_line_endings_are_normalised() -> None:
    assert decode(b"Titre\r\n\r\nUne phrase.\rDeux.") == "Titre\n\nUne phrase.\nDeux."


def test_png_bytes_named_txt_are_refused_as_binary() -> None:
    with pytest.raises(SourceError) as caught:
        parse_article(PNG, "photo.txt")
    assert caught.value.code == "binary"


def test_control_characters_without_nul_are_refused_as_binary() -> None:
    data = bytes(range(1, 9)) * 200
    with pytest.raises(SourceError) as caught:
        parse_article(data, "data.txt")
    assert caught.value.code == "binary"


@pytest.mark.parametrize("name", ["rapport.pdf", "image.png", "tableur.xlsx"])
def test_unsupported_extension_is_refused(name: str) -> None:
    with pytest.raises(SourceError) as caught:
        parse_article(b"%PDF-1.4 whatever", name)
    assert caught.value.code == "unsupported_type"
    assert caught.value.detail == name[name.rfind(".") :]


def test_unsupported_content_type_is_refused() -> None:
    with pytest.raises(SourceError) as caught:
        parse_article(b"{}", "https://example.org/api", content_type="application/json")
    assert caught.value.code == "unsupported_type"
    assert caught.value.detail == "application/json"


@pytest.mark.parametrize(
    ("name", "content_type", "data", "kind"),
    [
        ("page.HTML", None, b"", "html"),
        ("notes.md", None, b"", "text"),
        ("https://example.org/a", "text/html; charset=utf-8", b"", "html"),
        ("https://example.org/a", "text/plain", b"", "text"),
        ("-", None, b"<!DOCTYPE html><html></html>", "html"),
        ("-", None, b"Juste du texte", "text"),
    ],
)
def test_kind_of(name: str, content_type: str | None, data: bytes, kind: str) -> None:
    assert kind_of(name, content_type, data) == kind


@pytest.mark.parametrize("data", [b"", b"   \n\n \t \n", b"\xef\xbb\xbf"])
def test_empty_source_is_refused(data: bytes) -> None:
    with pytest.raises(SourceError) as caught:
        parse_article(data, "vide.txt")
    assert caught.value.code == "empty"


def test_clutter_only_source_is_refused() -> None:
    text = (
        "Titre de la page\n\nÀ lire aussi : autre chose\n\n12 commentaires\n\nPartagez votre avis\n"
    )
    with pytest.raises(SourceError) as caught:
        parse(text)
    assert caught.value.code == "clutter_only"


def test_first_line_is_the_title() -> None:
    article = parse("  Mon titre  \n\nUne première phrase du texte. Une seconde phrase.\n")
    assert article.title == "Mon titre"
    assert [s.text for s in article.sentences] == [
        "Une première phrase du texte.",
        "Une seconde phrase.",
    ]


def test_given_title_keeps_the_first_line_as_text() -> None:
    article = parse("Une première phrase du texte.\n\nUne seconde phrase.\n", title="  Mon  titre ")
    assert article.title == "Mon titre"
    assert [s.text for s in article.sentences] == [
        "Une première phrase du texte.",
        "Une seconde phrase.",
    ]


MARKDOWN = """# Le conseil vote le budget

Le conseil municipal a voté le budget mardi. La séance a duré quatre heures.

## Les grandes lignes

Le budget prévoit **trois** nouvelles écoles.

- une école au nord de la ville
- une école au centre
* une école près du port

## Et ensuite

1. les travaux commencent en mars
2. les écoles ouvrent en septembre

Le maire a salué un vote serré.
"""


def test_markdown_headings_and_lists() -> None:
    article = parse(MARKDOWN, "budget.md")
    assert article.title == "Le conseil vote le budget"
    assert [s.heading for s in article.sections] == [None, "Les grandes lignes", "Et ensuite"]
    items = key_points(article)
    assert items == [
        "une école au nord de la ville",
        "une école au centre",
        "une école près du port",
        "les travaux commencent en mars",
        "les écoles ouvrent en septembre",
    ]
    assert "#" not in article.text
    assert "- une école" not in article.text
    assert article.sentences[-1].text == "Le maire a salué un vote serré."


ENGLISH = (
    "City council approves a new tram line\n\n"
    "The city council voted on Tuesday to build a new tram line to the station. "
    "The line will carry sixty thousand passengers a day when it opens in 2029.\n\n"
    "Funding\n\n"
    "Most of the money will come from a regional grant, and the rest from a parking levy.\n"
)


def test_english_article_is_detected_as_english() -> None:
    article = parse(ENGLISH, "tram.txt")
    assert article.language == "en"
    assert [s.heading for s in article.sections] == [None, "Funding"]


def test_html_page_keeps_the_article_and_drops_the_page_clutter() -> None:
    article = parse_article((DATA / "clutter.html").read_bytes(), "clutter.html")
    assert article.title == "Le port de Marseille accueille un nouveau terminal"
    assert [s.heading for s in article.sections] == [
        None,
        "Un chantier de trois ans",
        "Des retombées pour la ville",
    ]
    assert article.sentences[0].text.startswith("Le port de Marseille a inauguré lundi")
    for clutter in (
        "Accueil",
        "À lire aussi",
        "plages de la Méditerranée",
        "Partager sur",
        "commentaire",
        "Super nouvelle",
        "Mentions légales",
        "<",
    ):
        assert clutter not in article.text, clutter
    assert any("Selon M. Martin, directeur du port" in s.text for s in article.sentences)


def test_wikinews_article_title_and_verbatim_sentences() -> None:
    article = parse_article((DATA / "wikinews_45037.html").read_bytes(), "45037.html")
    assert article.title == "Fukushima fait muter les papillons"
    assert article.language == "fr"
    assert len(article.sentences) > 25
    assert any("Le 12 mars 2011, une centrale nucléaire" in s.text for s in article.sentences)
    assert article.sentences[-1].text.endswith("travaillent toujours sur le site de la centrale…")
    for s in article.sentences:
        assert article.text[s.start : s.end] == s.text
    assert "<p>" not in article.text and "&" not in article.text


def test_wikinews_h2_headings_become_sections() -> None:
    article = parse_article((DATA / "wikinews_45037.html").read_bytes(), "45037.html")
    assert [s.heading for s in article.sections] == [
        None,
        "Des papillons mutants",
        "Des mutations transmissibles génétiquement",
        "Des résultats à prendre avec précaution",
    ]


def test_wikinews_list_items_are_kept() -> None:
    article = parse_article((DATA / "wikinews_45669.html").read_bytes(), "45669.html")
    assert article.title == "France : Wikimedia investit sur l'éducation"
    items = key_points(article)
    assert len(items) == 3
    assert items[0].startswith("les 21, 22 et 23 novembre, elle tiendra un stand")
    assert article.sentences[-1].text.endswith("visibilité stable et infinie sur l'Internet.")


@pytest.mark.parametrize(
    ("codec", "charset"),
    [("utf-16", None), ("utf-16-le", None), ("utf-16-be", None), ("utf-16-le", "UTF-16LE")],
)
def test_utf16_text_is_read_not_refused_as_binary(codec: str, charset: str | None) -> None:
    text = "Le budget\n\nLe conseil a voté le budget de l’été à l’unanimité.\n"
    content_type = f"text/plain; charset={charset}" if charset else None
    article = parse_article(text.encode(codec), "budget.txt", content_type=content_type)
    assert article.sentences[0].text == "Le conseil a voté le budget de l’été à l’unanimité."


def _refusal(data: bytes, name: str = "x.txt", **limits: int) -> SourceError:
    with pytest.raises(SourceError) as caught:
        parse_article(data, name, limits=Limits(**limits))
    return caught.value


def test_an_article_over_the_sentence_cap_is_refused_with_its_count() -> None:
    text = "Titre\n\n" + "\n\n".join("Une phrase. Une autre." for _ in range(60)) + "\n"
    error = _refusal(text.encode(), sentences=100)
    assert (error.code, error.detail, error.limit) == ("too_many_sentences", "120", 100)
    assert len(parse_article(text.encode(), "x.txt", limits=Limits(sentences=120)).sentences) == 120


def test_more_blocks_than_the_sentence_cap_are_refused_before_they_are_read() -> None:
    # 5 MB of "a" and blank lines: 1.6 million one-word paragraphs, refused at once.
    data = b"Titre\n\n" + b"a\n\n" * 1_666_000
    start = time.perf_counter()
    error = _refusal(data)
    assert time.perf_counter() - start < 10
    assert (error.code, error.limit) == ("too_many_paragraphs", MAX_SENTENCES)


def test_a_paragraph_over_the_cap_is_refused_with_its_length() -> None:
    data = ("Titre\n\n" + "Une phrase assez longue ici. " * 40 + "\n").encode()
    error = _refusal(data, paragraph_chars=1000)
    assert (error.code, error.detail, error.limit) == ("paragraph_too_long", "1159", 1000)


def test_a_text_written_a_paragraph_per_line_is_cut_at_its_lines_not_refused() -> None:
    # Without blank lines every line is joined into one paragraph: up to the cap only.
    lines = [f"Le conseil a voté la mesure numéro {i} hier soir." for i in range(100)]
    article = parse_article(("Titre\n" + "\n".join(lines)).encode(), "x.txt",
                            limits=Limits(paragraph_chars=1000))
    assert [s.text for s in article.sentences] == lines
    assert 5 <= len(article.paragraphs) <= 6
    sentences = article.sentences
    assert all(
        sentences[p.sentences[-1]].end - sentences[p.sentences[0]].start <= 1000
        for p in article.paragraphs
    )


def test_an_html_paragraph_of_lines_is_cut_at_its_line_breaks() -> None:
    lines = [f"Le conseil a voté la mesure numéro {i} hier soir." for i in range(100)]
    html = ("<html><head><title>Titre</title></head><body><article><h1>Titre</h1><div>"
            + "<br>".join(lines) + "</div></article></body></html>")
    article = parse_article(html.encode(), "x.html", limits=Limits(paragraph_chars=1000))
    assert [s.text for s in article.sentences] == lines
    assert len(article.paragraphs) > 1


def test_a_markdown_heading_line_of_spaces_is_read_in_linear_time() -> None:
    data = ("# Titre" + " " * 50_000 + "x ##\n\nUn paragraphe de texte.\n").encode()
    start = time.perf_counter()
    article = parse_article(data, "x.md")
    assert time.perf_counter() - start < 2
    assert article.title == "Titre x"



def test_one_paragraph_of_sixteen_thousand_sentences_is_read_in_seconds() -> None:
    # Over a minute before: each full stop re-read the paragraph before it.
    data = ("Titre\n\n" + " ".join(f"Phrase {i % 10} ici." for i in range(16_000))).encode()
    start = time.perf_counter()
    article = parse_article(data, "x.txt", limits=Limits(paragraph_chars=len(data)))
    fields = article_fields(article)
    assert time.perf_counter() - start < 10
    assert len(article.sentences) == fields.sentences == 16_000
    assert len(article.paragraphs) == 1
