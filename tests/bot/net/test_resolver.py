"""The fetcher's resolver: one lookup, the whole answer refused if any address is not public."""

from __future__ import annotations

import asyncio
import socket

import aiohttp
import pytest

from bot.net.resolver import AddressRefused, CheckedConnector, PublicResolver
from support.nameserver import Nameserver
from support.web_server import LocalServer

PUBLIC = "93.184.216.34"
SCRIPT = {
    "public.test": [[PUBLIC, "2606:2800:220:1:248:1893:25c8:1946"]],
    "rebind.test": [[PUBLIC], ["127.0.0.1"]],
    "mixed.test": [[PUBLIC, "10.0.0.1"]],
    "nat64.test": [["64:ff9b::10.0.0.1"]],
    "empty.test": [[]],
}


def _resolve(
    host: str, *, allow_private: bool = False, family: int = socket.AF_UNSPEC
) -> list[str]:
    with Nameserver(SCRIPT) as server:
        resolver = PublicResolver(allow_private=allow_private, nameserver=server.address)
        results = asyncio.run(resolver.resolve(host, 443, family=family))
    assert all(r["port"] == 443 and r["hostname"] == host for r in results)
    return [r["host"] for r in results]


def test_the_addresses_returned_are_exactly_those_answered() -> None:
    assert _resolve("public.test") == [PUBLIC, "2606:2800:220:1:248:1893:25c8:1946"]
    assert _resolve("public.test", family=socket.AF_INET) == [PUBLIC]


def test_one_private_address_refuses_the_whole_answer() -> None:
    with pytest.raises(AddressRefused) as refused:
        _resolve("mixed.test")
    assert refused.value.address == "10.0.0.1"


def test_an_aaaa_record_carrying_a_private_ipv4_is_refused() -> None:
    with pytest.raises(AddressRefused):
        _resolve("nat64.test")


def test_each_resolve_is_one_lookup_checked_on_its_own() -> None:
    async def twice(server: Nameserver) -> tuple[list[str], BaseException | None]:
        resolver = PublicResolver(nameserver=server.address)
        first = [r["host"] for r in await resolver.resolve("rebind.test", 80, socket.AF_INET)]
        try:
            await resolver.resolve("rebind.test", 80, socket.AF_INET)
        except AddressRefused as error:
            return first, error
        return first, None

    with Nameserver(SCRIPT) as server:
        first, second = asyncio.run(twice(server))
        asked = list(server.questions)
    assert first == [PUBLIC]
    assert isinstance(second, AddressRefused) and second.address == "127.0.0.1"
    assert asked == [("rebind.test", "A"), ("rebind.test", "A")]


def test_allow_private_returns_private_answers() -> None:
    assert _resolve("mixed.test", allow_private=True) == [PUBLIC, "10.0.0.1"]


@pytest.mark.parametrize("host", ["empty.test", "unknown.test"])
def test_a_name_without_address_is_a_lookup_error(host: str) -> None:
    with pytest.raises(socket.gaierror):
        _resolve(host)


def test_the_system_resolver_is_checked_too() -> None:
    async def run() -> list[str]:
        with pytest.raises(AddressRefused):
            await PublicResolver().resolve("localhost", 80)
        results = await PublicResolver(allow_private=True).resolve("localhost", 80)
        return [r["host"] for r in results]

    assert set(asyncio.run(run())) <= {"127.0.0.1", "::1"}


@pytest.mark.parametrize(
    ("host", "refused"),
    [
        ("127.0.0.1", "127.0.0.1"),
        ("0.0.0.0", "0.0.0.0"),
        ("169.254.169.254", "169.254.169.254"),
        ("::1", "::1"),
        ("::ffff:127.0.0.1", "::ffff:7f00:1"),
        ("fe80::1%25eth0", "fe80::1%25eth0"),
    ],
)
def test_an_address_is_judged_itself_without_a_lookup(host: str, refused: str) -> None:
    with Nameserver(SCRIPT) as server:
        resolver = PublicResolver(nameserver=server.address)
        with pytest.raises(AddressRefused) as error:
            asyncio.run(resolver.resolve(host, 80))
        assert server.questions == []
    assert error.value.address == refused


def test_a_public_address_is_returned_as_itself_and_a_legacy_form_is_no_address() -> None:
    assert _resolve(PUBLIC) == [PUBLIC]
    assert _resolve("2606:2800:220:1:248:1893:25c8:1946") == ["2606:2800:220:1:248:1893:25c8:1946"]
    for legacy in ("127.1", "2130706433", "127.0.0.1."):
        with pytest.raises(socket.gaierror):
            _resolve(legacy)


def _get(url: str, *, allow_private: bool) -> int | BaseException:
    async def run() -> int | BaseException:
        connector = CheckedConnector(resolver=PublicResolver(allow_private=allow_private))
        async with aiohttp.ClientSession(connector=connector) as session:
            try:
                async with session.get(url) as response:
                    return response.status
            except AddressRefused as refused:
                return refused

    return asyncio.run(run())


def test_the_connector_asks_the_resolver_even_for_an_address_in_the_url() -> None:
    # aiohttp's own TCPConnector connects to an address in the URL without any resolver.
    with LocalServer() as server:
        refused = _get(server.url("/secret"), allow_private=False)
        reached = _get(server.url("/allowed"), allow_private=True)
        requested = list(server.requested)
    assert isinstance(refused, AddressRefused) and refused.address == "127.0.0.1"
    assert reached == 200
    assert requested == ["/allowed"]
