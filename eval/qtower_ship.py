"""``python -m eval.qtower_ship FOLDER``: the question tower as the bot ships it, and the
vectors the evaluation reads its trained-on questions with.

From what ``eval.qtower_train`` wrote in ``FOLDER``:

- ``trained-all.npz`` → ``bot/data/ranking.npz``: the fine-tuned layers as 8-bit blocks
  (``index.search.xenc.shipped``), what ``Embedder.question`` runs;
- ``trained-0.npz`` and ``trained-1.npz`` (each trained without one half of the articles and
  PIAF titles) → ``eval/data/ranking_held_out.npz``: the tower's vector of every
  question of that half (answerable and near-topic), read by the run-time graph with the
  half's weights. The evaluation reads those questions with them (``eval.vectors``), so no
  figure it prints comes from a question the tower was trained on.

``--to OTHER`` writes both files into another folder instead (a trial; ``trained-all.npz`` may
be missing then), leaving the shipped ones as they are. The files trained on are the ones
``eval.qtower_data`` wrote in ``FOLDER/files.json``.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np

from eval import piaf, realistic
from eval.folds import fold_of
from eval.qtower_data import HALVES, TRAINED_ON
from eval.seed import ARTICLE
from eval.vectors import HELD_OUT, key
from index.search.xenc import shipped
from index.vectors.embedding import model_file
from index.vectors.onnx_e5 import OnnxE5

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "bot" / "data" / "ranking.npz"


def weights(trained: Path) -> dict[str, np.ndarray]:
    """The shipped arrays of a trainer's output (its unused head left out)."""
    return {k: v for k, v in shipped(dict(np.load(trained))).items() if not k.startswith("head.")}


def questions_by_half(files: tuple[str, ...] = TRAINED_ON) -> dict[int, list[str]]:
    """Every question of the files the tower is trained on, by the half of its article (the
    bundled article's aside: it is never trained on)."""
    halves: dict[int, list[str]] = {h: [] for h in range(HALVES)}
    for name in files:
        for case in realistic.load(name):
            if case.name == ARTICLE.name:
                continue
            halves[fold_of(case.name, HALVES)].extend(q["q"] for q in case.questions)
    for title in piaf.load():
        halves[fold_of(title.article.title, HALVES)].extend(q.text for q in title.questions)
    return halves


def main(argv: list[str] | None = None) -> int:
    """Write both files; print their sizes."""
    arguments = sys.argv[1:] if argv is None else argv
    if len(arguments) not in (1, 3) or (len(arguments) == 3 and arguments[1] != "--to"):
        print("usage: python -m eval.qtower_ship FOLDER [--to OTHER_FOLDER]", file=sys.stderr)
        return 2
    folder = Path(arguments[0])
    # a trial's files go to another folder (``--to``): the shipped ones stay as they are
    shipped_to, held_out = OUT, HELD_OUT
    if len(arguments) == 3:
        shipped_to = Path(arguments[2]) / OUT.name
        held_out = Path(arguments[2]) / HELD_OUT.name
    files = tuple(json.loads((folder / "files.json").read_text(encoding="utf-8")))
    if (folder / "trained-all.npz").exists():
        np.savez_compressed(shipped_to, **weights(folder / "trained-all.npz"))
    texts: list[str] = []
    vectors: list[np.ndarray] = []
    for half, asked in questions_by_half(files).items():
        tower = OnnxE5(model_file(), 1, ranking=weights(folder / f"trained-{half}.npz"))
        for text in dict.fromkeys(key(t) for t in asked):
            both = tower.question(text)
            if both is not None:
                texts.append(text)
                vectors.append(both[1])
    np.savez_compressed(
        held_out, texts=np.array(texts), vectors=np.stack(vectors).astype(np.float16)
    )
    for path in (shipped_to, held_out):
        if path.exists():
            print(f"wrote {path} ({path.stat().st_size / 1e6:.1f} MB)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
