"""``kiosque feed …``: follow, list, pause, resume, remove and poll a server's news feeds."""

from __future__ import annotations

import argparse
import json
import sys

from bot.app.service import Kiosque
from bot.values import guild_space

EXIT_FAILED = 2  # a feed polled failed, as ``kiosque index`` does for a source


def add_parser(sub: argparse._SubParsersAction) -> None:
    """The ``feed`` subcommand and its own subcommands."""
    feed = sub.add_parser("feed", help="the news feeds (RSS, Atom) a server follows")
    actions = feed.add_subparsers(dest="action", required=True, parser_class=type(feed))
    add = actions.add_parser("add", help="follow a feed: its new items become articles")
    add.add_argument("url", metavar="URL")
    add.add_argument("--channel", type=int, metavar="ID", help="where its articles are announced")
    listing = actions.add_parser("list", help="the feeds followed, and why any is paused")
    listing.add_argument("--json", action="store_true")
    for name, text in (("remove", "stop following a feed"), ("pause", "stop polling a feed"),
                       ("resume", "poll a paused feed again")):
        action = actions.add_parser(name, help=text)
        action.add_argument("feed", metavar="URL|ID")
    poll = actions.add_parser("poll", help="poll the server's feeds once, now")
    poll.add_argument("--json", action="store_true")
    for action in actions.choices.values():
        action.add_argument("--guild", type=int, metavar="ID", required=action is not listing,
                            help="the Discord server whose feeds these are")


async def run(kiosque: Kiosque, args: argparse.Namespace) -> int:
    """Do what ``kiosque feed ACTION`` asks; the exit code."""
    space = guild_space(args.guild) if args.guild else None
    # About no article: the operator's setting, else French (the one decision).
    language = kiosque.language()
    if args.action == "add":
        feed = await kiosque.add_feed(space, args.url, args.channel)
        print(kiosque.renderer.line("feed_added", language, plain=True, url=feed.url, id=feed.id))
    elif args.action in ("remove", "pause", "resume"):
        call = {"remove": kiosque.remove_feed, "pause": kiosque.pause_feed,
                "resume": kiosque.resume_feed}[args.action]
        feed = await call(space, args.feed)
        done = {"remove": "feed_removed", "pause": "feed_paused", "resume": "feed_resumed"}
        print(kiosque.renderer.line(done[args.action], language, plain=True, url=feed.url))
    elif args.action == "list":
        return _list(kiosque, args, await kiosque.list_feeds(space), space, language)
    else:
        return _polled(kiosque, args, await kiosque.poll_feeds(space), language)
    return 0


def _list(kiosque: Kiosque, args: argparse.Namespace, feeds: list, space: str | None,
          language: str) -> int:
    def reason(feed: object) -> str | None:
        error = feed.pause_reason or feed.last_error
        return kiosque.error_text(error, language, plain=True) if error else None

    if args.json:
        for f in feeds:
            print(json.dumps({"id": f.id, "space": f.space, "url": f.url, "channel": f.channel,
                              "title": f.title, "paused": f.paused, "failures": f.failures,
                              "reason": reason(f), "last_polled_at": f.last_polled_at,
                              "next_poll_at": f.next_poll_at}, ensure_ascii=False))
        return 0
    shown = [(f, reason(f)) for f in feeds]
    print(kiosque.renderer.text("feeds", language, feeds=shown, space=space))
    return 0


def _polled(kiosque: Kiosque, args: argparse.Namespace, reports: list, language: str) -> int:
    def said(error: object) -> str | None:
        return kiosque.error_text(error, language, plain=True) if error else None

    rows = [(r, said(r.error), [(link, said(e)) for link, e in r.failed]) for r in reports]
    if args.json:
        for r, error, failed in rows:
            print(json.dumps({
                "feed": r.feed.id, "url": r.feed.url, "entries": r.entries,
                "indexed": [{"id": a.id, "title": a.title, "version": a.version}
                            for a in r.indexed],
                "failed": [{"item": link, "error": text} for link, text in failed],
                "skipped": r.skipped, "waiting": r.waiting, "not_modified": r.not_modified,
                "error": error, "paused": r.paused, "busy": r.busy,
            }, ensure_ascii=False))
    else:
        print(kiosque.renderer.text("feed_poll", language, reports=rows))
    sys.stdout.flush()
    return EXIT_FAILED if any(r.error for r in reports) else 0

