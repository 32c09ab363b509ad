"""The DOCX writer: an editable large-print Word document with real styles, in any script."""

from __future__ import annotations

import datetime as dt
import io
import re
import unicodedata
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import assert_never

import docx
from docx.document import Document
from docx.enum.style import WD_STYLE_TYPE
from docx.opc.constants import RELATIONSHIP_TYPE as RT
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Twips
from docx.styles import BabelFish
from docx.styles.style import StyleFactory
from docx.text.paragraph import Paragraph as DocxParagraph

from handout_pipeline.languages import Language
from handout_pipeline.model import (
    BulletList, Handout, Heading, ListItem, Paragraph, Text, Tier, WarningBlock,
)
from handout_pipeline.writers import RenderContext
from handout_pipeline.writers.labels import footer_lines, label_pieces

PAGE_SIZES = {"letter": (12240, 15840), "a4": (11906, 16838), "legal": (12240, 20160)}  # twips
MARGIN = 1080          # 0.75 in, in twips
# Line spacing in 240ths of the font's own line height (its usWin metrics, what Word lays out by), chosen so
# that lines are 1.4 em apart, as in the PDF (line-height: 1.4): Noto Sans is 1.362 em high, so 1.4 em is
# 247/240 of it; Noto Sans Gurmukhi 1.304 em (258). The CJK fonts (1.448 em) are single. Noto Sans Arabic
# is 2.112 em high (its line holds marks far above and below), single spacing would be half as much again
# as the PDF (9 pages for 6): 176/240 puts lines 1.55 em apart; at 1.4 em (159) LibreOffice draws a
# shadda into the line above.
LINE = 247
LINE_BY_FONT = {"Noto Sans Gurmukhi": 258, "Noto Sans Arabic": 176, "Noto Sans CJK SC": 240,
                "Noto Sans CJK TC": 240, "Noto Sans CJK KR": 240}
LATIN_FONT = "Noto Sans"
TEXT_COLOUR = "000000"
HEADING_COLOUR = "1F3864"  # dark navy: contrast above 12:1 on white
# Dates in the file come from the content (its review date), never from the clock.
FALLBACK_DATE = dt.datetime(2000, 1, 1, tzinfo=dt.timezone.utc)
ZIP_TIME = (1980, 1, 1, 0, 0, 0)

# Schema order of the children of w:pPr and w:rPr: Word rejects a file whose children are out of order.
_PPR_ORDER = (
    "pStyle keepNext keepLines pageBreakBefore framePr widowControl numPr suppressLineNumbers pBdr shd tabs "
    "suppressAutoHyphens kinsoku wordWrap overflowPunct topLinePunct autoSpaceDE autoSpaceDN bidi "
    "adjustRightInd snapToGrid spacing ind contextualSpacing mirrorIndents suppressOverlap jc textDirection "
    "textAlignment textboxTightWrap outlineLvl divId cnfStyle rPr sectPr pPrChange").split()
_RPR_ORDER = (
    "rStyle rFonts b bCs i iCs caps smallCaps strike dstrike outline shadow emboss imprint noProof snapToGrid "
    "vanish webHidden color spacing w kern position sz szCs highlight u effect bdr shd fitText vertAlign rtl "
    "cs em lang eastAsianLayout specVanish oMath").split()
_SECTPR_ORDER = (
    "headerReference footerReference footnotePr endnotePr type pgSz pgMar paperSrc pgBorders lnNumType "
    "pgNumType cols formProt vAlign noEndnote titlePg textDirection bidi rtlGutter docGrid printerSettings "
    "sectPrChange").split()


@dataclass(frozen=True, slots=True)
class _Border:
    kind: str    # w:val: double, single, dashed
    size: int    # eighths of a point
    fill: str    # background shading, in addition to the border: never the only sign of the tier


# Each tier is told apart by its label and its border pattern; the shading only adds to them.
TIER_BORDERS = {
    Tier.EMERGENCY: _Border("double", 18, "FBE4E4"),
    Tier.URGENT: _Border("single", 36, "FFF2CC"),
    Tier.WATCH: _Border("dashed", 18, "E8EEF7"),
}


@dataclass(frozen=True, slots=True)
class _Style:
    name: str
    base: str | None
    size: int                     # points
    bold: bool = False
    before: int = 0               # points
    after: int = 0                # points
    keep_next: bool = False
    colour: str = TEXT_COLOUR
    indent: int | None = None     # start indent, twips
    border: _Border | None = None
    bullet_of: str | None = None  # the built-in list style whose numbering it shares
    rule_below: bool = False
    outline: int | None = None    # outline level (0 = Heading 1): navigation pane, headings list, PDF bookmarks


