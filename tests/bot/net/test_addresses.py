"""Public or not: IPv4 addresses, IPv6 ones, and the IPv4 address an IPv6 form carries."""

from __future__ import annotations

from ipaddress import IPv4Address, IPv6Address, ip_address

import pytest

from bot.net.addresses import embedded_ipv4, is_public, looks_like_address, written_address

PRIVATE_V4 = "10.0.0.1"
PUBLIC_V4 = "93.184.216.34"


def _teredo(client: str) -> str:
    # Server 65.54.227.120, flags 0x8000, port 0x63bf; the client is stored inverted.
    inverted = ~int(IPv4Address(client)) & 0xFFFFFFFF
    return f"2001:0:4136:e378:8000:63bf:{inverted >> 16:x}:{inverted & 0xFFFF:x}"


def _six_to_four(v4: str) -> str:
    value = int(IPv4Address(v4))
    return f"2002:{value >> 16:x}:{value & 0xFFFF:x}::1"


FORMS = {
    "mapped": lambda v4: f"::ffff:{v4}",
    "translated": lambda v4: f"::ffff:0:{v4}",
    "compatible": lambda v4: f"::{v4}",
    "NAT64": lambda v4: f"64:ff9b::{v4}",
    "local NAT64": lambda v4: f"64:ff9b:1::{v4}",
    "6to4": _six_to_four,
    "Teredo": _teredo,
}
# Forms whose own prefix is not globally reachable, whatever they carry.
NEVER_PUBLIC = {"compatible", "local NAT64", "Teredo"}


@pytest.mark.parametrize("form", FORMS)
@pytest.mark.parametrize("v4", [PRIVATE_V4, PUBLIC_V4, "127.0.0.1", "169.254.169.254"])
def test_each_form_gives_back_the_ipv4_address_it_carries(form: str, v4: str) -> None:
    address = IPv6Address(FORMS[form](v4))
    assert embedded_ipv4(address) == IPv4Address(v4)


@pytest.mark.parametrize("form", FORMS)
@pytest.mark.parametrize("v4", [PRIVATE_V4, "127.0.0.1", "169.254.169.254", "100.64.0.1"])
def test_a_form_carrying_a_private_address_is_not_public(form: str, v4: str) -> None:
    address = IPv6Address(FORMS[form](v4))
    assert not is_public(address)


@pytest.mark.parametrize("form", sorted(set(FORMS) - NEVER_PUBLIC))
def test_a_form_carrying_a_public_address_is_public(form: str) -> None:
    assert is_public(IPv6Address(FORMS[form](PUBLIC_V4)))


@pytest.mark.parametrize("form", sorted(NEVER_PUBLIC))
def test_a_form_on_a_non_global_prefix_is_refused_even_carrying_a_public_address(
    form: str,
) -> None:
    assert not is_public(IPv6Address(FORMS[form](PUBLIC_V4)))


def test_the_teredo_client_is_the_inverted_last_32_bits() -> None:
    address = IPv6Address("2001:0:4136:e378:8000:63bf:3fff:fdd2")
    assert embedded_ipv4(address) == IPv4Address("192.0.2.45")


@pytest.mark.parametrize("text", ["2606:2800:220:1:248:1893:25c8:1946", "2a00:1450:4007:80f::200e"])
def test_a_plain_global_ipv6_address_carries_nothing_and_is_public(text: str) -> None:
    address = IPv6Address(text)
    assert embedded_ipv4(address) is None
    assert is_public(address)


@pytest.mark.parametrize(
    "text",
    [
        "127.0.0.1", "10.1.2.3", "172.16.0.1", "192.168.1.1", "169.254.169.254", "0.0.0.0",
        "100.64.0.1", "224.0.0.1", "255.255.255.255", "::1", "::", "fe80::1", "fd00::1",
        "ff0e::1", "2001:db8::1", "3fff::1", "fe80::1%eth0",
    ],
)
def test_local_private_multicast_and_documentation_addresses_are_not_public(text: str) -> None:
    assert not is_public(ip_address(text))


@pytest.mark.parametrize("text", [PUBLIC_V4, "1.1.1.1", "8.8.8.8"])
def test_public_ipv4_addresses_are_public(text: str) -> None:
    assert is_public(IPv4Address(text))


@pytest.mark.parametrize(
    "host",
    [
        "127.0.0.1", "127.1", "2130706433", "127.0.0.1.", "::1", "fe80::1%25eth0", "0x7f.1",
        "news.test", "xn--bcher-kva.test", "1.2.3.4.example",
    ],
)
def test_an_address_is_what_aiohttp_connects_to_without_a_lookup(host: str) -> None:
    # The fetcher and its resolver must agree with the client on what skips name resolution.
    from aiohttp.helpers import is_ip_address

    assert looks_like_address(host) == is_ip_address(host)


@pytest.mark.parametrize(
    ("host", "address"),
    [
        ("127.0.0.1", "127.0.0.1"),
        ("127.1", "127.0.0.1"),
        ("2130706433", "127.0.0.1"),
        ("0x7f.1", "127.0.0.1"),
        ("127.0.0.1.", "127.0.0.1"),
        ("::ffff:10.0.0.1", "::ffff:a00:1"),
        ("news.test", None),
        ("127。0。0。1", None),  # not what the client sends: yarl makes it 127.0.0.1 first
    ],
)
def test_a_written_address_is_read_as_the_c_library_would(host: str, address: str | None) -> None:
    assert written_address(host) == (None if address is None else ip_address(address))
