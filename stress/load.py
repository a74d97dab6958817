"""Questions from many channels at once through the loopback Discord while an admin reindexes."""

from __future__ import annotations

import asyncio
import json
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from bot.settings import ROOT, Settings
from bot.storage.factory import open_database
from support.bot_process import (
    FakeChannel,
    FakeDiscord,
    FakeGuild,
    default_guild,
    running_bot,
    stop,
)

ARTICLE = ROOT / "articles" / "russie-coree-du-nord-alliance.txt"
QUESTIONS = (
    "Qui a ratifié le traité ?",
    "Que soupçonnent les sources occidentales ?",
    "Quel missile a été testé ?",
    "Qu'a fait Vladimir Poutine ?",
    "Quelle est la capitale de l'Australie ?",
)


# Discord drops an interaction not acknowledged within 3 s of its creation (10062): every
# question of a burst must have its first response (answer or "thinking…") sooner.
FIRST_RESPONSE_LIMIT = 3.0


@dataclass
class LoadReport:
    """What happened to every question sent under load."""

    sent: int = 0
    answered: int = 0
    duplicates: int = 0
    turns: int = 0
    turns_duplicated: int = 0
    inconsistent: int = 0
    reindexed: int = 0
    errors: list[str] = field(default_factory=list)
    latencies: list[float] = field(default_factory=list)

    @property
    def lost(self) -> int:
        """Questions that got no answer."""
        return self.sent - self.answered

    @property
    def p95(self) -> float:
        """95th percentile of send-to-first-response latency (the answer or the deferral
        Discord times), in seconds."""
        ordered = sorted(self.latencies) or [0.0]
        return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]

    @property
    def longest(self) -> float:
        """The longest send-to-first-response latency, in seconds."""
        return max(self.latencies, default=0.0)

    def latency_line(self) -> str:
        """p95 and max of send to first response, for the stress report."""
        return (f"send → first response (answer or deferral): p95 {self.p95 * 1000:.0f} ms,"
                f" max {self.longest * 1000:.0f} ms (limit {FIRST_RESPONSE_LIMIT:.0f} s)")

    def problems(self, asked: int | None = None) -> list[str]:
        """What went wrong, one line each: nothing when each of the ``asked`` questions
        (default: those sent) was answered, recorded once from one version, and every first
        response came within Discord's 3 s."""
        asked = self.sent if asked is None else asked
        checks = [
            (self.lost, f"{self.lost} question(s) never answered"),
            (self.duplicates, f"{self.duplicates} question(s) answered twice"),
            (self.turns != asked or self.turns_duplicated,
             f"{self.turns} turns recorded for {asked} questions, {self.turns_duplicated} twice"),
            (self.inconsistent, f"{self.inconsistent} turn(s) quoting another version"),
            (self.longest >= FIRST_RESPONSE_LIMIT,
             f"a question's first response took {self.longest:.2f} s (Discord drops it after"
             f" {FIRST_RESPONSE_LIMIT:.0f} s)"),
        ]
        return list(self.errors) + [line for failed, line in checks if failed]


async def load(questions: int = 1000, channels: int = 100, reindexes: int = 2) -> LoadReport:
    """Send ``questions`` /ask from ``channels`` channels at once, ``reindexes`` admin reindexes."""
    guild = default_guild()
    rooms = [FakeChannel(f"salon-{i}") for i in range(channels)]
    guild.channels += rooms
    fake = FakeDiscord(guilds=[guild], interaction_ack_timeout=None)
    report = LoadReport()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        env = {"COOLDOWN_QUESTIONS": "0", "LOG_LEVEL": "WARNING"}
        async with running_bot(folder, fake, **env) as (_, process):
            await storm(fake, [(guild, room) for room in rooms], questions, reindexes, report)
            _, log = await stop(process)
        check_log(log, report)
        await check_history(f"sqlite:///{folder / 'kiosque.db'}", report)
    return report


async def storm(
    fake: FakeDiscord, rooms: list[tuple[FakeGuild, FakeChannel]], questions: int,
    reindexes: int, report: LoadReport,
) -> None:
    """``questions`` /ask going round ``rooms`` (a server and one of its channels), with
    ``reindexes`` admin reindexes of the bundled article spread among them and over the
    servers; then every answer awaited."""
    guilds = list({guild.id: guild for guild, _ in rooms}.values())
    text = ARTICLE.read_bytes()
    sent: list[tuple[float, object]] = []
    every = max(1, questions // (reindexes + 1))
    reindex_handles = []
    for n in range(questions):
        if n and n % every == 0 and len(reindex_handles) < reindexes:
            guild = guilds[len(reindex_handles) % len(guilds)]
            version = text + f"\n\nMise à jour numéro {len(reindex_handles) + 1}.\n".encode()
            attachment = fake.add_attachment(ARTICLE.name, version, "text/plain")
            room = next(room for g, room in rooms if g is guild)
            reindex_handles.append(await fake.send_slash(
                "reindex", {"file": attachment}, user=guild.member("admin"), channel=room
            ))
        question = f"{QUESTIONS[n % len(QUESTIONS)]} (#{n})"
        guild, room = rooms[n % len(rooms)]
        start = time.monotonic()
        handle = await fake.send_slash("ask", {"question": question}, user=guild.member("member"),
                                       channel=room)
        sent.append((start, handle))
    report.sent = len(sent)
    for start, handle in sent:
        try:
            callback = await handle.callback(timeout=120)  # the acknowledgement Discord times
            answer = await handle.response(timeout=120)  # the answer itself (maybe a follow-up)
        except TimeoutError:
            continue
        report.answered += 1
        report.latencies.append(callback.timestamp - start)  # both on time.monotonic()
        if not answer.content or "Erreur interne" in answer.content:
            report.errors.append(f"no answer to {handle.id}: {answer.content!r:.80}")
    await asyncio.sleep(0.5)
    for _, handle in sent:
        callbacks = [r for r in handle.requests if r.route == "interaction_callback"]
        report.duplicates += max(0, len(callbacks) - 1)
    for handle in reindex_handles:
        done = await handle.followup(timeout=120)
        if "version" in (done.content or ""):
            report.reindexed += 1
        else:
            report.errors.append(f"reindex failed: {done.content!r}")


def check_log(log: str, report: LoadReport) -> None:
    """A bot's log must hold no lock timeout and no traceback."""
    if "database is locked" in log:
        report.errors.append("'database is locked' in the bot's log")
    if "Traceback" in log:
        report.errors.append("a traceback in the bot's log")


async def check_history(database_url: str, report: LoadReport) -> None:
    """Count the recorded turns (each question once) and check that every quote of a turn is
    in the very version it names."""
    # Read as stored, on a connection of its own: the service shows only current versions.
    database = await open_database(Settings(database_url=database_url, semantic=False))
    try:
        # Plain SQL without parameters: the same on every backend DATABASE_URL may name.
        rows = await database.fetchall(
            "SELECT question, article_id, version, passages FROM turns"
        )
        versions = await database.fetchall(
            "SELECT article_id, version, content FROM versions"
        )
    finally:
        await database.close()
    texts = {(v["article_id"], v["version"]): json.loads(v["content"])["text"] for v in versions}
    seen: dict[str, int] = {}
    for row in rows:
        seen[row["question"]] = seen.get(row["question"], 0) + 1
        text = texts.get((row["article_id"], row["version"]), "")
        if any(p["text"] not in text for p in json.loads(row["passages"])):
            report.inconsistent += 1
    report.turns = len(seen)
    report.turns_duplicated = sum(n - 1 for n in seen.values() if n > 1)
