"""Message components (action rows, buttons, selects): Discord's limits, ids, and look-ups."""

from __future__ import annotations

import copy
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from .errors import ApiError, invalid_form

JSON = dict[str, Any]

ACTION_ROW, BUTTON, STRING_SELECT, TEXT_INPUT = 1, 2, 3, 4
SELECT_TYPES = (STRING_SELECT, 5, 6, 7, 8)
LINK_STYLE, PREMIUM_STYLE = 5, 6
# Messages flagged IS_COMPONENTS_V2 lay components out freely (containers, sections...).
COMPONENTS_V2 = 1 << 15
MAX_ROWS, MAX_BUTTONS_PER_ROW = 5, 5
MAX_CUSTOM_ID, MAX_LABEL = 100, 80


@dataclass(frozen=True)
class Button:
    """A button as a user sees it on a message: what to press and how it looks."""

    custom_id: str | None
    label: str | None
    style: int
    disabled: bool = False
    url: str | None = None
    emoji: str | None = None
    row: int = 0


def walk(components: list[JSON] | None) -> Iterator[tuple[int, JSON]]:
    """Every component (rows included), depth first, with the index of its top-level row."""
    for row, top in enumerate(components or []):
        stack = [top]
        while stack:
            component = stack.pop(0)
            yield row, component
            children = list(component.get("components") or [])
            for key in ("accessory", "component"):
                if isinstance(component.get(key), dict):
                    children.append(component[key])
            stack[:0] = children


def buttons_of(message: JSON | None) -> list[Button]:
    """The buttons of a message (or a message-like body the bot sent), in reading order."""
    found = []
    for row, component in walk((message or {}).get("components")):
        if component.get("type") != BUTTON:
            continue
        emoji = component.get("emoji") or {}
        found.append(Button(
            custom_id=component.get("custom_id"),
            label=component.get("label"),
            style=int(component.get("style", 1)),
            disabled=bool(component.get("disabled", False)),
            url=component.get("url"),
            emoji=emoji.get("name") if isinstance(emoji, dict) else None,
            row=row,
        ))
    return found


def find_component(message: JSON, custom_id: str) -> JSON:
    """The interactive component with this custom_id; ValueError names the ones there are."""
    for _, component in walk(message.get("components")):
        if component.get("custom_id") == custom_id:
            if component.get("disabled"):
                raise ValueError(f"component {custom_id!r} is disabled: nobody can press it")
            return component
    known = [c["custom_id"] for _, c in walk(message.get("components")) if "custom_id" in c]
    raise ValueError(
        f"message {message.get('id')} has no component {custom_id!r} (custom_ids: {known})"
    )


def stored_components(components: list[JSON], flags: int) -> list[JSON]:
    """Validate components as Discord does and return the copy it stores, with numeric ids."""
    components = copy.deepcopy(components)
    _validate(components, flags)
    used = {c["id"] for _, c in walk(components) if isinstance(c.get("id"), int)}
    next_id = 1
    for _, component in walk(components):
        if "id" not in component:
            # Discord numbers the components it was not given an id for, in order.
            while next_id in used:
                next_id += 1
            component["id"] = next_id
            used.add(next_id)
    return components


def _validate(components: list[JSON], flags: int) -> None:
    v2 = bool(flags & COMPONENTS_V2)
    if not v2 and len(components) > MAX_ROWS:
        raise invalid_form("components", f"Must be {MAX_ROWS} or fewer in length.")
    custom_ids: set[str] = set()
    for index, row in enumerate(components):
        where = f"components.{index}"
        if not v2 and row.get("type") != ACTION_ROW:
            raise invalid_form(f"{where}.type", "Top-level components must be action rows.")
        children = row.get("components") or []
        if row.get("type") == ACTION_ROW and not 1 <= len(children) <= MAX_BUTTONS_PER_ROW:
            raise invalid_form(f"{where}.components", "Must be between 1 and 5 in length.")
    for _, component in walk(components):
        custom_id = component.get("custom_id")
        if custom_id is not None:
            if not 1 <= len(str(custom_id)) <= MAX_CUSTOM_ID:
                raise invalid_form("components.custom_id", "Must be between 1 and 100 in length.")
            if custom_id in custom_ids:
                raise ApiError(400, 50035, "Invalid Form Body", {"components": {"_errors": [
                    {"code": "COMPONENT_CUSTOM_ID_DUPLICATED",
                     "message": f"Component custom id cannot be duplicated: {custom_id}"}]}})
            custom_ids.add(custom_id)
        if component.get("type") == BUTTON:
            _validate_button(component)


def _validate_button(button: JSON) -> None:
    if len(button.get("label") or "") > MAX_LABEL:
        raise invalid_form("components.label", "Must be 80 or fewer in length.")
    style = button.get("style")
    if style == LINK_STYLE:
        if not button.get("url") or "custom_id" in button:
            raise invalid_form("components.url", "A link button needs a url and no custom_id.")
    elif style != PREMIUM_STYLE and not button.get("custom_id"):
        raise invalid_form("components.custom_id", "This field is required")
