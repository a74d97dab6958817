"""One backup for every engine: a consistent copy of a database as an SQLite file, which
Kiosque runs on with ``DATABASE_URL=sqlite:///TARGET``.

The copy is written beside ``target`` and renamed into place once complete: a backup that
fails leaves nothing behind. The search index is not copied: it is rebuilt from the versions
the first time the copy is opened (``Library.catch_up``), whichever engine wrote it.
"""

from __future__ import annotations

import contextlib
import os
from pathlib import Path

from bot.storage.protocol import Database
from bot.storage.sqlite.database import SqliteDatabase

# What is copied, in an order that keeps foreign keys satisfied: every table both engines
# hold but the search index.
COPIED = {
    "articles": "id, space, source_key, title, current_version, created_at",
    "versions": (
        "article_id, version, source, language, content, indexed_at, vectors, model, shapes"
    ),
    "channels": "channel, article_id",
    "turns": "id, channel, author, question, article_id, version, abstained, passages, asked_at",
    "guild_settings": (
        "guild_id, admin_role_id, answer_channels, language, thread_answers, feed_articles,"
        " link_previews"
    ),
    "meta": "key, value",
    "feedback": "turn_id, member, vote, voted_at, space, article_id, version, question, passages",
}
BATCH = 500  # rows written at once


async def backup(database: Database, target: Path) -> None:
    """Copy every table of ``database``, as one snapshot, into a new SQLite file at ``target``."""
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(target.name + ".partial")
    _remove(partial)
    try:
        copy = await SqliteDatabase.open(partial)
        try:
            async with database.snapshot() as source, copy.transaction() as into:
                for table, columns in COPIED.items():
                    marks = ", ".join(["?"] * len(columns.split(",")))
                    insert = f"INSERT INTO {table} ({columns}) VALUES ({marks})"
                    batch = []
                    async for row in source.rows(f"SELECT {columns} FROM {table}"):
                        batch.append(tuple(row))
                        if len(batch) == BATCH:
                            await into.executemany(insert, batch)
                            batch = []
                    await into.executemany(insert, batch)
        finally:
            await copy.close()
        os.replace(partial, target)
    finally:
        _remove(partial)


def _remove(path: Path) -> None:
    """An SQLite file and the journal files beside it, if any."""
    for leftover in (path, *(path.with_name(path.name + end) for end in ("-wal", "-shm"))):
        with contextlib.suppress(FileNotFoundError):
            leftover.unlink()
