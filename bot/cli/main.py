"""The ``kiosque`` command line: index, ask, summary, articles, use, history, forget, chat, run."""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import os
import sys
import time
from collections.abc import Sequence
from pathlib import Path

from bot.app.language import FALLBACK, Chosen, reply_language
from bot.app.render import Renderer
from bot.app.replies import to_json
from bot.app.service import Kiosque
from bot.cli import feeds
from bot.errors import KiosqueError
from bot.settings import Settings, SettingsError
from bot.values import LOCAL, guild_space

EXIT_USAGE = 2
# Options of ``kiosque run`` that stand for a setting: argparse destination -> (option, setting).
SETTING_OPTIONS = {"shards": ("--shards", "SHARD_IDS"),
                   "shard_count": ("--shard-count", "SHARD_COUNT")}


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # one line, like every other error
        print(f"kiosque: {message} (see kiosque --help)", file=sys.stderr)
        raise SystemExit(EXIT_USAGE)


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of every subcommand."""
    parser = _Parser(prog="kiosque", description="Ask questions about news articles.")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)

    index = sub.add_parser("index", help="index files, URLs or - (stdin) as articles")
    index.add_argument("sources", nargs="+", metavar="SOURCE")
    index.add_argument("--title")
    index.add_argument("--json", action="store_true")
    _guild_option(index)

    ask = sub.add_parser("ask", help="ask a question (- reads one question per line)")
    ask.add_argument("question", metavar="QUESTION")
    ask.add_argument("--article", type=int)
    ask.add_argument("--channel", default="cli")
    ask.add_argument("--json", action="store_true")
    ask.add_argument("--library", action="store_true", help="ask the whole library")
    _guild_option(ask)

    search = sub.add_parser("search", help="the articles that speak most of something")
    search.add_argument("query", metavar="QUERY")
    search.add_argument("--json", action="store_true")
    _guild_option(search)

    summary = sub.add_parser("summary", help="bullet summary of an article or a section")
    summary.add_argument("--article", type=int)
    summary.add_argument("--section")
    summary.add_argument("--length", choices=("short", "medium", "long"), default="medium")
    summary.add_argument("--channel", default="cli")
    summary.add_argument("--json", action="store_true")
    _guild_option(summary)

    articles = sub.add_parser("articles", help="list the library")
    articles.add_argument("--json", action="store_true")
    _guild_option(articles)

    use = sub.add_parser("use", help="set a channel's active article")
    use.add_argument("article", metavar="ID")
    use.add_argument("--channel", default="cli")
    _guild_option(use)

    history = sub.add_parser("history", help="a channel's recent questions")
    history.add_argument("--channel", default="cli")
    history.add_argument("--count", type=int, default=10)

    forget = sub.add_parser("forget", help="clear a channel's history")
    forget.add_argument("--channel", default="cli")

    feedback = sub.add_parser("feedback", help="votes on answers per article, questions voted down")
    feedback.add_argument("--json", action="store_true")
    _guild_option(feedback)

    backup = sub.add_parser("backup", help="write a consistent copy of the database")
    backup.add_argument("path", metavar="PATH")

    feeds.add_parser(sub)

    sub.add_parser("chat", help="interactive console chat")
    run = sub.add_parser("run", help="run the Discord bot (needs DISCORD_TOKEN)")
    run.add_argument("--shards", metavar="IDS",
                     help="only these shards, as 0-3 or 0,2,5 (SHARD_IDS)")
    run.add_argument("--shard-count", metavar="N",
                     help="how many shards the whole bot has (SHARD_COUNT)")
    sub.add_parser("sync", help="sync the Discord slash commands now (needs DISCORD_TOKEN)")
    return parser


def _guild_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--guild",
        type=int,
        metavar="ID",
        help="act on this Discord server's library instead of the local one",
    )


def _space(args: argparse.Namespace) -> str:
    guild = getattr(args, "guild", None)
    return guild_space(guild) if guild else LOCAL


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``kiosque`` script; returns the exit code."""
    args = build_parser().parse_args(argv)
    typed = {setting: getattr(args, dest) for dest, (_, setting) in SETTING_OPTIONS.items()
             if getattr(args, dest, None) is not None}
    try:
        settings = Settings.load(env={**os.environ, **typed})
    except SettingsError as error:
        message = str(error)
        for option, setting in SETTING_OPTIONS.values():
            if setting in typed:  # name what was typed, not the setting it stands for
                message = message.replace(setting, option)
        return _fail(message)
    if args.command in ("run", "sync"):
        return _run_discord(settings, args.command)
    try:
        return asyncio.run(_dispatch(args, settings))
    except KeyboardInterrupt:
        return 130
    finally:
        # The command is done and the process ends: what it built is freed with the process,
        # so the interpreter's last collections need not walk it (about 50 ms of a cold ask).
        gc.freeze()


