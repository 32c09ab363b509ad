"""The shipped handout's PDFs in all 11 languages: an independent PDF/UA-1 validator, page count and fill."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from handout_pipeline.checks.outputs.common import normalise
from handout_pipeline.languages import get_language
from handout_pipeline.project import Project
from handout_pipeline.writers import pdf

page = pytest.importorskip("page", reason="install the test extras: pip install -e '.[test]'")

ROOT = Path(__file__).resolve().parent.parent
SHIPPED = "medial-branch-neurotomy"


@pytest.fixture(scope="session")
def shipped(tmp_path_factory) -> dict[str, tuple[Path, object]]:
    """Every configured language of the shipped handout, rendered once as `handout build` renders it (with the
    draft banner where a translation's warnings are not yet approved): code -> (PDF path, laid-out document)."""
    from dataclasses import replace

    from handout_pipeline.review.status import is_draft

    project = Project.open(ROOT)
    folder = tmp_path_factory.mktemp("shipped")
    out = {}
    for language in project.config.languages:
        handout = project.localized(SHIPPED, language).handout
        ctx = replace(project.render_context(language), draft=is_draft(project, SHIPPED, language))
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


# ---- page numbers and running title: Pagination Artifacts --------------------------------------------------


def _linked_mcids(pdf) -> dict[int, set[int]]:
    """page number -> MCIDs the structure tree reaches (pdfplumber resolves the tree independently)."""
    linked: dict[int, set[int]] = {}

    def walk(element):
        if element.get("page_number") is not None:
            linked.setdefault(element["page_number"], set()).update(element.get("mcids", []))
        for child in element.get("children", []):
            walk(child)

    for element in pdf.structure_tree:
        walk(element)
    return linked


def stray_glyphs(path: Path) -> list[tuple[int, str]]:
    """(page, text) of every glyph that is neither real content in the structure tree nor an Artifact."""
    import pdfplumber

    from handout_pipeline.checks.outputs.pdf import _read_embedded_cmaps

    _read_embedded_cmaps()
    stray = []
    with pdfplumber.open(str(path)) as pdf:
        linked = _linked_mcids(pdf)
        for page in pdf.pages:
            for char in page.chars:
                if char.get("tag") == "Artifact" or char.get("mcid") in linked.get(page.page_number, ()):
                    continue
                stray.append((page.page_number, char["text"]))
    return stray


def artifact_text(path: Path) -> list[str]:
    """The text of each page's Artifacts (headers, footers, page numbers), spaces removed."""
    import pdfplumber

    from handout_pipeline.checks.outputs.pdf import _read_embedded_cmaps

    _read_embedded_cmaps()
    with pdfplumber.open(str(path)) as pdf:
        return [normalise("".join(c["text"] for c in page.chars if c.get("tag") == "Artifact"))
                for page in pdf.pages]


def test_every_glyph_is_tagged_content_or_an_artifact(shipped):
    stray = {code: stray_glyphs(path)[:10] for code, (path, _) in shipped.items()}
    assert not any(stray.values()), stray


def test_weasyprint_alone_leaves_the_page_margins_untagged(shipped):
    """The crafted bad input: without the Artifact pass, footer glyphs belong to nothing (what the test above catches)."""
    from handout_pipeline.writers.pdf_patches import render_fixes

    path, document = shipped["en"]
    raw = path.with_name("raw.en.pdf")
    with render_fixes():
        raw.write_bytes(document.write_pdf(pdf_variant="pdf/ua-1"))
    stray = "".join(text for _, text in stray_glyphs(raw))
    assert "Page1of" in stray.replace(" ", "") and "Reviewed" in stray


def test_every_page_says_page_n_of_m_and_the_title_as_artifacts(shipped):
    from handout_pipeline.model import plain
    from handout_pipeline.writers.labels import fill_label, running_title

    project = Project.open(ROOT)
    problems = {}
    for code, (path, document) in shipped.items():
        language = get_language(code)
        handout = project.localized(SHIPPED, language).handout
        texts = artifact_text(path)
        total = len(document.pages)
        assert len(texts) == total
        for number, text in enumerate(texts, 1):
            for wanted in (fill_label(handout.labels.page_of, page=str(number), pages=str(total)),
                           running_title(plain(handout.title)), handout.meta.id):
                key = normalise(wanted)
                # RTL text comes out of the page in visual order, and Gurmukhi vowel signs in drawing order:
                # there, compare the characters, not their order.
                shaped = language.rtl or language.code == "pa"
                found = key in text or (shaped and not (Counter(key) - Counter(text)))
                if not found:
                    problems.setdefault(code, []).append((number, wanted))
    assert not problems, problems


# --- Pagination: fill, headings, boxes that run over a page ------------------------------------------


def _body_lines(page):
    """(bottom in CSS px, tags from the root) of every line of the page's body, and the body's top and height."""

    page_box = page._page_box
    lines = []

    def walk(box, tags):
        tag = getattr(box, "element_tag", None)
        here = tags + ((tag,) if tag else ())
        if type(box).__name__ == "LineBox":
            lines.append((box.position_y + box.margin_height(), here))
            return
        for child in getattr(box, "children", None) or ():
            walk(child, here)

    for child in page_box.children:
        if getattr(child, "at_keyword", None) is None:   # not a header or footer margin box
            walk(child, ())
    return lines, page_box.content_box_y(), page_box.height


def page_fills(document) -> list[float]:
    """How far down its body each page's last line reaches (0-1)."""
    fills = []
    for page in document.pages:
        lines, top, height = _body_lines(page)
        fills.append(max((bottom for bottom, _ in lines), default=top) - top)
        fills[-1] /= height
    return fills


def test_no_page_but_the_last_is_under_half_full(shipped):
    fills = {code: [round(f, 2) for f in page_fills(document)] for code, (_, document) in shipped.items()}
    thin = {code: f for code, f in fills.items() if any(x < 0.5 for x in f[:-1])}
    assert not thin, fills
    pages = {code: len(f) for code, f in fills.items()}
    # measured on this layout: English 5 pages with the page-1 emergency summary, header and footer at 18 pt,
    # 67 pages for the 11 languages as `handout build` makes them (draft banners included)
    assert pages["en"] <= 5 and sum(pages.values()) <= 67, pages


def test_the_fill_measure_sees_a_half_empty_page(shipped, tmp_path):
    """The crafted bad input: a forced page break after the first section leaves page 1 under half full."""
    from weasyprint import CSS, HTML

    project = Project.open(ROOT)
    language = get_language("en")
    handout = project.localized(SHIPPED, language).handout
    html = pdf.render_html(handout, project.render_context(language))
    html = html.replace("<h2", '<h2 style="break-before: page"', 2).replace('<h2 style="break-before: page"', "<h2", 1)
    document = HTML(string=html, base_url=pdf.ASSETS.as_uri() + "/", url_fetcher=pdf.asset_fetcher()).render(
        stylesheets=[CSS(filename=str(pdf.STYLESHEET))])
    assert any(f < 0.5 for f in page_fills(document)[:-1])


def test_no_page_ends_with_a_heading(shipped):
    ending = {}
    for code, (_, document) in shipped.items():
        for number, page in enumerate(document.pages[:-1], 1):
            lines, _, _ = _body_lines(page)
            _, tags = max(lines, key=lambda line: line[0])
            if {"h1", "h2", "h3", "h4"} & set(tags):
                ending.setdefault(code, []).append(number)
    assert not ending, ending


# --- Lists in the structure tree: nested lists inside their item, glossary terms paired -----------------

def _struct_kids(element) -> list:
    import pikepdf

    kids = element.get("/K")
    kids = list(kids) if isinstance(kids, pikepdf.Array) else [kids] if kids is not None else []
    return [k for k in kids if isinstance(k, pikepdf.Dictionary) and "/S" in k]


def _lists(element):
    for kid in _struct_kids(element):
        if kid.S == "/L":
            yield kid
        yield from _lists(kid)


def list_problems(path: Path, glossary_terms: int) -> list[str]:
    """A nested list beside its parent item (L > LI, L), and glossary items that are not one Lbl + LBody each."""
    import pikepdf

    problems = []
    with pikepdf.open(str(path)) as doc:
        lists = list(_lists(doc.Root.StructTreeRoot))
        for lst in lists:
            kinds = [str(k.S) for k in _struct_kids(lst)]
            if any(a == "/LI" and b == "/L" for a, b in zip(kinds, kinds[1:])):
                problems.append(f"nested list beside its item: {kinds}")
        # the glossary is the handout's last list: its last items, one per term, each a term Lbl + definition
        items = [[str(p.S) for p in _struct_kids(item)] for lst in lists for item in _struct_kids(lst)
                 if item.S == "/LI"]
        last = items[-glossary_terms:] if glossary_terms else []
        if any(kinds != ["/Lbl", "/LBody"] for kinds in last):
            problems.append(f"glossary not paired: its last {glossary_terms} items are {last}")
    return problems


def test_nested_lists_sit_in_their_items_and_glossary_terms_label_their_definitions(shipped):
    project = Project.open(ROOT)
    problems = {}
    for code, (path, _) in shipped.items():
        terms = len(project.localized(SHIPPED, get_language(code)).handout.glossary)
        found = list_problems(path, terms)
        if found:
            problems[code] = found
    assert not problems, problems


def test_weasyprint_alone_leaves_nested_lists_beside_their_items_and_terms_unpaired(shipped):
    """The crafted bad input: WeasyPrint's own tagging, without the list repair."""
    from handout_pipeline.writers.pdf_artifacts import mark_pagination_artifacts
    from handout_pipeline.writers.pdf_patches import render_fixes

    path, document = shipped["en"]
    raw = path.with_name("raw-lists.en.pdf")
    with render_fixes():
        raw.write_bytes(mark_pagination_artifacts(document.write_pdf(pdf_variant="pdf/ua-1")))
    found = list_problems(raw, 5)
    assert any("beside its item" in p for p in found) and any("glossary" in p for p in found), found


# --- The running head: the main title, on one line beside "Page N of M" ----------------------------------

@pytest.mark.parametrize(("title", "head"), [
    ("Medial Branch Neurotomy: What to Expect at Home", "Medial Branch Neurotomy"),
    ("Neurotomie des branches médiales : à quoi vous attendre à la maison", "Neurotomie des branches médiales"),
    ("内侧支神经切断术：回家后可能出现的情况", "内侧支神经切断术"),
    ("قطع العصب للفرع الإنسي: ما يمكن توقّعه في المنزل", "قطع العصب للفرع الإنسي"),
    ("Knee Surgery", "Knee Surgery"),                    # no subtitle: the whole title
    ("Take your pill at 8:30 each day", "Take your pill at 8:30 each day"),   # a time is not a subtitle
    ("Ratio 1:2 mixing", "Ratio 1:2 mixing"),
    ("After surgery:", "After surgery:"),                # nothing after the colon: the whole title
    (": only a subtitle", ": only a subtitle"),
])
def test_running_title_is_the_main_title(title, head):
    from handout_pipeline.writers.labels import running_title

    assert running_title(title) == head


def _header_lines(document) -> list[int]:
    """Lines of the running title's header box on each page."""
    counts = []
    for page in document.pages:
        lines = 0

        def walk(box):
            nonlocal lines
            if type(box).__name__ == "LineBox":
                lines += 1
                return
            for child in getattr(box, "children", None) or ():
                walk(child)

        for box in page._page_box.children:
            if getattr(box, "at_keyword", None) == "@top-left":
                for child in box.children:
                    for item in getattr(child, "children", None) or ():   # the flex items: page number, title
                        element = getattr(item, "element", None)
                        if element is not None and "running-title" in (element.get("class") or ""):
                            walk(item)
        counts.append(lines)
    return counts


def test_the_running_head_takes_one_line_in_every_language(shipped, tmp_path):
    lines = {code: set(_header_lines(document)) for code, (_, document) in shipped.items()}
    assert all(found == {1} for found in lines.values()), lines


def test_the_header_line_count_sees_a_title_that_wraps():
    """The crafted bad input: a long title without a subtitle wraps in the header."""
    from dataclasses import replace

    from handout_pipeline.model import Span

    project = Project.open(ROOT)
    language = get_language("en")
    handout = project.localized(SHIPPED, language).handout
    long = replace(handout, title=(Span("Medial Branch Neurotomy and What You Can Expect at Home After It"),))
    document = pdf.render_document(long, project.render_context(language))
    assert max(_header_lines(document)) >= 2
