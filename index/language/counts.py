"""What a "combien de …" question counts, and what the numbers of a sentence count.

"Combien de maternités … ?" asks for a number *of maternity wards*: a passage whose numbers
count something else ("à 100 kilomètres de là") holds a number, not the answer.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from itertools import islice

from index.language.analysis import fold, is_stopword, terms
from index.language.shapes import ANSWER_SHAPES, NUMBER, given

_COUNTED = re.compile(
    r"\b(?:combien|nombre)\s+(?:de\s+|d['’]\s*|des\s+)([^\W\d_][\w-]*)(?:\s+([^\W\d_][\w-]*))?"
    r"|\bhow\s+many\s+([^\W\d_][\w-]*)(?:\s+([^\W\d_][\w-]*))?",
    re.IGNORECASE,
)
# Counts of anyone or of occurrences: any number of people or events may answer them.
_GENERIC_COUNTS = frozenset(
    {"personnes", "gens", "individus", "fois", "temps", "people", "persons", "individuals"}
    | {"times", "ones"}
)
_AUXILIARIES = frozenset({"do", "does", "did", "have", "had", "were", "will", "would", "can"})
# French adjectives that come before the noun they qualify ("faux billets", "nouveaux emplois").
_ADJECTIVES_BEFORE = frozenset(
    """
    faux nouveaux nouvelles nouvel petits petites grands grandes jeunes vieux vieilles anciens
    anciennes autres premiers premieres derniers dernieres vrais vraies gros grosses bons bonnes
    mauvais mauvaises hauts hautes
    """.split()
)
_PHRASE_WORD = re.compile(r"[^\W_][\w'’-]*")
COUNT_WINDOW = 4  # words after a number that say what it counts
MAX_COUNTS = 4  # numbers of a passage compared with what is counted


def counted(text: str) -> str | None:
    """What a "combien de …" / "how many …" question counts, in its own words ("maternités",
    "French departments"), or ``None`` when it counts nothing in particular ("combien de
    personnes"). French names the noun first ("travailleurs saisonniers"), English last
    ("French departments"): an English count keeps a second word unless it is a stopword."""
    match = _COUNTED.search(text)
    if match is None:
        return None
    if match.group(3) is None:
        noun = match.group(1)
        second = match.group(2)
        if fold(noun.lower()) in _ADJECTIVES_BEFORE and second and not is_stopword(second, "fr"):
            noun = second  # "combien de faux billets": billets
    else:
        noun, second = match.group(3), match.group(4)
        if second and not is_stopword(second.lower(), "en") and second.lower() not in _AUXILIARIES:
            noun = f"{noun} {second}"
    head = noun.split()[0].lower()
    if fold(head) in _GENERIC_COUNTS or head in _AUXILIARIES:
        return None
    return noun


def count_phrases(text: str) -> list[str]:
    """The numbers of a sentence with the words after each ("332 millions d'Européens
    résidant dans"), at most ``MAX_COUNTS``; ``gives_count`` tells those a question gives."""
    phrases = []
    for match in ANSWER_SHAPES[NUMBER].finditer(text):
        after = islice(_PHRASE_WORD.finditer(text, match.end()), COUNT_WINDOW)
        phrases.append(" ".join([match.group().strip(), *(word.group() for word in after)]))
        if len(phrases) == MAX_COUNTS:
            break
    return phrases


def gives_count(phrase: str, asked: str) -> bool:
    """Whether the number a count phrase starts with is one the question gives itself
    ("Combien de Pieds-Noirs ont quitté l'Algérie en 1962 ?" and "1962 ...")."""
    match = ANSWER_SHAPES[NUMBER].match(phrase)
    return match is not None and given(match.group(), asked)



def counts_named(noun: str, phrases: Sequence[str], language: str) -> bool:
    """Whether one of the ``phrases`` names what is counted in so many words: the same terms,
    or a word one typo away ("Combien de bus ?" for "sept buts")."""
    other = "en" if language == "fr" else "fr"
    wanted = set(terms(noun, language)) | set(terms(noun, other))
    typed = [fold(w.lower()) for w in _PHRASE_WORD.findall(noun)]
    for phrase in phrases:
        if wanted & set(terms(phrase, language)):
            return True
        said = [fold(w.lower()) for w in _PHRASE_WORD.findall(phrase)]
        if any(_one_typo(a, b) for a in typed for b in said if min(len(a), len(b)) >= 3):
            return True
    return False


def _one_typo(a: str, b: str) -> bool:
    """Whether two words differ by one letter added or removed, or changed in a word of seven
    letters or more ("morts" and "ports", "mères" and "pères" are words of their own;
    "gouvernment" is a typo)."""
    if abs(len(a) - len(b)) > 1 or a == b:
        return a == b
    if len(a) == len(b) and len(a) < 7:
        return False
    if len(a) > len(b):
        a, b = b, a
    for i, (x, y) in enumerate(zip(a, b, strict=False)):
        if x != y:
            return a[i + (len(a) == len(b)) :] == b[i + 1 :]
    return True
