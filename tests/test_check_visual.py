"""A tier box split across pages (its continuation has no label), and `check --visual` finding each sign in its
place: the structure check counts the continuation as the box's; OCR reads each sign on its own lines, so a
sign painted over on the continuation page, or one drawn as another sign, is not seen."""

from __future__ import annotations

import pytest

from helpers import check_json, copy_root, run
from handout_pipeline.checks.outputs.common import Box
from handout_pipeline.checks.outputs.pdf import Glyph, _boxes

EXTRA = 15
LONG = "- You have a new problem number {n} that does not go away. {{#extra-{n}}}\n"


@pytest.fixture(scope="module")
def split(tmp_path_factory):
    """The mini handout in English with an urgent box too long for one page (it runs onto the next)."""
    root = copy_root(tmp_path_factory.mktemp("split"))
    source = root / "source" / "mini.md"
    text = source.read_text(encoding="utf-8")
    extra = "".join(LONG.format(n=n) for n in range(1, EXTRA + 1))
    source.write_text(text.replace("- You have swelling. Signs: {#swelling}",
                                   extra + "- You have swelling. Signs: {#swelling}"), encoding="utf-8")
    result = run(root, "build", "-l", "en", "-f", "pdf", "-f", "docx")
    assert result.exit_code == 0, result.output
    return root


def pdf_of(root):
    return root / "output" / "mini" / "en" / "mini.en.pdf"


def output_errors(root, fmt="pdf"):
    _, report = check_json(root, "-l", "en")
    return [f for f in report["findings"] if f["check"] == "outputs" and f["format"] == fmt
            and f["severity"] == "error"]


def test_a_box_split_across_pages_keeps_its_signs_in_its_tier(split):
    import pdfplumber

    with pdfplumber.open(str(pdf_of(split))) as pdf:
        pages_with_urgent = [n for n, page in enumerate(pdf.pages, 1)
                             if "problem number 1 " in page.extract_text() or "A fever." in page.extract_text()]
    assert len(set(pages_with_urgent)) == 2, "the fixture must split the urgent box over two pages"
    assert output_errors(split) == []


def test_a_box_that_runs_over_a_page_goes_on_under_its_label_continued(split):
    """The second part of the urgent box opens its page under 'Urgent (continued)'; each sign is drawn once."""
    import pdfplumber

    from handout_pipeline.checks.outputs.pdf import _read_embedded_cmaps

    _read_embedded_cmaps()
    with pdfplumber.open(str(pdf_of(split))) as pdf:
        texts = [page.extract_text() for page in pdf.pages]
    later = [n for n, text in enumerate(texts) if "Urgent (continued)" in text]
    assert len(later) == 1 and later[0] > 0, texts
    body = texts[later[0]].split("\n")
    first_body_line = next(n for n, line in enumerate(body) if "Urgent (continued)" in line)
    assert first_body_line <= 2, body[:4]   # under the page header only
    everything = "\n".join(texts)
    for n in range(1, EXTRA + 1):
        assert everything.count(f"problem number {n} ") == 1


# ---- the continuation rule, on structure trees made by hand ------------------------------------------------

def _glyph(text: str, mcid: int, y: float) -> Glyph:
    return Glyph(text, mcid, (72, y, 300, y + 20), 20, (0, 0, 0), 0, None, mcid)


def _span(page: int, mcid: int) -> dict:
    return {"type": "Span", "page_number": page, "mcids": [mcid]}


def _tree(second_page_children):
    """Page 1: a section holding the urgent box (label, one sign); page 2: what the test puts there."""
    page1 = {"type": "Part", "children": [{"type": "Sect", "children": [
        {"type": "H2", "children": [_span(1, 0)]},
        {"type": "Sect", "children": [{"type": "H3", "children": [_span(1, 1)]},
                                      {"type": "L", "children": [{"type": "LI", "children": [
                                          {"type": "LBody", "children": [_span(1, 2)]}]}]}]}]}]}
    page2 = {"type": "Part", "children": [{"type": "Sect", "children": second_page_children}]}
    return [{"type": "Document", "children": [page1, page2]}]


def _item_sect(mcid: int, heading_mcid: int | None = None) -> dict:
    children = [{"type": "H3", "children": [_span(2, heading_mcid)]}] if heading_mcid is not None else []
    children.append({"type": "L", "children": [{"type": "LI", "children": [
        {"type": "LBody", "children": [_span(2, mcid)]}]}]})
    return {"type": "Sect", "children": children}


def _pages(texts_page2: dict[int, str]):
    page1 = {0: "When to call", 1: "Urgent", 2: "Red skin."}
    by = [{m: [_glyph(t, m, 700 - 30 * m)] for m, t in page1.items()},
          {m: [_glyph(t, m, 700 - 30 * m)] for m, t in texts_page2.items()}]
    return [([], [], mcids, (0, 0, 612, 792)) for mcids in by]


def _urgent(boxes: list[Box]) -> Box:
    return next(b for b in boxes if b.label == "Urgent")


