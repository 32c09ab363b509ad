"""The DOCX writer, compared by XML parts: language, fonts, sizes, direction, styles, tiers, determinism."""

from __future__ import annotations

import io
import re
import shutil
import subprocess
import unicodedata
import zipfile
from collections import Counter
from dataclasses import replace
from pathlib import Path

import docx
import pytest
from lxml import etree

from handout_pipeline.config import Region
from handout_pipeline.languages import get_language
from handout_pipeline.model import Handout, ListItem, Span, Tier, WarningBlock, plain, walk_items, warning_blocks
from handout_pipeline.project import Project
from handout_pipeline.writers import get_writer
from handout_pipeline.writers.docx import TIER_BORDERS, tier_style, xml_text

from helpers import localized, mini_project

HERE = Path(__file__).parent
FAMILIES = ("fr", "ar", "zh_Hans", "pa")  # Latin, RTL, CJK, Gurmukhi
W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
BODY_STYLES = ("Normal", "List Bullet", "List Bullet 2", "Glossary Term", "Glossary Definition", "Attribution",
               *(tier_style(t, role) for t in TIER_BORDERS for role in ("Text", "List", "List 2")))
HEADING_STYLES = ("Title", "Heading 1", "Heading 2", "Heading 3", *(tier_style(t) for t in TIER_BORDERS))


def w(tag: str) -> str:
    return W + tag


def val(element, attribute: str = "val") -> str | None:
    return None if element is None else element.get(w(attribute))


@pytest.fixture(scope="module")
def project() -> Project:
    return mini_project()


@pytest.fixture(scope="module")
def written(project) -> dict[str, bytes]:
    writer = get_writer("docx")
    return {code: writer.write(*localized(project, code)) for code in FAMILIES}


class Parts:
    """The XML parts of a DOCX file, with the lookups the tests need."""

    def __init__(self, data: bytes) -> None:
        with zipfile.ZipFile(io.BytesIO(data)) as package:
            assert package.testzip() is None
            self.names = package.namelist()
            self.xml = {n: etree.fromstring(package.read(n)) for n in self.names if n.endswith((".xml", ".rels"))}
        self.document = self.xml["word/document.xml"]
        self.styles = self.xml["word/styles.xml"]
        self.body = self.document.find(w("body"))
        self.paragraphs = list(self.body.iter(w("p")))  # tier boxes are one-cell tables: their paragraphs too

    def style(self, name: str):
        found = [s for s in self.styles.iter(w("style")) if val(s.find(w("name"))) in (name, name.lower())]
        assert len(found) == 1, name
        return found[0]

    def style_id(self, name: str) -> str:
        return self.style(name).get(w("styleId"))

    def defaults_rpr(self):
        return self.styles.find(f"{w('docDefaults')}/{w('rPrDefault')}/{w('rPr')}")

    def used_styles(self) -> Counter:
        return Counter(val(p.find(f"{w('pPr')}/{w('pStyle')}")) or "Normal" for p in self.paragraphs)

    def text_by_style(self, name: str) -> list[str]:
        wanted = self.style_id(name)
        return [paragraph_text(p) for p in self.paragraphs
                if (val(p.find(f"{w('pPr')}/{w('pStyle')}")) or "Normal") == wanted]


def paragraph_text(p) -> str:
    return "".join(t.text or "" for t in p.iter(w("t")))


@pytest.fixture(scope="module")
def parts(written) -> dict[str, Parts]:
    return {code: Parts(data) for code, data in written.items()}


def with_text(handout: Handout, sign_id: str, text: str, title: str | None = None) -> Handout:
    def item(i: ListItem) -> ListItem:
        return replace(i, text=(Span(text),) if i.id == sign_id else i.text, children=tuple(map(item, i.children)))

    sections = tuple(replace(s, blocks=tuple(replace(b, items=tuple(map(item, b.items)))
                                             if isinstance(b, WarningBlock) else b for b in s.blocks))
                     for s in handout.sections)
    return replace(handout, sections=sections, title=(Span(title),) if title else handout.title)


def sign_texts(handout: Handout) -> list[str]:
    texts = [plain(p.text) for b in warning_blocks(handout) for p in b.intros]
    return texts + [plain(i.text) for b in warning_blocks(handout) for i in walk_items(b.items)]


# ---- language and properties --------------------------------------------------------------------------

