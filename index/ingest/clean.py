"""Tell article text from page clutter: teasers, ad headlines, comment counters, share prompts."""

from __future__ import annotations

import re
from dataclasses import dataclass

from index.language.analysis import detect_language, terms

# A teaser is a label ("À lire", "Lire aussi", "Read more"), alone or before a headline. After
# a colon or a dash anything is a headline; after a bare space only a capital or a quote starts
# one: "À voir les chiffres publiés lundi, ..." is article text.
_LABEL = (
    r"(?:[àa]\s+lire(?:\s+aussi|\s+également)?|lire\s+(?:aussi|également|la\s+suite)"
    r"|voir\s+aussi|[àa]\s+voir(?:\s+aussi)?|sur\s+le\s+même\s+sujet|notre\s+dossier"
    r"|read\s+(?:also|more)|see\s+also|related(?:\s+articles?|\s+stories)?|also\s+read"
    r"|more\s+on\s+this(?:\s+story)?)"
)
_TEASER = re.compile(
    rf"^{_LABEL}(?:\s*[:\-–—]|\s+(?=(?-i:[\"«“'‘A-ZÀ-ÖØ-Ý0-9]))|\s*$)",
    re.IGNORECASE,
)
_BARE_LABEL = re.compile(rf"^{_LABEL}\s*[:\-–—]?\s*$", re.IGNORECASE)
# A counter is the whole line, or a count "on" the article: "21 avis sur « ... »".
_CALL_TO_ACTION = re.compile(
    r"^(?:\d[\d\s\u00a0\u202f]*\s*(?:avis|commentaires?|réactions?|comments?|replies|réponses?)"
    r"(?:\s+(?:sur|à|au|pour|on|to)\b.*)?"
    r"|(?:partagez|donnez|laissez|publiez)\s+(?:votre|un)\s+(?:avis|commentaire).*"
    r"|(?:laisser|ajouter|écrire)\s+un\s+commentaire.*|réagir.{0,40}|commenter.{0,40}"
    r"|partager(?:\s+(?:cet|l')\s*article)?(?:\s+sur\s+\w+)?\s*:?"
    r"|(?:leave|add|post)\s+a\s+(?:comment|reply).*|share\s+(?:this|your\s+(?:thoughts|opinion)).*"
    r"|publicité|advertisement|sponsored|contenu\s+sponsorisé|abonnez-vous.{0,60}"
    r"|subscribe.{0,60}|newsletter.{0,60})$",
    re.IGNORECASE,
)
_FINAL_PUNCTUATION = '.!?…:;,»"”)'


@dataclass(frozen=True)
class Block:
    """A run of text from the source: a paragraph, a heading or a list item."""

    text: str
    heading: bool = False
    item: bool = False


# A teaser is one headline and a counter one short line; a paragraph that merely starts with
# "À voir" or "3 réponses" is article text.
TEASER_MAX = 200
COUNTER_MAX = 160


def is_clutter_line(text: str) -> bool:
    """Whether a block is a teaser, comment counter or call to comment or share."""
    stripped = " ".join(text.split())
    if len(stripped) <= TEASER_MAX and _TEASER.match(stripped) and _one_sentence(stripped):
        return True
    return len(stripped) <= COUNTER_MAX and bool(_CALL_TO_ACTION.match(stripped))


def _one_sentence(text: str) -> bool:
    return not re.search(r"[.!?…]\s+\S", text.rstrip(".!?… "))


def looks_like_heading(text: str) -> bool:
    """A short line with no final punctuation: a heading if body text follows it."""
    stripped = text.strip()
    return (
        0 < len(stripped) <= 120
        and len(stripped.split()) <= 16
        and stripped[-1] not in _FINAL_PUNCTUATION
        and (stripped[0].isupper() or stripped[0].isdigit())
    )


def clean_blocks(blocks: list[Block], title: str) -> tuple[list[Block], list[str]]:
    """Keep the article's blocks (headings decided here); return them and the dropped clutter."""
    dropped: list[str] = []
    candidates: list[Block] = []
    in_related_list = False
    for block in blocks:
        # The list under a bare "Voir aussi" label is a list of other articles' headlines.
        if in_related_list and block.item:
            dropped.append(block.text)
            continue
        in_related_list = bool(_BARE_LABEL.match(block.text.strip()))
        if is_clutter_line(block.text) or (title and _mentions_title_only(block.text, title)):
            dropped.append(block.text)
        else:
            candidates.append(block)
    language = detect_language(" ".join(b.text for b in candidates[:20]))
    vocabulary = _vocabulary(title, candidates, language)
    kept: list[Block] = []
    for i, block in enumerate(candidates):
        nxt = candidates[i + 1] if i + 1 < len(candidates) else None
        if block.item:
            kept.append(block)
            continue
        explicit = block.heading and looks_like_heading(block.text)
        implicit = not block.heading and looks_like_heading(block.text)
        if not (explicit or implicit):
            kept.append(Block(block.text))
            continue
        followed_by_body = nxt is not None and not _heading_candidate(nxt)
        if followed_by_body or (explicit and nxt is not None):
            kept.append(Block(block.text, heading=True))
        elif _related(block.text, vocabulary, language):
            kept.append(Block(block.text, heading=explicit))
        else:
            dropped.append(block.text)
    while kept and kept[-1].heading:
        dropped.append(kept.pop().text)
    return kept, dropped


def _heading_candidate(block: Block) -> bool:
    return not block.item and looks_like_heading(block.text)


def _mentions_title_only(text: str, title: str) -> bool:
    # "21 avis sur « <title> »" style lines are caught by the patterns; a bare repeat of the
    # title at the foot of the page is clutter too.
    return text.strip().casefold() == title.strip().casefold()


def _vocabulary(title: str, blocks: list[Block], language: str) -> dict[str, int]:
    counts: dict[str, int] = {}
    for text in [title] + [b.text for b in blocks]:
        for term in set(terms(text, language)):
            counts[term] = counts.get(term, 0) + 1
    return counts


def _related(text: str, vocabulary: dict[str, int], language: str) -> bool:
    # An ad headline shares almost nothing with the article around it.
    own = set(terms(text, language))
    if not own:
        return False
    shared = sum(1 for term in own if vocabulary.get(term, 0) > 1)
    return shared / len(own) >= 0.5