def _run_discord(settings: Settings, command: str) -> int:
    if not settings.discord_token:
        language = reply_language(Chosen(operator=settings.language))
        return _fail(Renderer(settings.prompts_dir).line("no_token", language))
    from bot.adapter import runner

    return runner.sync(settings) if command == "sync" else runner.run(settings)


async def _dispatch(args: argparse.Namespace, settings: Settings) -> int:
    try:
        seeding = args.command not in ("index", "backup", "feedback", "feed")
        kiosque = await Kiosque.open(settings, seed=seeding)
    except KiosqueError as error:  # a bundled article that cannot be indexed
        return _fail(Renderer(settings.prompts_dir).error(error, FALLBACK, plain=True))
    except Exception as error:  # never a traceback on the terminal
        return _fail(f"cannot open the database {settings.database_label}: {error}")
    try:
        return await COMMANDS[args.command](kiosque, args)
    except KiosqueError as error:
        return _fail(kiosque.error_text(error, _language(kiosque), plain=True))
    except BrokenPipeError:
        # The reader went away (`kiosque ask ... | head -1`): nothing to say, and nothing more
        # to write at exit either.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 141
    except Exception as error:
        return _fail(f"internal error ({type(error).__name__}: {error})", code=1)
    finally:
        await kiosque.close()


async def _index(kiosque: Kiosque, args: argparse.Namespace) -> int:
    status = 0
    for source in args.sources:
        progress = _Progress(kiosque, source)
        try:
            if source == "-":
                data = sys.stdin.buffer.read(kiosque.settings.max_source_bytes + 1)
                info = await kiosque.index_bytes(
                    _space(args), data, "-", title=args.title, progress=progress
                )
            elif "://" in source:  # every URL goes to the fetcher, which refuses other schemes
                info = await kiosque.index_url(
                    _space(args), source, title=args.title, progress=progress
                )
            else:
                info = await kiosque.index_path(
                    _space(args), Path(source), title=args.title, progress=progress
                )
        except KiosqueError as error:
            _fail(kiosque.error_text(error, _language(kiosque), plain=True))
            status = EXIT_USAGE
            continue
        if args.json:
            print(
                json.dumps(
                    {
                        "id": info.id,
                        "title": info.title,
                        "version": info.version,
                        "language": info.language,
                        "sections": list(info.sections),
                        "sentences": info.sentences,
                    },
                    ensure_ascii=False,
                ),
                flush=True,
            )
        else:
            print(kiosque.renderer.text("indexed", info.language, stored=info), flush=True)
    return status


async def _ask(kiosque: Kiosque, args: argparse.Namespace) -> int:
    if args.question != "-":
        await _answer_one(kiosque, args, args.question)
        return 0
    for line in sys.stdin:
        if line.strip():
            try:
                await _answer_one(kiosque, args, line)
            except KiosqueError as error:
                # In a batch a refused question gets its refusal and the batch goes on.
                text = kiosque.error_text(error, _language(kiosque), plain=True)
                if args.json:
                    print(
                        json.dumps({"question": line.strip(), "error": text}, ensure_ascii=False),
                        flush=True,
                    )
                else:
                    print(text + "\n", flush=True)
    return 0


async def _answer_one(kiosque: Kiosque, args: argparse.Namespace, question: str) -> None:
    reply = await kiosque.ask(
        _space(args),
        question,
        args.channel,
        author="cli",
        article_id=args.article,
        library=args.library,
    )
    message = kiosque.renderer.reply_text(reply)
    if args.json:
        print(json.dumps(to_json(reply, message), ensure_ascii=False), flush=True)
    else:
        print(message + "\n", flush=True)


