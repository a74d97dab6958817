"""What a question asks: its language, its terms, the kind of answer it expects, and whether it
leans on the previous questions of the conversation.

Everything the bot guesses about a question from its wording lives here, so that retrieval and
the answer decision read one ``Question`` instead of re-reading the text.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property
from itertools import islice

from index.analysis import detect_language, fold, is_stopword, question_terms, terms


def normalise(text: str) -> str:
    """The question with its spaces collapsed."""
    return " ".join(text.split())


# Kinds of answer a question asks for, and how each looks in text. A question that names its
# kind ("À quelle heure ...?") is only answered by a passage that holds something of that kind.
PERSON = "person"
DATE = "date"
TIME = "time"
AGE = "age"
AMOUNT = "amount"
PERCENT = "percent"
DURATION = "duration"
DISTANCE = "distance"
NUMBER = "number"
PLACE = "place"
CAUSE = "cause"
SPEED = "speed"
SCORE = "score"
SENTENCE = "sentence"

_MONTHS = (
    r"janvier|février|fevrier|mars|avril|mai|juin|juillet|août|aout|septembre|octobre|novembre"
    r"|décembre|decembre|january|february|march|april|may|june|july|august|september|october"
    r"|november|december"
)
_NUMBER_WORDS = (
    r"deux|trois|quatre|cinq|six|sept|huit|neuf|dix|onze|douze|treize|quatorze|quinze"
    r"|seize|vingt|trente|quarante|cinquante|soixante|cent|mille|millions?|milliards?|dizaines?"
    r"|douzaines?|centaines?|milliers?|one|two|three|four|five|six|seven|eight|nine|ten|eleven"
    r"|twelve|twenty|thirty|forty|fifty|hundreds?|thousands?|millions?|billions?|dozens?"
)
_YEAR = r"(?:1[5-9]\d\d|20\d\d)"
_QUANTITY = rf"(?:\d[\d\s\u00a0\u202f.,]*|\b(?:{_NUMBER_WORDS})\b)"
_DURATION_UNITS = (
    r"secondes?|minutes?|heures?|jours?|journées?|semaines?|mois|ans|années?|an|siècles?"
    r"|décennies?|seconds?|minutes?|hours?|days?|weeks?|months?|years?|decades?"
)

ANSWER_SHAPES: dict[str, re.Pattern[str]] = {
    DATE: re.compile(
        rf"\b(?:1[0-9]{{3}}|20[0-9]{{2}}|{_MONTHS}|siècle|century|lundi|mardi|mercredi|jeudi"
        r"|vendredi|samedi|dimanche|hier|demain|aujourd'hui|monday|tuesday|wednesday|thursday"
        r"|friday|saturday|sunday|yesterday|tomorrow|today|prochaine?s?|dernière?s?|printemps"
        r"|été|automne|hiver|spring|summer|autumn|winter|next|last)\b",
        re.IGNORECASE,
    ),
    TIME: re.compile(
        r"\b\d{1,2}\s?h(?:\s?\d{2})?\b|\b\d{1,2}:\d{2}\b|\b\d{1,2}\s+heures?\b|\bmidi\b"
        r"|\bminuit\b|\b\d{1,2}\s*(?:a\.m\.|p\.m\.|am\b|pm\b)|o'clock",
        re.IGNORECASE,
    ),
    AGE: re.compile(
        rf"{_QUANTITY}\s*(?:ans|années|years?(?:\s+old|-old))\b|\bâgée?s?\b|\baged\b",
        re.IGNORECASE,
    ),
    AMOUNT: re.compile(
        rf"{_QUANTITY}\s*(?:de\s+)?(?:€|euros?|dollars?|\$|£|livres?|francs?|yens?|yuans?"
        r"|roubles?|dinars?|k€|m€|md€|millions?|milliards?|billions?|usd|eur|chf|gbp)"
        r"|[$€£]\s*\d",
        re.IGNORECASE,
    ),
    PERCENT: re.compile(r"\d\s*%|\bpour\s*cent\b|\bpourcent|\bper\s*cent\b", re.IGNORECASE),
    DURATION: re.compile(
        rf"\b(?:{_DURATION_UNITS})\b|\bdurée\b|\bduring\b|\blong(?:temps)?\b"
        rf"|\b(?:depuis|since)\s+(?:[\w'’]+\s+){{0,3}}{_YEAR}\b",
        re.IGNORECASE
    ),
    DISTANCE: re.compile(
        rf"{_QUANTITY}\s*(?:km|kilomètres?|mètres?|m\b|miles?|kilometers?|kilometres?|meters?"
        r"|metres?|yards?|feet|pieds?)",
        re.IGNORECASE,
    ),
    # A count: a number that is not a year on its own nor a day of a month ("le 5 juillet
    # 1962" dates, it does not count).
    NUMBER: re.compile(
        rf"(?<![\d.,])(?!{_YEAR}\b(?!\s*(?:%|ans|années|years)))"
        rf"(?!\d{{1,2}}(?:er)?\s+(?:{_MONTHS})\b)\d[\d\s\u00a0\u202f.,]*"
        rf"|\b(?:{_NUMBER_WORDS}|plusieurs|several|many|dozens)\b",
        re.IGNORECASE,
    ),
    SPEED: re.compile(
        rf"{_QUANTITY}\s*(?:km/h|km\s*/\s*h|kilomètres[- ]heure|mph|nœuds|noeuds|knots|m/s)", re.I
    ),
    SCORE: re.compile(
        r"\b\d{1,3}\s*[-–/à]\s*\d{1,3}\b|\d\s*%|\b\d+\s+(?:voix|sièges|points|buts|sets?"
        r"|votes|seats|goals)\b",
        re.IGNORECASE,
    ),
    SENTENCE: re.compile(
        r"\b(?:ans?|mois|années?|years?|months?)\s+(?:de\s+|d['’])?(?:prison|réclusion"
        r"|détention|emprisonnement|prison|jail)|\bperpétuité\b|\blife\s+sentence\b"
        r"|\bamende\b|\bfine\s+of\b|\bcondamnée?s?\s+à\b|\bsentenced\s+to\b"
        r"|\bacquittée?s?\b|\bsursis\b",
        re.IGNORECASE,
    ),
}

# What each kind of question looks like, most specific first: the first match decides.
# "quand" before a pronoun or a name starts a clause ("Qui dirige l'équipe quand Schillinger
# la rejoint ?", "Il était où quand on l'a tué ?"): it asks for no date there. Before a noun
# it still may ("C'est quand le vote ?").
_CLAUSE = (
    r"\s+(?:il|elle|ils|elles|on|je|tu|nous|vous|cela|ça)\b|\s+(?:j|c)['’]"
    r"|(?-i:\s+[A-ZÀ-Ý])"
)
_ASKS: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"\bquelle\s+vitesse\b|\bhow\s+fast\b|\bwhat\s+speed\b", re.I), SPEED),
    (
        re.compile(
            r"\bquel\s+(?:a\s+été\s+|est\s+|était\s+)?(?:le\s+)?score\b|\bwhat\s+(?:was\s+)?"
            r"(?:the\s+)?score\b|\bscore\s+final\b",
            re.I,
        ),
        SCORE,
    ),
    (
        re.compile(
            r"\b(?:quelle|à\s+quelle)\s+peine\b|\bpeine\s+de\s+prison\b|\bcondamnée?s?\s+à\s+"
            r"(?:quoi|combien)\b|\bwhat\s+sentence\b|\bsentenced\s+to\s+what\b",
            re.I,
        ),
        SENTENCE,
    ),
    (re.compile(r"\bà\s+quelle\s+heure\b|\bwhat\s+time\b|\bat\s+what\s+hour\b", re.I), TIME),
    (re.compile(r"\bquel\s+âge\b|\bquel\s+age\b|\bhow\s+old\b|\bwhat\s+age\b", re.I), AGE),
    (
        re.compile(
            r"\bcombien\s+(?:de\s+temps|d'années|d’années|de\s+jours|de\s+mois|de\s+semaines"
            r"|d'heures|d’heures|de\s+minutes|de\s+siècles)|\bpendant\s+combien\b"
            r"|\bdurant\s+combien\b|\bquelle\s+durée\b|\bhow\s+long\b|\bfor\s+how\s+many\s+"
            r"(?:years|days|months|weeks|hours)\b|\bduré\w*\s+combien|\bcombien\b.*\bdur",
            re.I,
        ),
        DURATION,
    ),
    (
        re.compile(
            r"\bquelle\s+distance\b|\bà\s+combien\s+de\s+(?:km|kilomètres|mètres)\b"
            r"|\bhow\s+far\b|\bwhat\s+distance\b",
            re.I,
        ),
        DISTANCE,
    ),
    (
        re.compile(
            r"\bmontant\b|\bcoût\w*|\bcout\w*|\bcoûté\b|\b(?:quel\s+est\s+le|à\s+quel|au)\s+prix\b"
            r"|\bprix\s+(?:d['’]|du|de\s+la|des)\b(?!.*\b(?:obtient|obtenu|remport|décern|reçu|gagn))"
            r"|\bcombien\s+(?:d'|d’|de\s+)?"
            r"(?:euros|dollars|argent)\b|\bcombien\b.*\b(?:coûte|coute|payé|vaut|valent|rapporté"
            r"|dépensé|investi)|\ben\s+dollars\b|\ben\s+euros\b|\bhow\s+much\b.*\b(?:cost"
            r"|money|pay|paid|worth|spent|spend|earn)|\bwhat\s+(?:amount|price|sum)\b",
            re.I,
        ),
        AMOUNT,
    ),
    (
        re.compile(
            r"\bpourcentage\b|\bquel\s+taux\b|\bquelle\s+proportion\b|\bwhat\s+percentage\b"
            r"|\bwhat\s+share\b|\bwhat\s+proportion\b",
            re.I,
        ),
        PERCENT,
    ),
    (
        re.compile(
            r"^\s*(?:en\s+|et\s+|mais\s+)?quand\b|\bquelle\s+(?:date|année|annee|époque|epoque)"
            r"|\ben\s+quelle\s+année|\bdepuis\s+quand\b|\bjusqu['’]\s*(?:à|a)\s+quand\b"
            r"|\bà\s+partir\s+de\s+quand\b|\bquand\b(?!" + _CLAUSE + r").*\?"
            r"|^\s*(?:and\s+|but\s+)?when\b"
            r"|\bwhat\s+(?:year|date|day)\b|\bsince\s+when\b|\buntil\s+when\b"
            r"|\bwhen\s+(?:did|was|were|is|are|will|does|do|has|had)\b",
            re.I,
        ),
        DATE,
    ),
    (
        re.compile(
            r"\bcombien\b|\bquel(?:le)?s?\s+(?:est\s+le\s+)?(?:nombre|score|résultat\s+chiffré)"
            r"|\bhow\s+many\b|\bhow\s+much\b|\bwhat\s+(?:number|score)\b",
            re.I,
        ),
        NUMBER,
    ),
    (
        re.compile(
            r"^\s*(?:et\s+|mais\s+)?où\b|\boù\b.*\?|\bdans\s+quel(?:le)?\s+(?:ville|pays|région"
            r"|endroit|lieu|département|état|quartier)|\bà\s+quel\s+endroit\b|\bwhere\b"
            r"|\bin\s+which\s+(?:city|country|town|region|state|place)\b",
            re.I,
        ),
        PLACE,
    ),
    (
        re.compile(
            r"\bpourquoi\b|\bpour\s+quelle\s+raison\b|\bà\s+cause\s+de\s+quoi\b|\bwhy\b"
            r"|\bfor\s+what\s+reason\b|\bhow\s+come\b",
            re.I,
        ),
        CAUSE,
    ),
    (
        re.compile(
            r"^\s*(?:et\s+|mais\s+)?qui\b|(?<!ce\s)\bqui\s+(?:est|sont|était|a|ont|avait|va|sera|dirige"
            r"|préside)\b|\bpar\s+qui\b|\bavec\s+qui\b|\bà\s+qui\b|\bde\s+qui\b|\bwho\b|\bwhom\b"
            r"|\bwhose\b|\bcomment\s+s'appelle|\bcomment\s+s’appelle|\bquel\s+est\s+le\s+nom\b"
            r"|\bnom\s+d[eu]\b|\bwhat\s+is\s+(?:his|her|the)\s+name\b",
            re.I,
        ),
        PERSON,
    ),
)

# Kinds whose shape is specific enough that a passage without it does not answer.
CHECKED_KINDS = frozenset(
    {DATE, TIME, AGE, AMOUNT, PERCENT, DURATION, DISTANCE, NUMBER, PERSON}
    | {SPEED, SCORE, SENTENCE}
)


def expected_kind(text: str) -> str | None:
    """The kind of answer a question asks for (a date, an age, a person, ...), if it says."""
    for asks, kind in _ASKS:
        if asks.search(text):
            return kind
    return None


# "Combien de maternités … ?" asks for a number *of maternity wards*: a passage whose numbers
# count something else ("à 100 kilomètres de là") holds a number, not the answer.
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
    return match is not None and _given(match.group(), asked)


def _given(number: str, asked: str) -> bool:
    """Whether a number found in a passage is one the question itself says (same digits)."""
    digits = set(_DIGITS.findall(number))
    return bool(digits) and digits <= set(_DIGITS.findall(asked))


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


_NAME = re.compile(r"(?<!\w)(?:[A-ZÀ-ÖØ-Ý][\w'’]*(?:[\s-]+[A-ZÀ-ÖØ-Ý][\w'’]*)*)")
_DIGITS = re.compile(r"\d+")


def holds(kind: str | None, text: str, asked: str = "") -> bool | None:
    """Whether a text holds an answer of ``kind``; ``None`` when the kind cannot be checked.

    What the question itself says does not count: "Combien de Pieds-Noirs ont quitté
    l'Algérie en 1962 ?" is not answered by a passage whose only number is 1962, nor "Qui a
    remplacé Thierry Roland ?" by one whose only name is his.
    """
    if kind == PERSON:
        return _names(text, asked)
    if kind not in ANSWER_SHAPES:
        return None
    folded = fold(asked)
    for match in ANSWER_SHAPES[kind].finditer(text):
        found = match.group()
        if _given(found, asked):
            continue
        if kind == DATE and not _DIGITS.search(found) and fold(found).strip() in folded.split():
            continue  # "Que s'est-il passé en juillet ?" is not answered by "juillet"
        return True
    return False


def names(text: str) -> list[str]:
    """The words a question capitalises away from its start: the things it names."""
    found = []
    for match in _NAME.finditer(text):
        before = text[: match.start()].rstrip(" «\"“(")
        if not before or before[-1] in ".!?:":
            continue
        found.extend(
            w for w in re.findall(r"[^\W\d_]+", match.group())
            if len(w) > 1 and not is_stopword(w, "fr") and not is_stopword(w, "en")
        )
    return found


def _names(text: str, asked: str) -> bool:
    """Whether a text names someone or something (a capitalised word) the question does not."""
    known = {fold(w) for w in re.findall(r"[^\W\d_]+", asked)}
    for match in _NAME.finditer(text):
        found = re.findall(r"[^\W\d_]+", match.group())
        before = text[: match.start()].rstrip(" «\"“(")
        if (not before or before[-1] in ".!?:") and len(found) == 1:
            # A sentence's first word is capitalised whatever it is: only a word that is no
            # common word of either language may be a name there ("Bruxelles a salué ...").
            if is_stopword(found[0], "fr") or is_stopword(found[0], "en"):
                continue
            if fold(found[0]) in _STARTERS:
                continue
        if any(fold(w) not in known for w in found):
            return True
    return False


_STARTERS = frozenset(
    """
    selon apres depuis lors pendant ensuite enfin cependant pourtant aujourd hier plusieurs
    certains dès des face malgre alors ainsi toutefois lorsque quand deja puis outre parmi
    grace suite afin lundi mardi mercredi jeudi vendredi samedi dimanche cette cet
    however after since during then today yesterday while although many some several
    """.split()
)


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
    if len(terms) == 1 and not _NAME.search(text[1:]):
        return CONTINUES  # one word of its own, no name: "Qui a été guéri ?" goes on
    return None


_ENGLISH_QUESTION = re.compile(
    r"^\s*(?:who|whom|whose|what|when|where|why|how|which|is|are|was|were|did|does|do|can"
    r"|could|will|would|has|have|had|should)\b",
    re.IGNORECASE,
)


def question_language(text: str, default: str = "fr") -> str:
    """``"fr"`` or ``"en"``: the language a question is written in.

    A short question has few of the words ``detect_language`` counts, so an English question
    word at the start settles it; a question with no clue at all ("Joe Incandela") is taken
    to be in ``default``, the article's language.
    """
    if _ENGLISH_QUESTION.match(text):
        return "en"
    folded = [fold(w) for w in re.findall(r"[^\W\d_]+", text)]
    if not any(w in _CLUES for w in folded):
        return default
    return detect_language(text)


_CLUES = frozenset(
    """
    le la les des du de et est une un dans pour que qui sur par pas avec au aux ce cette il
    elle sont ont leur mais ou quel quelle quels quelles quoi comment combien pourquoi quand
    the of and to in is that for on with as was by it are from this be at an have has were
    which not but what who when where why how
    """.split()
)


@dataclass(frozen=True)
class Earlier:
    """An earlier question of the conversation and what its answer quoted.

    ``spans`` are the quoted passages (sentence indices), ``cores`` the sentence each passage
    was chosen for.
    """

    text: str
    cores: tuple[int, ...] = ()
    spans: tuple[tuple[int, ...], ...] = ()


@dataclass(frozen=True)
class Question:
    """A question as retrieval reads it: normalised text, its language, the kind it expects.

    ``previous`` holds the earlier questions of the conversation that this one may lean on,
    oldest first; ``leaning`` says whether it does.
    """

    text: str
    language: str
    previous: tuple[Earlier, ...] = ()

    def terms(self, article_language: str) -> list[str]:
        """Index terms for an article in ``article_language``.

        A question in another language is analysed both ways: names and shared words then
        match the article's terms whichever stemmer made them.
        """
        terms = question_terms(self.text, article_language)
        if self.language != article_language:
            terms += question_terms(self.text, self.language)
        return list(dict.fromkeys(terms))

    @cached_property
    def kind(self) -> str | None:
        """The kind of answer asked for (``DATE``, ``PERSON``, ...), or ``None``."""
        return expected_kind(self.text)

    @cached_property
    def leaning(self) -> str | None:
        """``REFERS``/``CONTINUES`` when it leans on the previous questions, else ``None``."""
        if not self.previous:
            return None
        own = question_terms(self.text, self.language)
        return leaning(self.text, own, self.language)

    @property
    def followup(self) -> bool:
        """Whether the question continues the conversation rather than starting anew."""
        return self.leaning is not None

    @property
    def opening(self) -> str:
        """The previous question that opened the thread this one continues: the latest that
        did not itself lean on the ones before it (the previous one when it stands alone)."""
        at = len(self.previous) - 1
        while at > 0:
            earlier = Question(self.previous[at].text, self.language, self.previous[:at])
            if not earlier.followup:
                break
            at -= 1
        return self.previous[at].text if self.previous else ""

    def previous_terms(self, article_language: str) -> list[tuple[str, float]]:
        """The earlier questions' terms, the latest weighing most (1, then 0.5)."""
        weighted: list[tuple[str, float]] = []
        for earlier, weight in zip(reversed(self.previous), (1.0, 0.5), strict=False):
            weighted.extend((t, weight) for t in question_terms(earlier.text, article_language))
        return weighted


