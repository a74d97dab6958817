"""Realistic reader questions on Wikinews articles, and how the bot's answers to them score.

Three files share one format (``data/realistic_dev.json`` and ``data/realistic_more.json``,
given with the project, and ``data/own_dev.json``, written by a session on other articles): per
article, answerable questions of several kinds with gold substrings, near-topic questions the
article does not answer ('abstain', with the sentence a naive system would quote), and
follow-up chains. Each article belongs to one cross-validation fold (``eval.folds``), by its
file name.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from bot.app.replies import Answer
from bot.app.responder import Responder
from bot.values import StoredArticle, Turn
from eval.seed import fold_quotes, hit
from index import parse_article
from index.model import Article

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "eval" / "data"
CORPUS = ROOT / "bench" / "data" / "wikinews_fr"
ARTICLES = ROOT / "articles"
RESERVED = DATA / "reserved_articles.txt"


def reserved() -> set[str]:
    """File names of the Wikinews articles kept for measuring the project on articles it has
    never seen: no question is written, nothing trained, tuned or counted on them."""
    lines = RESERVED.read_text(encoding="utf-8").splitlines()
    return {line.strip() for line in lines if line.strip() and not line.startswith("#")}


FILES = {
    "realistic": DATA / "realistic_dev.json",
    "more": DATA / "realistic_more.json",
    "own": DATA / "own_dev.json",
}
# What the held-back folds measure: the three files above, the reader's questions
# (``reader_pairs.json``: 16 other articles, same format, no chains) and ``written_pairs.json``
# (1 584 questions on the 44 remaining Wikinews articles, written after every rule was; also
# what the research cross-encoder was trained on, eval/README.md). The decision is fitted on
# the three files and the written questions (``eval.calibrate.FITTED``); the reader's
# questions are measured only.
HELD_BACK = {**FILES, "pairs": DATA / "reader_pairs.json", "written": DATA / "written_pairs.json"}
# Training data only, never measured: more questions on the written articles
# (``data/written_more.json``, eval/README.md), read by the question tower's trainer.
TRAINING = {"written_more": DATA / "written_more.json"}
ANSWERABLE = ("paraphrase", "typo", "keyword", "english", "why")


@dataclass(frozen=True)
class Case:
    """One article of a development file, with its questions and follow-up chains."""

    article: Article
    questions: tuple[dict, ...]
    followups: tuple[dict, ...]
    name: str  # the article's file name: what its fold is drawn from
    source: str  # the development file it comes from


def load(name: str) -> list[Case]:
    """The articles and questions of one development file, parsed as the bot parses them."""
    source = {**HELD_BACK, **TRAINING}[name]
    data = json.loads(source.read_text(encoding="utf-8"))
    cases = []
    for entry in data["articles"]:
        # The bundled article lives in articles/, the others in the Wikinews corpus.
        folder = ARTICLES if entry["file"].startswith("articles/") else CORPUS
        path = folder / Path(entry["file"]).name
        article = parse_article(path.read_bytes(), path.name)
        cases.append(
            Case(
                article=article,
                questions=tuple(entry["questions"]),
                followups=tuple(entry.get("followups", ())),
                name=path.name,
                source=source.name,
            )
        )
    return cases


def quotes_any(answer: Answer, sentences: list[str]) -> bool:
    """Whether any quoted passage contains one of ``sentences``."""
    return any(
        fold_quotes(s) in fold_quotes(p.text) for p in answer.passages for s in sentences
    )


def score(
    responder: Responder, cases: list[Case], vectors: dict[int, object] | None = None
) -> Counter[str]:
    """Counts over the cases: hits per kind, abstentions, follow-ups and repeats.

    ``vectors`` maps ``id(article)`` to its sentence vectors (absent: BM25 alone).
    """
    counts: Counter[str] = Counter()
    for case in cases:
        number = id(case.article)  # unique across files: the responder caches by id
        stored = StoredArticle(
            number, 1, case.article, (vectors or {}).get(id(case.article))
        )
        for question in case.questions:
            answer = responder.answer(question["q"], stored)
            kind = question["kind"]
            if kind == "abstain":
                counts["abstain"] += 1
                counts["abstain_hit"] += answer.abstained
                counts["never_quoted"] += quotes_any(answer, question.get("never_quote", []))
                continue
            counts["answerable"] += 1
            counts[kind] += 1
            counts["answerable_abstained"] += answer.abstained
            got = hit(answer, question["gold"])
            counts["first"] += got
            counts[f"{kind}_hit"] += got
        for chain in case.followups:
            turns: list[Turn] = []
            answers: list[Answer] = []
            for text in chain["turns"]:
                answer = responder.answer(text, stored, turns)
                answers.append(answer)
                turns.append(
                    Turn("eval", "eval", text, number, 1, answer.abstained, answer.passages)
                )
            last, before = answers[-1], answers[-2]
            repeated = bool(
                last.passages
                and before.passages
                and last.passages[0].text == before.passages[0].text
            )
            counts["followups"] += 1
            counts["followup_repeats"] += repeated
            counts["followup_hit"] += hit(last, chain["gold_last"]) and not repeated
    return counts
