"""What a question asks: its language, its terms, the kind of answer it expects, and whether it
leans on the previous questions of the conversation.

Everything the bot guesses about a question from its wording lives here, so that retrieval and
the answer decision read one ``Question`` instead of re-reading the text.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, replace
from functools import cached_property

from index.language.analysis import detect_language, fold, question_terms
from index.language.counts import counted
from index.language.followup import leaning
from index.language.intent import QUESTION, intent_of, small_talk
from index.language.shapes import (
    AGE,
    AMOUNT,
    CAUSE,
    DATE,
    DISTANCE,
    DURATION,
    NUMBER,
    PERCENT,
    PERSON,
    PLACE,
    SCORE,
    SENTENCE,
    SPEECH,
    SPEED,
    TIME,
)
from index.language.tables import (
    ASKED_DATE_EN,
    ASKED_DATE_FR_FEMININE,
    ASKED_DATE_FR_MASCULINE,
    ASKED_MONEY_EN,
    ASKED_MONEY_FR,
    ASKED_SAYING_EN,
    ASKED_SAYING_FR,
    ENGLISH_QUESTION_WORDS,
    alternation,
)


def normalise(text: str) -> str:
    """The question with its spaces collapsed."""
    return " ".join(text.split())


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
            r"|dépensé|investi)|\ben\s+dollars\b|\ben\s+euros\b"
            # "Quel est le budget ... ?", "What was HP's net profit?": the noun is what is asked
            r"|\bquel(?:le)?s?\s+(?:(?:est|était|sont|étaient|a\s+été|sera)\s+)?"
            rf"(?:(?:le|la|les|son|sa|ses|leur|leurs)\s+)?(?:{alternation(ASKED_MONEY_FR)})s?\b"
            r"|\bwhat\s+(?:(?:is|was|are|were)\s+)?(?:(?:the|its|his|her|their)\s+)?"
            rf"(?:[\w'’.-]+\s+){{0,3}}?(?:{alternation(ASKED_MONEY_EN)})s?\b"
            r"|\bhow\s+much\b.*\b(?:cost"
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
            r"^\s*(?:en\s+|et\s+|mais\s+)?quand\b"
            rf"|\bquel\s+(?:{alternation(ASKED_DATE_FR_MASCULINE)})\b"
            rf"|\bquelle\s+(?:{alternation(ASKED_DATE_FR_FEMININE)})"
            r"|\ben\s+quelle\s+année|\bdepuis\s+quand\b|\bjusqu['’]\s*(?:à|a)\s+quand\b"
            r"|\bà\s+partir\s+de\s+quand\b|\bquand\b(?!" + _CLAUSE + r").*\?"
            r"|^\s*(?:and\s+|but\s+)?when\b"
            rf"|\b(?:what|which)\s+(?:{alternation(ASKED_DATE_EN)})\b"
            r"|\bsince\s+when\b|\buntil\s+when\b"
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
    # What someone said ("Qu'a dit le ministre ?", "Qu'a répondu Rajoy ?", "What did the
    # mayor say?"), in the past: "Que dit le rapport ?" and "What does the article say?" ask
    # what a text holds, said or not. "Qui a dit ... ?" asks for a person (below).
    (
        re.compile(
            r"\bqu(?:['’]\s*|\s+)(?:a|ont|avait|avaient)(?:[-\s]t)?(?:[-\s](?:il|elle|ils|elles|on))?"
            rf"\s+(?:{alternation(ASKED_SAYING_FR)})\b"
            rf"|\bqu['’]est[-\s]ce\s+qu.{{0,60}}\b(?:{alternation(ASKED_SAYING_FR)})\b"
            rf"|\bwhat\s+(?:did|has|have|had)\b.{{0,80}}?\b(?:{alternation(ASKED_SAYING_EN)})\b",
            re.I,
        ),
        SPEECH,
    ),
    (
        re.compile(
            r"^\s*(?:et\s+|mais\s+)?qui\b|(?<!ce\s)\bqui\s+(?:est|sont|était|a|ont|avait|va|sera|dirige"
            r"|préside)\b|\bpar\s+qui\b|\bavec\s+qui\b|\bà\s+qui\b|\bde\s+qui\b|\bwho\b|\bwhom\b"
            r"|\bwhose\b|\bcomment\s+s['’]\s*appel\w*|\bquel\s+(?:est|était)\s+le\s+nom\b"
            r"|\bnom\s+d[eu]\b|\bwhat\s+is\s+(?:his|her|the)\s+name\b",
            re.I,
        ),
        PERSON,
    ),
)


def expected_kind(text: str) -> str | None:
    """The kind of answer a question asks for (a date, an age, a person, ...), if it says."""
    for asks, kind in _ASKS:
        if asks.search(text):
            return kind
    return None


_ENGLISH_QUESTION = re.compile(
    rf"^\s*(?:{alternation(ENGLISH_QUESTION_WORDS)})\b",
    re.IGNORECASE,
)


def question_language(text: str, default: str = "fr") -> str:
    """``"fr"`` or ``"en"``: the language a question is written in.

    A short question has few of the words ``detect_language`` counts, so an English question
    word at the start settles it; a question with no clue at all ("Joe Incandela") is taken
    to be in ``default``, the article's language.
    """
    return stated_language(text) or default


def stated_language(text: str) -> str | None:
    """The language a question's wording tells (see ``question_language``), or ``None`` when
    it gives no clue."""
    if _ENGLISH_QUESTION.match(text):
        return "en"
    folded = [fold(w) for w in re.findall(r"[^\W\d_]+", text)]
    if not any(w in _CLUES for w in folded):
        return None
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
    """A message as the bot reads it, once: normalised text, its language, what it asks for
    (``intent``: a fact, the summary, a listing of articles, or small talk), the kind of answer
    it expects, what it counts, and how it leans on the conversation.

    ``previous`` holds the earlier questions of the conversation that this one may lean on,
    oldest first; ``leaning`` says whether it does. ``typed`` is the message as typed,
    ``clue`` whether its wording tells its language (else ``language`` is a default);
    ``about`` gives the same reading for one article and its conversation.
    """

    text: str
    language: str
    previous: tuple[Earlier, ...] = ()
    typed: str = ""
    clue: bool = True
    intent: str = QUESTION
    talk: tuple[str, str | None] | None = None  # small talk's kind and language

    def about(self, default_language: str, previous: Sequence[Earlier] = ()) -> Question:
        """This question asked after ``previous`` (one article's conversation), in
        ``default_language`` when its wording gives no clue (the article's language).

        What does not depend on the conversation is not read again.
        """
        asked = replace(
            self,
            language=self.language if self.clue else default_language,
            previous=tuple(Earlier(normalise(p.text), p.cores, p.spans) for p in previous),
        )
        for name in ("kind", "counted"):
            if name in self.__dict__:
                asked.__dict__[name] = self.__dict__[name]
        return asked

    def terms(self, article_language: str) -> list[str]:
        """Index terms for an article in ``article_language``, analysed once per language.

        A question in another language is analysed both ways: names and shared words then
        match the article's terms whichever stemmer made them.
        """
        found = self._analysed.get(article_language)
        if found is None:
            found = question_terms(self.text, article_language, self.language)
            if self.language != article_language:
                found += question_terms(self.text, self.language)
            found = self._analysed[article_language] = list(dict.fromkeys(found))
        return list(found)

    @cached_property
    def _analysed(self) -> dict[str, list[str]]:
        return {}

    @cached_property
    def kind(self) -> str | None:
        """The kind of answer asked for (``DATE``, ``PERSON``, ...), or ``None``."""
        return expected_kind(self.text)

    @cached_property
    def counted(self) -> str | None:
        """What a "combien de N ?" question counts (see ``index.language.counts.counted``), or
        ``None``."""
        return counted(self.text)

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



def read_question(
    text: str, previous: Sequence[Earlier] = (), default_language: str = "fr"
) -> Question:
    """A ``Question`` from what was typed, after the conversation's ``previous`` questions.

    ``default_language`` is taken when the wording gives no clue (a bare name).
    """
    clean = normalise(text)
    stated = stated_language(clean)
    return Question(
        text=clean,
        language=stated or default_language,
        previous=tuple(Earlier(normalise(p.text), p.cores, p.spans) for p in previous),
        typed=text,
        clue=stated is not None,
        intent=intent_of(text),
        talk=small_talk(text),
    )
