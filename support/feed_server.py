"""A news site on loopback for the feed tests: RSS (0.91, 1.0, 2.0) and Atom feeds with ETag and
304, a feed that changes, malformed XML, an HTML page instead of a feed, a 50 000-item feed, a
redirect to a private address, an item page that fails, duplicate GUIDs, and the item pages.

The fetcher refuses loopback, as it must: ``reachable`` gives the site a public name
(``news.test``, answered by a DNS server of the test's own with ``PUBLIC``) and installs a
pretend internet on the running loop that lands connections to ``PUBLIC`` on the site. A
redirect to ``127.0.0.1`` is then what an attacker's feed would do, and is refused.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from typing import Any
from xml.sax.saxutils import escape

from aiohttp import web

from support.nameserver import Nameserver
from support.network import pretend_internet
from support.web_server import ThreadedSite

HOST = "news.test"
PUBLIC = "93.184.216.34"
SITE = f"http://{HOST}"
HUGE_ITEMS = 50_000
LAST_MODIFIED = "Mon, 07 Dec 2026 10:00:00 GMT"


@dataclass
class Item:
    """One item of a feed: ``slug`` names its page (``/articles/<slug>``)."""

    slug: str
    title: str
    guid: str | None = None
    summary: str = ""
    published: datetime | None = None
    link: str | None = field(default=None)

    def url(self) -> str:
        """The item's link."""
        return self.link or f"{SITE}/articles/{self.slug}"


def _page(title: str, body: str) -> str:
    paragraphs = "".join(f"<p>{escape(p)}</p>" for p in body.split("\n\n") if p.strip())
    return (
        f"<!doctype html><html lang=\"fr\"><head><meta charset=\"utf-8\"><title>{escape(title)}"
        f"</title></head><body><article><h1>{escape(title)}</h1>{paragraphs}</article>"
        "</body></html>"
    )


def story(slug: str, subject: str) -> str:
    """An article's body text about ``subject``: long enough to be indexed."""
    return (
        f"Le conseil municipal a examiné le dossier {subject} mardi soir, après trois heures "
        f"de débat. Les élus ont voté une première tranche de travaux pour {subject}.\n\n"
        f"Selon la maire, le projet {subject} coûtera deux millions d’euros et sera achevé en "
        f"juin. L’opposition a demandé une étude complémentaire sur {subject}.\n\n"
        f"Les habitants pourront donner leur avis sur {subject} lors d’une réunion publique "
        f"organisée le mois prochain à la salle des fêtes ({slug})."
    )


def rss20(items: list[Item], title: str = "Le Journal") -> str:
    """An RSS 2.0 document."""
    rows = []
    for item in items:
        guid = f"<guid isPermaLink=\"false\">{escape(item.guid)}</guid>" if item.guid else ""
        date = f"<pubDate>{format_datetime(item.published)}</pubDate>" if item.published else ""
        rows.append(
            f"<item><title>{escape(item.title)}</title><link>{escape(item.url())}</link>{guid}"
            f"<description>{escape(item.summary)}</description>{date}</item>"
        )
    return (
        "<?xml version=\"1.0\" encoding=\"utf-8\"?><rss version=\"2.0\"><channel>"
        f"<title>{escape(title)}</title><link>{SITE}/</link><description>Nouvelles</description>"
        f"{''.join(rows)}</channel></rss>"
    )


def atom(items: list[Item], title: str = "Le Fil") -> str:
    """An Atom 1.0 document."""
    rows = []
    for item in items:
        when = (item.published or datetime(2026, 12, 1, tzinfo=UTC)).isoformat()
        rows.append(
            f"<entry><title>{escape(item.title)}</title><link href=\"{escape(item.url())}\"/>"
            f"<id>{escape(item.guid or item.url())}</id><updated>{when}</updated>"
            f"<summary>{escape(item.summary)}</summary></entry>"
        )
    return (
        "<?xml version=\"1.0\" encoding=\"utf-8\"?><feed xmlns=\"http://www.w3.org/2005/Atom\">"
        f"<title>{escape(title)}</title><id>{SITE}/atom</id>"
        f"<updated>2026-12-07T10:00:00Z</updated>{''.join(rows)}</feed>"
    )


def rss10(items: list[Item]) -> str:
    """An RSS 1.0 (RDF) document."""
    rows = "".join(
        f"<item rdf:about=\"{escape(i.url())}\"><title>{escape(i.title)}</title>"
        f"<link>{escape(i.url())}</link></item>"
        for i in items
    )
    return (
        "<?xml version=\"1.0\"?><rdf:RDF xmlns:rdf=\"http://www.w3.org/1999/02/22-rdf-syntax-ns#\""
        " xmlns=\"http://purl.org/rss/1.0/\">"
        f"<channel rdf:about=\"{SITE}/\"><title>RDF</title><link>{SITE}/</link>"
        f"<description>d</description></channel>{rows}</rdf:RDF>"
    )


