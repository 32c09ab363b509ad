"""Inline text: the one parser for source and translated messages (emphasis only, never markup)."""

from __future__ import annotations

import re
import unicodedata

from markdown_it import MarkdownIt

from handout_pipeline.model import Span, Text

PLACEHOLDER = re.compile(r"\{([^{}]*)\}")
PLACEHOLDER_NAME = re.compile(r"[a-z][a-z0-9_]*\Z")

# 'zero' has no HTML, links, images, autolinks, entities or code: untrusted text stays text.
_INLINE = MarkdownIt("zero").enable(["emphasis", "escape", "newline"])


def normalise_space(source: str) -> str:
    """Collapse line breaks and runs of spaces, as a reader of the paragraph would see it."""
    return " ".join(source.split())


def parse_inline(source: str) -> Text:
    """Spans of a message's inline Markdown; anything but **bold** and *emphasis* is literal text."""
    strong = emphasis = False
    spans: list[Span] = []
    for token in _INLINE.parseInline(source)[0].children or []:
        match token.type:
            case "strong_open":
                strong = True
            case "strong_close":
                strong = False
            case "em_open":
                emphasis = True
            case "em_close":
                emphasis = False
            case "softbreak" | "hardbreak":
                _append(spans, Span(" ", strong, emphasis))
            case _:
                _append(spans, Span(token.content, strong, emphasis))
    return tuple(spans)


def _append(spans: list[Span], span: Span) -> None:
    if not span.text:
        return
    if spans and (spans[-1].strong, spans[-1].emphasis, spans[-1].fact) == (span.strong, span.emphasis, None):
        spans[-1] = Span(spans[-1].text + span.text, span.strong, span.emphasis)
    else:
        spans.append(span)


def placeholders_in(source: str) -> list[str]:
    """The names of the `{…}` fields in a message, in order, repeats kept."""
    return [m.group(1) for m in PLACEHOLDER.finditer(source)]


def fill_facts(text: Text, facts: dict[str, str], text_facts: frozenset[str] = frozenset()) -> Text:
    """Replace `{name}` fields by the region's facts; each filled value becomes its own span. A phone number
    keeps its fact name (writers keep it on one line, left to right, and read it digit by digit); a text fact
    (in `text_facts`) is ordinary text."""
    out: list[Span] = []
    for span in text:
        pos = 0
        for m in PLACEHOLDER.finditer(span.text):
            name = m.group(1)
            if name not in facts:
                continue
            if m.start() > pos:
                out.append(Span(span.text[pos:m.start()], span.strong, span.emphasis))
            out.append(Span(facts[name], span.strong, span.emphasis, fact=None if name in text_facts else name))
            pos = m.end()
        if pos < len(span.text):
            out.append(Span(span.text[pos:], span.strong, span.emphasis))
    return tuple(out)


# Letters that draw nothing: Hangul fillers, the Braille blank, Mongolian/Khmer invisibles, the grapheme joiner.
FILLERS = frozenset("\u3164\u115f\u1160\uffa0\u2800\u180e\u17b4\u17b5\u034f")


def real_letters(text: str) -> str:
    """The letters of a text after removing placeholders, format and control characters, fillers and marks."""
    text = unicodedata.normalize("NFC", PLACEHOLDER.sub(" ", text))
    return "".join(ch for ch in text if unicodedata.category(ch).startswith("L") and ch not in FILLERS)
