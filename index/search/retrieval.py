"""Retrieval over an article's sentences: BM25 with paragraph and heading context, fused with
the cosine of sentence embeddings when the article has them.

``retrieve`` is the one way a question comes down: it takes a ``Question`` and returns ranked,
scored passages with what the answer decision needs to know about each. It runs the named
stages of ``index.search.stages`` in turn, then cuts the ranking into passages.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from index.language.question import Question
from index.language.shapes import holds, names
from index.search.article_index import ArticleIndex
from index.search.stages import (
    COUNTED_KINDS,
    answer_shape,
    article_weights,
    check_counts,
    conversation_terms,
    count_cue,
    fuse,
    lexical_query,
    near_previous,
    prefetch,
    semantic_scores,
    shape_cue,
)
from index.vectors.embedding import Encoder


@dataclass(frozen=True)
class Fusion:
    """How lexical and semantic evidence, cues and the conversation mix into one ranking."""

    semantic: float = 0.7  # share of the cosine in the fused score (BM25 has the rest)
    tower_semantic: float = 0.8  # the same when the question tower ranks (a standalone
    # question, the tower loaded): chosen by nested folds with the tower (eval/README.md)
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
    ranked_best: float | None = None  # the question tower's best cosine over the article's
    # sentences: whether any sentence holds what is asked (``None`` without the tower and
    # for a follow-up, which e5 ranks)

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

    ``embedder`` (an ``index.vectors.embedding.Encoder``) embeds the question when the article has
    sentence vectors; without either, the ranking is BM25's alone. A follow-up also weighs
    the previous questions, and never returns a sentence the conversation already quoted.
    """
    article = index.article
    language = article.language
    own, related = lexical_query(index, question, fusion)
    context = conversation_terms(index, question, own, fusion)
    lexical = index.scores(own + context + related)
    prefetch(index, question, embedder, fusion)
    semantic, ranking = semantic_scores(index, question, embedder, fusion) or (None, None)
    ranked_best = _tower_best(question, semantic, ranking)
    share = fusion.semantic if ranked_best is None else fusion.tower_semantic
    fused = article_weights(index, fuse(index, lexical, ranking, fusion, share), fusion)
    shaped = answer_shape(index, question)
    if shaped is not None:
        if question.kind in COUNTED_KINDS and semantic is not None and embedder is not None:
            shaped = count_cue(index, question, shaped, fused, embedder, fusion)
        fused = shape_cue(fused, shaped, fusion)
    excluded: set[int] = set()  # a follow-up moves on: no sentence already answered with
    quoted: set[tuple[int, ...]] = set()
    if question.followup:
        fused = near_previous(index, question, fused, fusion)
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
    if question.kind in COUNTED_KINDS and semantic is not None and embedder is not None:
        candidates = check_counts(index, question, candidates, embedder, fusion)
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
        ranked_best=ranked_best,
    )


def _tower_best(
    question: Question, semantic: np.ndarray | None, ranking: np.ndarray | None
) -> float | None:
    """The tower's best cosine, when the tower ranked (``semantic_scores`` gives e5's own
    cosines as the ranking without one)."""
    if ranking is None or ranking is semantic or question.followup or not len(ranking):
        return None
    return float(ranking.max())


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
