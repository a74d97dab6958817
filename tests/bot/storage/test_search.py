"""The library-wide search on both engines (SQLite's FTS5, Postgres's full text ranked with the
same BM25): the best sentences of a space, kept with the library's versions."""

from __future__ import annotations

import asyncio
import json
from collections import Counter
from collections.abc import Callable
from pathlib import Path

import pytest

from bot.settings import Settings
from bot.storage.factory import open_database
from bot.storage.library import Library
from bot.storage.protocol import Database
from bot.storage.search import Hit, IndexFull, space_token
from bot.values import LOCAL, guild_space
from index.language.question import read_question
from index.search.fields import article_fields, search_terms
from support.postgres_server import PostgresServer
from tests.conftest import parse

CRASH = (
    "Le crash du Rio-Paris\n\n"
    "L'Airbus A330 d'Air France s'est abîmé dans l'Atlantique en 2009.\n\n"
    "Les victimes\n\n"
    "Le crash a fait 228 morts, passagers et membres d'équipage.\n"
)
DALTONIENS = (
    "Un code de couleurs pour les daltoniens\n\n"
    "Un designer portugais a inventé un code de formes pour nommer les couleurs.\n\n"
    "Les daltoniens reconnaissent ainsi les couleurs des vêtements.\n"
)
BUDGET = (
    "Le conseil vote le budget\n\n"
    "Le conseil municipal a voté le budget de la ville mardi.\n\n"
    "Trois écoles seront construites au nord de la ville.\n"
)
SERVER = guild_space(7)


def found(hits: list[Hit]) -> list[tuple[int, int]]:
    return [(hit.article_id, hit.sentence) for hit in hits]


async def search(db: Database, space: str, question: str) -> list[Hit]:
    return await Library(db).search.search(space, search_terms(read_question(question)))


async def fill(db: Database) -> list[int]:
    library = Library(db)
    ids = []
    for n, text in enumerate((CRASH, DALTONIENS, BUDGET)):
        ids.append((await library.add(SERVER, parse(text), f"{n}.txt")).id)
    return ids


def test_the_sentence_that_answers_comes_first(database: Callable) -> None:
    async def scenario() -> tuple:
        async with database() as db:
            crash, colours, _ = await fill(db)
            deaths = await search(db, SERVER, "Combien de morts dans le crash du Rio-Paris ?")
            code = await search(db, SERVER, "Quel article parle du code pour les daltoniens ?")
            return crash, colours, deaths, code

    crash, colours, deaths, code = asyncio.run(scenario())
    assert found(deaths)[0] == (crash, 1)
    assert {hit.article_id for hit in deaths} == {crash}
    assert deaths[0].score > deaths[-1].score > 0
    assert code[0].article_id == colours


def test_a_space_never_finds_another_spaces_sentences(database: Callable) -> None:
    async def scenario() -> tuple:
        async with database() as db:
            await fill(db)
            return (
                await search(db, LOCAL, "Combien de morts dans le crash ?"),
                await search(db, guild_space(8), "code de couleurs"),
                await search(db, SERVER, "?"),  # no terms at all
            )

    assert asyncio.run(scenario()) == ([], [], [])


def test_a_new_version_replaces_the_articles_sentences(database: Callable) -> None:
    renamed = BUDGET.replace("Trois écoles", "Deux piscines")

    async def scenario() -> tuple:
        async with database() as db:
            library = Library(db)
            first = await library.add(SERVER, parse(BUDGET), "v1.txt")
            again = await library.add(SERVER, parse(renamed), "v2.txt")
            return (
                first.id == again.id,
                await search(db, SERVER, "Combien d'écoles ?"),
                found(await search(db, SERVER, "Combien de piscines ?")),
            )

    same, schools, pools = asyncio.run(scenario())
    assert same and schools == [] and pools == [(1, 1)]


def test_versions_the_index_lacks_are_caught_up_once(database: Callable) -> None:
    article = parse(CRASH)

    async def scenario() -> tuple:
        async with database() as db:
            # As a database written before the index existed holds it: no index rows.
            async with db.transaction() as writer:
                inserted = await writer.execute(
                    "INSERT INTO articles (space, source_key, title, current_version,"
                    " created_at) VALUES (?, 'title:crash', ?, 1, 'now') RETURNING id",
                    (SERVER, article.title),
                )
                await writer.execute(
                    "INSERT INTO versions (article_id, version, source, language, content,"
                    " indexed_at) VALUES (?, 1, 'crash.txt', 'fr', ?, 'now')",
                    (inserted.rows[0]["id"], json.dumps(article.to_dict())),
                )
            before = await search(db, SERVER, "Combien de morts ?")
            library = Library(db)
            caught = [await library.catch_up(), await library.catch_up()]
            return before, caught, found(await search(db, SERVER, "Combien de morts ?"))

    assert asyncio.run(scenario()) == ([], [1, 0], [(1, 1)])


