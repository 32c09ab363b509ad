"""Checks return findings; only the CLI decides exit codes."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Finding:
    check: str            # e.g. "warning-signs", "integrity", "outputs", "glyphs", "readability"
    severity: str         # "error" | "warning" | "info"
    handout: str
    language: str         # BCP 47 tag
    message_id: str | None
    detail: str
