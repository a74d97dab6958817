"""Turn the bytes of a source (text, Markdown or HTML) into a cleaned, structured article."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import PurePosixPath

from index.errors import SourceError
from index.ingest.clean import Block, clean_blocks, looks_like_heading
from index.ingest.html import html_blocks
from index.ingest.structure import build_article
from index.language.analysis import detect_language
from index.model import Article

TEXT_SUFFIXES = (".txt", ".md", ".markdown", ".text")
HTML_SUFFIXES = (".html", ".htm", ".xhtml")
SUPPORTED = TEXT_SUFFIXES + HTML_SUFFIXES

# The library-wide index numbers a sentence ``article_id << 20 | n``: an article must stay well
# under 2**20 sentences. 100 000 is a book of some two million words; a news article has
# hundreds. A paragraph of 20 000 characters is some 3 500 words, several pages.
MAX_SENTENCES = 100_000
MAX_PARAGRAPH_CHARS = 20_000


@dataclass(frozen=True)
class Limits:
    """The most one source may make; beyond, it is refused before anything is built."""

    sentences: int = MAX_SENTENCES
    paragraph_chars: int = MAX_PARAGRAPH_CHARS


_MARKDOWN_HEADING = re.compile(r"^\s{0,3}#{1,6}\s+(.*)$")  # closing #s: see _heading_text
_MARKDOWN_BULLET = re.compile(r"^\s*(?:[-*+•‣▪◦·]|\d+[.)])\s+")
_BULLET_CHARS = "•‣▪◦·-*+–—"


def kind_of(name: str, content_type: str | None = None, data: bytes = b"") -> str:
    """``"html"`` or ``"text"`` from a file name, a MIME type or a sniff of the bytes."""
    lowered = name.lower()
    if lowered.endswith(HTML_SUFFIXES):
        return "html"
    if lowered.endswith(TEXT_SUFFIXES):
        return "text"
    ctype = (content_type or "").split(";")[0].strip().lower()
    if ctype in ("text/html", "application/xhtml+xml"):
        return "html"
    if ctype.startswith("text/"):
        return "text"
    if ctype and ctype != "application/octet-stream":
        raise SourceError("unsupported_type", ctype)
    suffix = PurePosixPath(lowered).suffix
    if suffix and name != "-":
        raise SourceError("unsupported_type", suffix)
    head = data[:1024].lstrip().lower()
    return "html" if head.startswith((b"<!doctype html", b"<html")) else "text"


def decode(data: bytes, charset: str | None = None) -> str:
    """Text from UTF-8 (with or without BOM), UTF-16 (a BOM, a declared charset, or the zero
    bytes of ASCII-range text) or Windows-1252/Latin-1 bytes; binary is refused."""
    utf16 = _utf16(data, charset)
    if utf16 is not None:
        try:
            text = data.decode(utf16)
        except UnicodeDecodeError:
            raise SourceError("binary") from None
        text = text.removeprefix("\ufeff")
    else:
        if b"\x00" in data[:8192]:
            raise SourceError("binary")
        if data.startswith(b"\xef\xbb\xbf"):
            data = data[3:]
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError:
            text = data.decode("cp1252", errors="replace").replace("\ufffd", "")
            if _looks_binary(text):
                raise SourceError("binary") from None
    if _looks_binary(text):
        raise SourceError("binary")
    return text.replace("\r\n", "\n").replace("\r", "\n")


def _utf16(data: bytes, charset: str | None) -> str | None:
    """The UTF-16 codec the bytes are in, if they are."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return "utf-16"  # the BOM tells the byte order
    declared = (charset or "").strip().lower().replace("_", "-")
    if declared in ("utf-16", "utf-16le", "utf-16be"):
        return declared
    # Without a BOM: text in the ASCII range has a zero byte in every other position.
    sample = data[:4096]
    if len(sample) >= 16 and len(sample) % 2 == 0:
        even, odd = sample[0::2], sample[1::2]
        if odd.count(0) > 0.8 * len(odd) and even.count(0) < 0.05 * len(even):
            return "utf-16-le"
        if even.count(0) > 0.8 * len(even) and odd.count(0) < 0.05 * len(odd):
            return "utf-16-be"
    return None


