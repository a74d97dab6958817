"""A pretend internet for in-process fetches: no connection ever leaves the machine.

While it is installed on the running event loop, a connection to one of its public addresses
lands on a local port instead, one to loopback goes through as asked, and any other fails at
once with "network unreachable" before a packet is sent. Every address asked is recorded, so a
test can tell which address the fetcher chose, not just which server answered.
"""

from __future__ import annotations

import asyncio
import errno
import ipaddress
import socket
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any


class PretendInternet:
    """Routes for the loop's ``sock_connect``: public IPv4 address -> local port standing for it."""

    def __init__(self, routes: dict[str, int]) -> None:
        self.routes = routes
        self.connected: list[tuple[str, int]] = []

    async def connect(
        self, original: Any, sock: socket.socket, address: tuple[Any, ...]
    ) -> None:
        """Record ``address``, then connect ``sock`` where this pretend internet sends it."""
        if sock.family == socket.AF_UNIX:  # a local socket (a Postgres server's): not the net
            return await original(sock, address)
        host, port = str(address[0]), int(address[1])
        self.connected.append((host, port))
        if host in self.routes and sock.family == socket.AF_INET:
            return await original(sock, ("127.0.0.1", self.routes[host]))
        try:
            loopback = ipaddress.ip_address(host.split("%", maxsplit=1)[0]).is_loopback
        except ValueError:  # a name: connecting would resolve it a second time
            raise OSError(errno.EINVAL, f"pretend internet: {host} is not an address") from None
        if loopback:
            return await original(sock, address)
        raise OSError(errno.ENETUNREACH, f"pretend internet: no route to {host}")


@asynccontextmanager
async def pretend_internet(routes: dict[str, int]) -> AsyncIterator[PretendInternet]:
    """Install a ``PretendInternet`` with ``routes`` on the running loop for the block."""
    loop = asyncio.get_running_loop()
    network = PretendInternet(routes)
    original = loop.sock_connect

    async def sock_connect(sock: socket.socket, address: tuple[Any, ...]) -> None:
        await network.connect(original, sock, address)

    # aiohttp (through aiohappyeyeballs) opens every connection with loop.sock_connect.
    loop.sock_connect = sock_connect  # type: ignore[method-assign]
    try:
        yield network
    finally:
        del loop.sock_connect
