"""Each stage of retrieval on its own: lexical, conversation, semantic and fusion, answer shape,
counts."""

from __future__ import annotations

import numpy as np
import pytest

from index.language.question import Earlier, Question, read_question
from index.search.article_index import ArticleIndex
from index.search.retrieval import Candidate, Fusion, retrieve
from index.search.stages import (
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
from index.vectors.embedding import article_counts
from tests.conftest import parse

TEXT = (
    "Nouvelles du front\n\n"
    "L’Ukraine reçoit des missiles. Les livraisons ont commencé en mars.\n\n"
    "Qu’en pensent les experts ?\n\n"
    "La Russie a perdu 120 chars près de Kharkiv. Le port de Marseille est calme.\n"
)



def why_after_the_deliveries() -> Question:
    """« Et pourquoi ? » after a question answered by sentence 1 (« Les livraisons ont
    commencé en mars. »)."""
    previous = [Earlier("Quand les livraisons de missiles ont-elles commencé ?", cores=(1,))]
    return read_question("Et pourquoi ?", previous)


@pytest.fixture(scope="module")
def index() -> ArticleIndex:
    article = parse(TEXT)
    assert len(article.sentences) == 5
    return ArticleIndex(article)


class Counting:
    """A stand-in for the model on count phrases: texts about tanks on one axis, anything else
    on the other (the real model is tested in test_retrieval)."""

    def query(self, text: str) -> np.ndarray:
        return np.array([1.0, 0.0]) if "char" in text or "blind" in text else np.array([0.0, 1.0])

    def queries(self, texts: list[str]) -> np.ndarray:
        return np.array([self.query(t) for t in texts])


def test_lexical_stage_adds_the_country_of_a_demonym(index: ArticleIndex) -> None:
    own, related = lexical_query(index, read_question("Que disent les Ukrainiens ?"), Fusion())
    assert own == {"dir": 1, "ukrainien": 1}
    assert related == {"ukrain": Fusion().related}


def test_conversation_stage_weighs_the_previous_question_for_a_follow_up(
    index: ArticleIndex,
) -> None:
    previous = [Earlier("Quand les livraisons de missiles ont-elles commencé ?")]
    follow_up = read_question("Et pourquoi ?", previous)
    own, _ = lexical_query(index, follow_up, Fusion())
    context = conversation_terms(index, follow_up, own, Fusion(history=0.25))
    assert context and max(context.values()) == pytest.approx(0.25)
    alone = read_question("Quand les chars ont-ils été perdus ?", previous)
    assert not conversation_terms(index, alone, own, Fusion())


def test_without_vectors_the_semantic_stage_is_skipped_and_fusion_is_bm25(
    index: ArticleIndex,
) -> None:
    question = read_question("Combien de chars ?")
    assert semantic_scores(index, question, Counting(), Fusion()) is None
    lexical = np.array([0.0, 2.0, 0.0, 4.0, 1.0])
    assert list(fuse(index, lexical, None, Fusion())) == [0.0, 0.5, 0.0, 1.0, 0.25]


def test_fusion_gives_every_sentence_a_share_of_meaning(index: ArticleIndex) -> None:
    lexical = np.zeros(5)
    cosine = np.array([0.9, 0.8, 0.7, 0.85, 0.8])
    fused = fuse(index, lexical, cosine, Fusion(semantic_context=0))
    assert fused.argmax() == 0 and (fused > 0).all()


def test_fusion_weighs_the_cosine_by_the_share_it_is_given(index: ArticleIndex) -> None:
    # BM25 prefers sentence 3, the cosine sentence 0: the larger the cosine's share, the
    # more it leads (the tower's ranking gets ``Fusion.tower_semantic``, e5's ``semantic``)
    lexical = np.array([1.0, 0.0, 0.0, 4.0, 0.0])
    cosine = np.array([0.9, 0.5, 0.5, 0.6, 0.5])
    fusion = Fusion(semantic_context=0, semantic=0.4)
    assert fuse(index, lexical, cosine, fusion).argmax() == 3  # its own share: 0.4
    assert fuse(index, lexical, cosine, fusion, share=0.8).argmax() == 0


def test_a_paragraph_that_only_asks_a_question_answers_nothing(index: ArticleIndex) -> None:
    fused = article_weights(index, np.ones(5), Fusion())
    assert list(fused) == [1, 1, 0, 1, 1]


def test_answer_shape_stage_finds_counts_and_dates_the_question_does_not_give(
    index: ArticleIndex,
) -> None:
    assert list(answer_shape(index, read_question("Combien de chars ?"))) == [
        False, False, False, True, False,
    ]
    assert list(answer_shape(index, read_question("Quand ont-elles commencé ?"))) == [
        False, True, False, False, False,
    ]
    assert not answer_shape(index, read_question("Quand, en mars ?")).any()
    assert answer_shape(index, read_question("Pourquoi ?")) is None


def test_the_cue_lifts_only_sentences_with_a_score() -> None:
    fused = shape_cue(np.array([0.5, 0.0, 0.2]), np.array([True, True, False]), Fusion(cue=0.1))
    assert list(fused) == pytest.approx([0.6, 0.0, 0.2])


def test_count_stages_keep_numbers_that_count_what_is_asked(index: ArticleIndex) -> None:
    counting = Counting()
    phrases = [counting.query(phrase) for _, phrase in article_counts(index.article)]
    vectors = np.vstack([np.ones((5, 2)), *phrases]).astype(np.float32)
    with_counts = ArticleIndex(index.article, vectors=vectors)
    tanks = read_question("Combien de chars ont été perdus ?")
    ships = read_question("Combien de navires ont été perdus ?")
    armour = read_question("Combien de blindés ont été perdus ?")  # no term in common
    shaped = answer_shape(with_counts, tanks)
    fused = np.array([0.1, 0.1, 0.0, 0.9, 0.1])
    assert count_cue(with_counts, tanks, shaped, fused, counting, Fusion())[3]
    assert not count_cue(with_counts, ships, shaped, fused, counting, Fusion())[3]
    assert count_cue(with_counts, armour, shaped, fused, counting, Fusion())[3]
    candidate = Candidate((3,), 3, 1.0, 0.9, 2.0, 1.0, 1.0, 1.0, True)
    assert check_counts(with_counts, tanks, [candidate], counting, Fusion())[0].holds
    assert not check_counts(with_counts, ships, [candidate], counting, Fusion())[0].holds


def test_conversation_stage_lifts_the_sentences_around_the_previous_answer(
    index: ArticleIndex,
) -> None:
    follow_up = read_question("Et ça ?", [Earlier("Que reçoit l'Ukraine ?", (0,), ((0,),))])
    fused = near_previous(index, follow_up, np.zeros(5), Fusion(adjacent=0.3))
    assert list(fused) == pytest.approx([0.0, 0.3, 0.0, 0.0, 0.0])


class Prefetching(Counting):
    """A stand-in that records what retrieval lets it read ahead, and what it reads."""

    def __init__(self) -> None:
        self.ahead: list[list[str]] = []
        self.read: list[str] = []

    def prefetch(self, texts: list[str]) -> None:
        self.ahead.append(list(texts))

    def query(self, text: str) -> np.ndarray:
        self.read.append(text)
        return super().query(text)


@pytest.fixture
def with_vectors() -> ArticleIndex:
    article = parse(TEXT)
    return ArticleIndex(article, vectors=np.tile([1.0, 0.0], (len(article.sentences), 1)))


def test_a_follow_up_lets_the_model_read_its_conversation_ahead_last_needed_first(
    with_vectors: ArticleIndex,
) -> None:
    follow_up = why_after_the_deliveries()
    model = Prefetching()
    prefetch(with_vectors, follow_up, model, Fusion())
    semantic_scores(with_vectors, follow_up, model, Fusion())
    conversation = f"{follow_up.opening} {follow_up.text}"
    answered = f"Les livraisons ont commencé en mars. {follow_up.text}"
    assert model.ahead == [[answered, conversation]]
    # ... which are exactly the texts the semantic stage then reads, after the question
    assert model.read == [follow_up.text, conversation, answered]


def test_a_count_question_lets_the_model_read_its_noun_ahead(with_vectors: ArticleIndex) -> None:
    model = Prefetching()
    prefetch(with_vectors, read_question("Combien de chars ont été perdus ?"), model, Fusion())
    assert model.ahead == [["chars"]]


def test_a_plain_question_reads_nothing_ahead(
    with_vectors: ArticleIndex, index: ArticleIndex
) -> None:
    model = Prefetching()
    prefetch(with_vectors, read_question("Qui livre des missiles ?"), model, Fusion())
    prefetch(index, why_after_the_deliveries(), model, Fusion())  # no vectors
    prefetch(with_vectors, read_question("Combien de chars ?"), Counting(), Fusion())  # no way
    assert model.ahead == []


class Tower:
    """A stand-in for the model with a question tower: e5's vector of any question is the
    first axis, the tower's the second (``Embedder.question``)."""

    def __init__(self) -> None:
        self.read: list[str] = []

    def query(self, text: str) -> np.ndarray:
        self.read.append(text)
        return np.array([1.0, 0.0])

    def question(self, text: str) -> tuple[np.ndarray, np.ndarray]:
        self.read.append(f"tower: {text}")
        return np.array([1.0, 0.0]), np.array([0.0, 1.0])


@pytest.fixture
def two_axes() -> ArticleIndex:
    # Sentence 1 lies on e5's axis, sentence 3 on the tower's, the others between.
    article = parse(TEXT)
    vectors = np.array([[0.6, 0.6], [1.0, 0.0], [0.5, 0.5], [0.0, 1.0], [0.4, 0.4]])
    return ArticleIndex(article, vectors=vectors)


def test_the_semantic_stage_ranks_by_the_tower_and_keeps_e5_s_cosine_for_the_decision(
    two_axes: ArticleIndex,
) -> None:
    model = Tower()
    question = read_question("Qui livre des missiles ?")
    semantic, ranking = semantic_scores(two_axes, question, model, Fusion())
    assert list(semantic) == pytest.approx([0.6, 1.0, 0.5, 0.0, 0.4], abs=1e-3)  # e5's
    assert list(ranking) == pytest.approx([0.6, 0.0, 0.5, 1.0, 0.4], abs=1e-3)  # the tower's
    assert model.read == ["tower: Qui livre des missiles ?"]  # one pass for both


def test_retrieval_orders_by_the_tower_and_its_candidates_carry_e5_s_cosine(
    two_axes: ArticleIndex,
) -> None:
    found = retrieve(two_axes, read_question("Quel est le calme ?"), Tower())
    assert found.best.sentence == 3  # the tower's axis, though "calme" is in sentence 4
    assert found.best.semantic == 0.0  # e5's cosine of that sentence, for the decision
    assert found.semantic_mean == pytest.approx(0.5, abs=1e-3)
    assert found.ranked_best == pytest.approx(1.0, abs=1e-3)  # the tower's best, for its floor


def test_the_tower_s_best_cosine_is_given_only_when_the_tower_ranked(
    two_axes: ArticleIndex,
) -> None:
    assert retrieve(two_axes, why_after_the_deliveries(), Tower()).ranked_best is None
    assert retrieve(two_axes, read_question("Quel est le calme ?"), Counting()).ranked_best is None
    assert retrieve(two_axes, read_question("Quel est le calme ?")).ranked_best is None


def test_a_follow_up_is_ranked_by_e5_reading_it_in_its_conversation(
    two_axes: ArticleIndex,
) -> None:
    follow_up = why_after_the_deliveries()
    model = Tower()
    semantic, ranking = semantic_scores(two_axes, follow_up, model, Fusion())
    assert list(semantic) == list(ranking)
    assert not any(text.startswith("tower: ") for text in model.read)


def test_without_a_tower_the_model_s_vector_ranks(two_axes: ArticleIndex) -> None:
    semantic, ranking = semantic_scores(
        two_axes, read_question("Qui livre des missiles ?"), Counting(), Fusion()
    )
    assert list(semantic) == list(ranking)