def _looks_binary(text: str) -> bool:
    sample = text[:8192]
    if not sample:
        return False
    controls = sum(1 for ch in sample if ord(ch) < 32 and ch not in "\n\r\t\f")
    return controls / len(sample) > 0.02


def text_blocks(
    text: str, titled: bool = False, limits: Limits = Limits()
) -> tuple[str | None, list[Block]]:
    """Title (first non-empty line, unless ``titled``) and blocks of plain text or Markdown.

    Paragraphs are split on blank lines; list items and Markdown headings are blocks of
    their own, and a heading-like first line glued to its paragraph is split off. A file
    written without blank lines (a paragraph per line) would be one paragraph: lines are
    joined up to ``limits.paragraph_chars`` only, the next one starts a paragraph. More
    blocks than ``limits.sentences`` (each makes a sentence at least) is refused at once.
    """
    blocks: list[Block] = []
    title: str | None = None
    paragraph: list[str] = []
    size = 0

    def flush() -> None:
        nonlocal size
        if len(paragraph) > 1 and looks_like_heading(paragraph[0]):
            blocks.append(Block(paragraph.pop(0)))
        if paragraph:
            blocks.append(Block(" ".join(paragraph)))
            paragraph.clear()
        size = 0

    for line in text.split("\n"):
        if len(blocks) > limits.sentences:
            raise SourceError("too_many_paragraphs", limit=limits.sentences)
        stripped = line.strip()
        if not stripped:
            flush()
            continue
        heading = _MARKDOWN_HEADING.match(line)
        if title is None and not titled:
            title = _heading_text(heading) if heading else stripped
            continue
        if heading:
            flush()
            blocks.append(Block(_heading_text(heading), heading=True))
        elif _MARKDOWN_BULLET.match(line) or stripped[0] in "•‣▪◦":
            flush()
            item = _MARKDOWN_BULLET.sub("", line, count=1).strip().lstrip(_BULLET_CHARS).strip()
            if item:
                blocks.append(Block(item, item=True))
        else:
            if paragraph and size + len(stripped) > limits.paragraph_chars:
                flush()
            paragraph.append(stripped)
            size += len(stripped) + 1
    flush()
    if len(blocks) > limits.sentences:
        raise SourceError("too_many_paragraphs", limit=limits.sentences)
    return title, blocks


def _heading_text(heading: re.Match[str]) -> str:
    """A Markdown heading's text without its closing ``#``s; stripped here rather than by a
    lazy pattern, which took time quadratic in a long line of spaces."""
    return heading.group(1).rstrip().rstrip("#").rstrip()


def _charset(content_type: str | None) -> str | None:
    match = re.search(r"charset\s*=\s*\"?([\w-]+)", content_type or "", re.IGNORECASE)
    return match.group(1) if match else None


def parse_article(
    data: bytes,
    name: str,
    *,
    content_type: str | None = None,
    title: str | None = None,
    limits: Limits = Limits(),
) -> Article:
    """Read, clean and structure one source; ``name`` is used to guess its type.

    A source beyond ``limits`` is refused (``SourceError``) as soon as that is known: too
    many blocks while they are read, a paragraph too long before any is cut into sentences,
    too many sentences once they are counted.
    """
    kind = kind_of(name, content_type, data)
    text = decode(data, _charset(content_type))
    if kind == "html":
        found_title, blocks = html_blocks(text, limits.paragraph_chars)
        if len(blocks) > limits.sentences:
            raise SourceError("too_many_paragraphs", limit=limits.sentences)
    else:
        found_title, blocks = text_blocks(text, titled=bool(title), limits=limits)
    longest = max((len(block.text) for block in blocks), default=0)
    if longest > limits.paragraph_chars:
        raise SourceError("paragraph_too_long", str(longest), limits.paragraph_chars)
    title = " ".join((title or found_title or "").split())
    kept, dropped = clean_blocks(blocks, title)
    if not kept:
        raise SourceError("clutter_only" if dropped else "empty")
    if not title:
        title = kept.pop(0).text if len(kept) > 1 else kept[0].text[:80]
    language = detect_language(" ".join(block.text for block in kept[:20]))
    return build_article(title, kept, language, dropped, most=limits.sentences)