_WHICH_ARTICLE = re.compile(
    r"^\s*(?:dans\s+)?(?:quels?|lequel|lesquels)\s+(?:des\s+)?articles?\b.*\b(?:parle|parlent"
    r"|traite|traitent|évoque|évoquent|dit|disent|aborde|abordent|mentionne|mentionnent)"
    r"|^\s*(?:which|what)\s+articles?\b.*\b(?:about|mention|mentions|talk|talks|cover"
    r"|covers|say|says)",
    re.IGNORECASE,
)


def asks_for_articles(text: str) -> bool:
    """Whether a question asks which articles speak of something ("Quel article parle de … ?")
    rather than for a fact."""
    return bool(_WHICH_ARTICLE.search(text))


_PLEASE = r"(?:\s+(?:svp|stp|s'il\s+(?:te|vous)\s+plait|please|merci))?"
_ARTICLE = (
    r"(?:l'\s*article|le\s+texte|cet\s+article|tout\s+ca|ca|cela|the\s+article|this\s+article"
    r"|it)"
)
_SUMMARY = re.compile(
    r"^(?:(?:est-ce\s+que\s+)?(?:tu\s+peux|vous\s+pouvez|peux-tu|pouvez-vous|pourrais-tu"
    r"|pourriez-vous)\s+(?:me\s+|nous\s+)?)?resume[rsz]?(?:-(?:moi|nous|le|la))?"
    r"(?:\s+" + _ARTICLE + r")?" + _PLEASE + r"$"
    r"|^(?:(?:fais|faites|donne|donnez)(?:-moi|-nous)?\s+)?(?:un|le|ton|votre)?\s*resume"
    r"(?:\s+(?:de|du)\s+" + _ARTICLE + r")?" + _PLEASE + r"$"
    r"|^(?:de\s+quoi|sur\s+quoi)\s+(?:parle|traite|porte)\s+" + _ARTICLE + r"$"
    r"|^(?:en\s+bref|les\s+grandes\s+lignes|l'essentiel|tl\s*;?\s*dr)" + _PLEASE + r"$"
    r"|^(?:(?:can|could|would)\s+you\s+|please\s+)?(?:summari[sz]e|sum\s+up)"
    r"(?:\s+" + _ARTICLE + r")?" + _PLEASE + r"$"
    r"|^(?:give\s+me\s+)?(?:a\s+|the\s+)?summary(?:\s+of\s+" + _ARTICLE + r")?" + _PLEASE
    + r"$|^what(?:'s|\s+is)\s+" + _ARTICLE + r"\s+about$",
)


