"""Validation and construction of the messages the bot creates, mirroring Discord's limits."""

from __future__ import annotations

from typing import Any

from .components import stored_components
from .errors import ApiError, form_error, invalid_form
from .models import (
    EPHEMERAL,
    IS_COMPONENTS_V2,
    SUPPRESS_EMBEDS,
    SUPPRESS_NOTIFICATIONS,
)
from .payloads import now_iso
from .recorder import UploadedFile

__all__ = ["ApiError", "apply_payload", "invalid_form", "mark_edited", "validate_choices",
           "validate_flags", "validate_message"]

JSON = dict[str, Any]

# Fields of a create/edit payload that Discord echoes back in the message object.
ECHOED_FIELDS = ("embeds", "components", "tts", "nonce", "poll", "message_reference")


def validate_message(payload: JSON, files: list[UploadedFile], *, editing: bool = False) -> None:
    """Reject what Discord rejects: empty messages, >2000 chars, oversized embeds, bad buttons."""
    content = payload.get("content")
    if content is not None and len(str(content)) > 2000:
        raise invalid_form("content", "Must be 2000 or fewer in length.")
    embeds = payload.get("embeds") or []
    if len(embeds) > 10:
        raise invalid_form("embeds", "Must be 10 or fewer in length.")
    for index, embed in enumerate(embeds):
        if len(embed.get("title") or "") > 256:
            raise invalid_form(f"embeds.{index}.title", "Must be 256 or fewer in length.")
        if len(embed.get("description") or "") > 4096:
            raise invalid_form(f"embeds.{index}.description", "Must be 4096 or fewer in length.")
        if len(embed.get("fields") or []) > 25:
            raise invalid_form(f"embeds.{index}.fields", "Must be 25 or fewer in length.")
        total = len(embed.get("title") or "") + len(embed.get("description") or "")
        for embed_field in embed.get("fields") or []:
            total += len(embed_field.get("name", "")) + len(embed_field.get("value", ""))
        if total > 6000:
            raise invalid_form(f"embeds.{index}", "Embed size exceeds maximum size of 6000")
    if payload.get("components"):
        stored_components(payload["components"], int(payload.get("flags") or 0))
    has_body = content or embeds or files or payload.get("components") or payload.get("poll")
    if not editing and not has_body and not payload.get("sticker_ids"):
        raise ApiError(400, 50006, "Cannot send an empty message")


# The flags a bot may set on each kind of request (Discord's docs: Create Message, Edit
# Message, Interaction Response, Execute Webhook / follow-up). EPHEMERAL only exists for
# interactions; an edit cannot make a message ephemeral nor silent.
FLAGS_CREATE = SUPPRESS_EMBEDS | SUPPRESS_NOTIFICATIONS | IS_COMPONENTS_V2
FLAGS_EDIT = SUPPRESS_EMBEDS | IS_COMPONENTS_V2
FLAGS_INTERACTION = EPHEMERAL | SUPPRESS_EMBEDS | SUPPRESS_NOTIFICATIONS | IS_COMPONENTS_V2
FLAGS_DEFER = EPHEMERAL


def validate_flags(payload: JSON, allowed: int, where: str = "flags") -> None:
    """Reject a ``flags`` value with a bit this route does not accept (400 50035)."""
    flags = int(payload.get("flags") or 0)
    if flags & ~allowed:
        raise form_error(where.split("."), f"Invalid flags {flags & ~allowed} for this request",
                         code="MESSAGE_FLAGS_INVALID")


def validate_choices(data: JSON) -> list[JSON]:
    """Validate an autocomplete result (callback type 8) and return its choices."""
    choices = data.get("choices")
    if not isinstance(choices, list):
        raise invalid_form("data.choices", "This field is required")
    if len(choices) > 25:
        raise invalid_form("data.choices", "Must be 25 or fewer in length.")
    for index, choice in enumerate(choices):
        if not 1 <= len(str(choice.get("name", ""))) <= 100:
            raise invalid_form(f"data.choices.{index}.name", "Must be between 1 and 100 in length.")
        value = choice.get("value")
        if isinstance(value, str) and len(value) > 100:
            raise invalid_form(f"data.choices.{index}.value", "Must be 100 or fewer in length.")
    return choices


def apply_payload(message: JSON, payload: JSON, attachments: list[JSON]) -> JSON:
    """Copy the echoed fields of a create/edit payload into a message object."""
    if "content" in payload:
        message["content"] = payload["content"] or ""
    for key in ECHOED_FIELDS:
        if key in payload and payload[key] is not None:
            message[key] = payload[key]
    if payload.get("components"):
        message["components"] = stored_components(payload["components"], message["flags"])
    if "attachments" in payload or attachments:
        kept_ids = {str(a.get("id")) for a in payload.get("attachments") or []}
        kept = [a for a in message.get("attachments", []) if a["id"] in kept_ids]
        message["attachments"] = kept + attachments
    return message


def mark_edited(message: JSON) -> JSON:
    """Set the edited timestamp, as Discord does on PATCH."""
    message["edited_timestamp"] = now_iso()
    return message
