"""How long an answer is in a channel, before and after answers were sized for a chat.

Asks the questions of the realistic files (``realistic_dev.json``, ``own_dev.json`` and
``realistic_more.json``: answerable and near-topic ones, one fresh channel each)
and renders every answer twice: as it is now (``prompts/``: the first passage with the words
that answer in bold, two short context bullets) and as it was (``data/before_chat/``: every
passage quoted, three long bullets). Prints the characters of the answers given (median, p90,
max), the passages and bullets shown, the share of answers with a bold span, and checks that
the first passage, the one the figures score, is the same passage both ways.

``python -m eval.chat_size`` prints this section alone; ``make eval`` prints it too.
"""

from __future__ import annotations

import json
import statistics
import sys
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from bot.app.render import Renderer
from bot.app.replies import Answer
from bot.app.responder import Responder
from bot.values import StoredArticle
from eval import realistic
from eval.seed import fold_quotes
from eval.vectors import CachedEmbedder, evaluation_embedder, vectors_of
from index import parse_article
from index.language.question import expected_kind, normalise
from index.model import Article

ROOT = Path(__file__).resolve().parent.parent
FILES = tuple(realistic.FILES.values())
CORPUS = ROOT / "bench" / "data" / "wikinews_fr"
BEFORE = ROOT / "eval" / "data" / "before_chat"
BEFORE_BULLETS = (3, 320)  # three context bullets of up to 320 characters, as before


@dataclass(frozen=True)
class Asked:
    """One question of a realistic file, on its article."""

    article: Article
    question: str
    gold: tuple[str, ...]  # empty for a near-topic question


def questions(files: Iterable[Path] = FILES) -> list[Asked]:
    """The answerable and near-topic questions of the files that are here."""
    asked = []
    for path in files:
        if not path.is_file():
            print(f"{path} is missing: left out", file=sys.stderr)
            continue
        data = json.loads(path.read_text(encoding="utf-8"))
        for entry in data["articles"]:
            source = ROOT / entry["file"]
            if not source.is_file():
                source = CORPUS / Path(entry["file"]).name
            article = parse_article(source.read_bytes(), source.name)
            asked.extend(
                Asked(article, q["q"], tuple(q.get("gold", ()))) for q in entry["questions"]
            )
    return asked


def figures(
    asked: list[Asked], embedder: CachedEmbedder | None
) -> dict[str, dict[str, str]]:
    """Sizes and bold share, before and after, over the answers given (not the abstentions)."""
    now = Responder(embedder=embedder)
    then = Responder(embedder=embedder, bullets=BEFORE_BULLETS)
    rendering = {"before": Renderer(BEFORE), "after": Renderer(ROOT / "prompts")}
    stored: dict[int, StoredArticle] = {}
    sizes: dict[str, list[int]] = {"before": [], "after": []}
    shown: dict[str, Counter[str]] = {"before": Counter(), "after": Counter()}
    bold = bold_on_gold = gold_hits = changed = kinds = kinds_bold = 0
    for case in asked:
        key = id(case.article)
        if key not in stored:
            stored[key] = StoredArticle(key, 1, case.article, vectors_of(embedder, case.article))
        answers = {
            "before": then.answer(case.question, stored[key]),
            "after": now.answer(case.question, stored[key]),
        }
        if answers["after"].abstained:
            continue
        for name, answer in answers.items():
            sizes[name].append(_characters(rendering[name], answer))
            shown[name]["passages"] += len(answer.passages) if name == "before" else 1
            shown[name]["bullets"] += len(answer.bullets)
        before, after = answers["before"], answers["after"]
        changed += before.passages[0].text != after.passages[0].text
        lead = after.passages[0]
        bold += bool(lead.bold)
        if expected_kind(normalise(case.question)) is not None:
            kinds += 1
            kinds_bold += bool(lead.bold)
        gold = [fold_quotes(g) for g in case.gold]
        text = fold_quotes(lead.text)
        places = [(text.find(g), text.find(g) + len(g)) for g in gold if g in text]
        if lead.bold and places:
            gold_hits += 1
            start, end = lead.bold[0]
            bold_on_gold += any(a < end and start < b for a, b in places)
    given = len(sizes["after"]) or 1
    table = {}
    for name in ("before", "after"):
        values = sorted(sizes[name]) or [0]
        table[name] = {
            "answers given": f"{len(sizes[name])} of {len(asked)}",
            "characters: median": f"{statistics.median(values):.0f}",
            "characters: p90": f"{values[int(0.9 * (len(values) - 1))]}",
            "characters: max": f"{values[-1]}",
            "passages / bullets shown (mean)": (
                f"{shown[name]['passages'] / given:.2f} / {shown[name]['bullets'] / given:.2f}"
            ),
            "answers with words in bold": (
                "0 %" if name == "before" else f"{100 * bold / given:.0f} %"
            ),
            "  of those asking for a kind": (
                "0 %" if name == "before" else f"{kinds_bold}/{kinds}"
            ),
            "  bold on the gold words": (
                "-" if name == "before" else f"{bold_on_gold}/{gold_hits}"
            ),
            "first passage changed": "-" if name == "before" else str(changed),
        }
    return table


def _characters(renderer: Renderer, answer: Answer) -> int:
    """What a channel reads of an answer: its messages, as sent."""
    messages = renderer.messages(
        "answer", answer.language, answer=answer, question=answer.question
    )
    return sum(len(m) for m in messages)


def report(embedder: CachedEmbedder | None) -> None:
    """Print the section."""
    table = figures(questions(), embedder)
    print("answers sized for a chat (realistic files, answerable and near-topic questions)")
    print(f"  {'':34}{'before':>18}{'after':>18}{'target':>12}")
    targets = {
        "characters: median": "<= 700",
        "answers with words in bold": ">= 50 %",
        "first passage changed": "0",
    }
    for label in table["after"]:
        print(
            f"  {label:34}{table['before'][label]:>18}{table['after'][label]:>18}"
            f"{targets.get(label, ''):>12}"
        )


if __name__ == "__main__":
    report(evaluation_embedder())
