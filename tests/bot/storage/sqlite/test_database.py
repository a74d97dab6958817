"""The SQLite engine's own: its file in WAL mode, its migrations (the ``.sql`` files it runs)
and the older schemas it brings up to date."""

from __future__ import annotations

import asyncio
import json
import sqlite3
from pathlib import Path

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
