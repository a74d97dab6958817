"""The one place that knows both engines: ``open_database`` picks the one ``DATABASE_URL``
names."""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot.storage.sqlite.database import SqliteDatabase

if TYPE_CHECKING:
    from bot.settings import Settings
    from bot.storage.protocol import Database


async def open_database(settings: Settings) -> Database:
    """The database named by ``DATABASE_URL``, opened and migrated: an SQLite file (the
    embedded default) or a Postgres server (for several processes)."""
    url = settings.database_url
    if url.backend == "postgres":
        from bot.storage.postgres.database import PostgresDatabase  # asyncpg only when used

        return await PostgresDatabase.open(url, settings.database_pool_size)
    return await SqliteDatabase.open(url.path)
