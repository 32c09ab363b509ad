"""Render a check report as text (for people), JSON (for tools) or JUnit XML (for CI test views)."""

from __future__ import annotations

import json
from collections import defaultdict
from xml.etree import ElementTree as ET

from handout_pipeline.checks import Finding
from handout_pipeline.checks.run import Report

_HEADINGS = {
    "error": "BLOCKS RELEASE — fix these before any handout goes to patients",
    "warning": "Should be reviewed",
    "info": "For your information",
}


def to_json(report: Report) -> str:
    findings = [{"check": f.check, "severity": f.severity, "handout": f.handout, "language": f.language,
                 "message_id": f.message_id, "detail": f.detail, "path": f.path, "line": f.line, "cause": f.cause,
                 "format": f.format} for f in report.sorted_findings()]
    return json.dumps({"ok": report.ok, "findings": findings, "metrics": report.metrics},
                      ensure_ascii=False, indent=2, default=str)


def to_text(report: Report) -> str:
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


def to_junit(report: Report) -> str:
    """One test suite per check, one test case per handout x language; errors are failures."""
    suites = ET.Element("testsuites", name="handout check")
    by_check: dict[str, dict[tuple[str, str], list[Finding]]] = defaultdict(lambda: defaultdict(list))
    checks = ("warning-signs", "integrity", "outputs", "glyphs", "readability", "catalogs")
    pairs = [(h, lang) for h, per in report.metrics.items() for lang in per]
    for check in checks:
        by_check[check]  # every check appears, passing or not
    for f in report.findings:
        by_check[f.check][(f.handout, f.language)].append(f)
    for check, cases in by_check.items():
        suite = ET.SubElement(suites, "testsuite", name=check)
        failures = 0
        for handout_id, lang in sorted(set(pairs) | set(cases)):
            case = ET.SubElement(suite, "testcase", classname=f"{check}.{handout_id}", name=lang)
            found = cases.get((handout_id, lang), [])
            errors = [f for f in found if f.severity == "error"]
            if errors:
                failures += 1
                failure = ET.SubElement(case, "failure", message=f"{len(errors)} error(s)")
                failure.text = "\n".join(f"{f.message_id or '-'}: {f.detail}" for f in errors)
            others = [f for f in found if f.severity != "error"]
            if others:
                ET.SubElement(case, "system-out").text = "\n".join(
                    f"{f.severity}: {f.message_id or '-'}: {f.detail}" for f in others)
        suite.set("tests", str(len(suite)))
        suite.set("failures", str(failures))
    return ET.tostring(suites, encoding="unicode", xml_declaration=True)
