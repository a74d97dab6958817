"""Hostile questions through the service and the CLI: answered or refused, never a crash."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable
from pathlib import Path

import pytest

from bot.app.service import Kiosque
from bot.errors import KiosqueError
from bot.settings import Settings
from bot.values import LOCAL
from stress.hostile import (
    FRAGMENTS,
    check_questions,
    hostile_strings,
    live_mentions,
    message_problems,
)
from stress.sources import run_cli


def _check(db: Path, questions: list[str], **overrides: object) -> tuple[int, list[str]]:
    async def run() -> tuple[int, list[str]]:
        settings = Settings(database_url=f"sqlite:///{db}", **overrides)
        kiosque = await Kiosque.open(settings)
        try:
            return await check_questions(kiosque, questions)
        finally:
            await kiosque.close()

    return asyncio.run(run())


def test_generator_is_deterministic_and_nasty() -> None:
    first = hostile_strings(500, seed=3)
    assert first == hostile_strings(500, seed=3)
    assert first != hostile_strings(500, seed=4)
    assert len(first) == 500
    assert set(FRAGMENTS) <= set(first)
    assert any(len(q) >= 100_000 for q in first)
    assert any(len(q) > 500 for q in first) and any(not q.strip() for q in first)


def test_checker_catches_what_it_must() -> None:
    assert live_mentions("hi <@123> and <@&45> and <@!6>") == ["<@123>", "<@&45>", "<@!6>"]
    assert live_mentions(r"\<@123> \<@&45\> <@12\> <#9>") == []
    assert live_mentions(r"\\<@123>") == ["<@123>"]
    assert message_problems("ok") == []
    assert message_problems("x" * 2001) == ["message of 2001 characters"]
    assert message_problems("@here") == ["raw @everyone/@here"]
    assert message_problems("@\u200beveryone") == []


def test_300_hostile_questions_through_the_service(tmp_path: Path) -> None:
    tried, failures = _check(tmp_path / "k.db", hostile_strings(300))
    assert tried == 300
    assert failures == []


def test_some_hostile_questions_get_real_answers(tmp_path: Path) -> None:
    async def run() -> list[bool]:
        kiosque = await Kiosque.open(Settings(database_url=f"sqlite:///{tmp_path / 'k.db'}"))
        try:
            questions = [
                "Qui a ratifié le traité ? @everyone <@&123>",
                "```Qui a ratifié le traité ?``` \u202e{{ 7*7 }}",
            ]
            answered = [not (await kiosque.ask(LOCAL, q, channel="c")).abstained for q in questions]
            # SQL in a question is only text: answered or not, the history table survives it.
            injection = "'); DROP TABLE turns;-- Qui a ratifié le traité ?"
            await kiosque.ask(LOCAL, injection, channel="c")
            kept = await kiosque.history.count("c")
            return [*answered, kept == 3]
        finally:
            await kiosque.close()

    assert asyncio.run(run()) == [True, True, True]


def test_question_over_the_limit_is_refused_in_one_line_naming_it(tmp_path: Path) -> None:
    run = run_cli(tmp_path, "ask", "Qui a ratifié le traité ? " + "a" * 500)
    lines = run.stderr.strip().splitlines()
    assert run.returncode == 2
    assert len(lines) == 1 and "500" in lines[0]
    assert run.stdout == ""


def test_length_limit_is_a_setting(tmp_path: Path) -> None:
    async def run() -> str:
        settings = Settings(database_url=f"sqlite:///{tmp_path / 'k.db'}", max_question_chars=40)
        kiosque = await Kiosque.open(settings)
        try:
            await kiosque.ask(LOCAL, "Qui a ratifié le traité de défense mutuelle ?", channel="c")
        except KiosqueError as error:
            return kiosque.error_text(error, "en")
        finally:
            await kiosque.close()
        return "answered"

    line = asyncio.run(run())
    assert "40" in line and "\n" not in line


def test_cli_batch_of_500_hostile_lines_answers_each_in_order(tmp_path: Path) -> None:
    # Speed is measured by make bench; here, that every line gets its own answer, in order.
    lines = [q.replace("\r", " ").replace("\n", " ") for q in hostile_strings(500, seed=7)]
    asked = [line for line in lines if line.strip()]
    run = run_cli(tmp_path, "ask", "-", "--json", stdin="\n".join(lines).encode(), timeout=600)
    assert run.returncode == 0, run.stderr[-500:]
    assert run.stderr == ""
    # JSON lines end at "\n" only: U+2028 and U+0085 in a question are printed raw.
    out = [json.loads(line) for line in run.stdout.split("\n") if line]
    assert len(out) == len(asked) > 450
    for question, printed in zip(asked, out, strict=True):
        if "error" in printed:
            assert printed["question"] == question.strip()
            assert message_problems(printed["error"]) == []
        else:
            assert printed["question"] == " ".join(question.replace("\x00", " ").split())
            # The CLI prints all of an answer's Discord messages as one text.
            assert [p for p in message_problems(printed["message"]) if "characters" not in p] == []
    assert sum("error" in printed for printed in out) < len(out) / 2


@pytest.mark.parametrize(
    "call",
    [
        lambda k: k.summary(LOCAL, "c", section="x" * 3000),
        lambda k: k.use(LOCAL, "c", "Corée " * 500),
    ],
    ids=["unknown section", "unknown article"],
)
def test_a_refusal_echoing_a_long_value_fits_in_one_message(
    tmp_path: Path, call: Callable[[Kiosque], Awaitable[object]]
) -> None:
    async def run() -> str:
        kiosque = await Kiosque.open(Settings(database_url=f"sqlite:///{tmp_path / 'k.db'}"))
        try:
            await call(kiosque)
        except KiosqueError as error:
            return kiosque.error_text(error)
        finally:
            await kiosque.close()
        return "accepted"

    line = asyncio.run(run())
    assert line != "accepted"
    assert message_problems(line) == []
