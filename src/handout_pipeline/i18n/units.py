"""units(handout): the ONE definition of what is translatable, used by extraction and translation."""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Iterator

from handout_pipeline.inline import placeholders_in
from handout_pipeline.model import (
    BulletList, Handout, Heading, Labels, ListItem, Paragraph, Tier, WarningBlock, walk_items, warning_blocks,
)

TIER_MEANING = {
    Tier.EMERGENCY: "emergency: the patient must call the emergency number now",
    Tier.URGENT: "urgent: the patient must call the doctor or nurse line now or get care now",
    Tier.WATCH: "watch: the patient must watch and contact the doctor or nurse line",
}
FACT_NOTES = {
    "emergency_number": "{emergency_number} is the emergency phone number (for example 911): keep it exactly as written.",
    "nurse_line": "{nurse_line} is the nurse advice phone line (for example 811): keep it exactly as written.",
}


@dataclass(frozen=True, slots=True)
class Unit:
    """One translatable message: its msgctxt (stable ID), msgid, notes, and safety tier if any."""

    context: str
    msgid: str
    line: int
    tier: Tier | None = None
    notes: tuple[str, ...] = ()

    @property
    def safety_critical(self) -> bool:
        return self.tier is not None

    @property
    def is_warning_sign(self) -> bool:
        return self.context.startswith("warning-sign/")


def heading_context(ident: str) -> str:
    return f"heading/{ident}"


def paragraph_context(ident: str) -> str:
    return f"paragraph/{ident}"


def item_context(ident: str, in_warning: bool) -> str:
    return f"warning-sign/{ident}" if in_warning else f"item/{ident}"


def intro_context(ident: str) -> str:
    return f"warning-intro/{ident}"


def note_context(ident: str) -> str:
    return f"warning-note/{ident}"


def glossary_contexts(ident: str) -> tuple[str, str]:
    return f"glossary/{ident}/term", f"glossary/{ident}/definition"


def label_context(name: str) -> str:
    return f"label/{name}"


def is_safety_context(context: str | None) -> bool:
    """Warning signs, their intros and notes and the tier labels: the messages that must never ship on a guess."""
    return bool(context) and (context.startswith(("warning-sign/", "warning-intro/", "warning-note/"))
                              or context in {label_context(t.value) for t in Tier})


LABEL_NOTES = {
    "emergency": "Label on the box of emergency warning signs (call the emergency number now). Short; no full stop.",
    "urgent": "Label on the box of urgent warning signs (call the doctor or nurse line now). Short; no full stop.",
    "watch": "Label on the box of signs to watch for (contact the doctor or nurse line). Short; no full stop.",
    "glossary": "Heading of the short list of words explained at the end of the handout.",
    "draft": "Shown on every page (and spoken first) while the warning signs of this translation are not yet "
             "approved by a qualified medical reviewer. Translate it plainly.",
    "summary_pointer": "Last line of the emergency box repeated on page 1: it sends the reader to the full section. "
                       "{section} is that section's heading and {page} its page number: keep both exactly; use the "
                       "quotation marks of your language.",
    "page_of": "Page number in the footer of every page: {page} is this page, {pages} the number of pages. "
               "Keep both exactly.",
    "reviewed": "In the footer: the date the handout was last medically reviewed. {date} is the date, already "
                "written the way your language writes dates: keep it exactly.",
    "continued": "Label of a warning box that goes on from the page before. {label} is the box's label "
                 "(Emergency, Urgent, ...): keep it exactly.",
    "version": "In the footer: the handout's version or form number. {version} is it: keep it exactly.",
}


def shown_labels(handout: Handout) -> set[str]:
    """The labels the writers show for this handout (only these are translated and checked)."""
    used_tiers = {block.tier.value for block in warning_blocks(handout)}
    names = {"draft", "page_of", "reviewed"} | used_tiers
    if handout.glossary:
        names.add("glossary")
    if used_tiers:
        names.add("continued")
    # Whether or not the front matter turns the summary off: toggling it must not make the catalogs stale.
    if Tier.EMERGENCY.value in used_tiers:
        names.add("summary_pointer")
    if handout.meta.version:
        names.add("version")
    return names


