"""REST handlers for application commands, and the checks Discord makes when a bot syncs them."""

from __future__ import annotations

import re
from collections import Counter
from typing import TYPE_CHECKING, Any

from .errors import ApiError, form_error
from .payloads import command_payload
from .rest_messages import NO_CONTENT, Call

if TYPE_CHECKING:
    from .server import FakeDiscord

JSON = dict[str, Any]
CHAT_INPUT, USER_COMMAND, MESSAGE_COMMAND = 1, 2, 3
SUB_COMMAND, SUB_COMMAND_GROUP = 1, 2
# Per scope: 100 slash commands, 5 user and 5 message context menus.
COMMAND_LIMITS = {CHAT_INPUT: 100, USER_COMMAND: 5, MESSAGE_COMMAND: 5}
LOCALES = frozenset((
    "id da de en-GB en-US es-ES es-419 fr hr it lt hu nl no pl pt-BR ro fi sv-SE vi tr cs el "
    "bg ru uk hi th zh-CN ja zh-TW ko"
).split())
Path = list[str | int]


class CommandRoutes:
    """Global and guild command sync, fetch, edit and delete."""

    server: FakeDiscord

    def _command_scope(self, call: Call) -> list[JSON]:
        if call.params["app_id"] != self.server.application_id:
            raise ApiError(403, 50001, "Missing Access")
        guild_id = call.params.get("guild_id")
        if guild_id is not None and self.server.find_guild(guild_id) is None:
            raise ApiError(404, 10004, "Unknown Guild")
        return self.server.commands.setdefault(guild_id, [])

    def _store_command(
        self, raw: JSON, guild_id: str | None, existing: list[JSON], path: Path
    ) -> JSON:
        validate_command(raw, path)
        name, kind = raw.get("name", ""), raw.get("type", CHAT_INPUT)
        same = [c for c in existing if c["name"] == name and c["type"] == kind]
        # Discord keeps a command's id when it is overwritten under the same name and type.
        return command_payload(raw, self.server.application_id, guild_id,
                               same[0]["id"] if same else None)

    async def _get_commands(self, call: Call) -> Any:
        return self._command_scope(call)

    async def _put_commands(self, call: Call) -> Any:
        scope = self._command_scope(call)
        guild_id = call.params.get("guild_id")
        raws = call.json or []
        new = [self._store_command(raw, guild_id, scope, [index])
               for index, raw in enumerate(raws)]
        _check_counts(new)
        scope[:] = new
        self.server.command_writes[guild_id] += 1
        return new

    async def _post_command(self, call: Call) -> Any:
        scope = self._command_scope(call)
        command = self._store_command(call.json or {}, call.params.get("guild_id"), scope, [])
        new = [c for c in scope if c["id"] != command["id"]] + [command]
        _check_counts(new)
        scope[:] = new
        self.server.command_writes[call.params.get("guild_id")] += 1
        return command

    async def _one_command(self, call: Call) -> Any:
        scope = self._command_scope(call)
        found = [c for c in scope if c["id"] == call.params["command_id"]]
        if not found:
            raise ApiError(404, 10063, "Unknown application command")
        if call.method == "DELETE":
            scope.remove(found[0])
            return NO_CONTENT
        if call.method == "PATCH":
            found[0].update(call.json or {})
        return found[0]


def validate_command(raw: JSON, path: Path) -> None:
    """Reject a command Discord would refuse at sync: names, descriptions, localizations,
    options and choices (the messages are Discord's, the nesting is its error format)."""
    kind = raw.get("type", CHAT_INPUT)
    if kind == CHAT_INPUT:
        _check_name(raw, path)
        _check_description(raw, path)
        _check_options(raw.get("options") or [], [*path, "options"])
        return
    if not 1 <= len(raw.get("name", "")) <= 32:
        raise form_error([*path, "name"], "Must be between 1 and 32 in length.")
    _check_locales(raw.get("name_localizations"), [*path, "name_localizations"], 1, 32)


def _check_counts(commands: list[JSON]) -> None:
    counts = Counter((c["type"], c["name"]) for c in commands)
    if duplicated := [name for (_, name), n in counts.items() if n > 1]:
        raise form_error([], f"Application command names must be unique: {duplicated[0]}",
                         "APPLICATION_COMMANDS_DUPLICATE_NAME")
    per_type = Counter(c["type"] for c in commands)
    for kind, limit in COMMAND_LIMITS.items():
        if per_type[kind] > limit:
            raise ApiError(400, 30032, "Maximum number of application commands reached "
                           f"({limit} of type {kind})")


def _check_name(item: JSON, path: Path) -> None:
    for where, name in [([*path, "name"], item.get("name", ""))] + [
        ([*path, "name_localizations", locale], value)
        for locale, value in (item.get("name_localizations") or {}).items()
    ]:
        if not re.fullmatch(r"[-_\w]{1,32}", str(name)) or name != str(name).lower():
            raise form_error(where, f"Command name is invalid: {name!r}",
                             "APPLICATION_COMMAND_INVALID_NAME")
    _check_locales(item.get("name_localizations"), [*path, "name_localizations"], 1, 32)


def _check_description(item: JSON, path: Path) -> None:
    if not 1 <= len(item.get("description") or "") <= 100:
        raise form_error([*path, "description"], "Must be between 1 and 100 in length.")
    _check_locales(item.get("description_localizations"), [*path, "description_localizations"],
                   1, 100)


def _check_locales(localizations: JSON | None, path: Path, low: int, high: int) -> None:
    for locale, value in (localizations or {}).items():
        if locale not in LOCALES:
            raise form_error([*path, locale], f"Invalid locale: {locale}", "LOCALE_INVALID")
        if value is not None and not low <= len(value) <= high:
            raise form_error([*path, locale], f"Must be between {low} and {high} in length.")


def _check_options(options: list[JSON], path: Path) -> None:
    if len(options) > 25:
        raise form_error(path, "Must be 25 or fewer in length.")
    seen_optional = False
    for index, option in enumerate(options):
        where = [*path, index]
        _check_name(option, where)
        _check_description(option, where)
        if option.get("type") in (SUB_COMMAND, SUB_COMMAND_GROUP):
            _check_options(option.get("options") or [], [*where, "options"])
            continue
        if option.get("required") and seen_optional:
            raise form_error([*where, "required"], "Required options must be placed before "
                             "non-required options", "APPLICATION_COMMAND_OPTIONS_REQUIRED_INVALID")
        seen_optional = seen_optional or not option.get("required")
        choices = option.get("choices") or []
        if choices and option.get("autocomplete"):
            raise form_error([*where, "autocomplete"], "Autocomplete cannot be set with choices")
        if len(choices) > 25:
            raise form_error([*where, "choices"], "Must be 25 or fewer in length.")
        for number, choice in enumerate(choices):
            at = [*where, "choices", number]
            if not 1 <= len(str(choice.get("name", ""))) <= 100:
                raise form_error([*at, "name"], "Must be between 1 and 100 in length.")
            _check_locales(choice.get("name_localizations"), [*at, "name_localizations"], 1, 100)
