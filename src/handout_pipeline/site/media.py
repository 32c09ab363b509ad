"""The site's copies of the built files, PDF page images (pypdfium2) and MP3 chapters (mutagen ID3 CHAP)."""

from __future__ import annotations

import hashlib
import io
from dataclasses import dataclass
from pathlib import Path

from handout_pipeline.fsutil import write_atomic

THUMB_WIDTH = 240     # px: a page at a glance
FULL_SCALE = 1.5      # 108 dpi: readable large print at full size


@dataclass(frozen=True, slots=True)
class PageImage:
    number: int
    thumb: str          # site-relative paths
    full: str
    thumb_size: tuple[int, int]
    full_size: tuple[int, int]


@dataclass(frozen=True, slots=True)
class Chapter:
    title: str
    start: float        # seconds
    end: float
    level: int          # 1: a section; 2: a warning tier inside it


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def copy_if_changed(source: Path, target: Path) -> bool:
    """Copy a built file into the site unless the same bytes are there already."""
    data = source.read_bytes()
    if target.is_file() and target.stat().st_size == len(data) and target.read_bytes() == data:
        return False
    write_atomic(target, data)
    return True


def page_images(pdf: Path, site: Path, folder: str, digest: str, known: dict | None) -> tuple[list[PageImage], bool]:
    """Thumbnails and full-size PNGs of every page; kept as they are when the PDF's digest did not change.

    Returns the images and whether they were rendered now (False: reused)."""
    if known and known.get("pdf_sha256") == digest and all((site / p["thumb"]).is_file() and (site / p["full"]).is_file()
                                                             for p in known["pages"]):
        return [PageImage(p["number"], p["thumb"], p["full"], tuple(p["thumb_size"]), tuple(p["full_size"]))
                for p in known["pages"]], False
    import pypdfium2 as pdfium

    images = []
    document = pdfium.PdfDocument(str(pdf))
    try:
        for index in range(len(document)):
            page = document[index]
            full = _png(page, FULL_SCALE)
            thumb = _png(page, THUMB_WIDTH / page.get_width())
            page.close()
            number = index + 1
            image = PageImage(number, f"{folder}/page-{number}.thumb.png", f"{folder}/page-{number}.png",
                              thumb[1], full[1])
            write_atomic(site / image.thumb, thumb[0])
            write_atomic(site / image.full, full[0])
            images.append(image)
    finally:
        document.close()
    return images, True


def _png(page, scale: float) -> tuple[bytes, tuple[int, int]]:
    image = page.render(scale=scale).to_pil()
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", optimize=True)
    return buffer.getvalue(), image.size


def image_record(digest: str, images: list[PageImage]) -> dict:
    return {"pdf_sha256": digest, "pages": [{"number": i.number, "thumb": i.thumb, "full": i.full,
                                             "thumb_size": list(i.thumb_size), "full_size": list(i.full_size)}
                                            for i in images]}


def chapters(mp3: Path) -> list[tuple[Chapter, list[Chapter]]]:
    """The narration's chapters from its ID3 CHAP frames in time order: sections, each with the warning tiers
    inside it."""
    from mutagen.id3 import ID3, CTOCFlags, ID3NoHeaderError

    try:
        tags = ID3(str(mp3))
    except (ID3NoHeaderError, OSError):
        return []
    top = set()
    for toc in tags.getall("CTOC"):
        if toc.flags & CTOCFlags.TOP_LEVEL:
            top.update(toc.child_element_ids)
    found = []
    for frame in tags.getall("CHAP"):
        title = "".join(str(t) for t in frame.sub_frames.getall("TIT2")) or frame.element_id
        found.append(Chapter(title, frame.start_time / 1000, frame.end_time / 1000,
                             1 if frame.element_id in top else 2))
    tree: list[tuple[Chapter, list[Chapter]]] = []
    for chapter in sorted(found, key=lambda c: (c.start, c.level)):
        if chapter.level == 2 and tree:
            tree[-1][1].append(chapter)
        else:
            tree.append((chapter, []))
    return tree


def voice(mp3: Path) -> str:
    """Who speaks the narration, from its tags: the engine (TXXX:engine) and how many of its messages a person
    recorded (TXXX:recordings against the lines of the script); "" when the file says nothing about it."""
    from mutagen import MutagenError
    from mutagen.id3 import ID3

    try:
        tags = ID3(str(mp3))
    except (MutagenError, OSError):   # no tag, unreadable or gone: no claim
        return ""
    engine = "".join(str(t) for t in tags.getall("TXXX:engine"))
    script = tags.getall("USLT")
    total = len(str(script[0]).split("\n")) if script else 0
    recorded = tags.getall("TXXX:recordings")
    people = len([line for line in str(recorded[0]).split("\n") if line.strip()]) if recorded else 0
    if engine == "human recordings":
        return f"Recorded by a person ({people} of {total} messages)." if total else "Recorded by a person."
    if not engine:
        return ""
    said = f"Spoken by {engine}."
    if people:
        said += f" {people} of {total} messages recorded by a person."
    if tags.getall("TXXX:engine fallback"):
        said += " The engine chosen for this language was not installed: see What the check found."
    return said
