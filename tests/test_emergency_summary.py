"""The page-1 emergency summary: the emergency tier repeated in a box before the first section (PDF on page 1,
DOCX under the title), pointing to its section's page; the gate requires every intro and sign in it too, unless
the handout's front matter says `emergency_summary: false`."""

from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path

import pytest

from helpers import check_json, copy_root, run

LANGS = ("fr", "ar")
SIGN = "warning-sign/cannot-breathe"
W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
TEXT = {"fr": "Vous ne pouvez pas respirer.", "ar": None}


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    root = copy_root(tmp_path_factory.mktemp("summary"))
    result = run(root, "build", "-j", "2", *[a for c in LANGS for a in ("-l", c)])
    assert result.exit_code == 0, result.output
    return root


@pytest.fixture
def root(built, tmp_path):
    copy = tmp_path / "root"
    shutil.copytree(built, copy)
    return copy


def out(root: Path, code: str, ext: str) -> Path:
    return root / "output" / "mini" / code / f"mini.{code}.{ext}"


def agree(root: Path, code: str, ext: str) -> None:
    """Rewrite the build record so the tampered file looks like what the pipeline made."""
    record_path = root / "output" / ".cache" / "mini" / f"{code}.{ext}.json"
    record = json.loads(record_path.read_text())
    record["output_sha256"] = hashlib.sha256(out(root, code, ext).read_bytes()).hexdigest()
    record_path.write_text(json.dumps(record))


def _kids(element):
    import pikepdf

    kids = element.get("/K")
    if kids is None:
        return []
    return list(kids) if isinstance(kids, pikepdf.Array) else [kids]


def _struct_elements(element):
    """Structure elements depth first, in reading order."""
    import pikepdf

    for kid in _kids(element):
        if isinstance(kid, pikepdf.Dictionary) and "/S" in kid:
            yield kid
            yield from _struct_elements(kid)


def _delete_first_summary_sign_pdf(path: Path) -> None:
    """Drop the first list item of the first list in reading order (the summary's) from the structure tree."""
    import pikepdf

    with pikepdf.open(str(path), allow_overwriting_input=True) as pdf:
        first_list = next(e for e in _struct_elements(pdf.Root.StructTreeRoot) if e.S == "/L")
        items = [k for k in _kids(first_list) if isinstance(k, pikepdf.Dictionary) and k.get("/S") == "/LI"]
        kept = [k for k in _kids(first_list) if not (isinstance(k, pikepdf.Dictionary) and k.objgen == items[0].objgen)]
        first_list.K = pikepdf.Array(kept)
        pdf.save(str(path), deterministic_id=True)


def _summary_table(document):
    return document.tables[0]


def test_clean_french_pdf_has_the_summary_on_page_1_pointing_to_the_page_of_its_section(root):
    import pdfplumber

    from handout_pipeline.checks.outputs.pdf import _read_embedded_cmaps

    _read_embedded_cmaps()
    with pdfplumber.open(str(out(root, "fr", "pdf"))) as pdf:
        pages = [" ".join((p.extract_text() or "").split()) for p in pdf.pages]
    assert len(pages) > 1 and TEXT["fr"] in pages[0]
    assert " ".join(pages).count(TEXT["fr"]) == 2   # the summary and the full section
    # the second copy is the full section's (on page 1 too when the page holds both)
    section_page = [n for n, text in enumerate(pages, 1) for _ in range(text.count(TEXT["fr"]))][1]
    assert f"à la page {section_page}." in pages[0], pages[0]


@pytest.mark.parametrize("code", LANGS)
def test_clean_build_with_the_summary_passes(root, code):
    exit_code, report = check_json(root, "-l", code)
    assert exit_code == 0, [f for f in report["findings"] if f["severity"] == "error"]


@pytest.mark.parametrize("code", LANGS)
def test_sign_deleted_from_only_the_pdf_summary_fails_naming_language_format_and_sign(root, code):
    _delete_first_summary_sign_pdf(out(root, code, "pdf"))
    agree(root, code, "pdf")
    exit_code, report = check_json(root, "-l", code)
    assert exit_code == 1
    named = [f for f in report["findings"] if f["severity"] == "error" and f["message_id"] == SIGN
             and f["language"] == code and f["format"] == "pdf" and "PDF" in f["detail"]
             and "page-1 summary" in f["detail"]]
    assert named, report["findings"]
    if TEXT[code]:
        assert TEXT[code] in named[0]["detail"]
    # The full section's box still holds it: only the summary copy is named.
    assert all("page-1 summary" in f["detail"] for f in report["findings"]
               if f["severity"] == "error" and f["check"] == "outputs")


