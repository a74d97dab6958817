"""The article library: stable ids across versions, one transaction per index, nothing half-done."""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
from collections.abc import Callable

import numpy as np
import pytest

from bot.app.responder import Responder
from bot.errors import KiosqueError
from bot.storage.library import Library, source_key
from bot.values import LOCAL, StoredArticle
from index.language.shapes import ANSWER_SHAPES, article_shapes
from index.model import Article
from index.vectors.embedding import Embedder, embed_article, vector_rows
from tests.conftest import parse, stored_rows

V1 = (
    "Le conseil vote le budget\n\nLe conseil a voté le budget mardi.\n\n"
    "Les écoles\n\nTrois écoles seront construites.\n"
)
V2 = (
    "Le conseil vote le budget\n\nLe conseil a voté le budget mardi soir.\n\n"
    "Les routes\n\nDeux routes seront refaites.\n"
)
OTHER = "Le port ouvre un terminal\n\nLe port de Marseille a ouvert un terminal.\n"
NOT_NULL = "(?i)not.null"  # SQLite's "NOT NULL constraint", Postgres's "not-null constraint"


def broken(article: Article) -> Article:
    """An article the versions table refuses (no language), after the article row is written."""
    return dataclasses.replace(article, language=None)


def test_new_article_then_new_version_keeps_its_id(database: Callable) -> None:
    async def scenario() -> tuple:
        async with database() as db:
            library = Library(db)
            first = await library.add(LOCAL, parse(V1), source="budget.txt")
            second = await library.add(LOCAL, parse(V2), source="budget-v2.txt")
            listed = await library.articles(LOCAL)
            stored = await library.load(LOCAL, first.id)
            return first, second, listed, stored

    first, second, listed, stored = asyncio.run(scenario())
    assert (first.id, first.version) == (1, 1)
    assert first.sections == ("Les écoles",)
    assert first.sentences == 2
    assert (second.id, second.version) == (first.id, 2)
    assert second.added == ("Les routes",)
    assert second.removed == ("Les écoles",)
    assert [(a.id, a.version, a.source) for a in listed] == [(1, 2, "budget-v2.txt")]
    assert stored.version == 2
    assert "Deux routes seront refaites." in stored.article.text


def test_same_title_in_other_case_and_spacing_is_the_same_article(database: Callable) -> None:
    async def scenario() -> list[tuple[int, int]]:
        async with database() as db:
            library = Library(db)
            a = await library.add(LOCAL, parse(V1), source="a.txt")
            renamed = parse(V1, title="LE  CONSEIL vote le budget")
            b = await library.add(LOCAL, renamed, source="b.txt")
            c = await library.add(LOCAL, parse(OTHER), source="c.txt")
            return [(a.id, a.version), (b.id, b.version), (c.id, c.version)]

    assert asyncio.run(scenario()) == [(1, 1), (1, 2), (2, 1)]


def test_same_url_is_the_same_article_whatever_its_title(database: Callable) -> None:
    async def scenario() -> list[tuple[int, int]]:
        async with database() as db:
            library = Library(db)
            url = "https://example.org/budget"
            a = await library.add(LOCAL, parse(V1), source=url, url=url)
            b = await library.add(LOCAL, parse(OTHER), source=url, url=url)
            c = await library.add(LOCAL, parse(V1), source="local.txt")
            return [(a.id, a.version), (b.id, b.version), (c.id, c.version)]

    assert asyncio.run(scenario()) == [(1, 1), (1, 2), (2, 1)]
    assert source_key("Un  Titre") == source_key("un titre")
    assert source_key("Un titre", "https://a") != source_key("Un titre")


def test_failed_new_article_leaves_the_library_exactly_as_it_was(database: Callable) -> None:
    async def scenario() -> tuple:
        async with database() as db:
            library = Library(db)
            await library.add(LOCAL, parse(V1), source="budget.txt")
            before = await stored_rows(db)
            with pytest.raises(Exception, match=NOT_NULL):
                await library.add(LOCAL, broken(parse(OTHER)), source="port.txt")
            listed = [(a.id, a.title, a.version) for a in await library.articles(LOCAL)]
            return before, await stored_rows(db), listed

    before, after, listed = asyncio.run(scenario())
    assert after == before
    assert listed == [(1, "Le conseil vote le budget", 1)]


def test_failed_reindex_keeps_serving_the_previous_version(database: Callable) -> None:
    async def scenario() -> tuple:
        async with database() as db:
            await Library(db).add(LOCAL, parse(V1), source="budget.txt")
        async with database() as db:
            library = Library(db)
            before = await stored_rows(db)
            with pytest.raises(Exception, match=NOT_NULL):
                await library.add(LOCAL, broken(parse(V2)), source="budget-v2.txt")
            assert await stored_rows(db) == before
            stored = await library.load(LOCAL, 1)
            again = await library.add(LOCAL, parse(V2), source="budget-v2.txt")
            return stored, again

    stored, again = asyncio.run(scenario())
    assert stored.version == 1
    assert "Trois écoles seront construites." in stored.article.text
    # The failed attempt used up no version number.
    assert (again.id, again.version) == (1, 2)


def test_interrupted_index_leaves_the_library_as_it_was_and_usable(database: Callable) -> None:
    async def scenario() -> tuple:
        async with database() as db:
            library = Library(db)
            await library.add(LOCAL, parse(V1), source="budget.txt")
            before = await stored_rows(db)
            task = asyncio.ensure_future(library.add(LOCAL, parse(V2), source="budget-v2.txt"))
            await asyncio.sleep(0)  # the index has started writing
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
            unchanged = await stored_rows(db) == before
            other = await library.add(LOCAL, parse(OTHER), source="port.txt")
            return unchanged, (other.id, other.version)

    assert asyncio.run(scenario()) == (True, (2, 1))


