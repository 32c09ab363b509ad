"""Two guarded fixes to WeasyPrint 70 for our PDFs: an exact text layer and reproducible font files."""

# 1. Text layer. WeasyPrint 70 (weasyprint/draw/text.py, draw_first_line) gives each glyph ONE ToUnicode
#    entry, taken from the first cluster the glyph is drawn in. Shaped scripts reuse glyphs across
#    clusters, so the text layer - what pdftotext, copy-paste and screen readers read - says something
#    else than the page: Gurmukhi "ਸਕਦੀ" came out "ਸਕਿਦੀ" (the ka glyph kept the "ਕਿ" of an earlier
#    cluster), Arabic "إلى" came out "إىل" (a ligature's text reversed by the extractor). Upstream issue:
#    https://github.com/Kozea/WeasyPrint/issues/2841 (open for WeasyPrint 70).
#    The fix gives every (glyph, text) pair its own character code. The first text a glyph is drawn
#    with keeps the glyph id as its code (what upstream writes); any other text gets an alias code from
#    the top of the 16-bit code space, which the font's Encoding CMap maps back to the real glyph (the
#    mechanism WeasyPrint already uses for missing glyphs). The page looks the same; the ToUnicode CMap
#    says, per code, exactly which text it stands for. glyph_texts() decides which glyph carries what.
#    No /ActualText anywhere: on RTL lines pdftotext reverses it (pdfium turned "911" into "119").
# 2. Reproducible fonts. Without HarfBuzz-subset, WeasyPrint subsets with fontTools, which stamps the
#    current time into each embedded font's 'head' table: the same handout gave other bytes a second
#    later. Inside our renders that stamp is a fixed date.
# Scope: the wrapped functions are module globals of WeasyPrint and fontTools, replaced once
# (idempotently) for the whole process, but they change nothing unless render_fixes() is active in the
# current context (a ContextVar: other threads and other users of WeasyPrint get upstream behaviour).
# The text layer assumes subset fonts (WeasyPrint's default; the PDF writer never asks for full fonts)
# and a document written once (its Font objects keep their codes).

from __future__ import annotations

import bisect
import contextlib
import contextvars
import threading
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import fontTools.ttLib.tables._h_e_a_d as ft_head
import pydyf
import weasyprint.draw.text as wp_draw_text
import weasyprint.pdf.fonts as wp_fonts
from fontTools.misc.timeTools import timestampSinceEpoch
from weasyprint.text.ffi import FROM_UNITS, ffi, pango

_ALIAS_CEILING = 0xFFFF   # alias codes grow down from here; missing-glyph codes grow up from glyph_count
_ALIAS_MARGIN = 256       # codes left free above glyph_count for WeasyPrint's own missing-glyph codes
MARK_TEXT = "\u034f"   # what a zero-width mark glyph stands for in the text layer (see glyph_texts)
FONT_TIMESTAMP = timestampSinceEpoch(946684800)  # 2000-01-01T00:00:00Z, in the 'head' table's epoch


@dataclass
class _FontAliases:
    """The codes of one embedded font (one WeasyPrint font hash): its text map and its alias codes."""

    to_unicode: dict[int, str]                                               # code -> text, shared
    codes: dict[tuple[int, str], int] = field(default_factory=dict)          # (glyph, text) -> alias
    glyphs: dict[int, int] = field(default_factory=dict)                     # alias -> glyph


@dataclass
class _Render:
    """State of one render: the codes of each embedded font, by WeasyPrint font hash."""

    fonts: dict[str, _FontAliases] = field(default_factory=dict)


_ACTIVE: contextvars.ContextVar[_Render | None] = contextvars.ContextVar("handout_pdf_fixes", default=None)
_INSTALL_LOCK = threading.Lock()
_UPSTREAM: dict[str, Any] = {}


@contextlib.contextmanager
def render_fixes() -> Iterator[None]:
    """Within this block, WeasyPrint renders in this context get both fixes."""
    _install()
    token = _ACTIVE.set(_Render())
    try:
        yield
    finally:
        _ACTIVE.reset(token)


