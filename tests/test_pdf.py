"""The PDF writer: text layer, PDF/UA structure, large print, RTL layout, fetch lock, determinism."""

from __future__ import annotations

import dataclasses
import io
import itertools
import math
import re
import socket
import subprocess
import unicodedata
from pathlib import Path

import pikepdf
import pytest

from handout_pipeline.languages import LANGUAGES, Language, get_language
from handout_pipeline.model import Handout, Heading, Paragraph, Span, Tier, WarningBlock, all_texts, plain, warning_blocks
from handout_pipeline.project import Project
from handout_pipeline.writers import ASSETS, RenderContext, WriterUnavailable
from handout_pipeline.writers import pdf
from handout_pipeline.writers.pdf_patches import FONT_TIMESTAMP, MARK_TEXT, glyph_texts, installed, render_fixes

MINI = Path(__file__).parent / "fixtures" / "mini"
FAMILIES = ("fr", "ar", "zh_Hans", "pa")    # Latin, RTL, CJK, Gurmukhi: one of each script family
PT = 96 / 72                                # CSS px per point (WeasyPrint's box tree is in px)


@dataclasses.dataclass(frozen=True)
class Rendered:
    language: Language
    handout: Handout
    ctx: RenderContext
    document: object      # weasyprint.Document, laid out
    data: bytes
    path: Path


@pytest.fixture(scope="module")
def project() -> Project:
    return Project.open(MINI)


@pytest.fixture(scope="module")
def rendered(project, tmp_path_factory):
    """Each language rendered once for the whole module (CJK subsetting takes seconds)."""
    cache: dict[str, Rendered] = {}
    folder = tmp_path_factory.mktemp("pdf")

    def get(code: str) -> Rendered:
        if code not in cache:
            language = get_language(code)
            handout = project.localized("mini", language).handout
            ctx = project.render_context(language)
            document = pdf.render_document(handout, ctx)
            data = pdf.pdf_bytes(document, handout, ctx)
            path = folder / f"mini.{code}.pdf"
            path.write_bytes(data)
            cache[code] = Rendered(language, handout, ctx, document, data, path)
        return cache[code]

    return get


# --- Reading the text back as pdftotext gives it ---------------------------------------------------

_BIDI_CONTROLS = re.compile("[\u200e\u200f\u202a-\u202e\u2066-\u2069]")   # pdftotext marks RTL runs with them


def pdftotext(path: Path, *args: str) -> str:
    return subprocess.run(["pdftotext", *args, str(path), "-"], capture_output=True, text=True, check=True).stdout


def extracted_text(path: Path, language: Language) -> str:
    """pdftotext's text, NFC, its bidi marks dropped, lines joined as the language writes them."""
    # U+034F, what a zero-width mark glyph maps to (pdf_patches.MARK_TEXT), is default-ignorable: readers skip
    # it. pdftotext places it by the mark's own box: a mark left of its letter (Arabic shadda) or high above
    # it (tanween in a 26 pt label) gets a gap or a line break before it from pdftotext's layout guess.
    # Those are the extractor's, not in the text layer's order, and go with the mark.
    raw = re.sub(f"\\s{MARK_TEXT}\\n?|{MARK_TEXT}", "", _BIDI_CONTROLS.sub("", pdftotext(path)))
    raw = unicodedata.normalize("NFC", raw)
    spaced = not (language.script_class == "cjk" and language.code != "ko")

    def join(match: re.Match) -> str:
        before, after = raw[match.start() - 1:match.start()], raw[match.end():match.end() + 1]
        if "\n" not in match.group() and "\f" not in match.group():
            return " "
        # Chinese has no spaces between words: a line break between two of its characters, or next
        # to its full-width punctuation, stands for nothing.
        if not spaced and before and after and (
                (_wide(before) and _wide(after)) or _wide_punct(before) or _wide_punct(after)):
            return ""
        return " "

    return re.sub(r"\s+", join, raw).strip()


def _wide(char: str) -> bool:
    return unicodedata.east_asian_width(char) in ("W", "F")


def _wide_punct(char: str) -> bool:
    return _wide(char) and unicodedata.category(char).startswith("P")


def normalised(text: str) -> str:
    return " ".join(unicodedata.normalize("NFC", text).split())


