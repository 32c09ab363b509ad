"""`handout import -l LANG FILE`: align an existing translated handout (DOCX or plain text) with the English
source into the language's catalog, in the spirit of po4a-gettextize.

The English messages and the file's paragraphs are paired by order and structure (sequence alignment: a
heading with a heading, a list item with a list item, the same numbers in both, a plausible length); phone
numbers the region fills in become their {placeholders} again. Every imported safety message (warning intro,
sign, note) is marked fuzzy: it ships only after a translator or reviewer has checked it and removed the mark.
A translation already in the catalog is never replaced. What could not be paired is reported."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from pathlib import Path

from rapidfuzz import fuzz

from handout_pipeline.errors import HandoutError
from handout_pipeline.i18n.catalogs import is_translated, merge
from handout_pipeline.i18n.units import is_safety_context
from handout_pipeline.inline import PLACEHOLDER, normalise_space
from handout_pipeline.model import BulletList, Handout, Heading, Paragraph, WarningBlock, walk_items

_BULLET = re.compile(r"^(\s*)[•\-–*·●▪]\s+(.*)$")
_LABEL = re.compile(r"([^\W\d_][^\W\d_ ]*(?: [^\W\d_]+){0,3})\s*[:：]\s+(\S.*)\Z")
_NUMBER = re.compile(r"\d+(?:[.,]\d+)?")
GAP = -0.6


@dataclass(frozen=True, slots=True)
class Segment:
    """One paragraph of the translated file: its kind (title, heading, item, paragraph) and text."""

    kind: str
    text: str
    where: str        # "paragraph 12" / "line 12", for the report
    after_item: bool = False   # right after a list item, in the same block (no blank line; the same box)


@dataclass(frozen=True, slots=True)
class Slot:
    """One English message in reading order, with the kind of paragraph it is."""

    context: str
    msgid: str
    kind: str


@dataclass
class ImportResult:
    imported: list[str] = field(default_factory=list)        # contexts filled
    fuzzy: list[str] = field(default_factory=list)           # of which safety messages, marked fuzzy
    unsure: list[str] = field(default_factory=list)          # ordinary ones paired with little evidence: fuzzy
    kept: list[str] = field(default_factory=list)            # already translated: left as they were
    unpaired: list[Slot] = field(default_factory=list)       # English with nothing from the file
    unused: list[Segment] = field(default_factory=list)      # file paragraphs paired with no message


def slots(handout: Handout) -> list[Slot]:
    """The English messages in the order a translated copy shows them."""
    out = [Slot("title", handout.title_source, "title")]
    out += [Slot(f"paragraph/{p.id}", p.source, "paragraph") for p in handout.lead]
    for section in handout.sections:
        out.append(Slot(f"heading/{section.heading.id}", section.heading.source, "heading"))
        for block in section.blocks:
            match block:
                case Heading():
                    out.append(Slot(f"heading/{block.id}", block.source, "heading"))
                case Paragraph():
                    out.append(Slot(f"paragraph/{block.id}", block.source, "paragraph"))
                case BulletList():
                    out += [Slot(f"item/{i.id}", i.source, "item") for i in walk_items(block.items)]
                case WarningBlock():
                    out.append(Slot(f"label/{block.tier.value}", handout.labels.tier(block.tier), "heading"))
                    out += [Slot(f"warning-intro/{p.id}", p.source, "paragraph") for p in block.intros]
                    out += [Slot(f"warning-sign/{i.id}", i.source, "item") for i in walk_items(block.items)]
                    out += [Slot(f"warning-note/{p.id}", p.source, "note") for p in block.notes]
    for entry in handout.glossary:
        out += [Slot(f"glossary/{entry.id}/term", entry.term, "paragraph"),
                Slot(f"glossary/{entry.id}/definition", entry.definition, "paragraph")]
    out.append(Slot("attribution", handout.attribution_source, "paragraph"))
    return out


def read_segments(path: Path) -> tuple[list[Segment], bool]:
    """The paragraphs of a DOCX (body order, table cells included) or a TXT; True when headings are told apart
    (DOCX: by style; TXT: a short line not ending like a sentence)."""
    path = Path(path)
    if not path.is_file():
        raise HandoutError("file not found", path, hint="give the translated handout as a .docx or .txt file")
    suffix = path.suffix.lower()
    if suffix == ".docx":
        return _docx_segments(path), True
    if suffix in (".txt", ".md"):
        try:
            text = path.read_text(encoding="utf-8-sig")
        except UnicodeDecodeError as exc:
            line = path.read_bytes()[: exc.start].count(b"\n") + 1
            raise HandoutError("is not UTF-8 text", path, line, "save it as UTF-8 (plain text)") from None
        return _text_segments(text), True
    raise HandoutError(f"cannot import a '{suffix or 'no extension'}' file", path,
                       hint="save the translation as Word (.docx) or plain text (.txt) and import that")


def _docx_segments(path: Path) -> list[Segment]:
    import zipfile

    from docx import Document
    from docx.table import Table
    from docx.text.paragraph import Paragraph as DocxParagraph

    try:
        document = Document(str(path))
    except Exception as exc:  # python-docx raises many kinds (PackageNotFoundError, BadZipFile, KeyError...)
        raise HandoutError(f"is not a Word document ({exc})", path, hint="open it in Word or LibreOffice and save "
                           "it as .docx again") from None
    segments: list[Segment] = []

    def add(paragraph: DocxParagraph, container: int) -> None:
        text = normalise_space(paragraph.text)
        if not text:
            return
        style = (paragraph.style.name if paragraph.style is not None else "") or ""
        numbered = paragraph._p.pPr is not None and paragraph._p.pPr.numPr is not None
        kind = ("title" if style == "Title" else "heading" if style.startswith("Heading") or
                re.fullmatch(r"Warning \w+", style) else "item" if "List" in style or numbered else "paragraph")
        after = bool(segments) and segments[-1].kind == "item" and containers[-1] == container
        segments.append(Segment(kind, _bold_marked(paragraph), f"paragraph {len(segments) + 1}", after))
        containers.append(container)

    containers: list[int] = []   # 0: the body; n: the n-th table cell (a tier box)
    cells = 0
    for child in document.element.body.iterchildren():
        if child.tag.endswith("}p"):
            add(DocxParagraph(child, document), 0)
        elif child.tag.endswith("}tbl"):
            for row in Table(child, document).rows:
                for cell in row.cells:
                    cells += 1
                    for paragraph in cell.paragraphs:
                        add(paragraph, cells)
    return segments


def _bold_marked(paragraph) -> str:
    """The paragraph's text with bold runs as **bold** and italic ones as *emphasis* (the source's markup)."""
    parts = []
    for run in paragraph.runs:
        text = run.text
        if not text.strip():
            parts.append(text)
            continue
        lead, core, trail = re.match(r"(\s*)(.*?)(\s*)\Z", text, re.S).groups()
        if run.bold and not _all_bold(paragraph):
            core = f"**{core}**"
        elif run.italic:
            core = f"*{core}*"
        parts.append(lead + core + trail)
    return normalise_space("".join(parts).replace("****", "")) or normalise_space(paragraph.text)


def _all_bold(paragraph) -> bool:
    runs = [r for r in paragraph.runs if r.text.strip()]
    return bool(runs) and all(r.bold for r in runs)


def _text_segments(text: str) -> list[Segment]:
    segments: list[Segment] = []
    grouped = False   # the previous line was not blank: this one is in the same block
    for number, line in enumerate(text.replace("\r\n", "\n").split("\n"), 1):
        if not line.strip():
            grouped = False
            continue
        after = grouped and bool(segments) and segments[-1].kind == "item"
        grouped = True
        bullet = _BULLET.match(line)
        if bullet:
            segments.append(Segment("item", normalise_space(bullet.group(2)), f"line {number}"))
        elif segments and segments[-1].kind == "item" and line.startswith(" "):
            last = segments[-1]   # a wrapped item: its next line is indented
            segments[-1] = Segment("item", normalise_space(last.text + " " + line), last.where)
        else:
            label = _LABEL.match(line.strip())
            if label and label.group(1).isupper():   # "EMERGENCY: Call 911 if:" (a tier label, then its intro)
                segments.append(Segment("heading", label.group(1).strip().capitalize(), f"line {number}"))
                line = label.group(2)
            text = normalise_space(line)
            # Plain text marks no headings: a short line that does not end like a sentence is taken for one.
            heading = len(text) <= 70 and not re.search(r"[.:;!?。：！？؟।።]\W*\Z", text)
            segments.append(Segment("heading" if heading and not after else "paragraph", text, f"line {number}",
                                    after))
    return segments


def _numbers(text: str) -> list[str]:
    return sorted(n.replace(",", ".") for n in _NUMBER.findall(text))


def _score(slot: Slot, segment: Segment, facts: dict[str, str], headings: bool) -> float | None:
    kinds = {slot.kind, segment.kind}
    if slot.kind == "note":      # a note follows the signs inside their block
        if segment.kind != "paragraph" or not segment.after_item:
            return None
        score = 1.0
    elif slot.kind == segment.kind or kinds == {"title", "heading"}:
        score = 1.0
    elif not headings and kinds <= {"title", "heading", "paragraph"}:
        score = 0.6          # plain text does not mark headings
    elif headings and kinds == {"heading", "paragraph"}:
        score = 0.1
    else:
        return None          # an item is never paired with a paragraph: structure must agree
    if slot.kind == "paragraph" and segment.after_item:
        score -= 0.5             # more likely a note of a warning block than an ordinary paragraph
    english = PLACEHOLDER.sub(lambda m: facts.get(m.group(1), ""), slot.msgid)
    wanted, have = _numbers(english), _numbers(segment.text)
    if wanted or have:
        score += 1.0 if wanted == have else -1.0
    ratio = max(len(segment.text), 1) / max(len(english), 1)
    score += 0.5 - min(1.5, abs(math.log(ratio)))   # about as long as the English: most likely its translation
    # Shared spellings (names, cognates such as Medicines/Medicamentos, numbers) count a little too.
    score += 0.5 * fuzz.ratio(english.lower(), segment.text.lower()) / 100
    return score


# A pairing below this score (numbers that differ, a length far off) is imported fuzzy even for an ordinary message.
CONFIDENT = 1.2


def align(english: list[Slot], segments: list[Segment], facts: dict[str, str],
          headings: bool) -> list[tuple[Slot | None, Segment | None]]:
    """Needleman-Wunsch over the two sequences: pairs, and the messages or paragraphs left alone."""
    n, m = len(english), len(segments)
    best = [[0.0] * (m + 1) for _ in range(n + 1)]
    step = [[""] * (m + 1) for _ in range(n + 1)]
    for i in range(1, n + 1):
        best[i][0], step[i][0] = best[i - 1][0] + GAP, "up"
    for j in range(1, m + 1):
        best[0][j], step[0][j] = best[0][j - 1] + GAP, "left"
    for i in range(1, n + 1):
        for j in range(1, m + 1):
            options = [(best[i - 1][j] + GAP, "up"), (best[i][j - 1] + GAP, "left")]
            score = _score(english[i - 1], segments[j - 1], facts, headings)
            if score is not None:
                options.append((best[i - 1][j - 1] + score, "diag"))
            best[i][j], step[i][j] = max(options)
    pairs: list[tuple[Slot | None, Segment | None]] = []
    i, j = n, m
    while i or j:
        move = step[i][j]
        if move == "diag":
            pairs.append((english[i - 1], segments[j - 1]))
            i, j = i - 1, j - 1
        elif move == "up":
            pairs.append((english[i - 1], None))
            i -= 1
        else:
            pairs.append((None, segments[j - 1]))
            j -= 1
    return pairs[::-1]


def with_placeholders(translation: str, source: str, facts: dict[str, str]) -> str:
    """The region's numbers in a translation written back as the {placeholders} the English has."""
    for name in dict.fromkeys(PLACEHOLDER.findall(source)):
        value = facts.get(name)
        if value and "{" + name + "}" not in translation:
            translation = translation.replace(value, "{" + name + "}")
    return translation


def import_translation(handout: Handout, template, old, language, segments: list[Segment], headings: bool,
                       facts: dict[str, str]):
    """(catalog with the imported translations, what happened)."""
    catalog = merge(template, old, language)
    result = ImportResult()
    for slot, segment in align(slots(handout), segments, facts, headings):
        if slot is None:
            result.unused.append(segment)
            continue
        if segment is None:
            result.unpaired.append(slot)
            continue
        message = catalog.get(slot.msgid, slot.context)
        if message is None:
            continue
        if is_translated(message) or (isinstance(message.string, str) and message.string.strip()):
            result.kept.append(slot.context)
            continue
        message.string = with_placeholders(segment.text, slot.msgid, facts)
        result.imported.append(slot.context)
        if is_safety_context(slot.context):
            message.flags.add("fuzzy")
            result.fuzzy.append(slot.context)
        elif (_score(slot, segment, facts, headings) or 0) < CONFIDENT:
            message.flags.add("fuzzy")
            result.unsure.append(slot.context)
    return catalog, result
