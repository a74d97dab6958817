"""An article's searchable form: BM25 over its sentences with paragraph and heading context,
its sentence vectors when it has them, and what each sentence holds of each answer shape.

Everything here is computed once per article version (``bot.app.responder`` keeps built indexes):
what a question brings is searched against it, never the article's text again.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
from rank_bm25 import BM25Okapi

from index.language.analysis import acronyms, fold, terms, words
from index.language.shapes import SentenceShapes
from index.model import KEY_POINTS, Article
from index.search.background import background
from index.vectors.embedding import article_counts


class LuceneBM25(BM25Okapi):
    """BM25 with Lucene's IDF ``log(1 + (N - n + .5) / (n + .5))``, which is never negative.

    Okapi's IDF goes to zero or below for a term in half the documents or more, and a one-
    article library is a tiny corpus where "Ukraine" is in half the sentences: such a term must
    still count for something, just less than a rare one.
    """

    def _calc_idf(self, nd: Mapping[str, int]) -> None:
        for word, freq in nd.items():
            self.idf[word] = self.term_idf(freq)

    def term_idf(self, freq: int) -> float:
        """The IDF of a term found in ``freq`` documents (0 for a term never seen)."""
        return math.log(1 + (self.corpus_size - freq + 0.5) / (freq + 0.5))

    def idf_of(self, word: str) -> float:
        """The IDF of a query term; a term the corpus does not have weighs as the rarest."""
        return self.idf.get(word, self.term_idf(0))

    def weighted_scores(self, query: Mapping[str, float]) -> np.ndarray:
        """BM25 scores of every document for a query whose terms carry weights."""
        scores = np.zeros(self.corpus_size)
        lengths = np.array(self.doc_len, dtype=float)
        norm = self.k1 * (1 - self.b + self.b * lengths / (self.avgdl or 1.0))
        for word, weight in query.items():
            if word not in self.idf:
                continue
            freq = np.array([doc.get(word, 0) for doc in self.doc_freqs], dtype=float)
            scores += weight * self.idf[word] * freq * (self.k1 + 1) / (freq + norm)
        return scores


@dataclass(frozen=True)
class Weights:
    """How much a sentence's paragraph and section heading add to its own score."""

    paragraph: float = 0.3
    heading: float = 0.3
    k1: float = 1.2
    b: float = 0.5
    prefix: float = 0.4
    prefix_length: int = 6


@dataclass(frozen=True)
class Scored:
    """A sentence's retrieval score and the share of the query's weight it covers."""

    sentence: int
    score: float
    coverage: float