@pytest.mark.parametrize("code", FAMILIES)
def test_language_set_where_word_and_libreoffice_read_it(project, parts, code):
    p, language = parts[code], get_language(code)
    lang = p.defaults_rpr().find(w("lang"))
    assert (val(lang), val(lang, "eastAsia"), val(lang, "bidi")) == (language.tag,) * 3
    theme = p.xml["word/settings.xml"].find(w("themeFontLang"))
    assert (val(theme), val(theme, "eastAsia"), val(theme, "bidi")) == (language.tag,) * 3
    core = p.xml["docProps/core.xml"]
    dc = "{http://purl.org/dc/elements/1.1/}"
    handout, _ = localized(project, code)
    assert core.findtext(f"{dc}title") == plain(handout.title)
    assert core.findtext(f"{dc}language") == language.tag
    assert "ja-JP" not in etree.tostring(p.xml["word/settings.xml"]).decode()


@pytest.mark.parametrize("code", FAMILIES)
def test_fonts_name_the_languages_noto_family_without_theme_overrides(parts, code):
    p, font = parts[code], get_language(code).font
    for rpr in [p.defaults_rpr()] + [p.style(name).find(w("rPr")) for name in BODY_STYLES + HEADING_STYLES]:
        fonts = rpr.find(w("rFonts"))
        assert (val(fonts, "ascii"), val(fonts, "hAnsi")) == ("Noto Sans", "Noto Sans")
        assert (val(fonts, "eastAsia"), val(fonts, "cs")) == (font, font)
        assert not [a for a in fonts.attrib if a.endswith("Theme") or a.endswith("theme")]


@pytest.mark.parametrize("code", FAMILIES)
def test_sizes_set_for_complex_scripts_too(parts, code):
    p = parts[code]
    assert val(p.defaults_rpr().find(w("szCs"))) == "36"
    for names, least in ((BODY_STYLES, 36), (HEADING_STYLES, 44)):
        for name in names:
            rpr = p.style(name).find(w("rPr"))
            size, size_cs = val(rpr.find(w("sz"))), val(rpr.find(w("szCs")))
            assert size_cs is not None and int(size_cs) >= least, (name, size_cs)
            assert size == size_cs, name


def _win_line_height(family: str) -> float:
    """The font's own line height in em, as Word takes it (usWinAscent + usWinDescent)."""
    from fontTools.ttLib import TTFont

    from handout_pipeline.writers.pdf import font_file

    font = TTFont(str(font_file(family)), fontNumber=0, lazy=True)
    return (font["OS/2"].usWinAscent + font["OS/2"].usWinDescent) / font["head"].unitsPerEm


@pytest.mark.parametrize("code", FAMILIES)
def test_large_print_page_and_spacing(parts, code):
    p = parts[code]
    sect = p.body.find(w("sectPr"))
    size, margins = sect.find(w("pgSz")), sect.find(w("pgMar"))
    assert (val(size, "w"), val(size, "h")) == ("12240", "15840")  # Letter, the region's page size
    assert all(int(val(margins, side)) >= 1080 for side in ("top", "bottom", "left", "right"))
    # Lines 1.4 em apart as in the PDF (not a third more): spacing x the font's own line height (usWin
    # metrics, what Word uses); single spacing for CJK (1.448 em), 1.55 em for Arabic (its marks need it).
    natural = _win_line_height(get_language(code).font)
    defaults = p.styles.find(f"{w('docDefaults')}/{w('pPrDefault')}/{w('pPr')}/{w('spacing')}")
    for spacing in [defaults] + [p.style(n).find(f"{w('pPr')}/{w('spacing')}") for n in BODY_STYLES + HEADING_STYLES]:
        line = int(val(spacing, "line"))
        assert val(spacing, "lineRule") == "auto"
        pitch = line / 240 * natural
        if get_language(code).font == "Noto Sans Arabic":
            assert 1.5 <= pitch <= 1.56, (code, line, pitch)
        else:
            assert line >= 240 and 1.4 - 1e-3 <= pitch <= 1.45, (code, line, pitch)
    # Start-aligned: never justified, and right alignment for RTL comes from w:bidi, not w:jc.
    for part in (p.document, p.styles):
        assert not [j for j in part.iter(w("jc")) if val(j) in ("both", "distribute", "right", "left")]


def test_page_size_follows_the_region(project):
    handout, ctx = localized(project, "fr")
    a4 = replace(ctx, region=Region("FR", "France", "a4", {"emergency_number": "112"}))
    size = Parts(get_writer("docx").write(handout, a4)).body.find(f"{w('sectPr')}/{w('pgSz')}")
    assert (val(size, "w"), val(size, "h")) == ("11906", "16838")


