"""Retrieval over an article's sentences: BM25 with paragraph and heading context, fused with
the cosine of sentence embeddings when the article has them.

``retrieve`` is the one way a question comes down: it takes a ``Question`` and returns ranked,
scored passages with what the answer decision needs to know about each.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, replace

import numpy as np
from rank_bm25 import BM25Okapi

from index.analysis import acronyms, fold, related_terms, terms, words
from index.background import background
from index.embedding import Encoder, article_counts
from index.model import KEY_POINTS, Article
from index.question import (
    AMOUNT,
    CHECKED_KINDS,
    CONTINUES,
    NUMBER,
    REFERS,
    Question,
    counted,
    counts_named,
    gives_count,
    holds,
    names,
)


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
        self, article: Article, weights: Weights = Weights(), vectors: np.ndarray | None = None
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

        Terms are weighed by how rare they are in general news text (``index.background``):
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


@dataclass(frozen=True)
class Fusion:
    """How lexical and semantic evidence, cues and the conversation mix into one ranking."""

    semantic: float = 0.7  # share of the cosine in the fused score (BM25 has the rest)
    semantic_context: float = 0.3  # a sentence's paragraph's mean cosine, added to its own
    related: float = 0.5  # demonym ↔ country terms
    history: float = 0.25  # the previous questions' terms, for a follow-up
    previous_semantic: float = 1.0  # the conversation's cosine (previous + this question)
    previous_answer: float = 1.0  # the previous answer's lead sentence + this question's cosine
    previous_answer_words: int = 25  # of that sentence: its time grows with its length
    section: float = 0.0  # a follow-up's sentences in the sections the previous answer quoted
    adjacent: float = 0.3  # a follow-up that points back and names at most one thing ("Qu'est-
    # ce que cela montre ?"): the sentences just around the previous answer, in its paragraph
    cue: float = 0.15  # sentences holding the kind of answer asked for (a date, a number)
    key_points: float = 0.7  # a key-points item sums up the text: quote the text first
    quote_chars: int = 900  # a passage is one sentence, or two when they fit
    count_floor: float = 0.84  # "combien de N ?": the cosine of N with what a passage's
    # numbers count ("332 millions d'Européens") below which they count something else
    counts_checked: int = 3  # the candidates that may be quoted, whose counts are checked
    counts_cued: int = 30  # the best ranked sentences whose counts are checked before the cue


@dataclass(frozen=True)
class Candidate:
    """A passage to quote (one sentence, or two neighbours) and what is known about it.

    ``score`` ranks; the other figures are for deciding whether the passage answers:
    ``semantic`` is the cosine of the best sentence with the question (``None`` without a
    model) and ``semantic_z`` how far it stands above the article's other sentences (in
    standard deviations), ``coverage`` the share of the question's informative terms found
    in the passage itself, ``context_coverage`` the same over its paragraph and heading (and
    the previous questions' terms for a follow-up), ``holds`` whether it holds the kind of
    answer asked for (``None`` when the question asks for no checkable kind).
    """

    sentences: tuple[int, ...]
    sentence: int
    score: float
    semantic: float | None
    semantic_z: float | None
    lexical: float
    coverage: float
    context_coverage: float
    holds: bool | None


@dataclass(frozen=True)
class Retrieval:
    """What ``retrieve`` found: ranked candidates, every sentence's score, and the setting."""

    question: Question
    candidates: tuple[Candidate, ...]
    scores: np.ndarray
    semantic: bool
    crosslingual: bool
    unknown_terms: int
    unknown_share: float
    unknown_names: int
    repeated: bool
    semantic_mean: float | None = None  # the question's mean cosine over the article's
    # sentences: how much the article as a whole is about it (``None`` without a model)

    @property
    def best(self) -> Candidate | None:
        """The first candidate, if any."""
        return self.candidates[0] if self.candidates else None


def retrieve(
    index: ArticleIndex,
    question: Question,
    embedder: Encoder | None = None,
    fusion: Fusion = Fusion(),
    limit: int = 5,
) -> Retrieval:
    """The passages of ``index``'s article that best answer ``question``, best first.

    ``embedder`` (an ``index.embedding.Encoder``) embeds the question when the article has
    sentence vectors; without either, the ranking is BM25's alone. A follow-up also weighs
    the previous questions, and never returns a sentence the conversation already quoted.
    """
    article = index.article
    language = article.language
    own = query_of(question.terms(language))
    related: Counter[str] = Counter()
    for word in own:
        related.update({r: fusion.related for r in related_terms(word, language)})
    context: Counter[str] = Counter()
    if question.followup:
        lean = fusion.history
        if question.leaning == CONTINUES:
            # A question that only continues the previous ones weighs their terms less the
            # more of its own topic it names ("Et que dit Antony Blinken ?").
            lean *= 1 - _best_coverage(index, own)
        for word, weight in question.previous_terms(language):
            context[word] += lean * weight
    lexical = index.scores(own + context + related)
    semantic = _semantic(index, question, embedder, fusion)
    fused = _fuse(index, lexical, semantic, fusion)
    if fusion.key_points != 1 and len(fused):
        fused = np.where(index.key_points, fused * fusion.key_points, fused)
    if len(fused):
        fused = np.where(index.asks, 0.0, fused)
    if question.kind in CHECKED_KINDS and len(fused):
        shaped = np.array(
            [bool(holds(question.kind, s.text, question.text)) for s in article.sentences]
        )
        if question.kind in (NUMBER, AMOUNT) and semantic is not None and embedder is not None:
            shaped = _counting(index, question, shaped, fused, embedder, fusion)
        fused = fused + fusion.cue * shaped * (fused > 0)
    excluded: set[int] = set()  # a follow-up moves on: no sentence already answered with
    quoted: set[tuple[int, ...]] = set()
    if question.followup:
        fused = _near_previous(index, question, fused, fusion)
        excluded = {i for earlier in question.previous for i in earlier.cores}
        quoted = {span for earlier in question.previous for span in earlier.spans}
    order = sorted(range(index.size), key=lambda i: (-fused[i], i))
    repeated = bool(order) and order[0] in excluded and fused[order[0]] > 0
    lexical_top = float(lexical.max()) if len(lexical) and lexical.max() > 0 else 1.0
    if semantic is not None:
        spread = float(semantic.std()) or 1.0
        standing = (semantic - float(semantic.mean())) / spread
    candidates: list[Candidate] = []
    used = set(excluded)
    for i in order:
        if len(candidates) >= limit or fused[i] <= 0:
            break
        if i in used:
            continue
        span = _span(index, i, fused, used, fusion.quote_chars)
        if span in quoted:
            span = (i,)
        used.update(span)
        text = " ".join(article.sentences[j].text for j in span)
        candidates.append(
            Candidate(
                sentences=span,
                sentence=i,
                score=float(fused[i]),
                semantic=None if semantic is None else float(semantic[i]),
                semantic_z=None if semantic is None else float(standing[i]),
                lexical=float(lexical[i]) / lexical_top,
                coverage=index.span_coverage(own + context, span),
                context_coverage=index.coverage(own + context, i),
                holds=holds(question.kind, text, question.text),
            )
        )
    if question.kind in (NUMBER, AMOUNT) and semantic is not None and embedder is not None:
        candidates = _check_counts(index, question, candidates, embedder, fusion)
    return Retrieval(
        question=question,
        candidates=tuple(candidates),
        scores=fused,
        semantic=semantic is not None,
        crosslingual=question.language != language,
        unknown_terms=sum(1 for word in own if not index.knows(word)),
        unknown_share=1 - index.span_coverage(own, tuple(range(index.size))) if own else 0.0,
        unknown_names=sum(1 for name in names(question.text) if not index.mentions(name)),
        repeated=repeated,
        semantic_mean=None if semantic is None else float(semantic.mean()),
    )


def _semantic(
    index: ArticleIndex, question: Question, embedder: Encoder | None, fusion: Fusion
) -> np.ndarray | None:
    """Each sentence's cosine with the question (a follow-up's also with the previous one)."""
    if index.vectors is None or embedder is None or not index.size:
        return None
    if not question.followup and not question.terms(index.article.language):
        return None  # nothing to search for ("???", "@everyone"): no need to read it
    cosine = index.vectors @ embedder.query(question.text)
    if question.followup and question.previous:
        # The model reads the follow-up in its conversation: "Qui a demandé la suspension de
        # séance ? Et qui l'a accordée ?" is about granting the suspension.
        # A follow-up of a follow-up is read after the question that opened the thread, and
        # its answer: "Quand sort Ubuntu 12.10 ? Elle s'appelle comment ? Et la version
        # d'après ?" (a middle answer gone astray would lead the next one astray too).
        previous = next(
            (e for e in reversed(question.previous) if e.text == question.opening),
            question.previous[-1],
        )
        conversation = f"{question.opening} {question.text}"
        earlier = index.vectors @ embedder.query(conversation)
        weight = fusion.previous_semantic
        cosine, total = cosine + weight * earlier, 1 + weight
        said = " ".join(
            " ".join(index.article.sentences[i].text for i in previous.cores if i < index.size)
            .split()[: fusion.previous_answer_words]
        )
        if said and fusion.previous_answer:
            # ... and with what was answered: "Avec qui commentait-il les matchs ? Et c'était
            # qui ce gars ?" asks about the man the answer named, not the question.
            answered = index.vectors @ embedder.query(f"{said} {question.text}")
            cosine = cosine + fusion.previous_answer * answered
            total += fusion.previous_answer
        cosine = cosine / total
    return cosine


def _counting(
    index: ArticleIndex,
    question: Question,
    shaped: np.ndarray,
    fused: np.ndarray,
    embedder: Encoder,
    fusion: Fusion,
) -> np.ndarray:
    """Which sentences hold a count of what the question counts, among the best ranked
    (``fusion.counts_cued``): the cue lifts "39 morts" for "Combien de victimes ?", not
    "l'ouragan de catégorie 1". Sentences whose phrases were not stored keep their shape."""
    noun = counted(question.text)
    if noun is None:
        return shaped
    top = np.argsort(-fused, kind="stable")[: fusion.counts_cued]
    checked = shaped.copy()
    wanted: np.ndarray | None = None
    for i in top:
        if not shaped[i]:
            continue
        phrases = [
            (phrase, vector)
            for phrase, vector in index.counts.get(int(i), ())
            if not gives_count(phrase, question.text)
        ]
        if not phrases or any(vector is None for _, vector in phrases):
            continue
        if counts_named(noun, [p for p, _ in phrases], index.article.language):
            continue
        if wanted is None:
            wanted = _unit(embedder.query(noun))
        closest = max(float(_unit(vector) @ wanted) for _, vector in phrases)
        checked[i] = closest >= fusion.count_floor
    return checked


def _check_counts(
    index: ArticleIndex,
    question: Question,
    candidates: list[Candidate],
    embedder: Encoder,
    fusion: Fusion,
) -> list[Candidate]:
    """Candidates whose numbers count something else than the question's no longer hold a
    count: "Combien de maternités ont fermé ?" is not answered by "à 100 kilomètres de là".

    What a number counts is read in the few words after it (``index.question.count_phrases``,
    embedded with the article); they must name what is counted (same terms) or mean it (the
    cosine of the question's noun with the phrase, ``fusion.count_floor``: "habitants" and
    "332 millions d'Européens"). Numbers the question gives itself do not count.
    """
    noun = counted(question.text)
    if noun is None:
        return candidates
    wanted: np.ndarray | None = None
    checked = []
    for position, candidate in enumerate(candidates):
        if position >= fusion.counts_checked or not candidate.holds:
            checked.append(candidate)
            continue
        phrases = [
            (phrase, vector)
            for i in candidate.sentences
            for phrase, vector in index.counts.get(i, ())
            if not gives_count(phrase, question.text)
        ]
        if not phrases or counts_named(noun, [p for p, _ in phrases], index.article.language):
            checked.append(candidate)
            continue
        if wanted is None:
            wanted = _unit(embedder.query(noun))
        missing = [p for p, vector in phrases if vector is None]  # stored before phrases were
        computed = iter(embedder.queries(missing) if missing else ())
        vectors = [vector if vector is not None else next(computed) for _, vector in phrases]
        closest = max(float(_unit(vector) @ wanted) for vector in vectors)
        checked.append(replace(candidate, holds=closest >= fusion.count_floor))
    return checked



def _unit(vector: np.ndarray) -> np.ndarray:
    norm = float(np.linalg.norm(vector))
    return vector / norm if norm else vector


def _fuse(
    index: ArticleIndex, lexical: np.ndarray, semantic: np.ndarray | None, fusion: Fusion
) -> np.ndarray:
    """Min-max normalised BM25 and cosine, weighted; BM25 alone without vectors."""
    if semantic is None:
        top = float(lexical.max()) if len(lexical) else 0.0
        return lexical / top if top > 0 else np.zeros_like(lexical)
    if fusion.semantic_context:
        around = np.zeros_like(semantic)
        for paragraph in index.article.paragraphs:
            members = list(paragraph.sentences)
            if members:
                around[members] = semantic[members].mean()
        semantic = semantic + fusion.semantic_context * around
    # Every sentence gets a share: a cross-language question may share no term at all.
    return fusion.semantic * _minmax(semantic) + (1 - fusion.semantic) * _minmax(lexical) + 1e-6


def _minmax(values: np.ndarray) -> np.ndarray:
    low, high = float(values.min()), float(values.max())
    return (values - low) / (high - low) if high > low else np.zeros_like(values)


def _near_previous(
    index: ArticleIndex, question: Question, fused: np.ndarray, fusion: Fusion
) -> np.ndarray:
    """A follow-up's answer is most often near the previous one: same section, small bonus."""
    article = index.article
    sections = {
        article.sentences[i].section
        for i in question.previous[-1].cores
        if i < len(article.sentences)
    }
    if not sections:
        return fused
    near = np.array([s.section in sections for s in article.sentences])
    fused = fused + fusion.section * near * (fused > 0)
    if (
        question.leaning == REFERS
        and fusion.adjacent
        and len(question.terms(article.language)) <= 1
    ):
        for core in question.previous[-1].cores:
            paragraph = article.sentences[core].paragraph
            for i in (core - 2, core - 1, core + 1, core + 2):
                if 0 <= i < len(article.sentences) and article.sentences[i].paragraph == paragraph:
                    fused[i] += fusion.adjacent
    return fused


def _span(
    index: ArticleIndex, i: int, fused: np.ndarray, used: set[int], limit: int
) -> tuple[int, ...]:
    """Sentence ``i`` and, from its paragraph, the neighbour that scores better; else the next.

    In news writing the sentence after the one that matches most often carries the answer's
    detail ("... le gallion. Il est en or.").
    """
    sentences = index.article.sentences
    sentence = sentences[i]
    neighbours = [
        j
        for j in (i + 1, i - 1)
        if 0 <= j < len(sentences)
        and j not in used
        and sentences[j].paragraph == sentence.paragraph
    ]
    if not neighbours:
        return (i,)
    best = max(neighbours, key=lambda j: (fused[j], j == i + 1))
    if len(sentences[best].text) + len(sentence.text) > limit:
        return (i,)
    return tuple(sorted((i, best)))


def _best_coverage(index: ArticleIndex, own: Counter[str]) -> float:
    if not own or not index.size:
        return 0.0
    scores = index.scores(own)
    best = int(scores.argmax())
    return index.coverage(own, best) if scores[best] > 0 else 0.0


def query_of(words: list[str], weight: float = 1.0) -> Counter[str]:
    """A weighted query from a list of analysed terms (repeats add up)."""
    query: Counter[str] = Counter()
    for word in words:
        query[word] += weight
    return query


def _bm25(corpus: list[list[str]], weights: Weights) -> LuceneBM25:
    # rank-bm25 divides by the corpus size; an empty document list gets one empty document.
    return LuceneBM25(corpus or [[]], k1=weights.k1, b=weights.b)
