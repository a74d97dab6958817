"""Hostile sources through ``kiosque index``: one clean line each, the library unchanged."""

from __future__ import annotations

import asyncio
import resource
from pathlib import Path

import pytest

from bot.app.service import Kiosque
from bot.errors import KiosqueError
from bot.settings import Settings
from bot.values import LOCAL
from stress.sources import UNICODE_LOOPBACK, check_sources, run_cli
from support.web_server import LocalServer

# Sources that used to slip through (each also has a test of its own below).
OTHER_SCHEMES = {"file:// URL", "ftp:// URL"}
REDIRECT_TARGETS = {"redirect to file://", "redirect to ftp://"}
MALFORMED_URLS = {
    "URL with a 64-letter host label",
    "URL with an empty host label",
    "malformed IPv6 URL",
    "URL with a port out of range",
}
UNICODE_HOSTS = {f"loopback URL {label}" for label in UNICODE_LOOPBACK} | {
    "private URL 169．254．169．254",
    "private URL 10。0。0。1",
}
KNOWN = OTHER_SCHEMES | REDIRECT_TARGETS | MALFORMED_URLS | UNICODE_HOSTS


def test_every_hostile_source_is_refused_in_one_line_and_changes_nothing(tmp_path: Path) -> None:
    tried, failures = check_sources(tmp_path)
    assert failures == []
    assert tried >= 35 + len(KNOWN)


def test_the_local_server_serves_a_real_article(tmp_path: Path) -> None:
    with LocalServer() as server:
        run = run_cli(tmp_path, "index", server.url("/article"), ALLOW_PRIVATE_URLS="true")
        refused = run_cli(tmp_path, "index", server.url("/article-private"))
    assert run.returncode == 0, run.stderr
    assert refused.returncode == 2
    assert server.requested == ["/article"]


@pytest.mark.parametrize("url", ["file:///etc/passwd", "ftp://127.0.0.1/a.txt", "gopher://x/"])
def test_the_service_refuses_other_schemes(tmp_path: Path, url: str) -> None:
    async def run() -> KiosqueError:
        settings = Settings(database_url=f"sqlite:///{tmp_path / 'k.db'}")
        kiosque = await Kiosque.open(settings, seed=False)
        try:
            await kiosque.index_url(LOCAL, url)
        except KiosqueError as error:
            return error
        finally:
            await kiosque.close()
        raise AssertionError(f"{url} was fetched")

    error = asyncio.run(run())
    assert error.values["problem"] == "forbidden_url"
    assert "scheme" in error.values["detail"]


def test_cli_refuses_other_schemes_naming_them(tmp_path: Path) -> None:
    tried, failures = check_sources(tmp_path, labels=OTHER_SCHEMES, lanes=1)
    assert tried == len(OTHER_SCHEMES)
    assert failures == []


def test_a_refused_redirect_names_the_url_given(tmp_path: Path) -> None:
    tried, failures = check_sources(tmp_path, labels=REDIRECT_TARGETS, lanes=1)
    assert tried == len(REDIRECT_TARGETS)
    assert failures == []


def test_a_malformed_url_is_refused_in_one_line(tmp_path: Path) -> None:
    tried, failures = check_sources(tmp_path, labels=MALFORMED_URLS, lanes=1)
    assert tried == len(MALFORMED_URLS)
    assert failures == []


def test_cli_refuses_unicode_hosts_that_become_private_addresses(tmp_path: Path) -> None:
    # Before issue 20, `kiosque index http://127。0。0。1:PORT/` indexed the loopback page.
    tried, failures = check_sources(tmp_path, labels=UNICODE_HOSTS, lanes=1)
    assert tried == len(UNICODE_HOSTS)
    assert failures == []


def _limit_memory() -> None:
    limit = 1_500_000_000
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))


@pytest.mark.skipif(not Path("/dev/zero").exists(), reason="needs /dev/zero")
def test_a_device_is_refused_without_reading_it_all(tmp_path: Path) -> None:
    import subprocess
    import sys

    from stress.sources import cli_env

    done = subprocess.run(
        [sys.executable, "-m", "bot", "index", "/dev/zero"],
        cwd=tmp_path,
        env=cli_env(tmp_path),
        capture_output=True,
        timeout=60,
        check=False,
        preexec_fn=_limit_memory,
    )
    lines = done.stderr.decode("utf-8", "replace").strip().splitlines()
    assert done.returncode == 2
    assert len(lines) == 1 and "/dev/zero" in lines[0]
