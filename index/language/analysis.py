"""Text analysis for retrieval: language, elision, folding, stopwords, lemmas and stems."""

from __future__ import annotations

import contextlib
import os
import re
import threading
import unicodedata
from functools import lru_cache

import snowballstemmer

from index.language.tables import DEMONYMS_EN, DEMONYMS_FR

FRENCH_STOPWORDS = frozenset(
    """
    a ai aie aient aies ait alors as au aucun aucune aupres auquel aura aurai auraient
    aurais aurait auras aurez auriez aurions aurons auront aussi autre autres aux auxquelles
    auxquels avaient avais avait avant avec avez aviez avions avoir avons ayant ayez ayons
    bon c ca car ce ceci cela celle celles celui cependant certain certaine certaines
    certains ces cet cette ceux chacun chacune chaque chez ci comme comment contre d dans de
    des desquelles desquels deja devrait dit doit donc dont du duquel elle elles en encore
    entre es est et etaient etais etait etant ete etes etiez etions etre eu eue eues eumes
    eurent eus eusse eussent eusses eussiez eussions eut eutes eux fait faire fais faut
    furent fus fusse fussent fusses fussiez fussions fut futes ici il ils j je jusqu l la
    laquelle le lequel les lesquelles lesquels leur leurs lors lorsqu lui m ma mais me meme
    memes mes moi moins mon n ne ni nos notre nous on ont ou par parce pas peu peut plus
    pour pourquoi qu quand que quel quelle quelles quels qui quoi s sa sans se sera serai
    seraient serais serait seras serez seriez serions serons seront ses si sien sienne son
    sont sous soyez soyons suis sur t ta te tes toi ton tous tout toute toutes tres tu un
    une unes uns vers voici voila vos votre vous y etc puisqu quoiqu afin ainsi apres celle-
    ci celui-ci dela selon tandis toutefois via lequel
    """.split()
)

ENGLISH_STOPWORDS = frozenset(
    """
    a about above after again against all am an and any are as at be because been before
    being below between both but by can could did do does doing down during each few for
    from further had has have having he her here hers herself him himself his how i if in
    into is it its itself just me more most my myself no nor not now of off on once only or
    other our ours ourselves out over own same she should so some such than that the their
    theirs them themselves then there these they this those through to too under until up
    very was we were what when where which while who whom why will with would you your yours
    yourself yourselves s t d ll m re ve also did does tell article says say said
    """.split()
)

# Question words, chat filler and connectives ("Et sinon ?") carry no topic; they are dropped
# from questions only.
FRENCH_QUESTION_WORDS = frozenset(
    """
    quel quelle quels quelles qui que quoi ou quand comment combien pourquoi lequel laquelle
    est-ce qu'est-ce dit dire article texte parle parler explique expliquer raconte donne
    moi peux pouvez sais savoir selon sinon ensuite puis
    """.split()
)
ENGLISH_QUESTION_WORDS = frozenset(
    """
    what who whom when where why how which tell explain many much else otherwise
    """.split()
)

_ELISION = re.compile(r"\b(?:l|d|j|m|n|s|t|c|qu|jusqu|lorsqu|puisqu|quoiqu)['’ʼ]", re.IGNORECASE)
_WORD = re.compile(r"[^\W_]+(?:-[^\W_]+)*", re.UNICODE)
# Snowball stemmers keep their word in the object while they work: one per thread (answers
# are computed in worker threads, several at once).
_LOCAL = threading.local()


def _stemmer(language: str) -> snowballstemmer.stemmer:
    stemmers = getattr(_LOCAL, "stemmers", None)
    if stemmers is None:
        stemmers = _LOCAL.stemmers = {
            "fr": snowballstemmer.stemmer("french"),
            "en": snowballstemmer.stemmer("english"),
        }
    return stemmers[language]


def fold(text: str) -> str:
    """Lower-case and strip accents: ``Été`` → ``ete``."""
    if text.isascii():
        return text.lower()
    if len(text) <= 32:  # a word: the same ones come back all the time
        return _fold_word(text)
    return _fold(text)