def rtl_canonical(text: str) -> str:
    """Text as pdftotext can give back an RTL line, whatever the text layer."""
    # pdftotext (poppler TextOutputDev reorderText) rebuilds logical order with a simplified bidi: a run
    # that is not right-to-left and holds a digit or Latin letter takes the spaces and punctuation next
    # to it along ("بالرقم 911 إذا" comes out "بالرقم  911إذا", "handout-pipeline." as
    # ".handout-pipeline"). No text layer can avoid it: an LTR run in its output always ends on its last
    # digit or letter. So around such runs we compare the run itself and drop the neutral characters at
    # its edges; between Arabic words spaces and punctuation are kept (a punctuation-and-space group's
    # order aside). Every Arabic letter and mark, every digit and Latin letter, stays compared in order.
    out = []
    for rtl, group in itertools.groupby(normalised(text), _strong_rtl):
        run = "".join(group)
        if rtl:
            out.append(run)
            continue
        strong = [i for i, char in enumerate(run) if unicodedata.bidirectional(char) in ("L", "EN", "AN")]
        if strong:
            out.append(f" {run[strong[0]:strong[-1] + 1]} ")
        else:
            out.append("".join(c for c in run if not c.isspace()) + (" " if any(c.isspace() for c in run) else ""))
    return " ".join("".join(out).split())


def _strong_rtl(char: str) -> bool:
    return unicodedata.bidirectional(char) in ("R", "AL", "NSM")


def comparable(text: str, language: Language) -> str:
    return rtl_canonical(text) if language.rtl else normalised(text)


# --- Text layer ---------------------------------------------------------------------------------------

@pytest.mark.parametrize("code", FAMILIES)
def test_text_layer_gives_back_every_message(rendered, code):
    r = rendered(code)
    page_text = comparable(extracted_text(r.path, r.language), r.language)
    texts = [t for t in all_texts(r.handout) if t.strip()]
    assert len(texts) >= 20  # title, headings, body, every warning sign, labels, attribution, glossary
    missing = [t for t in texts if comparable(t, r.language) not in page_text]
    assert not missing, f"not in the PDF's text layer: {missing}\n--- pdftotext:\n{page_text}"


def test_hard_cases_are_in_the_fixture_and_come_back(rendered):
    """The words that upstream WeasyPrint 70 gets wrong must be in the fixture, and come back exactly."""
    ar, pa = rendered("ar"), rendered("pa")
    ar_text = comparable(extracted_text(ar.path, ar.language), ar.language)
    for word in ("إلى", "لا", "الأدوية", "الآن", "مُعدّ", "منتفخًا"):  # lam-alef ligatures, harakat
        assert any(word in t for t in all_texts(ar.handout)), word
        assert normalised(word) in ar_text, word
    pa_text = comparable(extracted_text(pa.path, pa.language), pa.language)
    pa_words = [w for t in all_texts(pa.handout) for w in t.split() if "\u0a3f" in w]  # pre-base ਿ
    assert len(pa_words) >= 5
    for word in pa_words + ["ਸਕਦੇ।"]:
        assert normalised(word) in pa_text.split(), word


def test_glyph_texts_read_in_visual_order_give_the_text():
    # Gurmukhi ਕਿ: one cluster, the vowel sign drawn first; both glyphs advance.
    assert glyph_texts("ਕਿ", [0, 0], [True, True], [True, True], rtl=False) == ["ਕ", "ਿ"]
    # Arabic lam-alef ligature in an RTL run: stored reversed, as extractors reverse RTL runs.
    assert glyph_texts("لا", [0], [True], [True], rtl=True) == ["ال"]
    # Arabic dal with shadda: the mark is its own cluster, zero width, drawn first (leftmost).
    assert glyph_texts("دّ", [2, 0], [True, True], [False, True], rtl=True) == [MARK_TEXT, "ّد"]
    # A glyph Pango draws as nothing carries nothing.
    assert glyph_texts("a\u200bb", [0, 1, 4], [True, False, True], [True, False, True], rtl=False) == [
        "a", "", "b"]


