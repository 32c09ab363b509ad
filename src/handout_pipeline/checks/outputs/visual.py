"""`check --visual`: what a person sees. Each PDF, and each DOCX as LibreOffice lays it out (a tagged PDF), is
rendered (pdftoppm, inside its CropBox) and read by Tesseract OCR; every warning intro and sign must be read in
each box of its tier (the page-1 summary too). The structure tree says only where a box's items are drawn: the
picture of each item's region is cut out and read, and a sign counts as seen when one item of its box reads as
it. What the text layer says the item is, is not trusted. Slow (3-6 s of CPU a file, most of it LibreOffice and
Tesseract): a release or nightly check, run in processes."""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
import unicodedata
import uuid
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from multiprocessing import get_context
from pathlib import Path

from handout_pipeline.build import default_workers, output_path
from handout_pipeline.checks import Finding
from handout_pipeline.checks.outputs.common import ExpectedTier, expected_tiers, letters
from handout_pipeline.errors import HandoutError
from handout_pipeline.project import Project

DPI = 200
# Chosen from benchmarks/visual_calibration.py on the shipped content (11 languages, PDF and DOCX; README,
# "What --visual looks at"): clean signs scored 80 or more, a sign painted over or drawn as another sign of
# its box 67 or less, in every language.
THRESHOLD = 75.0
# Tesseract's trained model per language (Debian tesseract-ocr-*). Tagalog is read with the Filipino model.
TESSERACT = {"en": "eng", "fr": "fra", "es": "spa", "zh_Hans": "chi_sim", "zh_Hant": "chi_tra",
             "pa": "pan", "ar": "ara", "fa": "fas", "vi": "vie", "ko": "kor", "tl": "fil"}
# Each drawn line of an item is cut out and read as one line, twice: as a text line (7) and as a raw line
# (13, no layout analysis: it reads a short Arabic word that 7 finds no text in). The better reading counts.
PSMS = (7, 13)
# Further readings (model, psm) where the language's own model misses clean signs: the Persian model reads
# the lone word "ضعف." as "عفر"; the Arabic one, which knows the same letters, reads it.
EXTRA_READINGS = {"fa": (("ara", 13),)}
# Grey level (0-255, sRGB) under which a pixel is ink: relative luminance 0.30, 3:1 against white.
INK_BELOW = 149
FORMATS = ("pdf", "docx")
_ARABIC_SCRIPT = {"ar", "fa"}
# Letters OCR (and writers) spell in more than one way in Arabic script: Persian and Arabic yeh and kaf,
# alef with hamza or madda, teh marbuta. Folded to one letter each before comparing.
_ARABIC_FOLD = str.maketrans({"ی": "ي", "ى": "ي", "ئ": "ي", "ک": "ك", "أ": "ا", "إ": "ا", "آ": "ا", "ٱ": "ا",
                              "ة": "ه", "ۀ": "ه", "ؤ": "و", "ـ": None})


@dataclass(frozen=True, slots=True)
class Task:
    handout: str
    tag: str
    code: str
    rtl: bool
    fmt: str
    path: str
    rel: str
    tiers: tuple[ExpectedTier, ...]
    furniture: tuple[str, ...] = ()   # texts atop every page (the draft banner): not before a box's continuation


@dataclass(frozen=True, slots=True)
class Region:
    """Where one item of a tier box is drawn: (page index, x0, y0, x1, y1) in PDF points, one per line."""

    box: int
    kind: str                   # "label", "intro" or "item"
    pieces: tuple[tuple[int, float, float, float, float], ...]


@dataclass(frozen=True, slots=True)
class Seen:
    """How well one intro or sign was read: its best score in its weakest box, and where that box is."""

    message_id: str
    text: str
    score: float
    where: str


