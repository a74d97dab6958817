"""A server with 50 000 articles: autocomplete, ``/articles`` pages, ``/use`` and the newest
article through the service; and the first ``/ask`` on a 4 MB article through the Discord fake.
"""

from __future__ import annotations

import asyncio
import json
import statistics
import tempfile
import time
from pathlib import Path

from bot.app.service import Kiosque
from bot.settings import Settings
from bot.storage.factory import open_database
from bot.storage.protocol import Database
from bot.values import guild_space
from index import parse_article
from stress.kills import big_article
from support.bot_process import running_bot

ARTICLES = 50_000
SPACE = guild_space(1)
TYPED = ["a", "cons", "budget 4", "Le conseil vote le budget 49", "zzz", "123"]


def _percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


async def _fill(settings: Settings, count: int) -> None:
    """``count`` small articles in one server, written the way the library writes them, on a
    connection of its own (underneath the service: 50 000 uploads would take an hour)."""
    template = parse_article(
        "Le conseil vote le budget\n\nLe conseil municipal a voté le budget mardi.\n".encode(),
        "a.txt",
    )
    content = json.loads(json.dumps(template.to_dict()))
    database = await open_database(settings)
    try:
        await _write(database, content, count)
    finally:
        await database.close()


async def _write(database: Database, content: dict, count: int) -> None:
    async with database.transaction() as db:
        for n in range(count):
            title = f"Le conseil vote le budget {n}"
            content["title"] = title
            inserted = await db.execute(
                "INSERT INTO articles (space, source_key, title, current_version, created_at)"
                " VALUES (?, ?, ?, 1, ?) RETURNING id",
                (SPACE, f"title:{title.casefold()}", title, f"2026-01-01T00:00:{n:09d}"),
            )
            await db.execute(
                "INSERT INTO versions (article_id, version, source, language, content,"
                " indexed_at) VALUES (?, 1, ?, 'fr', ?, ?)",
                (inserted.rows[0]["id"], f"{n}.txt", json.dumps(content), "2026-01-01T00:00:00"),
            )


async def _big_library(folder: Path) -> dict[str, list[float]]:
    settings = Settings(database_url=f"sqlite:///{folder / 'big.db'}", semantic=False)
    # The service opens the database first: it makes the tables the fill writes in.
    kiosque = await Kiosque.open(settings, seed=False)
    timings: dict[str, list[float]] = {"autocomplete": [], "articles page": [], "use": [],
                                       "newest article": []}
    try:
        await _fill(settings, ARTICLES)
        for _ in range(5):
            for typed in TYPED:
                start = time.perf_counter()
                await kiosque.titles(SPACE, typed)
                timings["autocomplete"].append(time.perf_counter() - start)
            for page in (1, 2, 1250, 2500):
                start = time.perf_counter()
                await kiosque.listing(SPACE, page)
                timings["articles page"].append(time.perf_counter() - start)
            for ref in ("1", "25000", "Le conseil vote le budget 49999"):
                start = time.perf_counter()
                await kiosque.use(SPACE, "salon", ref)
                timings["use"].append(time.perf_counter() - start)
            start = time.perf_counter()
            await kiosque.article_for(SPACE, "no-article-chosen")
            timings["newest article"].append(time.perf_counter() - start)
    finally:
        await kiosque.close()
    return timings


async def _first_ask_on_a_big_article(folder: Path) -> tuple[float, float]:
    """Seconds from a first ``/ask`` to its acknowledgement, and to its answer."""
    big = big_article(4_000_000)
    async with running_bot(folder) as (fake, _):
        admin = fake.guild.member("admin")
        attachment = fake.add_attachment("chronique.txt", big.encode(), "text/plain")
        await (await fake.send_slash("reindex", {"file": attachment}, user=admin)).saying(
            "indexé", timeout=300
        )
        start = time.perf_counter()
        asked = await fake.send_slash(
            "ask", {"question": "Combien de blindés recense le rapport numéro 3 ?"},
            user=fake.guild.member("member"),
        )
        await asked.callback(timeout=60)
        acknowledged = time.perf_counter() - start
        await asked.response(timeout=300)
        return acknowledged, time.perf_counter() - start


def main() -> int:
    """Print the figures."""
    with tempfile.TemporaryDirectory() as tmp:
        timings = asyncio.run(_big_library(Path(tmp)))
        print(f"a server with {ARTICLES} articles (through the service):")
        for name, values in timings.items():
            ms = [v * 1000 for v in values]
            print(f"  {name:16} median {statistics.median(ms):7.1f} ms   "
                  f"p95 {_percentile(ms, 0.95):7.1f} ms")
        (Path(tmp) / "ask").mkdir()
        acknowledged, answered = asyncio.run(_first_ask_on_a_big_article(Path(tmp) / "ask"))
    print(f"first /ask on a 4 MB article: acknowledged after {acknowledged:.2f} s "
          f"(Discord allows 3), answered after {answered:.1f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
