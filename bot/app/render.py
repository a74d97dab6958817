"""Render answers, summaries and messages from the jinja2 templates in ``prompts/<lang>/``."""

from __future__ import annotations

import contextlib
import json
import re
import unicodedata
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import jinja2

from bot.app.language import reply_language
from bot.app.replies import Answer, FoundArticles, Reply, SmallTalk, Summary
from bot.errors import KiosqueError

LIMIT = 2000
BREAK = "\x1e"

_MARKDOWN = re.compile(r"([\\*_~|`<>#\[\]])")
_LINE_START = re.compile(r"^(\s*)([-+])(\s)", re.MULTILINE)
_NUMBERED = re.compile(r"^(\s*\d+)\.(\s)", re.MULTILINE)
_MASS_MENTION = re.compile(r"@(everyone|here)", re.IGNORECASE)


class _Break(str):
    """The block separator; a ``str`` subclass that ``escape`` leaves alone."""

    def __new__(cls) -> _Break:
        return super().__new__(cls, BREAK)


class Raw(str):
    """Discord markup the bot writes itself (a command mention ``</ask:id>``): not escaped."""


def _printable(value: Any) -> str:
    if isinstance(value, _Break | Raw):
        return value
    return visible("" if value is None else str(value))


def visible(text: str) -> str:
    """The text without control characters nor invisible format ones (direction overrides
    such as U+202E, zero-width characters): what is echoed reads as it was meant."""
    return "".join(
        ch
        for ch in text
        if ch in "\n\t"
        or (ord(ch) >= 32 and ord(ch) != 127 and unicodedata.category(ch) != "Cf")
    )


def clip(value: Any, limit: int = 120) -> str:
    """A title or a name cut at a word before ``limit`` characters, marked "…" when cut."""
    text = "" if value is None else str(value)
    if len(text) <= limit:
        return text
    return text[:limit].rsplit(" ", 1)[0].rstrip(" ,;:") + "…"


def excerpt(value: Any, limit: int = 300) -> Raw:
    """The text escaped for Discord and cut at a word so that what is *sent* (escapes
    included) is at most ``limit`` characters, marked "…" when cut: a bound on a message's
    length that holds whatever the text (a 5 000-character sentence, a title of asterisks)."""
    text = escape(value)
    if len(text) <= limit:
        return Raw(text)
    cut = text[: limit - 1]
    space = cut.rfind(" ")
    if space > limit // 2:
        cut = cut[:space]
    cut = cut.rstrip(" ,;:")
    # Never end on the backslash of an escape whose character was cut off.
    while cut and _escapes(cut, len(cut)):
        cut = cut[:-1]
    return Raw(cut + "…")


# Private-use characters that mark a bold span while the quote is escaped: escaping leaves
# them alone, so the markers land exactly around the verbatim words, whatever they hold.
_OPEN, _CLOSE = "\ue000", "\ue001"
QUOTE_LIMIT = 1800  # a quote longer than this once escaped goes plain: never cut inside bold


def quoted(passage: Any) -> Raw:
    """A passage's text escaped for Discord, with the words that answer (``passage.bold``,
    offsets in its text) in bold; the text between the markers is the quote, unchanged.

    A span that is not a run of words on one line (spaces at its ends, a line break inside)
    is left plain: Discord would show its asterisks, or a quote line would end inside it.
    """
    text = str(passage.text)
    spans = sorted(tuple(span) for span in getattr(passage, "bold", ()) or ())
    plain = Raw(escape(text))
    if not spans or _OPEN in text or _CLOSE in text:
        return plain
    marked, at = [], 0
    for start, end in spans:
        words = text[start:end]
        if not (at <= start < end <= len(text)) or "\n" in words or words != words.strip():
            return plain
        if not visible(words).strip():
            return plain  # only invisible characters: nothing to show in bold
        marked += [text[at:start], _OPEN, words, _CLOSE]
        at = end
    marked.append(text[at:])
    escaped = escape("".join(marked))
    if len(escaped) > QUOTE_LIMIT:
        return plain
    return Raw(escaped.replace(_OPEN, "**").replace(_CLOSE, "**"))


ECHO_LIMIT = 200


