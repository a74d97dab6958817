"""Settings for nested cross-validation, and what a setting is chosen for."""

from __future__ import annotations

from collections import Counter

from eval.tune import objective, setting
from index.search.article_index import Weights
from index.search.retrieval import Fusion


def test_a_setting_changes_only_the_fields_it_names() -> None:
    fusion, weights = setting("semantic_context=0.1,k1=0.9,quote_chars=500")
    assert fusion == Fusion(semantic_context=0.1, quote_chars=500)
    assert weights == Weights(k1=0.9)
    assert setting("") == (Fusion(), Weights())


def test_the_objective_counts_first_passages_and_near_topic_abstentions() -> None:
    real = Counter(first=8, answerable=10, abstain_hit=2, abstain=4)
    titled = Counter(first=3, total=4)
    base = objective(real, titled)
    assert objective(real + Counter(first=1), titled) > base
    assert objective(real + Counter(abstain_hit=1), titled) > base
    assert objective(real + Counter(first=1), titled) - base > (
        objective(real + Counter(abstain_hit=1), titled) - base
    )
