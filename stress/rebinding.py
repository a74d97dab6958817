"""Names and addresses that turn private: DNS rebinding, mixed answers, IPv4 inside IPv6, and
Unicode hosts that the client's IDNA step turns into an address (``127。0。0。1``).

Each case fetches a URL in-process through ``bot.net.fetch`` with names answered by a scripted
``support.nameserver`` on loopback, on a ``support.network`` pretend internet where the public
address ``PUBLIC`` lands on a local stand-in server and nothing else leaves the machine. The
"internal" server on 127.0.0.1 plays the service an attacker wants indexed: the only request it
may ever see is the one made with ``ALLOW_PRIVATE_URLS`` on.
"""

from __future__ import annotations

import asyncio
from typing import NamedTuple
from urllib.parse import quote

from bot.app.render import Renderer
from bot.errors import KiosqueError
from bot.net.fetch import fetch
from bot.settings import Settings
from support.nameserver import Nameserver
from support.network import PretendInternet, pretend_internet
from support.web_server import LocalServer

PUBLIC = "93.184.216.34"  # stands for a public web server; never reached, rerouted locally
LOOPBACK = "127.0.0.1"
# The IPv6 forms of 127.0.0.1 that an attacker's AAAA record or URL can use.
CARRYING_LOOPBACK = {
    "mapped": "::ffff:127.0.0.1",
    "translated": "::ffff:0:127.0.0.1",
    "compatible": "::127.0.0.1",
    "NAT64": "64:ff9b::127.0.0.1",
    "local NAT64": "64:ff9b:1::127.0.0.1",
    "6to4": "2002:7f00:1::1",
    "Teredo": "2001:0:4136:e378:8000:63bf:80ff:fffe",
}

# Hosts written in other digits or dots: yarl's IDNA step (NFKC) makes them the address after
# the arrow, which aiohttp connects to without a lookup unless the fetcher judges it.
UNICODE_ADDRESSES = {
    "ideographic full stops U+3002": ("127。0。0。1", LOOPBACK),
    "fullwidth digits and full stops": ("１２７．０．０．１", LOOPBACK),
    "halfwidth ideographic stops U+FF61": ("127｡0｡0｡1", LOOPBACK),
    "any address, ideographic stops": ("0。0。0。0", "0.0.0.0"),
    "cloud metadata, fullwidth stops": ("169．254．169．254", "169.254.169.254"),
    "circled digits": ("①②⑦.0.0.1", LOOPBACK),
    "short form, fullwidth digits": ("１２７．１", LOOPBACK),
}
UNICODE_NAME = "bücher.test"  # asked as xn--bcher-kva.test


def _name(form: str) -> str:
    return f"{form.replace(' ', '-').lower()}.test"


SCRIPT: dict[str, list[list[str]]] = {
    "rebind.test": [[PUBLIC], [LOOPBACK]],
    "hop.test": [[PUBLIC], [LOOPBACK]],
    "public.test": [[PUBLIC]],
    "both.test": [[PUBLIC, LOOPBACK]],
    "loopback.test": [[LOOPBACK]],
    "news.test": [[PUBLIC]],
    "xn--bcher-kva.test": [[PUBLIC]],
    **{_name(form): [[v6]] for form, v6 in CARRYING_LOOPBACK.items()},
}


class Case(NamedTuple):
    """One fetch: its URL, whether private URLs are allowed, and what must come of it.

    ``refused`` is a word the one-line refusal must contain; None means the page must come
    from ``source``: "public" (the stand-in) or "internal" (with ``allow_private``).
    """

    label: str
    url: str
    refused: str | None = None
    source: str = "public"
    allow_private: bool = False