class ArticleIndex:
    """Searchable form of one article: term lists for sentences, paragraphs and headings."""

    def __init__(
        self,
        article: Article,
        weights: Weights = Weights(),
        vectors: np.ndarray | None = None,
        shapes: str | None = None,
    ) -> None:
        self.article = article
        self.weights = weights
        # Sentence embeddings (one row per sentence), or None: BM25 alone; then, when they
        # were stored, the vectors of each sentence's counted phrases ("332 millions
        # d'Européens résidant dans"), by sentence.
        self.vectors: np.ndarray | None = None
        self.counts: dict[int, list[tuple[str, np.ndarray | None]]] = {}
        sentences = len(article.sentences)
        if vectors is not None and len(vectors) >= sentences:
            self.vectors = np.asarray(vectors[:sentences], dtype=np.float32)
            counted = article_counts(article)
            stored = len(vectors) == sentences + len(counted)
            for row, (number, phrase) in enumerate(counted, start=sentences):
                vector = np.asarray(vectors[row], dtype=np.float32) if stored else None
                self.counts.setdefault(number, []).append((phrase, vector))
        self._background = background(article.language)
        language = article.language
        self.sentence_terms = [terms(s.text, language) for s in article.sentences]
        self.paragraph_terms = [
            [t for i in p.sentences for t in self.sentence_terms[i]] for p in article.paragraphs
        ]
        self.heading_terms = [
            terms(section.heading or article.title, language) for section in article.sections
        ]
        self._sentences = _bm25(self.sentence_terms, weights)
        self._prefixes = _bm25([self._prefix(t) for t in self.sentence_terms], weights)
        self._paragraphs = _bm25(self.paragraph_terms, weights)
        self._headings = _bm25(self.heading_terms, weights)
        self._paragraph_of = np.array([s.paragraph for s in article.sentences], dtype=int)
        # Items of the article's key-points list, which sum up its text.
        self.key_points = np.array(
            [article.paragraphs[s.paragraph].kind == KEY_POINTS for s in article.sentences],
            dtype=bool,
        )
        self._section_of = np.array([s.section for s in article.sentences], dtype=int)
        # A paragraph that only asks a question ("Qu'est-ce qu'Ubuntu ?", an interviewer's
        # question) introduces what follows: it answers nothing.
        self.asks = np.array(
            [
                len(article.paragraphs[s.paragraph].sentences) == 1
                and s.text.rstrip().endswith("?")
                and not s.text.lstrip().startswith(("«", '"', "“"))
                for s in article.sentences
            ],
            dtype=bool,
        )
        self._context = [
            set(self.sentence_terms[i])
            | set(self.paragraph_terms[s.paragraph])
            | set(self.heading_terms[s.section])
            for i, s in enumerate(article.sentences)
        ]
        self._context_prefixes = [set(self._prefix(list(c))) for c in self._context]
        self._folded_words = {fold(w) for w in words(article.text)}
        self._acronyms = acronyms(article.text)
        # What each sentence holds of each answer shape: found when the article was indexed
        # (``shapes``, as ``SentenceShapes.dumps`` wrote them), or once per kind, then kept.
        self.shapes = SentenceShapes.loads([s.text for s in article.sentences], shapes)

    @property
    def size(self) -> int:
        """How many sentences the index holds."""
        return len(self.sentence_terms)

    def idf(self, word: str) -> float:
        """The sentence-level IDF of a term."""
        return self._sentences.idf_of(word)

    def knows(self, word: str) -> bool:
        """Whether any sentence of the article has the term."""
        return word in self._sentences.idf

    def sentence_scores(self, query: Mapping[str, float]) -> np.ndarray:
        """Each sentence's own BM25 score for a weighted query."""
        if not self.size:
            return np.zeros(0)
        return self._sentences.weighted_scores(query)

    def scores(self, query: Mapping[str, float]) -> np.ndarray:
        """Each sentence's score: its own BM25 plus a share of its paragraph's and heading's."""
        if not self.size or not query:
            return np.zeros(self.size)
        own = self._sentences.weighted_scores(query)
        if self.weights.prefix:
            shared = Counter()
            for word, weight in query.items():
                shared.update({p: weight for p in self._prefix([word])})
            own += self.weights.prefix * self._prefixes.weighted_scores(shared)
        paragraph = self._paragraphs.weighted_scores(query)[self._paragraph_of]
        heading = self._headings.weighted_scores(query)[self._section_of]
        return own + self.weights.paragraph * paragraph + self.weights.heading * heading

    def _prefix(self, words: list[str]) -> list[str]:
        # Words of one family share their first letters when lemma and stem disagree
        # ("inquiète" / "inquiétude", "Ukraine" / "ukrainiens").
        size = self.weights.prefix_length
        return [w[:size] for w in words if len(w) >= size and not w.isdigit()]

    def informativeness(self, word: str) -> float:
        """How much a query term says: its IDF in general news text where known, else here."""
        if self._background is not None:
            return self._background.idf(word)
        return self.idf(word)

    def coverage(self, query: Mapping[str, float], sentence: int) -> float:
        """Share of the query's informative mass found in the sentence or its context.

        Terms are weighed by how rare they are in general news text (``index.search.background``):
        a question about another article often shares common words ("nom", "année") with
        this one, rarely the words that make it specific.
        """
        total = sum(w * self.informativeness(t) for t, w in query.items())
        if total <= 0:
            return 0.0
        context = self._context[sentence]
        prefixes = self._context_prefixes[sentence]
        found = sum(
            w * self.informativeness(t)
            for t, w in query.items()
            if t in context or (self._prefix([t]) and self._prefix([t])[0] in prefixes)
        )
        return found / total

    def mentions(self, name: str) -> bool:
        """Whether the article's text (title included) has a word, accents and case aside, or
        an acronym's words ("FN": "Front national")."""
        folded = fold(name)
        if folded in self._folded_words:
            return True
        return name.isupper() and 2 <= len(name) <= 6 and folded in self._acronyms

    def span_coverage(self, query: Mapping[str, float], span: tuple[int, ...]) -> float:
        """Share of the query's informative mass found in the passage's own sentences."""
        total = sum(w * self.informativeness(t) for t, w in query.items())
        if total <= 0:
            return 0.0
        found_terms = {t for i in span for t in self.sentence_terms[i]}
        prefixes = set(self._prefix(list(found_terms)))
        found = sum(
            w * self.informativeness(t)
            for t, w in query.items()
            if t in found_terms or (self._prefix([t]) and self._prefix([t])[0] in prefixes)
        )
        return found / total

    def search(self, query: Mapping[str, float], limit: int = 10) -> list[Scored]:
        """The best sentences for a query, best first (ties in article order)."""
        scores = self.scores(query)
        order = sorted(range(self.size), key=lambda i: (-scores[i], i))[:limit]
        return [
            Scored(i, float(scores[i]), self.coverage(query, i)) for i in order if scores[i] > 0
        ]



def query_of(words: list[str], weight: float = 1.0) -> Counter[str]:
    """A weighted query from a list of analysed terms (repeats add up)."""
    query: Counter[str] = Counter()
    for word in words:
        query[word] += weight
    return query


def _bm25(corpus: list[list[str]], weights: Weights) -> LuceneBM25:
    # rank-bm25 divides by the corpus size; an empty document list gets one empty document.
    return LuceneBM25(corpus or [[]], k1=weights.k1, b=weights.b)
