"""PDF: each tier is a Sect of the structure tree headed by its label; each sign one LI/LBody of it, and every
glyph of a sign is drawn where a reader sees it (inside the CropBox and clip, not invisible, not painted
over, not in the background's colour, 18 pt or more)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from handout_pipeline.checks.outputs.common import (
    Box, Findings, compare_boxes, expected_tiers, letters, normalise, require_summary,
)
from handout_pipeline.checks.outputs.docx import contrast
from handout_pipeline.languages import Language
from handout_pipeline.model import Handout
from handout_pipeline.project import Project

MIN_POINTS = 18
MIN_CONTRAST = 3.0
_INVISIBLE_MODES = {3, 7}


@dataclass
class Glyph:
    text: str
    mcid: int | None
    bbox: tuple[float, float, float, float]
    size: float
    colour: tuple[float, float, float] | None
    mode: int
    clip: tuple[float, float, float, float] | None
    order: int
    baseline: float | None = None   # y of the glyph's origin: its bbox comes from the font's descent, not its ink


@dataclass
class Fill:
    polygons: list[list[tuple[float, float]]]   # subpaths in page space (curves by their control points)
    evenodd: bool
    colour: tuple[float, float, float] | None
    order: int

    def covers(self, point) -> bool:
        """Whether the fill paints `point` (nonzero or even-odd rule, as the PDF asks)."""
        winding = crossings = 0
        x, y = point
        for polygon in self.polygons:
            for (x0, y0), (x1, y1) in zip(polygon, polygon[1:] + polygon[:1]):
                if (y0 <= y) != (y1 <= y):
                    cross = x0 + (y - y0) * (x1 - x0) / (y1 - y0)
                    if cross > x:
                        crossings += 1
                        winding += 1 if y1 > y0 else -1
        return crossings % 2 == 1 if self.evenodd else winding != 0


def check(found: Findings, path: Path, handout: Handout, language: Language, project: Project) -> None:
    import pdfplumber

    _read_embedded_cmaps()
    tiers = expected_tiers(handout)
    with pdfplumber.open(str(path)) as pdf:
        pages = [_paint(pdf, page) for page in pdf.pages]
        boxes, members = _boxes(pdf.structure_tree, pages, [t.label for t in tiers], language.rtl,
                                furniture=[handout.labels.draft])
        everything = "".join(g.text for glyphs, _, _, _ in pages for g in glyphs)
    compare_boxes(found, tiers, boxes, elsewhere=everything)
    require_summary(found, handout, tiers, boxes, "a box on page 1 before the first section")
    signs = {s.key: s for t in tiers for s in (*t.intros, *t.signs, *t.notes) if s.key}
    for text, page_index, glyphs in members:
        sign = signs.get(normalise(text))
        if sign is None:
            continue
        for problem in _visibility(glyphs, pages[page_index]):
            found.error(sign.message_id, f"warning sign in the PDF (page {page_index + 1}) {problem}: {sign.text!r}")


# ---- structure -----------------------------------------------------------------------------------------

# A tier box: a WeasyPrint Sect; the one-cell table LibreOffice tags a DOCX box as (its TD); or a DOCX box that
# may go on over a page, a Table whose header row (TH) holds the label and whose rows hold the signs.
_BOX_KINDS = ("Sect", "TD", "Table")


def _boxes(tree, pages, labels: list[str], rtl: bool = False, is_label=None, furniture: list[str] = ()):
    """Sects headed by a tier label; their LBody texts; and (text, page, glyphs) of every intro and sign.

    The structure tree has one element per page for an element that runs over several pages, so a box split
    across pages ends on the next page as a Sect without the label (or with a "continued" heading that is no
    tier label): a Sect that opens its page (first of its parent, at the same depth as the box, without a
    heading of another name) continues the box that closed the page before, and its items count as the box's.
    Each Box also gets `placed`: the (kind, text, first page index, [(page index, glyph)]) of its label, intros
    and items, where `check --visual` looks for them.
    `is_label(text, kind)`: whether a heading's text names a tier in a box of that kind (default: its letters
    equal a label's). `furniture`: texts repeated at the top of every page (the draft banner, a fixed
    element) that do not count as coming before a box's continuation."""
    keys = {letters(label) for label in labels}
    if is_label is None:
        def is_label(text: str, kind: str) -> bool:
            return letters(text) in keys
    boxes: list[Box] = []
    members = []

    def glyphs_of(element, nested: bool = True) -> list[tuple[int, Glyph]]:
        """`nested=False`: without the lists inside it (an item's own text, not its sub-items')."""
        out = []
        page = element.get("page_number")
        if page is not None and element.get("mcids"):
            by_mcid = pages[page - 1][2]
            for mcid in element["mcids"]:
                out += [(page - 1, g) for g in by_mcid.get(mcid, [])]
        for child in element.get("children", []):
            if nested or child.get("type") != "L":
                out += glyphs_of(child, nested)
        return out

    def text_of(element) -> tuple[str, int, list[Glyph]]:
        text, page, pairs = placed_of(element)
        return text, page, [g for _, g in pairs]

    def placed_of(element, nested: bool = True) -> tuple[str, int, list[tuple[int, Glyph]]]:
        pairs = glyphs_of(element, nested)
        return reading_text([g for _, g in pairs], rtl), (pairs[0][0] if pairs else 0), pairs

    def items(element, box: Box) -> None:
        for child in element.get("children", []):
            kind = child.get("type")
            if kind in ("LBody", "P"):
                text, page, pairs = placed_of(child, nested=False)
                (box.items if kind == "LBody" else box.intros).append(text)
                box.placed.append(("item" if kind == "LBody" else "intro", text, page, pairs))
                members.append((text, page, [g for _, g in pairs]))
                if kind == "LBody":  # its sub-items (a nested list sits inside its parent item's body)
                    for grandchild in child.get("children", []):
                        if grandchild.get("type") == "L":
                            items(grandchild, box)
            elif kind not in ("Lbl",) and not (kind in _BOX_KINDS and _label(child, keys)):
                items(child, box)

    last: dict[int, tuple[Box | None, int]] = {}   # per depth: the box element seen last there, its last page
    opened: set[tuple[int, int]] = set()           # (depth, page) where a box-kind element was already seen

    sections = []   # content sections met so far in reading order: a box before the first is a summary

    def walk(element, depth: int = 0, first: bool = True) -> None:
        """`first`: nothing of the element's parent comes before it on the page it starts on."""
        if element.get("type") in _BOX_KINDS:
            page = _first_page(element)
            label = _label(element, keys)
            box = None
            if label is not None:
                text, label_page, pairs = placed_of(label)
                summary = not sections
                box = Box(text, where="the page-1 summary" if summary else f"page {label_page + 1}", summary=summary,
                          page=label_page + 1)
                box.placed.append(("label", text, label_page, pairs))
                boxes.append(box)
                items(element, box)
            elif page is not None and first and (depth, page) not in opened:
                before, before_page = last.get(depth, (None, -1))
                if before is not None and before_page == page - 1 and _continues(element, before):
                    box = before              # the rest of a box the page before could not hold
                    if not box.summary:
                        box.where = box.where.split("-")[0] + f"-{page}"
                    box.last_page = page
                    items(element, box)
            if box is None and label is None and any(_is_heading(c) for c in element.get("children", [])):
                sections.append(element)
            if page is not None:
                opened.add((depth, page))
                last[depth] = (box, _last_page(element) or page)
            if element.get("type") == "Table" and label is not None:
                return   # its rows are the box's, read above: none of its cells is a box of its own
            depth += 1
        children = element.get("children", [])
        for n, child in enumerate(children):
            page = _first_page(child)
            walk(child, depth, first=first and page is not None and
                 not any(page in set(_pages(c)) and not is_furniture(c) for c in children[:n]))

    furniture_keys = {letters(text) for text in furniture if text}

    def is_furniture(element) -> bool:
        return bool(furniture_keys) and element.get("type") == "P" and letters(text_of(element)[0]) in furniture_keys

    def _continues(element, box: Box) -> bool:
        """No heading of its own, or one that repeats the box's label ("Urgent (continued)"): a Sect opening
        the page with a heading of another name is a section of its own."""
        for child in element.get("children", []):
            if child.get("type", "").startswith("H") and child.get("type")[1:].isdigit():
                return letters(text_of(child)[0]).startswith(letters(box.label))
        return True

    def _is_heading(element) -> bool:
        kind = element.get("type", "")
        return kind.startswith("H") and kind[1:].isdigit()

    def _label(element, keys):
        if element.get("type") == "Table":   # a box of several rows: the label is its header row's heading
            rows = [c for c in element.get("children", []) if c.get("type") == "TR"]
            header = [c for c in (rows[0].get("children", []) if rows else []) if c.get("type") == "TH"]
            return _label(header[0], keys) if len(rows) > 1 and header else None
        for child in element.get("children", []):
            if child.get("type", "").startswith("H") and child.get("type")[1:].isdigit():
                return child if is_label(text_of(child)[0], element.get("type")) else None
        return None

    for element in tree:
        walk(element)
    return boxes, members


