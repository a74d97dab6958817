"""``python -m eval.xenc_ship TRAINED.npz``: the trainer's output (``eval.xenc_train``, float16
layers) as the bot ships it, ``bot/data/xenc.npz`` (8-bit blocks, ``index.search.xenc.shipped``)."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

from index.search.xenc import shipped

OUT = Path(__file__).resolve().parent.parent / "bot" / "data" / "xenc.npz"


def main(argv: list[str] | None = None) -> int:
    """Convert and write; print the size."""
    arguments = sys.argv[1:] if argv is None else argv
    if len(arguments) not in (1, 2):
        print("usage: python -m eval.xenc_ship TRAINED.npz [OUT.npz]", file=sys.stderr)
        return 2
    out = Path(arguments[1]) if len(arguments) == 2 else OUT
    np.savez_compressed(out, **shipped(dict(np.load(arguments[0]))))
    print(f"wrote {out} ({out.stat().st_size / 1e6:.1f} MB)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
