"""The rebinding scenario of ``make stress``: every case safe, and the scenario able to fail."""

from __future__ import annotations

import asyncio

from stress.rebinding import CARRYING_LOOPBACK, PUBLIC, UNICODE_ADDRESSES, cases, check_rebinding
from support.nameserver import Nameserver
from support.network import pretend_internet
from support.web_server import LocalServer


def test_every_rebinding_case_is_refused_or_reaches_only_the_public_address() -> None:
    tried, failures = check_rebinding()
    assert failures == []
    assert tried >= 6 + 2 * len(CARRYING_LOOPBACK) + len(UNICODE_ADDRESSES) + 4


def test_the_unicode_hosts_of_the_issue_are_all_tried() -> None:
    # Issue 20: each of these was fetched from loopback (or connected to) before the fix.
    with LocalServer() as internal:
        urls = [case.url for case in cases(internal, internal.port)]
    issue = ["127。0。0。1", "１２７．０．０．１", "127｡0｡0｡1", "0。0。0。0", "169．254．169．254"]
    for host in issue:
        assert any(f"//{host}:" in url for url in urls), host
    assert any("redirect-verbatim" in url for url in urls)


def test_the_nameserver_plays_its_script_and_the_last_step_repeats() -> None:
    from bot.net import dns

    async def ask(server: Nameserver) -> list[list[str]]:
        return [await dns.ask(server.address, "rebind.test", dns.A) for _ in range(3)]

    with Nameserver({"rebind.test": [[PUBLIC], ["127.0.0.1"]]}) as server:
        assert asyncio.run(ask(server)) == [[PUBLIC], ["127.0.0.1"], ["127.0.0.1"]]


def test_the_pretend_internet_reroutes_public_and_refuses_the_rest() -> None:
    async def run(public: LocalServer) -> tuple[bytes, str, list[tuple[str, int]]]:
        async with pretend_internet({PUBLIC: public.port}) as network:
            reader, writer = await asyncio.open_connection(PUBLIC, 80)
            writer.write(b"GET /hello HTTP/1.0\r\nHost: x\r\n\r\n")
            answer = await reader.read()
            writer.close()
            try:
                await asyncio.open_connection("198.51.100.7", 80)
            except OSError as error:
                refused = str(error)
            else:
                refused = "connected"
        return answer, refused, network.connected

    with LocalServer() as public:
        answer, refused, connected = asyncio.run(run(public))
        assert public.requested == ["/hello"]
    assert answer.startswith(b"HTTP/1.0 200")
    assert "pretend internet" in refused
    assert connected == [(PUBLIC, 80), ("198.51.100.7", 80)]
