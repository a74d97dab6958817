"""Hostile sources through ``kiosque index``: each refused in one line, the library unchanged.

URLs are served by ``support.web_server`` on 127.0.0.1 while the CLI runs in subprocesses.
"""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import time
from collections.abc import Collection
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import NamedTuple

from bot.settings import ROOT, Settings
from bot.values import LOCAL
from support.web_server import CAP, FRENCH, PNG, SCRIPTS_ONLY, LocalServer

FETCH_TIMEOUT = 1
RUN_TIMEOUT = 30
# Settings a developer's shell may carry; every run starts from the defaults instead.
_SETTING_KEYS = (
    "DATABASE_URL",
    "MAX_SOURCE_BYTES",
    "HISTORY_LIMIT",
    "MAX_QUESTION_CHARS",
    "FETCH_TIMEOUT",
    "FETCH_MAX_REDIRECTS",
    "ALLOW_PRIVATE_URLS",
    "ADMIN_ROLE",
    "ANSWER_CHANNELS",
    "COOLDOWN_QUESTIONS",
    "COOLDOWN_SECONDS",
    "LOG_LEVEL",
)

# Loopback written in other digits and dots (label: host), refused as 127.0.0.1 or 0.0.0.0.
UNICODE_LOOPBACK = {
    "ideographic full stops 127。0。0。1": "127。0。0。1",
    "fullwidth １２７．０．０．１": "１２７．０．０．１",
    "halfwidth ideographic stops 127｡0｡0｡1": "127｡0｡0｡1",
    "ideographic full stops 0。0。0。0": "0。0。0。0",
}

CLUTTER_ONLY = (
    "À lire aussi : la guerre en Ukraine\n\nPartagez votre avis\n\n21 commentaires\n\n"
    "Abonnez-vous à notre newsletter\n"
)


class BadSource(NamedTuple):
    """One hostile ``kiosque index`` run: its arguments, stdin and words its error must say."""

    label: str
    args: list[str]
    allow_private: bool = False
    stdin: bytes = b""
    expect: tuple[str, ...] = ()


class GoodSource(NamedTuple):
    """A legacy-encoded file that must index, with words its text must contain verbatim."""

    label: str
    path: Path
    words: tuple[str, ...]


def cli_env(folder: Path, **extra: str) -> dict[str, str]:
    """The environment of a ``kiosque`` process whose database lives in ``folder``."""
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in _SETTING_KEYS and not k.startswith(("KIOSQUE_", "DISCORD_"))
    }
    env.update(
        DATABASE_URL=f"sqlite:///{folder / 'kiosque.db'}",
        PYTHONPATH=os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])),
        PYTHONIOENCODING="utf-8",
        KIOSQUE_LANGUAGE="en",
        # One vector cache for every process: the bundled article is embedded once.
        EMBED_CACHE_DIR=str(ROOT / "var" / "cache" / "vectors"),
    )
    env.update(extra)
    return env


def run_cli(
    folder: Path, *args: str, stdin: bytes = b"", timeout: float = RUN_TIMEOUT, **env: str
) -> subprocess.CompletedProcess[str]:
    """``python -m bot ARGS`` run in ``folder`` on its database; output decoded as UTF-8."""
    done = subprocess.run(
        [sys.executable, "-m", "bot", *args],
        cwd=folder,
        env=cli_env(folder, **env),
        input=stdin,
        capture_output=True,
        timeout=timeout,
        check=False,
    )
    return subprocess.CompletedProcess(
        done.args,
        done.returncode,
        done.stdout.decode("utf-8", "replace"),
        done.stderr.decode("utf-8", "replace"),
    )


