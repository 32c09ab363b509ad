"""translate(handout, catalog) and resolve(handout, facts): the handout in one language, for one region."""

from __future__ import annotations

from dataclasses import dataclass, fields, replace

from babel.messages.catalog import Catalog

from handout_pipeline.i18n.catalogs import is_translated
from handout_pipeline.i18n.units import (
    Unit, glossary_contexts, heading_context, intro_context, item_context, label_context, note_context,
    paragraph_context, units,
)
from handout_pipeline.inline import fill_facts, normalise_space, parse_inline
from handout_pipeline.languages import Language


from handout_pipeline.model import (
    BulletList, GlossaryEntry, Labels, Handout, Heading, ListItem, Paragraph, Section, WarningBlock,
)


@dataclass(frozen=True, slots=True)
class Translated:
    """A handout in one language, with the messages that fell back to English (missing or fuzzy)."""

    handout: Handout
    missing: tuple[Unit, ...]

    @property
    def missing_safety(self) -> tuple[Unit, ...]:
        return tuple(u for u in self.missing if u.safety_critical)


def translate(handout: Handout, catalog: Catalog | None, language: Language) -> Translated:
    """Replace every message by its translation; untranslated and fuzzy ones are listed as missing."""
    if catalog is None or language.code == handout.language:
        return Translated(handout, ())
    strings: dict[str, str] = {}
    missing: list[Unit] = []
    for unit in units(handout):
        message = catalog.get(unit.msgid, unit.context)
        if is_translated(message):
            strings[unit.context] = normalise_space(str(message.string))
        else:
            missing.append(unit)
    return Translated(_Rewriter(strings).handout(handout, language.code), tuple(missing))


class _Rewriter:
    def __init__(self, strings: dict[str, str]) -> None:
        self.strings = strings

    def text(self, context: str, source: str):
        return parse_inline(self.strings.get(context, source))

    def handout(self, handout: Handout, code: str) -> Handout:
        title = self.strings.get("title", handout.title_source)
        attribution = self.strings.get("attribution", handout.attribution_source)
        glossary = tuple(
            GlossaryEntry(e.id, *(self.strings.get(ctx, default)
                                  for ctx, default in zip(glossary_contexts(e.id), (e.term, e.definition))))
            for e in handout.glossary)
        sections = tuple(Section(self.heading(s.heading), tuple(self.block(b) for b in s.blocks))
                         for s in handout.sections)
        labels = Labels(**{f.name: self.strings.get(label_context(f.name), getattr(handout.labels, f.name))
                           for f in fields(Labels)})
        lead = tuple(self.paragraph(p, paragraph_context(p.id)) for p in handout.lead)
        return replace(handout, labels=labels, title=parse_inline(title), title_source=title, attribution=parse_inline(attribution),
                       attribution_source=attribution, glossary=glossary, sections=sections, language=code, lead=lead)

    def heading(self, heading: Heading) -> Heading:
        ctx = heading_context(heading.id)
        return replace(heading, text=self.text(ctx, heading.source), source=self.strings.get(ctx, heading.source))

    def paragraph(self, paragraph: Paragraph, ctx: str) -> Paragraph:
        return replace(paragraph, text=self.text(ctx, paragraph.source),
                       source=self.strings.get(ctx, paragraph.source))

    def item(self, item: ListItem, in_warning: bool) -> ListItem:
        ctx = item_context(item.id, in_warning)
        return replace(item, text=self.text(ctx, item.source), source=self.strings.get(ctx, item.source),
                       children=tuple(self.item(child, in_warning) for child in item.children))

    def block(self, block):
        match block:
            case Heading():
                return self.heading(block)
            case Paragraph():
                return self.paragraph(block, paragraph_context(block.id))
            case BulletList():
                return replace(block, items=tuple(self.item(i, False) for i in block.items))
            case WarningBlock():
                return replace(block, intros=tuple(self.paragraph(p, intro_context(p.id)) for p in block.intros),
                               items=tuple(self.item(i, True) for i in block.items),
                               notes=tuple(self.paragraph(p, note_context(p.id)) for p in block.notes))
            case _:
                raise AssertionError(f"unknown block type {type(block).__name__}")


def resolve(handout: Handout, facts: dict[str, str], text_facts: frozenset[str] = frozenset()) -> Handout:
    """Keep the variants that fit the region's facts and fill every {placeholder} with its value (the facts
    named in `text_facts` as plain text, the others as phone numbers)."""

    def fill(text):
        return fill_facts(text, facts, text_facts)

    def keep(block) -> bool:
        when, unless = getattr(block, "when", None), getattr(block, "unless", None)
        return (when is None or when in facts) and (unless is None or unless not in facts)

    def item(i: ListItem) -> ListItem:
        return replace(i, text=fill(i.text), children=tuple(item(c) for c in i.children if keep(c)))

    def block(b):
        match b:
            case Heading() | Paragraph():
                return replace(b, text=fill(b.text))
            case BulletList():
                return replace(b, items=tuple(item(i) for i in b.items if keep(i)))
            case WarningBlock():
                return replace(b, intros=tuple(block(p) for p in b.intros if keep(p)),
                               items=tuple(item(i) for i in b.items if keep(i)),
                               notes=tuple(block(p) for p in b.notes if keep(p)))
            case _:
                raise AssertionError(f"unknown block type {type(b).__name__}")

    sections = tuple(Section(block(s.heading), tuple(block(b) for b in s.blocks if keep(b)))
                     for s in handout.sections)
    return replace(handout, title=fill(handout.title), attribution=fill(handout.attribution),
                   sections=sections, lead=tuple(block(p) for p in handout.lead if keep(p)))


def missing_facts(handout: Handout, facts: dict[str, str]) -> list[str]:
    """The facts a handout uses in text a region keeps (after when=/unless=) that the region lacks."""
    from handout_pipeline.model import all_texts

    wanted = sorted(handout.placeholders - facts.keys())
    if not wanted:
        return []
    kept = resolve(handout, facts)
    texts = list(all_texts(kept))
    return [name for name in wanted if any("{" + name + "}" in text for text in texts)]
