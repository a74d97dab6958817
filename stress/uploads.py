"""Hostile uploads: sources built to be slow or huge to index, and a server asking questions
while another uploads them.

Each case is indexed through the service and reports how long it took, what it became (an
article, or a one-line refusal naming a limit) and how much the database grew; then six
uploads run at once in one server while another server asks, and the asker's latencies are
what the report gives. A failure is a crash, an answer that never came, or an upload that
the caps should have refused and did not.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, field
from pathlib import Path

from bot.app.service import Kiosque
from bot.errors import KiosqueError
from bot.settings import Settings
from bot.values import guild_space

UPLOADER = guild_space(1)
ASKER = guild_space(2)
QUESTION = "Qui a ratifié le traité ?"
GROWTH = 20  # the most an upload may grow the database by, model off (the goal is ~15x)
_WORDS = ("Oui", "Non", "Bien", "Ici", "Mais", "Donc", "Voilà", "Enfin")
_LONG = (
    "Le conseil municipal a longuement débattu du budget de la ville, de ses écoles, de ses"
    " routes et de ses bibliothèques, avant de voter une hausse modeste des dépenses. "
)


def short_sentences(count: int, per_paragraph: int | None = None) -> bytes:
    """A title and ``count`` sentences of one word ("Oui. Non. Bien."), in one paragraph or
    in paragraphs of ``per_paragraph``."""
    words = [f"{_WORDS[i % len(_WORDS)]}." for i in range(count)]
    step = per_paragraph or count
    paragraphs = [" ".join(words[i : i + step]) for i in range(0, count, step)]
    return ("Phrases courtes\n\n" + "\n\n".join(paragraphs) + "\n").encode()


def long_paragraph(size: int, per_paragraph: int | None = None) -> bytes:
    """A title and ``size`` bytes of long sentences: one paragraph, or paragraphs of
    ``per_paragraph`` sentences."""
    count = size // len(_LONG) + 1
    step = per_paragraph or count
    body = "\n\n".join(_LONG * min(step, count - i) for i in range(0, count, step))
    body = body[:size].rsplit(" ", 1)[0]
    return ("Un long paragraphe\n\n" + body + "\n").encode()


def blank_lines(size: int) -> bytes:
    """``a`` and a blank line, again and again, up to ``size`` bytes."""
    return ("Des lignes\n\n" + "a\n\n" * (size // 3)).encode()[:size]


def cases(scale: float = 1.0) -> list[tuple[str, bytes]]:
    """The hostile sources, by label; ``scale`` shrinks the biggest ones for quick tests."""
    return [
        ("2 000 short sentences in one paragraph", short_sentences(2000)),
        ("16 000 short sentences in one paragraph", short_sentences(16_000)),
        ("16 000 short sentences in paragraphs of 1 000", short_sentences(16_000, 1000)),
        (f"{int(99 * scale)} 000 short sentences in paragraphs of 1 000",
         short_sentences(int(99_000 * scale), 1000)),
        (f"{int(128 * scale)} 000 short sentences in paragraphs of 1 000",
         short_sentences(int(128_000 * scale), 1000)),
        (f"{int(160 * scale)} KB paragraph of long sentences",
         long_paragraph(int(160_000 * scale))),
        (f"{int(160 * scale)} KB of long sentences in paragraphs of 20",
         long_paragraph(int(160_000 * scale), 20)),
        (f"{5 * scale:g} MB of 'a' and blank lines", blank_lines(int(5_000_000 * scale))),
    ]


@dataclass
class Outcome:
    """What one upload became."""

    label: str
    size: int
    seconds: float
    sentences: int = 0
    refusal: str = ""
    growth: int = 0  # bytes the database grew by


@dataclass
class Crowd:
    """Six uploads in one server while another asks: the asker's latencies, the uploads'."""

    latencies: list[float] = field(default_factory=list)
    uploads: list[float] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)
    stall: float = 0.0  # the event loop's longest lateness, in seconds

    @property
    def worst(self) -> float:
        """The slowest question, in seconds."""
        return max(self.latencies, default=0.0)


async def index_cases(
    kiosque: Kiosque, sources: list[tuple[str, bytes]], database: str | None = None
) -> list[Outcome]:
    """Index each source in the uploading server, in turn; a refusal is an outcome too.

    ``database`` (its URL) is measured before and after each upload."""
    outcomes = []
    for label, data in sources:
        before = await _size(database)
        start = time.perf_counter()
        outcome = Outcome(label, len(data), 0.0)
        try:
            info = await kiosque.index_bytes(UPLOADER, data, f"{label}.txt")
            outcome.sentences = info.sentences
        except KiosqueError as error:
            outcome.refusal = kiosque.error_text(error, "en", plain=True)
        outcome.seconds = time.perf_counter() - start
        outcome.growth = await _size(database) - before
        outcomes.append(outcome)
    return outcomes


async def crowd(kiosque: Kiosque, uploads: list[bytes], every: float = 0.05) -> Crowd:
    """Upload ``uploads`` at once in one server while another server asks, one question after
    another (``every`` seconds apart), until the uploads are done."""
    result = Crowd()
    await kiosque.ready(ASKER)  # its library exists before the uploads start
    await kiosque.ask(ASKER, QUESTION, "asker")  # and the question's first costs are paid

    async def upload(number: int, data: bytes) -> None:
        start = time.perf_counter()
        try:
            await kiosque.index_bytes(UPLOADER, data, f"upload-{number}.txt")
        except KiosqueError as error:
            result.failures.append(f"upload {number} refused: {kiosque.error_text(error)}")
        result.uploads.append(time.perf_counter() - start)

    async def watch(tick: float = 0.01) -> None:
        while True:
            start = time.perf_counter()
            await asyncio.sleep(tick)
            result.stall = max(result.stall, time.perf_counter() - start - tick)

    watcher = asyncio.create_task(watch())
    tasks = [asyncio.create_task(upload(n, data)) for n, data in enumerate(uploads)]
    while not all(task.done() for task in tasks):
        start = time.perf_counter()
        try:
            answer = await asyncio.wait_for(kiosque.ask(ASKER, QUESTION, "asker"), 120)
        except TimeoutError:
            result.failures.append("a question of the other server waited over 120 s")
            break
        result.latencies.append(time.perf_counter() - start)
        if answer.abstained:
            result.failures.append("the other server's question went unanswered")
        await asyncio.sleep(every)
    await asyncio.gather(*tasks)
    watcher.cancel()
    return result


def crowd_uploads(count: int = 6, size: int = 32_000) -> list[bytes]:
    """``count`` uploads of about ``size`` bytes of one-word sentences, in paragraphs under
    the paragraph cap: as many sentences as such a file can carry, all accepted."""
    sentences = size // 5
    return [short_sentences(sentences, per_paragraph=2000) for _ in range(count)]


async def check_uploads(
    folder: Path, scale: float = 1.0, crowd_size: int = 32_000,
    database_url: str | None = None, **overrides: object,
) -> tuple[list[Outcome], Crowd, list[str]]:
    """Every case, then the crowd, on a fresh library: an SQLite file in ``folder``, or the
    (empty) database ``database_url`` names."""
    database = database_url or f"sqlite:///{folder / 'uploads.db'}"
    settings = Settings(database_url=database, **overrides)
    kiosque = await Kiosque.open(settings, seed=False)
    try:
        await kiosque.ready(UPLOADER)
        # Not measured: a first article makes the tables and indexes an empty database lacks
        # (on Postgres a few fixed pages each, more than a small upload itself).
        await kiosque.index_bytes(UPLOADER, long_paragraph(8_000, 5), "warm-up.txt")
        outcomes = await index_cases(kiosque, cases(scale), database)
        crowded = await crowd(kiosque, crowd_uploads(size=crowd_size))
    finally:
        await kiosque.close()
    failures = list(crowded.failures)
    sentences = kiosque.settings.max_article_sentences
    for outcome in outcomes:
        if outcome.sentences > sentences:
            failures.append(f"{outcome.label}: {outcome.sentences} sentences, over the cap")
        if overrides.get("semantic") is False and outcome.growth > GROWTH * outcome.size:
            failures.append(f"{outcome.label}: the database grew {outcome.growth} bytes,"
                            f" over {GROWTH}x the upload's {outcome.size}")
    return outcomes, crowded, failures


async def _size(database: str | None) -> int:
    """The bytes a database takes: an SQLite file with its write-ahead log, or Postgres's
    ``pg_database_size``."""
    if database is None:
        return 0
    if database.startswith("sqlite:///"):
        path = Path(database.removeprefix("sqlite:///"))
        files = [path, path.with_name(path.name + "-wal")]
        return sum(f.stat().st_size for f in files if f.exists())
    import asyncpg

    connection = await asyncpg.connect(database)
    try:
        return await connection.fetchval("SELECT pg_database_size(current_database())")
    finally:
        await connection.close()


def report(outcomes: list[Outcome], crowded: Crowd) -> list[str]:
    """The lines ``make stress`` prints."""
    lines = []
    for o in outcomes:
        became = f"{o.sentences} sentences" if not o.refusal else f"refused: {o.refusal}"
        grew = f", database +{o.growth / max(1, o.size):.1f}x" if not o.refusal else ""
        lines.append(f"  {o.label} ({o.size / 1000:.0f} KB): {o.seconds:.2f} s, {became}{grew}")
    ordered = sorted(crowded.latencies) or [0.0]
    lines.append(
        f"  another server's questions during {len(crowded.uploads)} concurrent uploads"
        f" (each done in {_spread(crowded.uploads)}): {len(crowded.latencies)} asked, median"
        f" {ordered[len(ordered) // 2] * 1000:.0f} ms, max {ordered[-1] * 1000:.0f} ms;"
        f" event loop late by {crowded.stall * 1000:.0f} ms at most"
    )
    return lines


def _spread(seconds: list[float]) -> str:
    ordered = sorted(seconds) or [0.0]
    return f"{ordered[0]:.1f}-{ordered[-1]:.1f} s"
