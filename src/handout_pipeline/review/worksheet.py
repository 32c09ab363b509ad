"""The review worksheet (XLSX, opens in Excel and LibreOffice): export for a clinician, import what they wrote."""

from __future__ import annotations

import io
import re
import zipfile
from dataclasses import dataclass, replace
from pathlib import Path

from handout_pipeline import __version__
from handout_pipeline.errors import HandoutError
from handout_pipeline.fsutil import write_atomic
from handout_pipeline.i18n import catalogs
from handout_pipeline.i18n.units import units
from handout_pipeline.languages import Language, get_language
from handout_pipeline.review.records import Entry, load_record, now, record_path, save_record
from handout_pipeline.review.stamps import translation_of

COLUMNS = ("ID", "Tier", "English", "Translation", "Back-translation", "Comment", "Status")
_WIDTHS = (28, 11, 50, 50, 50, 34, 30)
HEADER_ROW = 4
_ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")  # what XLSX cannot hold: shown as <U+0007>


def cell_text(text: str) -> str:
    return _ILLEGAL.sub(lambda m: f"<U+{ord(m.group(0)):04X}>", text)


@dataclass(frozen=True, slots=True)
class Row:
    context: str
    tier: str
    english: str
    translation: str
    back_translation: str
    comment: str
    status: str


def _rows(project, language: Language, handout_id: str) -> list[Row]:
    po = project.po_path(language, handout_id)
    catalog = catalogs.load_catalog(po, language)
    record = load_record(record_path(po))
    by_context = {m.context: m for m in catalog if m.id and m.context}
    rows = []
    for unit in units(project.handout(handout_id)):
        message = by_context.get(unit.context)
        translation = translation_of(message) if message is not None and message.id == unit.msgid else None
        tier = unit.tier.value if unit.tier else ""
        entry = record.get(unit.context)
        current = entry is not None and translation is not None and not entry.changes(tier, unit.msgid, translation)
        if translation is None:
            status = "fuzzy: not ready" if message is not None and message.fuzzy else "not translated"
        elif not unit.safety_critical:
            status = ""
        elif current and entry.approved:
            status = f"approved by {entry.who}"
        elif entry is not None and entry.approved:
            status = "changed since approval"
        else:
            status = "not reviewed"
        rows.append(Row(unit.context, tier, unit.msgid, translation or "",
                        entry.back_translation if current else "", entry.comment if current else "", status))
    rows.sort(key=lambda r: not r.tier)  # safety messages first, each group in reading order
    return rows


def export_worksheet(project, language: Language, handout_id: str) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font, PatternFill, Protection

    handout = project.handout(handout_id)
    book = Workbook()
    sheet = book.active
    sheet.title = "Review"
    sheet["A1"] = f"Review worksheet: {handout.title_source}"
    sheet["A1"].font = Font(bold=True, size=14)
    sheet["A2"] = (f"Language: {language.name} ({language.tag}). Handout ID: {handout_id}. "
                   f"Exported {now()} by handout-pipeline {__version__}.")
    sheet["A3"] = ("Please write what each translation says in English (Back-translation) and any concern "
                   "(Comment). Safety messages (with a tier) come first. Do not change the other columns.")
    for col, (title, width) in enumerate(zip(COLUMNS, _WIDTHS), start=1):
        cell = sheet.cell(HEADER_ROW, col, title)
        cell.font = Font(bold=True)
        cell.fill = PatternFill("solid", fgColor="DDDDDD")
        sheet.column_dimensions[cell.column_letter].width = width
    wrap = Alignment(wrap_text=True, vertical="top")
    editable = PatternFill("solid", fgColor="FFF8DC")
    for index, row in enumerate(_rows(project, language, handout_id), start=HEADER_ROW + 1):
        values = (row.context, row.tier, row.english, row.translation, row.back_translation, row.comment,
                  row.status)
        for col, value in enumerate(values, start=1):
            cell = sheet.cell(index, col)
            cell.value = cell_text(value)
            cell.data_type = "s"  # text that starts with '=' stays text, never a formula
            cell.alignment = wrap
            if COLUMNS[col - 1] in ("Back-translation", "Comment"):
                cell.protection = Protection(locked=False)
                cell.fill = editable
    sheet.freeze_panes = sheet.cell(HEADER_ROW + 1, 1)
    # Only the two columns the reviewer fills can be edited (no password: it guards against slips, not people).
    sheet.protection.sheet = True
    sheet.protection.formatColumns = False
    sheet.protection.formatRows = False
    about = book.create_sheet("About")
    for key, value in (("handout", handout_id), ("language", language.code), ("format", "1")):
        about.append([key, value])
    about.sheet_state = "hidden"
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def default_name(handout_id: str, language: Language) -> str:
    return f"{handout_id}.{language.tag}.review.xlsx"


