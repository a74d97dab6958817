"""The storage protocol, on both engines: migrations at start, all-or-nothing transactions,
committed reads; the ``DatabaseURL`` that never shows its password; the migrations loader."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable
from pathlib import Path

import pytest

from bot.settings import ROOT, Settings, SettingsError
from bot.storage.protocol import DatabaseUnavailable, DatabaseURL, migrations

SECRET = "s3cr3t-pw"


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



def test_the_migrations_run_are_the_sql_files_beside_the_engine(database: Callable) -> None:
    async def scenario() -> tuple:
        async with database() as db:
            engine = type(db).__module__.rpartition(".")[0]  # bot.storage.sqlite, ...postgres
            await db.fetchall("SELECT shapes FROM versions")  # the last file's column
            return engine, db.migrations, await db.schema_version()

    engine, run, version = asyncio.run(scenario())
    files = sorted((ROOT.joinpath(*engine.split(".")) / "migrations").glob("*.sql"))
    assert [f.name[:4] for f in files] == [f"{n:03d}-" for n in range(1, len(files) + 1)]
    assert run == tuple(f.read_text(encoding="utf-8") for f in files)
    assert version == len(files)


@pytest.mark.parametrize(
    "raw",
    [
        f"postgresql://kiosque:{SECRET}@db.example:5432/kiosque",
        f"postgres://kiosque@db.example/kiosque?sslmode=require&password={SECRET}",
    ],
)
def test_a_database_url_never_prints_its_password(raw: str) -> None:
    url = DatabaseURL.parse(f"  {raw}\n")
    settings = Settings(database_url=raw)
    shown = [str(url), repr(url), f"{url}", repr(settings), str(settings), settings.database_label]
    assert all(SECRET not in text and "***" in text for text in shown), shown
    assert url.unmasked() == raw and url.backend == "postgres"
    assert url.scrub(f"could not use {raw} ({SECRET})") == f"could not use {url} (***)"


def test_a_database_url_names_its_backend_and_its_file() -> None:
    assert DatabaseURL.parse("sqlite:///var/k.db").path == Path("var/k.db")
    assert Settings().database_url.path == Path("var/kiosque.db")
    with pytest.raises(SettingsError, match="DATABASE_URL") as refused:
        DatabaseURL.parse(f"mysql://kiosque:{SECRET}@db/kiosque")
    assert SECRET not in str(refused.value)
    with pytest.raises(SettingsError, match="names no SQLite file") as refused:
        _ = DatabaseURL.parse(f"postgresql://kiosque:{SECRET}@db/kiosque").path
    assert SECRET not in str(refused.value)


def test_migrations_are_the_numbered_sql_files_in_order(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = tmp_path / "engine" / "migrations"
    folder.mkdir(parents=True)
    (tmp_path / "engine" / "__init__.py").write_text("")
    for name, script in [("002-b.sql", "two"), ("010-c.sql", "ten"), ("001-a.sql", "one")]:
        (folder / name).write_text(script)
    (folder / "README").write_text("not a migration")
    monkeypatch.syspath_prepend(str(tmp_path))
    with pytest.raises(DatabaseUnavailable, match=r"\[1, 2, 10\]"):
        migrations("engine")  # a gap: 3 to 9 missing
    (folder / "010-c.sql").rename(folder / "003-c.sql")
    assert migrations("engine") == ("one", "two", "ten")