def _pages(element):
    if element.get("page_number") is not None and element.get("mcids"):
        yield element["page_number"]
    for child in element.get("children", []):
        yield from _pages(child)


def _first_page(element) -> int | None:
    return next(_pages(element), None)


def _last_page(element) -> int | None:
    found = None
    for found in _pages(element):
        pass
    return found


def reading_text(glyphs: list[Glyph], rtl: bool) -> str:
    """The text of glyphs in reading order, line by line from the top. An RTL line is read right to left by
    position (WeasyPrint draws each run in visual order), its runs of Latin letters and digits left to right;
    a glyph standing for several RTL characters (a ligature) has them reversed in the writer's ToUnicode."""
    lines: list[list[Glyph]] = []
    for glyph in glyphs:
        if lines and abs(lines[-1][-1].bbox[1] - glyph.bbox[1]) < 0.5 * max(glyph.size, 1):
            lines[-1].append(glyph)
        else:
            lines.append([glyph])
    if not rtl:
        return " ".join("".join(g.text for g in line) for line in lines)
    return " ".join(_logical(sorted(line, key=lambda g: -(g.bbox[0] + g.bbox[2]))) for line in lines)


def _logical(line: list[Glyph]) -> str:
    import unicodedata

    def ltr(text: str) -> bool:
        return any(unicodedata.bidirectional(c) in ("L", "EN", "AN") for c in text)

    out: list[str] = []
    run: list[str] = []
    for glyph in line:
        text = glyph.text
        if ltr(text) or (run and text and all(unicodedata.bidirectional(c) in ("CS", "ES", "ET") for c in text)):
            run.append(text)
            continue
        out += run[::-1]
        run = []
        out.append(text[::-1] if len(text) > 1 else text)
    return "".join(out + run[::-1])