def units(handout: Handout) -> Iterator[Unit]:
    """Every message of a handout in reading order: title, sections, attribution, glossary."""
    yield _unit("title", handout.title_source, 0, None, "The handout's title.")
    for lead in handout.lead:
        yield _unit(paragraph_context(lead.id), lead.source, lead.line, None,
                    ("The opening paragraph, under the title: what the handout is about. " + _condition_note(lead)))
    for section in handout.sections:
        yield _heading(section.heading)
        for block in section.blocks:
            yield from _block(block)
    yield _unit("attribution", handout.attribution_source, 0, None,
                "The licence and attribution line: translate it fully, keep the company name as written.")
    shown = shown_labels(handout)
    for field_ in fields(Labels):
        name = field_.name
        tier = Tier(name) if name in Tier._value2member_map_ else None
        # Only the labels the writers will show: the tiers the handout uses, the glossary heading if it has one.
        if name not in shown:
            continue
        yield _unit(label_context(name), getattr(handout.labels, name), 0, tier, LABEL_NOTES[name])
    for entry in handout.glossary:
        term_ctx, definition_ctx = glossary_contexts(entry.id)
        yield _unit(term_ctx, entry.term, 0, None,
                    "A glossary term: use the same word the translation uses in the text.")
        yield _unit(definition_ctx, entry.definition, 0, None,
                    f"Plain-language definition of the glossary term '{entry.term}'.")


def _heading(heading: Heading) -> Unit:
    return _unit(heading_context(heading.id), heading.source, heading.line, None, "A heading.")


def _block(block) -> Iterator[Unit]:
    match block:
        case Heading():
            yield _heading(block)
        case Paragraph():
            yield _unit(paragraph_context(block.id), block.source, block.line, None, _condition_note(block))
        case BulletList():
            for item in walk_items(block.items):
                yield _unit(item_context(item.id, False), item.source, item.line, None, _condition_note(item))
        case WarningBlock():
            for intro in block.intros:
                yield _unit(intro_context(intro.id), intro.source, intro.line, block.tier,
                            "SAFETY-CRITICAL: the sentence that tells the patient what to do for the warning "
                            f"signs below it (tier {TIER_MEANING[block.tier]}). " + _condition_note(intro))
            for item in walk_items(block.items):
                yield _unit(item_context(item.id, True), item.source, item.line, block.tier,
                            f"SAFETY-CRITICAL warning sign, tier {TIER_MEANING[block.tier]}. Translate it "
                            "completely and exactly; never leave it out or soften it.")
            for note in block.notes:
                yield _unit(note_context(note.id), note.source, note.line, block.tier,
                            "SAFETY-CRITICAL: a note that goes with the warning signs above it (tier "
                            f"{TIER_MEANING[block.tier]}). Translate it completely and exactly. " + _condition_note(note))
        case _:
            raise AssertionError(f"unknown block type {type(block).__name__}")


def _condition_note(block: Paragraph | ListItem) -> str:
    if block.when:
        return f"Used only where the region has a {block.when.replace('_', ' ')}."
    if block.unless:
        return f"Used only where the region has no {block.unless.replace('_', ' ')}."
    return ""


def _unit(context: str, msgid: str, line: int, tier: Tier | None, note: str) -> Unit:
    notes = [n for n in [note.strip()] if n]
    notes += [text for name, text in FACT_NOTES.items() if "{" + name + "}" in msgid]
    if not context.startswith("label/"):  # a label's fields ({page}, {section}) are explained in its own note
        notes += [f"{{{name}}} is filled in from the region's facts (a phone number or a short text): keep it "
                  "exactly as written." for name in dict.fromkeys(placeholders_in(msgid)) if name not in FACT_NOTES]
    return Unit(context, msgid, line, tier, tuple(notes))