def test_fixes_are_inert_outside_our_renders(monkeypatch):
    """The process-wide wrappers change nothing for other WeasyPrint users."""
    from weasyprint import HTML

    import weasyprint.draw.text as wp_text
    import weasyprint.pdf.fonts as wp_fonts
    import fontTools.ttLib.tables._h_e_a_d as ft_head
    from handout_pipeline.writers import pdf_patches

    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1000000000")  # makes fontTools' own time stamp fixed
    html = '<html lang="pa"><p style="font-family: \'Noto Sans Gurmukhi\'">ਤੁਸੀਂ ਸਾਹ ਨਹੀਂ ਲੈ ਸਕਦੇ ਕਿ ਸਕਦੀ</p>'
    with render_fixes():
        assert installed()
    patched = HTML(string=html).write_pdf()
    for module, name, key in ((wp_text, "draw_first_line", "draw_first_line"),
                              (wp_fonts, "_build_vector_font_dictionary", "vector_font"),
                              (ft_head, "timestampNow", "timestamp")):
        monkeypatch.setattr(module, name, pdf_patches._UPSTREAM[key])
    assert not installed()
    assert HTML(string=html).write_pdf() == patched


# --- Structure (PDF/UA-1) ----------------------------------------------------------------------------

def expected_outline(handout: Handout) -> list[tuple[int, str]]:
    """(depth, title) of every heading, in reading order: title, sections, subheadings, tier labels."""
    entries = [(0, plain(handout.title))]
    if handout.meta.emergency_summary:   # the page-1 summary: each emergency box, beside the sections
        entries += [(pdf.SUMMARY_LABEL_LEVEL - 1, handout.labels.tier(block.tier)) for block in warning_blocks(handout)
                    if block.tier is Tier.EMERGENCY]
    for section in handout.sections:
        entries.append((1, plain(section.heading.text)))
        for block in section.blocks:
            if isinstance(block, Heading):
                entries.append((block.level - 1, plain(block.text)))
            elif isinstance(block, WarningBlock):
                entries.append((pdf.WARNING_LABEL_LEVEL - 1, handout.labels.tier(block.tier)))
    if handout.glossary:
        entries.append((1, handout.labels.glossary))
    return [(depth, normalised(title)) for depth, title in entries]


def pdffonts(path: Path) -> list[dict[str, str]]:
    out = subprocess.run(["pdffonts", str(path)], capture_output=True, text=True, check=True).stdout
    fonts = []
    for line in out.splitlines()[2:]:
        fields = line.split()
        fonts.append({"name": fields[0], "emb": fields[-5], "sub": fields[-4], "uni": fields[-3]})
    return fonts


@pytest.mark.parametrize("code", FAMILIES)
def test_pdf_ua_structure(rendered, code):
    r = rendered(code)
    with pikepdf.open(r.path) as doc:
        root = doc.Root
        assert str(root.Lang) == r.language.tag
        assert "/StructTreeRoot" in root
        assert len(root.StructTreeRoot.K) >= 1
        assert root.MarkInfo.Marked is True
        assert root.ViewerPreferences.DisplayDocTitle is True
        assert str(doc.docinfo.Title) == plain(r.handout.title)
        with doc.open_metadata() as xmp:
            assert xmp.get("pdfuaid:part") == "1"
            assert xmp.get("dc:title") == plain(r.handout.title)
        assert "/CreationDate" not in doc.docinfo and "/ModDate" not in doc.docinfo
        assert len(doc.trailer.ID) == 2
        with doc.open_outline() as outline:
            found = []

            def walk(items, depth):
                for item in items:
                    found.append((depth, normalised(item.title)))
                    walk(item.children, depth + 1)

            walk(outline.root, 0)
    assert found == expected_outline(r.handout)
    fonts = pdffonts(r.path)
    assert fonts
    for font in fonts:
        assert font["emb"] == "yes" and font["uni"] == "yes", font
        assert "+Noto-Sans" in font["name"], font   # no DejaVu or other fallback anywhere, digits included
    assert any(r.language.font.replace(" ", "-") in font["name"] for font in fonts)


