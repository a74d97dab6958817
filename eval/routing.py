"""Library-wide questions: PIAF's development titles indexed as one library, every question
asked without naming its article, through the real service on a real SQLite file.

Figures, for each way of choosing the article:
- ``first``: the first quoted passage overlaps PIAF's answer (in the right article);
- ``article``: the answer comes from the question's own title;
- ``abstained``: no article answered;
- ``ms/question``: median wall time of ``Kiosque.ask``.

The ways compared in the same run: the library-wide index (Kiosque's routing: the index
proposes articles, the first few are asked, the most confident answer wins), the same without
the semantic model, the previous behaviour (the channel's newest article answers), and asking
every article in turn (the cost the issue measured: one retrieval per article). With
``--postgres`` (``python -m eval.routing --postgres``), the library-wide index is also measured
on a throwaway Postgres server (its own search engine: full text, then BM25 in Python).
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import tempfile
import time
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING

from bot.app.replies import Answer
from bot.app.service import Kiosque
from bot.settings import Settings
from eval import piaf
from eval.vectors import CachedEmbedder, evaluation_embedder, vectors_of

if TYPE_CHECKING:
    from support.postgres_server import PostgresServer

SPACE = "guild:1"


@dataclass
class Tally:
    """Counts over the questions asked one way."""

    total: int = 0
    first: int = 0
    article: int = 0
    abstained: int = 0
    seconds: list[float] | None = None

    def row(self) -> dict[str, str]:
        times = sorted(self.seconds or [0.0])
        return {
            "first passage overlaps answer": f"{self.first / self.total:.3f}",
            "right article named": f"{self.article / self.total:.3f}",
            "abstained": f"{self.abstained / self.total:.3f}",
            "ms per question (median)": f"{1000 * statistics.median(times):.1f}",
        }


async def _library(url: str, titles: list[piaf.Title], embedder: CachedEmbedder | None):
    """A service whose library ``SPACE`` holds every title; the title of each article id."""
    settings = Settings(database_url=url, semantic=False)
    kiosque = await Kiosque.open(settings, seed=False, embedder=embedder)
    ids = {}
    for n, title in enumerate(titles):
        info = await kiosque.add_article(
            SPACE,
            title.article,
            f"piaf-{n}",
            vectors=vectors_of(embedder, title.article),
            model=embedder.name if embedder else None,
        )
        ids[info.id] = n
    return kiosque, ids


def _score(tally: Tally, answer: Answer, title: piaf.Title, question: piaf.Question,
           own: bool) -> None:
    tally.total += 1
    tally.abstained += answer.abstained
    if answer.abstained or not own:
        return
    tally.article += 1
    passage = answer.passages[0]
    first = title.article.sentences[passage.sentences[0]]
    if first.start < question.end and question.start < first.start + len(passage.text):
        tally.first += 1


async def _every_article(kiosque: Kiosque, ids: dict[int, int], question: str) -> Answer:
    """Each article asked in turn; the most confident answer (the issue's prototype)."""
    best = None
    for article_id in ids:
        answer = await kiosque.ask(SPACE, question, f"each-{article_id}", "eval", article_id)
        if not answer.abstained and (best is None or (answer.confidence or 0) > (
            best.confidence or 0
        )):
            best = answer
    return best or replace(answer, passages=())


async def figures(
    titles: list[piaf.Title],
    embedder: CachedEmbedder | None,
    every: bool = True,
    url: str | None = None,
    before: bool = True,
) -> dict[str, Tally]:
    """The tallies of each way of choosing the article, on ``titles`` as one library (in a
    temporary SQLite file, or the empty database ``url``); ``before``: the newest article's
    answers too, ``every``: every article's in turn."""
    with tempfile.TemporaryDirectory() as folder:
        kiosque, ids = await _library(url or f"sqlite:///{Path(folder) / 'routing.db'}",
                                      titles, embedder)
        newest = max(ids)
        ways = {"library-wide index": Tally(seconds=[])}
        if before:
            ways["newest article (before)"] = Tally(seconds=[])
        if every:
            ways["every article in turn"] = Tally(seconds=[])
        try:
            n = 0
            for t, title in enumerate(titles):
                for question in title.questions:
                    n += 1
                    start = time.perf_counter()
                    answer = await kiosque.ask(SPACE, question.text, f"c{n}", "eval",
                                               library=True)
                    ways["library-wide index"].seconds.append(time.perf_counter() - start)
                    _score(ways["library-wide index"], answer, title, question,
                           ids.get(answer.article_id) == t)
                    if before:
                        start = time.perf_counter()
                        answer = await kiosque.ask(SPACE, question.text, f"n{n}", "eval", newest)
                        ways["newest article (before)"].seconds.append(
                            time.perf_counter() - start)
                        _score(ways["newest article (before)"], answer, title, question,
                               ids[newest] == t)
                    if every:
                        start = time.perf_counter()
                        answer = await _every_article(kiosque, ids, question.text)
                        ways["every article in turn"].seconds.append(time.perf_counter() - start)
                        _score(ways["every article in turn"], answer, title, question,
                               ids.get(answer.article_id) == t)
        finally:
            await kiosque.close()
    return ways


def report(embedder: CachedEmbedder | None, postgres: PostgresServer | None = None) -> None:
    """Print the routing tables: all titles, then the report and fit halves (with the
    library-wide index on ``postgres`` too, when given)."""
    titles = piaf.load()
    targets = {"first passage overlaps answer": ">= 0.60", "right article named": ">= 0.85"}
    for label, chosen, every in (
        ("all 20 titles", titles, True),
        ("report half (odd titles, a library of 10)", titles[1::2], False),
        ("fit half (even titles, a library of 10)", titles[0::2], False),
    ):
        columns: dict[str, Tally] = {}
        if embedder is not None:
            semantic = asyncio.run(figures(chosen, embedder, every))
            columns["index+semantic"] = semantic.pop("library-wide index")
        lexical = asyncio.run(figures(chosen, None, False))
        columns["index, BM25 only"] = lexical["library-wide index"]
        if postgres is not None:
            models = {"Postgres, BM25": None}
            if embedder is not None:
                models = {"Postgres+semantic": embedder, **models}
            for name, model in models.items():
                url = postgres.create_database()
                ways = asyncio.run(figures(chosen, model, False, url, before=False))
                columns[name] = ways["library-wide index"]
        if embedder is not None:
            columns["newest (before)"] = semantic.pop("newest article (before)")
            if every:
                columns["each article"] = semantic.pop("every article in turn")
        else:
            columns["newest (before)"] = lexical["newest article (before)"]
        count = sum(len(t.questions) for t in chosen)
        print(f"library-wide questions, PIAF dev {label} as one library ({count} questions)")
        print(f"  {'':34}" + "".join(f"{n:>18}" for n in columns) + f"{'target':>12}")
        rows = {name: tally.row() for name, tally in columns.items()}
        for key in next(iter(rows.values())):
            cells = "".join(f"{rows[n][key]:>18}" for n in columns)
            print(f"  {key:34}{cells}{targets.get(key, '') if every else '':>12}")


def main(argv: list[str] | None = None) -> int:
    """Print the routing tables (``--postgres``: on a throwaway Postgres server as well)."""
    parser = argparse.ArgumentParser(prog="python -m eval.routing", description=__doc__)
    parser.add_argument("--postgres", action="store_true",
                        help="also run the library-wide index on a temporary Postgres server")
    args = parser.parse_args(argv)
    embedder = evaluation_embedder()
    if not args.postgres:
        report(embedder)
        return 0
    from support.postgres_server import temporary_postgres

    with temporary_postgres() as server:
        report(embedder, server)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
