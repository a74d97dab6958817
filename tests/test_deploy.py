"""The deployment examples in ``deploy/`` describe settings Kiosque accepts, and their shard
slices serve every shard exactly once."""

from __future__ import annotations

import re

from bot.settings import ROOT, Settings

DEPLOY = ROOT / "deploy"


def served(slices: list[str], count: str) -> list[int]:
    shards = []
    for ids in slices:
        settings = Settings.load(
            env={"SHARD_IDS": ids, "SHARD_COUNT": count,
                 "DATABASE_URL": "postgresql://kiosque:pw@db:5432/kiosque"},
            dotenv=None,
        )
        assert settings.database_backend == "postgres"
        shards += settings.shard_ids
    return sorted(shards)


def test_the_compose_example_serves_every_shard_once_on_postgres() -> None:
    text = (DEPLOY / "compose.yaml").read_text(encoding="utf-8")
    [count] = re.findall(r'SHARD_COUNT: "(\d+)"', text)
    slices = re.findall(r'SHARD_IDS: "([^"]+)"', text)
    assert len(slices) == 2
    assert served(slices, count) == list(range(int(count)))
    assert "DATABASE_URL: postgresql://" in text


def test_the_systemd_unit_takes_its_slice_from_the_instance_name() -> None:
    unit = (DEPLOY / "systemd" / "kiosque@.service").read_text(encoding="utf-8")
    assert "Environment=SHARD_IDS=%i" in unit
    assert re.search(r"^ExecStart=\S+/kiosque run$", unit, re.MULTILINE)
    instances = re.search(r"systemctl enable --now (.+)", unit).group(1).split()
    slices = [name.removeprefix("kiosque@") for name in instances]
    assert served(slices, "8") == list(range(8))
