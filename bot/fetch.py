"""Download a page to index: http(s) only, with a timeout, a size cap and a redirect cap.

Addresses on the host's own networks (loopback, private, link-local, and IPv6 forms carrying
such an IPv4 address) are refused unless ``ALLOW_PRIVATE_URLS`` is set, so that the bot cannot be
used to probe the network it runs in. Names are resolved by ``bot.resolver.PublicResolver`` alone:
the connection goes to the very addresses that were checked, on every redirect hop.
"""

from __future__ import annotations

import ipaddress
import socket
from dataclasses import dataclass
from urllib.parse import SplitResult, urljoin, urlsplit

import aiohttp

from bot.addresses import IPAddress, embedded_ipv4, is_public
from bot.errors import KiosqueError
from bot.resolver import AddressRefused, PublicResolver
from bot.settings import Settings

_REDIRECTS = (301, 302, 303, 307, 308)


@dataclass(frozen=True)
class Page:
    """The bytes of a downloaded page and the type the server declared."""

    url: str
    data: bytes
    content_type: str | None


async def fetch(url: str, settings: Settings, *, nameserver: tuple[str, int] | None = None) -> Page:
    """GET ``url`` following at most ``fetch_max_redirects`` redirects, each one checked.

    ``nameserver`` (host, port) resolves names with that DNS server instead of the system's.
    """
    timeout = aiohttp.ClientTimeout(total=settings.fetch_timeout)
    resolver = PublicResolver(allow_private=settings.allow_private_urls, nameserver=nameserver)
    # No DNS cache: every hop's name goes through the resolver's check, and nothing else resolves.
    connector = aiohttp.TCPConnector(resolver=resolver, use_dns_cache=False)
    try:
        async with aiohttp.ClientSession(timeout=timeout, connector=connector) as session:
            current = url
            for _ in range(settings.fetch_max_redirects + 1):
                page_or_next = await _hop(session, url, current, settings)
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
    session: aiohttp.ClientSession, given: str, url: str, settings: Settings
) -> Page | str:
    """GET ``url`` (``given`` or a redirect from it): the page, or the next URL to follow."""
    where = "" if url == given else f"redirect to {url}: "
    parts = _check_url(given, url, settings)
    try:
        async with session.get(url, allow_redirects=False) as response:
            if response.status in _REDIRECTS:
                location = response.headers.get("Location")
                if not location:
                    raise _error(given, "fetch", f"HTTP {response.status} without Location")
                return urljoin(url, location)
            if response.status >= 400:
                raise _error(given, "fetch", f"HTTP {response.status}")
            data = await _read_capped(response, given, settings.max_source_bytes)
            return Page(str(response.url), data, response.headers.get("Content-Type"))
    except AddressRefused as refused:
        raise _error(given, "forbidden_url", where + _refusal(refused.address)) from None
    except aiohttp.ClientConnectorDNSError:
        raise _error(given, "fetch", f"{where}unknown host {parts.hostname}") from None


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


def _check_url(given: str, url: str, settings: Settings) -> SplitResult:
    """Refuse ``url`` unless it is http(s) with a host, and that host, if an address, is public.

    Names are checked by the resolver when the connection is made; an address written in the URL
    never reaches a resolver, so it is judged here.
    """
    where = "" if url == given else f"redirect to {url}: "
    try:
        parts = urlsplit(url)
        _ = parts.port  # raises for a port out of range
    except ValueError:
        raise _error(given, "forbidden_url", f"{where}malformed URL") from None
    if parts.scheme not in ("http", "https"):
        raise _error(given, "forbidden_url", f"{where}scheme {parts.scheme or 'missing'}")
    if not parts.hostname:
        raise _error(given, "forbidden_url", f"{where}no host")
    if settings.allow_private_urls:
        return parts
    address = _literal_address(parts.hostname)
    if address is None and _looks_numeric(parts.hostname):
        # aiohttp would take it for an address and connect without asking the resolver.
        raise _error(given, "forbidden_url", f"{where}malformed address {parts.hostname}")
    if address is not None and not is_public(address):
        raise _error(given, "forbidden_url", where + _refusal(str(address)))
    return parts


def _literal_address(host: str) -> IPAddress | None:
    """The address a host written as one stands for, legacy IPv4 forms (``127.1``) included."""
    try:
        return ipaddress.ip_address(host)
    except ValueError:
        pass
    if ":" in host:
        return None
    try:
        # inet_aton reads what the C library would connect to: 2130706433, 0x7f.1, 0177.0.0.1.
        return ipaddress.IPv4Address(socket.inet_aton(host.rstrip(".")))
    except (OSError, ValueError):
        return None


def _looks_numeric(host: str) -> bool:
    # aiohttp's own test for "this host is an address, skip the resolver".
    return ":" in host or host.replace(".", "").isdigit()


def _refusal(address: str) -> str:
    parsed = ipaddress.ip_address(address)
    carried = embedded_ipv4(parsed) if isinstance(parsed, ipaddress.IPv6Address) else None
    if carried is not None and not is_public(carried):
        return f"{address} carries {carried}, a private or local address"
    return f"{address} is a private or local address"


def _error(url: str, problem: str, detail: str) -> KiosqueError:
    return KiosqueError("source_error", source=url, problem=problem, detail=detail)
