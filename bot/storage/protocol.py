"""What the repositories ask of a database, whichever engine runs it: write transactions,
committed reads, a consistent snapshot, the schema's version and the engine's search index.

Both engines (``bot.storage.sqlite``, ``bot.storage.postgres``) take the same SQL with ``?``
placeholders, return rows readable by column name (``row["id"]``), write in all-or-nothing
transactions and read committed data only; each keeps its schema as numbered ``.sql`` files in
its ``migrations`` folder (``migrations``). This module imports no engine.
"""

from __future__ import annotations

import re
from abc import ABC, abstractmethod
from collections.abc import AsyncIterator, Iterable, Sequence
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from importlib import resources
from typing import TYPE_CHECKING, Any, Protocol

from bot.settings import DatabaseURL

if TYPE_CHECKING:
    from bot.storage.search import SearchIndex

__all__ = [
    "Connection",
    "Database",
    "DatabaseURL",
    "DatabaseUnavailable",
    "Result",
    "Row",
    "Snapshot",
    "migrations",
]


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


class Snapshot(ABC):
    """The whole database as it was at one moment, read only (what a backup copies)."""

    @abstractmethod
    def rows(self, sql: str) -> AsyncIterator[Row]:
        """The rows of a query, read as they come (a table may not fit in memory)."""


class Database(ABC):
    """What the library, the history and the settings need of a database."""

    migrations: tuple[str, ...]
    """The engine's schema, one script per version (its ``migrations/*.sql``)."""

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
    def snapshot(self) -> AbstractAsyncContextManager[Snapshot]:
        """A consistent, read-only view of every table while it is open; writes go on."""

    @abstractmethod
    async def schema_version(self) -> int:
        """The number of migrations applied."""

    @abstractmethod
    def search_index(self) -> SearchIndex:
        """The engine's library-wide sentence search."""

    @abstractmethod
    async def close(self) -> None:
        """Wait for the writes in progress, then close."""


def migrations(package: str) -> tuple[str, ...]:
    """The scripts of ``package``'s ``migrations`` folder, in the order of their numbers
    (``001-articles.sql``, ``002-...``): script n brings the schema to version n."""
    folder = resources.files(package) / "migrations"
    scripts = sorted(
        (int(match[1]), entry) for entry in folder.iterdir()
        if (match := re.fullmatch(r"(\d+)-[\w-]+\.sql", entry.name))
    )
    numbers = [number for number, _ in scripts]
    if numbers != list(range(1, len(scripts) + 1)):
        raise DatabaseUnavailable(f"{package}: migrations numbered {numbers}, not 1 to n")
    return tuple(entry.read_text(encoding="utf-8") for _, entry in scripts)
