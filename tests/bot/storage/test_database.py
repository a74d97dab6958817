"""The database, on both backends: migrations at start, all-or-nothing transactions, committed
reads, backups; and the SQLite file's own (WAL, its older schemas)."""

from __future__ import annotations

import asyncio
import contextlib
import json
import sqlite3
from collections.abc import Callable
from pathlib import Path

import pytest

from bot.storage.backup import backup
from bot.storage.library import Library
from bot.storage.sqlite.database import MIGRATIONS, SqliteDatabase
from tests.conftest import parse


def pragma(path: Path, name: str) -> object:
    connection = sqlite3.connect(path)
    try:
        return connection.execute(f"PRAGMA {name}").fetchone()[0]
    finally:
        connection.close()


def test_open_creates_the_file_in_wal_mode_with_every_migration(tmp_path: Path) -> None:
    path = tmp_path / "var" / "nested" / "k.db"

    async def scenario() -> int:
        database = await SqliteDatabase.open(path)
        try:
            return await database.schema_version()
        finally:
            await database.close()

    assert asyncio.run(scenario()) == len(MIGRATIONS)
    assert path.is_file()
    assert pragma(path, "journal_mode") == "wal"
    assert pragma(path, "user_version") == len(MIGRATIONS)
    connection = sqlite3.connect(path)
    tables = {row[0] for row in connection.execute("SELECT name FROM sqlite_master")}
    connection.close()
    assert {"articles", "versions", "channels", "turns", "meta"} <= tables


def test_a_new_file_is_made_wal_while_another_process_holds_its_write_lock(
    tmp_path: Path,
) -> None:
    # Two processes starting on a new file (one per shard): the other one holds the write
    # lock while this one switches the file to WAL. SQLite refuses that switch "database is
    # locked" at once, whatever the busy timeout; opening waits for the other instead.
    path = tmp_path / "k.db"
    other = sqlite3.connect(path, isolation_level=None)
    other.execute("BEGIN IMMEDIATE")

    async def scenario() -> int:
        asyncio.get_running_loop().call_later(0.3, other.execute, "COMMIT")
        database = await SqliteDatabase.open(path)
        try:
            return await database.schema_version()
        finally:
            await database.close()

    try:
        assert asyncio.run(scenario()) == len(MIGRATIONS)
    finally:
        other.close()
    assert pragma(path, "journal_mode") == "wal"


def test_reopening_keeps_data_and_does_not_migrate_again(database: Callable) -> None:
    async def first() -> None:
        async with database() as db, db.transaction() as writer:
            await writer.execute("INSERT INTO meta (key, value) VALUES ('k', 'v')")

    async def second() -> tuple[int, int, object]:
        async with database() as db:
            row = await db.fetchone("SELECT value FROM meta WHERE key = 'k'")
            return await db.schema_version(), len(db.migrations), row["value"]

    asyncio.run(first())
    version, latest, value = asyncio.run(second())
    assert (version, value) == (latest, "v")


def test_an_older_sqlite_schema_is_brought_up_to_date(db_path: Path) -> None:
    connection = sqlite3.connect(db_path)
    connection.executescript(MIGRATIONS[0])
    connection.execute(
        "INSERT INTO articles (source_key, title, created_at) VALUES ('title:t', 't', 'now')"
    )
    connection.execute("PRAGMA user_version = 1")
    connection.commit()
    connection.close()

    async def scenario() -> tuple[int, int]:
        db = await SqliteDatabase.open(db_path)
        try:
            count = await db.fetchone("SELECT COUNT(*) FROM articles")
            await db.fetchall("SELECT * FROM guild_settings")
            return await db.schema_version(), count[0]
        finally:
            await db.close()

    assert asyncio.run(scenario()) == (len(MIGRATIONS), 1)


def test_a_failed_transaction_writes_nothing(database: Callable) -> None:
    async def scenario() -> list:
        async with database() as db:
            with pytest.raises(RuntimeError):
                async with db.transaction() as writer:
                    await writer.execute("INSERT INTO meta (key, value) VALUES ('a', '1')")
                    raise RuntimeError("interrupted")
            async with db.transaction() as writer:
                await writer.execute("INSERT INTO meta (key, value) VALUES ('b', '2')")
            return [tuple(r) for r in await db.fetchall("SELECT key, value FROM meta")]

    assert asyncio.run(scenario()) == [("b", "2")]