@pytest.mark.parametrize("code", ["fr", "ar"])
def test_all_text_is_tagged_content(rendered, code):
    """PDF/UA: every text-showing operator is marked content of the structure tree, or an artifact."""
    kinds, shown = set(), 0
    with pikepdf.open(rendered(code).path) as doc:
        for page in doc.pages:
            marks = []
            for operands, operator in pikepdf.parse_content_stream(page):
                op = str(operator)
                if op == "BMC":
                    marks.append(str(operands[0]) == "/Artifact")
                elif op == "BDC":
                    marks.append(str(operands[0]) == "/Artifact" or "/MCID" in operands[1])
                elif op == "EMC":
                    marks.pop()
                elif op in ("TJ", "Tj"):
                    shown += 1
                    assert any(marks), "text outside marked content"

        def walk(element):
            if isinstance(element, pikepdf.Dictionary) and "/S" in element:
                kinds.add(str(element.S))
            for kid in (element.get("/K", []) if isinstance(element, pikepdf.Dictionary) else []):
                if isinstance(kid, pikepdf.Dictionary):
                    walk(kid)

        walk(doc.Root.StructTreeRoot.K[0])
    assert shown > 20
    assert {"/H1", "/H2", "/H3", "/P", "/L", "/LI", "/Lbl", "/LBody", "/Sect"} <= kinds, kinds


def test_html_page_is_tagged_with_language_and_direction(rendered):
    for code, direction in (("ar", "rtl"), ("fr", "ltr")):
        r = rendered(code)
        html = pdf.render_html(r.handout, r.ctx)
        root = re.search(r"<html\b[^>]*>", html).group()
        assert f'lang="{r.language.tag}"' in root and f'dir="{direction}"' in root
        assert 'data-page-size="letter"' in root


# --- Large print -------------------------------------------------------------------------------------

def _multiply(m, n):
    a, b, c, d, e, f = m
    a2, b2, c2, d2, e2, f2 = n
    return (a * a2 + b * c2, a * b2 + b * d2, c * a2 + d * c2, c * b2 + d * d2,
            e * a2 + f * c2 + e2, e * b2 + f * d2 + f2)


def shown_font_sizes(doc: pikepdf.Pdf) -> list[float]:
    """The size, in points on the page, of every text-showing operation (Tf scaled by Tm and the CTM)."""
    sizes: list[float] = []

    def run(container, ctm, resources):
        stack, tm, font_size = [], (1, 0, 0, 1, 0, 0), None
        for operands, operator in pikepdf.parse_content_stream(container):
            op = str(operator)
            if op == "q":
                stack.append(ctm)
            elif op == "Q":
                ctm = stack.pop()
            elif op == "cm":
                ctm = _multiply(tuple(float(x) for x in operands), ctm)
            elif op == "BT":
                tm = (1, 0, 0, 1, 0, 0)
            elif op == "Tm":
                tm = tuple(float(x) for x in operands)
            elif op == "Tf":
                font_size = float(operands[1])
            elif op in ("TJ", "Tj", "'", '"'):
                m = _multiply(tm, ctm)
                sizes.append(font_size * math.hypot(m[2], m[3]))
            elif op == "Do":
                xobject = resources.XObject[operands[0]]
                if xobject.Subtype == "/Form":
                    matrix = tuple(float(x) for x in xobject.get("/Matrix", [1, 0, 0, 1, 0, 0]))
                    run(xobject, _multiply(matrix, ctm), xobject.get("/Resources", resources))

    for page in doc.pages:
        run(page, (1, 0, 0, 1, 0, 0), page.Resources)
    return sizes


@pytest.mark.parametrize("code", FAMILIES)
def test_every_shown_text_is_at_least_18_pt(rendered, code):
    with pikepdf.open(rendered(code).path) as doc:
        sizes = shown_font_sizes(doc)
    assert len(sizes) > 20
    assert min(sizes) >= 18 - 1e-3, sorted(sizes)[:5]
    assert max(sizes) >= 22


def _text_boxes(document):
    """(text box, tags of its ancestor elements) for every piece of text laid out."""
    from weasyprint.formatting_structure import boxes

    def walk(box, tags):
        tag = getattr(box, "element_tag", None)
        tags = tags + ((tag,) if tag else ())
        if isinstance(box, boxes.TextBox):
            yield box, tags
        for child in getattr(box, "children", ()):
            yield from walk(child, tags)

    for page in document.pages:
        yield from walk(page._page_box, ())


def _luminance(color) -> float:
    def channel(c):
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4
    r, g, b = (channel(c) for c in color.to("srgb").coordinates)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


