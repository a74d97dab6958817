"""The SQLite engine (``DATABASE_URL=sqlite:///PATH``, the embedded default): one WAL file
that several processes on one machine may share.

The schema is ``migrations/*.sql`` beside this module; the version applied is the file's
``user_version``.
"""

from __future__ import annotations

import asyncio
import contextlib
import sqlite3
from collections.abc import AsyncIterator, Iterable, Sequence
from contextlib import asynccontextmanager
from pathlib import Path

import aiosqlite

from bot.storage.protocol import (
    Connection,
    Database,
    DatabaseUnavailable,
    Result,
    Row,
    Snapshot,
    migrations,
)
from bot.storage.sqlite.search import Fts5Index

# How long a process waits for another's write on a shared SQLite file before giving up.
BUSY_TIMEOUT = 60.0

MIGRATIONS = migrations(__package__)


class SqliteConnection(Connection):
    """A write transaction's aiosqlite connection."""

    def __init__(self, connection: aiosqlite.Connection) -> None:
        self.connection = connection

    async def execute(self, sql: str, params: Sequence = ()) -> Result:
        """Run one statement and read what it returned."""
        async with self.connection.execute(sql, tuple(params)) as cursor:
            rows = list(await cursor.fetchall())
            return Result(rows, cursor.rowcount if cursor.rowcount >= 0 else len(rows))

    async def executemany(self, sql: str, rows: Iterable[Sequence]) -> None:
        """Run one statement for each row of parameters."""
        await self.connection.executemany(sql, [tuple(row) for row in rows])


class SqliteSnapshot(Snapshot):
    """A read transaction's connection."""

    def __init__(self, connection: aiosqlite.Connection) -> None:
        self.connection = connection

    async def rows(self, sql: str) -> AsyncIterator[Row]:
        """The rows of a query, fetched a batch at a time."""
        async with self.connection.execute(sql) as cursor:
            async for row in cursor:
                yield row


