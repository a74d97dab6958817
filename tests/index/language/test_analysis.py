"""Analysis for retrieval: elision, folding, stopwords, stemming and language detection."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest

from index.language.analysis import (
    acronyms,
    detect_language,
    fold,
    question_terms,
    term,
    terms,
    words,
)


@pytest.mark.parametrize("typed", ["l’Ukraine", "l'ukraine", "L’UKRAINE", "Ukraine", "ukraine"])
def test_ukraine_spellings_meet(typed: str) -> None:
    assert terms(typed, "fr") == terms("l’Ukraine", "fr")


@pytest.mark.parametrize(
    ("text", "word"),
    [
        ("l’armée", "armée"),
        ("d'armement", "armement"),
        ("j’accuse", "accuse"),
        ("m'appelle", "appelle"),
        ("n’attaque", "attaque"),
        ("s’assister", "assister"),
        ("t'engager", "engager"),
        ("c’était", "était"),
        ("qu'Antony", "antony"),
        ("jusqu’Moscou", "moscou"),
        ("lorsqu'Israël", "israël"),
        ("puisqu’Ottawa", "ottawa"),
        ("quoiqu'Anna", "anna"),
    ],
)
def test_elision_with_both_apostrophes(text: str, word: str) -> None:
    assert words(text) == [word]
    assert words(text.replace("’", "'")) == words(text.replace("'", "’")) == [word]


def test_elision_only_at_word_start() -> None:
    # "aujourd'hui" is one word that happens to contain "d'".
    assert "aujourd" in words("aujourd'hui")


@pytest.mark.parametrize(
    ("accented", "plain"),
    [("Fédération", "federation"), ("rôle", "role"), ("États", "etats"), ("défense", "defense")],
)
def test_accents_are_folded(accented: str, plain: str) -> None:
    assert fold(accented) == plain
    assert terms(accented, "fr") == terms(plain, "fr")


def test_fold_lower_cases_and_strips_accents() -> None:
    assert fold("Été À Noël ÇA") == "ete a noel ca"


def test_plural_and_singular_meet() -> None:
    assert terms("troupes nord-coréennes", "fr") == terms("troupe nord-coréen", "fr")
    assert terms("missiles", "fr") == terms("missile", "fr")


def test_hyphenated_words_are_split() -> None:
    assert words("nord-coréennes États-Unis") == ["nord", "coréennes", "états", "unis"]


def test_stopwords_are_dropped() -> None:
    assert terms("le la les de des du et est une un dans pour que qui sur", "fr") == []
    assert terms("the of and to in is that with", "en") == []


def test_auxiliaries_and_modals_carry_no_topic() -> None:
    assert terms("pourrait", "fr") == []
    assert terms("pourrait exacerber", "fr") == terms("exacerber", "fr")


def test_numbers_are_kept() -> None:
    assert terms("février 2022", "fr")[-1] == "2022"


def test_question_words_are_dropped_from_questions_only() -> None:
    asked = question_terms("Quel est le rôle du Conseil de la Fédération ?", "fr")
    assert asked == terms("rôle Conseil Fédération", "fr")
    assert question_terms("What did the council approve?", "en") == terms("council approve", "en")


def test_connectives_carry_no_topic_in_a_question() -> None:
    assert question_terms("Et sinon ?", "fr") == []
    assert question_terms("Et ensuite ?", "fr") == []
    assert question_terms("What else?", "en") == []


@pytest.mark.parametrize(
    ("text", "acronym"),
    [
        ("le succès du Front national", "fn"),
        ("selon l'Organisation des Nations unies", "onu"),
        ("la Banque centrale européenne a dit", "bce"),
        ("Union européenne", "ue"),
    ],
)
def test_acronyms_are_read_from_the_initials_of_named_words(text: str, acronym: str) -> None:
    assert acronym in acronyms(text)


def test_no_acronym_from_words_that_name_nothing() -> None:
    assert acronyms("le front est calme, la banque aussi.") == frozenset()


def test_english_stemming() -> None:
    assert terms("passengers", "en") == terms("passenger", "en")
    assert terms("voted", "en") == terms("votes", "en")


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("La chambre haute du Parlement russe a ratifié un traité avec la Corée du Nord.", "fr"),
        ("The city council voted on Tuesday to build a new tram line to the station.", "en"),
        ("Le chat est sur le tapis et le chien est dans la maison.", "fr"),
        ("It was a sunny day and the children were playing in the park.", "en"),
        ("", "fr"),
    ],
)
def test_detect_language(text: str, language: str) -> None:
    assert detect_language(text) == language


def test_analysis_gives_the_same_terms_from_many_threads_at_once() -> None:
    # Answers are computed in worker threads: the stemmers must not share their state.
    words = [f"ratifications{n} inquiètent traités{n} successivement" for n in range(3000)]
    expected = [terms(w, "fr") for w in words]
    term.cache_clear()
    with ThreadPoolExecutor(max_workers=4) as pool:
        results = list(pool.map(lambda w: terms(w, "fr"), words))
    assert results == expected


def test_the_lemma_tries_give_simplemma_s_own_lemmas() -> None:
    # The dictionaries are opened as tries (fast to load); the lemmas must stay those of the
    # shipped dictionaries, or the library-wide index would hold other terms than questions.
    import simplemma

    from index.language.analysis import _lemmatizer

    sample = (
        "ratifié ratifiait traités inquiètent Parlement soldats nord-coréens allait eurent "
        "chevaux yeux élections présidentielles menaçait internationales été faites"
    ).split()
    assert [_lemmatizer().lemmatize(w, "fr") for w in sample] == [
        simplemma.lemmatize(w, lang="fr") for w in sample
    ]
    english = "ratified treaties soldiers were went children mice better running".split()
    assert [_lemmatizer().lemmatize(w, "en") for w in english] == [
        simplemma.lemmatize(w, lang="en") for w in english
    ]


def test_a_lemma_trie_is_written_whole_or_not_at_all(tmp_path) -> None:
    from marisa_trie import BytesTrie

    from index.language.analysis import _trie_factory

    factory = _trie_factory()
    factory._cache_dir = tmp_path
    factory._write_trie_to_disk("fr", BytesTrie([("chevaux", b"cheval")]))
    assert [p.name for p in tmp_path.iterdir()] == ["fr.dic"]
    assert BytesTrie().load(str(tmp_path / "fr.dic")).get("chevaux") == [b"cheval"]


def test_without_a_writable_cache_folder_the_plain_dictionaries_are_used(
    tmp_path, monkeypatch
) -> None:
    # Tries rebuilt in memory at every start would be slower than the plain dictionaries.
    from simplemma.strategies.dictionaries.dictionary_factory import DEFAULT_DICTIONARY_FACTORY

    from index.language.analysis import _dictionaries

    blocked = tmp_path / "not-a-folder"
    blocked.write_text("")
    monkeypatch.setenv("XDG_CACHE_HOME", str(blocked))
    assert _dictionaries() is DEFAULT_DICTIONARY_FACTORY
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    assert _dictionaries() is not DEFAULT_DICTIONARY_FACTORY