def test_an_unlabelled_sect_opening_the_next_page_continues_the_box():
    boxes, _ = _boxes(_tree([_item_sect(0)]), _pages({0: "A fever."}), ["Urgent"])
    assert _urgent(boxes).items == ["Red skin.", "A fever."]
    assert _urgent(boxes).where == "page 1-2"


def test_a_continued_heading_repeating_the_label_continues_the_box():
    boxes, _ = _boxes(_tree([_item_sect(1, heading_mcid=0)]), _pages({0: "Urgent (continued)", 1: "A fever."}),
                      ["Urgent"])
    assert _urgent(boxes).items == ["Red skin.", "A fever."]


def test_a_section_of_another_name_opening_the_next_page_is_not_the_box():
    boxes, _ = _boxes(_tree([_item_sect(1, heading_mcid=0)]), _pages({0: "Other things", 1: "Take a walk."}),
                      ["Urgent"])
    assert _urgent(boxes).items == ["Red skin."]


def test_a_sect_after_other_text_on_the_next_page_is_not_the_box():
    paragraph = {"type": "P", "children": [_span(2, 0)]}
    boxes, _ = _boxes(_tree([paragraph, _item_sect(1)]), _pages({0: "Some words.", 1: "Take a walk."}),
                      ["Urgent"])
    assert _urgent(boxes).items == ["Red skin."]


def test_a_draft_banner_atop_each_page_does_not_hide_the_continuation():
    """A translation not yet reviewed has its draft banner (a fixed element) before everything on every page."""
    banner = "Draft: not yet checked"

    def with_banner(tree):
        document = tree[0]
        page1, page2 = document["children"]
        document["children"] = [{"type": "P", "children": [_span(1, 9)]}, page1,
                                 {"type": "P", "children": [_span(2, 9)]}, page2]
        return tree

    pages = _pages({0: "A fever."})
    for _, _, mcids, _ in pages:
        mcids[9] = [_glyph(banner, 9, 760)]
    tree = with_banner(_tree([_item_sect(0)]))
    boxes, _ = _boxes(tree, pages, ["Urgent"], furniture=[banner])
    assert _urgent(boxes).items == ["Red skin.", "A fever."]
    # the crafted bad input: the same page without knowing the banner reads as other text before the box
    boxes, _ = _boxes(with_banner(_tree([_item_sect(0)])), pages, ["Urgent"])
    assert _urgent(boxes).items == ["Red skin."]


# ---- a DOCX box of several rows, as LibreOffice tags it -------------------------------------------------------

def _docx_table(header_kind: str = "TH") -> list[dict]:
    """Page 1: a heading, then a table whose header row holds 'Urgent' and whose rows hold the intro and a
    sign (page 1) and another sign (page 2: the box went on over the page; LibreOffice repeats the header row
    there without tagging it again)."""
    def row(kind, page, mcid, tag):
        return {"type": "TR", "children": [{"type": kind, "children": [{"type": tag, "children": [_span(page, mcid)]}]}]}

    table = {"type": "Table", "children": [row(header_kind, 1, 1, "H2"), row("TD", 1, 2, "P"),
                                           {"type": "TR", "children": [{"type": "TD", "children": [
                                               {"type": "L", "children": [{"type": "LI", "children": [
                                                   {"type": "LBody", "children": [_span(1, 3)]}]}]}]}]},
                                           {"type": "TR", "children": [{"type": "TD", "children": [
                                               {"type": "L", "children": [{"type": "LI", "children": [
                                                   {"type": "LBody", "children": [_span(2, 0)]}]}]}]}]}]}
    return [{"type": "Document", "children": [{"type": "H1", "children": [_span(1, 0)]}, table]}]


def _docx_pages():
    page1 = {0: "When to call", 1: "Urgent", 2: "Call your doctor if:", 3: "Red skin."}
    by = [{m: [_glyph(t, m, 700 - 30 * m)] for m, t in page1.items()}, {0: [_glyph("A fever.", 0, 700)]}]
    return [([], [], mcids, (0, 0, 612, 792)) for mcids in by]


def test_a_docx_box_of_rows_is_one_box_over_two_pages():
    boxes, members = _boxes(_docx_table(), _docx_pages(), ["Urgent"])
    assert [b.label for b in boxes] == ["Urgent"]
    assert _urgent(boxes).intros == ["Call your doctor if:"]
    assert _urgent(boxes).items == ["Red skin.", "A fever."]     # each sign once, the second from page 2
    assert sorted(text for text, _, _ in members) == ["A fever.", "Call your doctor if:", "Red skin."]


def test_a_table_without_a_header_row_is_no_box():
    """The crafted bad input: the label in an ordinary row (not the repeated header) heads no box of rows."""
    boxes, _ = _boxes(_docx_table(header_kind="TD"), _docx_pages(), ["Urgent"])
    assert _urgent(boxes).items == []      # the TD labelled 'Urgent' is a one-cell box holding no sign
