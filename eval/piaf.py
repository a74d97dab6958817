"""PIAF titles as articles: each paragraph a block, each question with its gold answer span."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from index.analysis import detect_language
from index.clean import Block
from index.model import Article
from index.structure import build_article

DATA = Path(__file__).resolve().parent / "data"


@dataclass(frozen=True)
class Question:
    """A PIAF question and where its answer lies in the article's text."""

    text: str
    start: int
    end: int


@dataclass(frozen=True)
class Title:
    """One PIAF title: the article built from its paragraphs, and its questions."""

    article: Article
    questions: tuple[Question, ...]


def load(path: Path = DATA / "piaf_dev.json") -> list[Title]:
    """Every title of a SQuAD-format file as an article with located answers."""
    titles = []
    for entry in json.loads(path.read_text(encoding="utf-8"))["data"]:
        contexts = [p["context"] for p in entry["paragraphs"]]
        text_language = detect_language(" ".join(contexts))
        article = build_article(entry["title"], [Block(c) for c in contexts], text_language, [])
        questions = []
        cursor = 0
        for paragraph in entry["paragraphs"]:
            offset = article.text.index(paragraph["context"], cursor)
            cursor = offset
            for qa in paragraph["qas"]:
                answer = qa["answers"][0]
                start = offset + answer["answer_start"]
                questions.append(Question(qa["question"], start, start + len(answer["text"])))
        titles.append(Title(article, tuple(questions)))
    return titles
