"""The stub DNS client: questions it writes, answers it reads, datagrams it ignores."""

from __future__ import annotations

import asyncio
import socket
import struct

import pytest

from bot.net import dns
from support.nameserver import Nameserver


def _reply(query: bytes, records: list[tuple[int, bytes]], flags: int = 0x8180) -> bytes:
    ident = query[:2]
    question = query[12:]
    body = b"".join(
        struct.pack("!HHHIH", 0xC00C, rtype, 1, 60, len(rdata)) + rdata for rtype, rdata in records
    )
    return ident + struct.pack("!HHHHH", flags, 1, len(records), 0, 0) + question + body


def test_a_question_names_each_label_and_the_type() -> None:
    query = dns.encode_question("www.example.org", dns.AAAA, 0x1234)
    assert query[:2] == b"\x12\x34"
    assert query[12:] == b"\x03www\x07example\x03org\x00\x00\x1c\x00\x01"


@pytest.mark.parametrize("name", ["", "a..b", "x" * 64 + ".example"])
def test_a_malformed_name_is_an_unknown_host(name: str) -> None:
    with pytest.raises(socket.gaierror):
        dns.encode_question(name, dns.A, 1)


def test_an_answer_gives_its_a_and_aaaa_addresses_and_skips_other_records() -> None:
    query = dns.encode_question("example.org", dns.A, 7)
    cname = (5, b"\x03www\xc0\x0c")
    data = _reply(query, [cname, (dns.A, bytes([93, 184, 216, 34])), (dns.AAAA, bytes(15) + b"\1")])
    assert dns.decode_answer(data, query) == ["93.184.216.34", "::1"]


def test_a_truncated_answer_keeps_the_records_that_came_whole() -> None:
    query = dns.encode_question("example.org", dns.A, 7)
    data = _reply(query, [(dns.A, bytes([1, 1, 1, 1])), (dns.A, bytes([8, 8, 8, 8]))])
    assert dns.decode_answer(data[:-2], query) == ["1.1.1.1"]


def test_nxdomain_is_an_unknown_host() -> None:
    query = dns.encode_question("nowhere.test", dns.A, 7)
    with pytest.raises(socket.gaierror):
        dns.decode_answer(_reply(query, [], flags=0x8183), query)


@pytest.mark.parametrize(
    "tamper",
    [
        lambda data: b"\xff\xff" + data[2:],  # another query id
        lambda data: data[:2] + b"\x01\x00" + data[4:],  # a question, not a reply
        lambda data: data[:13] + b"x" + data[14:],  # another name
        lambda data: data[:5],  # too short
    ],
)
def test_a_datagram_that_is_not_the_reply_is_rejected(tamper: object) -> None:
    query = dns.encode_question("example.org", dns.A, 7)
    data = _reply(query, [(dns.A, bytes([10, 0, 0, 1]))])
    with pytest.raises(ValueError):
        dns.decode_answer(tamper(data), query)  # type: ignore[operator]


def test_ask_gets_the_answers_of_a_server_on_loopback() -> None:
    script = {"rebind.test": [["93.184.216.34", "2001:4860::1"], ["127.0.0.1"]]}

    async def run(server: Nameserver) -> list[list[str]]:
        return [
            await dns.ask(server.address, "rebind.test", dns.A),
            await dns.ask(server.address, "rebind.test", dns.AAAA),
            await dns.ask(server.address, "Rebind.Test.", dns.A),
        ]

    with Nameserver(script) as server:
        answers = asyncio.run(run(server))
    assert answers == [["93.184.216.34"], ["2001:4860::1"], ["127.0.0.1"]]


def test_ask_gives_up_on_a_silent_server() -> None:
    silent = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    silent.bind(("127.0.0.1", 0))
    with silent, pytest.raises(TimeoutError):
        asyncio.run(dns.ask(silent.getsockname(), "example.org", dns.A, timeout=0.2))