def _cap(value: Any) -> Any:
    if isinstance(value, str) and len(value) > ECHO_LIMIT:
        return value[:ECHO_LIMIT] + "…"
    return value


def escape(value: Any) -> str:
    """Text that Discord shows as typed: no formatting, no mention, no link markup."""
    if value is None:
        return ""
    if isinstance(value, _Break | Raw):
        return value
    text = visible(str(value))
    text = _MARKDOWN.sub(r"\\\1", text)
    text = _LINE_START.sub(r"\1\\\2\3", text)
    text = _NUMBERED.sub(r"\1\\.\2", text)
    return _MASS_MENTION.sub("@\u200b\\1", text)


def split_messages(text: str, limit: int = LIMIT) -> list[str]:
    """Pack blocks (separated by ``BREAK``) into messages of at most ``limit`` characters."""
    blocks = [b.strip("\n") for b in text.split(BREAK)]
    blocks = [b for b in blocks if b.strip()]
    messages: list[str] = []
    current = ""
    for block in blocks:
        for piece in _fit(block, limit):
            candidate = f"{current}\n\n{piece}" if current else piece
            if len(candidate) <= limit:
                current = candidate
            else:
                messages.append(current)
                current = piece
    if current:
        messages.append(current)
    return messages


def _fit(block: str, limit: int) -> list[str]:
    # Only a block longer than a whole message is cut, at line then word boundaries; a quote
    # line cut in two keeps its "> " so that both halves still read as a quote.
    if len(block) <= limit:
        return [block]
    pieces: list[str] = []
    current = ""
    for whole in block.split("\n"):
        line = whole
        prefix = "> " if line.startswith("> ") else ""
        while len(line) > limit:
            cut = line.rfind(" ", 0, limit)
            cut = cut if cut > len(prefix) else limit
            # Never between an escaping backslash and what it escapes ("\#" would become a
            # live heading at the start of the next message).
            while cut > len(prefix) + 1 and _escapes(line, cut):
                cut -= 1
            head, line = line[:cut], prefix + line[cut:].lstrip()
            if current:
                pieces.append(current)
                current = ""
            pieces.append(head)
        candidate = f"{current}\n{line}" if current else line
        if len(candidate) <= limit:
            current = candidate
        else:
            pieces.append(current)
            current = line
    if current:
        pieces.append(current)
    return pieces


def when(value: Any) -> str:
    """A stored ISO timestamp as people read it: ``2026-11-25 12:07`` (UTC)."""
    try:
        moment = datetime.fromisoformat(str(value))
    except ValueError:
        return str(value)
    return moment.strftime("%Y-%m-%d %H:%M")


def grouped(value: Any, separator: str) -> str:
    """A whole number with its thousands apart (``160 000``, ``160,000``); other values as
    they are."""
    text = str(value)
    return f"{int(text):,}".replace(",", separator) if text.isdecimal() else text


def stamp(value: Any) -> int:
    """A stored ISO timestamp as Unix seconds, for a Discord timestamp (``<t:…:d>``)."""
    moment = datetime.fromisoformat(str(value))
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return int(moment.timestamp())


def _escapes(line: str, cut: int) -> bool:
    """Whether the backslashes just before ``cut`` leave one that escapes ``line[cut]``."""
    slashes = len(line[:cut]) - len(line[:cut].rstrip("\\"))
    return slashes % 2 == 1


class _QuietBytecodeCache(jinja2.FileSystemBytecodeCache):
    """Jinja's compiled templates, kept in a per-user temporary folder and keyed by their
    source, so that a new process (``kiosque ask``) need not compile them again (about
    20 ms). It is only a shortcut: one that cannot be read or written is passed by."""

    def load_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        try:
            super().load_bytecode(bucket)
        except Exception:  # unreadable, cut short, spoiled: compile the template instead
            bucket.reset()

    def dump_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        with contextlib.suppress(OSError):
            super().dump_bytecode(bucket)


def _bytecode_cache() -> jinja2.BytecodeCache | None:
    try:
        return _QuietBytecodeCache()
    except (OSError, RuntimeError):  # no private temporary folder to be had
        return None


