"""Handles returned by the injection helpers, to await what the bot did in response."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .components import Button, buttons_of
from .recorder import DEFAULT_TIMEOUT, Predicate, RecordedRequest

if TYPE_CHECKING:
    from .server import FakeDiscord

# Requests that make an interaction's answer visible to the user.
VISIBLE_CALLBACK_TYPES = (4, 7)


class InteractionHandle:
    """An injected INTERACTION_CREATE; await the callback, follow-ups and edits it triggers.

    The waits skip requests answered 429: discord.py retries them, and the retry is the one
    that counts (`requests` still lists both).
    """

    def __init__(self, fake: FakeDiscord, payload: dict[str, Any], start: int) -> None:
        self.fake = fake
        self.payload = payload
        self.id: str = payload["id"]
        self.token: str = payload["token"]
        self.start = start

    def _mine(self, request: RecordedRequest) -> bool:
        params = request.params
        return params.get("interaction_id") == self.id or params.get("token") == self.token

    @property
    def requests(self) -> list[RecordedRequest]:
        """Every request made so far for this interaction (callback, follow-ups, edits)."""
        return self.fake.recorder.find_all(self._mine, self.start)

    @property
    def original_message(self) -> dict[str, Any] | None:
        """The fake's current copy of the original response message, if one exists (for a
        button press answered with type 6 or 7: the message the button is on)."""
        state = self.fake.interactions[self.id]
        return self.fake.messages.get(state.original_id or "")

    @property
    def buttons(self) -> list[Button]:
        """The buttons of the original response message as it is now."""
        return buttons_of(self.original_message)

    async def _wait(
        self, extra: Predicate, what: str, count: int, timeout: float
    ) -> list[RecordedRequest]:
        return await self.fake.recorder.wait_for(
            lambda r: self._mine(r) and not r.rate_limited and extra(r),
            start=self.start, count=count, timeout=timeout, what=f"{what} for {self.describe()}",
            token=self.token,  # every request about an interaction carries its token
        )

    async def callback(self, timeout: float = DEFAULT_TIMEOUT) -> RecordedRequest:
        """The POST /interactions/{id}/{token}/callback request."""
        found = await self._wait(
            lambda r: r.route == "interaction_callback", "callback", 1, timeout
        )
        return found[0]

    async def followups(
        self, count: int = 1, timeout: float = DEFAULT_TIMEOUT
    ) -> list[RecordedRequest]:
        """The first `count` POST /webhooks/{app}/{token} follow-up requests."""
        return await self._wait(lambda r: r.route == "followup", "follow-up", count, timeout)

    async def followup(self, timeout: float = DEFAULT_TIMEOUT) -> RecordedRequest:
        """The first follow-up request."""
        return (await self.followups(1, timeout))[0]

    async def edit_original(self, timeout: float = DEFAULT_TIMEOUT) -> RecordedRequest:
        """The first PATCH /webhooks/{app}/{token}/messages/@original request."""
        found = await self._wait(
            lambda r: r.route == "webhook_message" and r.method == "PATCH"
            and r.params.get("message_id") == "@original",
            "edit of @original", 1, timeout,
        )
        return found[0]

    async def response(self, timeout: float = DEFAULT_TIMEOUT) -> RecordedRequest:
        """The first request carrying visible content: a type 4/7 callback, a follow-up or an
        edit of @original (after a defer, or a type 6 on a button press)."""

        def visible(r: RecordedRequest) -> bool:
            if r.route == "interaction_callback":
                return r.callback_type in VISIBLE_CALLBACK_TYPES
            return r.route == "followup" or (r.route == "webhook_message" and r.method == "PATCH")

        return (await self._wait(visible, "visible response", 1, timeout))[0]

    async def saying(self, text: str, timeout: float = DEFAULT_TIMEOUT) -> RecordedRequest:
        """The first request of this interaction whose content contains ``text``."""
        return (
            await self._wait(lambda r: text in (r.content or ""), f"{text!r}", 1, timeout)
        )[0]

    async def choices(self, timeout: float = DEFAULT_TIMEOUT) -> list[dict[str, Any]]:
        """The choices of an autocomplete result (callback type 8)."""
        callback = await self.callback(timeout)
        if callback.callback_type != 8:
            raise AssertionError(f"expected an autocomplete result, got {callback.summary()}")
        return callback.message.get("choices", [])

    def describe(self) -> str:
        """Short description for error messages."""
        data = self.payload.get("data", {})
        what = f"/{data['name']}" if "name" in data else f"custom_id {data.get('custom_id')!r}"
        return f"interaction {self.id} (type {self.payload['type']}, {what})"


class MessageHandle:
    """An injected MESSAGE_CREATE; await the bot's messages, reactions or typing after it."""

    def __init__(self, fake: FakeDiscord, payload: dict[str, Any], start: int, delivered: bool):
        self.fake = fake
        self.payload = payload
        self.id: str = payload["id"]
        self.channel_id: str = payload["channel_id"]
        self.start = start
        self.delivered = delivered

    async def replies(
        self, count: int = 1, timeout: float = DEFAULT_TIMEOUT, channel_id: str | None = None
    ) -> list[RecordedRequest]:
        """The first `count` messages the bot posted in the channel (or `channel_id`) since
        (429s left out: their retries count)."""
        target = channel_id or self.channel_id
        return await self.fake.recorder.wait_for(
            lambda r: r.route == "create_message" and r.params.get("channel_id") == target
            and not r.rate_limited,
            start=self.start, count=count, timeout=timeout,
            what=f"bot message in channel {target} after message {self.id}",
        )

    async def reply(
        self, timeout: float = DEFAULT_TIMEOUT, channel_id: str | None = None
    ) -> RecordedRequest:
        """The first message the bot posted in the channel (or `channel_id`) since."""
        return (await self.replies(1, timeout, channel_id))[0]

    async def reaction(self, timeout: float = DEFAULT_TIMEOUT) -> RecordedRequest:
        """The first reaction the bot added to this message."""
        found = await self.fake.recorder.wait_for(
            lambda r: r.route == "add_reaction" and r.params.get("message_id") == self.id,
            start=self.start, timeout=timeout, what=f"reaction on message {self.id}",
        )
        return found[0]
