"""Kill -9 during a reindex of a multi-megabyte article: the library must survive every time."""

from __future__ import annotations

import contextlib
import json
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

from index import parse_article
from index.vectors.embedding import vector_rows
from stress.hostile import ARTICLE
from stress.sources import cli_env, run_cli

TITLE = "Alliance militaire : la chronique complète"
MARKER = "Cette version courte a été publiée le premier jour du mois de novembre."
QUESTION = "Quand la version courte a-t-elle été publiée ?"
DEFAULT_LIMIT = 5_000_000
RUN_TIMEOUT = 120


def short_article() -> str:
    """The first version: the bundled article's opening and a sentence only it contains."""
    paragraphs = ARTICLE.read_text(encoding="utf-8").split("\n\n")
    return "\n\n".join([TITLE, paragraphs[1], MARKER, *paragraphs[2:4]]) + "\n"


def big_article(size: int) -> str:
    """A French article of about ``size`` bytes: numbered chapters of the bundled paragraphs."""
    paragraphs = [p.strip() for p in ARTICLE.read_text(encoding="utf-8").split("\n\n")[1:]]
    body = [p for p in paragraphs if p.endswith((".", "?", "!"))]
    parts = [TITLE]
    total = len(TITLE.encode("utf-8"))
    chapter = 0
    while total < size:
        chapter += 1
        block = [f"Chapitre {chapter} : l’alliance vue depuis {1900 + chapter % 125}"]
        for number, paragraph in enumerate(body):
            figure = (chapter * 7919 + number * 104_729) % 100_000
            block.append(
                f"{paragraph} Au chapitre {chapter}, le rapport numéro {number} recense "
                f"{figure} soldats et {figure % 977} blindés."
            )
        text = "\n\n".join(block)
        parts.append(text)
        total += len(text.encode("utf-8")) + 2
    return "\n\n".join(parts) + "\n"


def integrity(db: Path) -> str:
    """``PRAGMA integrity_check`` of a database file, read with the standard library."""
    connection = sqlite3.connect(db, timeout=30)
    try:
        return "; ".join(row[0] for row in connection.execute("PRAGMA integrity_check"))
    finally:
        connection.close()


def _articles(folder: Path) -> tuple[dict[int, dict], str]:
    done = run_cli(folder, "articles", "--json")
    if done.returncode != 0:
        return {}, f"articles exited {done.returncode}: {done.stderr.strip()[:200]}"
    try:
        listed = [json.loads(line) for line in done.stdout.splitlines() if line.strip()]
    except json.JSONDecodeError as error:
        return {}, f"articles --json printed something else: {error}"
    return {info["id"]: info for info in listed}, ""


def _ask(folder: Path, article_id: int, version_text: str) -> list[str]:
    done = run_cli(folder, "ask", QUESTION, "--article", str(article_id), "--json")
    if done.returncode != 0:
        return [f"ask exited {done.returncode}: {done.stderr.strip()[:200]}"]
    try:
        answer = json.loads(done.stdout)
    except json.JSONDecodeError:
        return [f"ask printed {done.stdout[:200]!r}"]
    quotes = [p["text"] for p in answer.get("passages", [])]
    problems = [
        f"quote not in the version served: {q[:80]!r}" for q in quotes if q not in version_text
    ]
    if MARKER in version_text and not any(MARKER in quote for quote in quotes):
        problems.append("the first version's answer is not quoted")
    return problems


def _wait_for_wal(process: subprocess.Popen, wal: Path, grown: int, deadline: float) -> None:
    # The version is written in one transaction of several megabytes: the WAL file's first
    # bytes mark the start of the write, its first megabyte the middle of it.
    start = wal.stat().st_size if wal.exists() else 0
    while process.poll() is None and time.monotonic() < deadline:
        if wal.exists() and wal.stat().st_size >= start + grown:
            return
        time.sleep(0.001)