def visual_findings(project: Project, handouts: tuple[str, ...] = (), languages: tuple[str, ...] = (),
                    workers: int | None = None) -> tuple[list[Finding], dict]:
    """Findings for signs OCR did not see, and per handout and language how many it saw, per format."""
    require_tools()
    tasks = []
    for handout_id in project.handout_ids(handouts):
        for language in project.languages(languages):
            handout = project.localized(handout_id, language).handout
            tiers = tuple(expected_tiers(handout))
            for fmt in FORMATS:
                path = output_path(project, handout_id, language, fmt)
                tasks.append(Task(handout_id, language.tag, language.code, language.rtl, fmt, str(path),
                                  path.relative_to(project.root).as_posix(), tiers, (handout.labels.draft,)))
    findings: list[Finding] = []
    seen: dict = {}
    workers = workers or default_workers()
    with ProcessPoolExecutor(max_workers=min(workers, len(tasks) or 1), mp_context=get_context("spawn")) as pool:
        for task, result in zip(tasks, pool.map(look, tasks)):
            metrics = seen.setdefault(task.handout, {}).setdefault(task.tag, {})
            total = sum(len(t.intros) + len(t.signs) for t in task.tiers)
            if isinstance(result, str):
                findings.append(Finding("outputs", "error", task.handout, task.tag, None, result,
                                        path=task.rel, format=task.fmt))
                metrics[task.fmt] = f"0 of {total}"
                continue
            metrics[task.fmt] = f"{sum(s.score >= THRESHOLD for s in result)} of {total}"
            for item in result:
                if item.score < THRESHOLD:
                    findings.append(Finding(
                        "outputs", "error", task.handout, task.tag, item.message_id,
                        f"warning sign not seen on the {task.fmt.upper()} page images {item.where} (OCR best "
                        f"match {item.score:.0f}%, needs {THRESHOLD:.0f}%): {item.text!r}; look at the page: it "
                        "may be hidden, cut off, painted over or drawn as other text", path=task.rel,
                        format=task.fmt))
    return findings, seen


def require_tools() -> None:
    for tool in ("pdftoppm", "tesseract", "soffice"):
        if shutil.which(tool) is None:
            raise HandoutError(f"'check --visual' needs {tool}, which is not installed",
                               hint="run scripts/setup-system.sh (Debian: poppler-utils, tesseract-ocr and its "
                                    "language packs, libreoffice-writer-nogui)")


def look(task: Task) -> list[Seen] | str:
    """How well each intro and sign was read in the file's boxes, or why the file could not be looked at."""
    os.environ.setdefault("OMP_THREAD_LIMIT", "1")  # one process per core; Tesseract's own threads only compete
    if not Path(task.path).exists():
        return f"{task.fmt.upper()} missing ({Path(task.path).name}): run 'handout build'"
    with tempfile.TemporaryDirectory(prefix="handout-visual-") as tmp:
        pdf = Path(task.path)
        if task.fmt == "docx":
            pdf = docx_to_pdf(pdf, Path(tmp))
            if pdf is None:
                return "LibreOffice could not open the DOCX: open it in Word or LibreOffice and build again"
        boxes, regions = places(pdf, task.tiers, task.rtl, task.furniture)
        texts = read_regions(pdf, regions, Path(tmp), task.code)
    return judge(task.tiers, boxes, regions, texts, task.code)


def docx_to_pdf(docx: Path, tmp: Path) -> Path | None:
    """The DOCX as LibreOffice lays it out, as a tagged PDF (its structure tree says where each box is)."""
    profile = tmp / f"lo-profile-{uuid.uuid4().hex}"
    out = tmp / "docx"
    export = 'pdf:writer_pdf_Export:{"UseTaggedPDF":{"type":"boolean","value":"true"}}'
    subprocess.run(["soffice", f"-env:UserInstallation={profile.as_uri()}", "--headless", "--convert-to", export,
                    "--outdir", str(out), str(docx)], capture_output=True, timeout=300, check=False)
    pdf = out / (docx.stem + ".pdf")
    return pdf if pdf.exists() else None


def places(pdf_path: Path, tiers: tuple[ExpectedTier, ...], rtl: bool,
           furniture: tuple[str, ...] = ()) -> tuple[list[tuple[int | None, int]], list[Region]]:
    """The boxes of a tagged PDF as (index of their tier if the text layer names it, page), and the region of
    each of their labels, intros and items, from the structure tree (a WeasyPrint Sect, or the one-cell table LibreOffice makes of a DOCX
    box)."""
    import pdfplumber

    from handout_pipeline.checks.outputs import pdf as pdf_check

    pdf_check._read_embedded_cmaps()
    # A label's letters as a multiset: LibreOffice's text layer has Gurmukhi vowel signs and Arabic lam-alef in
    # drawing order, not reading order (what the box's heading reads as is what counts, not how it is spelt).
    labels = {_letter_set(t.label): n for n, t in reversed(list(enumerate(tiers)))}
    boxes: list[tuple[int | None, int]] = []
    regions: list[Region] = []
    with pdfplumber.open(str(pdf_path)) as pdf:
        pages = [pdf_check._paint(pdf, page) for page in pdf.pages]
        # A one-cell table (or a table's header cell) headed by anything may be a box: LibreOffice leaves some headings out of its text
        # layer (a Gurmukhi label came out empty); what its heading reads as on the page decides (judge).
        found, _ = pdf_check._boxes(pdf.structure_tree, pages, [t.label for t in tiers], rtl,
                                    is_label=lambda text, kind: kind in ("TD", "TH") or _letter_set(text) in labels,
                                    furniture=list(furniture))
    for box in found:
        number = len(boxes)
        boxes.append((labels.get(_letter_set(box.label)), box.page))
        for kind, _, _, pairs in box.placed:
            if not pairs:
                continue
            regions.append(Region(number, kind, tuple(_lines(pairs))))
    return boxes, regions


