"""Every page's header and footer: the title, "Page N of M", the review date, handout ID and version, and the
organisation from [organization]; PDF margins as Pagination Artifacts (see test_clinic_pdf), DOCX as fields."""

from __future__ import annotations

import io
from pathlib import Path

import docx
import pytest

from handout_pipeline.config import load_config
from handout_pipeline.errors import HandoutError
from helpers import copy_root, run

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
ORG = '\n[organization]\nname = "Riverside  Spine Clinic"\nphone = "+1 (604) 555-0199"\n'


@pytest.fixture(scope="module")
def clinic_root(tmp_path_factory):
    root = copy_root(tmp_path_factory.mktemp("furniture"))
    (root / "handout.toml").write_text((root / "handout.toml").read_text() + ORG)
    result = run(root, "build", "-j", "2", "-f", "pdf", "-f", "docx", "-l", "fr", "-l", "ar")
    assert result.exit_code == 0, result.output
    return root


def test_organization_config(tmp_path):
    root = copy_root(tmp_path)
    (root / "handout.toml").write_text((root / "handout.toml").read_text() + ORG)
    organization = load_config(root).organization
    assert (organization.name, organization.phone) == ("Riverside Spine Clinic", "+1 (604) 555-0199")


@pytest.mark.parametrize("table,words", [
    ('[organization]\nphone = "604-555-0199"\n', "organization.name"),
    ('[organization]\nname = "Clinic"\nphone = "call us"\n', "organization.phone"),
    ('[organization]\nname = "Clinic"\nfax = "604-555-0100"\n', "organization.fax"),
    ('organization = "Clinic"\n', "must be a table"),
])
def test_bad_organization_config_is_one_line_naming_the_key(tmp_path, table, words):
    root = copy_root(tmp_path)
    text = (root / "handout.toml").read_text()
    (root / "handout.toml").write_text(table + text if not table.startswith("[") else text + "\n" + table)
    with pytest.raises(HandoutError) as caught:
        load_config(root)
    assert words in str(caught.value)
    result = run(root, "build", "-f", "txt", "-l", "fr")
    assert result.exit_code == 2 and "Traceback" not in result.output and words in result.output


def _pdf_artifacts(path: Path) -> list[str]:
    import pdfplumber

    from handout_pipeline.checks.outputs.common import normalise
    from handout_pipeline.checks.outputs.pdf import _read_embedded_cmaps

    _read_embedded_cmaps()
    with pdfplumber.open(str(path)) as pdf:
        return [normalise("".join(c["text"] for c in p.chars if c.get("tag") == "Artifact")) for p in pdf.pages]


def test_pdf_footer_has_review_date_id_version_and_organisation_on_every_page(clinic_root):
    pages = _pdf_artifacts(clinic_root / "output" / "mini" / "fr" / "mini.fr.pdf")
    for number, text in enumerate(pages, 1):
        for wanted in ("Réviséle15janvier2026", "mini", "Version2", "RiversideSpineClinic", "+1(604)555-0199",
                       f"Page{number}sur{len(pages)}", "Soinsdugenouàlamaison"):
            assert wanted in text, (number, wanted, text)


def _part_xml(path: Path, name: str) -> str:
    import zipfile

    with zipfile.ZipFile(path) as package:
        return next(package.read(n).decode() for n in package.namelist() if n.startswith(f"word/{name}"))


@pytest.mark.parametrize("code", ["fr", "ar"])
def test_docx_footer_has_page_and_numpages_fields_and_the_reference_lines(clinic_root, code):
    path = clinic_root / "output" / "mini" / code / f"mini.{code}.docx"
    footer = docx.Document(str(path)).sections[0].footer
    instructions = [t.text.strip() for t in footer._element.iter(f"{W}instrText")]
    assert instructions == ["PAGE", "NUMPAGES"]
    texts = [p.text for p in footer.paragraphs]
    assert any("Riverside Spine Clinic" in t and "+1 (604) 555-0199" in t for t in texts), texts
    assert any("mini" in t and "2026" in t for t in texts), texts
    header = docx.Document(str(path)).sections[0].header
    assert len([p for p in header.paragraphs if p.text.strip()]) == 2   # the draft mark and the title


def test_docx_fields_are_computed_by_libreoffice(clinic_root, tmp_path):
    import shutil
    import subprocess

    if shutil.which("soffice") is None:
        pytest.skip("LibreOffice (soffice) is not installed")
    source = clinic_root / "output" / "mini" / "fr" / "mini.fr.docx"
    subprocess.run(["soffice", f"-env:UserInstallation=file://{tmp_path}/lo", "--headless", "--convert-to", "pdf",
                    "--outdir", str(tmp_path), str(source)], check=True, capture_output=True, timeout=240)
    import pdfplumber

    with pdfplumber.open(str(tmp_path / "mini.fr.pdf")) as pdf:
        pages = [" ".join((p.extract_text() or "").split()) for p in pdf.pages]
    for number, text in enumerate(pages, 1):
        assert f"Page {number} sur {len(pages)}" in text, text