def cases(internal: LocalServer, other_port: int) -> list[Case]:
    """The cases, in the order they must run (a rebinding name changes at its second lookup)."""
    port = internal.port

    def on(host: str, path: str = "/secret", at: int = port) -> str:
        return f"http://{host}:{at}{path}"

    def redirect(target: str) -> str:
        return on("public.test", f"/redirect?to={quote(target, safe='')}")

    found = [
        Case("rebinding name, first lookup: only the public address", on("rebind.test")),
        Case("rebinding name, second lookup: refused", on("rebind.test"), refused=LOOPBACK),
        Case(
            "redirect to the same name, turned loopback",
            on("hop.test", f"/redirect?to={quote(on('hop.test', at=other_port), safe='')}"),
            refused="redirect to",
        ),
        Case("answer mixing public and loopback", on("both.test"), refused=LOOPBACK),
        Case("redirect to a literal loopback", redirect(on(LOOPBACK)), refused="redirect to"),
        Case("redirect to a loopback name", redirect(on("loopback.test")), refused="redirect to"),
        Case(
            "redirect to mapped IPv6 loopback",
            redirect(on("[::ffff:127.0.0.1]")),
            refused="redirect to",
        ),
    ]
    for form, (host, address) in UNICODE_ADDRESSES.items():
        refusal = f"{address} is a private or local address"
        found.append(Case(f"URL host, {form}", on(host), refused=refusal))
    found += [
        Case(
            "redirect to ideographic-dot loopback, Location verbatim",
            on("public.test", f"/redirect-verbatim?to={quote(on('127。0。0。1'), safe='')}"),
            refused=f"redirect to {on('127。0。0。1')}: {LOOPBACK}",
        ),
        Case(
            "public address in fullwidth digits", on("９３．１８４．２１６．３４"), refused=PUBLIC
        ),
        Case("fullwidth public name, asked in ASCII", on("ｎｅｗｓ．test", "/page")),
        Case("Unicode public name, asked as xn--", on(UNICODE_NAME, "/page")),
    ]
    for form, v6 in CARRYING_LOOPBACK.items():
        found.append(Case(f"AAAA record, {form} loopback", on(_name(form)), refused=LOOPBACK))
        found.append(Case(f"URL host, {form} loopback", on(f"[{v6}]"), refused=LOOPBACK))
    found.append(
        Case(
            "loopback name with ALLOW_PRIVATE_URLS",
            on("loopback.test", "/allowed"),
            source="internal",
            allow_private=True,
        )
    )
    return found


async def _outcome(
    case: Case, nameserver: Nameserver, network: PretendInternet, renderer: Renderer
) -> list[str]:
    settings = Settings(fetch_timeout=5, allow_private_urls=case.allow_private)
    before = len(network.connected)
    try:
        page = await fetch(case.url, settings, nameserver=nameserver.address)
    except KiosqueError as error:
        text = renderer.error(error, "en", plain=True)
        problems = [] if len(text.splitlines()) == 1 else [f"refusal on many lines: {text!r}"]
        if case.refused is None:
            return [*problems, f"not fetched: {text!r}"]
        if error.values.get("problem") != "forbidden_url" or case.refused not in text:
            problems.append(f"refusal does not say {case.refused}: {text!r}")
        return problems
    if case.refused is not None:
        return [f"fetched {page.url} instead of refusing"]
    connected = {host for host, _ in network.connected[before:]}
    wanted = {"public": PUBLIC, "internal": LOOPBACK}[case.source]
    if connected != {wanted}:
        return [f"connected to {sorted(connected)}, not only {wanted}"]
    return [] if "garçon".encode() in page.data else [f"unexpected page: {page.data[:80]!r}"]


async def _run(internal: LocalServer, public: LocalServer, other: LocalServer) -> list[str]:
    renderer = Renderer(Settings().prompts_dir)
    failures: list[str] = []
    with Nameserver(SCRIPT) as nameserver:
        async with pretend_internet({PUBLIC: public.port}) as network:
            for case in cases(internal, other.port):
                problems = await _outcome(case, nameserver, network, renderer)
                failures += [f"{case.label}: {problem}" for problem in problems]
    return failures


def check_rebinding() -> tuple[int, list[str]]:
    """Run every case; the number tried and one line per failure (none if all were safe)."""
    with LocalServer() as internal, LocalServer() as public, LocalServer() as other:
        failures = asyncio.run(_run(internal, public, other))
        tried = len(cases(internal, other.port))
        hits = [path for path in internal.requested + other.requested if path != "/allowed"]
    if hits:
        failures.append(f"the loopback servers were reached: {hits}")
    return tried, failures
