"""The library-wide search index on a real SQLite file: written with the library, per space,
rarest terms first, caught up at start."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from bot.library import Library
from bot.search import COMMONEST, POSTINGS, _rarest, space_token
from index.analysis import terms
from tests.conftest import parse

BUDGET = "Le conseil vote le budget\n\nLe conseil municipal a voté le budget de la ville mardi.\n"
CANTINE = "Une cantine ouvre\n\nLa cantine scolaire ouvrira ses portes en septembre.\n"


def words(text: str) -> list[str]:
    return terms(text, "fr")


def test_sentences_are_found_in_their_own_space_only(database: Callable) -> None:
    async def scenario() -> tuple:
        async with database() as db:
            library = Library(db)
            budget = await library.add("guild:1", parse(BUDGET), "budget.txt")
            await library.add("guild:2", parse(CANTINE), "cantine.txt")
            own = await library.search.search("guild:1", words("budget municipal"))
            other = await library.search.search("guild:2", words("budget municipal"))
            cantine = await library.search.search("guild:2", words("cantine"))
            return budget.id, own, other, cantine

    budget, own, other, cantine = asyncio.run(scenario())
    assert [(h.article_id, h.sentence) for h in own] == [(budget, 0)]
    assert own[0].score > 0
    assert other == []
    assert len(cantine) == 1 and cantine[0].article_id != budget


def test_a_reindex_replaces_the_articles_sentences(database: Callable) -> None:
    async def scenario() -> tuple:
        async with database() as db:
            library = Library(db)
            await library.add("local", parse(BUDGET), "budget.txt")
            before = await library.search.search("local", words("mardi"))
            changed = BUDGET.replace("mardi", "jeudi")
            await library.add("local", parse(changed), "budget.txt")
            return before, await library.search.search("local", words("mardi")), \
                await library.search.search("local", words("jeudi"))

    before, gone, found = asyncio.run(scenario())
    assert len(before) == 1
    assert gone == []
    assert len(found) == 1


def test_term_counts_follow_reindexes_in_each_space(database: Callable) -> None:
    conseil = space_token("local") + words("conseil")[0]

    async def count(db: object, term: str) -> int:
        row = await db.fetchone("SELECT sentences FROM sentence_terms WHERE term = ?", (term,))
        return row["sentences"] if row else 0

    async def scenario() -> list[int]:
        async with database() as db:
            library = Library(db)
            seen = []
            two = BUDGET + "\nLe conseil se réunira encore jeudi.\n"
            for text in (BUDGET, two, two, BUDGET):  # one version after another
                await library.add("local", parse(text), "budget.txt")
                seen.append(await count(db, conseil))
            await library.add("guild:1", parse(two), "budget.txt")
            seen.append(await count(db, conseil))
            return seen

    # each sentence that holds "conseil" counts once; another space's never count here
    assert asyncio.run(scenario()) == [1, 2, 2, 1, 1]


def test_a_failed_write_leaves_the_index_as_it_was(database: Callable) -> None:
    async def scenario() -> list:
        async with database() as db:
            library = Library(db)
            try:
                async with db.transaction() as connection:
                    await library.search.replace(connection, "local", 7, 1, parse(BUDGET))
                    raise RuntimeError("stopped before the commit")
            except RuntimeError:
                pass
            return await library.search.search("local", words("budget"))

    assert asyncio.run(scenario()) == []


def test_an_index_that_fell_behind_is_caught_up(database: Callable) -> None:
    async def scenario() -> tuple:
        async with database() as db:
            library = Library(db)
            info = await library.add("local", parse(BUDGET), "budget.txt")
            async with db.transaction() as connection:  # as a database from before the index
                await connection.execute("DELETE FROM sentence_index")
                await connection.execute("DELETE FROM sentence_terms")
                await connection.execute("UPDATE articles SET search_version = NULL")
            behind = await library.search.search("local", words("budget"))
            caught = await library.search.catch_up()
            again = await library.search.catch_up()
            return info.id, behind, caught, again, await library.search.search(
                "local", words("budget"))

    article, behind, caught, again, found = asyncio.run(scenario())
    assert behind == []
    assert (caught, again) == (1, 0)
    assert [h.article_id for h in found] == [article]


def test_commoner_terms_are_left_out_beyond_the_budget() -> None:
    counts = {"rare": 3, "moyen": 400, "courant": POSTINGS, "partout": 10 * POSTINGS}
    assert _rarest(counts) == ["rare", "moyen"]
    assert _rarest({"courant": 2 * POSTINGS}) == ["courant"]  # the rarest, even over budget
    assert _rarest({"partout": COMMONEST * POSTINGS + 1}) == []  # found everywhere: nothing
    assert _rarest({}) == []