# ---- direction ----------------------------------------------------------------------------------------

def test_arabic_paragraphs_bidi_and_runs_rtl(parts):
    p = parts["ar"]
    assert p.paragraphs
    for paragraph in p.paragraphs:
        assert paragraph.find(f"{w('pPr')}/{w('bidi')}") is not None, paragraph_text(paragraph)
    runs = list(p.body.iter(w("r")))
    for run in runs:
        text = "".join(t.text for t in run.iter(w("t")))
        is_rtl = run.find(f"{w('rPr')}/{w('rtl')}") is not None
        classes = {unicodedata.bidirectional(c) for c in text}
        # Latin words are their own runs without w:rtl, so Word sets them in the Latin font; digits and
        # punctuation stay in the RTL runs.
        assert is_rtl == ("L" not in classes), text
        assert not ("L" in classes and classes & {"AL", "R", "AN", "EN"}), text
    latin = [r for r in runs if r.find(f"{w('rPr')}/{w('rtl')}") is None]
    assert ["".join(t.text for t in r.iter(w("t"))) for r in latin] == ["handout-pipeline"]
    assert p.defaults_rpr().getparent().getparent().find(f"{w('pPrDefault')}/{w('pPr')}/{w('bidi')}") is not None
    for name in BODY_STYLES + HEADING_STYLES:
        assert p.style(name).find(f"{w('pPr')}/{w('bidi')}") is not None, name
    assert p.body.find(f"{w('sectPr')}/{w('bidi')}") is not None


@pytest.mark.parametrize("code", ["fr", "zh_Hans", "pa"])
def test_left_to_right_languages_have_no_bidi_or_rtl(parts, code):
    p = parts[code]
    for part in (p.document, p.styles):
        assert next(part.iter(w("bidi")), None) is None
        assert next(part.iter(w("rtl")), None) is None


# ---- structure ----------------------------------------------------------------------------------------

@pytest.mark.parametrize("code", FAMILIES)
def test_real_heading_and_list_styles_and_no_empty_paragraphs(project, parts, code):
    p = parts[code]
    handout, _ = localized(project, code)
    assert p.text_by_style("Title") == [plain(handout.title)]
    assert p.text_by_style("Heading 1") == [plain(s.heading.text) for s in handout.sections] + [
        handout.labels.glossary]
    assert len(p.text_by_style("Heading 2")) == 1
    assert len(p.text_by_style("List Bullet")) == 2 and len(p.text_by_style("List Bullet 2")) == 1
    assert p.paragraphs[0] is not None and val(p.paragraphs[0].find(f"{w('pPr')}/{w('pStyle')}")) == "Title"
    for paragraph in p.paragraphs:  # the only empty ones are the gaps that keep two tier boxes apart
        style = paragraph.find(f"{w('pPr')}/{w('pStyle')}")
        assert paragraph_text(paragraph).strip() or val(style) == p.style_id("Box Gap"), "empty paragraph"
    # Bullets come from the numbering of the list styles, shared by the tier lists.
    list_num = val(p.style("List Bullet").find(f"{w('pPr')}/{w('numPr')}/{w('numId')}"))
    for tier in TIER_BORDERS:
        style = p.style(tier_style(tier, "List"))
        assert val(style.find(w("basedOn"))) == p.style_id("List Bullet")
        assert val(style.find(f"{w('pPr')}/{w('numPr')}/{w('numId')}")) == list_num
    assert p.text_by_style("Attribution") == [plain(handout.attribution)]


