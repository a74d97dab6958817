"""One backup for both engines: a consistent copy as an SQLite file, which opens and serves the
same library (its search index rebuilt from the versions), or nothing at all."""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import Callable
from pathlib import Path

import pytest

import bot.storage.backup
from bot.storage.backup import backup
from bot.storage.guilds import GuildConfig, GuildSettings
from bot.storage.history import History
from bot.storage.library import Library
from bot.storage.sqlite.database import SqliteDatabase
from bot.values import LOCAL, Turn
from tests.conftest import parse

PORT = "Le port ouvre un terminal\n\nLe port de Marseille a ouvert un terminal.\n"
BUDGET = "Le conseil vote le budget\n\nLe conseil a voté le budget mardi.\n"


def test_backup_is_a_usable_copy(database: Callable, tmp_path: Path) -> None:
    target = tmp_path / "copies" / "backup.db"

    async def scenario() -> None:
        async with database() as db:
            async with db.transaction() as writer:
                await writer.execute("INSERT INTO meta (key, value) VALUES ('k', 'v')")
            await backup(db, target)

    asyncio.run(scenario())
    connection = sqlite3.connect(target)
    assert connection.execute("SELECT value FROM meta").fetchall() == [("v",)]
    connection.close()



def test_a_backup_of_either_engine_is_an_sqlite_library_that_opens(
    database: Callable, tmp_path: Path
) -> None:
    target = tmp_path / "backup.db"

    async def scenario() -> tuple:
        async with database() as db:
            info = await Library(db).add(LOCAL, parse(PORT), "port.txt")
            turn = Turn("salon", "ana", "Quel port ?", info.id, info.version, False, ())
            await History(db).record(turn)
            await GuildSettings(db).set(7, GuildConfig(language="en", thread_answers=True))
            await backup(db, target)
        copy = await SqliteDatabase.open(target)
        try:
            library = Library(copy)
            caught = [await library.catch_up(), await library.catch_up()]
            hits = await library.search.search(LOCAL, ["terminal"])
            stored = await library.load(LOCAL, info.id)
            added = await library.add(LOCAL, parse(BUDGET), "budget.txt")
            turns = await History(copy).recent("salon")
            config = await GuildSettings(copy).get(7)
            return (caught, [h.article_id for h in hits][:1], stored.article.title,
                    added.id > info.id, [t.question for t in turns], config.language,
                    config.thread_answers)
        finally:
            await copy.close()

    assert asyncio.run(scenario()) == (
        [1, 0], [1], "Le port ouvre un terminal", True, ["Quel port ?"], "en", True
    )
    assert not list(tmp_path.glob("backup.db.partial*"))


def test_a_backup_that_fails_leaves_nothing_behind(
    database: Callable, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = tmp_path / "backup.db"
    # A table the source lacks: the copy fails after the first tables are written.
    monkeypatch.setattr(bot.storage.backup, "COPIED", {**bot.storage.backup.COPIED,
                                                       "missing": "id"})

    async def scenario() -> None:
        async with database() as db:
            await Library(db).add(LOCAL, parse(PORT), "port.txt")
            await backup(db, target)

    with pytest.raises(Exception, match="missing"):
        asyncio.run(scenario())
    assert not [p.name for p in tmp_path.iterdir() if p.name.startswith("backup.db")]


def test_a_backup_is_one_moment_of_the_database(database: Callable, tmp_path: Path) -> None:
    # Writes committed while the copy is being read are not in it: every table is read in one
    # snapshot (a versions row without its article would break the copy's foreign keys).
    target = tmp_path / "backup.db"

    async def scenario() -> list:
        async with database() as db:
            await Library(db).add(LOCAL, parse(PORT), "port.txt")
            async with db.snapshot() as snapshot:
                first = [tuple(r) async for r in snapshot.rows("SELECT id FROM articles")]
                await Library(db).add(LOCAL, parse(BUDGET), "budget.txt")
                again = [tuple(r) async for r in snapshot.rows("SELECT id FROM articles")]
            await backup(db, target)
            return [first, again]

    assert asyncio.run(scenario()) == [[(1,)], [(1,)]]
    connection = sqlite3.connect(target)
    assert connection.execute("SELECT COUNT(*) FROM articles").fetchone() == (2,)
    connection.close()
