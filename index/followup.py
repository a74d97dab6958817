"""How a question leans on the conversation before it: pronouns that point back, openers that
continue ("Et les États-Unis ?"), and bare "and …" follow-ups that stand for the question that
opened the thread with its place or name replaced."""

from __future__ import annotations

import re
from collections.abc import Sequence

from index.analysis import fold, is_stopword, question_terms
from index.shapes import NAME

_FOLLOWUP_OPENERS = re.compile(
    r"^\s*(?:et|mais|alors|donc|puis|ensuite|and|but|so|what about|how about|t'as|tu as)\b",
    re.IGNORECASE,
)
_AND = re.compile(r"^\s*(?:et|and)\b", re.IGNORECASE)
_FOLLOWUP_CLOSERS = re.compile(
    r"\b(?:alors|sinon|du coup|dans ce cas|then|otherwise|in that case)\s*[?!.]*\s*$", re.IGNORECASE
)
_STANDALONE_PRONOUN = re.compile(
    r"(?:^|\s)(?:il|elle|ils|elles|cela|ça|ceci|celui-ci|celle-ci|ceux-ci|ce dernier"
    r"|cette dernière|eux|lui|it|they|them|this|that|these|those|he|she|him|her|his|their)"
    r"(?=[\s?!.,]|$)",
    re.IGNORECASE,
)
_INVERTED_PRONOUN = re.compile(r"\w-(?:t-)?(?:il|elle|ils|elles|ce|on)\b", re.IGNORECASE)
_OBJECT_PRONOUN = re.compile(r"(?:^|\s)(?:l|lui|leur|y|en)['’]?\s*(?=\w)", re.IGNORECASE)
_EXAMPLE = re.compile(r"\b(?:exemple|example|autre|autres|other|others|plus|more)\b", re.I)
FOLLOWUP_MAX_TERMS = 2

def _points_back(text: str, language: str) -> bool:
    """Whether a question refers to what came before with a pronoun ("cela", "Qu'a-t-il dit ?")."""
    if _STANDALONE_PRONOUN.search(text) or _EXAMPLE.search(text):
        return True
    # An inverted pronoun points back unless a noun comes before it ("Le traité oblige-t-il
    # ...?" is about the treaty).
    return any(
        not question_terms(text[: m.start()], language) for m in _INVERTED_PRONOUN.finditer(text)
    )


REFERS = "refers"
CONTINUES = "continues"

# "Et en France ?", "Et Romney ?", "What about Romney?", "Et qu'en est-il de Romney ?": "and"
# and a bare place or name, nothing else.
_ELLIPSIS = re.compile(
    r"^\s*(?:(?:et|and)\s+(?:(?:what|how)\s+about\s+|qu['’]en\s+est-il\s+(?:de\s+|d['’]\s*))?"
    r"|(?:what|how)\s+about\s+)(?P<rest>[^,;:?!.]+?)\s*[?!.]*\s*$",
    re.IGNORECASE,
)
_PLACE_WORDS = r"(?i:en|au|aux|à|a|dans|chez|in|at)"
_PLACE = re.compile(rf"^{_PLACE_WORDS}\s")
# In the question answered before: a place word, an article, a word, and any names after it
# ("en Algérie", "à l'Assemblée Nationale", "in the United States").
_PLACED = re.compile(
    rf"(?<![\w'’]){_PLACE_WORDS}\s+(?i:(?:la|le|les|the)\s+|l['’])?[\w-]+"
    r"(?:\s+[A-ZÀ-ÖØ-Ý][\w'’-]*)*"
)
_ONLY_NAMES = re.compile(r"[A-ZÀ-ÖØ-Ý][\w'’-]*(?:\s+[A-ZÀ-ÖØ-Ý][\w'’-]*){0,3}")


def _first_name(text: str, match: re.Match[str]) -> re.Match[str] | None:
    """A capitalised run of a question, without the question word that starts it ("Comment
    Mélenchon" names Mélenchon; "Combien" names nothing)."""
    if match.start() or not NAME.match(text):
        return match
    for word in re.finditer(r"[^\W\d_]+", match.group()):
        if not (is_stopword(word.group(), "fr") or is_stopword(word.group(), "en")):
            if word.group() in _QUESTION_WORDS:
                continue
            return NAME.match(text, word.start())
    return None


_QUESTION_WORDS = frozenset("Combien Lequel Laquelle Lesquels Lesquelles".split())


def ellipsis(text: str, opening: str) -> str | None:
    """The question a bare "and ..." follow-up stands for: ``opening`` with the place or the
    name it asked about replaced by the follow-up's ("Quelles célébrations sont prévues en
    Algérie ?" then "Et en France ?": "Quelles célébrations sont prévues en France ?"), or
    ``None`` when the follow-up says more than that, or ``opening`` has no place or name to
    replace, or more than one name.
    """
    match = _ELLIPSIS.match(text)
    if not match or not opening:
        return None
    rest = match["rest"]
    place = bool(_PLACE.match(rest))
    if place:
        found = _PLACED.search(opening)
    elif _ONLY_NAMES.fullmatch(rest) and not is_stopword(rest.split()[0], "fr"):
        named = [m for m in (_first_name(opening, m) for m in NAME.finditer(opening)) if m]
        found = named[0] if len(named) == 1 else None  # with two names, which one?
    else:
        return None
    if found is None or fold(found.group()) == fold(rest):
        return None
    after = re.match(r"\s*([^\W\d_]+)", opening[found.end():])
    if place and after and not (is_stopword(after[1], "fr") or is_stopword(after[1], "en")):
        return None  # the place goes on ("à l'Assemblée nationale"): where does it end?
    return f"{opening[: found.start()]}{rest}{opening[found.end():]}"


def leaning(text: str, terms: Sequence[str], language: str) -> str | None:
    """How a question leans on the previous ones: ``REFERS``, ``CONTINUES`` or ``None``.

    It refers to them with a pronoun or by naming nothing ("Qu'a-t-il dit ?", "Pourquoi ?"),
    only continues them with an opener ("Et les États-Unis ?"), or stands alone.
    """
    if not terms:
        return REFERS
    if len(terms) <= FOLLOWUP_MAX_TERMS and _points_back(text, language):
        return REFERS
    if _AND.match(text) or _FOLLOWUP_CLOSERS.search(text):
        return CONTINUES  # "Et le directeur du conseil scientifique, il a dit quoi ?"
    if _FOLLOWUP_OPENERS.match(text):
        return CONTINUES if len(terms) <= FOLLOWUP_MAX_TERMS + 1 else None
    if len(terms) > FOLLOWUP_MAX_TERMS:
        return None  # a question that names enough of its own topic stands alone
    if len(terms) == 1 and not NAME.search(text[1:]):
        return CONTINUES  # one word of its own, no name: "Qui a été guéri ?" goes on
    return None
