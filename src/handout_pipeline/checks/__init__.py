"""Checks return findings; only the CLI decides exit codes."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Finding:
    check: str            # e.g. "warning-signs", "integrity", "content", "lint", "outputs", "glyphs", "readability", "qa"
    severity: str         # "error" | "warning" | "info"
    handout: str
    language: str         # BCP 47 tag
    message_id: str | None
    detail: str
    path: str | None = None     # the file to fix, relative to the content root (PO, source, config, output)
    line: int | None = None     # its line, where known (the PO entry, the source line)
    cause: str | None = None    # the root finding this one follows from, e.g. "untranslated:warning-sign/fever"
    format: str | None = None   # the output format an output finding is about: pdf, docx, txt, mp3