def bad_sources(folder: Path, server: LocalServer | None = None) -> list[BadSource]:
    """Write each hostile file in ``folder``; with a ``server``, add its hostile URLs."""
    (folder / "empty.txt").write_bytes(b"")
    (folder / "blank.txt").write_text("   \n\t\n  \r\n \u00a0\n", encoding="utf-8")
    (folder / "photo.txt").write_bytes(PNG)
    (folder / "nuls.txt").write_bytes(b"\x00" * 4096)
    (folder / "scripts.html").write_text(SCRIPTS_ONLY, encoding="utf-8")
    (folder / "clutter.txt").write_text(CLUTTER_ONLY, encoding="utf-8")
    (folder / "report.pdf").write_bytes(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<<>>\nendobj\n")
    (folder / "folder.txt").mkdir(exist_ok=True)
    oversize = (FRENCH * (CAP // len(FRENCH) + 2)).encode("utf-8")
    (folder / "oversize.txt").write_bytes(oversize)
    sources = [
        BadSource("empty file", ["empty.txt"], expect=("empty",)),
        BadSource("whitespace-only file", ["blank.txt"], expect=("empty",)),
        BadSource("PNG renamed .txt", ["photo.txt"], expect=("binary",)),
        BadSource("NUL bytes", ["nuls.txt"], expect=("binary",)),
        BadSource("HTML of scripts and styles", ["scripts.html"], expect=("empty", "clutter")),
        BadSource("clutter only", ["clutter.txt"], expect=("clutter", "empty")),
        BadSource("unsupported .pdf", ["report.pdf"], expect=("unsupported",)),
        BadSource("a directory", ["folder.txt"], expect=("directory",)),
        BadSource("missing path", ["missing.txt"], expect=("no such file",)),
        BadSource("missing path with markup", ["no_such_file.txt"], expect=("no such file",)),
        BadSource("file over the size limit", ["oversize.txt"], expect=(str(CAP),)),
        BadSource("binary on stdin", ["-"], stdin=PNG, expect=("binary",)),
        BadSource("stdin over the size limit", ["-"], stdin=oversize, expect=(str(CAP),)),
        BadSource("file:// URL", ["file:///etc/passwd"], expect=("scheme",)),
        BadSource("ftp:// URL", ["ftp://127.0.0.1/article.txt"], expect=("scheme",)),
    ]
    refused = ("address refused", "cannot be downloaded")
    for label, url in (
        ("URL with a 64-letter host label", f"http://{'a' * 64}.example/"),
        ("URL with an empty host label", "http://a..b/"),
        ("malformed IPv6 URL", "http://[::1/"),
        ("URL with a port out of range", "http://example.com:99999/"),
        ("URL without a host", "http:///article"),
    ):
        sources.append(BadSource(label, [url], expect=refused))
    if server is None:
        return sources
    for label, path, expect in (
        ("URL answering 404", "/not-found", ("404",)),
        ("URL answering 500", "/error", ("500",)),
        ("URL that hangs past the timeout", "/slow", ("within",)),
        ("URL that drips past the timeout", "/drip", ("within",)),
        ("URL redirecting to itself", "/loop", ("redirects",)),
        ("URLs redirecting to each other", "/ping", ("redirects",)),
        ("redirect to file://", "/to-file", ("scheme",)),
        ("redirect to ftp://", "/to-ftp", ("scheme",)),
        ("redirect without Location", "/no-location", ("Location",)),
        ("URL returning image/png", "/photo", ("unsupported",)),
        ("image/png named .txt", "/photo.txt", ("binary", "unsupported")),
        ("image/png named .html", "/photo.html", ("binary", "unsupported", "empty")),
        ("PNG served as text/html", "/binary-page", ("binary",)),
        ("empty page", "/empty-page", ("empty",)),
        ("page of scripts and styles", "/scripts-page", ("empty", "clutter")),
        ("body over the cap (Content-Length)", "/huge", (str(CAP),)),
        ("body over the cap (chunked)", "/huge-chunked", (str(CAP),)),
        ("gzip bomb", "/gzip-bomb", (str(CAP),)),
    ):
        sources.append(BadSource(label, [server.url(path)], allow_private=True, expect=expect))
    port = server.base.rsplit(":", 1)[1]
    for label, host in (
        ("127.0.0.1", "127.0.0.1"),
        ("localhost", "localhost"),
        ("::1", "[::1]"),
        ("IPv4-mapped ::ffff:127.0.0.1", "[::ffff:127.0.0.1]"),
        ("decimal 2130706433", "2130706433"),
        ("short 127.1", "127.1"),
        ("0.0.0.0", "0.0.0.0"),
        # Issue 20: the client's IDNA step makes these the address they look like.
        *UNICODE_LOOPBACK.items(),
    ):
        url = f"http://{host}:{port}/private-{len(sources)}"
        sources.append(BadSource(f"loopback URL {label}", [url], expect=("refused",)))
    for host in (
        "169.254.169.254",
        "169．254．169．254",
        "10.0.0.1",
        "10。0。0。1",
        "192.168.1.1",
        "172.16.0.1",
        "[fd00::1]",
    ):
        sources.append(BadSource(f"private URL {host}", [f"http://{host}/"], expect=("refused",)))
    return sources


def good_sources(folder: Path) -> list[GoodSource]:
    """French text files in Latin-1 and Windows-1252 that must index without a ``�``."""
    latin = FRENCH.replace("’", "'").replace("œ", "oe").replace("Œ", "OE")
    latin = latin.replace("L'été", "L'été en latin-1")
    (folder / "latin1.txt").write_bytes(latin.encode("latin-1"))
    (folder / "cp1252.txt").write_bytes(FRENCH.replace("L’été", "L’été en cp1252").encode("cp1252"))
    return [
        GoodSource(
            "Latin-1 French text",
            folder / "latin1.txt",
            ("L'été en latin-1", "élève", "crème brûlée", "garçon", "forêt", "« Où est passé"),
        ),
        GoodSource(
            "Windows-1252 French text",
            folder / "cp1252.txt",
            ("L’été en cp1252", "sœur", "cœur d’artichaut", "œufs", "Ça ne l’empêchait", "maïs"),
        ),
    ]


def _library(folder: Path) -> tuple[int, str, str]:
    done = run_cli(folder, "articles", "--json")
    return done.returncode, done.stdout, done.stderr


def _check_bad(folder: Path, source: BadSource, before: tuple[int, str, str]) -> list[str]:
    problems: list[str] = []
    env = {"MAX_SOURCE_BYTES": str(CAP), "FETCH_TIMEOUT": str(FETCH_TIMEOUT)}
    if source.allow_private:
        env["ALLOW_PRIVATE_URLS"] = "true"
    started = time.perf_counter()
    try:
        done = run_cli(folder, "index", *source.args, stdin=source.stdin, **env)
    except subprocess.TimeoutExpired:
        return [f"still running after {RUN_TIMEOUT} s"]
    elapsed = time.perf_counter() - started
    lines = [line for line in done.stderr.splitlines() if line.strip()]
    if done.returncode != 2:
        problems.append(f"exit code {done.returncode}")
    if "Traceback" in done.stderr:
        problems.append("traceback on stderr")
    if len(lines) != 1:
        problems.append(f"{len(lines)} lines on stderr: {done.stderr[:300]!r}")
    elif source.args[0] != "-" and source.args[0] not in lines[0]:
        problems.append(f"error does not name {source.args[0]}: {lines[0]!r}")
    if lines and source.expect and not any(w.lower() in lines[0].lower() for w in source.expect):
        problems.append(f"error does not say {' or '.join(source.expect)}: {lines[0]!r}")
    if done.stdout.strip():
        problems.append(f"output on stdout: {done.stdout[:200]!r}")
    if elapsed > FETCH_TIMEOUT + 15:
        problems.append(f"took {elapsed:.1f} s")
    if _library(folder) != before:
        problems.append("the library changed")
    return problems


def _article_text(folder: Path, article_id: int) -> str:
    from bot.app.service import Kiosque

    async def load() -> str:
        settings = Settings(database_url=f"sqlite:///{folder / 'kiosque.db'}")
        kiosque = await Kiosque.open(settings, seed=False)
        try:
            stored = await kiosque.article_for(LOCAL, "stress", article_id)
        finally:
            await kiosque.close()
        article = stored.article
        return "\n".join([article.title, *(s.text for s in article.sentences)])

    return asyncio.run(load())


def _check_good(folder: Path, source: GoodSource) -> list[str]:
    done = run_cli(folder, "index", str(source.path), "--json")
    if done.returncode != 0:
        return [f"exit code {done.returncode}: {done.stderr.strip()[:300]}"]
    text = _article_text(folder, json.loads(done.stdout.splitlines()[-1])["id"])
    problems = ["U+FFFD in the text"] if "\ufffd" in text else []
    problems += [f"{word!r} missing" for word in source.words if word not in text]
    return problems


def check_sources(
    folder: Path,
    labels: Collection[str] | None = None,
    skip: Collection[str] = (),
    lanes: int = 2,
) -> tuple[int, list[str]]:
    """Index each hostile source (then the legacy encodings) in ``folder``; one failure each.

    ``labels`` picks sources by label and ``skip`` leaves some out. Sources run in ``lanes``
    parallel lanes, each on its own library, so that a change to a library is still blamed on
    the one source that made it.
    """
    with LocalServer() as server:
        with ThreadPoolExecutor(lanes) as pool:
            results = list(
                pool.map(
                    lambda lane: _check_lane(
                        folder / f"lane-{lane}", server, labels, skip, lane, lanes
                    ),
                    range(lanes),
                )
            )
        private = [p for p in server.requested if p.startswith("/private-")]
    tried = sum(count for count, _ in results)
    failures = [failure for _, failed in results for failure in failed]
    if private:
        failures.append(f"loopback URLs were requested despite the refusal: {private}")
    return tried, failures


def _check_lane(
    folder: Path,
    server: LocalServer,
    labels: Collection[str] | None,
    skip: Collection[str],
    lane: int,
    lanes: int,
) -> tuple[int, list[str]]:
    folder.mkdir(parents=True, exist_ok=True)
    seeded = run_cli(folder, "articles", "--json")
    if seeded.returncode != 0 or not seeded.stdout.strip():
        return 0, [f"seeding the library failed: {seeded.stderr.strip()[:300]}"]
    chosen = [
        source
        for source in [*bad_sources(folder, server), *good_sources(folder)]
        if (labels is None or source.label in labels) and source.label not in skip
    ][lane::lanes]
    tried = 0
    failures: list[str] = []
    before = _library(folder)
    for source in chosen:
        tried += 1
        if isinstance(source, GoodSource):
            if problems := _check_good(folder, source):
                failures.append(f"{source.label}: {'; '.join(problems)}")
            continue
        if problems := _check_bad(folder, source, before):
            failures.append(f"{source.label} ({source.args[0][:60]}): {'; '.join(problems)}")
            before = _library(folder)
    return tried, failures
