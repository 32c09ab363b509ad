"""Shared helpers for tests: copy a fixture content root, edit catalogs, run the CLI."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from click.testing import CliRunner

from handout_pipeline.cli import main
from handout_pipeline.i18n.catalogs import load_catalog, render
from handout_pipeline.languages import get_language

FIXTURES = Path(__file__).parent / "fixtures"


def copy_root(tmp_path: Path, name: str = "mini") -> Path:
    root = tmp_path / name
    shutil.copytree(FIXTURES / name, root, ignore=shutil.ignore_patterns("output"))
    return root


def po_file(root: Path, code: str, handout: str = "mini") -> Path:
    return root / "locales" / code / "LC_MESSAGES" / f"{handout}.po"


def edit_catalog(root: Path, code: str, edit, handout: str = "mini") -> None:
    """Apply `edit(catalog)` to a fixture catalog and save it (through Babel, so it stays valid PO)."""
    path = po_file(root, code, handout)
    catalog = load_catalog(path, get_language(code))
    edit(catalog)
    path.write_bytes(render(catalog))


def message(catalog, context: str):
    return next(m for m in catalog if m.context == context)


def run(root: Path, *args: str):
    result = CliRunner().invoke(main, ["--root", str(root), *args], catch_exceptions=False)
    return result


def check_json(root: Path, *args: str) -> tuple[int, dict]:
    result = run(root, "check", "--format", "json", *args)
    return result.exit_code, json.loads(result.output)


def mini_project():
    from handout_pipeline.project import Project
    return Project.open(FIXTURES / "mini")


def localized(project, code: str):
    """(resolved handout in `code`, render context) for a writer."""
    language = get_language(code)
    return project.localized("mini", language).handout, project.render_context(language)


def errors(report: dict, check: str | None = None) -> list[dict]:
    """The error findings of a JSON check report, of one check or of all."""
    return [f for f in report["findings"] if f["severity"] == "error" and (check is None or f["check"] == check)]


def set_string(context: str, value: str, fuzzy: bool = False):
    """An edit for edit_catalog: give one message a new translation (and the fuzzy flag)."""
    def edit(catalog):
        m = message(catalog, context)
        m.string = value
        if fuzzy:
            m.flags.add("fuzzy")
    return edit
