"""The database behind the library: one small interface, two backends.

``open_database`` picks the backend named by ``DATABASE_URL``: SQLite (this module, the
embedded default: one WAL file) or Postgres (``bot.storage.postgres``, through asyncpg, for several
processes). Both take the same SQL with ``?`` placeholders, return rows readable by column name
(``row["id"]``), write in all-or-nothing transactions and read committed data only; each keeps
its own migrations and its own library-wide search engine (``search_index``).
"""

from __future__ import annotations

import asyncio
import contextlib
import sqlite3
from abc import ABC, abstractmethod
from collections.abc import AsyncIterator, Iterable, Sequence
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

import aiosqlite

from bot.storage.search import Fts5Index

if TYPE_CHECKING:
    from bot.settings import Settings
    from bot.storage.search import SearchIndex


class DatabaseUnavailable(Exception):
    """The database cannot be opened or used (a bad file, a server that cannot be reached or
    refuses the credentials); the message says why, without any password."""


class Row(Protocol):
    """A result row, read by column name (``row["id"]``) or position (``row[0]``)."""

    def __getitem__(self, key: int | str) -> Any: ...


@dataclass(frozen=True)
class Result:
    """What a statement returned: its rows (``RETURNING`` included) and how many rows it
    changed or returned."""

    rows: list[Row]
    rowcount: int

    def first(self) -> Row | None:
        """The first row, or ``None``."""
        return self.rows[0] if self.rows else None


class Connection(ABC):
    """The connection a write transaction runs on."""

    @abstractmethod
    async def execute(self, sql: str, params: Sequence = ()) -> Result:
        """Run one statement (``?`` placeholders)."""

    @abstractmethod
    async def executemany(self, sql: str, rows: Iterable[Sequence]) -> None:
        """Run one statement for each row of parameters."""


class Database(ABC):
    """What the library, the history and the settings need of a database."""

    migrations: tuple[str, ...]
    """The backend's schema, one script per version."""

    @abstractmethod
    def transaction(self, lock: str | None = None) -> AbstractAsyncContextManager[Connection]:
        """A write transaction: all of it is committed, or none of it on any error (or
        cancellation). ``lock`` names what must be written by one transaction at a time across
        every process sharing the database (a space's library)."""

    @abstractmethod
    async def fetchall(self, sql: str, params: Sequence = ()) -> list[Row]:
        """Rows of a read query (committed data only)."""

    @abstractmethod
    async def fetchone(self, sql: str, params: Sequence = ()) -> Row | None:
        """The first row of a read query (committed data only), or ``None``."""

    @abstractmethod
    async def schema_version(self) -> int:
        """The number of migrations applied."""

    @abstractmethod
    async def backup(self, target: Path) -> None:
        """A consistent copy of the database, as an SQLite file at ``target``."""

    @abstractmethod
    def search_index(self) -> SearchIndex:
        """The backend's library-wide sentence search."""

    @abstractmethod
    async def close(self) -> None:
        """Wait for the writes in progress, then close."""


async def open_database(settings: Settings) -> Database:
    """The database named by ``DATABASE_URL``, opened and migrated."""
    if settings.database_backend == "postgres":
        from bot.storage.postgres import PostgresDatabase  # asyncpg is imported only when used

        return await PostgresDatabase.open(settings.database_url, settings.database_pool_size)
    return await SqliteDatabase.open(settings.database_path)


# How long a process waits for another's write on a shared SQLite file before giving up.
BUSY_TIMEOUT = 60.0