_PATCHED = False
def _cid_chars(data: bytes) -> list[tuple[int, int]]:
    pairs = []
    for block in re.findall(rb"begincidchar(.*?)endcidchar", data, re.S):
        pairs += [(int(code, 16), int(cid)) for code, cid in re.findall(rb"<([0-9a-fA-F]+)>\s+(\d+)", block)]
    return pairs


def _read_embedded_cmaps() -> None:
    """pdfminer looks an embedded /Encoding CMap up by name only and finds nothing for the PDF writer's own
    ("HandoutPipeline-Exact", pdf_patches.py), so it reads no text at all. Read 2-byte codes as they are: the
    writer's ToUnicode and widths are keyed by the code (an alias code per glyph and text), not the glyph."""
    global _PATCHED
    if _PATCHED:
        return
    from pdfminer.cmapdb import IdentityCMap
    from pdfminer.pdffont import PDFCIDFont
    from pdfminer.pdftypes import PDFStream, resolve1

    upstream = PDFCIDFont.get_cmap_from_spec

    def get_cmap_from_spec(self, spec, strict):
        encoding = resolve1(spec.get("Encoding"))
        if isinstance(encoding, PDFStream):
            if b"<0000> <ffff>" in encoding.get_data()[:2000].lower():
                return IdentityCMap(WMode=0)
        return upstream(self, spec, strict)

    PDFCIDFont.get_cmap_from_spec = get_cmap_from_spec
    upstream_init = PDFCIDFont.__init__

    def __init__(self, rsrcmgr, spec, strict=False):
        upstream_init(self, rsrcmgr, spec, strict)
        encoding = resolve1(spec.get("Encoding"))
        if isinstance(encoding, PDFStream):  # an alias code is as wide as the glyph it draws
            for code, cid in _cid_chars(encoding.get_data()):
                if code != cid and cid in self.widths:
                    self.widths[code] = self.widths[cid]

    PDFCIDFont.__init__ = __init__
    _PATCHED = True


