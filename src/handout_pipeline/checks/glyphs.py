"""Glyph check: every character a language's handout shows has a glyph in the fonts that render it."""

from __future__ import annotations

import unicodedata
from functools import lru_cache
from pathlib import Path

from handout_pipeline.languages import font_package
from handout_pipeline.checks import Finding
from handout_pipeline.languages import Language
from handout_pipeline.model import Handout, all_texts


@lru_cache(maxsize=None)
def cmap(path: Path, family: str | None = None) -> frozenset[int]:
    """Code points with a glyph in a font file (for a collection: the face named `family`)."""
    from fontTools.ttLib import TTCollection, TTFont

    if path.suffix.lower() in (".ttc", ".otc"):
        faces = TTCollection(str(path), lazy=True).fonts
        chosen = [f for f in faces if family and f["name"].getBestFamilyName() == family] or faces[:1]
        return frozenset(chosen[0].getBestCmap())
    return frozenset(TTFont(str(path), lazy=True).getBestCmap())


def needed_characters(handout: Handout) -> set[str]:
    """Characters that must be drawn: everything but spaces and invisible format controls."""
    return {ch for text in all_texts(handout) for ch in text
            if not ch.isspace() and unicodedata.category(ch) not in ("Cf", "Cc", "Zs")}


def glyph_findings(handout_id: str, language: Language, handout: Handout,
                   fonts: dict[str, list[tuple[Path, str]]]) -> list[Finding]:
    """`fonts`: output format -> [(font file, family)] that render or are declared for this language."""
    findings: list[Finding] = []
    chars = needed_characters(handout)
    for fmt, faces in fonts.items():
        if not faces:
            findings.append(Finding("glyphs", "error", handout_id, language.tag, None,
                                    f"no font for {language.name} in the {fmt.upper()}: install {language.font} "
                                    f"(Debian: apt-get install {font_package(language.font)})"))
            continue
        covered: set[int] = set()
        for path, family in faces:
            covered |= cmap(path, family)
        names = " + ".join(family for _, family in faces)
        for ch in sorted(c for c in chars if ord(c) not in covered):
            findings.append(Finding("glyphs", "error", handout_id, language.tag, None,
                                    f"no glyph for {ch!r} (U+{ord(ch):04X} {unicodedata.name(ch, 'unnamed')}) "
                                    f"in {names} used by the {fmt.upper()}: reword it or add a font that has it"))
    return findings


def declared_fonts(language: Language) -> dict[str, list[tuple[Path, str]]]:
    """The fonts each format uses for a language: the PDF's stack, and the same families the DOCX declares."""
    from handout_pipeline.writers import pdf

    if pdf.font_file(language.font) is None:  # the language's own font is missing: say that, not 40 missing glyphs
        return {"pdf": [], "docx": []}
    faces = [(path, family) for family in pdf.families(language) if (path := pdf.font_file(family)) is not None]
    return {"pdf": faces, "docx": faces}
