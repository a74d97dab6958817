"""The Postgres backend's own parts: placeholders, migrations shared by processes, advisory
locks, the search statistics, and servers that cannot be used."""

from __future__ import annotations

import asyncio
import json

import asyncpg
import pytest

from bot.storage.library import Library, library_lock
from bot.storage.postgres.database import MIGRATIONS, PostgresDatabase, placeholders
from bot.storage.protocol import DatabaseUnavailable
from bot.storage.search import SHIFT, space_token
from bot.values import LOCAL
from support.postgres_server import PostgresServer
from tests.conftest import parse

BUDGET = "Le conseil vote le budget\n\nLe conseil a voté le budget mardi.\n"
BUDGET_V2 = "Le conseil vote le budget\n\nLe conseil a rejeté le budget des écoles.\n"
PORT = "Le port ouvre un terminal\n\nLe port de Marseille a ouvert un terminal.\n"


@pytest.fixture
def url(postgres_server: PostgresServer) -> str:
    """A new empty database of the session's server."""
    return postgres_server.create_database()


def test_placeholders_are_numbered_outside_quoted_literals() -> None:
    assert placeholders("SELECT ? WHERE a = '?' AND b LIKE ? ESCAPE '\\'") == (
        "SELECT $1 WHERE a = '?' AND b LIKE $2 ESCAPE '\\'"
    )
    assert placeholders("INSERT INTO t VALUES ('it''s ?', ?)") == (
        "INSERT INTO t VALUES ('it''s ?', $1)"
    )


def test_processes_starting_together_migrate_once(url: str) -> None:
    async def scenario() -> tuple[list[int], list]:
        opened = await asyncio.gather(*(PostgresDatabase.open(url) for _ in range(4)))
        try:
            versions = [await db.schema_version() for db in opened]
            rows = await opened[0].fetchall("SELECT version FROM schema_version")
            return versions, [tuple(r) for r in rows]
        finally:
            await asyncio.gather(*(db.close() for db in opened))

    assert asyncio.run(scenario()) == ([len(MIGRATIONS)] * 4, [(len(MIGRATIONS),)])


def test_an_older_schema_is_brought_up_to_date_and_its_articles_indexed(url: str) -> None:
    async def scenario() -> tuple:
        connection = await asyncpg.connect(url)
        await connection.execute(MIGRATIONS[0])
        await connection.execute(
            "CREATE TABLE schema_version (version INTEGER NOT NULL);"
            " INSERT INTO schema_version VALUES (1)"
        )
        await connection.execute(
            "INSERT INTO articles (space, source_key, title, current_version, created_at)"
            " VALUES ('local', 'title:t', 't', 1, 'now')"
        )
        await connection.execute(
            "INSERT INTO versions (article_id, version, source, language, content, indexed_at)"
            " VALUES (1, 1, 's', 'fr', $1, 'now')",
            json.dumps(parse(PORT).to_dict()),
        )
        await connection.close()
        db = await PostgresDatabase.open(url)
        try:
            caught = await Library(db).catch_up()
            hits = await Library(db).search.search(LOCAL, ["terminal"])
            return await db.schema_version(), caught, [h.article_id for h in hits]
        finally:
            await db.close()

    assert asyncio.run(scenario()) == (len(MIGRATIONS), 1, [1])


def test_a_lock_makes_other_transactions_holding_it_wait(url: str) -> None:
    async def scenario() -> list[str]:
        first, second = await PostgresDatabase.open(url), await PostgresDatabase.open(url)
        events: list[str] = []
        held = asyncio.Event()

        async def hold() -> None:
            async with first.transaction(library_lock("x")):
                events.append("first in")
                held.set()
                await asyncio.sleep(0.3)
                events.append("first out")

        async def wait() -> None:
            await held.wait()
            async with second.transaction(library_lock("x")):
                events.append("second in")
            async with second.transaction(library_lock("y")):
                events.append("other lock")

        try:
            await asyncio.gather(hold(), wait())
        finally:
            await first.close()
            await second.close()
        return events

    assert asyncio.run(scenario()) == ["first in", "first out", "second in", "other lock"]


def test_two_processes_indexing_one_article_make_two_versions(url: str) -> None:
    async def scenario() -> list[tuple[int, int]]:
        one, two = await PostgresDatabase.open(url), await PostgresDatabase.open(url)
        try:
            added = await asyncio.gather(
                Library(one).add(LOCAL, parse(BUDGET), "a.txt"),
                Library(two).add(LOCAL, parse(BUDGET_V2), "b.txt"),
            )
            return sorted((info.id, info.version) for info in added)
        finally:
            await one.close()
            await two.close()

    assert asyncio.run(scenario()) == [(1, 1), (1, 2)]


@pytest.mark.parametrize(
    "wrong",
    [
        "postgresql://kiosque:s3cr3t-pw@127.0.0.1:1/kiosque",  # nothing listens there
        "postgresql://postgres:s3cr3t-pw@/nope?host={socket}&port=5432",  # no such database
        "postgresql://kiosque:s3cr3t-pw@127.0.0.1:port/kiosque",  # no port the driver reads
        "postgresql://kiosque@127.0.0.1:1/kiosque?password=s3cr3t-pw&sslmode=sometimes",
    ],
)
def test_a_server_that_cannot_be_used_is_one_line_without_the_password(
    postgres_server: PostgresServer, wrong: str
) -> None:
    target = wrong.format(socket=postgres_server.folder)
    with pytest.raises(DatabaseUnavailable) as failed:
        asyncio.run(PostgresDatabase.open(target))
    message = str(failed.value)
    assert message and "\n" not in message and "s3cr3t" not in message