@pytest.mark.parametrize("code", FAMILIES)
def test_large_print_layout(rendered, code):
    r = rendered(code)
    text_boxes = list(_text_boxes(r.document))
    assert len(text_boxes) > 20
    headings = 0
    for box, tags in text_boxes:
        style = box.style
        assert style["font_size"] >= 18 * PT - 1e-6, (box.text, style["font_size"] / PT)
        if {"h1", "h2", "h3", "h4", "h5", "h6"} & set(tags):
            headings += 1
            assert style["font_size"] >= 22 * PT - 1e-6, (box.text, style["font_size"] / PT)
        assert isinstance(style["line_height"], float) and style["line_height"] >= 1.4, style["line_height"]
        assert style["text_align_all"] in ("start", "left", "right") and style["text_align_last"] != "justify"
        assert style["color"].alpha == 1
        contrast = (1.05) / (_luminance(style["color"]) + 0.05)   # against the white page
        assert contrast >= 7, (box.text, style["color"])
        assert style["font_family"][0] == r.language.font
        assert style["column_count"] == "auto"
    assert headings >= 5
    for page in r.document.pages:
        page_box = page._page_box
        assert (page.width, page.height) == (816, 1056)                 # Letter, in CSS px
        for side in ("right", "left"):
            assert getattr(page_box, f"margin_{side}") >= 0.5 * 96      # 0.5 in at the sides
        # the top and bottom margins hold the header and footer, with 1/4 in or more to the paper's edge
        for box in page_box.children:
            name = getattr(box, "at_keyword", None)
            if name in ("@top-left", "@bottom-left"):
                lines = sum(child.margin_height() for child in box.children)
                assert lines >= 18 * PT * 1.4 - 1e-3                            # one line at least
                margin = page_box.margin_top if name == "@top-left" else page_box.margin_bottom
                padding = box.padding_bottom if name == "@top-left" else box.padding_top
                assert margin >= lines + padding + 0.25 * 96, (name, margin / 96)
        for box in _all_boxes(page_box):
            background = box.style["background_color"]
            assert background.alpha == 0 or _luminance(background) > 0.99, box


def _all_boxes(box):
    yield box
    for child in getattr(box, "children", ()):
        yield from _all_boxes(child)


def test_page_size_follows_the_region(rendered):
    with pikepdf.open(rendered("fr").path) as doc:
        assert {tuple(float(x) for x in page.MediaBox) for page in doc.pages} == {(0, 0, 612, 792)}
    r = rendered("fr")
    ctx = dataclasses.replace(r.ctx, region=dataclasses.replace(r.ctx.region, page_size="a4"))
    document = pdf.render_document(r.handout, ctx)
    assert {(round(p.width * 72 / 96, 1), round(p.height * 72 / 96, 1)) for p in document.pages} == {
        (595.3, 841.9)}


def test_every_language_is_named_its_own_font():
    """fontconfig would draw Persian with DejaVu: each language's :lang() rule names its Noto family."""
    from weasyprint import CSS, HTML

    for language in LANGUAGES.values():
        html = f'<html lang="{language.tag}"><p>x <em>y</em></p></html>'
        document = HTML(string=html).render(stylesheets=[CSS(filename=str(pdf.STYLESHEET))])
        families = {box.style["font_family"] for box, _ in _text_boxes(document)}
        assert families == {tuple(dict.fromkeys((language.font, "Noto Sans")))}, language.code
        files = pdf.font_files(language)
        assert files and files[0].exists(), language.code


def test_inputs_name_template_stylesheet_and_fonts(rendered):
    r = rendered("ar")
    files = pdf.inputs(r.ctx)
    assert files[:2] == [pdf.TEMPLATE, pdf.STYLESHEET]
    assert all(f.exists() for f in files)
    names = {f.name for f in files}
    assert {"NotoSansArabic-Regular.ttf", "NotoSansArabic-Bold.ttf", "NotoSans-Regular.ttf"} <= names
    assert pdf.font_files(r.language)[0].name == "NotoSansArabic-Regular.ttf"
    assert pdf.font_files(get_language("zh_Hans"))[0].suffix == ".ttc"


def test_missing_font_is_an_error_not_a_quiet_skip(rendered, monkeypatch):
    from handout_pipeline.errors import HandoutError

    r = rendered("fr")
    monkeypatch.setattr(pdf, "font_file", lambda pattern: None)
    with pytest.raises(HandoutError, match="Noto Sans") as raised:
        pdf.write(r.handout, r.ctx)
    assert not isinstance(raised.value, WriterUnavailable)


