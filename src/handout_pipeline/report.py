"""Render a check report as text (for people) or JSON (for tools); the CI formats are in report_formats."""

from __future__ import annotations

import json
from collections import defaultdict

from handout_pipeline.checks import Finding
from handout_pipeline.checks.run import Report

_HEADINGS = {
    "error": "BLOCKS RELEASE — fix these before any handout goes to patients",
    "warning": "Should be reviewed",
    "info": "For your information",
}


def to_json(report: Report, ok: bool | None = None, error: dict | None = None) -> str:
    """`ok` is False when the run fails (with --strict, warnings too); `error` says why a run stopped on bad input."""
    findings = [{"check": f.check, "severity": f.severity, "handout": f.handout, "language": f.language,
                 "message_id": f.message_id, "detail": f.detail, "path": f.path, "line": f.line, "cause": f.cause,
                 "format": f.format} for f in report.sorted_findings()]
    shown = {"ok": report.ok if ok is None else ok} | ({"error": error} if error else {})
    return json.dumps(shown | {"findings": findings, "metrics": report.metrics}, ensure_ascii=False, indent=2,
                      default=str)


def to_text(report: Report, strict: bool = False) -> str:
    lines: list[str] = []
    groups: dict[str, list[Finding]] = defaultdict(list)
    consequences: dict[tuple[str, str, str], list[Finding]] = defaultdict(list)
    for finding in report.sorted_findings():
        if finding.cause:  # said under the finding it follows from, so a report leads with the cause
            consequences[(finding.handout, finding.language, finding.cause)].append(finding)
        else:
            groups[finding.severity].append(finding)
    shown_causes: set[tuple[str, str, str]] = set()
    for severity in ("error", "warning", "info"):
        if not groups[severity]:
            continue
        lines.append(f"{_HEADINGS[severity]} ({len(groups[severity])}):")
        for f in groups[severity]:
            lines.append(f"  {f.check:<13} {_where(f)}: {f.detail}")
            keys = [(f.handout, f.language, f"{f.check}:{f.message_id or '*'}")]
            if not any(k in shown_causes for k in consequences if k[:2] == keys[0][:2]) and f.check == "warning-signs":
                keys += [k for k in consequences if k[:2] == keys[0][:2] and k not in keys]
            for key in keys:
                if key in consequences and key not in shown_causes:
                    shown_causes.add(key)
                    for c in consequences[key]:
                        lines.append(f"      so {'the ' + c.format.upper() + ' ' if c.format else ''}{c.detail}")
        lines.append("")
    for key, found in consequences.items():  # a consequence whose root was filtered out is still shown
        if key not in shown_causes:
            lines += [f"  {c.check:<13} {_where(c)}: {c.detail}" for c in found]
    lines.append("Readability:")
    for handout_id, per_language in report.metrics.items():
        for tag, metrics in per_language.items():
            lines.append(f"  {handout_id} [{tag}] {_readability_line(metrics.get('readability') or {})}")
    errors = sum(f.severity == "error" for f in report.findings)
    roots = len(groups["error"])
    lines.append("")
    warnings = sum(f.severity == "warning" for f in report.findings)
    if report.ok and strict and warnings:
        lines.append(f"FAILED: {warnings} warning(s), and --strict makes warnings fail.")
    else:
        lines.append("OK: every check passed." if report.ok else
                     f"FAILED: {errors} error(s) block release" + (f", following from {roots} cause(s) listed first."
                                                                   if roots != errors else "."))
    return "\n".join(lines)


def _where(f: Finding) -> str:
    where = f"{f.handout} [{f.language}]" + (f" {f.message_id}" if f.message_id else "")
    if f.path:
        where += f" ({f.path}{':' + str(f.line) if f.line else ''})"
    return where


def _readability_line(metrics: dict) -> str:
    shown = [str(metrics.get("method", "?"))]
    for key in ("smog", "flesch_kincaid_grade", "grade", "inflesz", "fernandez_huerta", "kandel_moles", "score",
                "avg_sentence_length", "rare_word_share"):
        value = metrics.get(key)
        if isinstance(value, (int, float)):
            shown.append(f"{key.replace('_', ' ')} {value:.1f}" if key != "rare_word_share"
                         else f"rare words {value:.0%}")
    if metrics.get("frequency_data") is False:
        shown.append("no word-frequency data")
    return ", ".join(shown)
