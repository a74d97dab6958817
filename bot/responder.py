"""Turn a question and a channel's history into an ``Answer``; an article into a ``Summary``."""

from __future__ import annotations

import re
from collections import Counter, OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass, replace

import numpy as np

from bot.answer import Answer, Passage, Summary, Turn
from index.analysis import answer_pattern, question_terms, related_terms
from index.model import Article
from index.retrieval import ArticleIndex, Weights
from index.summarize import context_sentences, summary_sentences

_FOLLOWUP_OPENERS = re.compile(
    r"^\s*(?:et|mais|alors|donc|puis|ensuite|and|but|so|what about|how about)\b", re.IGNORECASE
)
_STANDALONE_PRONOUN = re.compile(
    r"(?:^|\s)(?:il|elle|ils|elles|cela|ça|ceci|celui-ci|celle-ci|ceux-ci|ce dernier"
    r"|cette dernière|eux|lui|it|they|them|this|that|these|those|he|she|him|her)(?=[\s?!.,]|$)",
    re.IGNORECASE,
)
_INVERTED_PRONOUN = re.compile(r"\w-(?:t-)?(?:il|elle|ils|elles|ce|on)\b", re.IGNORECASE)
SUMMARY_LENGTHS = {"short": 3, "medium": 5, "long": 7}
MAX_QUOTE = 900
MAX_BULLET = 320


@dataclass(frozen=True)
class Tuning:
    """The responder's decision thresholds, chosen on development data (see eval/README.md)."""

    min_coverage: float = 0.22
    second_passage: float = 0.0
    extra_passages: float = 0.0
    next_sentence: bool = True
    history_weight: float = 0.5
    section_bonus: float = 0.25
    followup_max_terms: int = 2
    related_weight: float = 0.5
    cue_weight: float = 0.4


@dataclass(frozen=True)
class StoredArticle:
    """An article as the library serves it: its id, current version and content."""

    id: int
    version: int
    article: Article


