"""The background IDF is what ``python -m eval.build_background`` builds, without the
evaluation and reserved articles."""

from __future__ import annotations

import json

from eval import build_background, realistic
from index.search import background_fr


def test_the_stored_table_is_what_the_script_builds() -> None:
    assert build_background.TARGET.read_text(encoding="utf-8") == build_background.build()


def test_evaluation_and_reserved_articles_are_left_out() -> None:
    reserved = {
        line.strip()
        for line in realistic.RESERVED.read_text(encoding="utf-8").splitlines()
        if line.strip() and not line.startswith("#")
    }
    evaluated = {
        entry["file"].rsplit("/", 1)[-1]
        for file in build_background.EVALUATED
        for entry in json.loads((build_background.DATA / file).read_text("utf-8"))["articles"]
    }
    assert "44374.html" in reserved and "45674.html" in evaluated
    assert "44536.html" in evaluated  # a reader_pairs.json article: measured on held-back folds
    used = {p.name for p in build_background.sources()}
    assert used and not used & (reserved | evaluated)
    assert len(used) == background_fr.ARTICLES