def tier_style(tier: Tier, role: str = "") -> str:
    """The style name of a warning tier's label ("Warning Emergency") or of its "Text", "List", "List 2"."""
    return f"Warning {tier.name.title()}" + (f" {role}" if role else "")


def _styles() -> tuple[_Style, ...]:
    styles = [
        _Style("Normal", None, 18, after=12),
        _Style("Title", "Normal", 32, bold=True, after=18, keep_next=True, colour=HEADING_COLOUR, rule_below=True),
        _Style("Heading 1", "Normal", 26, bold=True, before=24, after=6, keep_next=True, colour=HEADING_COLOUR),
        _Style("Heading 2", "Normal", 22, bold=True, before=18, after=6, keep_next=True, colour=HEADING_COLOUR),
        _Style("Heading 3", "Normal", 22, bold=True, before=12, after=6, keep_next=True, colour=HEADING_COLOUR),
        _Style("List Bullet", "Normal", 18, after=6, bullet_of="List Bullet"),
        _Style("List Bullet 2", "Normal", 18, after=6, bullet_of="List Bullet 2"),
        _Style("Glossary Term", "Normal", 18, bold=True, keep_next=True),
        _Style("Glossary Definition", "Normal", 18, after=12, indent=576),
        _Style("Attribution", "Normal", 18, before=24),
        _Style("Box Gap", "Normal", 6, after=0),  # the space after a tier's box (two tables never touch)
        _Style("Box Pointer", "Normal", 18, before=4, after=4),  # the summary's "See ... on page N."
        # Every page: the title above, "Page N of M" (large print) and the reference lines (for staff) below.
        _Style("Header", "Normal", 14, after=0),
        _Style("Footer", "Normal", 14, after=0),
        _Style("Page Number", "Footer", 18, bold=True, after=2),
    ]
    for tier, border in TIER_BORDERS.items():
        # The box itself is a table (see _Body.box): label, intro and every sign inside one border. The
        # label is a heading one level below the section's (outline level 1). The emergency box keeps its
        # paragraphs together; the others' rows do (see _Body.tier_box: LibreOffice keeps a table whose every
        # paragraph is keep-with-next whole, so their paragraphs are not).
        whole = tier is Tier.EMERGENCY
        styles += [
            _Style(tier_style(tier), "Normal", 22, bold=True, before=6, after=4, keep_next=whole, outline=1),
            _Style(tier_style(tier, "Text"), "Normal", 18, bold=True, after=6, keep_next=whole),
            _Style(tier_style(tier, "List"), "List Bullet", 18, after=6, keep_next=whole, bullet_of="List Bullet"),
            _Style(tier_style(tier, "List 2"), "List Bullet 2", 18, after=6, keep_next=whole,
                   bullet_of="List Bullet 2"),
        ]
    return tuple(styles)


STYLES = _styles()
# Bullet glyphs and indents (twips) of the two list levels; in Noto Sans, which has both glyphs.
BULLETS = {"List Bullet": ("\u2022", 576, 360), "List Bullet 2": ("\u2013", 1152, 360)}


def write(handout: Handout, ctx: RenderContext) -> bytes:
    """The handout as a DOCX file: real heading and list styles, large print, the language set for Word."""
    document = docx.Document()
    language = ctx.language
    _set_defaults(document, language)
    _set_styles(document, language)
    _set_bullets(document)
    _set_page(document, ctx)
    _set_properties(document, handout, language)
    _Body(document, language).handout(handout)
    _set_header_footer(document, handout, ctx)
    if ctx.draft:
        _mark_draft(document, handout.labels.draft, language)
    _set_font_table(document, language)
    buffer = io.BytesIO()
    document.save(buffer)
    return stable_zip(buffer.getvalue())


# Noto families as Word's font table describes them: PANOSE from each font's OS/2 table, the Windows
# character set of its script, and the generic family (swiss: sans-serif) Word falls back to when the font
# is not installed, so it substitutes a sans-serif face of the same script, not an arbitrary one.
NOTO_FONTS = {
    "Noto Sans": ("020B0502040504020204", "00"),
    "Noto Sans Arabic": ("020B0502040504020204", "B2"),
    "Noto Sans Gurmukhi": ("020B0502040504020204", "00"),
    "Noto Sans CJK SC": ("020B0500000000000000", "86"),
    "Noto Sans CJK TC": ("020B0500000000000000", "88"),
    "Noto Sans CJK KR": ("020B0500000000000000", "81"),
}


