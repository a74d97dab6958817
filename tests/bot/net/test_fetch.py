"""Fetching URLs: the connection goes to the addresses checked, on every hop, never to private ones.

Names are answered by a DNS server on loopback started by each test; connections run on a
pretend internet where ``PUBLIC`` lands on a local stand-in server and nothing else leaves the
machine. The "internal" server on 127.0.0.1 is what an attacker wants indexed.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from urllib.parse import quote

import pytest

from bot.app.render import Renderer
from bot.errors import KiosqueError
from bot.net.fetch import Page, fetch
from bot.settings import Settings
from support.nameserver import Nameserver
from support.network import pretend_internet
from support.web_server import LocalServer

PUBLIC = "93.184.216.34"
FRENCH_WORD = "garçon".encode()


@pytest.fixture
def internal() -> Iterator[LocalServer]:
    with LocalServer() as server:
        yield server


@pytest.fixture
def public() -> Iterator[LocalServer]:
    with LocalServer() as server:
        yield server


def _fetch(
    url: str,
    script: dict[str, list[list[str]]],
    public: LocalServer,
    *,
    allow_private: bool = False,
    tries: int = 1,
) -> tuple[list[Page | KiosqueError], list[tuple[str, int]], list[tuple[str, str]]]:
    """Fetch ``url`` ``tries`` times: the outcomes, the addresses connected to, the questions."""
    settings = Settings(fetch_timeout=5, allow_private_urls=allow_private)

    async def run(nameserver: Nameserver) -> tuple[list[Page | KiosqueError], list]:
        outcomes: list[Page | KiosqueError] = []
        async with pretend_internet({PUBLIC: public.port}) as network:
            for _ in range(tries):
                try:
                    outcomes.append(await fetch(url, settings, nameserver=nameserver.address))
                except KiosqueError as error:
                    outcomes.append(error)
        return outcomes, network.connected

    with Nameserver(script) as nameserver:
        outcomes, connected = asyncio.run(run(nameserver))
        return outcomes, connected, list(nameserver.questions)


def _line(error: KiosqueError) -> str:
    text = Renderer(Settings().prompts_dir).error(error, "en", plain=True)
    assert len(text.splitlines()) == 1, text
    return text


def test_a_rebinding_name_never_gets_a_connection_to_loopback(
    internal: LocalServer, public: LocalServer
) -> None:
    # First lookup public, every later one 127.0.0.1: the old check-then-connect resolved twice.
    url = f"http://rebind.test:{internal.port}/secret"
    script = {"rebind.test": [[PUBLIC], ["127.0.0.1"]]}
    outcomes, connected, questions = _fetch(url, script, public, tries=3)
    first, *later = outcomes
    assert isinstance(first, Page) and FRENCH_WORD in first.data  # from the public stand-in
    for refused in later:
        assert isinstance(refused, KiosqueError)
        assert refused.values["problem"] == "forbidden_url"
        assert "127.0.0.1 is a private or local address" in _line(refused)
    assert connected == [(PUBLIC, internal.port)]
    assert internal.requested == []
    # One lookup per fetch (A, then AAAA): nothing was resolved a second time behind the check.
    assert questions == [("rebind.test", "A"), ("rebind.test", "AAAA")] * 3


def test_an_answer_with_one_private_address_is_refused_whole(
    internal: LocalServer, public: LocalServer
) -> None:
    url = f"http://mixed.test:{internal.port}/secret"
    [outcome], connected, _ = _fetch(url, {"mixed.test": [[PUBLIC, "127.0.0.1"]]}, public)
    assert isinstance(outcome, KiosqueError) and "127.0.0.1" in _line(outcome)
    assert connected == []
    assert internal.requested == []


@pytest.mark.parametrize(
    ("host", "named"),
    [
        ("127.0.0.1", "127.0.0.1"),
        ("10.0.0.1", "10.0.0.1"),
        ("127.1", "127.0.0.1"),
        ("2130706433", "127.0.0.1"),
        ("0x7f.1", "127.0.0.1"),
        ("[::1]", "::1"),
        ("[fd00::1]", "fd00::1"),
        ("[::ffff:10.0.0.1]", "10.0.0.1"),
        ("[::ffff:0:127.0.0.1]", "127.0.0.1"),
        ("[::10.0.0.1]", "10.0.0.1"),
        ("[64:ff9b::10.0.0.1]", "10.0.0.1"),
        ("[64:ff9b:1::127.0.0.1]", "127.0.0.1"),
        ("[2002:a00:1::1]", "10.0.0.1"),
        ("[2001:0:4136:e378:8000:63bf:80ff:fffe]", "127.0.0.1"),
    ],
)
def test_a_url_on_a_private_address_is_refused_before_connecting(
    internal: LocalServer, public: LocalServer, host: str, named: str
) -> None:
    url = f"http://{host}:{internal.port}/secret"
    [outcome], connected, questions = _fetch(url, {}, public)
    assert isinstance(outcome, KiosqueError)
    assert outcome.values["problem"] == "forbidden_url"
    line = _line(outcome)
    assert url in line and named in line
    assert connected == [] and questions == []
    assert internal.requested == []


# Hosts that yarl's IDNA step (UTS 46: NFKC, every dot-like stop a dot) turns into an address:
# aiohttp then connects to that address itself, so the text of the URL is not what to judge.
UNICODE_ADDRESSES = {
    "ideographic full stops U+3002": ("127。0。0。1", "127.0.0.1"),
    "fullwidth digits and full stops": ("１２７．０．０．１", "127.0.0.1"),
    "halfwidth ideographic stops U+FF61": ("127｡0｡0｡1", "127.0.0.1"),
    "any address, ideographic stops": ("0。0。0。0", "0.0.0.0"),
    "cloud metadata, fullwidth stops": ("169．254．169．254", "169.254.169.254"),
    "circled digits": ("①②⑦.0.0.1", "127.0.0.1"),
    "short form in fullwidth digits": ("１２７．１", "127.0.0.1"),
}


@pytest.mark.parametrize(("host", "named"), UNICODE_ADDRESSES.values(), ids=list(UNICODE_ADDRESSES))
def test_a_unicode_host_is_judged_as_the_address_it_becomes(
    internal: LocalServer, public: LocalServer, host: str, named: str
) -> None:
    url = f"http://{host}:{internal.port}/secret"
    [outcome], connected, questions = _fetch(url, {}, public)
    assert isinstance(outcome, KiosqueError), f"{url} was fetched"
    assert outcome.values["problem"] == "forbidden_url"
    line = _line(outcome)
    assert url in line and f"{named} is a private or local address" in line
    assert connected == [] and questions == []
    assert internal.requested == []


@pytest.mark.parametrize("host", ["0。0。0。0", "127｡0｡0｡1", "１２７．０．０．１"])
def test_a_unicode_loopback_host_gets_no_connection_on_real_sockets(
    internal: LocalServer, host: str
) -> None:
    # No pretend internet and the system resolver: 0.0.0.0 too would reach the loopback server.
    url = f"http://{host}:{internal.port}/secret"
    with pytest.raises(KiosqueError) as refused:
        asyncio.run(fetch(url, Settings(fetch_timeout=5)))
    assert refused.value.values["problem"] == "forbidden_url"
    assert internal.requested == []


def test_a_redirect_to_a_unicode_loopback_host_is_refused_naming_the_hop(
    internal: LocalServer, public: LocalServer
) -> None:
    target = f"http://127。0。0。1:{internal.port}/secret"
    url = f"http://news.test/redirect-verbatim?to={quote(target, safe='')}"
    [outcome], connected, _ = _fetch(url, {"news.test": [[PUBLIC]]}, public)
    assert isinstance(outcome, KiosqueError), "the redirect was followed"
    line = _line(outcome)
    assert f"redirect to {target}: 127.0.0.1 is a private or local address" in line
    assert connected == [(PUBLIC, 80)]
    assert internal.requested == []


def test_a_public_address_spelt_in_fullwidth_digits_is_refused(
    internal: LocalServer, public: LocalServer
) -> None:
    # It would reach a public server, but only a disguise writes an address this way.
    disguised = "９３．１８４．２１６．３４"
    url = f"http://{disguised}:{internal.port}/page"
    [outcome], connected, _ = _fetch(url, {}, public)
    assert isinstance(outcome, KiosqueError), f"{url} was fetched"
    assert outcome.values["problem"] == "forbidden_url"
    assert f"{disguised} stands for the address {PUBLIC}" in _line(outcome)
    assert connected == []
    assert public.requested == [] and internal.requested == []


@pytest.mark.parametrize(
    ("host", "asked"),
    [
        ("ｎｅｗｓ．test", "news.test"),
        ("bücher.test", "xn--bcher-kva.test"),
        ("ＢÜＣＨＥＲ。test", "xn--bcher-kva.test"),
    ],
)
def test_a_unicode_name_is_resolved_by_the_checking_resolver_in_its_ascii_form(
    internal: LocalServer, public: LocalServer, host: str, asked: str
) -> None:
    url = f"http://{host}:{internal.port}/page"
    [outcome], connected, questions = _fetch(url, {asked: [[PUBLIC]]}, public)
    assert isinstance(outcome, Page) and FRENCH_WORD in outcome.data  # from the public stand-in
    assert questions == [(asked, "A"), (asked, "AAAA")]
    assert connected == [(PUBLIC, internal.port)]
    assert public.requested == ["/page"] and internal.requested == []


def test_a_unicode_name_answering_loopback_is_refused(
    internal: LocalServer, public: LocalServer
) -> None:
    url = f"http://bücher.test:{internal.port}/secret"
    [outcome], connected, _ = _fetch(url, {"xn--bcher-kva.test": [["127.0.0.1"]]}, public)
    assert isinstance(outcome, KiosqueError)
    assert "127.0.0.1 is a private or local address" in _line(outcome)
    assert connected == [] and internal.requested == []


def test_a_redirect_to_a_private_address_is_refused_naming_the_hop(
    internal: LocalServer, public: LocalServer
) -> None:
    target = f"http://[::ffff:127.0.0.1]:{internal.port}/secret"
    url = f"http://news.test/redirect?to={quote(target, safe='')}"
    [outcome], connected, _ = _fetch(url, {"news.test": [[PUBLIC]]}, public)
    assert isinstance(outcome, KiosqueError)
    line = _line(outcome)
    assert line.startswith(url) and "redirect to http://[::ffff:" in line
    assert "127.0.0.1" in line
    assert connected == [(PUBLIC, 80)]
    assert internal.requested == []


def test_a_redirect_to_a_name_that_turned_private_is_refused(
    internal: LocalServer, public: LocalServer
) -> None:
    # The second hop is another port, so a new connection, so a new lookup: now 127.0.0.1.
    target = f"http://news.test:{internal.port}/secret"
    url = f"http://news.test/redirect?to={quote(target, safe='')}"
    script = {"news.test": [[PUBLIC], ["127.0.0.1"]]}
    [outcome], connected, _ = _fetch(url, script, public)
    assert isinstance(outcome, KiosqueError)
    assert f"redirect to {target}: 127.0.0.1 is a private or local address" in _line(outcome)
    assert connected == [(PUBLIC, 80)]
    assert internal.requested == []


def test_an_unknown_name_cannot_be_downloaded(public: LocalServer) -> None:
    [outcome], connected, _ = _fetch("http://nowhere.test/", {}, public)
    assert isinstance(outcome, KiosqueError)
    assert outcome.values["problem"] == "fetch"
    assert "unknown host nowhere.test" in _line(outcome)
    assert connected == []


def test_allow_private_urls_still_reaches_local_servers(
    internal: LocalServer, public: LocalServer
) -> None:
    script = {"intranet.test": [["127.0.0.1"]]}
    for url in (internal.url("/by-address"), f"http://intranet.test:{internal.port}/by-name"):
        [outcome], connected, _ = _fetch(url, script, public, allow_private=True)
        assert isinstance(outcome, Page) and FRENCH_WORD in outcome.data
        assert connected == [("127.0.0.1", internal.port)]
    assert internal.requested == ["/by-address", "/by-name"]


def test_without_a_nameserver_the_system_resolver_is_checked(internal: LocalServer) -> None:
    url = f"http://localhost:{internal.port}/secret"
    with pytest.raises(KiosqueError) as refused:
        asyncio.run(fetch(url, Settings()))
    assert refused.value.values["problem"] == "forbidden_url"
    assert "private or local address" in _line(refused.value)
    page = asyncio.run(fetch(url, Settings(allow_private_urls=True)))
    assert FRENCH_WORD in page.data
    assert internal.requested == ["/secret"]
