"""Recording of every request the bot makes, with awaitable look-ups."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from .components import Button, buttons_of
from .models import EPHEMERAL

DEFAULT_TIMEOUT = 5.0


@dataclass
class UploadedFile:
    """A file part of a multipart/form-data request."""

    field: str
    filename: str | None
    content_type: str | None
    data: bytes


@dataclass
class RecordedRequest:
    """One HTTP request received by the fake, with the parsed body and the answer given."""

    index: int
    method: str
    path: str
    route: str
    params: dict[str, str]
    query: dict[str, str]
    headers: dict[str, str]
    json: Any
    files: list[UploadedFile] = field(default_factory=list)
    status: int = 200
    response: Any = None
    timestamp: float = field(default_factory=time.monotonic)
    response_headers: dict[str, str] = field(default_factory=dict)
    client: str | None = None  # the name in "/c/{client}/api/v10" (FakeDiscord.client_env)

    @property
    def message(self) -> dict[str, Any]:
        """The message-like part of the body (the `data` of an interaction callback)."""
        if self.route == "interaction_callback":
            data = (self.json or {}).get("data")
            return data if isinstance(data, dict) else {}
        return self.json if isinstance(self.json, dict) else {}

    @property
    def callback_type(self) -> int | None:
        """Interaction callback type (4 message, 5 defer, 7 update, 8 autocomplete...)."""
        if self.route != "interaction_callback" or not isinstance(self.json, dict):
            return None
        return self.json.get("type")

    @property
    def content(self) -> str | None:
        """The `content` field of the message body."""
        return self.message.get("content")

    @property
    def flags(self) -> int:
        """The `flags` field of the message body (0 when absent)."""
        return int(self.message.get("flags") or 0)

    @property
    def ephemeral(self) -> bool:
        """Whether the EPHEMERAL (64) flag is set in the body."""
        return bool(self.flags & EPHEMERAL)

    @property
    def allowed_mentions(self) -> dict[str, Any] | None:
        """The raw `allowed_mentions` object sent by the bot, if any."""
        return self.message.get("allowed_mentions")

    @property
    def embeds(self) -> list[dict[str, Any]]:
        """The raw embeds sent by the bot."""
        return self.message.get("embeds") or []

    @property
    def buttons(self) -> list[Button]:
        """The buttons in the body's components (what the bot sent), in reading order."""
        return buttons_of(self.message)

    @property
    def rate_limited(self) -> bool:
        """Whether the fake answered 429 (discord.py retries such a request)."""
        return self.status == 429

    @property
    def ok(self) -> bool:
        """Whether the fake answered with a 2xx status."""
        return 200 <= self.status < 300

    def summary(self) -> str:
        """One line for error messages."""
        body = ""
        if self.content is not None:
            body = f" content={self.content[:60]!r}"
        return f"#{self.index} {self.method} {self.path} [{self.route}] -> {self.status}{body}"


Predicate = Callable[[RecordedRequest], bool]


class Recorder:
    """Append-only list of requests plus a condition to await new ones."""

    def __init__(self) -> None:
        self.requests: list[RecordedRequest] = []
        # The requests of each interaction token (callbacks, follow-ups, @original edits):
        # a burst's thousand handles each wait on their own few requests, not on them all.
        self._by_token: dict[str, list[RecordedRequest]] = {}
        self._cond: asyncio.Condition | None = None

    @property
    def next_index(self) -> int:
        """Index the next recorded request will get."""
        return len(self.requests)

    async def add(self, request: RecordedRequest) -> None:
        """Store a request and wake up waiters."""
        self.requests.append(request)
        if token := request.params.get("token"):
            self._by_token.setdefault(token, []).append(request)
        if self._cond is None:
            self._cond = asyncio.Condition()
        async with self._cond:
            self._cond.notify_all()

    def find_all(self, predicate: Predicate, start: int = 0) -> list[RecordedRequest]:
        """All recorded requests from `start` matching `predicate`."""
        return [r for r in self.requests[start:] if predicate(r)]

    def find(self, predicate: Predicate, start: int = 0) -> RecordedRequest | None:
        """First recorded request from `start` matching `predicate`, or None."""
        return next((r for r in self.requests[start:] if predicate(r)), None)

    async def wait_for(
        self,
        predicate: Predicate,
        *,
        start: int = 0,
        count: int = 1,
        timeout: float = DEFAULT_TIMEOUT,
        what: str = "a request",
        token: str | None = None,
    ) -> list[RecordedRequest]:
        """Wait until `count` requests from `start` match (only among those made with the
        interaction `token`, if given); TimeoutError lists the traffic."""
        if self._cond is None:
            self._cond = asyncio.Condition()
        found: list[RecordedRequest] = []
        scanned = 0

        def done() -> bool:
            # Only the requests added since the last look: a recorded request never changes,
            # and rescanning them all at each new one made a burst's waits quadratic.
            nonlocal scanned
            source = self.requests if token is None else self._by_token.get(token, [])
            found.extend(r for r in source[scanned:] if r.index >= start and predicate(r))
            scanned = len(source)
            return len(found) >= count

        try:
            async with self._cond:
                await asyncio.wait_for(self._cond.wait_for(done), timeout)
        except TimeoutError:
            recent = "\n".join("  " + r.summary() for r in self.requests[-15:]) or "  (none)"
            raise TimeoutError(
                f"fake Discord: no {what} after {timeout}s (got {len(found)}/{count}); "
                f"last requests:\n{recent}"
            ) from None
        return found[:count]
