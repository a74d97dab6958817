"""Sentence pairs for the answerability cross-encoder (``eval.xenc_train``), from SQuAD 2.0.

``python -m eval.xenc_data OUT.jsonl FILE.json ...`` reads SQuAD 2.0-format files and writes
one pair a line: ``{"q": question, "s": sentence, "y": 1 or 0, "kind": ...}``.

- ``answer``: the sentence of the paragraph that holds the answer (y = 1);
- ``other``: the sentence of the same paragraph that shares the most words with the question
  but does not hold the answer (y = 0): same topic, not the fact;
- ``unanswerable``: for a question SQuAD 2.0 marks impossible (written on purpose to look
  answerable from its paragraph), the two sentences that share the most words with it
  (y = 0): the near-topic questions the bot should abstain on.

SQuAD 2.0 (Rajpurkar, Jia and Liang, "Know What You Don't Know: Unanswerable Questions for
SQuAD", ACL 2018) is licensed CC BY-SA 4.0. Its full files were not reachable from the
workplace; what was used are what appear to be verbatim fragments of them found in public
repositories (first 10 articles of train-v2.0.json, and the dev articles "Normans", "Rhine",
"Computational_complexity_theory"): 5 843 questions, 889 of them unanswerable. The data is not
committed (it is English Wikipedia text under CC BY-SA); this script derives the pairs from it.

``python -m eval.xenc_data OUT.jsonl --written`` writes the pairs of questions
written in the realistic files' format on other articles (``data/written_pairs.json``): each
question is asked of its article through the bot's retrieval, and each of its best
``CANDIDATES`` passages (as the reader reads them, ``index.search.xenc.passage_text``) is a pair,
y = 1 when it holds a gold substring; an answerable question whose gold sentence is not among
them adds that sentence too (``answer``). Passages of a near-topic question are ``unanswerable``,
the others of an answerable one ``other``: the bot's own hard negatives.

No evaluation file is read here: the evaluation questions stay held back.
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

_SPLIT = re.compile(r"(?<=[.!?])[\"”']?\s+(?=[A-Z0-9\"“(])")
_WORD = re.compile(r"\w+")
_STOP = frozenset(
    "the a an of in on at to for by with from and or is was were are be been what who whom "
    "which when where why how did does do that this as it its his her their than into".split()
)


def sentences(text: str) -> list[tuple[int, int]]:
    """(start, end) of each sentence of an English paragraph."""
    out, start = [], 0
    for found in _SPLIT.finditer(text):
        out.append((start, found.start()))
        start = found.end()
    out.append((start, len(text)))
    return [(a, b) for a, b in out if text[a:b].strip()]


def _words(text: str) -> set[str]:
    return {w.lower() for w in _WORD.findall(text)} - _STOP


def _overlap(question: str, sentence: str) -> int:
    return len(_words(question) & _words(sentence))


def pairs_of(paragraph: dict) -> list[dict]:
    """The pairs one SQuAD paragraph gives."""
    text = paragraph["context"]
    spans = sentences(text)
    out = []
    for qa in paragraph["qas"]:
        question = qa["question"].strip()
        ranked = sorted(spans, key=lambda s: -_overlap(question, text[s[0] : s[1]]))
        if qa.get("is_impossible"):
            for a, b in ranked[:2]:
                out.append({"q": question, "s": text[a:b].strip(), "y": 0, "kind": "unanswerable"})
            continue
        if not qa["answers"]:
            continue
        start = qa["answers"][0]["answer_start"]
        end = start + len(qa["answers"][0]["text"])
        holding = [s for s in spans if s[0] <= start < s[1]]
        if not holding or end > holding[0][1]:
            continue  # an answer across two sentences: no clean positive
        answer = holding[0]
        out.append(
            {"q": question, "s": text[answer[0] : answer[1]].strip(), "y": 1, "kind": "answer"}
        )
        others = [s for s in ranked if s != answer]
        if others:
            a, b = others[0]
            out.append({"q": question, "s": text[a:b].strip(), "y": 0, "kind": "other"})
    return out


CANDIDATES = 3  # passages read per written question


def written_pairs() -> list[dict]:
    """The pairs of ``data/written_pairs.json``, from the bot's own candidates."""
    from eval import realistic
    from eval.memo import MemoResponder
    from eval.reader_data import _holds_gold, _stored
    from eval.seed import fold_quotes
    from eval.vectors import evaluation_embedder
    from index.search.xenc import passage_text

    embedder = evaluation_embedder()
    responder = MemoResponder(embedder=embedder)
    rows = []
    for case in realistic.load("written"):
        article, stored = case.article, _stored(case.article, embedder)
        for q in case.questions:
            gold = q["gold"]
            found = responder.retrieval(q["q"], stored)
            pairs = []
            for candidate in found.candidates[:CANDIDATES]:
                holds = bool(gold) and _holds_gold(article, candidate.sentences, gold)
                kind = "answer" if holds else ("other" if gold else "unanswerable")
                pairs.append((passage_text(article, candidate), int(holds), kind))
            if gold and not any(y for _, y, _ in pairs):  # the gold sentence, not reached
                sentence = next(
                    s for s in article.sentences
                    if any(fold_quotes(g) in fold_quotes(s.text) for g in gold)
                )
                pairs.append((sentence.text, 1, "answer"))
            rows += [
                {"q": q["q"], "s": text, "y": y, "kind": kind, "article": case.name}
                for text, y, kind in pairs
            ]
    return rows


def main(argv: list[str] | None = None) -> int:
    """Write the pairs of every question of the files (each question id once)."""
    arguments = sys.argv[1:] if argv is None else argv
    if len(arguments) < 2:
        print(
            "usage: python -m eval.xenc_data OUT.jsonl SQUAD.json ...\n"
            "       python -m eval.xenc_data OUT.jsonl --written",
            file=sys.stderr,
        )
        return 2
    if arguments[1] == "--written":
        rows = written_pairs()
        _write(Path(arguments[0]), rows, f"{len(rows)} pairs")
        return 0
    seen: set[str] = set()
    rows = []
    for name in arguments[1:]:
        for article in json.loads(Path(name).read_text(encoding="utf-8"))["data"]:
            for paragraph in article["paragraphs"]:
                fresh = [qa for qa in paragraph["qas"] if qa["id"] not in seen]
                seen.update(qa["id"] for qa in fresh)
                for row in pairs_of({**paragraph, "qas": fresh}):
                    rows.append({**row, "article": article["title"]})
    _write(Path(arguments[0]), rows, f"{len(seen)} questions, {len(rows)} pairs")
    return 0


def _write(path: Path, rows: list[dict], counted: str) -> None:
    """The pairs, one JSON line each, and what they are by kind."""
    with open(path, "w", encoding="utf-8") as out:
        for row in rows:
            out.write(json.dumps(row, ensure_ascii=False) + "\n")
    kinds = {k: sum(r["kind"] == k for r in rows) for k in ("answer", "other", "unanswerable")}
    print(f"{counted}: {kinds}")


if __name__ == "__main__":
    sys.exit(main())
