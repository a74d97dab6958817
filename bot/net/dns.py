"""Ask one DNS server for a name's addresses over UDP: the smallest stub resolver that works.

Used when the fetcher is pointed at a nameserver of its own (the tests and ``make stress`` run
one on loopback); in production the system resolver answers instead. Only A and AAAA questions,
one datagram each way, no cache and no TCP fallback: a truncated answer gives the addresses it
holds, all of which are checked like any others.
"""

from __future__ import annotations

import asyncio
import ipaddress
import secrets
import socket
import struct

A = 1
AAAA = 28
_CLASS_IN = 1
_HEADER = struct.Struct("!HHHHHH")
_RECORD = struct.Struct("!HHIH")
_RECURSION_DESIRED = 0x0100
_RESPONSE = 0x8000
_NXDOMAIN = 3


def encode_question(name: str, rtype: int, ident: int) -> bytes:
    """A query datagram asking for the ``rtype`` records of ``name`` (ASCII: IDNA applied)."""
    labels = name.rstrip(".").split(".")
    if not name or not all(0 < len(label) < 64 for label in labels):
        raise socket.gaierror(socket.EAI_NONAME, f"malformed name {name!r}")
    qname = b"".join(bytes([len(label)]) + label.encode("ascii") for label in labels) + b"\0"
    header = _HEADER.pack(ident, _RECURSION_DESIRED, 1, 0, 0, 0)
    return header + qname + struct.pack("!HH", rtype, _CLASS_IN)


def decode_answer(data: bytes, query: bytes) -> list[str]:
    """The addresses in the answer section of ``data``, the reply to ``query``.

    Raises ``socket.gaierror`` for an unknown name or a server failure, and ``ValueError`` for
    a datagram that is not a reply to ``query`` (a stray or forged packet, ignored by the caller).
    """
    if len(data) < _HEADER.size:
        raise ValueError("short datagram")
    ident, flags, qdcount, ancount, _, _ = _HEADER.unpack_from(data)
    question = query[_HEADER.size :]
    if ident != _HEADER.unpack_from(query)[0] or not flags & _RESPONSE or qdcount != 1:
        raise ValueError("not a reply to this query")
    if data[_HEADER.size : _HEADER.size + len(question)].lower() != question.lower():
        raise ValueError("reply to another question")
    rcode = flags & 0x000F
    if rcode == _NXDOMAIN:
        raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")
    if rcode:
        raise socket.gaierror(socket.EAI_AGAIN, f"DNS server failure (rcode {rcode})")
    offset = _HEADER.size + len(question)
    addresses: list[str] = []
    try:
        for _ in range(ancount):
            offset = _skip_name(data, offset)
            rtype, rclass, _, length = _RECORD.unpack_from(data, offset)
            offset += _RECORD.size
            rdata = data[offset : offset + length]
            offset += length
            if len(rdata) != length:
                break  # truncated: keep what came whole
            if rclass == _CLASS_IN and (rtype, length) in ((A, 4), (AAAA, 16)):
                addresses.append(str(ipaddress.ip_address(rdata)))
    except struct.error:
        pass  # truncated in a record header: same as above
    return addresses


async def ask(
    nameserver: tuple[str, int], name: str, rtype: int, timeout: float = 5.0
) -> list[str]:
    """The addresses ``nameserver`` gives for ``name``: one UDP question, A or AAAA."""
    loop = asyncio.get_running_loop()
    family = socket.AF_INET6 if ":" in nameserver[0] else socket.AF_INET
    query = encode_question(name, rtype, secrets.randbits(16))
    with socket.socket(family, socket.SOCK_DGRAM) as sock:
        sock.setblocking(False)
        # A connected UDP socket only receives datagrams from the nameserver itself.
        sock.connect(nameserver)
        await loop.sock_sendall(sock, query)
        async with asyncio.timeout(timeout):
            while True:
                data = await loop.sock_recv(sock, 65535)
                try:
                    return decode_answer(data, query)
                except ValueError:
                    continue


def _skip_name(data: bytes, offset: int) -> int:
    while True:
        if offset >= len(data):
            raise struct.error("name past the end")
        length = data[offset]
        if length & 0xC0 == 0xC0:  # a compression pointer ends the name
            return offset + 2
        offset += 1 + length
        if length == 0:
            return offset