def _set_font_table(document: Document, language: Language) -> None:
    """Name the Noto families the styles use in word/fontTable.xml (the template lists only Calibri and
    the like), first, with their PANOSE numbers and generic family."""
    from docx.oxml import parse_xml

    part = next(p for p in document.part.package.iter_parts() if p.partname == "/word/fontTable.xml")
    root = parse_xml(part.blob)
    for name in reversed(list(dict.fromkeys((LATIN_FONT, language.font)))):
        for old in [f for f in root.findall(qn("w:font")) if f.get(qn("w:name")) == name]:
            root.remove(old)
        panose, charset = NOTO_FONTS.get(name, NOTO_FONTS[LATIN_FONT])
        font = OxmlElement("w:font", {qn("w:name"): name})
        for tag, value in (("panose1", panose), ("charset", charset), ("family", "swiss"), ("pitch", "variable")):
            font.append(OxmlElement(f"w:{tag}", {qn("w:val"): value}))
        root.insert(0, font)
    from lxml import etree

    part._blob = etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)


def _set_header_footer(document: Document, handout: Handout, ctx: RenderContext) -> None:
    """The title in the header; 'Page N of M' (PAGE and NUMPAGES fields) and the reference lines in the footer.

    A draft's mark opens its body on page 1 and sits in the header of every later page: page 1 has a header
    and footer of its own (w:titlePg), the same but for the mark, so page 1 does not show it twice."""
    section = document.sections[0]
    section.header.is_linked_to_previous = section.footer.is_linked_to_previous = False
    section.different_first_page_header_footer = ctx.draft
    pairs = [(section.header, section.footer)]
    if ctx.draft:
        pairs.append((section.first_page_header, section.first_page_footer))
    for header, footer in pairs:
        _fill_header_footer(document, header, footer, handout, ctx)


def _fill_header_footer(document: Document, header, footer, handout: Handout, ctx: RenderContext) -> None:
    body = _Body(document, ctx.language)
    body.target = header
    body.paragraph("Header", handout.title)
    body.target = footer
    page = footer.add_paragraph(style="Page Number")
    if ctx.language.rtl:
        _put(page._p.get_or_add_pPr(), "bidi", _PPR_ORDER)
    for slot, text in label_pieces(handout.labels.page_of, {"page", "pages"}):
        if slot:
            _field(page, "PAGE" if slot == "page" else "NUMPAGES", "1", ctx.language.rtl)
        else:
            body.runs(page, xml_text(text), False, False)
    for line in footer_lines(handout, ctx.organization, ctx.language.code):
        body.paragraph("Footer", line)
    for part in (header, footer):  # the empty paragraph each starts with
        first = part.paragraphs[0]
        if not first.text and len(part.paragraphs) > 1:
            first._p.getparent().remove(first._p)


def _mark_draft(document: Document, text: str, language: Language) -> None:
    """'Draft: not yet reviewed…' as the first paragraph (page 1) and in the header of the later pages, so every
    page shows it once (a screen reader in Word skips headers: the body's copy is the one it reads)."""
    first = document.paragraphs[0].insert_paragraph_before(style="Normal")
    header = document.sections[0].header
    header.is_linked_to_previous = False
    for paragraph in (first, header.paragraphs[0].insert_paragraph_before(style="Normal")):
        run = paragraph.add_run(text)
        run.bold = True
        if language.rtl:
            run.font.rtl = True
            _put(paragraph._p.get_or_add_pPr(), "bidi", _PPR_ORDER)


def inputs(ctx: RenderContext) -> list[Path]:
    """This module only: the template is python-docx's own, restyled in code."""
    return [Path(__file__)]


# ---- text ---------------------------------------------------------------------------------------------

_XML_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def xml_text(text: str) -> str:
    """Text that XML 1.0 can hold: controls that are whitespace become a space, the others are dropped.

    Tab, line feed and carriage return become a space too: python-docx would turn them into tab stops and
    line breaks that the source never asked for."""
    return _XML_ILLEGAL.sub(lambda m: " " if m.group() in "\x0b\x0c" else "", text).replace(
        "\t", " ").replace("\n", " ").replace("\r", " ")


