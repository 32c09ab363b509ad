"""The PDF writer: a large-print, tagged PDF/UA-1 handout from one HTML template and one stylesheet."""

from __future__ import annotations

import dataclasses
import functools
import hashlib
import mimetypes
import re
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any, assert_never
from urllib.parse import unquote, urlsplit
from urllib.request import url2pathname

import jinja2

from handout_pipeline.languages import Language
from handout_pipeline.errors import HandoutError
from handout_pipeline.model import (
    BulletList, Handout, Heading, ListItem, Paragraph, Text, Tier, WarningBlock, plain,
)
from handout_pipeline.writers import ASSETS, RenderContext
from handout_pipeline.writers.labels import fill_label, footer_lines, label_pieces, running_title

TEMPLATE = ASSETS / "handout.html.j2"
STYLESHEET = ASSETS / "handout.css"
LATIN_FAMILY = "Noto Sans"       # follows every script's font so Latin letters and digits stay Noto
WARNING_LABEL_LEVEL = 3          # a tier's label heads its box, one level below the section (h2)
SUMMARY_LABEL_LEVEL = 2          # the page-1 emergency summary stands beside the sections, under the title
SECTION_ANCHOR = "section-"      # id prefix of a section heading (the summary points to its page)
KEEP_WORDS = {"ko"}              # languages that wrap between words only (CSS word-break: keep-all)
BOX_ANCHOR = "box-"              # id prefix of a warning box's signs: box-<section>-<block>-<sign>
BANNER_GAP = 8.0                 # pt between a draft's banner and the page header below it
PAGE_NAMES = ("letter", "a4", "legal", "letter-draft", "a4-draft", "legal-draft")   # the stylesheet's @page names
PAGE_EDGE = 24.0                 # pt beyond the header and footer: most printers cannot print the outer 1/4 in
MAX_LAYOUTS = 6                  # layouts after the first, to place the summary's page numbers and split boxes
_FONT_STYLES = ("", ":weight=bold", ":slant=italic", ":weight=bold:slant=italic")


def write(handout: Handout, ctx: RenderContext) -> bytes:
    """The handout as a large-print PDF/UA-1 file in the context's language."""
    with _RENDER_LOCK:
        return pdf_bytes(render_document(handout, ctx), handout, ctx)


def inputs(ctx: RenderContext) -> list[Path]:
    """The template, the stylesheet, and every font file (all styles) the language's PDF may embed."""
    fonts = (font_file(family + style) for family in families(ctx.language) for style in _FONT_STYLES)
    return [TEMPLATE, STYLESHEET, *dict.fromkeys(f for f in fonts if f is not None)]


def font_files(language: Language) -> list[Path]:
    """The font files that draw this language's text in the PDF (regular faces), its own script's first."""
    files = (font_file(family) for family in families(language))
    return list(dict.fromkeys(f for f in files if f is not None))


# One FontConfiguration for every render in the process: making one per render is slow. WeasyPrint and
# Pango share it and are not safe to drive from two threads at once, so renders take turns.
_RENDER_LOCK = threading.RLock()
_FONT_CONFIG: Any = None


def _font_config():
    global _FONT_CONFIG
    if _FONT_CONFIG is None:
        from weasyprint.text.fonts import FontConfiguration

        _FONT_CONFIG = FontConfiguration()
    return _FONT_CONFIG


def render_document(handout: Handout, ctx: RenderContext):
    """The handout laid out by WeasyPrint (a weasyprint.Document), from our template and stylesheet."""
    from weasyprint import CSS, HTML

    language = ctx.language
    # A missing font is a broken installation, not a property of the language: fail (exit 2), never
    # skip quietly, or a build would "succeed" without the PDF a clinic prints.
    for family in families(language):
        if font_file(family) is None:
            raise HandoutError(f"the font '{family}' for {language.name} is not installed",
                               hint="install the Debian packages fonts-noto-core and fonts-noto-cjk "
                                    "(make build does this), then build again")
    fetcher = asset_fetcher()
    with _RENDER_LOCK:
        font_config = _font_config()
        stylesheet = CSS(filename=str(STYLESHEET), url_fetcher=fetcher, font_config=font_config)

        def layout(targets: dict[str, int], splits: dict[str, tuple[int, ...]], margins: tuple[float, ...] | None):
            return HTML(string=render_html(handout, ctx, targets, splits, margins), base_url=ASSETS.as_uri() + "/",
                        url_fetcher=fetcher).render(stylesheets=[stylesheet], font_config=font_config)

        # The page-1 summary says on which page its full section is, a warning box that runs onto the next
        # page goes on there as a box of its own under "Label (continued)", and the top and bottom margins
        # are as deep as the header's and footer's lines: lay out, read where the sections and signs landed
        # and how tall header and footer are, and lay out again with that (until it holds; a page number's width or a repeated label can
        # move text).
        wanted = {_anchor(ident) for ident in summary_targets(handout)}
        targets: dict[str, int] = {}
        splits: dict[str, tuple[int, ...]] = {}
        margins = None
        document = layout(targets, splits, margins)
        for _ in range(MAX_LAYOUTS):
            margin = furniture_margins(document)
            if margin != margins:
                # The page body changed height: where boxes run over a page must be found again on pages of
                # the new height (a break found on the first layout's pages can leave half a page empty).
                targets, splits, margins = section_pages(document, wanted), {}, margin
                document = layout(targets, splits, margins)
                continue
            found, split = section_pages(document, wanted), box_splits(document, splits)
            if found == targets and split == splits:
                break
            targets, splits = found, split
            document = layout(targets, splits, margins)
        return document


