"""Secrets stay out of the repository."""

from __future__ import annotations

import subprocess

from bot.settings import ROOT


def test_env_file_is_ignored_by_git() -> None:
    done = subprocess.run(
        ["git", "check-ignore", "--quiet", ".env"], cwd=ROOT, capture_output=True, check=False
    )
    assert done.returncode == 0, "add .env to .gitignore: it holds DISCORD_TOKEN"