def asks_for_summary(text: str) -> bool:
    """Whether a message asks for the article's summary ("Résume l'article", "Tu peux
    résumer ?", "Summarize it please") rather than for a fact."""
    folded = fold(text).replace("’", "'").strip()
    folded = re.sub(r"\s+", " ", re.sub(r"[\s?!.,:]+$", "", folded))
    return bool(_SUMMARY.match(folded))


_SMALL_TALK = (
    ("greeting", "fr", r"bonjour|bonsoir|salut|coucou|re|bonjour a tous|salut a tous"),
    ("greeting", "en", r"hello|hi|hey|good morning|good evening|good afternoon|hello there"),
    ("thanks", "fr", r"(?:ok |super |parfait |top |genial )?merci(?: beaucoup| bien)?"),
    ("thanks", "en", r"thanks|thank you|thanks a lot|thank you (?:very|so) much|thanks so much"
                     r"|many thanks|thx|ty|cheers"),
    ("ack", "fr", r"d'accord|dac|ok d'accord|je vois|compris|ah d'accord|genial|nickel|mdr"),
    ("ack", "en", r"got it|i see|great|nice|all right|alright"),
    ("ack", None, r"ok|okay|oki|super|cool|parfait|top|lol|ah|ah ok|oh|bien"),
)
_SMALL_TALK_PATTERNS = tuple(
    (kind, language, re.compile(rf"(?:{words})(?: (?:kiosque|le bot|bot|a toi|a vous))?"))
    for kind, language, words in _SMALL_TALK
)


