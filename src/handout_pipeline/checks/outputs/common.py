"""What every output check shares: the warning tiers a handout must show, normalising, box comparison."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

from handout_pipeline.checks import Finding
from handout_pipeline.i18n.units import intro_context, item_context, note_context
from handout_pipeline.languages import Language
from handout_pipeline.model import Handout, Text, Tier, plain, walk_items, warning_blocks
from handout_pipeline.project import Project

# Removed before comparing: soft hyphen, bidi marks and controls, zero-width characters, and all whitespace
# (line breaks fall between CJK characters without a space, so whitespace cannot be compared reliably).
# U+034F: what the PDF writer maps a zero-width mark glyph to (writers/pdf_patches.py MARK_TEXT), ignorable.
_INVISIBLE = re.compile("[\u00ad\u034f\u200b-\u200f\u202a-\u202e\u2060-\u2069\ufeff\\s]+")


def normalise(text: str) -> str:
    return _INVISIBLE.sub("", unicodedata.normalize("NFKC", text))


def letters(text: str) -> str:
    """Only letters, marks and digits, case folded: for finding a tier label among decoration."""
    return "".join(c for c in unicodedata.normalize("NFKC", text).casefold()
                   if unicodedata.category(c)[0] in "LMN" and c != "\u034f")


@dataclass(frozen=True, slots=True)
class Expected:
    """One safety text as the output must show it: message id, the translated text, its normalised form."""

    message_id: str
    text: str

    @property
    def key(self) -> str:
        return normalise(self.text)


@dataclass(frozen=True, slots=True)
class ExpectedTier:
    """A warning block as a patient must meet it: its tier's label, then its intros, then its signs in order."""

    tier: Tier
    label: str
    intros: tuple[Expected, ...]
    signs: tuple[Expected, ...]
    notes: tuple[Expected, ...] = ()   # the paragraphs after the signs, inside the block


def expected_tiers(handout: Handout, spoken=None) -> list[ExpectedTier]:
    """Every warning block in reading order; `spoken` turns a Text into what the narration says instead."""
    say = spoken or plain
    tiers = []
    for block in warning_blocks(handout):
        tiers.append(ExpectedTier(
            block.tier, handout.labels.tier(block.tier),
            tuple(Expected(intro_context(p.id), say(p.text)) for p in block.intros),
            tuple(Expected(item_context(i.id, in_warning=True), say(i.text)) for i in walk_items(block.items)),
            tuple(Expected(note_context(p.id), say(p.text)) for p in block.notes)))
    return tiers


@dataclass
class Box:
    """A tier box found in an output: its label text, its intro texts and its items, as written there."""

    label: str
    intros: list[str] = field(default_factory=list)
    items: list[str] = field(default_factory=list)
    where: str = ""          # e.g. "page 1", "page 2-3", "the page-1 summary"
    placed: list = field(default_factory=list, repr=False, compare=False)  # PDF: (kind, text, page, [(page, glyph)])
    summary: bool = False    # before the first section: the emergency summary (front matter emergency_summary)
    page: int | None = None  # the page it starts on, where the format has pages
    last_page: int | None = None  # the page it ends on, when it runs over to the next


class Findings:
    """Collects the findings of one output file."""

    def __init__(self, project: Project, handout_id: str, language: Language, fmt: str, path: Path | None):
        self.items: list[Finding] = []
        self.handout_id, self.language, self.fmt = handout_id, language, fmt
        self.path = None
        if path is not None:
            try:
                self.path = path.relative_to(project.root).as_posix()
            except ValueError:
                self.path = str(path)

    def add(self, severity: str, message_id: str | None, detail: str) -> None:
        self.items.append(Finding("outputs", severity, self.handout_id, self.language.tag, message_id, detail,
                                  path=self.path, format=self.fmt))

    def error(self, message_id: str | None, detail: str) -> None:
        self.add("error", message_id, detail)


def empty_texts(found: Findings, tiers: list[ExpectedTier]) -> set[str]:
    """An expected text that normalises to nothing is an error of its own, never a match; returns their ids."""
    empty = set()
    for tier in tiers:
        for expected in (*tier.intros, *tier.signs, *tier.notes):
            if not expected.key:
                empty.add(expected.message_id)
                found.error(expected.message_id, f"the {found.fmt.upper()} check has nothing to look for: the "
                            f"translated text {expected.text!r} is empty once spaces and invisible marks are "
                            "removed; translate it in the catalog")
    return empty


