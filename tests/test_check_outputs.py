"""`handout check` on built outputs: a warning sign removed from each output type, a truncated MP3,
a missing or stale output, a character with no glyph: each makes it exit 1 with the finding."""

from __future__ import annotations

import shutil
from dataclasses import replace
from pathlib import Path

import pytest

from helpers import check_json, copy_root, edit_catalog, message, run

LANG = "fr"
SIGN = "warning-sign/cannot-breathe"
SIGN_TEXT = "Vous ne pouvez pas respirer."


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    root = copy_root(tmp_path_factory.mktemp("built"))
    result = run(root, "build", "-j", "1", "-l", LANG)
    assert result.exit_code == 0, result.output
    return root


@pytest.fixture
def root(built, tmp_path):
    copy = tmp_path / "root"
    shutil.copytree(built, copy)
    return copy


def out(root: Path, ext: str) -> Path:
    return root / "output" / "mini" / LANG / f"mini.{LANG}.{ext}"


def output_errors(root: Path) -> tuple[int, list[dict]]:
    code, report = check_json(root, "-l", LANG)
    return code, [f for f in report["findings"] if f["severity"] == "error" and f["check"] == "outputs"]


def test_built_outputs_pass(root):
    code, report = check_json(root, "-l", LANG)
    assert code == 0, [f for f in report["findings"] if f["severity"] == "error"]


def _doc_without_sign(root: Path):
    from handout_pipeline.languages import get_language
    from handout_pipeline.model import WarningBlock
    from handout_pipeline.project import Project

    project = Project.open(root)
    lang = get_language(LANG)
    doc = project.localized("mini", lang).handout
    sections = []
    for section in doc.sections:
        blocks = tuple(replace(b, items=tuple(i for i in b.items if i.id != "cannot-breathe") or b.items[:0])
                       if isinstance(b, WarningBlock) else b for b in section.blocks)
        sections.append(replace(section, blocks=blocks))
    return replace(doc, sections=tuple(sections)), project.render_context(lang)


def _strip_txt(root):
    path = out(root, "txt")
    path.write_text(path.read_text().replace(SIGN_TEXT, ""))


def _strip_docx(root):
    import docx
    path = out(root, "docx")
    document = docx.Document(str(path))
    cells = [p for table in document.tables for cell in table._cells for p in cell.paragraphs]
    for paragraph in [*document.paragraphs, *cells]:  # signs sit in their tier's one-cell table
        if SIGN_TEXT in paragraph.text:
            for run_ in paragraph.runs:
                run_.text = ""
    document.save(str(path))


def _strip_pdf(root):
    from handout_pipeline.writers import get_writer
    doc, ctx = _doc_without_sign(root)
    out(root, "pdf").write_bytes(get_writer("pdf").write(doc, ctx))


def _strip_mp3(root):
    from mutagen.id3 import ID3
    tags = ID3(str(out(root, "mp3")))
    for frame in tags.getall("USLT"):
        frame.text = str(frame.text).replace(SIGN_TEXT, "")
    tags.save()


@pytest.mark.parametrize("fmt,strip", [("txt", _strip_txt), ("docx", _strip_docx), ("pdf", _strip_pdf),
                                       ("mp3", _strip_mp3)])
def test_warning_sign_removed_from_an_output_fails(root, fmt, strip):
    strip(root)
    code, errors = output_errors(root)
    assert code == 1
    named = [f for f in errors if f["message_id"] == SIGN]
    # PDF and DOCX show the emergency tier twice (the page-1 summary and its section): both copies lack it.
    copies = 2 if fmt in ("pdf", "docx") else 1
    assert len(named) == copies and all(fmt.upper() in f["detail"] for f in named), errors


def test_truncated_mp3_fails(root):
    path = out(root, "mp3")
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 3])
    code, errors = output_errors(root)
    assert code == 1
    assert any("silent or cut short" in f["detail"] or "cannot be decoded" in f["detail"] for f in errors), errors


def test_missing_output_fails(root):
    out(root, "pdf").unlink()
    code, errors = output_errors(root)
    assert code == 1 and any("PDF missing" in f["detail"] for f in errors)


def test_output_older_than_its_catalog_fails(root):
    edit_catalog(root, LANG, lambda c: setattr(message(c, "heading/medicines"), "string", "Vos médicaments"))
    code, errors = output_errors(root)
    assert code == 1
    assert {f["detail"].split()[0] for f in errors if "older than its inputs" in f["detail"]} == \
        {"TXT", "DOCX", "PDF", "MP3"}


def test_character_without_glyph_fails(root):
    edit_catalog(root, LANG, lambda c: setattr(message(c, "item/pills"), "string", "Prenez vos comprimés 𐎀."))
    code, report = check_json(root, "-l", LANG, "--no-outputs")
    glyphs = [f for f in report["findings"] if f["check"] == "glyphs" and f["severity"] == "error"]
    assert code == 1
    assert {f["detail"].split(" used by the ")[1].split(":")[0] for f in glyphs} == {"PDF", "DOCX"}
    assert all("U+10380" in f["detail"] and "Noto Sans" in f["detail"] for f in glyphs)


def test_every_shipped_script_has_its_glyphs():
    from handout_pipeline.checks.glyphs import declared_fonts, glyph_findings
    from handout_pipeline.languages import LANGUAGES
    from handout_pipeline.model import Handout, Meta, Span

    samples = {"ar": "إلى الطوارئ ٩١١", "fa": "پزشک می‌گوید", "pa": "ਤੁਸੀਂ ਸਾਹ ਨਹੀਂ ਲੈ ਸਕਦੇ",
               "zh_Hans": "您无法呼吸", "zh_Hant": "您無法呼吸", "ko": "숨을 쉴 수 없습니다", "vi": "Bạn không thở được",
               "fr": "Vous ne pouvez pas", "es": "No puede respirar", "tl": "Hindi ka makahinga", "en": "911"}
    for code, text in samples.items():
        doc = Handout(Meta("x", "en", "", ""), (Span(text),), text, (), "", (), ())
        assert glyph_findings("x", LANGUAGES[code], doc, declared_fonts(LANGUAGES[code])) == [], code
    wrong = Handout(Meta("x", "en", "", ""), (Span("ਤੁਸੀਂ"),), "", (), "", (), ())
    assert glyph_findings("x", LANGUAGES["ko"], wrong, {"pdf": declared_fonts(LANGUAGES["ko"])["pdf"][:1]})
