"""`handout init` and `handout new`: a new folder of handouts, and a new handout in one, from shipped templates."""

from __future__ import annotations

from pathlib import Path

from handout_pipeline.errors import HandoutError
from handout_pipeline.fsutil import write_atomic
from handout_pipeline.reader import HANDOUT_ID

STARTER = Path(__file__).resolve().parent / "assets" / "starter"
EXAMPLE_ID = "example-handout"

NEW_HANDOUT = """---
id: {id}
title: "{title}"
language: en
audience: Who this handout is for
last_reviewed: {date}
attribution: Written by your team. Have a clinician review it before you use it.
---

One or two sentences that say what this handout is about. {{#about}}

## What to do at home {{#at-home}}

- The first thing to do. {{#first-step}}

## When to get help {{#get-help}}

::: warnings emergency
Call {{emergency_number}} now if: {{#emergency-intro}}

- A sign that needs emergency care. {{#emergency-sign}}
:::
"""


def init(folder: Path) -> list[Path]:
    """Write handout.toml, source/example-handout.md, its template locales/example-handout.pot and .gitignore
    into `folder` (created if missing); refuses, writing nothing, when any of them is already there. Returns the
    files written."""
    folder = Path(folder)
    if folder.exists() and not folder.is_dir():
        raise HandoutError("is not a folder", folder, hint="give a folder name, e.g. handout init our-handouts")
    files = {folder / "handout.toml": STARTER / "handout.toml",
             folder / "source" / f"{EXAMPLE_ID}.md": STARTER / "example.md",
             folder / ".gitignore": STARTER / "gitignore"}
    pot = folder / "locales" / f"{EXAMPLE_ID}.pot"
    there = [path for path in (*files, pot) if path.exists()]
    if there:
        raise HandoutError("already exists: nothing was written", there[0],
                           hint="run handout init in an empty folder, or handout new ID to add a handout here")
    for target, template in files.items():
        write_atomic(target, template.read_bytes())
    # The example's translation template too, so that `handout check` passes straight away.
    from handout_pipeline.i18n.catalogs import build_template, save_if_changed
    from handout_pipeline.project import Project

    project = Project.open(folder)
    save_if_changed(build_template(project.handout(EXAMPLE_ID), project.source_rel(EXAMPLE_ID)), pot,
                    project.config.po_width)
    return [*files, pot]


def new(source_dir: Path, handout_id: str, today: str) -> Path:
    """Write source/<id>.md from a short template; refuses an invalid ID or an existing file."""
    if not HANDOUT_ID.match(handout_id):
        raise HandoutError(f"'{handout_id}' is not a handout ID",
                           hint="use lowercase letters, digits and '-', e.g. handout new knee-surgery")
    path = Path(source_dir) / f"{handout_id}.md"
    if path.exists():
        raise HandoutError("already exists: nothing was written", path, hint="choose another ID, or edit that file")
    title = handout_id.replace("-", " ").capitalize()
    write_atomic(path, NEW_HANDOUT.format(id=handout_id, title=title, date=today).encode("utf-8"))
    return path