def small_talk(text: str) -> tuple[str, str | None] | None:
    """``(kind, language)`` when a message only greets, thanks or acknowledges ("Bonjour !",
    "Merci beaucoup", "ok"): ``kind`` is ``"greeting"``, ``"thanks"`` or ``"ack"``, and
    ``language`` ``None`` when the word belongs to both languages."""
    folded = fold(text).replace("’", "'")
    folded = " ".join(re.findall(r"[a-z']+", folded))
    for kind, language, pattern in _SMALL_TALK_PATTERNS:
        if pattern.fullmatch(folded):
            return kind, language
    return None


def articles_topic(text: str) -> str:
    """What a "Quel article parle de … ?" question is about: the words after its frame
    (the whole text when there is no frame, or nothing after it)."""
    match = _WHICH_ARTICLE.search(text)
    rest = text[match.end():] if match else ""
    return rest if any(c.isalnum() for c in rest) else text


def read_question(
    text: str, previous: Sequence[Earlier] = (), default_language: str = "fr"
) -> Question:
    """A ``Question`` from what was typed, after the conversation's ``previous`` questions.

    ``default_language`` is taken when the wording gives no clue (a bare name).
    """
    clean = normalise(text)
    return Question(
        text=clean,
        language=question_language(clean, default_language),
        previous=tuple(Earlier(normalise(p.text), p.cores, p.spans) for p in previous),
    )
