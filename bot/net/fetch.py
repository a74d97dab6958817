"""Download a page to index: http(s) only, with a timeout, a size cap and a redirect cap.

Addresses on the host's own networks (loopback, private, link-local, and IPv6 forms carrying
such an IPv4 address) are refused unless ``ALLOW_PRIVATE_URLS`` is set, so that the bot cannot be
used to probe the network it runs in. The host is judged as the HTTP client connects to it: yarl
first maps a Unicode host through IDNA (NFKC, so ``１２７．０．０．１`` and ``127。0。0。1`` are
``127.0.0.1``), then that ASCII host is checked. Every host, a name or an address, is resolved by
``bot.net.resolver.PublicResolver`` alone (through ``CheckedConnector``): the connection goes to the
very addresses that were checked, on every redirect hop.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import urljoin, urlsplit

import aiohttp
from yarl import URL

from bot.errors import KiosqueError
from bot.net.addresses import embedded_ipv4, is_public, looks_like_address, written_address
from bot.net.resolver import AddressRefused, CheckedConnector, PublicResolver
from bot.settings import Settings

_REDIRECTS = (301, 302, 303, 307, 308)


@dataclass(frozen=True)
class Page:
    """The bytes of a downloaded page and the type the server declared.

    ``etag`` and ``last_modified`` are the server's validators, for a conditional GET next
    time; ``not_modified``: the server answered 304 to one (``data`` is empty).
    """

    url: str
    data: bytes
    content_type: str | None
    etag: str | None = None
    last_modified: str | None = None
    not_modified: bool = False


async def fetch(
    url: str,
    settings: Settings,
    *,
    nameserver: tuple[str, int] | None = None,
    headers: Mapping[str, str] | None = None,
) -> Page:
    """GET ``url`` following at most ``fetch_max_redirects`` redirects, each one checked.

    ``nameserver`` (host, port) resolves names with that DNS server instead of the system's.
    ``headers`` are sent on every hop; with ``If-None-Match`` or ``If-Modified-Since`` among
    them, a 304 answer is a ``Page`` that is ``not_modified``.
    """
    timeout = aiohttp.ClientTimeout(total=settings.fetch_timeout)
    resolver = PublicResolver(allow_private=settings.allow_private_urls, nameserver=nameserver)
    # No DNS cache: every hop's host goes through the resolver's check, and nothing else resolves.
    connector = CheckedConnector(resolver=resolver, use_dns_cache=False)
    try:
        async with aiohttp.ClientSession(timeout=timeout, connector=connector) as session:
            current = url
            for _ in range(settings.fetch_max_redirects + 1):
                page_or_next = await _hop(session, url, current, settings, headers)
                if isinstance(page_or_next, Page):
                    return page_or_next
                current = page_or_next
            raise _error(url, "fetch", f"more than {settings.fetch_max_redirects} redirects")
    except TimeoutError:
        raise _error(url, "fetch", f"no answer within {settings.fetch_timeout:g} s") from None
    except aiohttp.ClientError as error:
        raise _error(url, "fetch", type(error).__name__) from None
    except (ValueError, UnicodeError):  # a URL aiohttp cannot even parse or resolve
        raise _error(url, "forbidden_url", "malformed URL") from None
    finally:
        await resolver.close()


async def _hop(
    session: aiohttp.ClientSession,
    given: str,
    url: str,
    settings: Settings,
    headers: Mapping[str, str] | None = None,
) -> Page | str:
    """GET ``url`` (``given`` or a redirect from it): the page, or the next URL to follow."""
    where = "" if url == given else f"redirect to {url}: "
    target = _check_url(given, url, settings)
    try:
        # The very URL value that was judged: aiohttp connects to its raw_host.
        async with session.get(target, allow_redirects=False, headers=headers) as response:
            if response.status == 304 and _conditional(headers):
                return Page(str(response.url), b"", response.headers.get("Content-Type"),
                            *_validators(response), not_modified=True)
            if response.status in _REDIRECTS:
                location = response.headers.get("Location")
                if not location:
                    raise _error(given, "fetch", f"HTTP {response.status} without Location")
                return urljoin(url, location)
            if response.status >= 400:
                raise _error(given, "fetch", f"HTTP {response.status}")
            data = await _read_capped(response, given, settings.max_source_bytes)
            return Page(str(response.url), data, response.headers.get("Content-Type"),
                        *_validators(response))
    except AddressRefused as refused:
        raise _error(given, "forbidden_url", where + _refusal(refused.address)) from None
    except aiohttp.ClientConnectorDNSError:
        raise _error(given, "fetch", f"{where}unknown host {target.host}") from None


def _conditional(headers: Mapping[str, str] | None) -> bool:
    asked = {name.lower() for name in headers or {}}
    return bool(asked & {"if-none-match", "if-modified-since"})


def _validators(response: aiohttp.ClientResponse) -> tuple[str | None, str | None]:
    """The ETag and Last-Modified a server gave (for the next conditional GET)."""
    return response.headers.get("ETag"), response.headers.get("Last-Modified")


async def _read_capped(response: aiohttp.ClientResponse, url: str, limit: int) -> bytes:
    declared = response.content_length
    if declared is not None and declared > limit:
        raise KiosqueError("source_error", source=url, problem="too_large", limit=limit)
    chunks: list[bytes] = []
    size = 0
    async for chunk in response.content.iter_chunked(65536):
        size += len(chunk)
        if size > limit:
            raise KiosqueError("source_error", source=url, problem="too_large", limit=limit)
        chunks.append(chunk)
    return b"".join(chunks)


def _check_url(given: str, url: str, settings: Settings) -> URL:
    """The URL value to GET: http(s) with a host that, if an address, is public.

    The host judged is ``raw_host``, the ASCII host aiohttp connects to after yarl's IDNA
    mapping, not the text of the URL. Names are checked by the resolver when the connection is
    made; an address is checked here first, to name it in the refusal, and again by the resolver.
    """
    where = "" if url == given else f"redirect to {url}: "
    try:
        target = URL(url)
        _ = target.port  # raises for a port out of range
        written = urlsplit(url).hostname
    except (ValueError, UnicodeError):  # IDNA refuses some labels with UnicodeError
        raise _error(given, "forbidden_url", f"{where}malformed URL") from None
    if target.scheme not in ("http", "https"):
        raise _error(given, "forbidden_url", f"{where}scheme {target.scheme or 'missing'}")
    host = target.raw_host
    if not host or not written:
        raise _error(given, "forbidden_url", f"{where}no host")
    if settings.allow_private_urls:
        return target
    address = written_address(host)
    if address is None and looks_like_address(host):
        # aiohttp would take it for an address, not a name: no lookup could judge it.
        raise _error(given, "forbidden_url", f"{where}malformed address {host}")
    if address is not None and not is_public(address):
        raise _error(given, "forbidden_url", where + _refusal(str(address)))
    if address is not None and not written.isascii():
        # An address spelt in other digits or dots only hides what it is: refuse it, even public.
        raise _error(given, "forbidden_url", f"{where}{written} stands for the address {host}")
    return target


def checked_url(url: str, settings: Settings) -> str:
    """``url`` if ``fetch`` would try it (http(s), a host, not a private address written in
    it); else the ``source_error`` that ``fetch`` would raise. Names are judged only when
    fetched (they may resolve to another address by then)."""
    return str(_check_url(url, url, settings))


def _refusal(address: str) -> str:
    parsed = ipaddress.ip_address(address)
    carried = embedded_ipv4(parsed) if isinstance(parsed, ipaddress.IPv6Address) else None
    if carried is not None and not is_public(carried):
        return f"{address} carries {carried}, a private or local address"
    return f"{address} is a private or local address"


def _error(url: str, problem: str, detail: str) -> KiosqueError:
    return KiosqueError("source_error", source=url, problem=problem, detail=detail)