def _install() -> None:
    with _INSTALL_LOCK:
        if _UPSTREAM:
            return
        _UPSTREAM["draw_first_line"] = wp_draw_text.draw_first_line
        _UPSTREAM["vector_font"] = wp_fonts._build_vector_font_dictionary
        _UPSTREAM["timestamp"] = ft_head.timestampNow
        wp_draw_text.draw_first_line = _draw_first_line
        wp_fonts._build_vector_font_dictionary = _build_vector_font_dictionary
        ft_head.timestampNow = _timestamp_now


def installed() -> bool:
    """Whether the wrappers are in place (they stay in place; they are inert outside our renders)."""
    return (wp_draw_text.draw_first_line is _draw_first_line
            and wp_fonts._build_vector_font_dictionary is _build_vector_font_dictionary
            and ft_head.timestampNow is _timestamp_now)


def _timestamp_now() -> int:
    return FONT_TIMESTAMP if _ACTIVE.get() is not None else _UPSTREAM["timestamp"]()


def _draw_first_line(stream, textbox, text_overflow, block_ellipsis, matrix):
    upstream = _UPSTREAM["draw_first_line"]
    render = _ACTIVE.get()
    # Upstream draws nothing for these, and ellipsis rewrites the line inside upstream: leave them to it.
    if (render is None or not textbox.text.strip() or textbox.style["font_size"] < 1e-6
            or text_overflow == "ellipsis" or block_ellipsis != "none"):
        return upstream(stream, textbox, text_overflow, block_ellipsis, matrix)
    # Upstream sets this before it takes the first line; setting it first (same value) keeps that line's
    # glyph strings the ones we alias, instead of a re-layout.
    pango.pango_layout_set_single_paragraph_mode(textbox.pango_layout.layout, True)
    line, _ = textbox.pango_layout.get_first_line()
    swapped = _alias_line(render, stream, textbox, line)
    try:
        return upstream(stream, textbox, text_overflow, block_ellipsis, matrix)
    finally:
        # The glyph strings belong to Pango's layout: give them their real glyph ids back.
        for glyph_info, glyph_id in swapped:
            glyph_info.glyph = glyph_id


def _alias_line(render: _Render, stream, textbox, line) -> list[tuple[Any, int]]:
    """Give each glyph of the line the code of its exact text; return what was swapped."""
    utf8 = textbox.pango_layout.text.encode()
    swapped = []
    run = line.runs[0]
    while run != ffi.NULL:
        glyph_item = run.data
        run = run.next
        font, font_size = stream.add_font(glyph_item.item.analysis.font)
        if font.bitmap or font.png or font.svg or font.colr or font.used_in_forms:
            continue  # these draw by glyph id in other ways, or map every glyph: leave them alone
        glyphs = glyph_item.glyphs
        infos = [glyphs.glyphs[i] for i in range(glyphs.num_glyphs)]
        if any(info.glyph & pango.PANGO_GLYPH_UNKNOWN_FLAG for info in infos):
            continue  # upstream draws and maps missing glyphs (tofu) its own way
        if pango.pango_version() < 14802:  # the same size rule as upstream (Pango issue 530)
            font_size = textbox.style["font_size"]
        item = glyph_item.item
        texts = glyph_texts(
            utf8[item.offset:item.offset + item.length].decode(),
            [glyphs.log_clusters[i] for i in range(len(infos))],
            [info.glyph != pango.PANGO_GLYPH_EMPTY for info in infos],
            [info.geometry.width > 0 for info in infos],
            rtl=item.analysis.level % 2 == 1)
        aliases = _font_aliases(render, font)
        for info, text in zip(infos, texts):
            glyph_id = info.glyph
            if glyph_id == pango.PANGO_GLYPH_EMPTY:
                continue
            code = _code(font, aliases, glyph_id, text)
            if code != glyph_id:
                _copy_width(stream, font, item.analysis.font, font_size, glyph_id, code)
                swapped.append((info, glyph_id))
                info.glyph = code
    return swapped


