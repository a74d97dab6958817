"""The console chat: the responder and history of channel ``console`` in a terminal."""

from __future__ import annotations

import asyncio
import sys

from bot.app.service import Kiosque
from bot.errors import KiosqueError
from bot.values import LOCAL

CHANNEL = "console"


async def chat(kiosque: Kiosque, channel: str = CHANNEL) -> int:
    """Read questions and slash commands until ``/quit`` or end of input."""
    # The fast reader of questions is built while the member types the first one.
    warming = asyncio.ensure_future(kiosque.warm())
    try:
        return await _loop(kiosque, channel)
    finally:
        await warming


async def _loop(kiosque: Kiosque, channel: str) -> int:
    stored = await kiosque.article_for(LOCAL, channel)
    language = kiosque.language(stored)
    say = kiosque.renderer
    print(f"Kiosque — {stored.article.title}")
    print(say.line("chat_help", language))
    interactive = sys.stdin.isatty()
    pages: dict[int, int] = {}  # « Plus de passages » already shown, per answered turn
    while True:
        try:
            line = await asyncio.to_thread(_read, "\n> " if interactive else "")
        except (EOFError, KeyboardInterrupt):
            print()
            return 0
        line = line.strip()
        if not line:
            continue
        command, _, rest = line.partition(" ")
        try:
            if command in ("/quit", "/exit", "/q"):
                return 0
            output = await _handle(kiosque, channel, command, rest.strip(), line, pages)
        except KiosqueError as error:
            stored = await kiosque.article_for(LOCAL, channel)
            output = kiosque.error_text(error, kiosque.language(stored), plain=True)
        print(output, flush=True)


async def _handle(
    kiosque: Kiosque, channel: str, command: str, rest: str, line: str, pages: dict[int, int]
) -> str:
    say = kiosque.renderer
    stored = await kiosque.article_for(LOCAL, channel)
    language = kiosque.language(stored)
    if command == "/summary":
        summary = await kiosque.summary(LOCAL, channel, section=rest or None)
        return say.reply_text(summary)
    if command == "/articles":
        listed = await kiosque.articles(LOCAL)
        return say.text("articles", language, articles=listed, active=stored.id)
    if command == "/use":
        info = await kiosque.use(LOCAL, channel, rest)
        return say.line("using", info.language, title=info.title, id=info.id)
    if command == "/history":
        turns = await kiosque.turns(channel, int(rest) if rest.isdigit() else 10)
        return say.text("history", language, turns=turns)
    if command == "/forget":
        return say.line("forgotten", language, count=await kiosque.forget(channel))
    if command == "/more":
        # The console's « Plus de passages »: the next passages for the last question.
        last = [t for t in await kiosque.turns(channel, 1) if t.id is not None]
        if not last:
            return say.line("unknown_turn", language, plain=True)
        turn = last[-1].id
        pages[turn] = pages.get(turn, 0) + 1
        more = await kiosque.more(LOCAL, turn, pages[turn])
        return say.text("more", more.language, answer=more, question=more.question[:300])
    if command in ("/help", "/?"):
        return say.line("chat_help", language)
    return say.reply_text(await kiosque.ask(LOCAL, line, channel, author="console"))


def _read(prompt: str) -> str:
    return input(prompt)
