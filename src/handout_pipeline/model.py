"""The immutable document model: a closed set of block types, shared by every stage."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum
from typing import Union


class Tier(str, Enum):
    """The three urgency tiers a handout uses for warning signs, most urgent first."""

    EMERGENCY = "emergency"
    URGENT = "urgent"
    WATCH = "watch"


@dataclass(frozen=True, slots=True)
class Span:
    """A run of text with its inline emphasis; `fact` names the region fact it was filled from."""

    text: str
    strong: bool = False
    emphasis: bool = False
    fact: str | None = None


Text = tuple[Span, ...]


def plain(text: Text) -> str:
    """The text of a run of spans without markup."""
    return "".join(span.text for span in text)


@dataclass(frozen=True, slots=True)
class Heading:
    """A heading below the section level (level 3 or deeper)."""

    id: str
    level: int
    text: Text
    source: str
    line: int = 0


@dataclass(frozen=True, slots=True)
class Paragraph:
    id: str
    text: Text
    source: str
    line: int = 0
    when: str | None = None
    unless: str | None = None


@dataclass(frozen=True, slots=True)
class ListItem:
    """A bullet; inside a warning block every item (nested ones too) is a warning sign."""

    id: str
    text: Text
    source: str
    children: tuple["ListItem", ...] = ()
    line: int = 0
    when: str | None = None
    unless: str | None = None


@dataclass(frozen=True, slots=True)
class BulletList:
    items: tuple[ListItem, ...]
    line: int = 0


@dataclass(frozen=True, slots=True)
class WarningBlock:
    """An urgency tier: its intro ("Call 911 if:"; alternatives by region fact), its warning signs and the notes
    after them ("If you are not sure, call anyway.")."""

    tier: Tier
    intros: tuple[Paragraph, ...]
    items: tuple[ListItem, ...]
    line: int = 0
    notes: tuple[Paragraph, ...] = ()   # paragraphs after the list, inside the block: safety-critical too


Block = Union[Heading, Paragraph, BulletList, WarningBlock]


@dataclass(frozen=True, slots=True)
class Section:
    """A level-2 heading and the blocks under it."""

    heading: Heading
    blocks: tuple[Block, ...]


@dataclass(frozen=True, slots=True)
class GlossaryEntry:
    id: str
    term: str
    definition: str


@dataclass(frozen=True, slots=True)
class Meta:
    """Front matter that is not translated."""

    id: str
    source_language: str
    audience: str
    last_reviewed: str
    path: str = ""
    no_warning_signs: str | None = None   # why a handout has no warning signs, on purpose (front matter)
    emergency_summary: bool = True        # repeat the emergency tier in a box on page 1 (PDF, DOCX)
    version: str = ""                     # the handout's own version or form number, printed in the footer


@dataclass(frozen=True, slots=True)
class Labels:
    """Words the writers add around the content (tier labels, glossary heading); translated like it."""

    emergency: str = "Emergency"
    urgent: str = "Urgent"
    watch: str = "Watch closely"
    glossary: str = "Words to know"
    draft: str = "Draft: not yet reviewed by a qualified medical translator"
    summary_pointer: str = "See \u201c{section}\u201d on page {page}."
    page_of: str = "Page {page} of {pages}"
    reviewed: str = "Reviewed {date}"
    continued: str = "{label} (continued)"
    version: str = "Version {version}"

    def tier(self, tier: Tier) -> str:
        return getattr(self, tier.value)


@dataclass(frozen=True, slots=True)
class Handout:
    meta: Meta
    title: Text
    title_source: str
    attribution: Text
    attribution_source: str
    glossary: tuple[GlossaryEntry, ...]
    sections: tuple[Section, ...]
    language: str = "en"
    labels: Labels = field(default_factory=Labels)
    placeholders: frozenset[str] = field(default_factory=frozenset)
    lead: tuple[Paragraph, ...] = ()   # paragraphs before the first section: what the handout is about


def walk_items(items: tuple[ListItem, ...]):
    """Every list item, depth first, nested ones included."""
    for item in items:
        yield item
        yield from walk_items(item.children)


def warning_blocks(handout: Handout):
    """Every warning block of a handout, in reading order."""
    for section in handout.sections:
        for block in section.blocks:
            if isinstance(block, WarningBlock):
                yield block


def all_texts(handout: Handout):
    """Every piece of text a reader sees, as plain strings: title, body, labels, glossary, attribution."""
    yield plain(handout.title)
    yield from (plain(p.text) for p in handout.lead)
    for section in handout.sections:
        yield plain(section.heading.text)
        for block in section.blocks:
            match block:
                case Heading() | Paragraph():
                    yield plain(block.text)
                case BulletList():
                    yield from (plain(i.text) for i in walk_items(block.items))
                case WarningBlock():
                    yield handout.labels.tier(block.tier)
                    yield from (plain(p.text) for p in block.intros)
                    yield from (plain(i.text) for i in walk_items(block.items))
                    yield from (plain(p.text) for p in block.notes)
                case _:
                    raise AssertionError(f"unknown block type {type(block).__name__}")
    yield handout.labels.glossary
    for entry in handout.glossary:
        yield entry.term
        yield entry.definition
    yield plain(handout.attribution)
