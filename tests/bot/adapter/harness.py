"""The adapter tests' helpers: the bot process against the fake (from ``stress``), and more."""

from __future__ import annotations

import asyncio
import sqlite3
from pathlib import Path

from bot.settings import ROOT
from support.bot_process import running_bot, stop

__all__ = ["DATA", "run", "running_bot", "stop", "turns"]

DATA = ROOT / "tests" / "data"


def turns(database: Path) -> list[tuple[str, str]]:
    """(channel, question) of every turn in a bot's database, in order."""
    with sqlite3.connect(database) as db:
        return db.execute("SELECT channel, question FROM turns ORDER BY id").fetchall()


def run(coroutine: object) -> object:
    """Run an async scenario from a plain test function."""
    return asyncio.run(coroutine)