def _anchor(ident: str) -> str:
    return SECTION_ANCHOR + ident


def section_pages(document, anchors: set[str]) -> dict[str, int]:
    """The page number (from 1) each of `anchors` is laid out on."""
    pages = {}
    for number, page in enumerate(document.pages, 1):
        for name in page.anchors:
            if name in anchors and name not in pages:
                pages[name] = number
    return pages


def furniture_margins(document) -> tuple[float, float, float] | None:
    """(top, bottom, draft banner top) in pt: margins that hold the tallest page header (and a draft's banner
    above it) and footer, with the gap to the paper's edge beyond them; where the banner goes (see the
    template's inline style)."""
    heights = {"@top-left": 0.0, "@bottom-left": 0.0}
    banner = 0.0
    found = False

    def banner_height(box) -> float:
        element = getattr(box, "element", None)
        if element is not None and "draft-mark" in (element.get("class") or "").split():
            return box.margin_height()
        return max((banner_height(child) for child in getattr(box, "children", None) or ()), default=0.0)

    for page in document.pages:
        page_box = getattr(page, "_page_box")
        banner = max(banner, banner_height(page_box))
        for box in page_box.children:
            name = getattr(box, "at_keyword", None)
            if name in heights:
                found = True
                padding = box.padding_bottom if name == "@top-left" else box.padding_top
                heights[name] = max(heights[name], padding + sum(child.margin_height() for child in box.children))
    if not found:
        return None
    header, footer, banner = (value * 0.75 for value in (heights["@top-left"], heights["@bottom-left"], banner))
    top = PAGE_EDGE + header + (banner + BANNER_GAP if banner else 0.0)   # CSS px -> pt above
    return round(top, 1), round(PAGE_EDGE + footer, 1), round(PAGE_EDGE - top, 1)


def box_splits(document, splits: dict[str, tuple[int, ...]]) -> dict[str, tuple[int, ...]]:
    """Where each warning box goes on under its repeated label: the signs that begin a page after its first.

    `splits` are the breaks the layout was made with; a part that still runs over a page adds the first sign
    it put on a later page."""
    page_of: dict[str, dict[int, int]] = {}
    for number, page in enumerate(document.pages, 1):
        for name in page.anchors:
            if name.startswith(BOX_ANCHOR):
                box, _, sign = name.rpartition("-")
                page_of.setdefault(box, {}).setdefault(int(sign), number)
    out = {box: tuple(starts) for box, starts in splits.items()}
    for box, pages in page_of.items():
        starts = sorted(set(out.get(box, ())))
        count = max(pages) + 1
        for first, end in zip([0, *starts], [*starts, count]):
            part = [n for n in range(first, end) if n in pages]
            later = [n for n in part if pages[n] > pages[part[0]]]
            if later:
                starts.append(later[0])
        if starts:
            out[box] = tuple(sorted(set(starts)))
    return out


def summary_targets(handout: Handout) -> list[str]:
    """The ids of the sections the page-1 summary points to: each one holding an emergency tier, in order."""
    if not handout.meta.emergency_summary:
        return []
    return [section.heading.id for section in handout.sections
            if any(isinstance(b, WarningBlock) and b.tier is Tier.EMERGENCY for b in section.blocks)]