# ---- painting ------------------------------------------------------------------------------------------

def _paint(pdf, page):
    """(glyphs, fills, glyphs by MCID) of one page, in painting order, with the clip each was drawn under."""
    from pdfminer.pdfinterp import PDFPageInterpreter
    from pdfplumber.page import PDFPageAggregatorWithMarkedContent

    glyphs: list[Glyph] = []
    fills: list[Fill] = []

    class Device(PDFPageAggregatorWithMarkedContent):
        # Marked content nests (LibreOffice puts an /ActualText Span inside the MCID's): a glyph belongs to the
        # nearest enclosing MCID, not only to the innermost tag's (pdfplumber forgets the outer one).
        stack: list = []

        def begin_tag(self, tag, props=None):
            outer = self.stack[-1] if self.stack else None
            super().begin_tag(tag, props)
            if self.cur_mcid is None:
                self.cur_mcid = outer
            self.stack = [*self.stack, self.cur_mcid]

        def end_tag(self):
            super().end_tag()
            self.stack = self.stack[:-1]
            self.cur_mcid = self.stack[-1] if self.stack else None

        def render_string(self, textstate, seq, ncs, graphicstate):
            before = len(self.cur_item._objs)
            super().render_string(textstate, seq, ncs, graphicstate)
            for obj in self.cur_item._objs[before:]:
                if hasattr(obj, "get_text"):
                    glyphs.append(Glyph(obj.get_text(), getattr(obj, "mcid", None), obj.bbox, obj.size,
                                        _rgb(graphicstate.ncolor), textstate.render, interpreter.clip,
                                        len(glyphs) + len(fills), getattr(obj, "matrix", (0,) * 6)[5]))

        depth = 0

        def paint_path(self, gstate, stroke, fill, evenodd, path):
            # pdfminer calls paint_path again for each subpath: the fill is the whole path, taken once.
            self.depth += 1
            try:
                super().paint_path(gstate, stroke, fill, evenodd, path)
            finally:
                self.depth -= 1
            if fill and self.depth == 0:
                fills.append(Fill(_polygons(path, self.ctm), evenodd, _rgb(gstate.ncolor), len(glyphs) + len(fills)))

    class Interpreter(PDFPageInterpreter):
        inherited = None

        def init_state(self, ctm):
            super().init_state(ctm)
            self.clip = self.inherited
            self.clipping = False

        def dup(self):
            copy = self.__class__(self.rsrcmgr, self.device)
            copy.inherited = self.clip
            return copy

        def get_current_state(self):
            return (super().get_current_state(), self.clip)

        def set_current_state(self, state):
            inner, self.clip = state
            super().set_current_state(inner)

        def do_W(self):
            self.clipping = True

        do_W_a = do_W

        def _apply_clip(self):
            if self.clipping and self.curpath:
                points = [(seg[i], seg[i + 1]) for seg in self.curpath for i in range(1, len(seg) - 1, 2)]
                if points:
                    a, b, c, d, e, f = self.ctm
                    xs = [a * x + c * y + e for x, y in points]
                    ys = [b * x + d * y + f for x, y in points]
                    box = (min(xs), min(ys), max(xs), max(ys))
                    self.clip = box if self.clip is None else _intersect(self.clip, box)
            self.clipping = False

        def do_n(self):
            self._apply_clip()
            super().do_n()

        for _name in ("do_f", "do_F", "do_f_a", "do_S", "do_s", "do_B", "do_B_a", "do_b", "do_b_a"):
            def _make(name):
                def op(self):
                    self._apply_clip()
                    getattr(PDFPageInterpreter, name)(self)
                return op
            locals()[_name] = _make(_name)

    device = Device(pdf.rsrcmgr, pageno=page.page_number, laparams=None)
    interpreter = Interpreter(pdf.rsrcmgr, device)
    interpreter.process_page(page.page_obj)
    by_mcid: dict[int, list[Glyph]] = {}
    for glyph in glyphs:
        if glyph.mcid is not None:
            by_mcid.setdefault(glyph.mcid, []).append(glyph)
    visible = _intersect(tuple(page.page_obj.mediabox), tuple(page.page_obj.cropbox))  # PDF space, as glyphs
    return glyphs, fills, by_mcid, visible