def _direction_runs(text: str) -> list[tuple[str, bool]]:
    """(text, is_rtl) pieces of RTL text: Latin words apart, so Word sets them in the Latin font, not the
    Arabic one (which has no Latin letters); digits and punctuation stay with the RTL text."""
    pieces: list[tuple[str, bool]] = []
    pos = 0
    classes = "".join(_bidi_class(c) for c in text)
    for m in re.finditer(r"L(?:[LN]*L)?", classes):
        if m.start() > pos:
            pieces.append((text[pos:m.start()], True))
        pieces.append((text[m.start():m.end()], False))
        pos = m.end()
    if pos < len(text):
        pieces.append((text[pos:], True))
    return pieces


def _bidi_class(char: str) -> str:
    kind = unicodedata.bidirectional(char)
    return "L" if kind == "L" else "N" if kind in ("WS", "ON", "ES", "CS", "BN", "NSM") else "R"


# ---- XML helpers ---------------------------------------------------------------------------------------

def _put(parent, tag: str, order: list[str], **attrs: str):
    """Set the child `w:tag` of `parent` (replacing any), in schema order; attributes are w: attributes."""
    new = OxmlElement(f"w:{tag}", {qn(f"w:{k}"): v for k, v in attrs.items()})
    old = parent.find(qn(f"w:{tag}"))
    if old is not None:
        old.addprevious(new)
        parent.remove(old)
        return new
    later = {qn(f"w:{t}") for t in order[order.index(tag) + 1:]}
    for child in parent:
        if child.tag in later:
            child.addprevious(new)
            return new
    parent.append(new)
    return new


def _drop(parent, *tags: str) -> None:
    for tag in tags:
        for child in parent.findall(qn(f"w:{tag}")):
            parent.remove(child)


def _fonts(rpr, language: Language) -> None:
    # Explicit names only: a w:asciiTheme (etc.) attribute left from the template would win over them.
    _put(rpr, "rFonts", _RPR_ORDER, ascii=LATIN_FONT, hAnsi=LATIN_FONT, eastAsia=language.font, cs=language.font)


def _size(rpr, points: int) -> None:
    # w:szCs too: complex scripts (Arabic, Gurmukhi) read it, not w:sz.
    _put(rpr, "sz", _RPR_ORDER, val=str(points * 2))
    _put(rpr, "szCs", _RPR_ORDER, val=str(points * 2))


def _bold(rpr, on: bool) -> None:
    value = "1" if on else "0"
    _put(rpr, "b", _RPR_ORDER, val=value)
    _put(rpr, "bCs", _RPR_ORDER, val=value)


def _spacing(ppr, before: int, after: int, language: Language) -> None:
    line = LINE_BY_FONT.get(language.font, LINE)
    _put(ppr, "spacing", _PPR_ORDER, before=str(before * 20), after=str(after * 20), line=str(line),
         lineRule="auto")


# ---- document setup ------------------------------------------------------------------------------------

def _set_defaults(document: Document, language: Language) -> None:
    """Language, fonts, size and spacing every paragraph starts from; also the theme's font language."""
    defaults = document.styles.element.find(qn("w:docDefaults"))
    rpr = defaults.find(qn("w:rPrDefault")).find(qn("w:rPr"))
    _fonts(rpr, language)
    _size(rpr, 18)
    _put(rpr, "lang", _RPR_ORDER, val=language.tag, eastAsia=language.tag, bidi=language.tag)
    ppr = defaults.find(qn("w:pPrDefault")).find(qn("w:pPr"))
    _spacing(ppr, 0, 12, language)
    if language.rtl:
        _put(ppr, "bidi", _PPR_ORDER)
    # The template says East Asian text is Japanese (ja-JP); Word picks theme fonts by this.
    theme_language = document.settings.element.find(qn("w:themeFontLang"))
    if theme_language is not None:
        for attribute in ("val", "eastAsia", "bidi"):
            theme_language.set(qn(f"w:{attribute}"), language.tag)


def _set_styles(document: Document, language: Language) -> None:
    styles = document.styles
    by_name = {style.name: style for style in styles}  # one pass: styles[name] searches them all each time
    num_ids = {name: _num_id(by_name[name]) for name in BULLETS}
    for spec in STYLES:
        style = by_name.get(spec.name)
        if style is None:  # what styles.add_style does, without searching all styles for the name again
            style = by_name[spec.name] = StyleFactory(styles.element.add_style_of_type(
                BabelFish.ui2internal(spec.name), WD_STYLE_TYPE.PARAGRAPH, False))
            style.quick_style = True
        if spec.base:
            style.base_style = by_name[spec.base]
        _paragraph_style(style.element.get_or_add_pPr(), spec, language, num_ids.get(spec.bullet_of or ""))
        _character_style(style.element.get_or_add_rPr(), spec, language)


