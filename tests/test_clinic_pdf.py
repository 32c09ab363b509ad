"""The shipped handout's PDFs in all 11 languages: an independent PDF/UA-1 validator, page count and fill."""

from __future__ import annotations

from pathlib import Path

import pytest

from handout_pipeline.languages import get_language
from handout_pipeline.project import Project
from handout_pipeline.writers import pdf

page = pytest.importorskip("page", reason="install the test extras: pip install -e '.[test]'")

ROOT = Path(__file__).resolve().parent.parent
SHIPPED = "medial-branch-neurotomy"


@pytest.fixture(scope="session")
def shipped(tmp_path_factory) -> dict[str, tuple[Path, object]]:
    """Every configured language of the shipped handout, rendered once: code -> (PDF path, laid-out document)."""
    project = Project.open(ROOT)
    folder = tmp_path_factory.mktemp("shipped")
    out = {}
    for language in project.config.languages:
        handout = project.localized(SHIPPED, language).handout
        ctx = project.render_context(language)
        document = pdf.render_document(handout, ctx)
        path = folder / f"{SHIPPED}.{language.tag}.pdf"
        path.write_bytes(pdf.pdf_bytes(document, handout, ctx))
        out[language.code] = (path, document)
    return out


def test_all_eleven_languages_are_shipped(shipped):
    assert len(shipped) == 11


def test_every_shipped_pdf_passes_an_independent_pdf_ua_1_validator(shipped):
    failed = {}
    for code, (path, _) in shipped.items():
        report = page.validate_pdf(str(path), profile="ua1")
        if not report.is_compliant:
            failed[code] = [str(f)[:200] for f in report.failures]
    assert not failed, failed


def _drawn_spaces(path: Path) -> tuple[int, int]:
    """(glyphs drawn, of them spaces) read from the content streams through each font's ToUnicode CMap."""
    import re

    import pikepdf

    drawn = spaces = 0
    with pikepdf.open(path) as document:
        for pdf_page in document.pages:
            space_codes = {}
            for name, font in pdf_page.Resources.Font.items():
                cmap = font.ToUnicode.read_bytes()
                space_codes[str(name)] = {bytes.fromhex(c.decode()) for c in re.findall(rb"<([0-9a-f]{4})> <0020>", cmap)}
            font_name = None
            for operands, operator in pikepdf.parse_content_stream(pdf_page):
                if operator == pikepdf.Operator("Tf"):
                    font_name = str(operands[0])
                elif operator == pikepdf.Operator("TJ"):
                    for piece in operands[0]:
                        if isinstance(piece, pikepdf.String):
                            data = bytes(piece)
                            for i in range(0, len(data), 2):
                                drawn += 1
                                spaces += data[i:i + 2] in space_codes.get(font_name, ())
    return drawn, spaces


def test_korean_text_layer_keeps_its_word_spaces(shipped):
    from handout_pipeline.model import all_texts

    project = Project.open(ROOT)
    handout = project.localized(SHIPPED, get_language("ko")).handout
    word_spaces = sum(text.strip().count(" ") for text in all_texts(handout))
    _, spaces = _drawn_spaces(shipped["ko"][0])
    # Every space between two words is a real space in the text layer (a line end may take one).
    assert spaces >= 0.9 * word_spaces, (spaces, word_spaces)