def test_a_library_indexed_one_row_per_sentence_is_indexed_again(url: str) -> None:
    # Written by the release whose index gave each sentence row its paragraph's terms.
    async def scenario() -> tuple:
        connection = await asyncpg.connect(url)
        await connection.execute(MIGRATIONS[0])
        await connection.execute(MIGRATIONS[1])
        await connection.execute(
            "CREATE TABLE schema_version (version INTEGER NOT NULL);"
            " INSERT INTO schema_version VALUES (2)"
        )
        await connection.execute(
            "INSERT INTO articles (space, source_key, title, current_version, created_at,"
            " search_version) VALUES ('local', 'title:t', 't', 1, 'now', 1)"
        )
        await connection.execute(
            "INSERT INTO versions (article_id, version, source, language, content, indexed_at)"
            " VALUES (1, 1, 's', 'fr', $1, 'now')",
            json.dumps(parse(PORT).to_dict()),
        )
        await connection.execute(
            "INSERT INTO space_stats VALUES ('local', 1, 3);"
            " INSERT INTO sentences VALUES (1048577, 3, 'x', '{}')"
        )
        await connection.close()
        db = await PostgresDatabase.open(url)
        try:
            library = Library(db)
            caught = [await library.catch_up(), await library.catch_up()]
            hits = await library.search.search(LOCAL, ["terminal"])
            totals = await db.fetchone("SELECT sentences FROM search_totals WHERE space = 'local'")
            return await db.schema_version(), caught, [h.article_id for h in hits], totals[0]
        finally:
            await db.close()

    assert asyncio.run(scenario()) == (len(MIGRATIONS), [1, 0], [1], 1)


LEXEMES = 5  # the migration that puts the GIN index on search_lexemes (005-search-lexemes.sql)


def test_rows_written_before_the_index_of_spaced_lexemes_are_found_after_migrating(
    url: str,
) -> None:
    assert "CREATE FUNCTION search_lexemes" in MIGRATIONS[LEXEMES - 1]
    # Written by the release whose index was on the stored column ("#" and the space's token
    # beside the terms): the new index computes its lexemes from that column, nothing is
    # indexed again, and each space still finds its own row only.
    async def scenario() -> tuple:
        connection = await asyncpg.connect(url)
        for script in MIGRATIONS[:LEXEMES - 1]:
            await connection.execute(script)
        await connection.execute(
            "CREATE TABLE schema_version (version INTEGER NOT NULL);"
            f" INSERT INTO schema_version VALUES ({LEXEMES - 1})"
        )
        for article, space in ((1, LOCAL), (2, "guild:9")):
            await connection.execute(
                "INSERT INTO articles (id, space, source_key, title, current_version,"
                " created_at, search_version) VALUES ($1, $2, 'title:t', 't', 1, 'now', 1)",
                article, space,
            )
            await connection.execute(
                "INSERT INTO search_rows (id, section, first, count, terms, match)"
                " VALUES ($1, 0, 0, 1, 'le port ouvre un terminal',"
                " array_to_tsvector(ARRAY[$2, 'port', 'ouvr', 'terminal']))",
                (article << SHIFT) + 2, "#" + space_token(space),
            )
            await connection.execute(
                "INSERT INTO search_counts VALUES ($1, 'terminal', 1), ($1, 'port', 1);"
                .replace("$1", f"'{space}'")
            )
            await connection.execute(
                "INSERT INTO search_totals VALUES ($1, 1, 5)", space
            )
        await connection.close()
        db = await PostgresDatabase.open(url)
        try:
            library = Library(db)
            index = library.search
            caught = await library.catch_up()
            ours = await index.search(LOCAL, ["terminal"])
            theirs = await index.search("guild:9", ["port", "terminal"])
            return caught, [h.article_id for h in ours], [h.article_id for h in theirs]
        finally:
            await db.close()

    assert asyncio.run(scenario()) == (0, [1], [2])


def test_a_search_is_three_statements_whatever_the_number_of_articles(
    url: str, monkeypatch
) -> None:
    # The totals with the counts, the rows found with their space checked, the chosen rows'
    # terms: each a round trip to the server, and the same statements whatever the lists
    # (arrays, not one parameter per id), so that each is prepared once; a question of common
    # words too, its first window of article ids enough here.
    import bot.storage.postgres.search

    texts = [BUDGET.replace("Le conseil vote", f"Le conseil {n} vote") for n in range(40)]

    async def scenario() -> tuple:
        db = await PostgresDatabase.open(url)
        try:
            library = Library(db)
            for n, text in enumerate(texts):
                await library.add(LOCAL, parse(text), f"{n}.txt")
            statements = []
            for name in ("fetchall", "fetchone"):
                def counted(read, name=name):
                    async def reading(sql: str, params=()):
                        statements.append(sql)
                        return await read(sql, params)
                    return reading
                monkeypatch.setattr(db, name, counted(getattr(db, name)))
            rare = await library.search.search(LOCAL, ["conseil", "mardi", "vote"])
            rare_statements, statements[:] = len(statements), []
            monkeypatch.setattr(bot.storage.postgres.search, "BUDGET", 30)  # newest only
            common = await library.search.search(LOCAL, ["budget"])
            return rare, rare_statements, common, len(statements)
        finally:
            await db.close()

    rare, rare_statements, common, common_statements = asyncio.run(scenario())
    assert len({hit.article_id for hit in rare}) == 40 and rare_statements == 3
    assert 0 < len({hit.article_id for hit in common}) < 40 and common_statements == 3