def _paragraph_style(ppr, spec: _Style, language: Language, num_id: str | None) -> None:
    if spec.keep_next:
        _put(ppr, "keepNext", _PPR_ORDER)
    if num_id is not None:
        _put(ppr, "numPr", _PPR_ORDER).append(OxmlElement("w:numId", {qn("w:val"): num_id}))
    if spec.border:
        _box(ppr, spec.border)
    elif spec.rule_below:  # replaces the template's rule in a theme colour
        rule = _put(ppr, "pBdr", _PPR_ORDER)
        rule.append(OxmlElement("w:bottom", {qn("w:val"): "single", qn("w:sz"): "12", qn("w:space"): "4",
                                             qn("w:color"): spec.colour}))
    if language.rtl:
        _put(ppr, "bidi", _PPR_ORDER)
    if spec.outline is not None:
        _put(ppr, "outlineLvl", _PPR_ORDER, val=str(spec.outline))
    _spacing(ppr, spec.before, spec.after, language)
    if spec.indent is not None:
        _put(ppr, "ind", _PPR_ORDER, left=str(spec.indent), right=str(spec.indent) if spec.border else "0")
    # Space between list items helps large-print readers (the template suppresses it); never justify.
    _drop(ppr, "contextualSpacing", "jc")


def _character_style(rpr, spec: _Style, language: Language) -> None:
    _fonts(rpr, language)
    _bold(rpr, spec.bold)
    _put(rpr, "color", _RPR_ORDER, val=spec.colour)
    _drop(rpr, "spacing")  # letter spacing would break the joins of Arabic letters
    _size(rpr, spec.size)


def _num_id(style) -> str:
    return style.element.find(qn("w:pPr")).find(qn("w:numPr")).find(qn("w:numId")).get(qn("w:val"))


def _box(ppr, border: _Border) -> None:
    box = _put(ppr, "pBdr", _PPR_ORDER)
    for side in ("top", "left", "bottom", "right"):
        box.append(OxmlElement(f"w:{side}", {qn("w:val"): border.kind, qn("w:sz"): str(border.size),
                                             qn("w:space"): "6", qn("w:color"): TEXT_COLOUR}))
    _put(ppr, "shd", _PPR_ORDER, val="clear", color="auto", fill=border.fill)


def _set_bullets(document: Document) -> None:
    """Bullets in Noto Sans (the template's Symbol-font bullets are missing on many systems), sized to the text."""
    numbering = document.part.numbering_part.element
    for style_name, (glyph, left, hanging) in BULLETS.items():
        style_id = document.styles[style_name].style_id
        level = next(lvl for lvl in numbering.iter(qn("w:lvl"))
                     if (p := lvl.find(qn("w:pStyle"))) is not None and p.get(qn("w:val")) == style_id)
        level.find(qn("w:lvlText")).set(qn("w:val"), glyph)
        ppr = level.find(qn("w:pPr"))
        ppr.find(qn("w:tabs")).find(qn("w:tab")).set(qn("w:pos"), str(left))
        _put(ppr, "ind", _PPR_ORDER, left=str(left), hanging=str(hanging))
        rpr = level.find(qn("w:rPr"))
        _put(rpr, "rFonts", _RPR_ORDER, ascii=LATIN_FONT, hAnsi=LATIN_FONT, eastAsia=LATIN_FONT, cs=LATIN_FONT,
             hint="default")
        _size(rpr, 18)


def _set_page(document: Document, ctx: RenderContext) -> None:
    section = document.sections[0]
    width, height = PAGE_SIZES[ctx.region.page_size]
    section.page_width, section.page_height = Twips(width), Twips(height)
    section.top_margin = section.bottom_margin = Twips(MARGIN)
    section.left_margin = section.right_margin = Twips(MARGIN)
    section.header_distance = section.footer_distance = Twips(720)
    if ctx.language.rtl:
        _put(section._sectPr, "bidi", _SECTPR_ORDER)