def _font_aliases(render: _Render, font) -> _FontAliases:
    """The codes of `font`'s embedded file, shared by every Font object with the same hash."""
    # WeasyPrint writes one font dictionary per hash: Font objects that share a hash must share one text
    # map, or the codes drawn with one of them would be missing from the ToUnicode CMap written.
    aliases = render.fonts.get(font.hash)
    if aliases is None:
        aliases = render.fonts[font.hash] = _FontAliases(font.to_unicode)
    elif font.to_unicode is not aliases.to_unicode:
        aliases.to_unicode.update(font.to_unicode)
        font.to_unicode = aliases.to_unicode
    return aliases


def glyph_texts(text: str, clusters: list[int], drawn: list[bool], advancing: list[bool], rtl: bool) -> list[str]:
    """The text each glyph of a shaped run stands for: read in visual order, the glyphs give `text`."""
    # Glyphs come in visual order; `clusters` are HarfBuzz's byte offsets into the run's UTF-8, one per
    # glyph; `drawn` says which glyphs are drawn at all, `advancing` which move the pen (marks do not).
    # A unit is the smallest span that is whole both as HarfBuzz clusters and as characters with their
    # combining marks: a mark is its own cluster in Arabic but sits on its letter; a Gurmukhi "ਕਿ" is one
    # cluster of two glyphs drawn vowel sign first; a lam-alef ligature is one glyph for two letters.
    starts = [0]
    for char in text:
        starts.append(starts[-1] + len(char.encode()))
    length = starts[-1]
    cluster_starts = set(clusters) | {length}
    char_starts = {offset for offset, char in zip(starts, text) if not _joins_previous(char)} | {length}
    boundaries = sorted((cluster_starts & char_starts) | {0, length})
    units: dict[int, list[int]] = {}
    for i, cluster in enumerate(clusters):
        if drawn[i]:
            units.setdefault(bisect.bisect_right(boundaries, cluster) - 1, []).append(i)
    texts = [""] * len(clusters)
    utf8 = text.encode()
    for unit, members in units.items():
        chars = utf8[boundaries[unit]:boundaries[unit + 1]].decode()
        # Extractors turn RTL runs from visual into logical order character by character: give them the
        # characters in visual order, or a ligature's text is reversed twice (lam-alef came out "ال").
        if rtl:
            chars = chars[::-1]
        # Only glyphs that advance carry text: a character on a zero-width mark sits at its own x and is
        # sorted (pdftotext) or spaced (gaps) apart from its letter. Each carrier takes one character in
        # visual order, the last one the rest, so the glyphs read left to right give the unit's text.
        # A zero-width mark glyph (harakat, shadda, Gurmukhi tippi) still needs a ToUnicode entry: an empty
        # one, or none, fails PDF/UA-1 (7.21.7, FONT-UNICODE-MAPPING-001). It maps to U+034F COMBINING
        # GRAPHEME JOINER: a combining mark, invisible, default-ignorable and never a word break, so the
        # word's letters and marks come back once, in order, from its letter's text.
        carriers = [i for i in members if advancing[i]] or members[:1]
        for n, i in enumerate(carriers):
            texts[i] = chars[n:] if n == len(carriers) - 1 else chars[n:n + 1]
        for i in members:
            if i not in carriers:
                texts[i] = MARK_TEXT
    return texts


def _joins_previous(char: str) -> bool:
    """Whether a character belongs to the one before it (combining marks, zero-width joiners)."""
    return unicodedata.category(char).startswith("M") or char in "\u200c\u200d"


def _code(font, aliases: _FontAliases, glyph_id: int, text: str) -> int:
    """The character code that draws `glyph_id` and means exactly `text`."""
    known = aliases.to_unicode.get(glyph_id)
    if known is None or known == text:
        aliases.to_unicode[glyph_id] = text
        return glyph_id
    code = aliases.codes.get((glyph_id, text))
    if code is None:
        code = _ALIAS_CEILING - len(aliases.codes)
        if code <= font.glyph_count + len(font.missing) + _ALIAS_MARGIN:
            return glyph_id  # no free code (a full 65,535-glyph CJK font): upstream's first-text-wins
        aliases.codes[(glyph_id, text)] = code
        aliases.glyphs[code] = glyph_id
        aliases.to_unicode[code] = text
    return code