def test_load_defaults_to_the_newest_article(database: Callable) -> None:
    async def scenario() -> tuple:
        async with database() as db:
            library = Library(db)
            await library.add(LOCAL, parse(V1), source="a.txt")
            await library.add(LOCAL, parse(OTHER), source="b.txt")
            await library.add(LOCAL, parse(V2), source="a2.txt")  # a new version, not a new article
            newest = await library.load(LOCAL)
            listed = [a.id for a in await library.articles(LOCAL)]
            return newest.id, newest.article.title, listed

    assert asyncio.run(scenario()) == (2, "Le port ouvre un terminal", [2, 1])


def test_load_errors(database: Callable) -> None:
    async def scenario() -> list[str]:
        async with database() as db:
            library = Library(db)
            codes = []
            assert await library.is_empty(LOCAL)
            with pytest.raises(KiosqueError) as empty:
                await library.load(LOCAL)
            codes.append(empty.value.code)
            await library.add(LOCAL, parse(V1), source="a.txt")
            assert not await library.is_empty(LOCAL)
            with pytest.raises(KiosqueError) as unknown:
                await library.load(LOCAL, 999)
            codes.append(unknown.value.code)
            assert unknown.value.values == {"ref": 999}
            return codes

    assert asyncio.run(scenario()) == ["no_articles", "unknown_article"]


def test_find_by_id_title_or_unique_part_of_title(database: Callable) -> None:
    async def scenario() -> list:
        async with database() as db:
            library = Library(db)
            await library.add(LOCAL, parse(V1), source="a.txt")
            await library.add(LOCAL, parse(OTHER), source="b.txt")
            found = [
                (await library.find(LOCAL, "2")).id,
                (await library.find(LOCAL, "le conseil vote le budget")).id,
                (await library.find(LOCAL, "terminal")).id,
            ]
            for ref in ("999", "le", "météo"):
                with pytest.raises(KiosqueError):
                    await library.find(LOCAL, ref)
            return found

    assert asyncio.run(scenario()) == [2, 1, 2]


def test_stored_article_round_trips(database: Callable, bundled_article: Article) -> None:
    async def scenario() -> Article:
        async with database() as db:
            library = Library(db)
            info = await library.add(LOCAL, bundled_article, source="bundled.txt")
            return (await Library(db).load(LOCAL, info.id)).article

    assert asyncio.run(scenario()) == bundled_article


def test_vectors_are_stored_and_reloaded_with_their_version(
    database: Callable, bundled_article: Article, embedder: Embedder
) -> None:
    vectors = embed_article(embedder, bundled_article)

    async def scenario() -> tuple:
        async with database() as db:
            info = await Library(db, model=embedder.name).add(LOCAL,
                bundled_article, source="a.txt", vectors=vectors, model=embedder.name
            )
            # A fresh library (a restart) reads them back; it never computes them again.
            served = await Library(db, model=embedder.name).load(LOCAL, info.id)
            other_model = await Library(db, model="another model").load(LOCAL, info.id)
            without_model = await Library(db).load(LOCAL, info.id)
            return info, served, other_model, without_model

    info, served, other_model, without_model = asyncio.run(scenario())
    assert info.semantic is True
    assert served.vectors is not None and np.array_equal(served.vectors, vectors)
    assert other_model.vectors is None  # vectors of another model are never mixed in
    assert without_model.vectors is None


def test_a_new_version_gets_its_own_vectors(
    database: Callable, embedder: Embedder
) -> None:
    first, second = parse(V1), parse(V2)

    async def scenario() -> tuple:
        async with database() as db:
            library = Library(db, model=embedder.name)
            await library.add(LOCAL, first, "v1.txt", vectors=embed_article(embedder, first),
                              model=embedder.name)
            one = await library.load(LOCAL, 1)
            vectors = embed_article(embedder, second)
            info = await library.add(LOCAL, second, "v2.txt", vectors=vectors, model=embedder.name)
            two = await library.load(LOCAL, 1)
            return one, info, two

    one, info, two = asyncio.run(scenario())
    assert info.version == 2 and two.version == 2
    assert two.vectors.shape[0] == vector_rows(second)
    assert not np.array_equal(one.vectors, two.vectors)


def test_an_article_stored_without_vectors_says_so(database: Callable) -> None:
    async def scenario() -> tuple:
        async with database() as db:
            library = Library(db, model="m")
            info = await library.add(LOCAL, parse(OTHER), "port.txt", model="m")
            return info, await library.load(LOCAL, info.id)

    info, stored = asyncio.run(scenario())
    assert info.semantic is False and stored.vectors is None


def test_answer_shapes_are_found_at_indexing_and_reloaded_with_their_version(
    database: Callable, bundled_article: Article
) -> None:
    async def scenario() -> StoredArticle:
        async with database() as db:
            info = await Library(db).add(LOCAL, bundled_article, source="a.txt")
            return await Library(db).load(LOCAL, info.id)  # a restart reads them back

    served = asyncio.run(scenario())
    assert served.shapes == article_shapes(bundled_article)
    # The responder's built index reads them: no kind is scanned at a question.
    built = Responder().index(served)
    assert set(built.shapes._found) == set(ANSWER_SHAPES) and built.shapes._names is not None
