"""A throwaway Postgres server for the tests, ``make eval`` and ``make bench``: a cluster made by
``initdb`` in a temporary folder, listening only on a Unix socket in that folder, trusting local
connections, stopped and deleted at the end.

``initdb`` refuses to run as root: as root the cluster belongs to the ``postgres`` user and its
commands run through ``runuser``. A folder's name carries the pid of the process that made it:
a server left behind by a killed run is stopped and deleted by the next one.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

import asyncpg

PREFIX = "kiosque-pg-"
PORT = 5432  # only names the socket file: the server listens on no TCP port
# Durability is not what the tests measure: no fsync makes a database cost milliseconds.
OPTIONS = "-c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200"


class PostgresUnavailable(RuntimeError):
    """No throwaway server can be made here; the message says what is missing or failed."""


def binaries() -> Path:
    """The folder of ``initdb``, ``pg_ctl`` and ``postgres`` (``PG_BIN`` overrides the search)."""
    wanted = ("initdb", "pg_ctl", "postgres")
    candidates = [Path(os.environ["PG_BIN"])] if os.environ.get("PG_BIN") else [
        *sorted(Path("/usr/lib/postgresql").glob("*/bin"), reverse=True),
        *(Path(p).parent for p in filter(None, [shutil.which("pg_ctl")])),
    ]
    for folder in candidates:
        if all((folder / name).is_file() for name in wanted):
            return folder
    raise PostgresUnavailable(
        f"Postgres server programs ({', '.join(wanted)}) not found in "
        f"{', '.join(map(str, candidates)) or 'PATH or /usr/lib/postgresql/*/bin'}: "
        "install Postgres 15 (Debian: apt-get install postgresql-15) or set PG_BIN"
    )


class PostgresServer:
    """One running cluster; ``url(name)`` is a database of it (create it first)."""

    def __init__(self, folder: Path, bindir: Path) -> None:
        self.folder = folder
        self.bindir = bindir
        self._names = itertools.count(1)

    @property
    def data(self) -> Path:
        """The cluster's data directory."""
        return self.folder / "data"

    def url(self, database: str = "postgres") -> str:
        """The ``DATABASE_URL`` of a database of this server (through its socket)."""
        return f"postgresql://postgres@/{database}?host={self.folder}&port={PORT}"

    @classmethod
    def start(cls, options: str = "") -> PostgresServer:
        """initdb a new cluster in a temporary folder and start it (``options``: more
        ``-c name=value`` server settings)."""
        bindir = binaries()
        sweep(bindir)
        folder = Path(tempfile.mkdtemp(prefix=f"{PREFIX}{os.getpid()}-"))
        server = cls(folder, bindir)
        try:
            _own(folder)
            _run(bindir / "initdb", "-D", str(server.data), "-U", "postgres", "-A", "trust",
                 "-E", "UTF8", "--locale=C.UTF-8", "--no-sync")
            _run(bindir / "pg_ctl", "-D", str(server.data), "-l", str(folder / "log"), "-w",
                 "-o", f"-k {folder} -c listen_addresses='' -p {PORT} {OPTIONS} {options}", "start")
        except BaseException:
            server.stop()
            raise
        return server

    def stop(self) -> None:
        """Stop the server (at once: nothing in it is kept) and delete its folder."""
        _stop(self.bindir, self.folder)

    def create_database(self) -> str:
        """A new empty database; its URL (outside an event loop: see ``new_database``)."""
        return asyncio.run(self.new_database())

    async def new_database(self) -> str:
        """A new empty database; its URL."""
        name = f"test_{next(self._names)}"
        await self._admin(f"CREATE DATABASE {name}")
        return self.url(name)

    def drop_database(self, url: str) -> None:
        """Drop a database made by ``create_database`` (closing what is still connected)."""
        name = url.split("?", maxsplit=1)[0].rsplit("/", 1)[1]
        asyncio.run(self._admin(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))

    async def _admin(self, statement: str) -> None:
        connection = await asyncpg.connect(self.url())
        try:
            await connection.execute(statement)
        finally:
            await connection.close()


@contextlib.contextmanager
def temporary_postgres(options: str = "") -> Iterator[PostgresServer]:
    """A running server for the ``with`` block; stopped and deleted after it, whatever happens."""
    server = PostgresServer.start(options)
    try:
        yield server
    finally:
        server.stop()


def sweep(bindir: Path) -> None:
    """Stop and delete the servers left by runs that are no longer alive."""
    for folder in Path(tempfile.gettempdir()).glob(f"{PREFIX}*"):
        pid = folder.name.removeprefix(PREFIX).split("-")[0]
        if pid.isdigit() and not _alive(int(pid)):
            _stop(bindir, folder)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _stop(bindir: Path, folder: Path) -> None:
    if (folder / "data" / "postmaster.pid").exists():
        with contextlib.suppress(PostgresUnavailable):
            _run(bindir / "pg_ctl", "-D", str(folder / "data"), "-m", "immediate", "-w", "stop")
    shutil.rmtree(folder, ignore_errors=True)


def _as_postgres() -> bool:
    return os.geteuid() == 0


def _own(folder: Path) -> None:
    if _as_postgres():
        try:
            shutil.chown(folder, "postgres", "postgres")
        except LookupError:
            raise PostgresUnavailable(
                "initdb refuses to run as root, and there is no postgres user to run it as"
            ) from None


def _run(program: Path, *args: str) -> None:
    command = [str(program), *args]
    if _as_postgres():
        command = ["runuser", "-u", "postgres", "--", *command]
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        said = (done.stderr.strip() or done.stdout.strip() or "no output").splitlines()[-1]
        raise PostgresUnavailable(f"{program.name} failed (exit {done.returncode}): {said}")