def test_both_engines_rank_alike(postgres_server: PostgresServer, tmp_path: Path) -> None:
    questions = [
        "Combien de morts dans le crash du Rio-Paris ?",
        "Quel article parle du code de couleurs pour les daltoniens ?",
        "Qu'a voté le conseil municipal ?",
        "Où seront construites les écoles ?",
        "Airbus Atlantique",
    ]

    async def ranked(url: str) -> list[list[Hit]]:
        db = await open_database(Settings(database_url=url))
        try:
            await fill(db)
            return [await search(db, SERVER, q) for q in questions]
        finally:
            await db.close()

    sqlite = asyncio.run(ranked(f"sqlite:///{tmp_path / 'k.db'}"))
    postgres = asyncio.run(ranked(postgres_server.create_database()))
    for fts5, full_text in zip(sqlite, postgres, strict=True):
        assert found(full_text) == found(fts5)
        assert [round(h.score, 9) for h in full_text] == [round(h.score, 9) for h in fts5]


def test_a_failed_write_leaves_the_index_as_it_was(database: Callable) -> None:
    async def scenario() -> list:
        async with database() as db:
            library = Library(db)
            try:
                async with db.transaction() as writer:
                    await library.search.replace(writer, SERVER, 7, 1, parse(BUDGET))
                    raise RuntimeError("stopped before the commit")
            except RuntimeError:
                pass
            return await search(db, SERVER, "Qui a voté le budget ?")

    assert asyncio.run(scenario()) == []


def test_term_counts_follow_each_version_and_stay_in_their_space(database: Callable) -> None:
    # Whatever each engine keeps, a term's count decides which terms a question is searched
    # on: after a version drops a sentence, the search finds only what is left.
    two = BUDGET + "\nLe conseil se réunira encore jeudi.\n"

    async def scenario() -> list:
        async with database() as db:
            library = Library(db)
            seen = []
            for text in (BUDGET, two, two, BUDGET):
                await library.add(SERVER, parse(text), "budget.txt")
                seen.append(len(await search(db, SERVER, "conseil")))
            await library.add(LOCAL, parse(two), "budget.txt")
            seen.append(len(await search(db, SERVER, "conseil")))
            return seen

    assert asyncio.run(scenario()) == [2, 3, 3, 2, 2]  # the title holds "conseil" too


def test_a_question_of_common_words_reads_the_newest_sentences_only(
    database: Callable, monkeypatch
) -> None:
    # With a budget of two sentences, "budget" (in every article) is over it: its candidates
    # are the two newest sentences that hold it, those of the last article written.
    import bot.storage.postgres.search
    import bot.storage.search

    monkeypatch.setattr(bot.storage.search, "POSTINGS", 2)
    monkeypatch.setattr(bot.storage.postgres.search, "BUDGET", 2)
    texts = [BUDGET.replace("mardi", day) for day in ("lundi", "mardi", "jeudi")]

    async def scenario() -> tuple:
        async with database() as db:
            library = Library(db)
            ids = [(await library.add(SERVER, parse(t), f"{n}.txt")).id
                   for n, t in enumerate(texts)]
            common = await search(db, SERVER, "Quel budget ?")
            rare = await search(db, SERVER, "Quel budget lundi ?")
            return ids, common, rare

    ids, common, rare = asyncio.run(scenario())
    assert {hit.article_id for hit in common} == {ids[-1]}
    assert rare[0].article_id == ids[0]  # a rarer term still finds the oldest article


def test_the_newest_sentences_of_a_common_word_are_found_past_newer_articles_without_it(
    database: Callable, monkeypatch
) -> None:
    # Postgres looks for them window by window of article ids from the newest (one article a
    # span here: a row's span is its id >> 30): the 24 newest articles lack "budget", so the
    # windows widen to the oldest; all hold "couleurs", found in the first window.
    import bot.storage.postgres.search
    import bot.storage.search

    monkeypatch.setattr(bot.storage.search, "POSTINGS", 1)
    monkeypatch.setattr(bot.storage.postgres.search, "BUDGET", 1)
    monkeypatch.setattr(bot.storage.search, "SHIFT", 30)
    texts = [BUDGET.replace("Le conseil vote", f"Le conseil {n} vote") for n in range(6)]
    texts += [DALTONIENS.replace("Un code de", f"Un code {n} de") for n in range(24)]

    async def scenario() -> tuple:
        async with database() as db:
            library = Library(db)
            ids = [(await library.add(SERVER, parse(t), f"{n}.txt")).id
                   for n, t in enumerate(texts)]
            return (ids, await search(db, SERVER, "Quel budget ?"),
                    await search(db, SERVER, "Quelles couleurs ?"))

    ids, budget, colours = asyncio.run(scenario())
    assert {hit.article_id for hit in budget} == {ids[5]}
    assert {hit.article_id for hit in colours} == {ids[-1]}


