"""A reader for answerability: does this sentence hold what the question asks for?

The bi-encoder says what a question is about; a near-topic question ("Qui est le nouveau
ministre de l'Éducation ?" on an article that names another minister) is about the same
thing as its nearest sentence. The reader reads the question and a candidate passage side by
side, word against word: each informative word of the question is matched with its closest
word of the passage by e5's last hidden states (one vector per word, before pooling, centred
on the mean word of news text so that unrelated words stop looking alike), weighed by how
rare the word is in news text (``index.search.background``), and its words, names and numbers are
looked up in the passage and its paragraph. A logistic regression over those figures and
what retrieval already knows of the passage says how likely the passage answers. It runs on
numpy and the e5 session the bot already holds; its weights are fitted by
``python -m eval.reader_fit`` and shipped as ``bot/data/reader.json``.

Pure: no I/O here (the caller loads the weights and hands over the model's token reader).
"""

from __future__ import annotations

import math
import re
from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from index.language.analysis import fold, question_terms, terms
from index.model import Article
from index.search.background import background
from index.search.retrieval import Candidate, Retrieval

Tokens = Callable[[str], "tuple[list[str], np.ndarray] | None"]
METASPACE = "\u2581"
_ALNUM = re.compile(r"\w")
_NAME = re.compile(r"(?<![\w'’])(\d[\d  ,.]*\d|\d|[A-ZÀ-Ý][\w-]+)")
PREFIXES = {"query": "query: ", "passage": "passage: "}
# A question word whose best centred cosine in the passage is under this has no close word
# there: 99.6 % of the question words also in the sentence score above it, 20 % of the
# others (the reader's pairs, measured when the reader was written; eval/README.md).
MATCH = 0.7

# What the reader weighs about a candidate; ``answer_features`` of the responder come too,
# under their own names. The order is the weights' order in ``bot/data/reader.json``.
READER_FEATURES = (
    "maxsim",  # IDF-weighted mean, over the question's words, of the best cosine in the passage
    "minsim",  # the worst-matched informative word's best cosine
    "raresim",  # the same for the two rarest words, averaged
    "unmatched",  # IDF-weighted share of the question's words with no close word (< MATCH)
    "rare_unmatched",  # how many of its two rarest words have no close word
    "lexical",  # IDF-weighted share of the question's terms in the passage
    "paragraph",  # the same in the passage's paragraph
    "names_missing",  # names and numbers of the question found nowhere in the paragraph
    "rank",  # 0 for the best candidate, 1, 2 for the next ones
)


@dataclass(frozen=True)
class ReaderModel:
    """The fitted reader: features (name, mean, deviation, weight), bias, the centre of word
    vectors, how many candidates it reads, and the probability under which none answers."""

    features: tuple[tuple[str, float, float, float], ...]
    bias: float
    centre: np.ndarray
    candidates: int
    floor: float
    answer_floor: float | None = None  # the decision's floor to use beside the veto

    def probability(self, values: dict[str, float]) -> float:
        """How likely a candidate answers, from its features."""
        z = self.bias + sum(
            weight * (values[name] - mean) / deviation
            for name, mean, deviation, weight in self.features
        )
        return 1 / (1 + math.exp(-max(-30.0, min(30.0, z))))


@dataclass(frozen=True)
class Words:
    """A text read by the model, word by word: surface, index terms, unit vectors."""

    texts: tuple[str, ...]
    vectors: np.ndarray  # [words, H], centred, unit length


def group_words(
    pieces: Sequence[str], hidden: np.ndarray, skip: int
) -> list[tuple[str, np.ndarray]]:
    """SentencePiece pieces joined into words (a piece that opens with the metaspace, or
    follows punctuation, starts one), each with the mean of its pieces' vectors; the first
    ``skip`` words (e5's ``query:`` or ``passage:``) left out, and so are bare punctuation."""
    groups: list[list[int]] = []
    texts: list[str] = []
    previous_sign = True
    for number, piece in enumerate(pieces):
        text = piece.replace(METASPACE, "")
        sign = not _ALNUM.search(text)
        if piece.startswith(METASPACE) or sign or previous_sign or not groups:
            groups.append([number])
            texts.append(text)
        else:
            groups[-1].append(number)
            texts[-1] += text
        previous_sign = sign
    out = [(text, hidden[members].mean(0)) for text, members in zip(texts, groups, strict=True)]
    out = out[skip:]  # e5's prefix: "query" ":", or "passage" ":"
    return [(text, vector) for text, vector in out if _ALNUM.search(text)]


