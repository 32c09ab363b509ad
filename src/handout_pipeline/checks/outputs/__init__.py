"""Output checks: every built file exists, is current, and shows each warning sign where a patient meets it.

One module per format (txt, docx, pdf, mp3), each `check(found, path, tiers, language, project)`;
visual.py (OCR, `check --visual`) and rebuild.py (`check --rebuild`) are run by the CLI on request."""

from __future__ import annotations

import importlib

from handout_pipeline.build import output_path, output_state
from handout_pipeline.checks import Finding
from handout_pipeline.checks.recordings import has_recordings
from handout_pipeline.checks.outputs.common import Findings, expected_tiers, normalise
from handout_pipeline.languages import Language
from handout_pipeline.model import Handout
from handout_pipeline.project import Project
from handout_pipeline.writers import FORMATS

__all__ = ["output_findings", "normalise"]
_MODULES = {"txt": "txt", "docx": "docx", "pdf": "pdf", "mp3": "mp3"}


def output_findings(project: Project, handout_id: str, language: Language, handout: Handout,
                    formats: tuple[str, ...] = FORMATS) -> list[Finding]:
    """Findings for the built outputs of one handout in one language (`handout` resolved and translated)."""
    findings: list[Finding] = []
    for fmt in formats:
        path = output_path(project, handout_id, language, fmt)
        found = Findings(project, handout_id, language, fmt, path)
        _check_one(found, project, handout_id, language, handout, fmt, path)
        findings += found.items
    return findings


def _check_one(found: Findings, project: Project, handout_id: str, language: Language, handout: Handout,
               fmt: str, path) -> None:
    if fmt == "mp3" and language.voice is None and not has_recordings(project, handout_id, language):
        found.add("info", None, f"no audio for {language.name}: eSpeak NG has no voice for it (record it: "
                  f"handout recordings script -l {language.code})")
        if path.exists():
            found.error(None, f"{path.name} exists although {language.name} has no voice: remove it")
        return
    state = output_state(project, handout_id, language, fmt)
    if state == "missing":
        found.error(None, f"{fmt.upper()} missing ({path.name}): run 'handout build'")
        return
    if state == "stale":
        found.error(None, f"{fmt.upper()} is older than its inputs (source, catalog, configuration or "
                    "templates changed): run 'handout build'")
    elif state == "damaged":
        found.error(None, f"{fmt.upper()} was changed or damaged after it was built: run 'handout build --force'")
    module = importlib.import_module(f"handout_pipeline.checks.outputs.{_MODULES[fmt]}")
    try:
        module.check(found, path, handout, language, project)
    except Exception as exc:  # a corrupt file of any kind is a finding, not a crash
        found.error(None, f"{fmt.upper()} cannot be read ({type(exc).__name__}: {exc}): "
                    "run 'handout build --force'")
