"""The stages a question goes through in retrieval, each a small function over an article's
built index (``index.search.article_index``), in the order ``index.search.retrieval.retrieve`` runs
them:

- lexical: the question's terms, related terms;
- conversation: a follow-up's previous questions' terms, and later the sentences around the
  previous answer;
- semantic: each sentence's cosine with the question (and its conversation): e5's, and the
  question tower's, which is fused with BM25 to rank; the model may first be let read ahead
  what the later stages need (``prefetch``);
- answer shape: the sentences that hold the kind of answer asked for (a date, a number), as
  the index found them;
- counts: of those, the ones whose numbers count what a "combien de N" question counts.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import replace
from typing import TYPE_CHECKING

import numpy as np

from index.language.analysis import related_terms
from index.language.counts import counts_named, gives_count
from index.language.followup import CONTINUES, REFERS
from index.language.question import Question
from index.language.shapes import AMOUNT, CHECKED_KINDS, NUMBER
from index.search.article_index import ArticleIndex, query_of
from index.vectors.embedding import Encoder

COUNTED_KINDS = (NUMBER, AMOUNT)  # the kinds whose counts are checked (count_cue, check_counts)

if TYPE_CHECKING:
    from index.search.retrieval import Candidate, Fusion


def lexical_query(
    index: ArticleIndex, question: Question, fusion: Fusion
) -> tuple[Counter[str], Counter[str]]:
    """Lexical stage: the question's own terms, and the terms related to them
    (demonym ↔ country) at ``fusion.related``."""
    language = index.article.language
    own = query_of(question.terms(language))
    related: Counter[str] = Counter()
    for word in own:
        related.update({r: fusion.related for r in related_terms(word, language)})
    return own, related


def conversation_terms(
    index: ArticleIndex, question: Question, own: Counter[str], fusion: Fusion
) -> Counter[str]:
    """Conversation stage, lexical side: a follow-up's previous questions' terms, weighted
    ``fusion.history``."""
    context: Counter[str] = Counter()
    if question.followup:
        lean = fusion.history
        if question.leaning == CONTINUES:
            # A question that only continues the previous ones weighs their terms less the
            # more of its own topic it names ("Et que dit Antony Blinken ?").
            lean *= 1 - _best_coverage(index, own)
        for word, weight in question.previous_terms(index.article.language):
            context[word] += lean * weight
    return context


def semantic_scores(
    index: ArticleIndex, question: Question, embedder: Encoder | None, fusion: Fusion
) -> tuple[np.ndarray, np.ndarray] | None:
    """Each sentence's cosine with the question (a follow-up's also with the previous one),
    twice: with e5's vector of the question, which the decision reads (how close the best
    passage stands, how much the article is about the question), and with the question
    tower's (``Embedder.question``), which ranks the sentences; e5's again without a tower
    and for a follow-up."""
    if index.vectors is None or embedder is None or not index.size:
        return None
    if not question.followup and not question.terms(index.article.language):
        return None  # nothing to search for ("???", "@everyone"): no need to read it
    conversation, answered = _conversation_texts(index, question, fusion)
    # The tower learnt standalone questions: a follow-up ("Et c'était qui ce gars ?") is
    # ranked by e5 reading it in its conversation, as it is read for the decision.
    if question.followup:
        vector, ranked = embedder.query(question.text), None
    else:
        vector, ranked = _question_vectors(embedder, question.text)
    cosine = index.vectors @ vector
    ranking = cosine if ranked is None else index.vectors @ ranked
    if conversation is not None:
        weight = fusion.previous_semantic
        around = weight * (index.vectors @ embedder.query(conversation))
        total = 1 + weight
        if answered is not None:
            around = around + fusion.previous_answer * (index.vectors @ embedder.query(answered))
            total += fusion.previous_answer
        cosine, ranking = (cosine + around) / total, (ranking + around) / total
    return cosine, ranking


def _question_vectors(embedder: Encoder, text: str) -> tuple[np.ndarray, np.ndarray | None]:
    read = getattr(embedder, "question", None)
    return read(text) if read is not None else (embedder.query(text), None)


def _conversation_texts(
    index: ArticleIndex, question: Question, fusion: Fusion
) -> tuple[str | None, str | None]:
    """What the model reads of a follow-up besides the question: the question after the one
    that opened the thread, and after that question's answer (``None`` when it has none)."""
    if not question.followup or not question.previous:
        return None, None
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
    said = " ".join(
        " ".join(index.article.sentences[i].text for i in previous.cores if i < index.size)
        .split()[: fusion.previous_answer_words]
    )
    if not said or not fusion.previous_answer:
        return conversation, None
    # ... and with what was answered: "Avec qui commentait-il les matchs ? Et c'était
    # qui ce gars ?" asks about the man the answer named, not the question.
    return conversation, f"{said} {question.text}"