def pdf_bytes(document, handout: Handout, ctx: RenderContext) -> bytes:
    """A laid-out handout as PDF/UA-1 bytes: tagged, exact text layer, the same bytes every time."""
    from handout_pipeline.writers.pdf_artifacts import mark_pagination_artifacts
    from handout_pipeline.writers.pdf_patches import render_fixes
    from handout_pipeline.writers.pdf_structure import repair_lists

    # No dates go in (WeasyPrint writes none without <meta name=dcterms.*>); the file identifier is
    # derived from the handout and language, and the patches fix the fonts' own time stamps.
    identifier = hashlib.md5(f"{handout.meta.id}\n{ctx.language.tag}".encode(), usedforsecurity=False)
    with _RENDER_LOCK, render_fixes():
        data = document.write_pdf(pdf_variant="pdf/ua-1", pdf_identifier=identifier.hexdigest().encode())
    return repair_lists(mark_pagination_artifacts(data), len(handout.glossary))


# --- The page -------------------------------------------------------------------------------------

@functools.cache
def _environment() -> jinja2.Environment:
    return jinja2.Environment(loader=jinja2.FileSystemLoader(str(ASSETS)), autoescape=True,
                              undefined=jinja2.StrictUndefined)


def render_html(handout: Handout, ctx: RenderContext, targets: dict[str, int] | None = None,
                splits: dict[str, tuple[int, ...]] | None = None, margins: tuple[float, float, float] | None = None) -> str:
    """The HTML page the PDF is made from (translated text escaped, never markup); `targets` gives the page of
    each section anchor the page-1 summary points to (a first layout does not know them yet), `splits` the
    signs at which a warning box goes on, on a new page, under "Label (continued)", `margins` the top and
    bottom margins in pt that the header's and footer's lines need and the draft banner's place (None: the
    stylesheet's)."""
    return _environment().get_template(TEMPLATE.name).render(
        summary=_summary(handout, targets or {}),
        margins=margins,
        page_names=PAGE_NAMES,
        lead=[p.text for p in handout.lead],
        anchor=_anchor,
        page_of=label_pieces(handout.labels.page_of, {"page", "pages"}),
        footer=footer_lines(handout, ctx.organization, ctx.language.code),
        handout=handout,
        title=running_title(plain(handout.title)),
        draft=handout.labels.draft if ctx.draft else None,
        lang=ctx.language.tag,
        direction=ctx.language.direction,
        page_size=ctx.region.page_size,
        sections=[_SectionView(section.heading.text,
                               [part for b, block in enumerate(section.blocks)
                                for part in _parts(_block(block, handout, f"{BOX_ANCHOR}{s}-{b}"), handout,
                                                   (splits or {}).get(f"{BOX_ANCHOR}{s}-{b}", ()))],
                               section.heading.id)
                  for s, section in enumerate(handout.sections)],
        unbroken=functools.partial(unbroken, keep_words=ctx.language.code in KEEP_WORDS),
    )


@dataclass(frozen=True, slots=True)
class _BlockView:
    """A block as the template sees it: its kind and its parts."""

    kind: str
    text: Text = ()
    level: int = 0
    items: tuple[ListItem, ...] = ()
    tier: str = ""
    label: str = ""
    intros: tuple[Text, ...] = ()
    box: str = ""             # a warning box's id: its signs' anchors are <box>-<n>
    first: int = 0            # the number of this part's first sign in the whole box
    continued: bool = False   # a later part of a box that runs over a page: "Label (continued)", no intro
    notes: tuple[Text, ...] = ()   # the notes after the signs (only in the last part of a box)


def _parts(view: _BlockView, handout: Handout, starts: tuple[int, ...]) -> list[_BlockView]:
    """A warning box cut before each sign in `starts`: each later part on a new page, under the label again."""
    if view.kind != "warning" or not starts:
        return [view]
    bounds = [0, *(n for n in starts if 0 < n < len(view.items)), len(view.items)]
    label = fill_label(handout.labels.continued, label=view.label)
    return [dataclasses.replace(view, items=view.items[a:b], first=a, continued=a > 0,
                                label=label if a > 0 else view.label, intros=() if a > 0 else view.intros,
                                notes=view.notes if b == len(view.items) else ())
            for a, b in zip(bounds, bounds[1:]) if b > a]


@dataclass(frozen=True, slots=True)
class _SectionView:
    heading: Text
    blocks: list[_BlockView]
    id: str = ""


@dataclass(frozen=True, slots=True)
class _SummaryView:
    """A copy of an emergency tier for page 1, and the words that send the reader to its section."""

    block: _BlockView
    pointer: list[tuple[str, str]]   # (slot, text): slot '' is text, 'section' the heading, 'page' its number
    section: Text