async def _summary(kiosque: Kiosque, args: argparse.Namespace) -> int:
    summary = await kiosque.summary(
        _space(args), args.channel, args.article, args.section, args.length
    )
    message = kiosque.renderer.reply_text(summary)
    if args.json:
        print(
            json.dumps({"bullets": list(summary.bullets), "message": message}, ensure_ascii=False)
        )
    else:
        print(message)
    return 0


async def _articles(kiosque: Kiosque, args: argparse.Namespace) -> int:
    listed = await kiosque.articles(_space(args))
    if args.json:
        for info in listed:
            print(
                json.dumps(
                    {
                        "id": info.id,
                        "title": info.title,
                        "version": info.version,
                        "language": info.language,
                        "indexed_at": info.indexed_at,
                        "source": info.source,
                    },
                    ensure_ascii=False,
                )
            )
    else:
        print(kiosque.renderer.text("articles", _language(kiosque), articles=listed, active=None))
    return 0


async def _use(kiosque: Kiosque, args: argparse.Namespace) -> int:
    info = await kiosque.use(_space(args), args.channel, args.article)
    print(kiosque.renderer.line("using", info.language, title=info.title, id=info.id))
    return 0


async def _history(kiosque: Kiosque, args: argparse.Namespace) -> int:
    turns = await kiosque.turns(args.channel, max(1, args.count))
    print(kiosque.renderer.text("history", _language(kiosque), turns=turns))
    return 0


async def _forget(kiosque: Kiosque, args: argparse.Namespace) -> int:
    count = await kiosque.forget(args.channel)
    print(kiosque.renderer.line("forgotten", _language(kiosque), count=count))
    return 0


async def _search(kiosque: Kiosque, args: argparse.Namespace) -> int:
    found = await kiosque.search(_space(args), args.query)
    if args.json:
        for f in found:
            print(json.dumps({"id": f.article_id, "title": f.title, "sentence": f.sentence,
                              "score": round(f.score, 4)}, ensure_ascii=False))
    else:
        print(kiosque.renderer.text("search", _language(kiosque), found=found, query=args.query))
    return 0


async def _feedback(kiosque: Kiosque, args: argparse.Namespace) -> int:
    votes = await kiosque.votes(_space(args) if args.guild else None)
    if args.json:
        for v in votes:
            print(
                json.dumps(
                    {
                        "space": v.space,
                        "article_id": v.article_id,
                        "title": v.title,
                        "up": v.up,
                        "down": v.down,
                        "downvoted": [
                            {"question": question, "quoted": list(quotes)}
                            for question, quotes in v.downvoted
                        ],
                    },
                    ensure_ascii=False,
                )
            )
    else:
        print(kiosque.renderer.text("feedback", _language(kiosque), votes=votes))
    return 0


async def _backup(kiosque: Kiosque, args: argparse.Namespace) -> int:
    target = Path(args.path)
    await kiosque.backup(target)
    print(kiosque.renderer.line("backup_done", _language(kiosque), path=str(target)))
    return 0


async def _chat(kiosque: Kiosque, args: argparse.Namespace) -> int:
    from bot.cli.chat import chat

    return await chat(kiosque)


COMMANDS = {
    "index": _index,
    "ask": _ask,
    "summary": _summary,
    "articles": _articles,
    "use": _use,
    "history": _history,
    "forget": _forget,
    "chat": _chat,
    "backup": _backup,
    "feedback": _feedback,
    "search": _search,
    "feed": feeds.run,
}


class _Progress:
    """Prints on stderr how far the embedding of a long article has gone, every few seconds."""

    LONG = 64  # sentences: shorter articles are embedded in a few seconds, silently
    EVERY = 2.0

    def __init__(self, kiosque: Kiosque, source: str) -> None:
        self.kiosque = kiosque
        self.source = source
        self.last = 0.0

    def __call__(self, done: int, total: int) -> None:
        now = time.monotonic()
        if total < self.LONG or (done < total and now - self.last < self.EVERY):
            return
        self.last = now
        line = self.kiosque.renderer.line(
            "embedding", _language(self.kiosque), plain=True, source=self.source, done=done,
            total=total,
        )
        print(f"kiosque: {line}", file=sys.stderr, flush=True)


def _language(kiosque: Kiosque) -> str:
    # About no article: the operator's setting, else French.
    return kiosque.language()


def _fail(message: str, code: int = EXIT_USAGE) -> int:
    print(f"kiosque: {' '.join(message.split())}", file=sys.stderr, flush=True)
    return code