# --- Right to left -----------------------------------------------------------------------------------

def first_line_words(path: Path) -> list[tuple[float, float]]:
    """(xMin, xMax) in points of the words on the first line of page 1's title (its tallest words, under the
    running header), from pdftotext -bbox."""
    words = [tuple(float(v) for v in m.groups()) for m in re.finditer(
        r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">',
        pdftotext(path, "-bbox", "-f", "1", "-l", "1"))]
    tallest = max(y1 - y0 for _, y0, _, y1 in words)
    top = min(y0 for _, y0, _, y1 in words if y1 - y0 > tallest - 1)
    return [(x0, x1) for x0, y, x1, _ in words if abs(y - top) < 1]


def test_rtl_layout_is_mirrored(rendered):
    margin, width = 36, 612   # 0.5 in at the sides, Letter
    ar = first_line_words(rendered("ar").path)
    assert abs(max(x1 for _, x1 in ar) - (width - margin)) < 1    # starts at the right margin
    assert min(x0 for x0, _ in ar) > margin + 20                   # and is ragged on the left
    fr = first_line_words(rendered("fr").path)
    assert abs(min(x0 for x0, _ in fr) - margin) < 1
    assert max(x1 for _, x1 in fr) < width - margin - 20
    # List markers sit on the right in Arabic.
    r = rendered("ar")
    markers = [box for box, tags in _text_boxes(r.document) if tags[-1] == "li::marker"]
    items = [box for box, tags in _text_boxes(r.document) if tags[-1] == "li"]
    assert markers and items
    assert min(m.position_x for m in markers) > max(i.position_x for i in items)


# --- Fetch lock ---------------------------------------------------------------------------------------

HOSTILE = '<img src="http://127.0.0.1:9/x.png"> url(file:///etc/passwd)'


def test_fetcher_serves_only_assets():
    for url in ("http://127.0.0.1:9/x.png", "https://example.org/x.css", "file:///etc/passwd",
                f"{ASSETS.as_uri()}/../writers/pdf.py", f"{ASSETS.as_uri()}/missing.css",
                "data:text/css,p{color:red}", "ftp://example.org/x", "file://evil.example/etc/passwd"):
        with pytest.raises(pdf.FetchRefused):
            pdf.asset_fetcher().fetch(url)
    response = pdf.asset_fetcher().fetch(pdf.STYLESHEET.as_uri())
    assert response.read() == pdf.STYLESHEET.read_bytes()


def test_hostile_text_stays_text_and_nothing_is_fetched(rendered, monkeypatch):
    r = rendered("fr")
    asked, connects = [], []
    real_asset_path = pdf.asset_path
    monkeypatch.setattr(pdf, "asset_path", lambda url: asked.append(url) or real_asset_path(url))
    monkeypatch.setattr(socket, "create_connection", lambda *a, **k: connects.append(a) or 1 / 0)
    section = r.handout.sections[0]
    hostile_block = Paragraph("hostile", (Span(HOSTILE),), HOSTILE)
    handout = dataclasses.replace(
        r.handout, title=(Span(HOSTILE),),
        sections=(dataclasses.replace(section, blocks=(hostile_block, *section.blocks)),
                  *r.handout.sections[1:]))
    data = pdf.write(handout, r.ctx)
    path = r.path.with_name("hostile.pdf")
    path.write_bytes(data)
    text = "".join(extracted_text(path, r.language).split())  # a URL may wrap after a slash
    assert text.count("".join(HOSTILE.split())) >= 2              # title and paragraph, literally
    assert asked == [] and connects == []
    # And if markup did reach WeasyPrint, the fetcher refuses it and the build still succeeds.
    from weasyprint import HTML

    HTML(string=f"<p>x</p>{HOSTILE}<div style='background: url(file:///etc/passwd)'>y</div>",
         url_fetcher=pdf.asset_fetcher()).write_pdf()
    assert asked == ["http://127.0.0.1:9/x.png", "file:///etc/passwd"]
    assert connects == []


# --- Determinism ---------------------------------------------------------------------------------------

