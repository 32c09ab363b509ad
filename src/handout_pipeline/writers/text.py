"""The plain-language TXT writer: UTF-8 text for a phone screen, a patient portal or an SMS thread."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import assert_never

from handout_pipeline.model import (
    BulletList, Handout, Heading, ListItem, Paragraph, Text, WarningBlock, plain,
)
from handout_pipeline.writers import RenderContext

WIDTH = 40  # columns of a phone held upright: for wrap(), which callers may still use; the file is not wrapped
BULLETS = ("• ", "- ")  # top level, nested levels
NEST = "  "  # extra indent per nesting level

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
# A tier label and its first intro share a line: "EMERGENCY: Call 911 now if:". Languages whose label
# colon is full width (Chinese) use it; the colon itself is not a word and needs no translation.
_COLON = {"zh_Hans": "：", "zh_Hant": "："}


def write(handout: Handout, ctx: RenderContext) -> bytes:
    """The handout as plain UTF-8 text: one paragraph or list item per line, for any screen and reader."""
    text = render(handout, colon=_COLON.get(ctx.language.code, ": "))
    if ctx.draft:  # the first line, before the title: not yet reviewed by a qualified medical translator
        text = f"{handout.labels.draft}\n\n{text}"
    return text.encode("utf-8")


def inputs(ctx: RenderContext) -> list[Path]:
    """This module only: the layout lives in the code."""
    return [Path(__file__)]


def render(handout: Handout, colon: str = ": ") -> str:
    """The handout as text: one line per paragraph, heading or list item, blocks separated by a blank line.

    No hard wrap (a phone with larger type reflows lines itself) and no rule lines or runs of marks, which
    screen readers read aloud: headings are plain lines, tier labels plain words."""
    blocks: list[list[str]] = [[line(handout.title)]]
    blocks += [[line(p.text)] for p in handout.lead]
    for section in handout.sections:
        blocks.append([line(section.heading.text)])
        for block in section.blocks:
            match block:
                case Heading():
                    blocks.append([line(block.text)])
                case Paragraph():
                    blocks.append([line(block.text)])
                case BulletList():
                    blocks.append(items(block.items))
                case WarningBlock():
                    blocks.append(warning(block, handout.labels.tier(block.tier), colon))
                case _:
                    assert_never(block)
    if handout.glossary:
        blocks.append([line(handout.labels.glossary)])
        hanging = " " * len(BULLETS[0])
        entries: list[str] = []
        for entry in handout.glossary:  # the term on its own line: no separator that would need translating
            entries += [BULLETS[0] + line(entry.term), hanging + line(entry.definition)]
        blocks.append(entries)
    blocks.append([line(handout.attribution)])
    text = "\n\n".join("\n".join(ln.rstrip() for ln in block if ln.strip()) for block in blocks
                        if any(ln.strip() for ln in block))
    return text + "\n"


def line(text: Text | str) -> str:
    """Text (spans or a string) as one clean line."""
    return clean(text if isinstance(text, str) else plain(text))


def items(list_items: tuple[ListItem, ...], depth: int = 0) -> list[str]:
    """One line per list item, nested items indented under their parent."""
    bullet = NEST * depth + BULLETS[min(depth, len(BULLETS) - 1)]
    lines: list[str] = []
    for item in list_items:
        lines.append(bullet + line(item.text))
        lines += items(item.children, depth + 1)
    return lines


def warning(block: WarningBlock, label: str, colon: str = ": ") -> list[str]:
    """A tier: "LABEL: first intro", further intros, one line per sign, then one line per note."""
    intros = [line(intro.text) for intro in block.intros]
    name = line(label).upper()
    head = f"{name}{colon}{intros[0]}" if intros else name
    return [head, *intros[1:], *items(block.items), *(line(note.text) for note in block.notes)]


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
