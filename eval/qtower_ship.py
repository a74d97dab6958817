"""``python -m eval.qtower_ship FOLDER``: the question tower as the bot ships it, and the
vectors the evaluation reads its trained-on questions with.

From what ``eval.qtower_train`` wrote in ``FOLDER``:

- ``trained-all.npz`` → ``bot/data/ranking.npz``: the fine-tuned layers as 8-bit blocks
  (``index.search.xenc.shipped``), what ``Embedder.question`` runs;
- ``trained-0.npz`` and ``trained-1.npz`` (each trained without one half of the written
  articles and PIAF titles) → ``eval/data/ranking_held_out.npz``: the tower's vector of every
  question of that half (answerable and near-topic), read by the run-time graph with the
  half's weights. The evaluation reads those questions with them (``eval.vectors``), so no
  figure it prints comes from a question the tower was trained on.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

from eval import piaf, realistic
from eval.folds import fold_of
from eval.qtower_data import HALVES, TRAINED_ON
from eval.vectors import HELD_OUT, key
from index.search.xenc import shipped
from index.vectors.embedding import model_file
from index.vectors.onnx_e5 import OnnxE5

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "bot" / "data" / "ranking.npz"


def weights(trained: Path) -> dict[str, np.ndarray]:
    """The shipped arrays of a trainer's output (its unused head left out)."""
    return {k: v for k, v in shipped(dict(np.load(trained))).items() if not k.startswith("head.")}


def questions_by_half() -> dict[int, list[str]]:
    """Every question of the files the tower is trained on, by the half of its article."""
    halves: dict[int, list[str]] = {h: [] for h in range(HALVES)}
    for name in TRAINED_ON:
        for case in realistic.load(name):
            halves[fold_of(case.name, HALVES)].extend(q["q"] for q in case.questions)
    for title in piaf.load():
        halves[fold_of(title.article.title, HALVES)].extend(q.text for q in title.questions)
    return halves


def main(argv: list[str] | None = None) -> int:
    """Write both files; print their sizes."""
    arguments = sys.argv[1:] if argv is None else argv
    if len(arguments) != 1:
        print("usage: python -m eval.qtower_ship FOLDER", file=sys.stderr)
        return 2
    folder = Path(arguments[0])
    np.savez_compressed(OUT, **weights(folder / "trained-all.npz"))
    texts: list[str] = []
    vectors: list[np.ndarray] = []
    for half, asked in questions_by_half().items():
        tower = OnnxE5(model_file(), 1, ranking=weights(folder / f"trained-{half}.npz"))
        for text in dict.fromkeys(key(t) for t in asked):
            both = tower.question(text)
            if both is not None:
                texts.append(text)
                vectors.append(both[1])
    np.savez_compressed(
        HELD_OUT, texts=np.array(texts), vectors=np.stack(vectors).astype(np.float16)
    )
    for path in (OUT, HELD_OUT):
        print(f"wrote {path.relative_to(ROOT)} ({path.stat().st_size / 1e6:.1f} MB)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