@pytest.mark.parametrize("code", ["fr", "ar"])
def test_same_input_same_bytes(rendered, code):
    r = rendered(code)
    assert pdf.write(r.handout, r.ctx) == r.data
    # Two renders within one second would match even with a clock in the file: look for the clock.
    from fontTools.ttLib import TTFont

    with pikepdf.open(r.path) as doc:
        files = [obj for obj in doc.objects if isinstance(obj, pikepdf.Stream) and "/Length1" in obj]
        assert files
        for font_file in files:
            font = TTFont(io.BytesIO(font_file.read_bytes()))
            # fontTools' subsetter stamps "now" unless our fix pins it; HarfBuzz keeps the font's own date.
            from fontTools.misc.timeTools import timestampNow
            assert font["head"].modified == FONT_TIMESTAMP or timestampNow() - font["head"].modified > 86400


def _tree(data: bytes):
    """The structure tree as nested (kind, [children]) with each element's text (from its MCIDs' spans)."""
    def walk(element):
        kids = element.get("/K")
        kids = list(kids) if isinstance(kids, pikepdf.Array) else [kids] if kids is not None else []
        return (str(element.S), [walk(k) for k in kids if isinstance(k, pikepdf.Dictionary) and "/S" in k])

    with pikepdf.open(io.BytesIO(data)) as doc:
        return walk(doc.Root.StructTreeRoot.K[0])


def _find(node, kind):
    if node[0] == kind:
        yield node
    for child in node[1]:
        yield from _find(child, kind)


def _raw_weasyprint(r: Rendered) -> bytes:
    """What WeasyPrint alone makes of the same document (no list repair)."""
    from handout_pipeline.writers.pdf_structure import repair_lists

    assert repair_lists(r.data) == r.data, "the shipped bytes are already repaired: repairing again changes nothing"
    with render_fixes():
        return r.document.write_pdf(pdf_variant="pdf/ua-1")


@pytest.mark.parametrize("code", ["fr", "ar"])
def test_nested_list_sits_inside_its_parent_items_body(rendered, code):
    r = rendered(code)
    lists = list(_find(_tree(r.data), "/L"))
    # no list is a child of a list: each sublist is inside an LBody
    assert all(child[0] == "/LI" for node in lists for child in node[1]), lists
    nested = [child for body in _find(_tree(r.data), "/LBody") for child in body[1] if child[0] == "/L"]
    assert len(nested) >= 2  # the mini handout nests items in an ordinary list and in the urgent tier
    raw = list(_find(_tree(_raw_weasyprint(r)), "/L"))
    assert any(child[0] == "/L" for node in raw for child in node[1]), "WeasyPrint alone nests beside the item"


def test_glossary_is_a_description_list_of_term_and_definition(rendered):
    import pdfplumber

    r = rendered("fr")
    last = list(_find(_tree(r.data), "/Sect"))[-1]       # the glossary: the handout's last section
    terms = next(node for node in last[1] if node[0] == "/L")[1]
    assert len(terms) == len(r.handout.glossary) and all([k[0] for k in li[1]] == ["/Lbl", "/LBody"] for li in terms)
    with pdfplumber.open(str(r.path)) as doc:  # the Lbl is the term, the LBody its definition
        tree = doc.structure_tree
    def texts(element, kind, out):
        if element.get("type") == kind:
            out.append(element)
        for child in element.get("children", []):
            texts(child, kind, out)
        return out
    labels = [e for e in texts({"children": tree}, "Lbl", []) if e.get("page_number")]
    from handout_pipeline.checks.outputs import pdf as pdf_check
    pdf_check._read_embedded_cmaps()
    with pdfplumber.open(str(r.path)) as doc:
        pages = [pdf_check._paint(doc, page) for page in doc.pages]
    def text(element):
        own = "".join(g.text for m in element.get("mcids") or [] for g in pages[element["page_number"] - 1][2].get(m, []))
        return own + "".join(text(c) for c in element.get("children", []))
    assert {str(e.term).strip() for e in r.handout.glossary} <= {text(e).strip() for e in labels}, labels
    raw_last = list(_find(_tree(_raw_weasyprint(r)), "/Sect"))[-1]
    raw_list = next(node for node in raw_last[1] if node[0] == "/L")
    assert len(raw_list[1]) == 2 * len(r.handout.glossary)  # WeasyPrint alone: term and definition apart
