"""What the status site shows, gathered from the pipeline's own functions: catalogs, review, check, build."""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from handout_pipeline import build
from handout_pipeline.checks import Finding
from handout_pipeline.checks.run import Report, run_checks
from handout_pipeline.errors import HandoutError
from handout_pipeline.i18n import catalogs
from handout_pipeline.i18n.translate import resolve, translate
from handout_pipeline.i18n.units import units
from handout_pipeline.languages import Language
from handout_pipeline.model import GlossaryEntry, plain
from handout_pipeline.project import Project
from handout_pipeline.review.records import load_record, record_path
from handout_pipeline.review.status import review_status
from handout_pipeline.writers import FORMATS

READY, BLOCKED = "ready", "blocked"
# Why a handout cannot go to patients in a language, most basic first; each is a filterable word.
REASONS = ("unreadable", "untranslated", "fuzzy", "stale", "unreviewed", "outputs", "check errors")
UNREADABLE = "unreadable"   # the check name of a catalog or review record that cannot be read


@dataclass(frozen=True, slots=True)
class Reason:
    kind: str       # one of REASONS
    count: int
    text: str       # in plain words


@dataclass(frozen=True, slots=True)
class Output:
    format: str
    state: str               # current | missing | stale | damaged | no voice
    source_rel: str | None   # output/<id>/<lang>/<file>, relative to the content root
    size: int = 0
    seconds: float | None = None   # build time, when the build recorded it


@dataclass
class Cell:
    """One handout in one language: everything its matrix cell and its own page show."""

    handout: str
    language: Language
    title: str
    total: int
    translated: int
    fuzzy: int
    untranslated: int
    safety: int
    reviewed: int
    last_change: str | None
    reasons: list[Reason] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    readability: dict = field(default_factory=dict)
    glossary: tuple[GlossaryEntry, ...] = ()
    glossary_label: str = ""
    outputs: dict[str, Output] = field(default_factory=dict)

    @property
    def state(self) -> str:
        return READY if not self.reasons else BLOCKED

    @property
    def translated_share(self) -> float:
        return self.translated / self.total if self.total else 1.0

    @property
    def errors(self) -> list[Finding]:
        return [f for f in self.findings if f.severity == "error"]


@dataclass
class Status:
    languages: tuple[Language, ...]
    handouts: list[str]
    cells: dict[tuple[str, str], Cell]        # (handout id, language tag) -> cell
    checked_formats: tuple[str, ...]
    report: Report

    def cell(self, handout_id: str, language: Language) -> Cell:
        return self.cells[(handout_id, language.tag)]


def built_formats(project: Project, handout_ids: list[str]) -> tuple[str, ...]:
    """The formats this content root builds at all: a format nobody built is not reported missing everywhere."""
    found = tuple(fmt for fmt in FORMATS
                  if any(build.output_path(project, h, lang, fmt).exists()
                         for h in handout_ids for lang in project.languages()))
    return found or FORMATS


def collect(project: Project) -> Status:
    """Check each handout in each language on its own, so one unreadable catalog blocks only its own cell."""
    handout_ids = project.handout_ids()
    formats = built_formats(project, handout_ids)
    report = Report()
    cells = {}
    for handout_id in handout_ids:
        source = project.handout(handout_id)
        template_units = list(units(source))
        for language in project.languages():
            try:
                part = run_checks(project, (handout_id,), (language.code,), formats=formats)
                cell = _cell(project, handout_id, language, source, template_units, part, formats)
            except HandoutError as exc:
                part = Report([unreadable(project, handout_id, language, exc)])
                cell = _unreadable_cell(project, handout_id, language, source, template_units, part, formats)
            report.findings += part.findings
            report.metrics.setdefault(handout_id, {}).update(part.metrics.get(handout_id, {}))
            cells[(handout_id, language.tag)] = cell
    report.findings = list(dict.fromkeys(report.findings))  # the source's own findings come with every language
    return Status(project.languages(), handout_ids, cells, formats, report)


def unreadable(project: Project, handout_id: str, language: Language, exc: HandoutError) -> Finding:
    """A catalog or review record that cannot be read, as a finding of its own cell (path relative to the root)."""
    path = None
    if exc.path:
        try:
            path = Path(exc.path).resolve().relative_to(project.root.resolve()).as_posix()
        except ValueError:
            path = Path(exc.path).name
    detail = exc.message + (f" — {exc.hint}" if exc.hint else "")
    return Finding(UNREADABLE, "error", handout_id, language.tag, None, detail, path=path, line=exc.line)


