"""The bundled article's development questions and how a hit is judged."""

from __future__ import annotations

import json
from pathlib import Path

from bot.app.replies import Answer
from index import parse_article
from index.model import Article

ROOT = Path(__file__).resolve().parent.parent
ARTICLE = ROOT / "articles" / "russie-coree-du-nord-alliance.txt"
QUESTIONS = ROOT / "eval" / "data" / "seed_dev_questions.json"


def load() -> tuple[Article, dict]:
    """The bundled article, parsed, and the development questions."""
    article = parse_article(ARTICLE.read_bytes(), ARTICLE.name)
    return article, json.loads(QUESTIONS.read_text(encoding="utf-8"))


def fold_quotes(text: str) -> str:
    """Typographic apostrophes folded to ``'`` as the data's rules say."""
    return text.replace("’", "'")


def hit(answer: Answer, gold: list[str]) -> bool:
    """Whether the first quoted passage contains one of the gold substrings."""
    if answer.abstained or not answer.passages:
        return False
    first = fold_quotes(answer.passages[0].text)
    return any(fold_quotes(g) in first for g in gold)