def rss091(items: list[Item]) -> str:
    """An RSS 0.91 document."""
    rows = "".join(
        f"<item><title>{escape(i.title)}</title><link>{escape(i.url())}</link></item>"
        for i in items
    )
    return (
        "<?xml version=\"1.0\"?><rss version=\"0.91\"><channel><title>Ancien</title>"
        f"<link>{SITE}/</link><description>d</description><language>fr</language>{rows}"
        "</channel></rss>"
    )


def dated(count: int, prefix: str, start: datetime | None = None) -> list[Item]:
    """``count`` items, newest first, an hour apart."""
    start = start or datetime(2026, 12, 7, 9, tzinfo=UTC)
    return [
        Item(f"{prefix}-{n}", f"Dossier {prefix} {n}", guid=f"{prefix}:{n}",
             summary=f"Résumé {prefix} {n}", published=start - timedelta(hours=n))
        for n in range(count)
    ]


class FeedServer(ThreadedSite):
    """The news site, in a thread; ``feeds`` (path -> document) and ``pages`` may change while
    it runs; ``requests`` records each (path, request headers)."""

    def __init__(self) -> None:
        super().__init__("feed-site")
        self.feeds: dict[str, str | bytes] = {}
        self.pages: dict[str, str] = {}
        self.failing: set[str] = {"broken"}
        self.delay = 0.0
        self.requests: list[tuple[str, dict[str, str]]] = []
        self._huge: bytes | None = None

    def hits(self, path: str) -> list[dict[str, str]]:
        """The headers of each request for ``path``."""
        return [headers for asked, headers in self.requests if asked == path]

    def huge(self) -> bytes:
        """A 50 000-item RSS 2.0 feed (about 4 MB: under the fetcher's 5 MB), built once."""
        if self._huge is None:
            rows = "".join(
                f"<item><link>{SITE}/articles/huge-{n}</link><guid>huge:{n}</guid></item>"
                for n in range(HUGE_ITEMS)
            )
            self._huge = (
                "<?xml version=\"1.0\"?><rss version=\"2.0\"><channel><title>Agence</title>"
                f"<link>{SITE}/</link><description>d</description>{rows}</channel></rss>"
            ).encode()
        return self._huge

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        path = request.path
        self.requests.append((path, dict(request.headers)))
        if self.delay:
            await asyncio.sleep(self.delay)
        if path == "/to-private":
            raise web.HTTPFound(f"http://127.0.0.1:{self.port}/secret")
        if path == "/always-304":  # a server that answers 304 to a plain GET
            return web.Response(status=304)
        if path == "/secret":
            return web.Response(text="the internal network's secret")
        if path == "/huge":
            return web.Response(body=self.huge(), content_type="application/rss+xml")
        if path.startswith("/articles/"):
            return self._article(path.removeprefix("/articles/"))
        if path in self.feeds:
            return self._feed(request, self.feeds[path])
        return web.Response(status=404, text="not found")

    def _article(self, slug: str) -> web.Response:
        if slug in self.failing:
            return web.Response(status=500, text="server error")
        body = self.pages.get(slug) or story(slug, slug.replace("-", " "))
        return web.Response(text=_page(f"Article {slug}", body), content_type="text/html")

    def _feed(self, request: web.Request, document: str | bytes) -> web.Response:
        data = document.encode() if isinstance(document, str) else document
        etag = '"' + hashlib.sha256(data).hexdigest()[:16] + '"'
        if request.headers.get("If-None-Match") == etag:
            return web.Response(status=304, headers={"ETag": etag})
        kind = "text/html" if data.lstrip().lower().startswith(b"<!doctype html") else (
            "application/xml")
        return web.Response(body=data, content_type=kind,
                            headers={"ETag": etag, "Last-Modified": LAST_MODIFIED})


@asynccontextmanager
async def reachable(server: FeedServer, *pollers: Any) -> AsyncIterator[Nameserver]:
    """``news.test`` on the running loop: each poller (a ``Feeds``) resolves names with the
    test's DNS server, and the pretend internet sends ``PUBLIC`` to ``server``."""
    with Nameserver({HOST: [[PUBLIC]]}) as nameserver:
        async with pretend_internet({PUBLIC: server.port}):
            for poller in pollers:
                poller.nameserver = nameserver.address
            try:
                yield nameserver
            finally:
                for poller in pollers:
                    with contextlib.suppress(AttributeError):
                        poller.nameserver = None
