"""The language rules the index reads words by: months, days, number words, units, demonyms,
the words that make a question lean on the previous one, small talk. One copy of each; the
modules that match text build their patterns from these tables (``alternation``), and
tests/index/language/test_tables.py ties every entry to the public function that uses it.

Entries are lowercase; where a table feeds a regular expression its entries may carry a
regex suffix ("millions?"), said in its comment. Order matters: a pattern tries them in the
order given, so a table keeps the order its users have always matched in.
"""

from __future__ import annotations

from collections.abc import Iterable


def alternation(words: Iterable[str]) -> str:
    """A table's entries as a regex alternation, in their order: ``"a|b|c"``."""
    return "|".join(words)


# Month names, French then English, with the unaccented spellings people type ("fevrier",
# "aout"). Used by datelines (index.ingest.structure), the date shape (index.language.shapes), the
# date span
# (index.language.answer_span) and the date cue of index.language.analysis.
MONTHS = (
    "janvier", "février", "fevrier", "mars", "avril", "mai", "juin", "juillet", "août", "aout",
    "septembre", "octobre", "novembre", "décembre", "decembre",
    "january", "february", "march", "april", "may", "june", "july", "august", "september",
    "october", "november", "december",
)  # fmt: skip

# Days of the week. A dateline may open with one ("Mardi 6 novembre 2012."); the date shape
# and the date span read one as a date. Kept per language because the date shape lists the
# French relative days ("hier") between the two.
WEEKDAYS_FR = ("lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche")
WEEKDAYS_EN = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
WEEKDAYS = WEEKDAYS_FR + WEEKDAYS_EN

# Number words the answer span takes for a quantity ("trois ministres", "two people"):
# the cardinal words, "un"/"une" included, no plurals. index.language.answer_span.
NUMBER_WORDS = (
    "un", "une", "deux", "trois", "quatre", "cinq", "six", "sept", "huit", "neuf", "dix",
    "onze", "douze", "treize", "quatorze", "quinze", "seize", "vingt", "trente", "quarante",
    "cinquante", "soixante", "cent", "mille",
    "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven",
    "twelve", "twenty", "thirty", "forty", "fifty", "hundred", "thousand",
)  # fmt: skip

# Words that make a count in the answer shapes (index.language.shapes: the NUMBER shape and the
# quantity before a unit): cardinals from "deux" ("un" is an article far more often than a
# count), magnitudes and round counts ("des dizaines"). Entries are regex fragments: "s?"
# takes the plural.
COUNT_WORDS = (
    "deux", "trois", "quatre", "cinq", "six", "sept", "huit", "neuf", "dix", "onze", "douze",
    "treize", "quatorze", "quinze", "seize", "vingt", "trente", "quarante", "cinquante",
    "soixante", "cent", "mille", "millions?", "milliards?", "dizaines?", "douzaines?",
    "centaines?", "milliers?",
    "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven",
    "twelve", "twenty", "thirty", "forty", "fifty", "hundreds?", "thousands?", "millions?",
    "billions?", "dozens?",
)  # fmt: skip

# Units of time: a sentence that names one can answer "combien de temps" / "how long"
# (index.language.shapes, the DURATION shape). Regex fragments: "s?" takes the plural.
DURATION_UNITS = (
    "secondes?", "minutes?", "heures?", "jours?", "journées?", "semaines?", "mois", "ans",
    "années?", "an", "siècles?", "décennies?",
    "seconds?", "minutes?", "hours?", "days?", "weeks?", "months?", "years?", "decades?",
)  # fmt: skip