def _polygons(path, ctm) -> list[list[tuple[float, float]]]:
    a, b, c, d, e, f = ctm
    polygons: list[list[tuple[float, float]]] = []
    for segment in path:
        op, numbers = segment[0], segment[1:]
        points = [(a * x + c * y + e, b * x + d * y + f) for x, y in zip(numbers[::2], numbers[1::2])]
        if op == "m" or not polygons:
            polygons.append([])
        polygons[-1] += points
    return [p for p in polygons if len(p) >= 3]


def _intersect(a, b):
    a = (min(a[0], a[2]), min(a[1], a[3]), max(a[0], a[2]), max(a[1], a[3]))
    b = (min(b[0], b[2]), min(b[1], b[3]), max(b[0], b[2]), max(b[1], b[3]))
    return (max(a[0], b[0]), max(a[1], b[1]), min(a[2], b[2]), min(a[3], b[3]))


def _rgb(colour) -> tuple[float, float, float] | None:
    if colour is None:
        return None
    values = colour if isinstance(colour, (tuple, list)) else (colour,)
    try:
        values = [float(v) for v in values]
    except (TypeError, ValueError):
        return None
    if len(values) == 1:
        return (values[0],) * 3
    if len(values) == 3:
        return tuple(values)  # type: ignore[return-value]
    if len(values) == 4:
        c, m, y, k = values
        return ((1 - c) * (1 - k), (1 - m) * (1 - k), (1 - y) * (1 - k))
    return None


def _inside(point, box) -> bool:
    return box[0] <= point[0] <= box[2] and box[1] <= point[1] <= box[3]


def _visibility(glyphs: list[Glyph], page) -> list[str]:
    _, fills, _, visible = page
    problems = []
    for glyph in glyphs:
        if not glyph.text.strip():
            continue
        centre = ((glyph.bbox[0] + glyph.bbox[2]) / 2, (glyph.bbox[1] + glyph.bbox[3]) / 2)
        if not _inside(centre, visible):
            problems.append("lies outside the visible page (CropBox)")
        if glyph.clip is not None and not _inside(centre, glyph.clip):
            problems.append("is clipped away")
        if glyph.mode in _INVISIBLE_MODES:
            problems.append(f"is invisible text (render mode {glyph.mode})")
        if glyph.size < MIN_POINTS - 0.05:
            problems.append(f"is set at {glyph.size:.1f} pt, under {MIN_POINTS} pt")
        under = [f for f in fills if f.order < glyph.order and f.covers(centre)]
        background = under[-1].colour if under and under[-1].colour else (1.0, 1.0, 1.0)
        if glyph.colour is not None and contrast(glyph.colour, background) < MIN_CONTRAST:
            problems.append(f"is drawn in the colour of its background (contrast "
                            f"{contrast(glyph.colour, background):.1f}:1)")
        if any(f.order > glyph.order and f.covers(centre) for f in fills):
            problems.append("is painted over by a shape drawn after it")
    return list(dict.fromkeys(problems))
