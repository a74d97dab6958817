"""An HTML page's main content as blocks: trafilatura picks the text, the page its headings."""

from __future__ import annotations

from typing import TYPE_CHECKING

from index.ingest.clean import Block

if TYPE_CHECKING:
    from lxml import etree

_HEADINGS = ("h2", "h3", "h4")


def html_blocks(html: str, paragraph_chars: int | None = None) -> tuple[str | None, list[Block]]:
    """Title and blocks of an HTML page's main content (no navigation, comments, share links).

    trafilatura decides what is article text but drops headings on many simple pages; the
    page's own ``<h2>``–``<h4>`` are put back where they stand between kept paragraphs. A
    heading followed by text trafilatura dropped (a "Related articles" box) stays out. A
    paragraph longer than ``paragraph_chars`` (a page that writes its text as lines with
    ``<br>``) is cut at its line breaks into paragraphs that are not.
    """
    import trafilatura  # heavy import, only when an HTML page is indexed
    from lxml import etree

    xml = trafilatura.extract(
        html,
        output_format="xml",
        include_comments=False,
        include_links=False,
        include_images=False,
        include_tables=False,
        with_metadata=True,
        favor_recall=True,
    )
    if not xml:
        return None, []
    root = etree.fromstring(xml.encode("utf-8"))
    title = root.get("title")
    main = root.find("main")
    kept: list[Block] = []
    for node in main.iter("head", "p", "item") if main is not None else ():
        text = _normal("".join(node.itertext()))
        parent = node.getparent()
        if not text or (node.tag == "p" and parent is not None and parent.tag == "item"):
            continue
        if node.tag == "p" and paragraph_chars is not None and len(text) > paragraph_chars:
            kept.extend(Block(part) for part in _joined(_lines(node), paragraph_chars))
            continue
        kept.append(Block(text, heading=node.tag == "head", item=node.tag == "item"))
    blocks = _with_page_headings(html, kept)
    if blocks and title and blocks[0].text == title:
        blocks.pop(0)
    return title, blocks


def _with_page_headings(html: str, kept: list[Block]) -> list[Block]:
    import lxml.html

    try:
        page = lxml.html.fromstring(html)
    except (ValueError, lxml.etree.ParserError):
        return kept
    text_blocks = [b for b in kept if not b.heading]
    out: list[Block] = []
    pending: list[str] = []
    position = 0
    for element in page.iter(*_HEADINGS, "p", "li"):
        text = _normal(element.text_content())
        if not text:
            continue
        if element.tag in _HEADINGS:
            pending.append(text)
            continue
        if position < len(text_blocks) and _same(text, text_blocks[position].text):
            out.extend(Block(h, heading=True) for h in pending)
            out.append(text_blocks[position])
            position += 1
        pending = []
    if position < len(text_blocks) // 2:
        return kept  # the page and trafilatura disagree too much to place headings
    return out + text_blocks[position:]


def _lines(node: etree._Element) -> list[str]:
    """A paragraph's text cut at its line breaks (trafilatura's ``<lb/>``)."""
    lines, current = [], [node.text or ""]
    for child in node:
        if child.tag == "lb":
            lines.append("".join(current))
            current = []
        else:
            current.append("".join(child.itertext()))
        current.append(child.tail or "")
    lines.append("".join(current))
    return [line for line in map(_normal, lines) if line]


def _joined(lines: list[str], most: int) -> list[str]:
    """Lines joined by spaces into runs of at most ``most`` characters (or one longer line)."""
    runs: list[list[str]] = []
    size = most + 1
    for line in lines:
        if size + len(line) > most:
            runs.append([])
            size = -1
        runs[-1].append(line)
        size += len(line) + 1
    return [" ".join(run) for run in runs]


def _normal(text: str) -> str:
    return " ".join(text.replace("\xad", "").split())


def _same(page: str, kept: str) -> bool:
    return page == kept or (len(kept) > 20 and page.startswith(kept[:40]))