def _set_properties(document: Document, handout: Handout, language: Language) -> None:
    props = document.core_properties
    props.title = xml_text("".join(span.text for span in handout.title)).strip()
    props.language = language.tag
    props.identifier = f"{handout.meta.id}.{language.tag}"
    props.author = props.last_modified_by = "handout-pipeline"
    props.comments = props.subject = props.keywords = props.category = ""
    props.revision = 1
    props.created = props.modified = _review_date(handout.meta.last_reviewed)
    # Word's thumbnail of the template is a blank page: a wrong preview is worse than none.
    package = document.part.package
    for rel_id, rel in list(package.rels.items()):
        if rel.reltype == RT.THUMBNAIL:
            del package.rels[rel_id]


def _review_date(text: str) -> dt.datetime:
    try:
        return dt.datetime.combine(dt.date.fromisoformat(str(text)), dt.time(), dt.timezone.utc)
    except ValueError:
        return FALLBACK_DATE


# ---- body ----------------------------------------------------------------------------------------------

class _TierBox:
    """A full-width table in a tier's border and shading, built row by row: the border runs round all its
    rows as one box (each row's cell draws the sides, the first the top, the last the bottom)."""

    def __init__(self, document: Document, tier: Tier, rtl: bool):
        self.border = TIER_BORDERS[tier]
        self.table = document.add_table(rows=0, cols=1)
        tbl_pr = self.table._tbl.tblPr
        for old in tbl_pr.findall(qn("w:tblW")):
            tbl_pr.remove(old)
        tbl_pr.append(OxmlElement("w:tblW", {qn("w:w"): "5000", qn("w:type"): "pct"}))
        if rtl:
            tbl_pr.append(OxmlElement("w:bidiVisual"))
        self.cells: list = []

    def row(self, header: bool = False):
        """A new row that never splits over a page (`header`: repeated atop each page the box reaches): its cell."""
        row = self.table.add_row()
        tr_pr = row._tr.get_or_add_trPr()
        tr_pr.append(OxmlElement("w:cantSplit"))
        if header:
            tr_pr.append(OxmlElement("w:tblHeader"))
        self.cells.append(row.cells[0])
        return row.cells[0]

    def finish(self) -> None:
        """Borders, shading and padding on every cell; no cell keeps the empty paragraph it started with."""
        last = len(self.cells) - 1
        for number, cell in enumerate(self.cells):
            tc_pr = cell._tc.get_or_add_tcPr()
            borders = OxmlElement("w:tcBorders")
            for side in ("top", "left", "bottom", "right"):
                drawn = side in ("left", "right") or (side == "top" and number == 0) or (side == "bottom" and number == last)
                borders.append(OxmlElement(f"w:{side}", {qn("w:val"): self.border.kind if drawn else "nil",
                                                         qn("w:sz"): str(self.border.size), qn("w:space"): "0",
                                                         qn("w:color"): TEXT_COLOUR}))
            tc_pr.append(borders)
            tc_pr.append(OxmlElement("w:shd", {qn("w:val"): "clear", qn("w:color"): "auto",
                                               qn("w:fill"): self.border.fill}))
            margins = OxmlElement("w:tcMar")
            for side in ("top", "start", "bottom", "end"):
                inner = (side == "top" and number > 0) or (side == "bottom" and number < last)
                margins.append(OxmlElement(f"w:{side}", {qn("w:w"): "0" if inner else "144", qn("w:type"): "dxa"}))
            tc_pr.append(margins)
            placeholder = cell._tc.find(qn("w:p"))  # the empty paragraph every new cell starts with
            if placeholder is not None and len(cell._tc.findall(qn("w:p"))) > 1:
                cell._tc.remove(placeholder)


