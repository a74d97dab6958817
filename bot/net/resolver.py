"""The only resolver the fetcher's connections use: each name resolved once, every address checked.

aiohttp connects to exactly the addresses ``resolve`` returns, so a name cannot answer a public
address to a check and a private one to the connection (DNS rebinding): there is no second
lookup to lie in. ``CheckedConnector`` sends addresses written in the URL through it too, which
aiohttp's own connector would connect to without asking any resolver.
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket

import aiohttp
from aiohttp.abc import AbstractResolver, ResolveResult

from bot.net import dns
from bot.net.addresses import is_public, looks_like_address

_NUMERIC = socket.AI_NUMERICHOST | socket.AI_NUMERICSERV
_NAME_FLAGS = socket.NI_NUMERICHOST | socket.NI_NUMERICSERV


class AddressRefused(Exception):
    """A name resolved to an address the bot must not connect to; ``address`` names it."""

    def __init__(self, host: str, address: str) -> None:
        super().__init__(f"{host} resolves to {address}")
        self.host = host
        self.address = address


class CheckedConnector(aiohttp.TCPConnector):
    """A TCP connector that asks its resolver for every host, addresses included.

    ``TCPConnector`` answers a host that looks like an address itself and connects without its
    resolver; here that host goes to the resolver (a ``PublicResolver``) like a name, so no
    connection reaches an address that was not judged. Nothing is cached between lookups.
    """

    async def _resolve_host(
        self, host: str, port: int, traces: object = None
    ) -> list[ResolveResult]:
        # Overrides aiohttp's private hook; tests/bot/net/test_resolver.py fails if it stops being
        # used.
        return await self._resolver.resolve(host, port, family=self._family)


class PublicResolver(AbstractResolver):
    """Resolve a name once and refuse the whole answer if any address in it is not public.

    ``nameserver`` (host, port) sends the questions to that DNS server over UDP instead of the
    system resolver; tests point it at a server on loopback. With ``allow_private`` every
    address is returned unchecked (the ``ALLOW_PRIVATE_URLS`` setting).
    """

    def __init__(
        self, *, allow_private: bool = False, nameserver: tuple[str, int] | None = None
    ) -> None:
        self.allow_private = allow_private
        self.nameserver = nameserver

    async def resolve(
        self, host: str, port: int = 0, family: socket.AddressFamily = socket.AF_INET
    ) -> list[ResolveResult]:
        """The addresses of ``host``, all checked; raises ``AddressRefused`` or ``OSError``.

        A host written as an address is that address alone, judged like any answer; a legacy
        numeric form (``127.1``, ``2130706433``) is no name and no address: a lookup error.
        """
        if looks_like_address(host):
            results = _literal(host, port)
        elif self.nameserver:
            results = await self._ask(host, port, family)
        else:
            results = await self._system(host, port, family)
        if not results:
            raise socket.gaierror(socket.EAI_NONAME, f"no address for {host}")
        if not self.allow_private:
            for result in results:
                if not is_public(ipaddress.ip_address(result["host"])):
                    raise AddressRefused(host, result["host"])
        return results

    async def close(self) -> None:
        """Nothing to release: each question uses a socket of its own."""

    async def _system(
        self, host: str, port: int, family: socket.AddressFamily
    ) -> list[ResolveResult]:
        loop = asyncio.get_running_loop()
        try:
            infos = await loop.getaddrinfo(host, port, type=socket.SOCK_STREAM, family=family)
        except UnicodeError:  # a label IDNA cannot encode: no such name
            raise socket.gaierror(socket.EAI_NONAME, f"malformed name {host!r}") from None
        results: list[ResolveResult] = []
        for info_family, _, proto, _, sockaddr in infos:
            address = str(sockaddr[0])
            if info_family == socket.AF_INET6 and len(sockaddr) > 3 and sockaddr[3]:
                # A link-local address needs its interface, which only getnameinfo writes out.
                address, _ = await loop.getnameinfo(sockaddr, _NAME_FLAGS)
            elif info_family not in (socket.AF_INET, socket.AF_INET6):
                continue
            results.append(_result(host, address, port, info_family, proto))
        return results

    async def _ask(
        self, host: str, port: int, family: socket.AddressFamily
    ) -> list[ResolveResult]:
        assert self.nameserver is not None
        questions = []
        if family in (socket.AF_UNSPEC, socket.AF_INET):
            questions.append((dns.A, socket.AF_INET))
        if family in (socket.AF_UNSPEC, socket.AF_INET6):
            questions.append((dns.AAAA, socket.AF_INET6))
        results: list[ResolveResult] = []
        for rtype, answer_family in questions:
            try:
                addresses = await dns.ask(self.nameserver, host, rtype)
            except TimeoutError:
                raise socket.gaierror(socket.EAI_AGAIN, "the DNS server did not answer") from None
            results += [
                _result(host, address, port, answer_family, socket.IPPROTO_TCP)
                for address in addresses
            ]
        return results


def _literal(host: str, port: int) -> list[ResolveResult]:
    # Whatever family was asked: the address is judged all the same, and the connector leaves
    # out an address of a family it does not use.
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        raise socket.gaierror(socket.EAI_NONAME, f"malformed address {host}") from None
    family = socket.AF_INET if address.version == 4 else socket.AF_INET6
    return [_result(host, str(address), port, family, socket.IPPROTO_TCP)]


def _result(
    host: str, address: str, port: int, family: socket.AddressFamily, proto: int
) -> ResolveResult:
    return ResolveResult(
        hostname=host, host=address, port=port, family=family, proto=proto, flags=_NUMERIC
    )