@pytest.mark.parametrize("code", FAMILIES)
def test_warning_tiers_are_labelled_boxes_with_distinct_borders(project, parts, code):
    p = parts[code]
    handout, _ = localized(project, code)
    kinds = set()
    for block in warning_blocks(handout):
        label = p.style(tier_style(block.tier))
        copies = 2 if block.tier is Tier.EMERGENCY else 1   # the emergency tier is repeated under the title
        assert p.text_by_style(tier_style(block.tier)) == [handout.labels.tier(block.tier)] * copies
        assert val(label.find(f"{w('rPr')}/{w('b')}")) == "1" and val(label.find(f"{w('rPr')}/{w('bCs')}")) == "1"
        assert p.text_by_style(tier_style(block.tier, "Text")) == [plain(i.text) for i in block.intros] * copies
        signs = p.text_by_style(tier_style(block.tier, "List")) + p.text_by_style(tier_style(block.tier, "List 2"))
        assert sorted(signs) == sorted(plain(i.text) for i in walk_items(block.items) for _ in range(copies))
        assert val(label.find(f"{w('pPr')}/{w('outlineLvl')}")) == "1"  # a heading under its section
        # One box: a table that holds the label, every intro and every sign, and no row of which splits. The
        # emergency box is one cell; another box has its label in a header row Word and LibreOffice repeat
        # atop each page it goes on to, then a row per sign (with its sub-items), the intro in the first.
        table = next(tbl for tbl in p.body.iter(w("tbl"))
                     if handout.labels.tier(block.tier) in [paragraph_text(x) for x in tbl.iter(w("p"))])
        rows = table.findall(w("tr"))
        inside = [paragraph_text(x) for x in table.iter(w("p"))]
        assert inside[0] == handout.labels.tier(block.tier)
        assert set(plain(i.text) for i in block.intros) | set(plain(i.text) for i in walk_items(block.items)) <= set(inside)
        assert all(row.find(f"{w('trPr')}/{w('cantSplit')}") is not None for row in rows)
        if block.tier is Tier.EMERGENCY:
            assert len(rows) == 1
        else:
            assert rows[0].find(f"{w('trPr')}/{w('tblHeader')}") is not None
            assert [paragraph_text(x) for x in rows[0].iter(w("p"))] == [handout.labels.tier(block.tier)]
            assert len(rows) == 1 + len(block.items)
            first_sign_row = [paragraph_text(x) for x in rows[1].iter(w("p"))]
            assert first_sign_row[:len(block.intros)] == [plain(i.text) for i in block.intros]
        cells = [row.find(w("tc")) for row in rows]
        sides = {side: [val(c.find(f"{w('tcPr')}/{w('tcBorders')}/{w(side)}")) for c in cells]
                 for side in ("top", "left", "bottom", "right")}
        kind = sides["left"][0]
        # the border runs round the whole table: the sides of every row, the top of the first, the bottom of the last
        assert set(sides["left"]) == set(sides["right"]) == {kind}
        assert sides["top"][0] == sides["bottom"][-1] == kind
        assert set(sides["top"][1:]) | set(sides["bottom"][:-1]) <= {"nil"}
        kinds.add(kind)
    assert kinds == {"double", "single", "dashed"}


@pytest.mark.parametrize("code", FAMILIES)
def test_every_warning_sign_is_in_the_text_python_docx_reads(project, written, code):
    handout, _ = localized(project, code)
    document = docx.Document(io.BytesIO(written[code]))
    cells = [p for table in document.tables for cell in table._cells for p in cell.paragraphs]
    text = "\n".join(p.text for p in [*document.paragraphs, *cells])
    for sign in sign_texts(handout):
        assert sign in text


def test_bold_and_italic_runs_carry_complex_script_twins(parts):
    for code, strong, emphasis in (("fr", "24 heures", "pas"), ("ar", "24 ساعة", "لا"), ("pa", "24 ਘੰਟੇ", "ਨਾ")):
        runs = {"".join(t.text for t in r.iter(w("t"))): r.find(w("rPr")) for r in parts[code].body.iter(w("r"))}
        assert val(runs[strong].find(w("b"))) == "1" and val(runs[strong].find(w("bCs"))) == "1"
        assert runs[emphasis].find(w("i")) is not None and runs[emphasis].find(w("iCs")) is not None


# ---- determinism and untrusted text --------------------------------------------------------------------

def test_same_input_same_bytes_fixed_dates_and_order(project, written):
    handout, ctx = localized(project, "zh_Hans")
    assert get_writer("docx").write(handout, ctx) == written["zh_Hans"]
    with zipfile.ZipFile(io.BytesIO(written["zh_Hans"])) as package:
        infos = package.infolist()
    assert infos[0].filename == "[Content_Types].xml"
    assert {i.date_time for i in infos} == {(1980, 1, 1, 0, 0, 0)}
    assert "docProps/thumbnail.jpeg" not in [i.filename for i in infos]
    core = Parts(written["zh_Hans"]).xml["docProps/core.xml"]
    terms = "{http://purl.org/dc/terms/}"
    cp = "{http://schemas.openxmlformats.org/package/2006/metadata/core-properties}"
    assert core.findtext(f"{terms}created") == core.findtext(f"{terms}modified") == "2026-01-15T00:00:00Z"
    assert core.findtext(f"{cp}revision") == "1"
    assert core.find(f"{cp}lastPrinted") is None