class _Body:
    """Appends the handout's blocks to a document as styled paragraphs."""

    def __init__(self, document: Document, language: Language) -> None:
        self.document = document
        self.target = document   # where paragraphs go: the body, or the cell of a tier's box
        self.bookmarks: list[str] = []
        self.rtl = language.rtl
        # Every paragraph style's id, once (None for the default style, which paragraphs leave unnamed):
        # target.add_paragraph(style=name) scans all the document's styles twice for each paragraph.
        default = document.styles.default(WD_STYLE_TYPE.PARAGRAPH)
        self.style_ids = {style.name: None if style == default else style.style_id
                          for style in document.styles if style.type == WD_STYLE_TYPE.PARAGRAPH}

    def add_paragraph(self, target, style: str) -> DocxParagraph:
        """What target.add_paragraph(style=style) makes."""
        paragraph = target.add_paragraph()
        paragraph._p.style = self.style_ids[style]
        return paragraph

    def handout(self, handout: Handout) -> None:
        self.paragraph("Title", handout.title)
        targets = self.summary(handout)
        for lead in handout.lead:   # after the emergency summary: what to do in an emergency comes first
            self.block(lead, handout)
        for section in handout.sections:
            heading = self.paragraph("Heading 1", section.heading.text)
            if heading is not None and section.heading.id in targets:
                _bookmark(heading, targets[section.heading.id], len(self.bookmarks))
                self.bookmarks.append(section.heading.id)
            for block in section.blocks:
                self.block(block, handout)
        if handout.glossary:
            self.paragraph("Heading 1", handout.labels.glossary)
            for entry in handout.glossary:
                self.paragraph("Glossary Term", entry.term)
                self.paragraph("Glossary Definition", entry.definition)
        self.paragraph("Attribution", handout.attribution)

    def block(self, block, handout: Handout) -> None:
        match block:
            case Heading():
                self.paragraph(f"Heading {min(max(block.level - 1, 1), 3)}", block.text)
            case Paragraph():
                self.paragraph("Normal", block.text)
            case BulletList():
                self.items(block.items, ("List Bullet", "List Bullet 2"))
            case WarningBlock():
                self.tier_box(block, handout)
            case _:
                assert_never(block)

    def summary(self, handout: Handout) -> dict[str, str]:
        """The emergency tier again, right under the title, each box pointing to the page of its section (a
        PAGEREF field to a bookmark on the section heading); returns section id -> bookmark name."""
        targets: dict[str, str] = {}
        if not handout.meta.emergency_summary:
            return targets
        for section in handout.sections:
            for block in section.blocks:
                if isinstance(block, WarningBlock) and block.tier is Tier.EMERGENCY:
                    name = targets.setdefault(section.heading.id, f"_Section_{len(targets) + 1}")
                    self.tier_box(block, handout, (section.heading.text, name))
        return targets

    def tier_box(self, block: WarningBlock, handout: Handout, pointer: tuple[Text, str] | None = None) -> None:
        """A tier's label, intros, signs and notes in one box; a summary's box ends with where its section is.

        The emergency box (and the summary) is one cell that never splits. Any other box may go on over a page
        between two signs, never inside one, with its label repeated atop the rest: a row for the label that
        Word and LibreOffice repeat on each page the box reaches (w:tblHeader), then one row per sign (with
        its sub-items; the intro in the first sign's row, the notes in the last's), none of which splits.
        (LibreOffice ignores keep-with-next inside a table cell, so rows, not paragraphs, hold signs whole.)"""
        whole = block.tier is Tier.EMERGENCY or pointer is not None or not block.items
        box = _TierBox(self.document, block.tier, self.rtl)
        if not whole:
            box.row(header=True)
        self.target = box.row() if whole else box.cells[0]
        try:
            self.paragraph(tier_style(block.tier), handout.labels.tier(block.tier))
            styles = (tier_style(block.tier, "List"), tier_style(block.tier, "List 2"))
            for number, item in enumerate(block.items):
                if not whole:
                    self.target = box.row()
                if number == 0:
                    for intro in block.intros:
                        self.paragraph(tier_style(block.tier, "Text"), intro.text)
                self.items((item,), styles)
            if not block.items:
                for intro in block.intros:
                    self.paragraph(tier_style(block.tier, "Text"), intro.text)
            for note in block.notes:
                self.paragraph(tier_style(block.tier, "Text"), note.text)
            if pointer is not None:
                self.pointer(handout.labels.summary_pointer, *pointer)
        finally:
            self.target = self.document
            box.finish()
        # Word joins two tables that touch into one: a small empty paragraph keeps the boxes apart.
        gap = self.add_paragraph(self.document, "Box Gap")
        if self.rtl:
            _put(gap._p.get_or_add_pPr(), "bidi", _PPR_ORDER)

    def pointer(self, label: str, section: Text, bookmark: str) -> None:
        """'See "<section>" on page N.' in the translation's word order; N is a PAGEREF field Word and
        LibreOffice compute when they lay the document out."""
        paragraph = self.add_paragraph(self.target, "Box Pointer")
        if self.rtl:
            _put(paragraph._p.get_or_add_pPr(), "bidi", _PPR_ORDER)
        for slot, text in label_pieces(label, {"section", "page"}):
            if slot == "section":
                for span in section:
                    self.runs(paragraph, xml_text(span.text), span.strong, span.emphasis)
            elif slot == "page":
                _field(paragraph, f"PAGEREF {bookmark} \\h", "1", self.rtl)
            else:
                self.runs(paragraph, xml_text(text), False, False)

    def items(self, items: tuple[ListItem, ...], styles: tuple[str, str], depth: int = 0) -> None:
        for item in items:
            self.paragraph(styles[min(depth, 1)], item.text)
            self.items(item.children, styles, depth + 1)

    def paragraph(self, style: str, text: Text | str) -> DocxParagraph | None:
        """A paragraph of `style` with the text's bold and italic runs; none at all for empty text."""
        spans = [(xml_text(text), False, False)] if isinstance(text, str) else [
            (xml_text(span.text), span.strong, span.emphasis) for span in text]
        if not "".join(t for t, _, _ in spans).strip():
            return None
        paragraph = self.add_paragraph(self.target, style)
        if self.rtl:
            _put(paragraph._p.get_or_add_pPr(), "bidi", _PPR_ORDER)
        for content, strong, emphasis in spans:
            self.runs(paragraph, content, strong, emphasis)
        return paragraph

    def runs(self, paragraph: DocxParagraph, content: str, strong: bool, emphasis: bool) -> None:
        """Text as runs: in RTL documents its Latin words apart (see _direction_runs)."""
        for piece, rtl in _direction_runs(content) if self.rtl else [(content, False)]:
            self.run(paragraph, piece, strong, emphasis, rtl)

    def run(self, paragraph: DocxParagraph, text: str, strong: bool, emphasis: bool, rtl: bool) -> None:
        if not text:
            return
        run = paragraph.add_run(text)
        if not (strong or emphasis or rtl):
            return
        rpr = run._r.get_or_add_rPr()
        if strong:
            _bold(rpr, True)
        if emphasis:
            _put(rpr, "i", _RPR_ORDER)
            _put(rpr, "iCs", _RPR_ORDER)
        if rtl:
            _put(rpr, "rtl", _RPR_ORDER)


