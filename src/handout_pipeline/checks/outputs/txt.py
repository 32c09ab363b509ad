"""TXT: each tier is a block of lines that starts with its label; each sign is one bullet item of it."""

from __future__ import annotations

import re
from pathlib import Path

from handout_pipeline.checks.outputs.common import Box, Findings, compare_boxes, expected_tiers, letters
from handout_pipeline.languages import Language
from handout_pipeline.model import Handout
from handout_pipeline.project import Project
from handout_pipeline.writers.text import searchable

_BULLET = re.compile(r"^(\s*)([•\-–*])\s+(.*)$")


def check(found: Findings, path: Path, handout: Handout, language: Language, project: Project) -> None:
    text = path.read_text(encoding="utf-8")
    tiers = expected_tiers(handout)
    compare_boxes(found, tiers, boxes(text, [t.label for t in tiers]), elsewhere=text)


def _label_rest(line: str, labels: list[str]) -> tuple[str, str] | None:
    """(label, text after it) when `line` opens a tier: '!!! LABEL !!!' or 'LABEL: intro'."""
    stripped = line.strip()
    for label in labels:
        if letters(stripped) == letters(label) and letters(label):
            return label, ""
        for colon in (":", "："):
            head = label.upper() + colon
            if stripped.startswith(head):
                return label, stripped[len(head):].strip()
    return None


def boxes(text: str, labels: list[str]) -> list[Box]:
    """Every tier block of a TXT: label line, intro lines, bullet items (wrapped lines joined)."""
    found: list[Box] = []
    box: Box | None = None
    item: list[str] | None = None
    for number, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            box, item = None, None
            continue
        opened = _label_rest(line, labels)
        if opened is not None:
            box = Box(opened[0], [opened[1]] if opened[1] else [], [], where=f"line {number}")
            found.append(box)
            item = None
            continue
        if box is None:
            continue
        bullet = _BULLET.match(line)
        if bullet:
            box.items.append(bullet.group(3))
            item = box.items
        elif item is not None and line.startswith(" "):
            box.items[-1] = searchable(box.items[-1] + " " + line.strip())
        else:
            box.intros.append(line.strip())
    return found