def test_a_cancelled_write_leaves_the_database_usable(database: Callable) -> None:
    async def scenario() -> list:
        async with database() as db:

            async def write() -> None:
                async with db.transaction() as writer:
                    await writer.execute("INSERT INTO meta (key, value) VALUES ('a', '1')")

            task = asyncio.ensure_future(write())
            await asyncio.sleep(0)  # the write has started: it waits for SQLite
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
            async with db.transaction() as writer:
                await writer.execute("INSERT INTO meta (key, value) VALUES ('b', '2')")
            return [tuple(r) for r in await db.fetchall("SELECT key, value FROM meta")]

    assert asyncio.run(scenario()) == [("b", "2")]


def test_a_transaction_reads_its_own_writes_and_counts_what_it_changed(database: Callable) -> None:
    async def scenario() -> tuple:
        async with database() as db:
            async with db.transaction() as writer:
                await writer.execute("INSERT INTO meta (key, value) VALUES ('k', 'v')")
                mine = await writer.execute("SELECT value FROM meta WHERE key = ?", ("k",))
                theirs = await db.fetchone("SELECT COUNT(*) FROM meta")
            async with db.transaction() as writer:
                deleted = await writer.execute("DELETE FROM meta WHERE key LIKE ?", ("%",))
            return mine.first()["value"], theirs[0], deleted.rowcount, deleted.rows

    assert asyncio.run(scenario()) == ("v", 0, 1, [])


def test_reads_see_only_committed_writes(database: Callable) -> None:
    async def scenario() -> tuple[int, int]:
        async with database() as db:
            async with db.transaction() as writer:
                await writer.execute("INSERT INTO meta (key, value) VALUES ('k', 'v')")
                during = await db.fetchone("SELECT COUNT(*) FROM meta")
            after = await db.fetchone("SELECT COUNT(*) FROM meta")
            return during[0], after[0]

    assert asyncio.run(scenario()) == (0, 1)


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


def test_a_database_of_the_previous_release_keeps_its_articles(db_path: Path) -> None:
    # A library written before sentence vectors existed: two migrations, one article.
    connection = sqlite3.connect(db_path)
    for script in MIGRATIONS[:2]:
        connection.executescript(script)
    connection.execute(
        "INSERT INTO articles (source_key, title, current_version, created_at)"
        " VALUES ('title:t', 't', 1, 'now')"
    )
    connection.execute(
        "INSERT INTO versions (article_id, version, source, language, content, indexed_at)"
        " VALUES (1, 1, 's', 'fr', '{}', 'now')"
    )
    connection.execute("PRAGMA user_version = 2")
    connection.commit()
    connection.close()

    async def scenario() -> tuple:
        db = await SqliteDatabase.open(db_path)
        try:
            row = await db.fetchone("SELECT source, vectors, model FROM versions")
            return await db.schema_version(), tuple(row)
        finally:
            await db.close()

    assert asyncio.run(scenario()) == (len(MIGRATIONS), ("s", None, None))


def test_a_library_indexed_one_row_per_sentence_is_indexed_again(db_path: Path) -> None:
    # Written by the release whose index gave each sentence row its paragraph's terms: the
    # article is marked indexed there; after the upgrade, ``catch_up`` indexes it again and
    # a search finds it.
    article = parse("Le port ouvre un terminal\n\nLe port de Marseille a ouvert un terminal.\n")
    connection = sqlite3.connect(db_path)
    for script in MIGRATIONS[:7]:
        connection.executescript(script)
    connection.execute(
        "INSERT INTO articles (space, source_key, title, current_version, created_at,"
        " search_version) VALUES ('local', 'title:t', 't', 1, 'now', 1)"
    )
    connection.execute(
        "INSERT INTO versions (article_id, version, source, language, content, indexed_at)"
        " VALUES (1, 1, 's', 'fr', ?, 'now')",
        (json.dumps(article.to_dict()),),
    )
    connection.execute(
        "INSERT INTO sentence_index (rowid, text, paragraph, title) VALUES (1048577, 'x', 'x', 'x')"
    )
    connection.execute("PRAGMA user_version = 7")
    connection.commit()
    connection.close()

    async def scenario() -> tuple:
        db = await SqliteDatabase.open(db_path)
        try:
            library = Library(db)
            caught = [await library.catch_up(), await library.catch_up()]
            hits = await library.search.search("local", ["terminal"])
            return await db.schema_version(), caught, [(h.article_id, h.sentence) for h in hits]
        finally:
            await db.close()

    assert asyncio.run(scenario()) == (len(MIGRATIONS), [1, 0], [(1, 0)])
