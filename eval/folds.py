"""Grouped k-fold cross-validation over articles: which fold an article is held back in.

An article's fold is drawn from a hash of its name (a Wikinews file name, the bundled
article's file name, a PIAF title), so every question on an article, in whatever file, is held
back together, and a new article does not move the others.
"""

from __future__ import annotations

import hashlib

K = 5


def fold_of(name: str, k: int = K) -> int:
    """The fold (0 to ``k`` - 1) an article is held back in."""
    return int.from_bytes(hashlib.sha256(name.encode("utf-8")).digest()[:8], "big") % k
