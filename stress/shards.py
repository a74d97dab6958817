"""The load of ``stress.load`` spread over two ``kiosque run --shards`` processes on one
database, and how soon what a third process writes (as ``kiosque index`` does) is served."""

from __future__ import annotations

import asyncio
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from bot.app.service import Kiosque
from bot.settings import ROOT, Settings
from bot.values import DIRECT, guild_space
from stress.load import LoadReport, check_history, check_log, storm
from support.bot_process import (
    FakeChannel,
    FakeDiscord,
    FakeGuild,
    default_guild,
    running_shards,
    shard_client,
    stop,
)

SHARDS = 2
PROBE = "Budget municipal\n\nLe conseil municipal a voté un budget de {n} millions d’euros.\n"
# Asks for no kind of answer: "Quel budget … ?" asks for a sum, and the sum the question
# gives itself ("sonde 3": 3) would not count as one.
PROBE_QUESTION = "Qu'a voté le conseil municipal ? (sonde {n})"
VISIBLE_WITHIN = 1.0  # seconds from a write's commit to the bots' answer from it, when quiet


@dataclass
class ShardedLoadReport(LoadReport):
    """``LoadReport`` over several processes, with what a third process's writes took to be
    served: seconds from its commit to the answer quoting the new version."""

    probes: int = 0
    stale: int = 0  # first questions after a commit answered from an older version
    quiet: list[float] = field(default_factory=list)
    under_load: list[float] = field(default_factory=list)

    def problems(self) -> list[str]:
        """What went wrong, one line each: nothing when every question was answered and
        recorded once, from one version, first responded to within 3 s, and every write was
        served within the target."""
        found = super().problems(asked=self.sent + self.probes)
        checks = [
            (self.stale, f"{self.stale} question(s) after a commit answered from an older version"),
            (max(self.quiet, default=0.0) > VISIBLE_WITHIN,
             f"a write took {max(self.quiet, default=0.0):.2f} s to be served (target"
             f" {VISIBLE_WITHIN:.0f} s)"),
        ]
        return found + [line for failed, line in checks if failed]


async def load_shards(
    questions: int = 1000,
    channels: int = 100,
    reindexes: int = 2,
    probes: int = 3,
    database_url: str | None = None,
) -> ShardedLoadReport:
    """``stress.load``'s storm over one server per shard (``channels`` channels in all), with
    ``probes`` rounds of third-process writes while it runs and as many after it, on
    ``database_url`` (an empty database; default: an SQLite file in a temporary folder)."""
    guilds = [default_guild(shard=(shard, SHARDS)) for shard in range(SHARDS)]
    rooms = []
    for n in range(channels):
        guild = guilds[n % SHARDS]
        guild.channels.append(room := FakeChannel(f"salon-{n}"))
        rooms.append((guild, room))
    probed = guilds[-1]  # a server of the last shard; the DMs are shard 0's
    probed.channels.append(FakeChannel("sonde"))
    fake = FakeDiscord(guilds=guilds, shard_count=SHARDS, interaction_ack_timeout=None)
    report = ShardedLoadReport()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        url = database_url or f"sqlite:///{folder / 'kiosque.db'}"
        env = {"COOLDOWN_QUESTIONS": "0", "LOG_LEVEL": "WARNING"}
        async with fake, running_shards(folder, fake, url, **env) as processes:
            writer = await Kiosque.open(
                Settings(database_url=url, embed_cache_dir=ROOT / "var" / "cache" / "vectors"),
                seed=False,
            )
            try:
                prober = Prober(fake, writer, probed, report)
                await asyncio.gather(storm(fake, rooms, questions, reindexes, report),
                                     prober.rounds(probes, report.under_load, pause=2.0))
                await prober.rounds(probes, report.quiet)
            finally:
                await writer.close()
            for process in processes:
                check_log((await stop(process))[1], report)
        await check_history(url, report)
    return report


class Prober:
    """Writes new versions of a probe article as a third process would (a server's library
    and the DM one of its reader) and asks the bots about it right after each commit."""

    def __init__(
        self, fake: FakeDiscord, writer: Kiosque, guild: FakeGuild, report: ShardedLoadReport
    ) -> None:
        self.fake, self.writer, self.guild, self.report = fake, writer, guild, report
        self.reader = guild.member("member")
        self.written = 0

    async def rounds(self, count: int, times: list[float], pause: float = 0.0) -> None:
        """``count`` rounds: a new version in the server, then one in the reader's DM library."""
        for _ in range(count):
            await asyncio.sleep(pause)
            for in_server in (True, False):
                self.written += 1
                try:
                    times.append(await self._probe(self.written, in_server))
                except TimeoutError:
                    self.report.errors.append(f"probe {self.written} got no answer")

    async def _probe(self, n: int, in_server: bool) -> float:
        if in_server:
            space, channel = guild_space(int(self.guild.id)), self.guild.channel("sonde").id
        else:
            space = DIRECT
            channel = self.fake.dm_channel_id(self.reader.user)
        info = await self.writer.index_bytes(space, PROBE.format(n=n).encode(), "sonde.txt")
        if info.version == 1:
            await self.writer.use(space, channel, str(info.id))
        committed = time.monotonic()
        question = PROBE_QUESTION.format(n=n)
        if in_server:
            handle = await self.fake.send_slash("ask", {"question": question}, user=self.reader,
                                                channel=channel)
            reply = await handle.response(timeout=120)
        else:
            reply = await (await self.fake.send_dm(self.reader, question)).reply(timeout=120)
        self.report.probes += 1
        if f"{n} millions" not in (reply.content or ""):
            self.report.stale += 1
        # The probed server is on the last shard; direct messages are shard 0's.
        expected = shard_client(SHARDS - 1 if in_server else 0)
        if reply.client != expected:
            self.report.errors.append(f"probe {n} answered by {reply.client}, not {expected}")
        return reply.timestamp - committed
