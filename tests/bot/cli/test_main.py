"""The ``kiosque`` command line as a subprocess: its JSON contract and its one-line errors."""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from bot.app.render import escape
from bot.app.service import Kiosque
from bot.settings import Settings
from bot.storage.factory import open_database
from bot.values import LOCAL
from tests.conftest import BUNDLED, HEADINGS, Run, cli_env, library_rows, stored_rows, straight

BUDGET = (
    "Le conseil vote le budget\n\n"
    "Le conseil municipal a voté le budget de la ville mardi soir.\n\n"
    "Les écoles\n\n"
    "Trois écoles seront construites au nord de la ville.\n"
)
TRAM = (
    "City council approves a new tram line\n\n"
    "The city council voted on Tuesday to build a new tram line to the station. "
    "The line will carry sixty thousand passengers a day when it opens in 2029.\n"
)
PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x10\x00\x00\x00\x10\x08\x06" + bytes(64)
RATIFY = "Qui a ratifié le traité ?"


@pytest.fixture(scope="module")
def library_db(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    """A library with the bundled article (id 1) and an English one (id 2), and its listing."""
    folder = tmp_path_factory.mktemp("library")
    db = folder / "k.db"
    source = folder / "tram.txt"
    source.write_text(TRAM, encoding="utf-8")

    async def build() -> None:
        kiosque = await Kiosque.open(Settings(database_url=f"sqlite:///{db}"))
        try:
            await kiosque.index_path(LOCAL, source)
        finally:
            await kiosque.close()

    asyncio.run(build())
    listing = subprocess.run(
        [sys.executable, "-m", "bot", "articles", "--json"],
        cwd=folder,
        env=cli_env(db),
        capture_output=True,
        encoding="utf-8",
        check=True,
    ).stdout
    return db, listing


@pytest.fixture
def prepared(library_db: tuple[Path, str], db_path: Path) -> str:
    """This test's database is a copy of the prepared library; returns ``articles --json``."""
    source, listing = library_db
    for suffix in ("", "-wal", "-shm"):
        if Path(f"{source}{suffix}").exists():
            shutil.copy(f"{source}{suffix}", f"{db_path}{suffix}")
    return listing


def assert_ok(run: Run) -> None:
    assert run.code == 0, run.err
    assert run.err == ""


def assert_one_line_error(run: Run, *names: str) -> None:
    assert run.code == 2, (run.code, run.err)
    assert len(run.err_lines) == 1, run.err
    assert "Traceback" not in run.err + run.out
    for name in names:
        assert name in run.err_lines[0], run.err


def test_index_json_then_reindex_keeps_the_id(cli: Callable, tmp_path: Path) -> None:
    (tmp_path / "budget.txt").write_text(BUDGET, encoding="utf-8")
    first = cli("index", "budget.txt", "--json")
    assert_ok(first)
    [indexed] = first.json_lines()
    assert indexed == {
        "id": 1,
        "title": "Le conseil vote le budget",
        "version": 1,
        "language": "fr",
        "sections": ["Les écoles"],
        "sentences": 2,
    }
    again = cli("index", "-", "--title", "le conseil VOTE le budget", "--json", stdin=BUDGET)
    assert_ok(again)
    [reindexed] = again.json_lines()
    assert (reindexed["id"], reindexed["version"]) == (1, 2)


def test_ask_json_contract(cli: Callable) -> None:
    run = cli("ask", RATIFY, "--json")
    assert_ok(run)
    [answer] = run.json_lines()
    assert set(answer) == {"question", "abstained", "passages", "bullets", "message"}
    assert answer["question"] == RATIFY
    assert answer["abstained"] is False
    article = BUNDLED.read_text(encoding="utf-8")
    assert 1 <= len(answer["passages"]) <= 3
    for passage in answer["passages"]:
        assert set(passage) == {"text", "section", "article_id", "score", "bold"}
        for start, end in passage["bold"]:  # offsets of the words that answer, not markup
            assert 0 <= start < end <= len(passage["text"])
        assert passage["text"] in article
        assert passage["section"] in (None, *HEADINGS)
        assert passage["article_id"] == 1
        assert passage["score"] > 0
    assert "chambre haute du Parlement russe a récemment ratifié" in answer["passages"][0]["text"]
    assert 2 <= len(answer["bullets"]) <= 4
    lead = answer["passages"][0]
    [(start, end)] = lead["bold"]  # "Qui … ?": the name that answers
    text = lead["text"]
    marked = escape(text[:start]) + f"**{escape(text[start:end])}**" + escape(text[end:])
    assert f"> {marked}" in answer["message"]
    assert f"« {RATIFY} »" in answer["message"]


def test_ask_batch_then_history_and_forget(cli: Callable) -> None:
    questions = (
        f"{RATIFY}\n\n   \nQuelle est la capitale de l'Australie ?\nQuel missile a été testé ?\n"
    )
    batch = cli("ask", "-", "--json", "--channel", "salon", stdin=questions)
    assert_ok(batch)
    answers = batch.json_lines()
    assert [a["question"] for a in answers] == [
        RATIFY,
        "Quelle est la capitale de l'Australie ?",
        "Quel missile a été testé ?",
    ]
    assert [a["abstained"] for a in answers] == [False, True, False]
    assert answers[1]["passages"] == []
    assert "missile balistique intercontinental" in straight(answers[2]["passages"][0]["text"])

    history = cli("history", "--channel", "salon")
    assert_ok(history)
    positions = [history.out.find(q) for q in (RATIFY, "capitale de l'Australie", "missile")]
    assert -1 not in positions and positions == sorted(positions)
    assert RATIFY not in cli("history").out  # channel "cli" asked nothing

    forget = cli("forget", "--channel", "salon")
    assert_ok(forget)
    assert "3" in forget.out
    assert RATIFY not in cli("history", "--channel", "salon").out


def test_summary_json(cli: Callable) -> None:
    run = cli("summary", "--json")
    assert_ok(run)
    [summary] = run.json_lines()
    assert set(summary) == {"bullets", "message"}
    assert len(summary["bullets"]) == 5
    article = BUNDLED.read_text(encoding="utf-8")
    found = [article.find(b.removesuffix("…")) for b in summary["bullets"]]
    assert -1 not in found and found == sorted(found)
    assert all(f"• {escape(b)}" in summary["message"] for b in summary["bullets"])


def test_articles_json_lists_the_library_newest_first(prepared: str) -> None:
    listed = [json.loads(line) for line in prepared.splitlines()]
    assert [(a["id"], a["version"], a["language"]) for a in listed] == [(2, 1, "en"), (1, 1, "fr")]
    assert listed[0]["title"] == "City council approves a new tram line"
    assert {"id", "title", "version", "language"} <= set(listed[0])


def test_without_use_the_library_answers_then_use_picks_the_article(
    cli: Callable, prepared: str
) -> None:
    newest = cli("ask", "When will the tram line open?", "--json")
    assert_ok(newest)
    [answer] = newest.json_lines()
    assert answer["passages"][0]["article_id"] == 2
    assert "2029" in answer["passages"][0]["text"]

    use = cli("use", "1")
    assert_ok(use)
    assert "La Russie et la Corée du Nord" in use.out

    active = cli("ask", RATIFY, "--json")
    assert_ok(active)
    assert active.json_lines()[0]["passages"][0]["article_id"] == 1


def test_search_lists_the_articles_that_speak_of_a_query(cli: Callable, prepared: str) -> None:
    tram = cli("search", "tram line", "--json")
    assert_ok(tram)
    found = tram.json_lines()
    assert found[0]["id"] == 2 and "tram line" in found[0]["sentence"]
    assert set(found[0]) == {"id", "title", "sentence", "score"}
    treaty = cli("search", "traité Corée")
    assert_ok(treaty)
    assert "`1`" in treaty.out and "Corée" in treaty.out
    assert cli("search", "zzzz").code == 0


def test_ask_library_answers_from_another_article_and_says_which(
    cli: Callable, prepared: str
) -> None:
    assert_ok(cli("use", "2"))
    routed = cli("ask", RATIFY, "--library", "--json")
    assert_ok(routed)
    [answer] = routed.json_lines()
    assert answer["passages"][0]["article_id"] == 1
    assert "ratifié" in answer["passages"][0]["text"]
    assert "article `1`" in answer["message"]
    own = cli("ask", "When will the tram line open?", "--json")  # the channel's article still
    assert own.json_lines()[0]["passages"][0]["article_id"] == 2


def write_case(folder: Path, case: str) -> tuple[list[str], list[str]]:
    """Create the input of an error case; return the command line and what must be named."""
    if case == "missing":
        return ["index", "absent.txt"], ["absent.txt"]
    if case == "directory":
        (folder / "dossier").mkdir()
        return ["index", "dossier"], ["dossier"]
    if case == "pdf":
        (folder / "rapport.pdf").write_bytes(b"%PDF-1.4\n")
        return ["index", "rapport.pdf"], ["rapport.pdf", ".pdf"]
    if case == "binary":
        (folder / "photo.txt").write_bytes(PNG)
        return ["index", "photo.txt"], ["photo.txt"]
    if case == "empty":
        (folder / "vide.txt").write_bytes(b"")
        return ["index", "vide.txt"], ["vide.txt"]
    if case == "clutter":
        (folder / "liens.txt").write_text(
            "Titre\n\nÀ lire aussi : autre chose\n\n12 commentaires\n\nPartagez votre avis\n",
            encoding="utf-8",
        )
        return ["index", "liens.txt"], ["liens.txt"]
    if case == "too_large":
        (folder / "long.txt").write_text(BUDGET * 3, encoding="utf-8")
        return ["index", "long.txt"], ["long.txt", "100"]
    if case == "huge_id":  # 30 digits overflow the database's integers
        return ["ask", RATIFY, "--article", "1" * 30], ["1" * 30]
    if case == "superscript_id":  # "²".isdigit() is true, int("²") fails
        return ["use", "²"], ["²"]
    assert case == "unknown_article"
    return ["ask", RATIFY, "--article", "999"], ["999"]


ERROR_CASES = [
    "missing",
    "directory",
    "pdf",
    "binary",
    "empty",
    "clutter",
    "too_large",
    "unknown_article",
    "huge_id",
    "superscript_id",
]


@pytest.mark.parametrize("case", ERROR_CASES)
def test_error_is_one_line_exit_2_and_changes_nothing(
    cli: Callable, prepared: str, tmp_path: Path, db_path: Path, case: str
) -> None:
    args, names = write_case(tmp_path, case)
    before = library_rows(db_path)
    run = cli(*args, MAX_SOURCE_BYTES="100" if case == "too_large" else "5000000")
    assert_one_line_error(run, *names)
    assert run.out == ""
    assert library_rows(db_path) == before


def test_failed_sources_leave_articles_json_unchanged(
    cli: Callable, prepared: str, tmp_path: Path
) -> None:
    sources = []
    for case in ERROR_CASES[:6]:
        args, _ = write_case(tmp_path, case)
        sources.append(args[1])
    run = cli("index", *sources, "--json")
    assert run.code == 2
    assert len(run.err_lines) == len(sources)
    assert "Traceback" not in run.err
    assert cli("articles", "--json").out == prepared


def test_error_names_a_file_with_underscores_verbatim(cli: Callable, tmp_path: Path) -> None:
    run = cli("index", "mon_article_2024.pdf")
    assert_one_line_error(run, "mon_article_2024.pdf")


def test_unknown_section_is_a_one_line_error(cli: Callable) -> None:
    assert_one_line_error(cli("summary", "--section", "Sport et loisirs"), "Sport et loisirs")


def test_run_without_token_says_how_to_set_one(cli: Callable, tmp_path: Path) -> None:
    assert not (tmp_path / ".env").exists()
    run = cli("run", DISCORD_TOKEN="")
    assert_one_line_error(run, "DISCORD_TOKEN")
    assert run.out == ""


@pytest.mark.parametrize(
    ("args", "env", "names"),
    [
        (["--shards", "5", "--shard-count", "4"], {}, ("--shards", "--shard-count", "0 to 3")),
        (["--shards", "x", "--shard-count", "4"], {}, ("--shards", "0-3 or 0,2,5")),
        (["--shards", "0-1"], {}, ("--shards", "SHARD_COUNT")),
        (["--shards", "2"], {"SHARD_COUNT": "2"}, ("--shards", "SHARD_COUNT is 2")),
        (["--shard-count", "0"], {}, ("--shard-count", "at least 1")),
        ([], {"SHARD_IDS": "0-9", "SHARD_COUNT": "4"}, ("SHARD_IDS", "SHARD_COUNT is 4")),
    ],
)
def test_impossible_shards_are_a_one_line_error_naming_what_was_typed(
    cli: Callable, args: list[str], env: dict[str, str], names: tuple[str, ...]
) -> None:
    run = cli("run", *args, DISCORD_TOKEN="MTIz.fake.token", **env)
    assert_one_line_error(run, *names)
    assert run.out == ""


def test_commands_other_than_run_never_import_discord(tmp_path: Path, db_path: Path) -> None:
    # Nor the web client: aiohttp takes about 0.1 s to import, which every `kiosque ask` would
    # pay; it loads when a URL or a feed is fetched.
    script = (
        "import sys\n"
        "from bot.cli.main import main\n"
        "codes = [main(['ask', 'Qui a ratifié le traité ?', '--json']), main(['articles']),"
        " main(['summary']), main(['history'])]\n"
        "assert codes == [0, 0, 0, 0], codes\n"
        "assert 'discord' not in sys.modules, 'discord imported'\n"
        "assert 'aiohttp' not in sys.modules, 'aiohttp imported'\n"
        "print('ok')\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script],
        cwd=tmp_path,
        env=cli_env(db_path),
        capture_output=True,
        encoding="utf-8",
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.rstrip().endswith("ok")


def test_a_file_that_is_not_a_database_is_a_one_line_error(cli: Callable, db_path: Path) -> None:
    db_path.write_text("Ceci n'est pas une base SQLite, juste du texte. " * 20, encoding="utf-8")
    assert_one_line_error(cli("articles", timeout=4), str(db_path))


def test_bad_bundled_article_is_a_one_line_error(cli: Callable, tmp_path: Path) -> None:
    folder = tmp_path / "bundled"
    folder.mkdir()
    (folder / "vide.txt").write_bytes(b"")
    run = cli("articles", timeout=5, KIOSQUE_ARTICLES_DIR=str(folder))
    assert_one_line_error(run, "vide.txt", "aucun texte d’article")


@pytest.mark.parametrize("command", ["run", "sync"])
def test_the_bot_on_a_file_that_is_not_a_database_says_so_in_one_line(
    cli: Callable, db_path: Path, command: str
) -> None:
    db_path.write_bytes(b"SQLite? non: " + bytes(range(256)) * 20)
    run = cli(command, timeout=20, DISCORD_TOKEN="MTIz.fake.token")
    assert_one_line_error(run, str(db_path))
    assert "Traceback" not in run.err


@pytest.mark.parametrize("command", ["articles", "run"])
@pytest.mark.parametrize(
    ("url", "shown"),
    [
        # Nothing listens on port 1.
        ("postgresql://kiosque:s3cr3t-pw@127.0.0.1:1/kiosque",
         "postgresql://kiosque:***@127.0.0.1:1/kiosque"),
        ("postgresql://kiosque@127.0.0.1:1/kiosque?password=s3cr3t-pw",
         "postgresql://kiosque@127.0.0.1:1/kiosque?password=***"),
        # The driver cannot even read it.
        ("postgresql://kiosque:s3cr3t-pw@127.0.0.1:port/kiosque",
         "postgresql://kiosque:***@127.0.0.1:port/kiosque"),
    ],
)
def test_a_postgres_that_cannot_be_reached_is_one_line_without_the_password(
    cli: Callable, command: str, url: str, shown: str
) -> None:
    run = cli(command, timeout=30, DATABASE_URL=url, DISCORD_TOKEN="MTIz.fake.token")
    assert_one_line_error(run, shown)
    assert "s3cr3t-pw" not in run.err


def test_an_unknown_database_url_names_the_setting(cli: Callable) -> None:
    run = cli("articles", DATABASE_URL="mysql://kiosque:s3cr3t-pw@db.example/kiosque")
    assert_one_line_error(run, "DATABASE_URL")
    assert "s3cr3t-pw" not in run.err and "***" in run.err


def test_an_in_memory_database_works_for_one_command(cli: Callable) -> None:
    run = cli("ask", "Qui a ratifié le traité ?", "--json", DATABASE_URL="sqlite:///:memory:")
    assert run.code == 0, run.err
    assert "ratifié un traité" in run.json_lines()[0]["passages"][0]["text"]


def test_processes_starting_together_on_a_new_database_seed_it_once(
    tmp_path: Path, db_path: Path, database_url: str
) -> None:
    processes = [
        subprocess.Popen(
            [sys.executable, "-m", "bot", "articles", "--json"],
            cwd=tmp_path,
            env=cli_env(db_path, DATABASE_URL=database_url),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        for _ in range(4)
    ]
    outputs = [p.communicate(timeout=60) for p in processes]
    assert [p.returncode for p in processes] == [0, 0, 0, 0], [e for _, e in outputs]
    for out, _ in outputs:
        listed = [json.loads(line) for line in out.decode().splitlines() if line.strip()]
        assert len(listed) == 1  # the bundled article, once
    async def rows() -> list[tuple]:
        db = await open_database(Settings(database_url=database_url))
        try:
            return await stored_rows(db)
        finally:
            await db.close()

    assert len(asyncio.run(rows())) == 2  # one article row, one version row


@pytest.mark.parametrize("shards", [[], ["--shards", "0-1", "--shard-count", "2"]])
def test_a_discord_that_cannot_be_reached_at_start_is_one_line(
    cli: Callable, shards: list[str]
) -> None:
    run = cli(
        "run",
        *shards,
        timeout=30,
        DISCORD_TOKEN="MTIz.fake.token",
        DISCORD_API_BASE="http://127.0.0.1:9/api/v10",  # nothing listens on the discard port
        LOG_LEVEL="WARNING",
    )
    assert_one_line_error(run, "cannot reach Discord")
    assert "Traceback" not in run.err


def test_feedback_lists_votes_per_article_and_the_questions_voted_down(
    cli: Callable, db_path: Path
) -> None:
    async def vote() -> None:
        kiosque = await Kiosque.open(Settings(database_url=f"sqlite:///{db_path}"))
        try:
            answer = await kiosque.ask(LOCAL, "Qui a ratifié le traité ?", "salon")
            await kiosque.vote(LOCAL, answer.turn, "alice", up=False)
            await kiosque.vote(LOCAL, answer.turn, "bob", up=True)
        finally:
            await kiosque.close()

    asyncio.run(vote())
    listed = cli("feedback", "--json")
    assert listed.code == 0, listed.err
    [article] = listed.json_lines()
    assert (article["up"], article["down"]) == (1, 1)
    assert article["downvoted"][0]["question"] == "Qui a ratifié le traité ?"
    assert "ratifié un traité" in article["downvoted"][0]["quoted"][0]
    shown = cli("feedback")
    assert "👎 1" in shown.out and "Qui a ratifié le traité ?" in shown.out


def test_a_reader_that_goes_away_ends_the_command_quietly(
    cli: Callable[..., Run], tmp_path: Path, db_path: Path
) -> None:
    # `kiosque ask ... | head -1`: the pipe closes before the answer is written.
    assert cli("ask", "Qui a ratifié le traité ?").code == 0  # seeded once
    reader, writer = os.pipe()
    os.close(reader)
    try:
        done = subprocess.run(
            [sys.executable, "-m", "bot", "ask", "Qui a ratifié le traité ?"],
            cwd=tmp_path, env=cli_env(db_path), stdout=writer, stderr=subprocess.PIPE,
            timeout=60, check=False,
        )
    finally:
        os.close(writer)
    assert done.returncode == 141
    assert done.stderr.decode() == ""