def _index_big(folder: Path) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "bot", "index", "big.txt", "--title", TITLE, "--json"],
        cwd=folder,
        env=cli_env(folder),
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def measure_reindex(folder: Path) -> float:
    """Seconds one full reindex of ``big.txt`` takes, on a scratch library in ``folder``."""
    scratch = folder / "measure"
    scratch.mkdir(parents=True, exist_ok=True)
    for name in ("short.txt", "big.txt"):
        (scratch / name).write_bytes((folder / name).read_bytes())
    run_cli(scratch, "index", "short.txt", "--title", TITLE)
    started = time.monotonic()
    process = _index_big(scratch)
    if process.wait(RUN_TIMEOUT) != 0:
        raise RuntimeError(f"reindexing big.txt failed with exit code {process.returncode}")
    return time.monotonic() - started


def kill_during_reindex(
    folder: Path, points: int = 5, size: int = 3_300_000
) -> tuple[int, list[str]]:
    """SIGKILL ``kiosque index`` at ``points`` moments of a reindex; (kills, failures)."""
    folder.mkdir(parents=True, exist_ok=True)
    db = folder / "kiosque.db"
    wal = folder / "kiosque.db-wal"
    short, big = short_article(), big_article(min(size, DEFAULT_LIMIT - 100_000))
    (folder / "short.txt").write_text(short, encoding="utf-8")
    (folder / "big.txt").write_text(big, encoding="utf-8")
    duration = measure_reindex(folder)

    run_cli(folder, "articles", "--json")
    first = run_cli(folder, "index", "short.txt", "--title", TITLE, "--json")
    if first.returncode != 0:
        return 0, [f"indexing the first version failed: {first.stderr.strip()[:200]}"]
    article_id = json.loads(first.stdout)["id"]
    library, error = _articles(folder)
    if error:
        return 0, [error]
    served = {library[article_id]["version"]: short}

    kills = 0
    failures: list[str] = []
    for number, (delay, grown) in enumerate(_plan(points, duration)):
        when = f"at {delay:.2f} s" if delay is not None else f"when the WAL grew {grown} bytes"
        label = f"kill {number + 1} ({when})"
        process = _index_big(folder)
        if delay is None:
            _wait_for_wal(process, wal, grown, time.monotonic() + duration * 3 + 10)
        else:
            with contextlib.suppress(subprocess.TimeoutExpired):
                process.wait(delay)
        if process.poll() is None:
            process.kill()
            kills += 1
        else:
            label += f", finished first with exit code {process.returncode}"
        process.wait(30)
        problems = _after_kill(folder, db, article_id, library, served, big)
        if problems:
            failures.append(f"{label}: {'; '.join(problems)}")
        library, _ = _articles(folder)

    final = run_cli(folder, "index", "big.txt", "--title", TITLE, "--json", timeout=RUN_TIMEOUT)
    expected = library.get(article_id, {}).get("version", 0) + 1
    if final.returncode != 0:
        failures.append(f"final reindex exited {final.returncode}: {final.stderr.strip()[:200]}")
    elif json.loads(final.stdout)["version"] != expected:
        failures.append(f"final reindex wrote version {json.loads(final.stdout)['version']}")
    else:
        served[expected] = big
        problems = _after_kill(folder, db, article_id, library, served, big)
        failures += [f"after the final reindex: {problem}" for problem in problems]
    return kills, failures


def _plan(points: int, duration: float) -> list[tuple[float | None, int]]:
    # Spread over the run (start-up and parsing), then two at the write: its start, its middle.
    writes = [(None, 1), (None, 1_000_000)][: max(1, min(2, points - 1))]
    timed = points - len(writes)
    delays = [(duration * 0.9 * (i + 0.5) / timed, 0) for i in range(timed)]
    return [*delays, *writes]


