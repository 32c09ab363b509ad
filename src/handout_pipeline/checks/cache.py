"""Findings cached by the digest of everything they depend on: an unchanged check re-reads nothing it checked.

One entry per handout (template and source findings) and per handout x language (catalog, review, glyphs,
outputs, readability), in output/.cache/check/<handout>/<tag>.json. The key covers the package's code and
version, the installed distributions, the configuration file, the source, the template or the catalog and
its review record, the language's facts (font, voice, readability method), the font files the glyph check
reads, the language's human recordings and their stamps, and, for outputs, each output's bytes, its build
record and its current inputs (so 'stale' and 'damaged' are found as before). Outputs are compared by content,
never by date or size. An entry whose inputs changed while it was being checked is not stored. Reading or
writing the cache never fails a check.
"""

from __future__ import annotations

import hashlib
import json
import os
import sys
from dataclasses import asdict
from functools import lru_cache
from pathlib import Path

from handout_pipeline import __version__
from handout_pipeline.checks import Finding
from handout_pipeline.errors import HandoutError
from handout_pipeline.fsutil import write_atomic
from handout_pipeline.languages import Language
from handout_pipeline.project import Project

FORMAT = 1                 # bump when an entry's layout changes
HANDOUT_ENTRY = "_handout"  # not a BCP 47 tag (no underscore there): the source-level findings of a handout


def entry_path(project: Project, handout_id: str, tag: str | None) -> Path:
    from handout_pipeline.build import CACHE_DIR

    return project.config.output_dir / CACHE_DIR / "check" / handout_id / f"{tag or HANDOUT_ENTRY}.json"


@lru_cache(maxsize=1)
def environment_digest() -> str:
    """The package's code and every installed distribution's name and version (a new wordfreq, lingua or
    pdfplumber may find other things)."""
    from handout_pipeline.build import _package_digest

    digest = hashlib.sha256(f"{FORMAT}\n{__version__}\n{sys.version}\n{_package_digest()}".encode())
    for folder in sorted({p for p in sys.path if p.endswith(("site-packages", "dist-packages"))}):
        try:  # only where distributions are installed: the folder a command runs in does not count
            names = sorted(n for n in os.listdir(folder) if n.endswith((".dist-info", ".egg-info")))
        except OSError:
            continue
        digest.update(f"{folder}:{','.join(names)}\n".encode())
    return digest.hexdigest()


def content_digest(path: Path | None) -> str:
    """A file by its whole content; 'missing' when it does not exist."""
    if path is None:
        return "none"
    try:
        return hashlib.sha256(path.read_bytes()).hexdigest()
    except OSError:
        return "missing"


def entry_key(project: Project, handout_id: str, language: Language | None, outputs: bool,
              formats: tuple[str, ...]) -> str:
    """The digest of what one entry's findings depend on."""
    parts = [environment_digest(), content_digest(project.config.path), handout_id,
             content_digest(project.source_path(handout_id))]
    if language is None:
        parts.append(content_digest(project.pot_path(handout_id)))
        return _digest(parts)
    from handout_pipeline.review.records import record_path

    parts.append(repr(language))
    parts.append(",".join(lang.code for lang in project.config.languages))  # language identification's choices
    if language.code != "en":
        po = project.po_path(language, handout_id)
        parts += [content_digest(po), content_digest(record_path(po))]
    parts += [font_digest(language)]
    from handout_pipeline import recordings

    parts.append(recordings.content_digest(project.root, language))  # the recordings check reads them
    if outputs:
        parts += [output_digest(project, handout_id, language, fmt) for fmt in formats]
    return _digest(parts)


def font_digest(language: Language) -> str:
    """The font files the glyph check reads for a language (which file fontconfig picks, and its state)."""
    from handout_pipeline.build import file_digest
    from handout_pipeline.checks.glyphs import declared_fonts

    faces = declared_fonts(language).get("pdf", [])
    return ";".join(f"{family}={path}:{file_digest(path)}" for path, family in faces) or "no font"


def output_digest(project: Project, handout_id: str, language: Language, fmt: str) -> str:
    """One output as its check sees it: its bytes, its build record, and what it should be built from now."""
    from handout_pipeline.build import inputs_digest, manifest_path, output_path

    out = output_path(project, handout_id, language, fmt)
    manifest = manifest_path(project, handout_id, language, fmt)
    if fmt == "mp3" and language.voice is None and not out.exists():  # built only from recordings
        return f"{fmt}:no voice:no file"
    try:
        current = inputs_digest(project, handout_id, language, fmt)
    except HandoutError as exc:  # e.g. a missing font: the check reports it, the key must still change
        current = f"unavailable: {exc}"
    return f"{fmt}:{content_digest(out)}:{content_digest(manifest)}:{current}"


def _digest(parts: list[str]) -> str:
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()


def load(path: Path, key: str) -> tuple[list[Finding], dict | None] | None:
    """The cached findings and metrics under `key`, or None (absent, another key, unreadable)."""
    try:
        entry = json.loads(path.read_text(encoding="utf-8"))
        if entry.get("key") != key:
            return None
        return [Finding(**f) for f in entry["findings"]], entry.get("metrics")
    except (OSError, ValueError, TypeError, KeyError, AttributeError):
        return None


def store(path: Path, key: str, findings: list[Finding], metrics: dict | None) -> None:
    """Keep an entry; nothing is kept when it would not read back the same (JSON) or cannot be written."""
    entry = {"key": key, "findings": [asdict(f) for f in findings], "metrics": metrics}
    text = json.dumps(entry, ensure_ascii=False)  # key order kept: reports print metrics in their order
    if json.loads(text) != entry:
        return
    try:
        write_atomic(path, text.encode("utf-8"))
    except HandoutError:  # a read-only output folder: the check still runs, just not incrementally
        pass
