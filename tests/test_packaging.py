"""The wheel of ``python -m build``, installed in a fresh virtualenv: a bot that starts.

Slow (about a minute: building, then installing the dependencies from PyPI, or from pip's
cache where it has them); ``pytest -m "not slow"`` leaves it out.
"""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from pathlib import Path
from subprocess import CompletedProcess

import pytest

from bot.settings import _SPEC as SETTINGS_SPEC
from bot.settings import ROOT
from support.bot_process import running_bot

pytestmark = pytest.mark.slow

QUESTION = "Qui a ratifié le traité ?"
# The words that answer "Qui … ?" in bold, the quote otherwise verbatim.
QUOTE = "La chambre haute du **Parlement** russe a récemment ratifié un traité de défense mutuelle"
INSTALL_TIMEOUT = 900


def installed_env(**extra: str) -> dict[str, str]:
    """The environment of a process of the installed bot: no checkout on its path, no setting."""
    # PYTHONPATH may point at this checkout, which would then be imported instead of the wheel.
    read = {key for key, _ in SETTINGS_SPEC.values()} | {"PYTHONPATH"}
    env = {key: value for key, value in os.environ.items() if key not in read}
    return {**env, "PYTHONIOENCODING": "utf-8", **extra}


def pip(python: Path, *args: str) -> None:
    """Run this environment's pip on the interpreter ``python`` (pip's ``--python``)."""
    # The running pip serves both venvs, so neither needs pip of its own: ensurepip costs
    # seconds a venv, and this pip's cache is the one the development environment filled.
    subprocess.run(
        [sys.executable, "-m", "pip", "--python", str(python), "install", "--quiet", *args],
        env=installed_env(), check=True, timeout=INSTALL_TIMEOUT,
    )


def venv(folder: Path) -> Path:
    """A new virtualenv without pip in ``folder``; returns its interpreter."""
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(folder)], check=True)
    return folder / "bin" / "python"


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The ``bin`` folder of a fresh virtualenv where the wheel built from this checkout is."""
    work = tmp_path_factory.mktemp("packaging")
    # build runs in a venv of its own, so the fresh one holds the bot and its dependencies only;
    # pip beside build lets it make its isolated environments without ensurepip.
    tools = venv(work / "tools")
    pip(tools, "build", "pip")
    built = subprocess.run(
        [str(tools), "-m", "build", "--outdir", str(work / "dist"), str(ROOT)],
        env=installed_env(), capture_output=True, text=True, timeout=INSTALL_TIMEOUT, check=False,
    )
    assert built.returncode == 0, built.stdout[-3000:] + built.stderr[-3000:]
    (wheel,) = (work / "dist").glob("kiosque-*.whl")
    python = venv(work / "fresh")
    pip(python, str(wheel))
    return python.parent


def kiosque(bin_dir: Path, folder: Path, *args: str, stdin: str = "") -> CompletedProcess:
    """Run the installed ``kiosque`` script in ``folder`` (an empty one: no .env, no var/)."""
    return subprocess.run(
        [bin_dir / "kiosque", *args],
        cwd=folder, env=installed_env(), input=stdin, capture_output=True, text=True,
        encoding="utf-8", timeout=120, check=False,
    )


def test_the_wheel_carries_the_code_the_templates_the_schemas_and_the_article(
    installed: Path, tmp_path: Path
) -> None:
    probe = "import bot; print(bot.__file__)"
    done = subprocess.run(
        [str(installed / "python"), "-c", probe], cwd=tmp_path, env=installed_env(),
        capture_output=True, text=True, check=True,
    )
    package = Path(done.stdout.strip()).parent
    assert package.is_relative_to(installed.parent), "the checkout was imported, not the wheel"
    shipped = {
        **{p: package / p.relative_to(ROOT / "bot") for p in (ROOT / "bot").rglob("*.py")},
        **{p: package.parent / p.relative_to(ROOT) for p in (ROOT / "index").rglob("*.py")},
        **{p: package / p.relative_to(ROOT) for p in (ROOT / "prompts").rglob("*.j2")},
        **{p: package / p.relative_to(ROOT) for p in (ROOT / "articles").iterdir()},
        **{p: package / p.relative_to(ROOT / "bot") for p in (ROOT / "bot" / "data").iterdir()},
        **{p: package / p.relative_to(ROOT / "bot") for p in (ROOT / "bot").rglob("*.sql")},
    }
    missing = [str(p.relative_to(ROOT)) for p, twin in shipped.items() if not twin.is_file()]
    assert missing == []


def test_chat_answers_from_the_bundled_article(installed: Path, tmp_path: Path) -> None:
    done = kiosque(installed, tmp_path, "chat", stdin=f"{QUESTION}\n/quit\n")
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("Kiosque — La Russie et la Corée du Nord")
    assert f"> {QUOTE}" in done.stdout
    assert "Traceback" not in done.stdout + done.stderr


def test_run_without_a_token_says_how_to_set_one(installed: Path, tmp_path: Path) -> None:
    done = kiosque(installed, tmp_path, "run")
    assert done.returncode == 2
    assert done.stdout == ""
    assert len(done.stderr.splitlines()) == 1
    assert "DISCORD_TOKEN" in done.stderr


def test_run_answers_on_the_loopback_discord(installed: Path, tmp_path: Path) -> None:
    async def scenario() -> str:
        # PYTHONPATH empty: the bot process must not find this checkout.
        bot = running_bot(tmp_path, python=str(installed / "python"), PYTHONPATH="")
        async with bot as (fake, _):
            handle = await fake.send_slash(
                "ask", {"question": QUESTION}, user=fake.guild.member("member")
            )
            return (await handle.response()).content

    assert QUOTE in asyncio.run(scenario())