def _bookmark(paragraph: DocxParagraph, name: str, number: int) -> None:
    """A bookmark around the whole paragraph (what a PAGEREF field points to)."""
    start = OxmlElement("w:bookmarkStart", {qn("w:id"): str(number), qn("w:name"): name})
    end = OxmlElement("w:bookmarkEnd", {qn("w:id"): str(number)})
    ppr = paragraph._p.find(qn("w:pPr"))
    if ppr is not None:
        ppr.addnext(start)
    else:
        paragraph._p.insert(0, start)
    paragraph._p.append(end)


def _field(paragraph: DocxParagraph, instruction: str, shown: str, rtl: bool = False) -> None:
    """A field (PAGE, NUMPAGES, PAGEREF) marked dirty, so Word recomputes it; `shown` until it does. In RTL
    text its runs are RTL like the digits around them."""
    def run(*children):
        r = OxmlElement("w:r")
        if rtl:
            _put(r.get_or_add_rPr(), "rtl", _RPR_ORDER)
        for child in children:
            r.append(child)
        paragraph._p.append(r)

    run(OxmlElement("w:fldChar", {qn("w:fldCharType"): "begin", qn("w:dirty"): "true"}))
    code = OxmlElement("w:instrText", {"{http://www.w3.org/XML/1998/namespace}space": "preserve"})
    code.text = f" {instruction} "
    run(code)
    run(OxmlElement("w:fldChar", {qn("w:fldCharType"): "separate"}))
    text = OxmlElement("w:t")
    text.text = shown
    run(text)
    run(OxmlElement("w:fldChar", {qn("w:fldCharType"): "end"}))


# ---- package -------------------------------------------------------------------------------------------

def stable_zip(data: bytes) -> bytes:
    """The same package with fixed timestamps and member order, so the same input gives the same bytes."""
    with zipfile.ZipFile(io.BytesIO(data)) as source:
        members = [(info.filename, source.read(info)) for info in source.infolist()]
    first = {"[Content_Types].xml": 0, "_rels/.rels": 1}
    members.sort(key=lambda member: (first.get(member[0], 2), member[0]))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as target:
        for name, blob in members:
            info = zipfile.ZipInfo(name, date_time=ZIP_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.create_system = 0
            info.external_attr = 0
            target.writestr(info, blob)
    return out.getvalue()
