"""How informative a term is in general news text, from a background corpus's frequencies."""

from __future__ import annotations

import math
from functools import lru_cache


class Background:
    """Document frequencies of terms in a background corpus; ``idf`` of any term."""

    def __init__(self, documents: int, frequencies: dict[str, int]) -> None:
        self.documents = documents
        self.frequencies = frequencies

    def idf(self, term: str) -> float:
        """Lucene-style IDF; a term the corpus never used weighs the most."""
        freq = self.frequencies.get(term, 0)
        return math.log(1 + (self.documents - freq + 0.5) / (freq + 0.5))


@lru_cache(maxsize=4)
def background(language: str) -> Background | None:
    """The background of a language, if the project has one (French only, for now)."""
    if language != "fr":
        return None
    from index.search import background_fr

    table = dict(item.rsplit(":", 1) for item in background_fr.TABLE.split())
    return Background(background_fr.DOCUMENTS, {t: int(n) for t, n in table.items()})