class Responder:
    """Answers questions on one article at a time, keeping a few built indexes warm."""

    def __init__(
        self, tuning: Tuning = Tuning(), weights: Weights = Weights(), cache_size: int = 32
    ) -> None:
        self.tuning = tuning
        self.weights = weights
        self._cache: OrderedDict[tuple[int, int], ArticleIndex] = OrderedDict()
        self._cache_size = cache_size

    def index(self, stored: StoredArticle) -> ArticleIndex:
        """The search index of a stored article's version, built once."""
        key = (stored.id, stored.version)
        if key in self._cache:
            self._cache.move_to_end(key)
            return self._cache[key]
        built = ArticleIndex(stored.article, self.weights)
        self._cache[key] = built
        while len(self._cache) > self._cache_size:
            self._cache.popitem(last=False)
        return built

    def answer(
        self,
        question: str,
        stored: StoredArticle,
        history: Sequence[Turn] = (),
        language: str | None = None,
    ) -> Answer:
        """Quote the passages that answer ``question``, or abstain when the article does not."""
        index = self.index(stored)
        article = stored.article
        lang = article.language
        own = Counter(question_terms(question, lang))
        related = Counter()
        for term in own:
            related.update({r: self.tuning.related_weight for r in related_terms(term, lang)})
        previous = [t for t in history if t.article_id == stored.id and not t.abstained]
        leaning = self._leaning(question, own, lang) if previous else None
        followup = leaning is not None
        context: Counter[str] = Counter()
        if followup:
            # A question that only continues the previous ones weighs their terms less the
            # more of its own topic it names ("Et que dit Antony Blinken ?").
            lean = self.tuning.history_weight
            if leaning == "continues":
                lean *= 1 - self._own_coverage(index, own)
            for turn, weight in zip(reversed(previous), (1.0, 0.5), strict=False):
                for term in question_terms(turn.question, lang):
                    context[term] += lean * weight
        query = own + context + related
        base = Answer(
            question=question,
            language=language or lang,
            article_id=stored.id,
            article_title=article.title,
            version=stored.version,
            followup=followup,
        )
        scores = index.scores(query)
        if own and self.tuning.cue_weight:
            scores = self._cued(question, lang, scores, index)
        if followup:
            scores = self._near_previous(scores, previous[-1], index)
        order = sorted(range(index.size), key=lambda i: (-scores[i], i))
        top = [i for i in order[:3] if scores[i] > 0]
        if not top or not self._grounded(index, own, context, top):
            return self._abstain(base, index, order, scores)
        passages = self._passages(stored, index, order, scores, index.sentence_scores(query))
        quoted = {i for p in passages for i in p.sentences}
        bullets = context_sentences(index, quoted, list(scores))
        return replace(
            base,
            passages=tuple(passages),
            bullets=tuple(_trim(article.sentences[i].text, MAX_BULLET) for i in bullets),
        )

    def _own_coverage(self, index: ArticleIndex, own: Counter[str]) -> float:
        if not own:
            return 0.0
        scores = index.scores(own)
        best = int(scores.argmax()) if len(scores) else 0
        return index.coverage(own, best) if len(scores) and scores[best] > 0 else 0.0

    def _grounded(
        self, index: ArticleIndex, own: Counter[str], context: Counter[str], top: list[int]
    ) -> bool:
        """Whether the article answers: one of the passages to quote covers enough of it.

        A follow-up may lean on the previous question instead, unless it brings more than one
        term the article has never seen ("Et la capitale de l'Australie ?").
        """
        floor = self.tuning.min_coverage
        if own and max(index.coverage(own, i) for i in top) >= floor:
            return True
        if not context:
            return False
        known = Counter({t: w for t, w in own.items() if index.knows(t)})
        unknown = len(own) - len(known)
        return unknown <= 1 and max(index.coverage(known + context, i) for i in top) >= floor

    def summary(
        self,
        stored: StoredArticle,
        section: str | None = None,
        length: str | int = "medium",
        language: str | None = None,
    ) -> Summary:
        """3 to 7 bullets over the article (or one section), in article order."""
        index = self.index(stored)
        article = stored.article
        count = SUMMARY_LENGTHS.get(length, 5) if isinstance(length, str) else length
        count = max(3, min(7, count))
        wanted = None
        if section is not None:
            wanted = article.find_section(section)
            if wanted is None:
                raise LookupError(section)
        chosen = summary_sentences(index, count=count, section=wanted)
        return Summary(
            language=language or article.language,
            article_id=stored.id,
            article_title=article.title,
            version=stored.version,
            bullets=tuple(_trim(article.sentences[i].text, MAX_BULLET) for i in chosen),
            section=article.sections[wanted].heading if wanted is not None else None,
        )

    def _leaning(self, question: str, own: Counter[str], language: str) -> str | None:
        """How a question leans on the previous ones: ``"refers"``, ``"continues"`` or ``None``.

        It refers to them with a pronoun or by naming nothing ("Qu'a-t-il dit ?", "Pourquoi ?"),
        only continues them with an opener ("Et les États-Unis ?"), or stands alone.
        """
        if len(own) == 0:
            return "refers"
        if len(own) > self.tuning.followup_max_terms:
            return None  # a question that names enough of its own topic stands alone
        if _STANDALONE_PRONOUN.search(question):
            return "refers"
        # An inverted pronoun ("Qu'a-t-il dit ?") points back unless a noun comes before it
        # ("Le traité oblige-t-il ...?" is about the treaty).
        if any(
            not question_terms(question[: m.start()], language)
            for m in _INVERTED_PRONOUN.finditer(question)
        ):
            return "refers"
        return "continues" if _FOLLOWUP_OPENERS.match(question) else None

    def _cued(
        self, question: str, language: str, scores: np.ndarray, index: ArticleIndex
    ) -> np.ndarray:
        # "Quand ...?" wants a date, "Combien ...?" a number: among sentences that already
        # match, those holding that kind of answer move up.
        pattern = answer_pattern(question, language)
        if pattern is None or not len(scores):
            return scores
        bonus = self.tuning.cue_weight * float(scores.max())
        cued = scores.copy()
        for i, sentence in enumerate(index.article.sentences):
            if cued[i] > 0 and pattern.search(sentence.text):
                cued[i] += bonus
        return cued

    def _near_previous(self, scores: np.ndarray, turn: Turn, index: ArticleIndex) -> np.ndarray:
        sections = {p.section for p in turn.passages}
        article = index.article
        bonus = self.tuning.section_bonus * (float(scores.max()) if len(scores) else 0.0)
        near = [
            i for i, s in enumerate(article.sentences) if article.heading(s.section) in sections
        ]
        boosted = scores.copy()
        for i in near:
            if boosted[i] > 0:
                boosted[i] += bonus
        return boosted

    def _passages(
        self,
        stored: StoredArticle,
        index: ArticleIndex,
        order: list[int],
        scores: np.ndarray,
        own_scores: np.ndarray,
    ) -> list[Passage]:
        article = stored.article
        top = scores[order[0]]
        passages: list[Passage] = []
        used: set[int] = set()
        for rank, i in enumerate(order):
            if len(passages) >= 3 or scores[i] <= 0:
                break
            if i in used:
                continue
            floor = self.tuning.second_passage if rank == 1 else self.tuning.extra_passages
            if passages and scores[i] < floor * top:
                break
            span = self._span(article, i, own_scores, used)
            used.update(span)
            first, last = article.sentences[span[0]], article.sentences[span[-1]]
            text = article.text[first.start : last.end]
            passages.append(
                Passage(
                    text=_trim(text, MAX_QUOTE, ellipsis=False),
                    section=article.heading(first.section),
                    article_id=stored.id,
                    score=float(scores[i]),
                    sentences=tuple(span),
                )
            )
        return passages

    def _span(self, article: Article, i: int, own_scores: np.ndarray, used: set[int]) -> list[int]:
        # A quote is the sentence and, from the same paragraph, the neighbour that shares more
        # of the question's terms; failing that the next sentence, which in news writing
        # most often carries the answer's detail ("... le gallion. Il est en or.").
        sentence = article.sentences[i]
        best, best_score = None, 0.0
        for j in (i + 1, i - 1):
            if 0 <= j < len(article.sentences) and j not in used:
                other = article.sentences[j]
                if other.paragraph == sentence.paragraph and own_scores[j] > best_score:
                    best, best_score = j, own_scores[j]
        if best is None and self.tuning.next_sentence and i + 1 < len(article.sentences):
            nxt = article.sentences[i + 1]
            if nxt.paragraph == sentence.paragraph and i + 1 not in used:
                best = i + 1
        if best is None or len(article.sentences[best].text) + len(sentence.text) > MAX_QUOTE:
            return [i]
        return sorted((i, best))

    def _abstain(
        self, base: Answer, index: ArticleIndex, order: list[int], scores: np.ndarray
    ) -> Answer:
        article = index.article
        closest: list[str] = []
        for i in order:
            heading = article.heading(article.sentences[i].section)
            if scores[i] > 0 and heading and heading not in closest:
                closest.append(heading)
            if len(closest) == 2:
                break
        if not closest:
            closest = [s.heading for s in article.sections if s.heading][:2]
        return replace(base, abstained=True, closest_sections=tuple(closest))


def _trim(text: str, limit: int, ellipsis: bool = True) -> str:
    if len(text) <= limit:
        return text
    cut = text[:limit].rsplit(" ", 1)[0].rstrip(" ,;:")
    return cut + "…" if ellipsis else cut