def _ink(image):
    """Only what stands out: a pixel is ink if it has at least 3:1 contrast against white (as the output checks
    ask of text), else paper. Text in white or a pale colour, on a pale box fill or not, is not read."""
    return image.convert("L").point(lambda v: 0 if v < INK_BELOW else 255)


def _lines(pairs) -> list[tuple[int, float, float, float, float]]:
    """One rectangle per drawn line of an item: from its baseline 0.45 em down (descenders, Arabic tails) and
    0.95 em up (accents, Gurmukhi vowel signs), one line pitch of the writers' 1.4 line height, so no
    neighbour's ink; 0.15 em either side."""
    lines: list[tuple[int, list]] = []
    for page, glyph in pairs:
        if not glyph.text.strip():
            continue
        if lines and lines[-1][0] == page and abs(_baseline(lines[-1][1][-1]) - _baseline(glyph)) < 0.5 * glyph.size:
            lines[-1][1].append(glyph)
        else:
            lines.append((page, [glyph]))
    out = []
    for page, glyphs in lines:
        size = max(g.size for g in glyphs)
        out.append((page, min(g.bbox[0] for g in glyphs) - 0.15 * size,
                    min(_baseline(g) - 0.45 * g.size for g in glyphs),
                    max(g.bbox[2] for g in glyphs) + 0.15 * size,
                    max(_baseline(g) + 0.95 * g.size for g in glyphs)))
    return out


def _baseline(glyph) -> float:
    return glyph.baseline if glyph.baseline is not None else glyph.bbox[1] + 0.25 * glyph.size


def _letter_set(text: str) -> tuple[str, ...]:
    return tuple(sorted(letters(text)))


def page_images(pdf: Path, tmp: Path) -> list[Path]:
    """Grey page images at DPI of what a viewer shows: the CropBox, not the MediaBox."""
    pages = tmp / "pages"
    pages.mkdir(exist_ok=True)
    subprocess.run(["pdftoppm", "-r", str(DPI), "-gray", "-cropbox", "-png", str(pdf), str(pages / "p")],
                   capture_output=True, timeout=300, check=True)
    return sorted(pages.glob("p-*.png"), key=lambda p: int(p.stem.rsplit("-", 1)[1]))