MIGRATIONS: tuple[str, ...] = (
    """
    CREATE TABLE articles (
        id INTEGER PRIMARY KEY,
        source_key TEXT NOT NULL UNIQUE,
        title TEXT NOT NULL,
        current_version INTEGER NOT NULL DEFAULT 0,
        created_at TEXT NOT NULL
    );
    CREATE TABLE versions (
        article_id INTEGER NOT NULL REFERENCES articles(id),
        version INTEGER NOT NULL,
        source TEXT NOT NULL,
        language TEXT NOT NULL,
        content TEXT NOT NULL,
        indexed_at TEXT NOT NULL,
        PRIMARY KEY (article_id, version)
    );
    CREATE TABLE channels (
        channel TEXT PRIMARY KEY,
        article_id INTEGER NOT NULL REFERENCES articles(id)
    );
    CREATE TABLE turns (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        channel TEXT NOT NULL,
        author TEXT NOT NULL,
        question TEXT NOT NULL,
        article_id INTEGER NOT NULL,
        version INTEGER NOT NULL,
        abstained INTEGER NOT NULL,
        passages TEXT NOT NULL,
        asked_at TEXT NOT NULL
    );
    CREATE INDEX turns_by_channel ON turns (channel, id);
    """,
    """
    CREATE TABLE guild_settings (
        guild_id TEXT PRIMARY KEY,
        admin_role TEXT,
        answer_channels TEXT,
        language TEXT
    );
    CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
    """,
    # Sentence vectors are stored with the version they were computed for (float16 rows),
    # with the model that made them: vectors of another model are never mixed in.
    """
    ALTER TABLE versions ADD COLUMN vectors BLOB;
    ALTER TABLE versions ADD COLUMN model TEXT;
    """,
    # A library per space ("guild:<id>" for a Discord server, "local" for the command line,
    # the console and direct messages): the same title or URL is one article per space only.
    # Articles of an older database go to "local". The admin role is kept by id.
    """
    CREATE TABLE articles_spaced (
        id INTEGER PRIMARY KEY,
        space TEXT NOT NULL,
        source_key TEXT NOT NULL,
        title TEXT NOT NULL,
        current_version INTEGER NOT NULL DEFAULT 0,
        created_at TEXT NOT NULL,
        UNIQUE (space, source_key)
    );
    INSERT INTO articles_spaced (id, space, source_key, title, current_version, created_at)
        SELECT id, 'local', source_key, title, current_version, created_at FROM articles;
    DROP TABLE articles;
    ALTER TABLE articles_spaced RENAME TO articles;
    CREATE INDEX articles_newest ON articles (space, created_at, id);
    CREATE INDEX articles_by_title ON articles (space, title COLLATE NOCASE);
    ALTER TABLE guild_settings ADD COLUMN admin_role_id TEXT;
    """,
    # Votes on answers: one per member and answer, changeable. The question and what was
    # quoted are kept with the vote, so that trimming or forgetting a channel's history does
    # not lose the evaluation cases the votes make.
    """
    CREATE TABLE feedback (
        turn_id INTEGER NOT NULL,
        member TEXT NOT NULL,
        vote INTEGER NOT NULL,
        voted_at TEXT NOT NULL,
        space TEXT NOT NULL,
        article_id INTEGER NOT NULL,
        version INTEGER NOT NULL,
        question TEXT NOT NULL,
        passages TEXT NOT NULL,
        PRIMARY KEY (turn_id, member)
    );
    CREATE INDEX feedback_by_article ON feedback (space, article_id);
    ALTER TABLE guild_settings ADD COLUMN thread_answers INTEGER NOT NULL DEFAULT 0;
    """,
    # The library-wide search index (bot/storage/search.py): a version's sentences are written with
    # it; ``search_version`` says which version the index holds, so that an older database is
    # caught up at start. ``sentence_terms`` counts the sentences each term is in (terms are
    # prefixed by their space: the counts are each space's own).
    """
    CREATE VIRTUAL TABLE sentence_index USING fts5(
        text, paragraph, title, tokenize = 'unicode61 remove_diacritics 0'
    );
    CREATE TABLE sentence_terms (term TEXT PRIMARY KEY, sentences INTEGER NOT NULL) WITHOUT ROWID;
    ALTER TABLE articles ADD COLUMN search_version INTEGER;
    """,
    # Title lookups fold case with lower(), which both backends index; COLLATE NOCASE is
    # SQLite's own.
    """
    DROP INDEX articles_by_title;
    CREATE INDEX articles_by_title ON articles (space, lower(title));
    """,
    # The search index stores each paragraph once (bot/storage/search.py): ``search_rows`` holds an
    # article's title, headings and paragraphs, ``search_match`` finds them (contentless: no
    # second copy of the tokens, no positions), counts and totals are per space. The previous
    # index repeated a paragraph's terms in every sentence's row; every article is indexed
    # again at start (``catch_up``).
    """
    DROP TABLE sentence_index;
    DROP TABLE sentence_terms;
    CREATE TABLE search_rows (
        id INTEGER PRIMARY KEY,
        section INTEGER NOT NULL,
        first INTEGER NOT NULL,
        count INTEGER NOT NULL,
        terms TEXT NOT NULL
    );
    CREATE VIRTUAL TABLE search_match USING fts5(
        terms, content = '', columnsize = 0, detail = none,
        tokenize = 'unicode61 remove_diacritics 0'
    );
    CREATE TABLE search_counts (
        space TEXT NOT NULL,
        term TEXT NOT NULL,
        sentences INTEGER NOT NULL,
        PRIMARY KEY (space, term)
    ) WITHOUT ROWID;
    CREATE TABLE search_totals (
        space TEXT PRIMARY KEY,
        sentences INTEGER NOT NULL,
        tokens INTEGER NOT NULL
    );
    UPDATE articles SET search_version = NULL;
    """,
    # Each sentence's answer shapes, found when the version was indexed (index/language/shapes.py,
    # JSON); versions indexed before have none and are scanned when asked.
    """
    ALTER TABLE versions ADD COLUMN shapes TEXT;
    """,
)


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


class SqliteDatabase(Database):
    """Two aiosqlite connections to one WAL file: a writer and a reader.

    Writes go through ``transaction()`` one at a time on the writer (across processes too:
    BEGIN IMMEDIATE takes the file's write lock, so ``lock`` needs nothing more). Reads use the
    reader, which in WAL mode sees only committed data: while a reindex is being written,
    questions are still answered from the previous version.
    """

    migrations = MIGRATIONS

    def __init__(self, writer: aiosqlite.Connection, reader: aiosqlite.Connection) -> None:
        self.writer = writer
        self.reader = reader
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
        database = cls(writer, writer)
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

    async def backup(self, target: Path) -> None:
        """A consistent copy of the database at ``target`` (SQLite's online backup)."""
        target.parent.mkdir(parents=True, exist_ok=True)
        async with aiosqlite.connect(str(target)) as copy:
            await self.reader.backup(copy)

    def search_index(self) -> SearchIndex:
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
