"""A responder that remembers what retrieval found, for runs that only change the decision.

Cross-validation asks every development question several times with different decisions
(one per fold, one per candidate floor); retrieval does not depend on the decision, so each
question (with its conversation) is retrieved once.
"""

from __future__ import annotations

from collections.abc import Sequence

from bot.app.responder import Responder
from bot.values import StoredArticle, Turn
from index.search.retrieval import Retrieval


class MemoResponder(Responder):
    """``Responder`` whose ``retrieval`` is computed once per question and conversation;
    its ``tuning`` may be swapped between runs."""

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self._found: dict[tuple, Retrieval] = {}

    def retrieval(
        self, question: str, stored: StoredArticle, history: Sequence[Turn] = ()
    ) -> Retrieval:
        """As ``Responder.retrieval``, remembered."""
        # What ``Responder.retrieval`` reads of the history, and nothing more.
        earlier = tuple(
            (t.question, tuple((p.sentence, p.sentences) for p in t.passages[:1]))
            for t in history
            if t.article_id == stored.id and t.version == stored.version and not t.abstained
        )
        key = (question, stored.id, stored.version, earlier)
        found = self._found.get(key)
        if found is None:
            found = self._found[key] = super().retrieval(question, stored, history)
        return found
