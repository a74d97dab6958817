"""Download a page to index: http(s) only, with a timeout, a size cap and a redirect cap.

Addresses on the host's own networks (loopback, private, link-local) are refused unless
``ALLOW_PRIVATE_URLS`` is set, so that the bot cannot be used to probe the network it runs in.
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from dataclasses import dataclass
from urllib.parse import urljoin, urlsplit

import aiohttp

from bot.errors import KiosqueError
from bot.settings import Settings


@dataclass(frozen=True)
class Page:
    """The bytes of a downloaded page and the type the server declared."""

    url: str
    data: bytes
    content_type: str | None


async def fetch(url: str, settings: Settings) -> Page:
    """GET ``url`` following at most ``fetch_max_redirects`` redirects, each one checked."""
    timeout = aiohttp.ClientTimeout(total=settings.fetch_timeout)
    try:
        async with aiohttp.ClientSession(timeout=timeout) as session:
            current = url
            for _ in range(settings.fetch_max_redirects + 1):
                await _check_address(url, current, settings)
                async with session.get(current, allow_redirects=False) as response:
                    if response.status in (301, 302, 303, 307, 308):
                        location = response.headers.get("Location")
                        if not location:
                            raise _error(url, "fetch", f"HTTP {response.status} without Location")
                        current = urljoin(current, location)
                        continue
                    if response.status >= 400:
                        raise _error(url, "fetch", f"HTTP {response.status}")
                    data = await _read_capped(response, url, settings.max_source_bytes)
                    return Page(str(response.url), data, response.headers.get("Content-Type"))
            raise _error(url, "fetch", f"more than {settings.fetch_max_redirects} redirects")
    except TimeoutError:
        raise _error(url, "fetch", f"no answer within {settings.fetch_timeout:g} s") from None
    except aiohttp.ClientError as error:
        raise _error(url, "fetch", type(error).__name__) from None
    except (ValueError, UnicodeError):  # a URL aiohttp cannot even parse or resolve
        raise _error(url, "forbidden_url", "malformed URL") from None


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


async def _check_address(given: str, url: str, settings: Settings) -> None:
    """Refuse ``url`` (``given`` or a redirect from it) unless it is a public http(s) address."""
    where = "" if url == given else f"redirect to {url}: "
    try:
        parts = urlsplit(url)
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError:
        raise _error(given, "forbidden_url", f"{where}malformed URL") from None
    if parts.scheme not in ("http", "https"):
        raise _error(given, "forbidden_url", f"{where}scheme {parts.scheme or 'missing'}")
    if not parts.hostname:
        raise _error(given, "forbidden_url", f"{where}no host")
    if settings.allow_private_urls:
        return
    try:
        infos = await asyncio.get_running_loop().getaddrinfo(
            parts.hostname, port, type=socket.SOCK_STREAM
        )
    except (OSError, UnicodeError):
        raise _error(given, "fetch", f"{where}unknown host {parts.hostname}") from None
    for info in infos:
        address = ipaddress.ip_address(info[4][0])
        if not address.is_global:
            raise _error(given, "forbidden_url", f"{where}{address} is a private or local address")


def _error(url: str, problem: str, detail: str) -> KiosqueError:
    return KiosqueError("source_error", source=url, problem=problem, detail=detail)