def prefetch(
    index: ArticleIndex, question: Question, embedder: Encoder | None, fusion: Fusion
) -> None:
    """Let the model start on the texts the next stages will read besides the question (a
    follow-up's conversation, a count question's noun), when it can: ``Embedder.prefetch``
    reads them on the other core while this one reads the question."""
    start = getattr(embedder, "prefetch", None)
    if start is None or index.vectors is None or not index.size:
        return
    texts = [t for t in _conversation_texts(index, question, fusion) if t]
    if question.kind in COUNTED_KINDS and question.counted:
        texts.append(question.counted)
    if texts:
        # The last needed first: the model's thread starts on it while this one reads the
        # question, then the next ones, which by then it may find ready or read itself.
        start(texts[::-1])


def fuse(
    index: ArticleIndex,
    lexical: np.ndarray,
    semantic: np.ndarray | None,
    fusion: Fusion,
    share: float | None = None,
) -> np.ndarray:
    """Min-max normalised BM25 and cosine, weighted (the cosine's ``share``, by default
    ``fusion.semantic``); BM25 alone without vectors."""
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
    share = fusion.semantic if share is None else share
    return share * _minmax(semantic) + (1 - share) * _minmax(lexical) + 1e-6


def _minmax(values: np.ndarray) -> np.ndarray:
    low, high = float(values.min()), float(values.max())
    return (values - low) / (high - low) if high > low else np.zeros_like(values)


def article_weights(index: ArticleIndex, fused: np.ndarray, fusion: Fusion) -> np.ndarray:
    """Key-points items weigh ``fusion.key_points`` of a body sentence (they sum up the text:
    quote the text first); a paragraph that only asks a question answers nothing."""
    if fusion.key_points != 1 and len(fused):
        fused = np.where(index.key_points, fused * fusion.key_points, fused)
    if len(fused):
        fused = np.where(index.asks, 0.0, fused)
    return fused


def answer_shape(index: ArticleIndex, question: Question) -> np.ndarray | None:
    """Answer-shape stage: whether each sentence holds the kind of answer asked for (what the
    question gives itself set aside), or ``None`` when it asks for no checkable kind."""
    if question.kind not in CHECKED_KINDS or not index.size:
        return None
    return index.shapes.holding(question.kind, question.text)


def shape_cue(fused: np.ndarray, shaped: np.ndarray, fusion: Fusion) -> np.ndarray:
    """Sentences that hold the kind asked for rise by ``fusion.cue`` (those with a score)."""
    return fused + fusion.cue * shaped * (fused > 0)


def count_cue(
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
    noun = question.counted
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


def check_counts(
    index: ArticleIndex,
    question: Question,
    candidates: list[Candidate],
    embedder: Encoder,
    fusion: Fusion,
) -> list[Candidate]:
    """Candidates whose numbers count something else than the question's no longer hold a
    count: "Combien de maternités ont fermé ?" is not answered by "à 100 kilomètres de là".

    What a number counts is read in the few words after it (``index.language.counts.count_phrases``,
    embedded with the article); they must name what is counted (same terms) or mean it (the
    cosine of the question's noun with the phrase, ``fusion.count_floor``: "habitants" and
    "332 millions d'Européens"). Numbers the question gives itself do not count.
    """
    noun = question.counted
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


def near_previous(
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


def _best_coverage(index: ArticleIndex, own: Counter[str]) -> float:
    if not own or not index.size:
        return 0.0
    scores = index.scores(own)
    best = int(scores.argmax())
    return index.coverage(own, best) if scores[best] > 0 else 0.0


def _unit(vector: np.ndarray) -> np.ndarray:
    norm = float(np.linalg.norm(vector))
    return vector / norm if norm else vector