def _after_kill(
    folder: Path,
    db: Path,
    article_id: int,
    library: dict[int, dict],
    served: dict[int, str],
    big: str,
) -> list[str]:
    """What is broken after a kill: integrity, the listed versions, the answer served."""
    check = integrity(db)
    if check != "ok":
        return [f"integrity_check: {check[:200]}"]
    now, error = _articles(folder)
    if error:
        return [error]
    problems = []
    before = library[article_id]["version"]
    version = now.get(article_id, {}).get("version")
    if version == before + 1 and now[article_id]["source"] == "big.txt":
        served.setdefault(version, big)  # the kill came after the commit: the new version
    elif version not in served:
        problems.append(f"version {version} listed, {before} before the kill")
    others = {k: v for k, v in now.items() if k != article_id}
    if others != {k: v for k, v in library.items() if k != article_id}:
        problems.append("another article changed")
    if version in served:
        problems += _ask(folder, article_id, served[version])
    return problems


def medium_article(sentences: int = 150) -> str:
    """A new version of the short article, long enough that embedding it takes a while."""
    body = [
        f"Le rapport numéro {n} décrit la situation du secteur {n % 17} avec {n * 37} soldats."
        for n in range(sentences)
    ]
    paragraphs = [" ".join(body[i : i + 5]) for i in range(0, len(body), 5)]
    return "\n\n".join([TITLE, *paragraphs]) + "\n"


def kill_during_embedding(folder: Path) -> list[str]:
    """SIGKILL ``kiosque index`` while it embeds a new version; what went wrong, if anything.

    The previous version must still be listed and served, the database whole, and the next
    reindex must store the new version with its vectors: one per sentence, then one per
    counted phrase (``index.vectors.embedding.vector_rows``).
    """
    folder.mkdir(parents=True, exist_ok=True)
    db = folder / "kiosque.db"
    env = {"EMBED_CACHE_DIR": "off"}  # a cached vector would make the embedding instant
    (folder / "short.txt").write_text(short_article(), encoding="utf-8")
    (folder / "medium.txt").write_text(medium_article(), encoding="utf-8")
    first = run_cli(folder, "index", "short.txt", "--title", TITLE, "--json", **env)
    if first.returncode != 0:
        return [f"indexing the first version failed: {first.stderr.strip()[:200]}"]
    article_id = json.loads(first.stdout)["id"]
    process = subprocess.Popen(
        [sys.executable, "-m", "bot", "index", "medium.txt", "--title", TITLE],
        cwd=folder,
        env=cli_env(folder, **env),
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    # The CLI tells how far the embedding went: kill on the first such line.
    told = process.stderr.readline() if process.stderr else ""
    if process.poll() is not None:
        return [f"the reindex ended before it could be killed: {told!r}"]
    process.kill()
    process.wait(30)
    problems = []
    if "/150" not in told:
        problems.append(f"no progress line before the kill: {told!r}")
    check = integrity(db)
    if check != "ok":
        problems.append(f"integrity_check: {check[:200]}")
    library, error = _articles(folder)
    if error:
        return [*problems, error]
    if library.get(article_id, {}).get("version") != 1:
        problems.append(f"version {library.get(article_id, {}).get('version')} listed after kill")
    problems += _ask(folder, article_id, short_article())
    final = run_cli(folder, "index", "medium.txt", "--title", TITLE, "--json", **env)
    if final.returncode != 0:
        return [*problems, f"final reindex exited {final.returncode}: {final.stderr[:200]}"]
    connection = sqlite3.connect(db)
    try:
        size, model = connection.execute(
            "SELECT length(vectors), model FROM versions WHERE article_id = ? AND version = 2",
            (article_id,),
        ).fetchone()
    finally:
        connection.close()
    sentences = json.loads(final.stdout)["sentences"]
    rows = vector_rows(parse_article(medium_article().encode("utf-8"), "medium.txt", title=TITLE))
    if size != rows * 384 * 2 or not model:
        problems.append(
            f"version 2 stored {size} bytes of vectors for {sentences} sentences ({rows} rows)"
        )
    return problems
