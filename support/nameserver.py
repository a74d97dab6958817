"""A scripted DNS server on 127.0.0.1, in a background thread: names that change their answer.

Written with the standard library only, and apart from ``bot.net.dns`` on purpose: the client and
this server check each other's reading of the wire format.
"""

from __future__ import annotations

import ipaddress
import socket
import struct
import threading
from collections import defaultdict
from collections.abc import Sequence

A = 1
AAAA = 28
_HEADER = struct.Struct("!HHHHHH")
_TYPES = {A: "A", AAAA: "AAAA"}


class Nameserver:
    """A DNS server on 127.0.0.1 answering each name from its script, one step per question.

    ``script`` maps a name to the answers of its successive resolutions: the n-th A question
    for a name gets the IPv4 addresses of step n, the n-th AAAA question its IPv6 ones, and the
    last step repeats. Answers have a TTL of 0, as a rebinding attacker's would. Unknown names
    get NXDOMAIN. ``questions`` records each (name, "A" or "AAAA") asked, in order.
    """

    def __init__(self, script: dict[str, Sequence[Sequence[str]]]) -> None:
        self.script = {name.lower().rstrip("."): steps for name, steps in script.items()}
        self.questions: list[tuple[str, str]] = []
        self._asked: defaultdict[tuple[str, int], int] = defaultdict(int)
        self._lock = threading.Lock()
        self._socket = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self._socket.bind(("127.0.0.1", 0))
        self._socket.settimeout(0.1)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, name="stress-dns", daemon=True)

    @property
    def address(self) -> tuple[str, int]:
        """Where to send questions: (host, port)."""
        host, port = self._socket.getsockname()
        return host, port

    def __enter__(self) -> Nameserver:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(5)
        self._socket.close()

    def _serve(self) -> None:
        while not self._stop.is_set():
            try:
                data, peer = self._socket.recvfrom(4096)
            except TimeoutError:
                continue
            except OSError:
                return
            reply = self._reply(data)
            if reply:
                self._socket.sendto(reply, peer)

    def _reply(self, data: bytes) -> bytes | None:
        try:
            ident, _, qdcount, _, _, _ = _HEADER.unpack_from(data)
            name, end = _read_name(data, _HEADER.size)
            qtype, _ = struct.unpack_from("!HH", data, end)
        except (struct.error, IndexError, UnicodeError):
            return None  # not a question this server can read: stay silent
        question = data[_HEADER.size : end + 4]
        steps = self.script.get(name)
        if qdcount != 1 or steps is None:
            return _HEADER.pack(ident, 0x8183, 1, 0, 0, 0) + question  # NXDOMAIN
        with self._lock:
            self.questions.append((name, _TYPES.get(qtype, str(qtype))))
            step = steps[min(self._asked[name, qtype], len(steps) - 1)]
            self._asked[name, qtype] += 1
        records = b"".join(_record(qtype, address) for address in step if _fits(qtype, address))
        count = sum(1 for address in step if _fits(qtype, address))
        return _HEADER.pack(ident, 0x8180, 1, count, 0, 0) + question + records


def _read_name(data: bytes, offset: int) -> tuple[str, int]:
    labels: list[str] = []
    while data[offset]:
        length = data[offset]
        labels.append(data[offset + 1 : offset + 1 + length].decode("ascii"))
        offset += 1 + length
    return ".".join(labels).lower(), offset + 1


def _fits(qtype: int, address: str) -> bool:
    version = ipaddress.ip_address(address).version
    return (qtype, version) in ((A, 4), (AAAA, 6))


def _record(qtype: int, address: str) -> bytes:
    rdata = ipaddress.ip_address(address).packed
    # 0xC00C points back at the question's name; TTL 0 so that nothing may cache the answer.
    return struct.pack("!HHHIH", 0xC00C, qtype, 1, 0, len(rdata)) + rdata
