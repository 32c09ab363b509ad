"""`handout docs [TOPIC]`: the manual, shipped with the package (a pip user has no README).

The topics are sections of the README, copied into assets/docs/ by scripts/sync-docs.py (a test keeps the
two the same)."""

from __future__ import annotations

import re
from pathlib import Path

from handout_pipeline.errors import HandoutError

DOCS = Path(__file__).resolve().parent / "assets" / "docs"

# topic -> (the README heading it is, what it tells)
TOPICS: dict[str, tuple[str, str]] = {
    "start": ("Starting your own handouts", "handout init, handout new, the first build and check"),
    "commands": ("The command line", "every command and option"),
    "source": ("Source format", "how a handout is written: sections, lists, warning blocks, notes, facts"),
    "facts": ("Adding a fact", "a region fact such as {poison_control}: declare, give values, use"),
    "languages": ("Languages, fonts and voices", "the languages, and how to add any other one"),
    "import": ("Importing an existing translation", "handout import: a Word or text translation into a catalog"),
    "catalogs": ("Catalogs", "the translation files (PO) and how they are merged"),
    "configuration": ("Configuration", "every setting of handout.toml"),
    "check": ("Checks: `handout check`", "what the release gate checks and what each finding means"),
    "review": ("Clinical review", "review worksheets and sign-off by a qualified reviewer"),
    "ci": ("Using it in CI", "running the gate in GitHub, GitLab or Jenkins"),
    "troubleshooting": ("Troubleshooting", "common messages and what to do"),
}


def section(markdown: str, heading: str) -> str:
    """The section of a Markdown text under `heading` (## or ###), up to the next heading of its level or
    higher; headings inside ``` code blocks do not count."""
    lines = markdown.splitlines()
    start = level = None
    fenced = False
    out: list[str] = []
    for line in lines:
        if line.startswith("```"):
            fenced = not fenced
        m = None if fenced else re.match(r"(#{2,3}) (.+?)\s*$", line)
        if start is None:
            if m and m.group(2) == heading:
                start, level = True, len(m.group(1))
                out.append(line)
            continue
        if m and len(m.group(1)) <= level:
            break
        out.append(line)
    if start is None:
        raise KeyError(heading)
    return "\n".join(out).strip() + "\n"


def topic_text(name: str) -> str:
    """The shipped text of one topic."""
    key = name.strip().lower()
    if key not in TOPICS:
        raise HandoutError(f"no documentation topic '{name}'",
                           hint=f"use one of: {', '.join(TOPICS)} (or run handout docs for the list)")
    return (DOCS / f"{key}.md").read_text(encoding="utf-8")


def index() -> str:
    """The list of topics, one a line."""
    width = max(map(len, TOPICS))
    rows = [f"  {name.ljust(width)}  {about}" for name, (_, about) in TOPICS.items()]
    return "Documentation topics (handout docs TOPIC prints one):\n" + "\n".join(rows) + "\n"