def read_words(tokens: Tokens, text: str, kind: str, centre: np.ndarray) -> Words | None:
    """A text's words and their centred unit vectors, or ``None`` when the model cannot read it."""
    read = tokens(PREFIXES[kind] + text)
    if read is None:
        return None
    pieces, hidden = read
    grouped = group_words(pieces, hidden, skip=2)
    if not grouped:
        return Words((), np.zeros((0, centre.size), dtype=np.float32))
    vectors = np.stack([v for _, v in grouped]) - centre
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True) + 1e-9
    return Words(tuple(t for t, _ in grouped), vectors.astype(np.float32))


def _idf(term: str, language: str) -> float:
    found = background(language)
    return found.idf(term) if found is not None else 1.0


def pair_features(
    question: Words,
    question_text: str,
    passage: Words,
    passage_text: str,
    paragraph_text: str,
    language: str,
) -> dict[str, float]:
    """The reader's own features of one question against one passage (``READER_FEATURES``
    but the rank)."""
    content = []
    for number, word in enumerate(question.texts):
        found = question_terms(word, language)
        if found:
            content.append((number, found[0], _idf(found[0], language)))
    out = {name: 0.0 for name in READER_FEATURES}
    if content and len(passage.texts):
        rows = question.vectors[[n for n, _, _ in content]]
        best = (rows @ passage.vectors.T).max(1)
        weights = np.array([w for _, _, w in content])
        weights = weights / weights.sum()
        rarest = np.argsort(-weights)[:2]
        out["maxsim"] = float(weights @ best)
        out["minsim"] = float(best.min())
        out["raresim"] = float(best[rarest].mean())
        out["unmatched"] = float(weights @ (best < MATCH))
        out["rare_unmatched"] = float((best[rarest] < MATCH).sum())
    asked = {t: _idf(t, language) for t in question_terms(question_text, language)}
    if asked:
        total = sum(asked.values())
        in_passage = set(terms(passage_text, language))
        in_paragraph = set(terms(paragraph_text, language)) | in_passage
        out["lexical"] = sum(w for t, w in asked.items() if t in in_passage) / total
        out["paragraph"] = sum(w for t, w in asked.items() if t in in_paragraph) / total
    around = fold(paragraph_text + " " + passage_text).replace(" ", "")
    opening = question_text.split(" ", 1)[0]
    names = [n for n in _NAME.findall(question_text) if n != opening]
    out["names_missing"] = float(sum(1 for n in names if fold(n).replace(" ", "") not in around))
    return out


class Reader:
    """The fitted reader over a model's token states: vetoes an answer when none of the best
    candidates holds what the question asks for. Sentences read are kept (a few hundred)."""

    def __init__(self, model: ReaderModel, tokens: Tokens, keep: int = 512) -> None:
        self.model = model
        self.tokens = tokens
        self._read: OrderedDict[tuple[str, str], Words | None] = OrderedDict()
        self._keep = keep

    def words(self, text: str, kind: str) -> Words | None:
        """A text read word by word (remembered)."""
        key = (kind, text)
        if key in self._read:
            self._read.move_to_end(key)
            return self._read[key]
        found = read_words(self.tokens, text, kind, self.model.centre)
        self._read[key] = found
        while len(self._read) > self._keep:
            self._read.popitem(last=False)
        return found

    def features(
        self,
        found: Retrieval,
        article: Article,
        candidate: Candidate,
        rank: int,
        extra: dict[str, float],
    ) -> dict[str, float] | None:
        """Every feature the model weighs for one candidate (``extra``: the responder's
        ``answer_features``), or ``None`` when the model cannot read the texts."""
        asked = self.words(found.question.text, "query")
        passage_text = " ".join(article.sentences[i].text for i in candidate.sentences)
        passage = self.words(passage_text, "passage")
        if asked is None or passage is None:
            return None
        first = article.sentences[candidate.sentences[0]]
        paragraph = article.paragraphs[first.paragraph]
        paragraph_text = " ".join(article.sentences[i].text for i in paragraph.sentences)
        values = pair_features(
            asked, found.question.text, passage, passage_text, paragraph_text, article.language
        )
        values["rank"] = float(rank)
        values.update(extra)
        return values

    def best(
        self,
        found: Retrieval,
        article: Article,
        extra: Callable[[Candidate], dict[str, float]],
    ) -> float | None:
        """The highest probability that one of the first candidates answers, or ``None``
        when the model could not read them."""
        out = None
        for rank, candidate in enumerate(found.candidates[: self.model.candidates]):
            values = self.features(found, article, candidate, rank, extra(candidate))
            if values is None:
                return None
            p = self.model.probability(values)
            out = p if out is None else max(out, p)
        return out

    def vetoes(
        self,
        found: Retrieval,
        article: Article,
        extra: Callable[[Candidate], dict[str, float]],
    ) -> bool:
        """Whether the reader says none of the best candidates answers."""
        best = self.best(found, article, extra)
        return best is not None and best < self.model.floor