# People of a country are asked about by their demonym ("les Américains") while news text
# names the state ("les États-Unis"), and the other way round (index.language.analysis,
# ``related_terms``). Keys and values are raw words; a value may name the place several ways.
DEMONYMS_FR = {
    "américain": "états-unis amérique",
    "russe": "russie",
    "ukrainien": "ukraine",
    "coréen": "corée",
    "nord-coréen": "corée nord",
    "sud-coréen": "corée sud",
    "chinois": "chine",
    "japonais": "japon",
    "français": "france",
    "allemand": "allemagne",
    "britannique": "royaume-uni grande-bretagne",
    "anglais": "angleterre",
    "italien": "italie",
    "espagnol": "espagne",
    "israélien": "israël",
    "palestinien": "palestine",
    "libanais": "liban",
    "syrien": "syrie",
    "iranien": "iran",
    "irakien": "irak",
    "turc": "turquie",
    "indien": "inde",
    "européen": "europe union européenne",
    "africain": "afrique",
    "canadien": "canada",
    "mexicain": "mexique",
    "brésilien": "brésil",
    "belge": "belgique",
    "suisse": "suisse",
    "québécois": "québec",
    "polonais": "pologne",
    "grec": "grèce",
    "égyptien": "égypte",
}
DEMONYMS_EN = {
    "american": "united states america",
    "russian": "russia",
    "ukrainian": "ukraine",
    "korean": "korea",
    "chinese": "china",
    "japanese": "japan",
    "french": "france",
    "german": "germany",
    "british": "united kingdom britain",
    "israeli": "israel",
    "iranian": "iran",
    "european": "europe union",
    "canadian": "canada",
}

# Verbs that report what someone said, as news text writes them: a question asking what a
# person said ("Qu'a dit le ministre ?", "What did the mayor say?") is answered only by a
# passage that reports speech, with one of these or quotation marks (index.language.shapes,
# the SPEECH shape). French past participles (after "a", "ont", ...) then present forms
# (third person, singular and plural), then English. Regex fragments.
SAYING_PARTICIPLES_FR = (
    "dit", "déclaré", "affirmé", "annoncé", "expliqué", "souligné", "ajouté", "précisé",
    "indiqué", "estimé", "répondu", "rappelé", "assuré", "dénoncé", "confié", "reconnu",
    "insisté", "averti", "prévenu", "jugé", "qualifié", "regretté", "salué", "démenti", "nié",
    "promis", "martelé", "lancé", "rétorqué", "réagi", "commenté", "raconté", "écrit",
    "twitté", "tweeté", "déploré", "critiqué", "demandé", "répliqué",
)
SAYING_PRESENT_FR = (
    "dit", "disent", "déclare", "déclarent", "affirme", "affirment", "annonce", "annoncent",
    "explique", "expliquent", "souligne", "soulignent", "ajoute", "ajoutent", "précise",
    "précisent", "indique", "indiquent", "estime", "estiment", "répond", "répondent",
    "rappelle", "rappellent", "assure", "assurent", "dénonce", "dénoncent", "juge", "jugent",
    "pense", "pensent", "regrette", "regrettent", "dément", "démentent", "nie", "nient",
    "rapporte", "rapportent", "considère", "considèrent", "selon", "d'après", "d’après",
)
SAYING_EN = (
    "said", "says", "say", "told", "tells", "stated", "states", "announced", "announces",
    "declared", "declares", "explained", "added", "claimed", "claims", "according to",
    "replied", "answered", "responded", "wrote", "tweeted",
)

# The verbs of a question asking what someone said, in the past ("Qu'a répondu Rajoy ?",
# "Qu'est-ce que le maire a déclaré ?", "What did the mayor say?", "What has he told them?"):
# index.language.question reads such a question as asking for reported speech (SPEECH).
# Regex fragments.
ASKED_SAYING_FR = (
    "dit", "déclaré", "répondu", "affirmé", "annoncé", "expliqué", "raconté", "confié",
    "rétorqué", "écrit",
)
ASKED_SAYING_EN = (
    "say", "said", "tell", "told", "declared?", "announced?", "answer", "answered",
    "repl(?:y|ied)", "respond(?:ed)?", "write", "wrote", "tweet(?:ed)?",
)

