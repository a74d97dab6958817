"""Kiosque as the adapters see it: seeding, indexing errors, versions, channels, summaries."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from pathlib import Path

import pytest

import bot.app.service
from bot.app.render import escape
from bot.app.replies import Answer, FoundArticles, SmallTalk, Summary
from bot.errors import KiosqueError
from bot.settings import Settings
from bot.values import LOCAL, guild_space
from index.vectors.embedding import vector_rows
from tests.conftest import BUNDLED, DATA, HEADINGS, straight

PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x10" + bytes(32)
BUDGET = "Le conseil vote le budget\n\nLe conseil municipal a voté le budget de la ville mardi.\n"
RATIFY = "Qui a ratifié le traité ?"
BUDGET_V2 = "Le conseil vote le budget\n\nLe conseil municipal a rejeté le budget de la ville.\n"


def test_empty_library_is_seeded_with_the_bundled_article_once(kiosque: Callable) -> None:
    async def scenario() -> tuple:
        async with kiosque() as k:
            first = await k.articles(LOCAL)
        async with kiosque() as k:
            again = await k.articles(LOCAL)
        return first, again

    first, again = asyncio.run(scenario())
    assert [(a.id, a.version, a.language) for a in first] == [(1, 1, "fr")]
    assert first[0].source == str(BUNDLED)
    assert [(a.id, a.version) for a in again] == [(1, 1)]


def test_no_seed_when_asked_not_to(kiosque: Callable) -> None:
    async def scenario() -> list:
        async with kiosque(seed=False) as k:
            return await k.articles(LOCAL)

    assert asyncio.run(scenario()) == []


def write(folder: Path, name: str, data: bytes | str) -> Path:
    path = folder / name
    path.write_bytes(data.encode("utf-8") if isinstance(data, str) else data)
    return path


@pytest.mark.parametrize(
    ("name", "data", "problem"),
    [
        ("absent.txt", None, "missing"),
        ("dossier", "dir", "directory"),
        ("rapport.pdf", b"%PDF-1.4", "unsupported_type"),
        ("photo.txt", PNG, "binary"),
        ("vide.txt", b"", "empty"),
        ("liens.txt", "Titre\n\nÀ lire aussi : autre\n\nPartagez votre avis\n", "clutter_only"),
        ("gros.txt", "Titre\n\n" + "Une phrase assez longue. " * 20, "too_large"),
    ],
    ids=lambda value: value if isinstance(value, str) and value.isidentifier() else None,
)
def test_index_errors_name_the_input_and_change_nothing(
    kiosque: Callable, tmp_path: Path, name: str, data: bytes | str | None, problem: str
) -> None:
    path = tmp_path / name
    if data == "dir":
        path.mkdir()
    elif data is not None:
        write(tmp_path, name, data)

    async def scenario() -> tuple:
        async with kiosque() as k:
            before = await k.articles(LOCAL)
        async with kiosque(max_source_bytes=200) as k:
            with pytest.raises(KiosqueError) as caught:
                await k.index_path(LOCAL, path)
            after = await k.articles(LOCAL)
            return caught.value, k.error_text(caught.value), before, after

    error, text, before, after = asyncio.run(scenario())
    assert error.code == "source_error"
    assert error.values["problem"] == problem
    assert escape(str(path)) in text  # written for Discord: markdown in the path is escaped
    assert "\n" not in text
    assert after == before


def test_reindex_serves_the_new_version_under_the_same_id(
    kiosque: Callable, tmp_path: Path
) -> None:
    source = write(tmp_path, "budget.txt", BUDGET)

    async def scenario() -> tuple:
        async with kiosque(seed=False) as k:
            first = await k.index_path(LOCAL, source)
            before = await k.ask(LOCAL, "Qu'a fait le conseil municipal du budget ?", "salon")
            write(tmp_path, "budget.txt", BUDGET_V2)
            second = await k.index_path(LOCAL, source)
            after = await k.ask(LOCAL, "Qu'a fait le conseil municipal du budget ?", "salon")
            return first, second, before, after

    first, second, before, after = asyncio.run(scenario())
    assert (second.id, second.version) == (first.id, 2)
    assert "a voté le budget" in before.passages[0].text
    assert "a rejeté le budget" in after.passages[0].text
    assert after.version == 2


def test_index_html_bytes_with_a_title(kiosque: Callable) -> None:
    async def scenario() -> tuple:
        async with kiosque(seed=False) as k:
            info = await k.index_bytes(
                LOCAL, (DATA / "clutter.html").read_bytes(), "page", content_type="text/html"
            )
            renamed = await k.index_bytes(
                LOCAL, (DATA / "clutter.html").read_bytes(), "page.html", title="Marseille"
            )
            return info, renamed

    info, renamed = asyncio.run(scenario())
    assert info.title == "Le port de Marseille accueille un nouveau terminal"
    assert info.sections == ("Un chantier de trois ans", "Des retombées pour la ville")
    assert (renamed.title, renamed.id) == ("Marseille", info.id + 1)


def test_ask_records_the_turn_in_its_channel(kiosque: Callable) -> None:
    async def scenario() -> tuple:
        async with kiosque() as k:
            answer = await k.ask(LOCAL, "  Qui a ratifié\n le traité ?  ", "salon", author="alice")
            turns = await k.turns("salon")
            return answer, turns, await k.turns("ailleurs")

    answer, turns, elsewhere = asyncio.run(scenario())
    assert answer.question == "Qui a ratifié le traité ?"
    assert [(t.question, t.author, t.abstained) for t in turns] == [
        ("Qui a ratifié le traité ?", "alice", False)
    ]
    assert turns[0].passages == answer.passages
    assert elsewhere == []


def test_history_of_one_channel_never_reaches_another(kiosque: Callable) -> None:
    async def scenario() -> tuple:
        async with kiosque() as k:
            await k.ask(LOCAL, "Quel missile a été testé ?", "A")
            in_b = await k.ask(LOCAL, "Et pourquoi est-ce important ?", "B")
            in_a = await k.ask(LOCAL, "Et pourquoi est-ce important ?", "A")
            return in_a, in_b

    in_a, in_b = asyncio.run(scenario())
    # In B the question has nothing to follow: it is read on its own (about the article as a
    # whole, whose stakes it may quote), never as following A's missile.
    assert not in_b.followup
    assert not any("ambition militaire persistante" in straight(p.text) for p in in_b.passages)
    assert in_a.followup
    assert "ambition militaire persistante de Pyongyang" in straight(in_a.passages[0].text)


@pytest.mark.parametrize(
    ("question", "code"),
    [("   ", "empty_question"), ("Pourquoi ? " * 60, "too_long")],
)
def test_refused_questions(kiosque: Callable, question: str, code: str) -> None:
    async def scenario() -> tuple:
        async with kiosque() as k:
            with pytest.raises(KiosqueError) as caught:
                await k.ask(LOCAL, question, "salon")
            return caught.value.code, await k.history.count("salon")

    assert asyncio.run(scenario()) == (code, 0)


def test_channel_uses_its_active_article_else_the_newest(kiosque: Callable, tmp_path: Path) -> None:
    source = write(tmp_path, "budget.txt", BUDGET)

    async def scenario() -> tuple:
        async with kiosque() as k:
            budget = await k.index_path(LOCAL, source)
            default = await k.article_for(LOCAL, "A")
            used = await k.use(LOCAL, "A", "1")
            chosen = await k.article_for(LOCAL, "A")
            other = await k.article_for(LOCAL, "B")
            explicit = await k.article_for(LOCAL, "A", budget.id)
            return budget.id, default.id, used.id, chosen.id, other.id, explicit.id

    assert asyncio.run(scenario()) == (2, 2, 1, 1, 2, 2)


def test_unknown_article_is_an_error(kiosque: Callable) -> None:
    async def scenario() -> tuple[str, str]:
        async with kiosque() as k:
            with pytest.raises(KiosqueError) as caught:
                await k.ask(LOCAL, "Qui ?", "salon", article_id=999)
            return caught.value.code, k.error_text(caught.value)

    code, text = asyncio.run(scenario())
    assert code == "unknown_article"
    assert "999" in text


def test_summary_of_a_section(kiosque: Callable) -> None:
    async def scenario() -> tuple:
        async with kiosque() as k:
            whole = await k.summary(LOCAL, "salon")
            return whole, await k.summary(LOCAL, "salon", section="conséquences")

    whole, section = asyncio.run(scenario())
    assert len(whole.bullets) == 5
    assert section.section == HEADINGS[3]


def test_asking_for_a_summary_in_words_gets_the_summary(kiosque: Callable) -> None:
    async def scenario() -> tuple:
        async with kiosque(semantic=False) as k:
            whole = await k.summary(LOCAL, "salon")
            asked = await k.ask(LOCAL, "Tu peux résumer l'article ?", "salon")
            english = await k.ask(LOCAL, "Summarize it please", "salon")
            return whole, asked, english, await k.turns("salon")

    whole, asked, english, turns = asyncio.run(scenario())
    assert isinstance(asked, Summary) and not asked.abstained
    assert (asked.bullets, asked.question) == (whole.bullets, "Tu peux résumer l'article ?")
    assert english.language == "en" and english.bullets == whole.bullets
    assert turns == []  # a summary quotes no answer: no turn for follow-ups to lean on


def test_a_greeting_or_a_thank_you_gets_a_word_back_and_no_turn(kiosque: Callable) -> None:
    async def scenario() -> tuple:
        async with kiosque(semantic=False) as k:
            hello = await k.ask(LOCAL, "Bonjour !", "salon")
            thanks = await k.ask(LOCAL, "Thanks!", "salon")
            rendered = k.renderer.reply_text(hello)
            return hello, thanks, rendered, await k.turns("salon")

    hello, thanks, rendered, turns = asyncio.run(scenario())
    assert isinstance(hello, SmallTalk) and isinstance(thanks, SmallTalk)
    assert (hello.kind, hello.language) == ("greeting", "fr")
    assert (thanks.kind, thanks.language) == ("thanks", "en")
    assert not hello.abstained
    assert rendered.startswith("Bonjour !") and "ne répond pas" not in rendered
    assert turns == []


def test_the_model_s_vocabulary_is_kept_in_the_vector_cache_folder(
    kiosque: Callable, tmp_path: Path
) -> None:
    folder = tmp_path / "vectors"

    async def warmed() -> None:
        async with kiosque(seed=False, embed_cache_dir=folder) as k:
            await k.warm()  # the fast reader of questions, and its tokenizer's trie

    asyncio.run(warmed())
    built = {p.name: p.stat().st_mtime_ns for p in folder.glob("e5-pieces-*")}
    assert sorted(Path(name).suffix for name in built) == [".ids", ".marisa"]
    asyncio.run(warmed())  # opened from there, not built again
    assert {p.name: p.stat().st_mtime_ns for p in folder.glob("e5-pieces-*")} == built


def test_unknown_section_is_a_kiosque_error(kiosque: Callable) -> None:
    async def scenario() -> str:
        async with kiosque() as k:
            with pytest.raises(KiosqueError) as caught:
                await k.summary(LOCAL, "salon", section="Sport")
            return caught.value.code

    assert asyncio.run(scenario()) == "unknown_section"


def test_unknown_section_error_text_names_the_section(kiosque: Callable) -> None:
    async def scenario() -> str:
        async with kiosque() as k:
            return k.error_text(KiosqueError("unknown_section", name="Sport"))

    assert "Sport" in asyncio.run(scenario())


def test_chrome_language_setting_overrides_the_article(kiosque: Callable) -> None:
    async def scenario() -> tuple:
        async with kiosque(language="en") as k:
            answer = await k.ask(LOCAL, "Qui a ratifié le traité ?", "salon")
            message = k.renderer.text("answer", answer.language, answer=answer, question="q")
            return answer.language, message

    language, message = asyncio.run(scenario())
    assert language == "en"
    assert "**Context**" in message


def test_history_limit_setting_caps_each_channel(kiosque: Callable) -> None:
    async def scenario() -> list[str]:
        async with kiosque(history_limit=2) as k:
            for question in ("Qui a ratifié le traité ?", "Quel missile ?", "Qui est Blinken ?"):
                await k.ask(LOCAL, question, "salon")
            return [t.question for t in await k.turns("salon")]

    assert asyncio.run(scenario()) == ["Quel missile ?", "Qui est Blinken ?"]


def test_indexing_stores_sentence_vectors_computed_off_the_loop(kiosque: Callable) -> None:
    told: list[tuple[int, int]] = []

    async def scenario() -> tuple:
        async with kiosque(seed=False) as k:
            info = await k.index_bytes(
                LOCAL, BUDGET.encode(), "budget.txt", progress=lambda d, t: told.append((d, t))
            )
            stored = await k.article_for(LOCAL, "salon", info.id)
            answer = await k.ask(LOCAL, "Qu'a décidé le conseil municipal ?", "salon")
            return info, stored, answer

    info, stored, answer = asyncio.run(scenario())
    assert info.semantic is True
    assert stored.vectors is not None and len(stored.vectors) == vector_rows(stored.article)
    assert told and told[-1][0] == told[-1][1] == len(stored.article.sentences)
    assert answer.semantic and not answer.abstained


def test_an_article_over_the_sentence_cap_is_indexed_without_vectors(kiosque: Callable) -> None:
    long = "Le long rapport\n\n" + " ".join(f"La phrase {n} parle du port." for n in range(30))

    async def scenario() -> tuple:
        async with kiosque(seed=False, embed_max_sentences=10) as k:
            info = await k.index_bytes(LOCAL, long.encode(), "rapport.txt")
            stored = await k.article_for(LOCAL, "salon", info.id)
            message = k.renderer.text("indexed", "fr", stored=info)
            answer = await k.ask(LOCAL, "De quoi parle la phrase 7 ?", "salon")
            return info, stored, message, answer

    info, stored, message, answer = asyncio.run(scenario())
    assert info.semantic is False and stored.vectors is None
    assert "trop long pour la recherche par le sens" in message
    assert not answer.semantic and "La phrase 7 parle du port." in answer.passages[0].text


def test_the_model_can_be_turned_off(kiosque: Callable) -> None:
    async def scenario() -> tuple:
        async with kiosque(semantic=False) as k:
            stored = await k.article_for(LOCAL, "salon")
            answer = await k.ask(LOCAL, "Qui a ratifié le traité ?", "salon")
            return k.embedder, stored, answer

    embedder, stored, answer = asyncio.run(scenario())
    assert embedder is None and stored.vectors is None
    assert not answer.semantic and not answer.abstained


def test_the_question_is_embedded_once_while_its_article_loads(kiosque: Callable) -> None:
    # The vectors (e5's and the question tower's) are started in a worker thread as the
    # question arrives; retrieval then takes them (or waits for them) instead of reading the
    # question a second time, with e5 alone or with the tower.
    question = "Quelle chambre du Parlement russe a ratifié le traité de défense ?"

    async def scenario() -> tuple:
        async with kiosque() as k:
            await k.warm()  # as the bot does at start
            model = getattr(k.embedder, "embedder", k.embedder)
            fast, calls = model._fast, []
            alone, both = model._compute, fast.question
            model._compute = lambda text: calls.append(("e5", text)) or alone(text)
            fast.question = lambda text: calls.append(("tower", text)) or both(text)
            answer = await k.ask(LOCAL, question, "salon")
            return calls, answer, model.ranker

    calls, answer, ranker = asyncio.run(scenario())
    assert ranker is not None and calls == [("tower", question)]
    assert answer.semantic and "chambre haute" in answer.passages[0].text


def test_the_bots_words_follow_the_question_language(kiosque: Callable) -> None:
    async def scenario() -> tuple:
        async with kiosque() as k:
            english = await k.ask(LOCAL, "Who ratified the treaty?", "salon")
            french = await k.ask(LOCAL, "Qui a ratifié le traité ?", "autre")
            return english, french

    english, french = asyncio.run(scenario())
    assert english.language == "en" and french.language == "fr"
    assert "ratifié un traité" in english.passages[0].text  # the article's own words


def test_more_passages_surroundings_and_votes_on_an_answer(kiosque: Callable) -> None:
    async def scenario() -> tuple:
        async with kiosque() as k:
            answer = await k.ask(LOCAL, "Quelles sont les conséquences du traité ?", "salon")
            more = await k.more(LOCAL, answer.turn, 1)
            further = await k.more(LOCAL, answer.turn, 2)
            paragraph, section = await k.surrounding(LOCAL, answer.turn)
            first = await k.vote(LOCAL, answer.turn, "alice", up=False)
            changed = await k.vote(LOCAL, answer.turn, "alice", up=True)
            other = await k.vote(LOCAL, answer.turn, "bob", up=False)
            votes = await k.votes()
            return answer, more, further, paragraph, section, (first, changed, other), votes

    answer, more, further, paragraph, section, counts, votes = asyncio.run(scenario())
    # The answer shows its first passage; page 1 gives the others it quoted, page 2 new ones.
    assert len(answer.passages) > 1
    assert more.passages == answer.passages[1:]
    quoted = {i for p in answer.passages for i in p.sentences}
    again = {i for p in further.passages for i in p.sentences}
    assert further.passages and not quoted & again  # the next passages, none already shown
    assert answer.passages[0].text in paragraph  # the quote inside its paragraph, verbatim
    assert section == answer.passages[0].section
    assert counts == ((0, 1), (1, 0), (1, 1))  # one vote per member, changeable
    assert [(v.article_id, v.up, v.down) for v in votes] == [(answer.article_id, 1, 1)]
    assert votes[0].downvoted[0][0] == "Quelles sont les conséquences du traité ?"
    assert votes[0].downvoted[0][1][0] == answer.passages[0].text


def test_votes_and_more_passages_stay_in_their_server(kiosque: Callable) -> None:
    async def scenario() -> list[str]:
        async with kiosque() as k:
            answer = await k.ask(guild_space(1), "Qui a ratifié le traité ?", "salon-1")
            refused = []
            for call in (
                k.vote(guild_space(2), answer.turn, "mallory", up=False),
                k.more(guild_space(2), answer.turn, 1),
                k.surrounding(guild_space(2), answer.turn),
            ):
                try:
                    await call
                except KiosqueError as error:
                    refused.append(error.code)
            return refused

    assert asyncio.run(scenario()) == ["unknown_turn"] * 3


def test_sections_name_the_lead_introduction_and_summaries_accept_it(kiosque: Callable) -> None:
    async def scenario() -> tuple:
        async with kiosque() as k:
            names = await k.sections(LOCAL, "salon")
            lead = await k.summary(LOCAL, "salon", section="Introduction")
            return names, lead

    names, lead = asyncio.run(scenario())
    assert names[0] == "Introduction" and set(HEADINGS) <= set(names)
    assert lead.bullets and lead.section is None


def test_history_pages_newest_first(kiosque: Callable) -> None:
    async def scenario() -> tuple:
        async with kiosque() as k:
            for n in range(13):
                await k.ask(LOCAL, f"Qui a ratifié le traité ? ({n})", "salon")
            return await k.turns_page("salon", 1), await k.turns_page("salon", 2)

    (first, page, pages), (second, _, _) = asyncio.run(scenario())
    assert (page, pages) == (1, 2) and len(first) == 10 and len(second) == 3
    assert first[-1].question.endswith("(12)") and second[0].question.endswith("(0)")


# The whole library: questions routed to the article that answers, "Quel article parle de".

SPACEX, CRASH, PAPILLONS = (DATA / n for n in (
    "wikinews-43971.html", "wikinews_44145.html", "wikinews_45037.html"))
PASSENGERS = "Combien de passagers transportait l'avion ?"


async def library_of_four(k: object) -> dict[str, int]:
    """The bundled article and three Wikinews ones in the local library: their ids."""
    ids = {"traité": 1}
    for name, path in (("spacex", SPACEX), ("crash", CRASH), ("papillons", PAPILLONS)):
        ids[name] = (await k.index_path(LOCAL, path)).id
    return ids


def test_a_question_the_channels_article_does_not_answer_is_routed(kiosque: Callable) -> None:
    async def scenario() -> tuple:
        async with kiosque(semantic=False) as k:
            ids = await library_of_four(k)
            await k.use(LOCAL, "salon", str(ids["papillons"]))
            answer = await k.ask(LOCAL, PASSENGERS, "salon")
            turns = await k.turns("salon")
            shown = k.renderer.messages("answer", "fr", answer=answer, question=PASSENGERS)
            return ids, answer, turns, shown

    ids, answer, turns, messages = asyncio.run(scenario())
    assert answer.routed == "elsewhere"
    assert answer.article_id == ids["crash"]
    assert "147 passagers" in answer.passages[0].text
    assert all(p.article_id == ids["crash"] for p in answer.passages)
    assert turns[-1].article_id == ids["crash"]  # the follow-ups' context is the answer's
    text = "\n".join(messages)
    assert "Nigeria" in text and f"/use {ids['crash']}" in text


def test_a_channel_without_an_article_asks_the_whole_library(kiosque: Callable) -> None:
    async def scenario() -> tuple:
        async with kiosque(semantic=False) as k:
            ids = await library_of_four(k)
            answers = [await k.ask(LOCAL, q, "salon") for q in (
                PASSENGERS, "Qui a ratifié le traité ?", "Quel papillon a été étudié ?")]
            return ids, answers

    ids, (crash, treaty, butterfly) = asyncio.run(scenario())
    assert [a.routed for a in (crash, treaty, butterfly)] == ["library"] * 3
    assert crash.article_id == ids["crash"]
    assert treaty.article_id == ids["traité"]
    assert butterfly.article_id == ids["papillons"]
    assert "Zizeeria maha" in " ".join(p.text for p in butterfly.passages)


def test_a_follow_up_goes_on_with_the_article_that_answered(kiosque: Callable) -> None:
    async def scenario() -> tuple:
        async with kiosque(semantic=False) as k:
            ids = await library_of_four(k)
            await k.use(LOCAL, "salon", str(ids["papillons"]))
            first = await k.ask(LOCAL, PASSENGERS, "salon")
            onward = await k.ask(LOCAL, "Et pourquoi l'avion s'est-il écrasé ?", "salon")
            anew = await k.ask(LOCAL, "Quel papillon a été étudié ?", "salon")
            return ids, first, onward, anew

    ids, first, onward, anew = asyncio.run(scenario())
    assert first.article_id == onward.article_id == ids["crash"]
    assert onward.followup and onward.routed is None
    assert anew.article_id == ids["papillons"] and anew.routed is None  # the channel's own


def test_asking_which_article_speaks_of_something_lists_them(kiosque: Callable) -> None:
    async def scenario() -> tuple:
        async with kiosque(semantic=False) as k:
            ids = await library_of_four(k)
            answer = await k.ask(LOCAL, "Quel article parle des papillons ?", "salon")
            searched = await k.search(LOCAL, "capsule Dragon")
            return ids, answer, searched, await k.turns("salon")

    ids, answer, searched, turns = asyncio.run(scenario())
    assert isinstance(answer, FoundArticles) and not answer.abstained
    assert answer.found[0].article_id == ids["papillons"]
    assert "papillons" in answer.found[0].sentence
    assert searched[0].article_id == ids["spacex"]
    assert "Dragon" in searched[0].sentence
    assert turns == []  # a listing quotes nothing: it is not a turn follow-ups lean on


def test_library_searches_stay_in_their_server(kiosque: Callable) -> None:
    async def scenario() -> tuple:
        async with kiosque(semantic=False) as k:
            crash = await k.index_path(guild_space(1), CRASH)
            mine = await k.search(guild_space(1), "passagers avion")
            theirs = await k.search(guild_space(2), "passagers avion")
            asked = await k.ask(guild_space(2), PASSENGERS, "salon-2", library=True)
            return crash.id, mine, theirs, asked

    crash, mine, theirs, asked = asyncio.run(scenario())
    assert [f.article_id for f in mine][:1] == [crash]
    assert crash not in [f.article_id for f in theirs]
    assert asked.article_id != crash


def test_a_backup_is_an_sqlite_library_that_answers_the_same(
    kiosque: Callable, tmp_path: Path
) -> None:
    target = tmp_path / "copies" / "backup.db"

    async def scenario() -> tuple:
        async with kiosque() as k:
            await k.index_bytes(guild_space(1), BUDGET.encode(), "budget.txt")
            answer = await k.ask(LOCAL, RATIFY, "salon")
            await k.vote(LOCAL, answer.turn, "alice", up=False)
            await k.backup(target)
            with pytest.raises(KiosqueError) as exists:
                await k.backup(target)
            original = await k.articles(guild_space(1)), await k.turns("salon"), await k.votes()
        settings = Settings(database_url=f"sqlite:///{target}")
        restored = await bot.app.service.Kiosque.open(settings, seed=False)
        try:
            found = await restored.search(guild_space(1), "Qui a voté le budget ?")
            again = await restored.articles(guild_space(1)), await restored.turns("salon")
            return exists.value.code, original, (*again, await restored.votes()), found
        finally:
            await restored.close()

    code, original, restored, found = asyncio.run(scenario())
    assert code == "backup_exists"
    assert restored == original
    assert found[0].title == "Le conseil vote le budget"


@pytest.mark.parametrize("ref", ["²", "٣", "1" * 30, "-1"])
def test_an_id_no_article_can_have_is_an_unknown_article(kiosque: Callable, ref: str) -> None:
    # "²".isdigit() is true but int("²") fails; 30 digits overflow both backends' integers:
    # each was "Erreur interne" and a traceback.
    async def scenario() -> list:
        async with kiosque() as k:
            refused = []
            calls = [lambda: k.resolve(LOCAL, ref), lambda: k.use(LOCAL, "salon", ref)]
            if ref.lstrip("-").isascii():
                calls.append(lambda: k.ask(LOCAL, "Qui ?", "salon", article_id=int(ref)))
                calls.append(lambda: k.summary(LOCAL, "salon", int(ref)))
            for call in calls:
                with pytest.raises(KiosqueError) as caught:
                    await call()
                refused.append((caught.value.code, k.error_text(caught.value)))
            return refused

    for code, text in asyncio.run(scenario()):
        assert code == "unknown_article"
        assert ref in text and "\n" not in text.strip()


def test_a_nul_in_a_question_or_a_title_is_a_space(kiosque: Callable) -> None:
    # asyncpg refuses text holding U+0000: the question was "Erreur interne" on Postgres.
    async def scenario() -> tuple:
        async with kiosque() as k:
            answer = await k.ask(LOCAL, "Qui a\x00ratifié le traité ?", "salon")
            turns = await k.turns("salon")
            with pytest.raises(KiosqueError) as caught:
                await k.resolve(LOCAL, "nulle\x00part")
            titles = await k.titles(LOCAL, "Russie\x00")
            return answer, turns, caught.value.code, titles

    answer, turns, code, titles = asyncio.run(scenario())
    assert not answer.abstained and turns[-1].question == "Qui a ratifié le traité ?"
    assert code == "unknown_article" and [t.id for t in titles] == [answer.article_id]


def test_a_question_is_read_once_and_goes_down_as_that_reading(
    kiosque: Callable, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The service reads what was typed once (intent, language, kind, follow-up); the
    responder and the library search take that reading, they do not read the text again."""
    import bot.app.responder
    from index.language.question import read_question

    read: list[str] = []

    def reading(text: str, *args: object, **kwargs: object) -> object:
        read.append(text)
        return read_question(text, *args, **kwargs)

    monkeypatch.setattr(bot.app.service, "read_question", reading)
    monkeypatch.setattr(bot.app.responder, "read_question", reading)

    async def scenario() -> list:
        async with kiosque() as k:
            first = await k.ask(LOCAL, "Qui a ratifié le traité ?", "salon")
            second = await k.ask(LOCAL, "Et quand ?", "salon")
            talk = await k.ask(LOCAL, "Merci beaucoup", "salon")
            return [first, second, talk]

    first, second, talk = asyncio.run(scenario())
    assert isinstance(first, Answer) and not first.abstained and second.followup
    assert isinstance(talk, SmallTalk) and talk.kind == "thanks"
    assert read == ["Qui a ratifié le traité ?", "Et quand ?", "Merci beaucoup"]