def _summary(handout: Handout, targets: dict[str, int]) -> list[_SummaryView]:
    if not handout.meta.emergency_summary:
        return []
    views = []
    for section in handout.sections:
        for block in section.blocks:
            if isinstance(block, WarningBlock) and block.tier is Tier.EMERGENCY:
                page = str(targets.get(_anchor(section.heading.id), 0))
                pointer = [(slot, page if slot == "page" else text) for slot, text in
                           label_pieces(handout.labels.summary_pointer, {"section", "page"})]
                view = _block(block, handout)
                views.append(_SummaryView(
                    _BlockView("warning", level=SUMMARY_LABEL_LEVEL, items=view.items, tier=view.tier,
                               label=view.label, intros=view.intros, notes=view.notes),
                    pointer, section.heading.text))
    return views


def _block(block, handout: Handout, box: str = "") -> _BlockView:
    match block:
        case Heading():
            return _BlockView("heading", block.text, level=min(max(block.level, 3), 6))
        case Paragraph():
            return _BlockView("paragraph", block.text)
        case BulletList():
            return _BlockView("list", items=block.items)
        case WarningBlock():
            return _BlockView("warning", level=WARNING_LABEL_LEVEL, items=block.items, tier=block.tier.value,
                              label=handout.labels.tier(block.tier),
                              intros=tuple(intro.text for intro in block.intros), box=box,
                              notes=tuple(note.text for note in block.notes))
        case _:
            assert_never(block)


_WORDS = re.compile(r"(\S+)")
_HYPHENS = ("-", "\u2010")


def unbroken(text: str, keep_words: bool = False) -> list[tuple[str, bool]]:
    """`text` as pieces, each with whether it must stay on one line."""
    # Large print never splits a word: a compound is not broken at its hyphen (pdftotext would then also
    # drop the hyphen, taking it for hyphenation), and Korean, which WeasyPrint would break between any
    # two syllables, breaks between words only (CSS word-break: keep-all, missing in WeasyPrint 70).
    pieces = [(piece, n % 2 == 1 and (keep_words or any(h in piece for h in _HYPHENS)))
              for n, piece in enumerate(_WORDS.split(text)) if piece]
    if not keep_words:
        return pieces
    # WeasyPrint draws a text box of only a space (the space between two kept words) as nothing, so the
    # text layer lost every Korean word space: the space goes inside the word before it (the template
    # puts a break opportunity, <wbr>, after such a word).
    merged: list[tuple[str, bool]] = []
    for piece, whole in pieces:
        if merged and merged[-1][1] and not whole and not piece.strip():
            merged[-1] = (merged[-1][0] + " ", True)
        else:
            merged.append((piece, whole))
    return merged


# --- Fonts ----------------------------------------------------------------------------------------

def families(language: Language) -> list[str]:
    """The font families that draw a language, its own script's first (the DOCX declares the same)."""
    return list(dict.fromkeys([language.font, LATIN_FAMILY]))


@functools.cache
def font_file(pattern: str) -> Path | None:
    """The font file fontconfig picks for a pattern, or None when the family itself is not installed."""
    from handout_pipeline.fontmatch import match

    family = pattern.split(":")[0]
    names, file = match(pattern)  # in this process: one fc-match process per pattern cost 20 ms each
    if family.lower() not in (name.lower() for name in names):
        return None  # fontconfig fell back to another family
    return Path(file) if file else None


# --- Fetching -------------------------------------------------------------------------------------

class FetchRefused(ValueError):
    """A resource outside the writer's own assets: the PDF never loads it."""


def asset_path(url: str) -> Path:
    """The file inside the assets folder that `url` names; anything else raises FetchRefused."""
    parts = urlsplit(url)
    if parts.scheme.lower() != "file" or parts.netloc not in ("", "localhost"):
        raise FetchRefused(f"not one of the handout assets: {url[:200]}")
    path = Path(url2pathname(unquote(parts.path))).resolve()
    if not path.is_relative_to(ASSETS.resolve()) or not path.is_file():
        raise FetchRefused(f"not one of the handout assets: {url[:200]}")
    return path


def asset_fetcher():
    """The URL fetcher of every render: it serves files inside the assets folder and nothing else."""
    return _asset_fetcher_class()()


@functools.cache
def _asset_fetcher_class():
    from weasyprint.urls import URLFetcher, URLFetcherResponse

    class AssetFetcher(URLFetcher):
        def fetch(self, url, headers=None):
            path = asset_path(url)
            content_type = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
            return URLFetcherResponse(path.as_uri(), path.read_bytes(), {"Content-Type": content_type})

    return AssetFetcher