def read_regions(pdf: Path, regions: list[Region], tmp: Path, code: str) -> list[tuple[str, ...]]:
    """What OCR reads in each region's picture, cut line by line from the rendered pages: one text per page
    segmentation tried (PSMS, then EXTRA_READINGS), lines joined. One Tesseract run per reading for all lines of
    the file."""
    import pikepdf
    from PIL import Image, ImageOps

    with pikepdf.open(str(pdf)) as doc:
        frames = [(tuple(float(v) for v in page.mediabox), tuple(float(v) for v in page.cropbox))
                  for page in doc.pages]
    images = page_images(pdf, tmp)
    scale = DPI / 72
    crops = tmp / "crops"
    crops.mkdir(exist_ok=True)
    listed: list[tuple[int, Path]] = []   # (region, picture of one of its lines)
    opened: dict[int, Image.Image] = {}
    for n, region in enumerate(regions):
        for page, x0, y0, x1, y1 in region.pieces:
            if page >= len(images):
                continue
            image = opened.get(page) or opened.setdefault(page, _ink(Image.open(images[page])))
            media, crop = frames[page]
            left, top = min(crop[0], crop[2]), max(crop[1], crop[3])
            # Glyph boxes are relative to the MediaBox's corner; the image starts at the CropBox's.
            box = (round((x0 + media[0] - left) * scale), round((top - (y1 + media[1])) * scale),
                   round((x1 + media[0] - left) * scale), round((top - (y0 + media[1])) * scale))
            box = (max(box[0], 0), max(box[1], 0), min(box[2], image.width), min(box[3], image.height))
            if box[2] - box[0] < 4 or box[3] - box[1] < 4:
                continue  # this line lies outside the page image: nothing of it to read
            path = crops / f"l{len(listed):05d}.png"
            ImageOps.expand(image.crop(box), border=30, fill=255).save(path, dpi=(DPI, DPI))
            listed.append((n, path))
    readings = [(TESSERACT.get(code, "eng"), psm) for psm in PSMS] + list(EXTRA_READINGS.get(code, ()))
    texts: list[list[list[str]]] = [[[] for _ in readings] for _ in regions]
    if not listed:
        return [tuple("" for _ in readings) for _ in regions]
    listing = tmp / "lines.txt"
    listing.write_text("".join(f"{path}\n" for _, path in listed), encoding="utf-8")
    for k, (model, psm) in enumerate(readings):
        done = subprocess.run(["tesseract", str(listing), "stdout", "-l", model, "--psm", str(psm), "--dpi",
                               str(DPI), "tsv"], capture_output=True, timeout=600, check=False)
        words: dict[int, list[str]] = {}
        for line in done.stdout.decode("utf-8", "replace").splitlines()[1:]:
            cells = line.split("\t")
            if len(cells) == 12 and cells[0] == "5" and cells[11].strip():
                words.setdefault(int(cells[1]), []).append(cells[11])
        for index, (n, _) in enumerate(listed, 1):
            texts[n][k] += words.get(index, [])
    return [tuple(" ".join(w) for w in per) for per in texts]


def judge(tiers: tuple[ExpectedTier, ...], boxes: list[tuple[int | None, int]], regions: list[Region],
          texts: list[tuple[str, ...]], code: str) -> list[Seen]:
    """Each intro and sign against the items of the same kind in every box of its tier: its best match in a
    box, in the box where it is matched worst (every copy, the page-1 summary too, must be readable). A box
    the text layer does not name is its tier's when its heading reads as the tier's label."""
    def read(b: int, kind: str) -> list[str]:
        return [text for r, region in enumerate(regions) if region.box == b and region.kind == kind
                for text in texts[r]]

    owner = []
    for b, (tier_index, _) in enumerate(boxes):
        if tier_index is None:
            heading = read(b, "label")
            scored = [(max((score(t.label, text, code) for text in heading), default=0.0), n)
                      for n, t in enumerate(tiers)]
            best, n = max(scored, default=(0.0, None))
            tier_index = n if best >= THRESHOLD else None
        owner.append(tier_index)
    result = []
    for n, tier in enumerate(tiers):
        mine = [b for b, tier_index in enumerate(owner) if tier_index == n]
        for kind, expected in (("intro", tier.intros), ("item", tier.signs)):
            for sign in expected:
                worst: tuple[float, str] | None = None
                for b in mine:
                    best = max((score(sign.text, text, code) for text in read(b, kind)), default=0.0)
                    if worst is None or best < worst[0]:
                        worst = (best, f"in the {tier.tier.value} box on page {boxes[b][1]}")
                if worst is None:
                    worst = (0.0, f"(no {tier.tier.value} box labelled {tier.label!r} found on the pages)")
                result.append(Seen(sign.message_id, sign.text, worst[0], worst[1]))
    return result


def key(text: str, code: str) -> str:
    """What is compared: letters, marks and digits, case folded and decomposed (a Hangul syllable into its jamo,
    an accented letter into letter and accent), so one misread accent or jamo costs a part of a letter; spaces,
    punctuation and bullets are not compared (OCR sets spaces between Chinese characters). In Arabic script the
    short vowels are dropped (OCR drops them) and letters written in two ways are folded to one."""
    text = unicodedata.normalize("NFD", unicodedata.normalize("NFKC", text).casefold())
    if code in _ARABIC_SCRIPT:
        text = text.translate(_ARABIC_FOLD)
        return "".join(c for c in text if unicodedata.category(c)[0] in "LN")
    return "".join(c for c in text if unicodedata.category(c)[0] in "LMN" and c != "\u034f")


def score(sign: str, text: str, code: str) -> float:
    """How well an item's OCR text reads as the sign, 0-100: 100 letter for letter (Indel similarity)."""
    from rapidfuzz import fuzz

    wanted = key(sign, code)
    if not wanted:
        return 0.0
    return float(fuzz.ratio(wanted, key(text, code)))

