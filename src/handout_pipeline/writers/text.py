"""The plain-language TXT writer: UTF-8 text for a phone screen, a patient portal or an SMS thread."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import assert_never

from handout_pipeline.model import (
    BulletList, Handout, Heading, ListItem, Paragraph, Text, Tier, WarningBlock, plain,
)
from handout_pipeline.writers import RenderContext

WIDTH = 40  # columns of a phone held upright
BULLETS = ("• ", "- ")  # top level, nested levels
NEST = "  "  # extra indent per nesting level
# As many marks as the tier is urgent: the tier shows without colour and survives any font.
TIER_MARKS = {Tier.EMERGENCY: "!!!", Tier.URGENT: "!!", Tier.WATCH: "!"}

# Languages written in wide characters that still separate words with spaces: break at spaces only.
_SPACED_WIDE = frozenset({"ko"})
# Never at the start of a line (closing punctuation, small kana, iteration marks) ...
_NO_BREAK_BEFORE = frozenset(
    "、。，．：；？！）］｝〕〉》」』】〙〗〟’”｠»ー…‥・々〻ゝゞ゛゜"
    "ぁぃぅぇぉっゃゅょゎゕゖァィゥェォッャュョヮヵヶ"
    ")]}.,:;?!%")
# ... nor at the end of one (opening punctuation).
_NO_BREAK_AFTER = frozenset("（［｛〔〈《「『【〘〖〝‘“｟«([{")
_NUMBER = re.compile(r"\d+(?:[.,:/]\d+)*%?")
# Whitespace that may end a line; no-break spaces (U+00A0, U+2007, U+202F) are kept as written.
_BREAKING_SPACE = re.compile(r"[^\S\u00a0\u2007\u202f]+")


def write(handout: Handout, ctx: RenderContext) -> bytes:
    """The handout as plain UTF-8 text wrapped for a phone screen."""
    return render(handout, break_words=ctx.language.code not in _SPACED_WIDE).encode("utf-8")


def inputs(ctx: RenderContext) -> list[Path]:
    """This module only: the layout lives in the code."""
    return [Path(__file__)]


def render(handout: Handout, width: int = WIDTH, break_words: bool = True) -> str:
    """The handout as text lines of at most `width` display columns, blocks separated by a blank line."""
    layout = _Layout(width, break_words)
    blocks = [layout.title(handout.title)]
    for section in handout.sections:
        blocks.append(layout.heading(section.heading.text, section.heading.level))
        for block in section.blocks:
            match block:
                case Heading():
                    blocks.append(layout.heading(block.text, block.level))
                case Paragraph():
                    blocks.append(layout.wrap(block.text))
                case BulletList():
                    blocks.append(layout.items(block.items))
                case WarningBlock():
                    blocks.append(layout.warning(block, handout.labels.tier(block.tier)))
                case _:
                    assert_never(block)
    if handout.glossary:
        blocks.append(layout.heading(handout.labels.glossary, 2))
        hanging = " " * display_width(BULLETS[0])
        entries: list[str] = []
        for entry in handout.glossary:  # the term on its own line: no separator that would need translating
            entries += layout.wrap(entry.term, BULLETS[0], hanging)
            entries += layout.wrap(entry.definition, hanging, hanging)
        blocks.append(entries)
    blocks.append(layout.wrap(handout.attribution))
    lines = "\n\n".join("\n".join(line.rstrip() for line in block) for block in blocks if block)
    return lines + "\n"


@dataclass(frozen=True, slots=True)
class _Layout:
    width: int
    break_words: bool

    def wrap(self, text: Text | str, first: str = "", rest: str = "") -> list[str]:
        source = text if isinstance(text, str) else plain(text)
        return wrap(clean(source), self.width, first, rest, self.break_words)

    def title(self, text: Text) -> list[str]:
        lines = self.wrap(text)
        rule = "=" * max((display_width(line) for line in lines), default=0)
        return [rule, *lines, rule] if rule else []

    def heading(self, text: Text | str, level: int) -> list[str]:
        lines = self.wrap(text)
        if level <= 2 and lines:
            lines.append("-" * max(display_width(line) for line in lines))
        return lines

    def items(self, items: tuple[ListItem, ...], depth: int = 0) -> list[str]:
        bullet = NEST * depth + BULLETS[min(depth, len(BULLETS) - 1)]
        hanging = " " * display_width(bullet)
        lines: list[str] = []
        for item in items:
            lines += self.wrap(item.text, bullet, hanging)
            lines += self.items(item.children, depth + 1)
        return lines

    def warning(self, block: WarningBlock, label: str) -> list[str]:
        mark = TIER_MARKS[block.tier]
        lines = self.wrap(f"{mark} {clean(label).upper()} {mark}")
        for intro in block.intros:
            lines += self.wrap(intro.text)
        return lines + self.items(block.items)


def clean(text: str) -> str:
    """Text safe for any screen: control characters dropped, breaking whitespace collapsed to one space."""
    text = _BREAKING_SPACE.sub(" ", text)
    kept = (c for c in text if unicodedata.category(c) not in ("Cc", "Cs") and c not in "\ufffe\uffff")
    return " ".join(part for part in "".join(kept).split(" ") if part)


def char_width(char: str) -> int:
    """Columns a character takes: 2 for wide East Asian characters, 0 for combining and format marks."""
    if unicodedata.category(char) in ("Mn", "Me", "Cf") or "\u1160" <= char <= "\u11ff":
        return 0
    return 2 if unicodedata.east_asian_width(char) in ("W", "F") else 1


def display_width(text: str) -> int:
    """Columns a line takes on a monospaced screen."""
    return sum(char_width(c) for c in text)


def is_wide(char: str) -> bool:
    return unicodedata.east_asian_width(char) in ("W", "F")


@dataclass(frozen=True, slots=True)
class _Atom:
    """A piece of a line that is never broken; `space` says a (droppable) space comes before it."""

    text: str
    space: bool


def wrap(text: str, width: int = WIDTH, first: str = "", rest: str = "", break_words: bool = True) -> list[str]:
    """Lines of at most `width` columns: breaks at spaces, and between wide characters where allowed.

    A word wider than a line is kept whole on a line of its own rather than cut."""
    room = width - display_width(rest)
    lines: list[str] = []
    line, used, empty = first, display_width(first), True
    for atom in _atoms(text, room, break_words):
        size = display_width(atom.text)
        gap = 1 if atom.space and not empty else 0
        if not empty and used + gap + size > width:
            lines.append(line)
            line, used, empty, gap = rest, display_width(rest), True, 0
        line += " " * gap + atom.text
        used += gap + size
        empty = False
    if not empty:
        lines.append(line)
    return lines


def _atoms(text: str, room: int, break_words: bool) -> list[_Atom]:
    atoms: list[_Atom] = []
    for index, word in enumerate(w for w in text.split(" ") if w):
        pieces = _pieces(word) if break_words or display_width(word) > room else [word]
        atoms.append(_Atom(pieces[0], index > 0))
        atoms += (_Atom(piece, False) for piece in pieces[1:])
    glued: list[_Atom] = []
    for atom in atoms:
        before = glued[-1] if glued else None
        if (before is not None and atom.space and _sticks(before.text, atom.text)
                and display_width(before.text) + 1 + display_width(atom.text) <= room):
            glued[-1] = _Atom(f"{before.text} {atom.text}", before.space)
        else:
            glued.append(atom)
    return glued


def _sticks(before: str, after: str) -> bool:
    """Whether a space between two words should not end a line."""
    return bool(_NUMBER.fullmatch(before)                       # "24 hours", "911 if"
                or all(c in _NO_BREAK_BEFORE for c in after)     # French "si :", "Signes :"
                or all(c in _NO_BREAK_AFTER for c in before))    # French "« mot"


def _pieces(word: str) -> list[str]:
    """A space-free word cut where a line may break inside it: next to a wide character."""
    pieces = [word[:1]]
    for before, char in zip(word, word[1:]):
        if ((is_wide(before) or is_wide(char)) and char_width(char) > 0
                and char not in _NO_BREAK_BEFORE and before not in _NO_BREAK_AFTER):
            pieces.append(char)
        else:
            pieces[-1] += char
    return pieces


def searchable(text: str) -> str:
    """Text with line wrapping undone, for finding a sentence in it.

    Whitespace collapses to one space, and a space next to a wide character is dropped, since a line may
    break between two wide characters where the sentence has no space; apply it to both sides."""
    collapsed = " ".join(clean(text).split(" "))
    return "".join(c for i, c in enumerate(collapsed)
                   if c != " " or not (is_wide(collapsed[i - 1]) or is_wide(collapsed[i + 1])))