def test_xml_illegal_characters_are_replaced_not_fatal(project):
    handout, ctx = localized(project, "fr")
    hostile = with_text(handout, "fever", "De la\x0bfièvre\x01\x00 <b>&amp;</w:t>\ufffe", title="Soins\x1f du genou")
    data = get_writer("docx").write(hostile, ctx)
    document = docx.Document(io.BytesIO(data))  # not corrupt: it opens, and its parts parse
    texts = [p.text for p in [*document.paragraphs,
                              *(p for table in document.tables for cell in table._cells for p in cell.paragraphs)]]
    assert "De la fièvre <b>&amp;</w:t>" in texts
    assert document.core_properties.title == "Soins du genou"
    assert xml_text("a\x01b\x0cc\td\ud800") == "ab c d"


@pytest.mark.skipif(shutil.which("soffice") is None or shutil.which("pdftotext") is None,
                    reason="LibreOffice (soffice) or pdftotext is not installed")
def test_libreoffice_converts_each_family_to_pdf_with_every_sign(project, written, tmp_path):
    paths = []
    for code, data in written.items():
        paths.append(tmp_path / f"mini.{code}.docx")
        paths[-1].write_bytes(data)
    profile = (tmp_path / "lo-profile").as_uri()
    result = subprocess.run(["soffice", f"-env:UserInstallation={profile}", "--headless", "--convert-to", "pdf",
                             "--outdir", str(tmp_path / "pdf"), *map(str, paths)],
                            capture_output=True, text=True, timeout=180)
    assert result.returncode == 0, result.stderr
    for code in written:
        pdf = tmp_path / "pdf" / f"mini.{code}.pdf"
        assert pdf.is_file(), result.stdout + result.stderr
        text = subprocess.run(["pdftotext", "-enc", "UTF-8", str(pdf), "-"], capture_output=True, check=True,
                              text=True).stdout
        handout, _ = localized(project, code)
        for sign in sign_texts(handout):
            assert pdf_contains(text, sign, get_language(code).rtl), (code, sign)


def pdf_contains(text: str, sign: str, rtl: bool) -> bool:
    """Whether pdftotext's text holds a sign: exactly (whitespace aside), or word by word for RTL.

    poppler reverses the letters of RTL ligatures and mark clusters in LibreOffice's PDFs (لا comes out ال)
    and glues numbers to words, so for RTL every run of letters (and every number) of the sign must be
    found with the same letters; their order inside the run is not compared."""
    text, sign = unicodedata.normalize("NFKC", text), unicodedata.normalize("NFKC", sign)
    if not rtl:
        return re.sub(r"\s+", "", sign) in re.sub(r"\s+", "", text)

    def tokens(s: str) -> set[str]:
        return {"".join(sorted(t)) for t in re.findall(r"[^\W\d_]+|\d+", s)}

    return tokens(sign) <= tokens(text)


@pytest.mark.parametrize("code", ["fr", "ar", "zh_Hans", "pa"])
def test_font_table_names_the_noto_families_with_their_panose_and_generic_family(project, code):
    import subprocess
    import zipfile

    from fontTools.ttLib import TTFont

    from handout_pipeline.writers import get_writer

    handout, ctx = localized(project, code)
    data = get_writer("docx").write(handout, ctx)
    table = etree.fromstring(zipfile.ZipFile(io.BytesIO(data)).read("word/fontTable.xml"))
    fonts = {f.get(w("name")): f for f in table.findall(w("font"))}
    for family in ("Noto Sans", get_language(code).font):
        font = fonts[family]
        assert val(font.find(w("family"))) == "swiss" and val(font.find(w("pitch"))) == "variable"
        found = subprocess.run(["fc-match", "-f", "%{file}:%{index}", family], capture_output=True, text=True)
        path, index = found.stdout.rsplit(":", 1)
        panose = TTFont(path, fontNumber=int(index))["OS/2"].panose
        digits = (panose.bFamilyType, panose.bSerifStyle, panose.bWeight, panose.bProportion, panose.bContrast,
                  panose.bStrokeVariation, panose.bArmStyle, panose.bLetterForm, panose.bMidline, panose.bXHeight)
        assert val(font.find(w("panose1"))) == "".join(f"{d:02X}" for d in digits), family
    ours = list(dict.fromkeys(["Noto Sans", get_language(code).font]))
    assert list(fonts)[:len(ours)] == ours