def _fold(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


_fold_word = lru_cache(maxsize=100_000)(_fold)


def words(text: str) -> list[str]:
    """Lower-cased words with elisions removed (``l’Ukraine`` → ``ukraine``), accents kept."""
    text = _ELISION.sub(" ", text.replace("’", "'").replace("ʼ", "'"))
    out: list[str] = []
    for word in _WORD.findall(text.casefold()):
        out.extend(part for part in word.split("-") if part)
    return out


def detect_language(text: str) -> str:
    """``"fr"`` or ``"en"``, by which language's stopwords the text uses more."""
    tokens = [fold(w) for w in words(text)[:2000]]
    french = sum(1 for t in tokens if t in _FRENCH_MARKERS)
    english = sum(1 for t in tokens if t in _ENGLISH_MARKERS)
    return "en" if english > french else "fr"


_FRENCH_MARKERS = frozenset(
    """
    le la les des du de et est une un dans pour que qui sur par pas avec au aux ce cette il
    elle sont ont leur mais ou
    """.split()
)
_ENGLISH_MARKERS = frozenset(
    """
    the of and to in is that for on with as was by it are from this be at an have has were
    which not but
    """.split()
)


@lru_cache(maxsize=200_000)
def term(word: str, language: str) -> str:
    """The index term of one lower-cased word: lemma, then stem, then accents folded."""
    if word.isdigit():
        return word
    if language == "fr":
        lemma = _lemmatize(word)
        stem = _stemmer("fr").stemWord(lemma)
    else:
        stem = _stemmer("en").stemWord(_lemmatize_en(word))
    return fold(stem)


def _lemmatize(word: str) -> str:
    return _lemmatizer().lemmatize(word, "fr").casefold()


def _lemmatize_en(word: str) -> str:
    return _lemmatizer().lemmatize(word, "en").casefold()


@lru_cache(maxsize=1)
def _lemmatizer():
    """simplemma's lemmatizer over its own dictionaries, kept as MARISA tries on disk.

    The shipped dictionaries are lzma-compressed pickles that take about 0.4 s per language
    to load; the tries are built from them once (about 1.5 s, in simplemma's user cache
    folder) and then open in a few milliseconds. Same dictionaries, same lemmas.
    """
    from simplemma import Lemmatizer
    from simplemma.strategies import DefaultStrategy

    strategy = DefaultStrategy(dictionary_factory=_dictionaries())
    return Lemmatizer(cache_max_size=0, lemmatization_strategy=strategy)


def _dictionaries():
    """The tries where their folder can be written (or already holds them); else simplemma's
    plain dictionaries, which load faster than tries rebuilt in memory at every start."""
    from simplemma.strategies.dictionaries.dictionary_factory import DEFAULT_DICTIONARY_FACTORY

    factory = _trie_factory()
    folder = factory._cache_dir
    with contextlib.suppress(OSError):
        folder.mkdir(parents=True, exist_ok=True)
    built = all((folder / f"{language}.dic").is_file() for language in ("fr", "en"))
    if built or (folder.is_dir() and os.access(folder, os.W_OK)):
        return factory
    return DEFAULT_DICTIONARY_FACTORY


def _trie_factory():
    from simplemma.strategies.dictionaries.trie_dictionary_factory import TrieDictionaryFactory

    class AtomicTrieFactory(TrieDictionaryFactory):
        """Writes each trie beside its place and renames it, so that another process
        starting at the same moment never opens half a file."""

        def _write_trie_to_disk(self, lang: str, trie: object) -> None:
            self._cache_dir.mkdir(parents=True, exist_ok=True)
            target = self._cache_dir / f"{lang}.dic"
            partial = target.with_name(f"{lang}.{os.getpid()}.{threading.get_ident()}.part")
            try:
                trie.save(str(partial))
                os.replace(partial, target)
            finally:
                partial.unlink(missing_ok=True)

    return AtomicTrieFactory()


def warm(languages: tuple[str, ...] = ("fr", "en")) -> None:
    """Open the lemmatizer's dictionaries now rather than on a first question."""
    for language in languages:
        _lemmatizer().lemmatize("a", language)


_NAMED_RUN = re.compile(r"[^\W\d_]+(?:['’ʼ\s-]+[^\W\d_]+)*", re.UNICODE)


def acronyms(text: str, longest: int = 6) -> frozenset[str]:
    """The acronyms a text could be read by, folded: the initials of each run of words that
    starts with a capital, function words skipped ("Front national" → ``fn``, "Organisation
    des Nations unies" → ``onu``, "Banque centrale européenne" → ``bce``)."""
    found: set[str] = set()
    for run in _NAMED_RUN.finditer(text):
        tokens = re.split(r"['’ʼ\s-]+", run.group())
        for start, first in enumerate(tokens):
            if not first[:1].isupper() or is_stopword(first, "fr") or is_stopword(first, "en"):
                continue
            initials = ""
            for token in tokens[start:]:
                if is_stopword(token, "fr") or is_stopword(token, "en"):
                    continue
                initials += fold(token[0])
                if len(initials) > longest:
                    break
                if len(initials) >= 2:
                    found.add(initials)
    return frozenset(found)


def is_stopword(word: str, language: str) -> bool:
    """Whether a lower-cased word carries no topic in ``language``."""
    folded = fold(word)
    if language == "fr":
        return folded in FRENCH_STOPWORDS or (len(folded) == 1 and not folded.isdigit())
    return folded in ENGLISH_STOPWORDS or (len(folded) == 1 and not folded.isdigit())


# Auxiliaries and modals, caught after lemmatisation ("pourrait" → "pouvoir").
_STOP_TERMS = {
    "fr": frozenset({"pouvoir", "devoir", "falloir", "etre", "avoir", "fair", "aller"}),
    "en": frozenset({"be", "have", "do", "can", "may", "might", "must", "shall", "will"}),
}


def terms(text: str, language: str) -> list[str]:
    """Index terms of a text, stopwords removed, in order."""
    stop = _STOP_TERMS.get(language, frozenset())
    found = (term(w, language) for w in words(text) if not is_stopword(w, language))
    return [t for t in found if t not in stop]


def question_terms(text: str, language: str, asked_in: str | None = None) -> list[str]:
    """Index terms of a question: like ``terms`` without question words and chat filler.

    ``asked_in``: the language the question is written in, when it is analysed the way of
    another (an English question on a French article). Its own function words and question
    words are dropped too: the French analyzer would keep "what", "the", "was" as terms,
    which no French article holds (or holds by chance: "mal" from "Mali's").
    """
    filler = FRENCH_QUESTION_WORDS if language == "fr" else ENGLISH_QUESTION_WORDS
    stop = _STOP_TERMS.get(language, frozenset())
    kept = [w for w in words(text) if not is_stopword(w, language) and fold(w) not in filler]
    if asked_in is not None and asked_in != language:
        own = FRENCH_QUESTION_WORDS if asked_in == "fr" else ENGLISH_QUESTION_WORDS
        kept = [w for w in kept if not is_stopword(w, asked_in) and fold(w) not in own]
    return [t for t in (term(w, language) for w in kept) if t not in stop]


@lru_cache(maxsize=8)
def _related_terms(language: str) -> dict[str, tuple[str, ...]]:
    table = DEMONYMS_FR if language == "fr" else DEMONYMS_EN
    related: dict[str, set[str]] = {}
    for demonym, places in table.items():
        a = tuple(terms(demonym, language))
        b = tuple(terms(places, language))
        for key, other in ((a, b), (b, a)):
            if len(key) == 1:
                related.setdefault(key[0], set()).update(other)
    return {k: tuple(sorted(v - {k})) for k, v in related.items()}


def related_terms(word_term: str, language: str) -> tuple[str, ...]:
    """Terms a question's term stands for in news text: a demonym's country and back."""
    return _related_terms(language).get(word_term, ())