# Nouns that name a sum of money: a question asking which one it is ("Quel est le budget du
# festival ?", "Quel chiffre d'affaires ... ?", "What was HP's net profit?") asks for an
# amount (AMOUNT), which a passage without a sum does not give. Regex fragments; the plural
# comes from the pattern.
ASKED_MONEY_FR = (
    "budget", "chiffre d['’]affaires", "salaire", "bénéfice", "recette", "dette",
)
ASKED_MONEY_EN = (
    "budget", "revenue", "turnover", "salary", "profit", "debt",
)

# Nouns of a unit of the calendar: "Quel jour ... ?", "Le ministre arrive quel mois ?",
# "Which year ... ?" ask for a date (DATE). Masculine and feminine apart, as French asks
# "quel jour" and "quelle semaine".
ASKED_DATE_FR_MASCULINE = ("jour", "mois")
ASKED_DATE_FR_FEMININE = ("semaine", "date", "année", "annee", "époque", "epoque")
ASKED_DATE_EN = ("year", "date", "day", "month", "week")

# Words that open a question continuing the previous one ("Et les États-Unis ?", "Mais
# pourquoi ?", "What about Paris?"): index.language.followup reads such a short question as going on
# from the last one. Spaces inside an entry are literal.
FOLLOWUP_OPENERS = (
    "et", "mais", "alors", "donc", "puis", "ensuite", "and", "but", "so", "what about",
    "how about", "t'as", "tu as",
)  # fmt: skip

# Words that close a question continuing the previous one ("C'est où alors ?", "And then?").
FOLLOWUP_CLOSERS = (
    "alors", "sinon", "du coup", "dans ce cas", "then", "otherwise", "in that case",
)  # fmt: skip

# Pronouns standing alone that point back at what came before ("Qu'a dit celui-ci ?",
# "Why did they do it?"): a short question holding one refers to the previous answer.
POINTING_PRONOUNS = (
    "il", "elle", "ils", "elles", "cela", "ça", "ceci", "celui-ci", "celle-ci", "ceux-ci",
    "ce dernier", "cette dernière", "eux", "lui",
    "it", "they", "them", "this", "that", "these", "those", "he", "she", "him", "her", "his",
    "their",
)  # fmt: skip

# Words that open an English question: the first word settles a short question's language
# (index.language.question, ``stated_language``).
ENGLISH_QUESTION_WORDS = (
    "who", "whom", "whose", "what", "when", "where", "why", "how", "which", "is", "are", "was",
    "were", "did", "does", "do", "can", "could", "will", "would", "has", "have", "had",
    "should",
)  # fmt: skip


# Small talk: what a message says when it only greets, thanks or acknowledges
# (index.language.intent, ``small_talk``), as (kind, language, alternation of folded
# phrasings); language ``None`` when the word belongs to both. Phrasings are regex
# fragments matched against the whole folded message (accents removed, punctuation
# dropped), optionally followed by the bot's name ("merci kiosque").
SMALL_TALK = (
    ("greeting", "fr", r"bonjour|bonsoir|salut|coucou|re|bonjour a tous|salut a tous"),
    ("greeting", "en", r"hello|hi|hey|good morning|good evening|good afternoon|hello there"),
    ("thanks", "fr", r"(?:ok |super |parfait |top |genial )?merci(?: beaucoup| bien)?"),
    ("thanks", "en", r"thanks|thank you|thanks a lot|thank you (?:very|so) much|thanks so much"
                     r"|many thanks|thx|ty|cheers"),
    ("ack", "fr", r"d'accord|dac|ok d'accord|je vois|compris|ah d'accord|genial|nickel|mdr"),
    ("ack", "en", r"got it|i see|great|nice|all right|alright"),
    ("ack", None, r"ok|okay|oki|super|cool|parfait|top|lol|ah|ah ok|oh|bien"),
)