def compare_boxes(found: Findings, tiers: list[ExpectedTier], boxes: list[Box], elsewhere: str = "") -> None:
    """Each expected tier needs a box with its label holding exactly its intros and signs, in order, each as a
    whole item; every box with that label (a page-1 summary too) is held to the same."""
    fmt = found.fmt.upper()
    empty = empty_texts(found, tiers)
    whole = normalise(elsewhere)
    by_label: dict[str, list[Box]] = {}
    for box in boxes:
        by_label.setdefault(letters(box.label), []).append(box)
    assigned: dict[int, list[Box]] = {}
    for label, group in by_label.items():
        candidates = [n for n, t in enumerate(tiers) if letters(t.label) == label]
        for box in group:
            if not candidates:
                continue
            keys = {normalise(i) for i in box.items}
            best = max(candidates, key=lambda n: len(keys & {s.key for s in tiers[n].signs}))
            assigned.setdefault(best, []).append(box)
    for n, tier in enumerate(tiers):
        name = f"{tier.tier.value} box ({tier.label!r})"
        copies = assigned.get(n, [])
        if not copies:
            for sign in (*tier.intros, *tier.signs, *tier.notes):
                if sign.message_id not in empty:
                    found.error(sign.message_id, f"the {fmt} has no {name}, so this warning text is not shown in "
                                f"its tier: {sign.text!r}")
            continue
        for box in copies:
            place = f" ({box.where})" if box.where else ""
            intro_text = normalise("".join(box.intros))
            for intro in tier.intros:
                if intro.message_id not in empty and intro.key not in intro_text:
                    found.error(intro.message_id, f"warning intro missing from the {name} of the {fmt}{place}: "
                                f"{intro.text!r}")
            for note in tier.notes:
                if note.message_id not in empty and note.key not in intro_text:
                    moved = " (its text is elsewhere in the file: it left its tier)" if note.key in whole else ""
                    found.error(note.message_id, f"warning note missing from the {name} of the {fmt}{place}"
                                f"{moved}: {note.text!r}")
            have = [normalise(i) for i in box.items]
            wanted = [s for s in tier.signs if s.message_id not in empty]
            missing = [s for s in wanted if s.key not in have]
            for sign in missing:
                moved = " (its text is elsewhere in the file: it left its tier)" if sign.key in whole else ""
                found.error(sign.message_id, f"warning sign missing from the {name} of the {fmt}{place} as an "
                            f"item of its own{moved}: {sign.text!r}")
            present = [s.key for s in wanted if s.key in have]
            order = [k for k in have if k in set(present)]
            if not missing and order != present:
                found.error(None, f"the warning signs of the {name} of the {fmt}{place} are out of order: "
                            f"expected {[s.text for s in wanted]!r}")
            extra = [i for i, k in zip(box.items, have) if k not in {s.key for s in tier.signs}]
            for item in extra:
                found.error(None, f"the {name} of the {fmt}{place} holds an item that is no warning sign of this "
                            f"tier: {item!r}")


def require_summary(found: Findings, handout: Handout, tiers: list[ExpectedTier], boxes: list[Box],
                    where: str) -> None:
    """Unless the handout turns it off, each emergency tier is repeated in a box before the first section (on
    page 1 where the format has pages): a patient must find what to do in an emergency on the first page.
    What such a box holds is checked with every other box (compare_boxes)."""
    if not handout.meta.emergency_summary:
        return
    fmt = found.fmt.upper()
    wanted = [t for t in tiers if t.tier is Tier.EMERGENCY]
    copies = [b for b in boxes if b.summary and letters(b.label) == letters(wanted[0].label)] if wanted else []
    for box in copies:
        if box.page is not None and box.page != 1:
            found.error(None, f"the emergency summary of the {fmt} starts on page {box.page}, not page 1: shorten "
                        "what comes before it (title, lead) so a patient finds it first")
        elif box.last_page is not None and box.last_page != 1:
            found.error(None, f"the emergency summary of the {fmt} runs over to page {box.last_page}: it must fit "
                        "on page 1 (shorten the title or the emergency signs)")
    for tier in wanted[len(copies):]:
        for sign in (*tier.intros, *tier.signs):
            found.error(sign.message_id, f"warning text missing from the {fmt}'s emergency summary ({where}): "
                        f"{sign.text!r}; build again, or turn the summary off with 'emergency_summary: false' "
                        "in the handout's front matter")
