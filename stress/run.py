"""``make stress``: hostile questions, bad sources, hostile uploads, DNS rebinding, two servers
and floods, kills during reindex, load on one process and on two shard processes sharing a
database."""

from __future__ import annotations

import asyncio
import os
import sys
import tempfile
import time
from pathlib import Path

from bot.app.service import Kiosque
from bot.settings import Settings
from stress.hostile import check_questions, hostile_strings
from stress.kills import kill_during_reindex
from stress.load import load
from stress.rebinding import check_rebinding
from stress.servers import check_servers
from stress.shards import load_shards
from stress.sources import check_sources
from stress.uploads import check_uploads
from stress.uploads import report as uploads_report


async def _hostile(folder: Path, count: int) -> tuple[int, list[str]]:
    kiosque = await Kiosque.open(Settings(database_url=f"sqlite:///{folder / 'hostile.db'}"))
    try:
        return await check_questions(kiosque, hostile_strings(count))
    finally:
        await kiosque.close()


def main() -> int:
    """Run every scenario and print the report; exit 1 if anything failed."""
    failures: list[str] = []
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        start = time.perf_counter()
        tried, failed = asyncio.run(_hostile(folder, 5000))
        failures += failed
        print(f"hostile questions: {tried} tried, {len(failed)} failures"
              f"   ({time.perf_counter() - start:.1f} s)")

        start = time.perf_counter()
        (folder / "sources").mkdir()
        tried, failed = check_sources(folder / "sources")
        failures += failed
        print(f"bad sources: {tried} tried, {tried - len(failed)} clean errors"
              f"   ({time.perf_counter() - start:.1f} s)")

        start = time.perf_counter()
        tried, failed = check_rebinding()
        failures += failed
        print(f"DNS rebinding and IPv4 inside IPv6: {tried} tried, {tried - len(failed)} safe"
              f"   ({time.perf_counter() - start:.1f} s)")

        start = time.perf_counter()
        tried, failed = check_servers()
        failures += failed
        print(f"two servers, hostile members and floods: {tried} kinds of attempt,"
              f" {len(failed)} got through   ({time.perf_counter() - start:.1f} s)")

        (folder / "uploads").mkdir()
        for backend in ("SQLite", "Postgres"):
            start = time.perf_counter()
            if backend == "SQLite":
                outcomes, crowded, failed = asyncio.run(
                    check_uploads(folder / "uploads", semantic=False))
            else:
                from support.postgres_server import temporary_postgres

                with temporary_postgres() as server:
                    outcomes, crowded, failed = asyncio.run(check_uploads(
                        folder / "uploads", database_url=server.create_database(),
                        semantic=False))
            failures += failed
            print(f"hostile uploads on {backend} (model off), {len(failed)} failures"
                  f"   ({time.perf_counter() - start:.1f} s)")
            print("\n".join(uploads_report(outcomes, crowded)))

        start = time.perf_counter()
        (folder / "kills").mkdir()
        kills, failed = kill_during_reindex(folder / "kills", points=5)
        failures += failed
        print(f"kill -9 during reindex: {kills - len(failed)}/{kills} survived"
              f"   ({time.perf_counter() - start:.1f} s)")

    start = time.perf_counter()
    report = asyncio.run(load(questions=1000, channels=100, reindexes=2))
    failures += report.problems()
    print(f"under load (Discord fake, {report.sent} questions from 100 channels, "
          f"{report.reindexed} reindexes): {report.answered} answered, {report.lost} lost, "
          f"{report.duplicates} answered twice, {report.turns_duplicated} turns recorded twice, "
          f"{report.inconsistent} mixing versions"
          f"   ({time.perf_counter() - start:.1f} s)")
    print(f"under load, {report.latency_line()}")

    # The same load over two shard processes, on one SQLite file and on one Postgres database
    # (a throwaway server); STRESS_DATABASE_URL names another (empty) database instead.
    named = os.environ.get("STRESS_DATABASE_URL")
    for backend, database_url in ([("given", named)] if named else [("SQLite", None),
                                                                    ("Postgres", "temporary")]):
        start = time.perf_counter()
        if database_url == "temporary":
            from support.postgres_server import temporary_postgres

            with temporary_postgres() as server:
                sharded = asyncio.run(load_shards(questions=1000, channels=100, reindexes=2,
                                                  database_url=server.create_database()))
        else:
            sharded = asyncio.run(load_shards(questions=1000, channels=100, reindexes=2,
                                              database_url=database_url))
        failures += sharded.problems()
        print(f"under load on two shard processes, one {backend} database ({sharded.sent}"
              f" questions from 100 channels in 2 servers, {sharded.reindexed} reindexes):"
              f" {sharded.answered} answered, {sharded.lost} lost, {sharded.duplicates} answered"
              f" twice, {sharded.turns} turns for {sharded.sent + sharded.probes} questions"
              f" ({sharded.turns_duplicated} twice), {sharded.inconsistent} mixing versions"
              f"   ({time.perf_counter() - start:.1f} s)")
        print(f"on two processes, {backend}, {sharded.latency_line()}")
        print(f"written by a third process, served by the bots: {sharded.probes - sharded.stale}/"
              f"{sharded.probes} first questions after a commit answered from the new version;"
              f" commit → answer {_span(sharded.quiet)} when quiet, {_span(sharded.under_load)}"
              " under load")
    for failure in failures[:20]:
        print(f"  FAILED: {failure}")
    return 1 if failures else 0


def _span(seconds: list[float]) -> str:
    """The median and the longest of some durations in seconds, in milliseconds."""
    ordered = sorted(seconds) or [0.0]
    return f"median {ordered[len(ordered) // 2] * 1000:.0f} ms, max {ordered[-1] * 1000:.0f} ms"


if __name__ == "__main__":
    sys.exit(main())
