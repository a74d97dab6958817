"""The answerability cross-encoder: its graph, its 8-bit layers, its veto."""

from __future__ import annotations

import numpy as np
import pytest

from bot.app.responder import Responder
from bot.values import StoredArticle, Turn
from index.search.xenc import Choice, CrossEncoder, CrossReader, passage_text, quantise8, shipped
from index.vectors.embedding import Embedder, model_file
from index.vectors.onnx_e5 import dequantise, read_model
from tests.conftest import training_libraries_loaded

SIZES = {"H": 384, "F": 1536}
LINEARS = {"q": "HH", "k": "HH", "v": "HH", "ao": "HH", "fi": "FH", "fo": "HF"}


def _untrained(head: np.ndarray, start: int = 10) -> dict[str, np.ndarray]:
    """e5's own top layers, as the trainer writes them before any step, and a given head."""
    model = read_model(model_file())
    out: dict[str, np.ndarray] = {"trained_from": np.array(start)}
    for layer in range(start, 12):
        for part, (rows, columns) in LINEARS.items():
            name = f"l{layer}.{part}"
            r, c = SIZES[rows], SIZES[columns]
            out[f"{name}.w"] = dequantise(model.blocks(f"{name}.w", r, c)).reshape(r, c)
            out[f"{name}.b"] = model.floats(f"{name}.b")
        for part in ("aln", "oln"):
            for end in ("w", "b"):
                out[f"l{layer}.{part}.{end}"] = model.floats(f"l{layer}.{part}.{end}")
    out["head.w"] = head.astype(np.float32)
    out["head.b"] = np.zeros(1, dtype=np.float32)
    return out


def test_eight_bit_blocks_keep_a_matrix_to_a_fraction_of_a_percent() -> None:
    matrix = np.random.default_rng(1).normal(size=(8, 64)).astype(np.float32)
    packed, scales = quantise8(matrix)
    back = (packed.astype(np.float32) - 128) * scales.reshape(8, 2, 1)
    assert packed.shape == (8, 2, 32) and scales.shape == (16,)
    assert np.abs(back.reshape(8, 64) - matrix).max() < 0.01 * np.abs(matrix).max()


def test_the_graph_is_e5_when_its_top_layers_are_e5_s_own(embedder: Embedder) -> None:
    """Untrained top layers shipped as 8-bit blocks: the head's logit is the projection of
    what e5 pools, as the question reader computes it."""
    head = np.random.default_rng(0).normal(size=384)
    encoder = CrossEncoder(model_file(), shipped(_untrained(head)))
    fast = embedder._fast
    assert fast is not None
    ids = encoder.ids("Qui a ratifié le traité ?", "Le traité a été ratifié par la France.")
    words = np.stack([dequantise(fast.model.blocks("emb.word", 1, 384, i)) for i in ids])
    inputs = (words + fast.positions[: len(ids)] + fast.token_type).astype(np.float32)
    pooled = fast.session.run(["pooled"], {"embeddings": inputs})[0]
    logit = encoder.session.run(["logit"], {"embeddings": inputs})[0].item()
    assert logit == pytest.approx(float(pooled @ head), abs=0.05 * abs(float(pooled @ head)))
    assert 0.0 < encoder.probability("Qui a ratifié le traité ?", "Le traité.") < 1.0


class _Fixed:
    """A pair reader that gives every pair the same probability (the veto's arithmetic)."""

    def __init__(self, value: float) -> None:
        self.value = value
        self.read: list[tuple[str, str]] = []

    def probability(self, question: str, passage: str) -> float:
        self.read.append((question, passage))
        return self.value


def test_the_reader_vetoes_when_no_candidate_reaches_its_floor(
    embedder: Embedder, semantic_stored: StoredArticle
) -> None:
    question = "Qui a ratifié le traité ?"
    plain = Responder(embedder=embedder)
    assert not plain.answer(question, semantic_stored).abstained
    low = _Fixed(0.2)
    vetoing = Responder(embedder=embedder, reader=CrossReader(low, Choice(2, 0.5)))
    assert vetoing.answer(question, semantic_stored).abstained
    assert len(low.read) == 2 and all(q == question for q, _ in low.read)
    trusting = Responder(embedder=embedder, reader=CrossReader(_Fixed(0.6), Choice(2, 0.5)))
    assert (
        trusting.answer(question, semantic_stored).passages
        == plain.answer(question, semantic_stored).passages
    )


def test_a_follow_up_is_never_vetoed_by_the_cross_encoder(
    embedder: Embedder, semantic_stored: StoredArticle
) -> None:
    plain = Responder(embedder=embedder)
    first = plain.answer("Qui a ratifié le traité ?", semantic_stored)
    turns = [Turn("c", "c", first.question, 2, 1, first.abstained, first.passages)]
    follow = "Et quand l'a-t-il ratifié ?"
    expected = plain.answer(follow, semantic_stored, turns)
    vetoing = Responder(embedder=embedder, reader=CrossReader(_Fixed(0.0), Choice(3, 0.5)))
    got = vetoing.answer(follow, semantic_stored, turns)
    assert got.followup and got.abstained == expected.abstained


class _Prefers:
    """A pair reader sure of one passage only (its text), unsure of the others."""

    def __init__(self, passage: str) -> None:
        self.passage = passage

    def probability(self, question: str, passage: str) -> float:
        return 0.99 if passage == self.passage else 0.3


def test_the_reader_puts_the_passage_it_is_sure_of_first(
    embedder: Embedder, semantic_stored: StoredArticle
) -> None:
    """Reordering: the second candidate, which the reader is sure of, leads the answer when
    the rank weight is small; a large rank weight keeps retrieval's order."""
    question = "Qui a ratifié le traité ?"
    plain = Responder(embedder=embedder)
    found = plain.retrieval(question, semantic_stored)
    second = passage_text(semantic_stored.article, found.candidates[1])
    before = plain.answer(question, semantic_stored).passages[0]
    reordering = CrossReader(_Prefers(second), Choice(1, 0.0, None, rerank=3, rank_weight=0.5))
    after = Responder(embedder=embedder, reader=reordering).answer(question, semantic_stored)
    assert after.passages[0].sentences == found.candidates[1].sentences != before.sentences
    keeping = CrossReader(_Prefers(second), Choice(1, 0.0, None, rerank=3, rank_weight=10.0))
    kept = Responder(embedder=embedder, reader=keeping).answer(question, semantic_stored)
    assert kept.passages[0].sentences == before.sentences


def test_the_cross_encoder_runs_without_a_training_library() -> None:
    """``index.search.xenc`` and the responder that takes it run on numpy and onnxruntime alone (the
    trainer, ``eval.xenc_train``, is the only module that imports torch)."""
    assert not training_libraries_loaded(
        "index.search.xenc", "bot.app.responder", "eval.xenc_cv", "eval.xenc_data"
    )


def test_the_reader_reads_a_whole_passage_or_its_core_sentence(
    embedder: Embedder, semantic_stored: StoredArticle
) -> None:
    article = semantic_stored.article
    found = Responder(embedder=embedder).retrieval("Qui a ratifié le traité ?", semantic_stored)
    joined = [c for c in found.candidates if len(c.sentences) > 1]
    candidate = joined[0] if joined else found.candidates[0]
    core = passage_text(article, candidate, core=True)
    assert core == article.sentences[candidate.sentence].text
    assert core in passage_text(article, candidate)
    read = _Fixed(0.9)
    CrossReader(read, Choice(1, 0.5, core=True)).best(found, article)
    assert read.read == [(found.question.text, passage_text(article, found.candidates[0], True))]