def test_sign_deleted_from_only_the_docx_summary_fails(root):
    import docx

    path = out(root, "fr", "docx")
    document = docx.Document(str(path))
    cell = _summary_table(document).cell(0, 0)
    sign = next(p for p in cell.paragraphs if p.text == TEXT["fr"])
    sign._p.getparent().remove(sign._p)
    document.save(str(path))
    agree(root, "fr", "docx")
    exit_code, report = check_json(root, "-l", "fr")
    assert exit_code == 1
    named = [f for f in report["findings"] if f["severity"] == "error" and f["message_id"] == SIGN
             and f["format"] == "docx" and TEXT["fr"] in f["detail"] and "summary" in f["detail"]]
    assert named, report["findings"]


def test_docx_summary_removed_whole_fails_for_every_emergency_text(root):
    import docx

    path = out(root, "fr", "docx")
    document = docx.Document(str(path))
    table = _summary_table(document)._tbl
    table.getparent().remove(table)
    document.save(str(path))
    agree(root, "fr", "docx")
    exit_code, report = check_json(root, "-l", "fr")
    assert exit_code == 1
    ids = {f["message_id"] for f in report["findings"] if f["severity"] == "error" and f["format"] == "docx"
           and "emergency summary" in f["detail"]}
    assert ids == {SIGN, "warning-intro/emergency-intro"}, report["findings"]


def test_summary_turned_off_in_front_matter_is_left_out_and_passes(root):
    import docx
    import pdfplumber

    source = root / "source" / "mini.md"
    source.write_text(source.read_text().replace("last_reviewed:", "emergency_summary: false\nlast_reviewed:", 1))
    result = run(root, "build", "-j", "2", "-l", "fr")
    assert result.exit_code == 0, result.output
    from handout_pipeline.checks.outputs.pdf import _read_embedded_cmaps

    _read_embedded_cmaps()
    with pdfplumber.open(str(out(root, "fr", "pdf"))) as pdf:
        text = " ".join(" ".join((p.extract_text() or "").split()) for p in pdf.pages)
    assert text.count(TEXT["fr"]) == 1   # the full section only
    body = docx.Document(str(out(root, "fr", "docx"))).element.body
    styles = [e.find(f"{W}pPr/{W}pStyle") for e in body]
    first_heading = next(n for n, st in enumerate(styles) if st is not None and st.get(f"{W}val") == "Heading1")
    assert not [e for e in list(body)[:first_heading] if e.tag.endswith("}tbl")]
    exit_code, report = check_json(root, "-l", "fr")
    assert exit_code == 0, [f for f in report["findings"] if f["severity"] == "error"]


def test_emergency_summary_must_be_true_or_false(root):
    source = root / "source" / "mini.md"
    source.write_text(source.read_text().replace("last_reviewed:", "emergency_summary: maybe\nlast_reviewed:", 1))
    result = run(root, "build", "-f", "txt", "-l", "fr")
    assert result.exit_code == 2
    assert "emergency_summary must be true or false" in result.output and "mini.md:" in result.output
    assert "Traceback" not in result.output


def test_a_summary_that_is_not_on_page_1_fails():
    from handout_pipeline.checks.outputs.common import Box, Expected, ExpectedTier, Findings, require_summary
    from handout_pipeline.languages import get_language
    from handout_pipeline.model import Tier
    from helpers import localized, mini_project

    project = mini_project()
    handout, _ = localized(project, "fr")
    found = Findings(project, "mini", get_language("fr"), "pdf", None)
    tier = ExpectedTier(Tier.EMERGENCY, "Urgence", (), (Expected(SIGN, TEXT["fr"]),))
    require_summary(found, handout, [tier], [Box("Urgence", [], [TEXT["fr"]], summary=True, page=2)], "page 1")
    assert [f.detail for f in found.items if "starts on page 2, not page 1" in f.detail]
    found.items.clear()
    require_summary(found, handout, [tier], [Box("Urgence", [], [TEXT["fr"]], summary=True, page=1)], "page 1")
    assert not found.items