class Renderer:
    """Templates for each language; every value written into them is escaped."""

    def __init__(self, prompts_dir: Path) -> None:
        self._env = jinja2.Environment(
            loader=jinja2.FileSystemLoader(str(prompts_dir)),
            finalize=escape,
            autoescape=False,
            undefined=jinja2.StrictUndefined,
            keep_trailing_newline=False,
            trim_blocks=True,
            lstrip_blocks=True,
            bytecode_cache=_bytecode_cache(),
        )
        self._env.filters["clip"] = clip
        self._env.filters["excerpt"] = excerpt
        self._env.filters["quoted"] = quoted
        self._env.filters["when"] = when
        self._env.filters["stamp"] = stamp
        self._env.filters["grouped"] = grouped
        self._plain = self._env.overlay(finalize=_printable)
        self._messages: dict[tuple[str, bool], Any] = {}
        self._strings: dict[str, dict[str, str]] = {}
        self.prompts_dir = prompts_dir

    def strings(self, language: str) -> dict[str, str]:
        """The command names and descriptions of a language (``prompts/<lang>/commands.json``),
        keyed by their English text."""
        if language not in self._strings:
            path = self.prompts_dir / language / "commands.json"
            self._strings[language] = json.loads(path.read_text("utf-8")) if path.is_file() else {}
        return self._strings[language]

    def messages(self, template: str, language: str, **values: Any) -> list[str]:
        """A template rendered and split into Discord messages."""
        source = self._env.get_template(f"{reply_language(default=language)}/{template}.md.j2")
        return split_messages(source.render(br=_Break(), **values))

    def message(self, template: str, language: str, **values: Any) -> str:
        """A template that must fit in one Discord message (a page edited in place under its
        buttons): its templates bound every item so that it does; should one still overflow,
        what does not fit is left out and marked "…", never sent past Discord's limit."""
        messages = self.messages(template, language, **values)
        if len(messages) == 1:
            return messages[0]
        return split_messages(messages[0], LIMIT - 2)[0] + "\n…"

    def text(self, template: str, language: str, **values: Any) -> str:
        """A template rendered as one text (console output, one-line messages)."""
        return "\n\n".join(self.messages(template, language, **values))

    def reply(self, reply: Reply) -> list[str]:
        """What ``Kiosque.ask`` replied, as Discord messages, in the reply's language."""
        template, values = _template_of(reply)
        return self.messages(template, reply.language, **values)

    def reply_text(self, reply: Reply) -> str:
        """What ``Kiosque.ask`` replied, as one text (the command line, the console)."""
        return "\n\n".join(self.reply(reply))

    def line(self, macro: str, language: str, /, *, plain: bool = False, **values: Any) -> str:
        """One short message (an error, a refusal, a confirmation) from ``lines.j2``.

        ``plain`` is for a terminal: values are written as they are, not escaped for Discord.
        """
        lang = reply_language(default=language)
        # A refusal may repeat what the user typed (Discord allows 6000 characters in an
        # option): each repeated value is cut so that the line stays one short message.
        values = {k: _cap(v) for k, v in values.items()}
        key = (lang, plain)
        if key not in self._messages:
            env = self._plain if plain else self._env
            self._messages[key] = env.get_template(f"{lang}/lines.j2").module
        return " ".join(str(getattr(self._messages[key], macro)(**values)).split())

    def error(self, error: KiosqueError, language: str, plain: bool = False) -> str:
        """The one line that says what went wrong, from the error's code and values."""
        values = dict(error.values)
        if error.code == "source_error":
            problem = self.line(
                f"problem_{values.pop('problem')}",
                language,
                plain=True,
                detail=values.pop("detail", ""),
                limit=values.pop("limit", ""),
            )
            return self.line("source_error", language, plain=plain, problem=problem, **values)
        return self.line(error.code, language, plain=plain, **values)


def _template_of(reply: Reply) -> tuple[str, dict[str, Any]]:
    """The template of a kind of reply, and the values it is rendered with."""
    match reply:
        case Answer():
            return "answer", {"answer": reply, "question": reply.question[:300]}
        case FoundArticles():
            return "found", {"listing": reply, "question": reply.question[:300]}
        case Summary():
            return "summary", {"summary": reply}
        case SmallTalk():
            return "small_talk", {"talk": reply}
    raise TypeError(f"not a reply: {reply!r}")