def test_counts_and_totals_are_those_of_the_current_versions(database: Callable) -> None:
    # Statistics kept by difference (rows replaced, spaces apart) equal those computed afresh
    # from each space's current articles.
    texts = {
        "a.txt": (SERVER, BUDGET), "b.txt": (SERVER, CRASH), "c.txt": (LOCAL, DALTONIENS),
    }

    async def scenario() -> tuple:
        async with database() as db:
            library = Library(db)
            for name, (space, text) in texts.items():
                await library.add(space, parse(text), name)
            await library.add(SERVER, parse(BUDGET.replace("écoles", "piscines")), "a.txt")
            await library.add(LOCAL, parse(CRASH), "b.txt")
            counts = await db.fetchall("SELECT space, term, sentences FROM search_counts")
            totals = await db.fetchall("SELECT space, sentences, tokens FROM search_totals")
            return counts, totals

    counts, totals = asyncio.run(scenario())
    current = {
        SERVER: [BUDGET.replace("écoles", "piscines"), CRASH], LOCAL: [DALTONIENS, CRASH],
    }
    expected: Counter = Counter()
    sums: dict[str, tuple[int, int]] = {}
    for space, articles in current.items():
        fields = [article_fields(parse(text)) for text in articles]
        for one in fields:
            expected.update({(space, t): n for t, n in one.counts().items()})
        sums[space] = (sum(f.sentences for f in fields), sum(f.tokens() for f in fields))
    assert {(r["space"], r["term"]): r["sentences"] for r in counts} == dict(expected)
    assert {r["space"]: (r["sentences"], r["tokens"]) for r in totals} == sums


def test_a_paragraph_is_stored_once_not_once_per_sentence(database: Callable) -> None:
    # 2 000 short sentences in one paragraph: the old index wrote the paragraph's 2 000 terms
    # into each of its 2 000 rows (86 MB for 8 KB).
    words = ["Ba", "Ko", "Lu", "Mi", "Ne", "Pa", "Ri", "So", "Tu", "Vy"]
    text = "Essai\n\n" + " ".join(f"{words[n % 10]}{n}." for n in range(2000)) + "\n"

    async def scenario() -> tuple:
        async with database() as db:
            info = await Library(db).add(SERVER, parse(text), "long.txt")
            stored = await db.fetchone("SELECT SUM(LENGTH(terms)) AS n FROM search_rows")
            hits = await search(db, SERVER, "ko1991")
            return info.sentences, stored["n"], hits

    sentences, stored, hits = asyncio.run(scenario())
    assert sentences > 1500
    assert stored < 3 * len(text)
    assert found(hits)[0] == (1, 1991)


def test_a_word_spelling_another_spaces_token_finds_nothing_there(database: Callable) -> None:
    # Server B indexes words built from server A's token: FTS5 split "⅟<token>festival" into
    # A's token followed by "festival", and Postgres took "<token>" as A's space lexeme; A's
    # search then found B's rows and failed to load them ("article inconnu").
    other = guild_space(8)
    token = space_token(SERVER)
    hostile = (
        "Programme\n\n"
        f"Le ⅟{token}festival commence. Le {token} festival #{token} ouvre.\n\n"
        f"Un {token}festival et {token}."
    )

    async def scenario() -> tuple:
        async with database() as db:
            library = Library(db)
            mine = (await library.add(SERVER, parse("Fête\n\nLe festival ouvre.\n"), "f.txt")).id
            await library.add(other, parse(hostile), "h.txt")
            return mine, await search(db, SERVER, "festival"), await search(db, other, "festival")

    mine, ours, theirs = asyncio.run(scenario())
    assert {hit.article_id for hit in ours} == {mine}
    assert theirs and mine not in {hit.article_id for hit in theirs}


def test_an_article_past_the_row_range_is_refused_before_anything_is_written(
    database: Callable, monkeypatch
) -> None:
    import bot.storage.search

    monkeypatch.setattr(bot.storage.search, "SHIFT", 4)  # rows n < 16: paragraphs 0..6 only

    async def scenario() -> tuple:
        async with database() as db:
            library = Library(db)
            small = await library.add(SERVER, parse(CRASH), "c.txt")
            many = "Titre\n\n" + "\n\n".join(f"Phrase {n} ici." for n in range(9)) + "\n"
            with pytest.raises(IndexFull):
                await library.add(SERVER, parse(many), "m.txt")
            return small.id, await library.count(SERVER), await search(db, SERVER, "crash")

    small, count, hits = asyncio.run(scenario())
    assert count == 1 and {h.article_id for h in hits} == {small}


def test_a_search_reads_in_a_few_queries_whatever_the_number_of_articles(
    database: Callable, monkeypatch
) -> None:
    # Each article whose title matched cost a query of its own: 1 149 for one question of the
    # 100 000-article benchmark. Now the rows found and the chosen rows are read in batches.
    texts = [BUDGET.replace("Le conseil vote", f"Le conseil {n} vote") for n in range(40)]

    async def scenario() -> tuple:
        async with database() as db:
            library = Library(db)
            for n, text in enumerate(texts):
                await library.add(SERVER, parse(text), f"{n}.txt")
            queries = []
            fetchall = db.fetchall

            async def counted(sql: str, params=()) -> list:
                queries.append(sql)
                return await fetchall(sql, params)

            monkeypatch.setattr(db, "fetchall", counted)
            hits = await search(db, SERVER, "Quel conseil a voté le budget ?")
            return hits, queries

    hits, queries = asyncio.run(scenario())
    assert len({hit.article_id for hit in hits}) == 40  # every title matched
    assert len(queries) <= 6