def write_worksheet(project, language: Language, handout_id: str, out: Path) -> int:
    data = export_worksheet(project, language, handout_id)
    write_atomic(out, data)
    return len(_rows(project, language, handout_id))


@dataclass(frozen=True, slots=True)
class Imported:
    handout: str
    language: Language
    record: str
    back_translations: int
    comments: int


def import_worksheet(project, path: Path) -> Imported:
    """Keep the back-translations and comments of a filled worksheet in the record; refuse an outdated one."""
    from openpyxl import load_workbook

    name = path.name
    try:
        book = load_workbook(path, read_only=False, data_only=True)
    except FileNotFoundError:
        raise HandoutError("worksheet not found", path, hint="give the path of the filled .xlsx file") from None
    except (zipfile.BadZipFile, KeyError, ValueError, OSError) as exc:
        raise HandoutError(f"is not a review worksheet (.xlsx): {exc}".rstrip(": "), path,
                           hint="save it from Excel or LibreOffice as .xlsx and try again") from None
    if "Review" not in book.sheetnames or "About" not in book.sheetnames:
        raise HandoutError("is not a review worksheet made by 'handout review export' (no Review/About sheet)",
                           path, hint="export one with 'handout review export -l LANG'")
    about = {str(r[0].value): str(r[1].value) for r in book["About"].iter_rows(max_col=2) if r[0].value}
    handout_id = about.get("handout", "")
    if handout_id not in project.handout_ids():
        raise HandoutError(f"worksheet is for handout {handout_id!r}, which this content root does not have", path,
                           hint="import it in the content root it was exported from")
    language = get_language(about.get("language", ""), str(path))
    project.languages((language.code,))  # must be configured
    sheet = book["Review"]
    header = tuple(str(c.value or "") for c in sheet[HEADER_ROW][: len(COLUMNS)])
    if header != COLUMNS:
        raise HandoutError(f"row {HEADER_ROW} should hold the column titles {', '.join(COLUMNS)}", path,
                           hint="do not add, move or delete columns; export a new worksheet")
    current = {r.context: r for r in _rows(project, language, handout_id)}
    po = project.po_path(language, handout_id)
    po_rel = po.relative_to(project.root).as_posix()
    record = load_record(record_path(po))
    seen: set[str] = set()
    kept = comments = 0
    for index, cells in enumerate(sheet.iter_rows(min_row=HEADER_ROW + 1, max_col=len(COLUMNS)),
                                  start=HEADER_ROW + 1):
        values = [("" if c.value is None else str(c.value)) for c in cells]
        values += [""] * (len(COLUMNS) - len(values))
        context, _tier, english, translation, back, comment, _status = values
        if not context.strip():
            continue
        row = current.get(context)
        where = f"{name} row {index} ({context})"
        if row is None or context in seen:
            raise HandoutError(f"{where}: {'appears twice' if row else 'is not a message of this handout'}",
                               hint="export a new worksheet and copy the back-translations into it")
        seen.add(context)
        for what, given, now_ in (("English", english, row.english), ("translation", translation, row.translation)):
            if _norm(given) != _norm(cell_text(now_)):
                raise HandoutError(f"{where}: the {what} is not what the catalog holds now (it changed since the "
                                   "worksheet was exported, or was edited in it); nothing was imported",
                                   hint=f"export a new worksheet (handout review export -l {language.code}) and "
                                        "copy the back-translations into it")
        back, comment = back.strip(), comment.strip()
        if not back and not comment:
            continue
        if not row.translation:
            continue  # nothing to keep notes about yet
        old = record.get(context)
        if old is not None and not old.changes(row.tier, row.english, row.translation):
            entry = replace(old, back_translation=back or old.back_translation, comment=comment or old.comment)
        else:
            entry = Entry(row.tier, row.english, row.translation, back_translation=back, comment=comment)
        record = record.with_entry(context, entry)
        kept += bool(back)
        comments += bool(comment)
    if kept or comments:
        save_record(record, po_rel)
    return Imported(handout_id, language, record.path.relative_to(project.root).as_posix(), kept, comments)


def _norm(text: str) -> str:
    # Spreadsheets may turn line ends into \r\n and drop trailing spaces: neither changes what a patient reads.
    return "\n".join(line.rstrip() for line in text.replace("\r\n", "\n").replace("\r", "\n").split("\n")).strip()