def _copy_width(stream, font, pango_font, font_size: float, glyph_id: int, code: int) -> None:
    """Upstream reads the advance width by the code it draws: give the alias the real glyph's width."""
    if glyph_id not in font.widths:
        pango.pango_font_get_glyph_extents(pango_font, glyph_id, stream.ink_rect, stream.logical_rect)
        font.widths[glyph_id] = round(stream.logical_rect.width * 1000 * FROM_UNITS / font_size)
    font.widths[code] = font.widths[glyph_id]


def _build_vector_font_dictionary(font_dictionary, pdf, font, widths, compress, reference, pdf_version):
    upstream = _UPSTREAM["vector_font"]
    render = _ACTIVE.get()
    aliases = render.fonts.get(font.hash) if render is not None else None
    if not aliases or not aliases.glyphs:
        upstream(font_dictionary, pdf, font, widths, compress, reference, pdf_version)
        if render is not None:
            _drop_empty_unicode(pdf, font_dictionary)
        return
    # Widths are per CID: aliases are codes, not CIDs. Our Encoding below also covers missing glyphs,
    # so upstream must not write its own (it would be left unreferenced in the file).
    real_widths = {cid: width for cid, width in widths.items() if cid not in aliases.glyphs}
    missing, font.missing = font.missing, {}
    try:
        upstream(font_dictionary, pdf, font, real_widths, compress, reference, pdf_version)
    finally:
        font.missing = missing
    font_dictionary["Encoding"] = _encoding(pdf, font, aliases, compress).reference
    _drop_empty_unicode(pdf, font_dictionary)


def _drop_empty_unicode(pdf, font_dictionary) -> None:
    """Leave codes that stand for no text (zero-width marks) out of the ToUnicode CMap.

    glyph_texts gives a mark's text to its letter, so the mark's own code means nothing; upstream writes
    it as `<code> <>`, a malformed entry that fails PDF/UA-1 (7.21.7, FONT-UNICODE-MAPPING-001)."""
    stream = pdf.objects[int(font_dictionary["ToUnicode"].split()[0])]
    lines: list[bytes] = []
    count_at, count = None, 0
    for line in stream.stream:
        if line.endswith(b"beginbfchar"):
            count_at, count = len(lines), 0
        elif line.endswith(b" <>"):
            continue
        elif line == b"endbfchar":
            if count == 0:  # a batch of nothing but empty entries: drop its header too
                del lines[count_at]
                continue
            lines[count_at] = f"{count} beginbfchar".encode()
        elif count_at is not None and line.startswith(b"<"):
            count += 1
        lines.append(line)
    stream.stream[:] = lines


def _encoding(pdf, font, aliases: _FontAliases, compress: bool) -> pydyf.Stream:
    """A CMap from every code drawn to its CID: aliases to their glyph, missing glyphs to .notdef."""
    missing = set(font.missing.values())
    cmap_name = "/HandoutPipeline-Exact"
    extra = pydyf.Dictionary({
        "Type": "/CMap",
        "CMapName": cmap_name,
        "CIDSystemInfo": pydyf.Dictionary({
            "Registry": pydyf.String("Adobe"), "Ordering": pydyf.String("Identity"), "Supplement": 0}),
    })
    lines = [
        b"/CIDInit /ProcSet findresource begin", b"12 dict begin", b"begincmap",
        b"/CIDSystemInfo", b"3 dict dup begin", b"/Registry (Adobe) def", b"/Ordering (Identity) def",
        b"/Supplement 0 def", b"end def", f"{cmap_name} def".encode(), b"/CMapType 1 def",
        b"1 begincodespacerange", b"<0000> <ffff>", b"endcodespacerange",
    ]
    codes = sorted(aliases.to_unicode)
    for start in range(0, len(codes), 100):
        batch = codes[start:start + 100]
        lines.append(f"{len(batch)} begincidchar".encode())
        for code in batch:
            cid = 0 if code in missing else aliases.glyphs.get(code, code)
            lines.append(f"<{code:04x}> {cid}".encode())
        lines.append(b"endcidchar")
    lines += [b"endcmap", b"CMapName currentdict /CMap defineresource pop", b"end", b"end"]
    stream = pydyf.Stream(lines, extra, compress=compress)
    pdf.add_object(stream)
    return stream