class SqliteDatabase(Database):
    """Two aiosqlite connections to one WAL file: a writer and a reader.

    Writes go through ``transaction()`` one at a time on the writer (across processes too:
    BEGIN IMMEDIATE takes the file's write lock, so ``lock`` needs nothing more). Reads use the
    reader, which in WAL mode sees only committed data: while a reindex is being written,
    questions are still answered from the previous version.
    """

    migrations = MIGRATIONS

    def __init__(
        self, writer: aiosqlite.Connection, reader: aiosqlite.Connection, target: str, uri: bool
    ) -> None:
        self.writer = writer
        self.reader = reader
        self._target, self._uri = target, uri  # what a snapshot connects to
        self._write = asyncio.Lock()

    @classmethod
    async def open(cls, path: Path) -> SqliteDatabase:
        """Open (creating if needed) the database file and bring its schema up to date.

        ``:memory:`` is one in-memory database shared by the writer and the reader. A file that
        is not a usable SQLite database raises ``DatabaseUnavailable``, which says why.
        """
        memory = str(path) == ":memory:"
        target = f"file:kiosque-{id(path)}?mode=memory&cache=shared" if memory else str(path)
        try:
            if not memory:
                path.parent.mkdir(parents=True, exist_ok=True)
            writer = await _connect(target, uri=memory)
        except (OSError, sqlite3.Error) as error:
            raise DatabaseUnavailable(str(error)) from None
        database = cls(writer, writer, target, memory)
        try:
            await _use_wal(writer)
            await database._migrate()
            database.reader = await _connect(target, uri=memory)
        except sqlite3.Error as error:
            await database.close()
            raise DatabaseUnavailable(str(error)) from None
        except BaseException:
            await database.close()
            raise
        return database

    async def close(self) -> None:
        """Wait for the write in progress, then close both connections."""
        async with self._write:
            if self.reader is not self.writer:
                await self.reader.close()
            await self.writer.close()

    @asynccontextmanager
    async def transaction(self, lock: str | None = None) -> AsyncIterator[Connection]:
        """A write transaction: all of it is committed, or none of it on any error."""
        async with self._write:
            # BEGIN is inside the try: a task cancelled while BEGIN runs must still roll back,
            # or the writer would stay inside a transaction that no later write can start.
            try:
                await self.writer.execute("BEGIN IMMEDIATE")
                yield SqliteConnection(self.writer)
            except BaseException:
                # Queued after the BEGIN on the connection's thread, so it always runs after
                # it; "no transaction is active" only means BEGIN itself failed.
                with contextlib.suppress(sqlite3.OperationalError):
                    await self.writer.execute("ROLLBACK")
                raise
            await self.writer.execute("COMMIT")

    async def fetchall(self, sql: str, params: Sequence = ()) -> list[Row]:
        """Rows of a read query (committed data only)."""
        async with self.reader.execute(sql, tuple(params)) as cursor:
            return list(await cursor.fetchall())

    async def fetchone(self, sql: str, params: Sequence = ()) -> Row | None:
        """The first row of a read query (committed data only), or ``None``."""
        async with self.reader.execute(sql, tuple(params)) as cursor:
            return await cursor.fetchone()

    async def schema_version(self) -> int:
        """The number of migrations applied."""
        row = await self.fetchone("PRAGMA user_version")
        return int(row[0]) if row else 0

    @asynccontextmanager
    async def snapshot(self) -> AsyncIterator[Snapshot]:
        """A read transaction on a connection of its own: in WAL mode it sees the file as it
        was at its first read, whatever is committed meanwhile."""
        connection = await _connect(self._target, uri=self._uri)
        try:
            await connection.execute("BEGIN")
            yield SqliteSnapshot(connection)
        finally:
            with contextlib.suppress(sqlite3.Error):
                await connection.execute("ROLLBACK")
            await connection.close()

    def search_index(self) -> Fts5Index:
        """The FTS5 sentence index kept in the same file."""
        return Fts5Index(self)

    async def _migrate(self) -> None:
        # One write transaction for every pending migration: processes starting together on a
        # new database wait for each other (BEGIN IMMEDIATE) and the version is read inside
        # it, so each migration runs once. Tables are rebuilt with foreign keys off, as SQLite
        # requires, and checked before the commit.
        await self.writer.execute("PRAGMA foreign_keys=OFF")
        try:
            async with self.transaction() as connection:
                current = int((await connection.execute("PRAGMA user_version")).rows[0][0])
                for number, script in enumerate(MIGRATIONS[current:], start=current + 1):
                    for statement in filter(str.strip, script.split(";")):
                        await connection.execute(statement)
                    await connection.execute(f"PRAGMA user_version = {number}")
                if (await connection.execute("PRAGMA foreign_key_check")).rows:
                    raise sqlite3.IntegrityError("foreign keys broken by a migration")
        finally:
            await self.writer.execute("PRAGMA foreign_keys=ON")


async def _connect(target: str, uri: bool = False) -> aiosqlite.Connection:
    connection = await aiosqlite.connect(target, isolation_level=None, uri=uri)
    connection.row_factory = aiosqlite.Row
    try:
        await connection.execute("PRAGMA synchronous=NORMAL")
        await connection.execute("PRAGMA foreign_keys=ON")
        # Processes sharing the file wait for each other's writes; a transaction spans event
        # loop turns, so a busy process holds the write lock for seconds: wait, not fail.
        await connection.execute(f"PRAGMA busy_timeout={int(BUSY_TIMEOUT * 1000)}")
    except BaseException:
        await connection.close()
        raise
    return connection


async def _use_wal(connection: aiosqlite.Connection) -> None:
    """``PRAGMA journal_mode=WAL``, waiting for another process doing the same (up to
    ``BUSY_TIMEOUT``) rather than failing with "database is locked".

    On a new file the switch reads the header under a read lock, then upgrades to a write lock
    to mark the file WAL. Two processes starting together both hold the read lock and want the
    write lock: SQLite refuses one of them SQLITE_BUSY at once, without calling the busy
    handler (waiting there could deadlock), so ``busy_timeout`` does not help. Failing lets go
    of its read lock; the other switch then commits, and the retry finds the file already WAL
    and writes nothing.
    """
    deadline = asyncio.get_running_loop().time() + BUSY_TIMEOUT
    while True:
        try:
            await connection.execute("PRAGMA journal_mode=WAL")
            return
        except sqlite3.OperationalError as error:
            busy = error.sqlite_errorcode & 0xFF == sqlite3.SQLITE_BUSY  # extended codes too
            if not busy or asyncio.get_running_loop().time() >= deadline:
                raise
        await asyncio.sleep(0.05)