def _unreadable_cell(project: Project, handout_id: str, language: Language, source, template_units,
                     report: Report, formats: tuple[str, ...]) -> Cell:
    safety = sum(u.safety_critical for u in template_units)
    cell = Cell(handout_id, language, plain(source.title), len(template_units), 0, 0, len(template_units), safety, 0,
                None, findings=list(report.findings),
                outputs={fmt: _output(project, handout_id, language, fmt) for fmt in formats})
    cell.reasons = reasons(cell.findings, 0)
    return cell


def _cell(project: Project, handout_id: str, language: Language, source, template_units, report: Report,
          formats: tuple[str, ...]) -> Cell:
    review = review_status(project, handout_id, language)
    total = len(template_units)
    catalog = None
    if language.code == "en":
        counts, last = (total, 0, 0), source.meta.last_reviewed or None
    else:
        po = project.po_path(language, handout_id)
        if po.exists():
            catalog = catalogs.load_catalog(po, language)
            s = catalogs.stats(template_units, catalog)
            counts = (s.translated, s.fuzzy, s.untranslated)
            last = _last_change(catalog, load_record(record_path(po)))
        else:   # a new handout or language: nothing translated yet, shown in English
            counts, last = (0, 0, total), None
    localized = resolve(translate(source, catalog, language).handout, project.config.region.facts,
                        project.config.region.text_facts)
    findings = [f for f in report.findings if f.handout == handout_id and f.language == language.tag]
    cell = Cell(handout_id, language, plain(localized.title), total, *counts, review.safety, review.reviewed, last,
                findings=findings,
                readability=report.metrics.get(handout_id, {}).get(language.tag, {}).get("readability", {}),
                glossary=localized.glossary, glossary_label=localized.labels.glossary,
                outputs={fmt: _output(project, handout_id, language, fmt) for fmt in formats})
    cell.reasons = reasons(findings, review.unreviewed)
    return cell


def _last_change(catalog, record) -> str | None:
    """The later of the catalog's PO-Revision-Date and the last approval in its review record (UTC date)."""
    dates = [entry.approved_at[:10] for entry in record.entries.values() if entry.approved_at]
    revised = getattr(catalog, "revision_date", None)
    if revised is not None and hasattr(revised, "strftime"):
        dates.append(revised.strftime("%Y-%m-%d"))
    return max(dates) if dates else None


def _output(project: Project, handout_id: str, language: Language, fmt: str) -> Output:
    path = build.output_path(project, handout_id, language, fmt)
    if fmt == "mp3" and language.voice is None and not path.exists():   # a recorded narration is shown
        return Output(fmt, "no voice", None)
    state = build.output_state(project, handout_id, language, fmt)
    if state == "missing":
        return Output(fmt, state, None)
    try:
        record = json.loads(build.manifest_path(project, handout_id, language, fmt).read_text())
    except (OSError, ValueError):
        record = {}
    seconds = record.get("seconds")
    return Output(fmt, state, path.relative_to(project.root).as_posix(), path.stat().st_size,
                  float(seconds) if isinstance(seconds, (int, float)) else None)


def reason_kind(finding: Finding) -> str:
    """Which of REASONS an error finding is: the words the warning-signs check starts its details with."""
    if finding.check == "warning-signs":
        if finding.detail.startswith("stale"):
            return "stale"
        if finding.detail.startswith("fuzzy"):
            return "fuzzy"
        return "untranslated"
    if finding.check == "review":
        return "unreviewed"
    if finding.check == UNREADABLE:
        return "unreadable"
    if finding.check == "outputs":
        return "outputs"
    return "check errors"


_REASON_TEXT = {
    "unreadable": "its catalog or review record cannot be read",
    "untranslated": "{n} warning message(s) not translated",
    "fuzzy": "{n} warning message(s) marked fuzzy (need a translator's review)",
    "stale": "{n} warning message(s) translated for an older English text",
    "unreviewed": "{n} warning message(s) not yet approved by a qualified reviewer",
    "outputs": "{n} problem(s) with the built files",
    "check errors": "{n} other error(s) found by the check",
}


def reasons(findings: list[Finding], unreviewed: int) -> list[Reason]:
    """Why a cell is blocked: its error findings by kind, and safety messages no reviewer approved yet."""
    counts = Counter(reason_kind(f) for f in findings if f.severity == "error" and f.cause is None)
    if unreviewed:
        counts["unreviewed"] = max(counts["unreviewed"], unreviewed)
    return [Reason(kind, counts[kind], _REASON_TEXT[kind].format(n=counts[kind])) for kind in REASONS
            if counts[kind]]
