"""Judge whether an IP address is on the public internet, IPv4 carried inside IPv6 included.

An IPv6 address can route to an IPv4 one (mapped, translated, NAT64, 6to4, Teredo): such an
address is public only if it is global itself and the IPv4 address it carries is public too,
otherwise ``::ffff:10.0.0.1`` or ``64:ff9b::127.0.0.1`` would reach the host's own networks.
Pure functions on ``ipaddress`` values and on hosts as the HTTP client sends them: no I/O.
"""

from __future__ import annotations

import socket
from ipaddress import IPv4Address, IPv6Address, IPv6Network, ip_address

IPAddress = IPv4Address | IPv6Address

MAPPED = IPv6Network("::ffff:0:0/96")
TRANSLATED = IPv6Network("::ffff:0:0:0/96")
COMPATIBLE = IPv6Network("::/96")
NAT64 = IPv6Network("64:ff9b::/96")
NAT64_LOCAL = IPv6Network("64:ff9b:1::/48")
SIX_TO_FOUR = IPv6Network("2002::/16")
TEREDO = IPv6Network("2001::/32")

# IANA lists these as not globally reachable, but the ``ipaddress`` of some Python versions
# still calls them global.
_NOT_GLOBAL = (
    COMPATIBLE,  # deprecated by RFC 4291: nothing routes it any more
    NAT64_LOCAL,  # RFC 8215: local-use translation prefix
    IPv6Network("3fff::/20"),  # RFC 9637: documentation
    IPv6Network("5f00::/16"),  # RFC 9602: segment routing identifiers
)
# Forms that are the IPv4 address itself, written as IPv6: judged on that address alone.
_SAME_ADDRESS = (MAPPED, TRANSLATED)


def embedded_ipv4(address: IPv6Address) -> IPv4Address | None:
    """The IPv4 address that ``address`` routes to, or None for a plain IPv6 address.

    Covers IPv4-mapped (``::ffff:a.b.c.d``), IPv4-translated (``::ffff:0:a.b.c.d``),
    IPv4-compatible (``::a.b.c.d``), NAT64 (``64:ff9b::/96`` and ``64:ff9b:1::/48``, last 32
    bits), 6to4 (``2002:AABB:CCDD::``) and Teredo (the client, inverted in the last 32 bits).
    """
    value = int(address)
    last32 = IPv4Address(value & 0xFFFFFFFF)
    if any(address in network for network in (MAPPED, TRANSLATED, COMPATIBLE)):
        return last32
    if address in NAT64 or address in NAT64_LOCAL:
        return last32
    if address in SIX_TO_FOUR:
        return IPv4Address((value >> 80) & 0xFFFFFFFF)
    if address in TEREDO:
        return IPv4Address(~value & 0xFFFFFFFF)
    return None


def is_public(address: IPAddress) -> bool:
    """Whether ``address`` is a global unicast address, and so is any IPv4 address it carries."""
    if isinstance(address, IPv4Address):
        return address.is_global and not address.is_multicast
    carried = embedded_ipv4(address)
    if carried is not None and not is_public(carried):
        return False
    if any(address in network for network in _SAME_ADDRESS):
        return True  # the carried address was just judged, and it is all there is
    return (
        address.is_global
        and not address.is_multicast
        and not any(address in network for network in _NOT_GLOBAL)
    )


def looks_like_address(host: str) -> bool:
    """Whether aiohttp takes ``host`` (already IDNA-encoded) for an address, not a name."""
    # aiohttp's own test (helpers.is_ip_address): such a host never reaches a resolver's lookup.
    return ":" in host or host.replace(".", "").isdigit()


def written_address(host: str) -> IPAddress | None:
    """The address ``host`` stands for if written as one, legacy IPv4 forms (``127.1``) included.

    ``host`` is the ASCII host the client connects to (IPv6 without brackets), not the URL's text.
    """
    try:
        return ip_address(host)
    except ValueError:
        pass
    if ":" in host:
        return None
    try:
        # inet_aton reads what the C library would connect to: 2130706433, 0x7f.1, 0177.0.0.1.
        return IPv4Address(socket.inet_aton(host.rstrip(".")))
    except (OSError, ValueError):
        return None
