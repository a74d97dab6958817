"""The Postgres engine (``DATABASE_URL=postgresql://...``), through an asyncpg pool: several
processes, on one machine or many, share one database.

The schema is ``migrations/*.sql`` beside this module; the version applied is kept in
``schema_version``, and every pending migration runs in one transaction under an advisory lock,
so that processes starting together migrate once. A ``transaction(lock)`` takes a
transaction-scoped advisory lock named by ``lock``. Reads run on other pooled connections,
which see committed data only.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Iterable, Sequence
from contextlib import asynccontextmanager
from functools import lru_cache

import asyncpg

from bot.storage.postgres.search import PostgresIndex
from bot.storage.protocol import (
    Connection,
    Database,
    DatabaseUnavailable,
    DatabaseURL,
    Result,
    Row,
    Snapshot,
    migrations,
)

CONNECT_TIMEOUT = 10.0  # seconds: a server that does not answer is reported, not waited for

MIGRATIONS = migrations(__package__)
_ROWS = re.compile(r"^\s*(SELECT|WITH|VALUES)\b|\bRETURNING\b", re.IGNORECASE)


@lru_cache(maxsize=512)
def placeholders(sql: str) -> str:
    """The statement with its ``?`` placeholders numbered as asyncpg wants (``$1``, ``$2``...);
    a ``?`` inside a quoted literal stays."""
    parts = re.split(r"('(?:[^']|'')*')", sql)
    number = 0
    for i in range(0, len(parts), 2):  # even parts are outside quotes
        pieces = parts[i].split("?")
        out = [pieces[0]]
        for piece in pieces[1:]:
            number += 1
            out.append(f"${number}{piece}")
        parts[i] = "".join(out)
    return "".join(parts)


class PostgresConnection(Connection):
    """A write transaction's pooled asyncpg connection."""

    def __init__(self, connection: asyncpg.Connection) -> None:
        self.connection = connection

    async def execute(self, sql: str, params: Sequence = ()) -> Result:
        """Run one statement: its rows when it returns some, else the count its status gives."""
        query = placeholders(sql)
        if _ROWS.search(sql):
            rows = await self.connection.fetch(query, *params)
            return Result(list(rows), len(rows))
        status = await self.connection.execute(query, *params)
        last = status.rsplit(" ", 1)[-1]
        return Result([], int(last) if last.isdigit() else 0)

    async def executemany(self, sql: str, rows: Iterable[Sequence]) -> None:
        """Run one statement for each row of parameters (pipelined)."""
        await self.connection.executemany(placeholders(sql), [tuple(row) for row in rows])


class PostgresSnapshot(Snapshot):
    """A read-only transaction's connection."""

    def __init__(self, connection: asyncpg.Connection) -> None:
        self.connection = connection

    async def rows(self, sql: str) -> AsyncIterator[Row]:
        """The rows of a query, through a server-side cursor."""
        async for row in self.connection.cursor(sql):
            yield row


class PostgresDatabase(Database):
    """A pool of connections to one Postgres database."""

    migrations = MIGRATIONS

    def __init__(self, pool: asyncpg.Pool) -> None:
        self.pool = pool

    @classmethod
    async def open(cls, url: DatabaseURL | str, pool_size: int = 10) -> PostgresDatabase:
        """Connect and bring the schema up to date; a server that cannot be reached, refuses
        the credentials or has no such database raises ``DatabaseUnavailable``."""
        url = DatabaseURL.parse(url) if isinstance(url, str) else url
        try:
            pool = await asyncpg.create_pool(
                url.unmasked(), min_size=1, max_size=pool_size, timeout=CONNECT_TIMEOUT
            )
        except (OSError, TimeoutError, ValueError, asyncpg.PostgresError,
                asyncpg.InterfaceError) as error:
            raise DatabaseUnavailable(_reason(error, url)) from None
        database = cls(pool)
        try:
            await database._migrate()
        except (OSError, asyncpg.PostgresError, asyncpg.InterfaceError) as error:
            await pool.close()
            raise DatabaseUnavailable(_reason(error, url)) from None
        except BaseException:
            await pool.close()
            raise
        return database

    async def close(self) -> None:
        """Wait for the connections in use to come back, then close them all."""
        await self.pool.close()

    @asynccontextmanager
    async def transaction(self, lock: str | None = None) -> AsyncIterator[Connection]:
        """A write transaction on a connection of its own; with ``lock``, it first waits for
        any other transaction holding the same lock, in any process, to end."""
        async with self.pool.acquire() as connection, connection.transaction():
            if lock is not None:
                await connection.execute(
                    "SELECT pg_advisory_xact_lock(hashtextextended($1, 0))", lock
                )
            yield PostgresConnection(connection)

    async def fetchall(self, sql: str, params: Sequence = ()) -> list[Row]:
        """Rows of a read query (committed data only)."""
        return list(await self.pool.fetch(placeholders(sql), *params))

    async def fetchone(self, sql: str, params: Sequence = ()) -> Row | None:
        """The first row of a read query (committed data only), or ``None``."""
        return await self.pool.fetchrow(placeholders(sql), *params)

    async def schema_version(self) -> int:
        """The number of migrations applied."""
        return int(await self.pool.fetchval("SELECT version FROM schema_version"))

    @asynccontextmanager
    async def snapshot(self) -> AsyncIterator[Snapshot]:
        """A read-only repeatable-read transaction: every query sees the same moment."""
        async with self.pool.acquire() as connection, connection.transaction(
            isolation="repeatable_read", readonly=True
        ):
            yield PostgresSnapshot(connection)

    def search_index(self) -> PostgresIndex:
        """The tsvector sentence index, ranked with BM25 (``bot.storage.postgres.search``)."""
        return PostgresIndex(self)

    async def _migrate(self) -> None:
        async with self.pool.acquire() as connection, connection.transaction():
            await connection.execute(
                "SELECT pg_advisory_xact_lock(hashtextextended('kiosque:schema', 0))"
            )
            await connection.execute(
                "CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)"
            )
            current = await connection.fetchval("SELECT version FROM schema_version")
            if current is None:
                await connection.execute("INSERT INTO schema_version VALUES (0)")
                current = 0
            for number, script in enumerate(MIGRATIONS[current:], start=current + 1):
                await connection.execute(script)  # no parameters: a script of statements
                await connection.execute("UPDATE schema_version SET version = $1", number)


def _reason(error: BaseException, url: DatabaseURL) -> str:
    """Why the server could not be used, in one line; a message that quotes the URL (asyncpg's
    own never holds the password, a malformed URL's may) quotes it masked."""
    if isinstance(error, OSError) and error.strerror:
        return f"cannot connect ({error.strerror})"
    if isinstance(error, TimeoutError):
        return f"no answer from the server within {CONNECT_TIMEOUT:.0f} s"
    reason = " ".join(str(error).split()) or type(error).__name__
    return url.scrub(reason)
