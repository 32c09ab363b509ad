"""Check reports for CI: JUnit XML, SARIF 2.1.0, GitLab Code Quality and GitHub workflow annotations.

Each writer takes a CheckRun: the findings, how the run ended (a finished run, or one stopped by bad input,
exit 2) and --strict. Finding paths are relative to the content root; `base` puts them relative to where CI
runs (the repository top), which is where GitHub and GitLab look for the file.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
import socket
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote
from xml.etree import ElementTree as ET

from handout_pipeline import __version__
from handout_pipeline.checks import Finding
from handout_pipeline.checks.run import Report
from handout_pipeline.errors import HandoutError

TOOL = "handout-pipeline"
# check -> (what it checks, what to do); a check not listed still gets a rule of its own name
RULES = {
    "warning-signs": ("Every safety message (warning sign, warning intro, tier label) is translated, not fuzzy and "
                      "current with the English", "Translate it ('handout stats' lists them). After an English change "
                      "translate it again, or have a reviewer confirm it: handout review approve --message ID"),
    "content": ("Safety text is real text in its own language and script", "Translate it in words, in the language"),
    "integrity": ("Placeholders, numbers and bold/emphasis are kept; no control characters, markup or links",
                  "Keep them exactly as in the English"),
    "lint": ("Source and configuration: every tier resolves in every region, no typed phone numbers, plausible "
             "emergency numbers", "Use {emergency_number} / {nurse_line}; correct handout.toml"),
    "outputs": ("Every built file holds every warning sign, visible, whole and in its tier",
                "Run 'handout build' (or find what changed the file)"),
    "review": ("Every safety translation is approved by a qualified reviewer, unchanged since",
               "Have it reviewed, then: handout review approve"),
    "glyphs": ("Every character has a glyph in the fonts the PDF and DOCX use", "Install the font or reword"),
    "readability": ("Plain language: grade level, sentence length, rare words", "Simplify the sentence"),
    "catalogs": ("The translation template is current with the source", "Run 'handout extract', then 'handout update'"),
    "qa": ("Translator QA: no dropped sentence, doubled word, changed end punctuation, French spacing or English "
           "left in place", "Fix the translation, or add the Weblate flag named to the PO entry if it is right"),
    "input": ("The files could be read", "Fix the file at the line named, then run the check again"),
}
JUNIT_SUITES = ("warning-signs", "content", "integrity", "lint", "outputs", "glyphs", "readability", "catalogs",
                "qa")
_SARIF_LEVEL = {"error": "error", "warning": "warning", "info": "note"}
_CODEQUALITY_SEVERITY = {"error": "blocker", "warning": "minor", "info": "info"}
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


@dataclass(frozen=True)
class BadInput:
    """Why a run stopped before checking (exit 2): the one line the CLI prints, and the file and line if known."""

    text: str
    path: str | None = None
    line: int | None = None

    @classmethod
    def of(cls, exc: HandoutError, root: Path, cwd: Path | None = None) -> "BadInput":
        """The file as CI sees it: from the working folder, else from the content root (as findings are)."""
        path = None
        if exc.path:
            path = Path(exc.path).as_posix()
            for base in (cwd or Path.cwd(), root):
                try:
                    path = Path(exc.path).resolve().relative_to(Path(base).resolve()).as_posix()
                    break
                except ValueError:
                    continue
        return cls(str(exc), path, exc.line)


@dataclass(frozen=True)
class CheckRun:
    report: Report = field(default_factory=Report)
    strict: bool = False
    seconds: float = 0.0
    started: dt.datetime = field(default_factory=lambda: dt.datetime.now(dt.timezone.utc))
    bad_input: BadInput | None = None
    base: str = ""  # the content root as seen from the CI working folder, "" or ending in "/"

    def fails(self, f: Finding) -> bool:
        return f.severity == "error" or (self.strict and f.severity == "warning")

    @property
    def exit_code(self) -> int:
        if self.bad_input:
            return 2
        return 1 if any(self.fails(f) for f in self.report.findings) else 0

    def path(self, f: Finding) -> str | None:
        if f.path is None or Path(f.path).is_absolute():
            return f.path
        return self.base + f.path


FORMATS = ("text", "json", "junit", "sarif", "codequality")


def render(fmt: str, run: CheckRun) -> str:
    """The report in one of FORMATS; a run stopped by bad input gives a report that says why, in every format."""
    from handout_pipeline import report as reports

    if fmt == "text":
        return summary(run) if run.bad_input else reports.to_text(run.report, strict=run.strict)
    if fmt == "json":
        error = {"detail": run.bad_input.text, "path": run.bad_input.path, "line": run.bad_input.line} \
            if run.bad_input else None
        return reports.to_json(run.report, ok=run.exit_code == 0, error=error)
    return {"junit": to_junit, "sarif": to_sarif, "codequality": to_codequality}[fmt](run)


def base_of(root: Path, cwd: Path | None = None) -> str:
    """The content root as a path prefix from the working folder ("" when it is the working folder)."""
    try:
        rel = Path(root).resolve().relative_to((cwd or Path.cwd()).resolve()).as_posix()
    except ValueError:  # the content root is elsewhere: CI tools cannot place its files; keep them root-relative
        return ""
    return "" if rel == "." else rel + "/"


def summary(run: CheckRun) -> str:
    """One line for the log when the report went to a file."""
    if run.bad_input:
        return f"STOPPED (bad input, nothing checked): {run.bad_input.text}"
    count = defaultdict(int)
    for f in run.report.findings:
        count[f.severity] += 1
    figures = f"{count['error']} error(s), {count['warning']} warning(s)"
    if run.exit_code == 0:
        return f"OK: no release blocker ({figures})"
    return f"FAILED: {figures}" + (" — warnings fail under --strict" if run.strict and count["warning"] else "")


def _text(f: Finding) -> str:
    where = f"{f.handout} [{f.language}]" + (f" {f.message_id}" if f.message_id else "")
    caused = f" (follows from {f.cause})" if f.cause else ""
    return f"{where}: {f.detail}{caused}"


def _xml(text: str) -> str:
    """XML 1.0 cannot hold control characters at all (not even escaped): show them as \\xNN."""
    return _NOT_XML.sub(lambda m: f"\\x{ord(m.group()):02x}", text)


def _fingerprint(*parts: object) -> str:
    return hashlib.sha256("\x1f".join("" if p is None else str(p) for p in parts).encode()).hexdigest()


# JUnit ---------------------------------------------------------------------------------------------------------


def to_junit(run: CheckRun) -> str:
    """One test suite per check, one test case per handout x language. A failing case holds each error (and, with
    --strict, each warning) with its file and line; a bad input is one test case in error. Valid against both the
    Jenkins xUnit junit-10.xsd and the stricter Ant schema (tests/schemas)."""
    root = ET.Element("testsuites", name="handout check", time=f"{run.seconds:.3f}")
    stamp = run.started.astimezone(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S")
    host = socket.gethostname() or "localhost"
    suites: list[tuple[str, list[tuple[str, str, list[Finding]]]]] = []
    if run.bad_input:
        suites.append(("input", []))
    else:
        by_check: dict[str, dict[tuple[str, str], list[Finding]]] = {c: defaultdict(list) for c in JUNIT_SUITES}
        for f in run.report.sorted_findings():
            by_check.setdefault(f.check, defaultdict(list))[(f.handout, f.language)].append(f)
        pairs = {(h, lang) for h, per in run.report.metrics.items() for lang in per}
        for check, cases in by_check.items():
            suites.append((check, [(h, lang, cases.get((h, lang), [])) for h, lang in sorted(pairs | set(cases))]))
    totals = defaultdict(int)
    for index, (check, cases) in enumerate(suites):
        suite = ET.SubElement(root, "testsuite", name=check, timestamp=stamp, hostname=host, package=TOOL,
                              id=str(index), time="0")
        ET.SubElement(suite, "properties")
        failures = errors = 0
        quiet: list[str] = []
        if run.bad_input:
            errors = 1
            case = ET.SubElement(suite, "testcase", classname=f"{TOOL}.input",
                                 name=_xml(run.bad_input.path or "command line"), time="0")
            error = ET.SubElement(case, "error", type="bad input", message=_xml(run.bad_input.text))
            error.text = _xml(run.bad_input.text)
        for handout_id, lang, found in cases:
            case = ET.SubElement(suite, "testcase", classname=f"{check}.{handout_id}", name=lang, time="0")
            failing = [f for f in found if run.fails(f)]
            quiet += [f"{f.severity}: {_located(run, f)}" for f in found if not run.fails(f)]
            if failing:
                failures += 1
                n_errors = sum(f.severity == "error" for f in failing)
                message = f"{n_errors} error(s)" + (f", {len(failing) - n_errors} warning(s) (--strict)"
                                                    if len(failing) > n_errors else "")
                failure = ET.SubElement(case, "failure", type=check, message=message)
                failure.text = _xml("\n".join(_located(run, f) for f in failing))
        ET.SubElement(suite, "system-out").text = _xml("\n".join(quiet))
        ET.SubElement(suite, "system-err").text = ""
        suite.set("tests", str(len(suite.findall("testcase"))))
        suite.set("failures", str(failures))
        suite.set("errors", str(errors))
        for key in ("tests", "failures", "errors"):
            totals[key] += int(suite.get(key))
    for key, value in totals.items():
        root.set(key, str(value))
    for key in ("tests", "failures", "errors"):
        root.attrib.setdefault(key, "0")
    return ET.tostring(root, encoding="unicode", xml_declaration=True)


def _located(run: CheckRun, f: Finding) -> str:
    path = run.path(f)
    where = f"{path}:{f.line}: " if path and f.line else (f"{path}: " if path else "")
    return f"{where}{_text(f)}"


# SARIF ---------------------------------------------------------------------------------------------------------


def to_sarif(run: CheckRun) -> str:
    """SARIF 2.1.0 (GitHub code scanning): one result per finding, at its PO entry or source line."""
    checks = list(RULES) + sorted({f.check for f in run.report.findings} - set(RULES))
    index = {check: i for i, check in enumerate(checks)}
    rules = []
    for check in checks:
        short, help_text = RULES.get(check, (f"The {check} check", "See handout docs check"))
        rules.append({"id": check, "name": check, "shortDescription": {"text": short},
                      "help": {"text": help_text}, "defaultConfiguration": {"level": "error"}})
    results = []
    for f in run.report.sorted_findings():
        result = {"ruleId": f.check, "ruleIndex": index[f.check], "level": _SARIF_LEVEL[f.severity],
                  "message": {"text": _text(f)},
                  "partialFingerprints": {"handoutFinding/v1": _fingerprint(f.check, f.handout, f.language,
                                                                             f.message_id, f.format, f.detail)},
                  "properties": {"handout": f.handout, "language": f.language, "messageId": f.message_id,
                                 "format": f.format, "cause": f.cause}}
        location = _sarif_location(run.path(f), f.line, f.message_id)
        if location:
            result["locations"] = [location]
        results.append(result)
    invocation: dict = {"executionSuccessful": run.bad_input is None, "exitCode": run.exit_code}
    if run.bad_input:
        location = _sarif_location(run.bad_input.path, run.bad_input.line, None)
        notification: dict = {"level": "error", "message": {"text": run.bad_input.text}}
        result = {"ruleId": "input", "ruleIndex": index["input"], "level": "error",
                  "message": {"text": run.bad_input.text}}
        if location:
            notification["locations"] = result["locations"] = [location]
        invocation["toolExecutionNotifications"] = [notification]
        results.append(result)
    log = {"$schema": "https://json.schemastore.org/sarif-2.1.0.json", "version": "2.1.0",
           "runs": [{"tool": {"driver": {"name": TOOL, "version": __version__, "semanticVersion": __version__,
                                         "rules": rules}},
                     "invocations": [invocation], "columnKind": "unicodeCodePoints", "results": results}]}
    return json.dumps(log, ensure_ascii=False, indent=2)


def _sarif_location(path: str | None, line: int | None, message_id: str | None) -> dict | None:
    if not path:
        return None
    physical: dict = {"artifactLocation": {"uri": quote(path, safe="/"), "uriBaseId": "%SRCROOT%"}}
    if line and line > 0:
        physical["region"] = {"startLine": line}
    location: dict = {"physicalLocation": physical}
    if message_id:
        location["logicalLocations"] = [{"name": message_id, "kind": "msgctxt"}]
    return location


# GitLab Code Quality ---------------------------------------------------------------------------------------------


def to_codequality(run: CheckRun) -> str:
    """GitLab Code Quality (a subset of the Code Climate spec): the merge request widget lists each finding."""
    issues = []
    for f in run.report.sorted_findings():
        issues.append(_issue(_text(f), f.check, _CODEQUALITY_SEVERITY[f.severity], run.path(f), f.line,
                             _fingerprint(f.check, f.handout, f.language, f.message_id, f.format, f.detail)))
    if run.bad_input:
        issues.append(_issue(run.bad_input.text, "input", "blocker", run.bad_input.path, run.bad_input.line,
                             _fingerprint("input", run.bad_input.text)))
    return json.dumps(issues, ensure_ascii=False, indent=2)


def _issue(description: str, check: str, severity: str, path: str | None, line: int | None, fingerprint: str) -> dict:
    # GitLab needs a path and a line on every issue: a finding about no file points at the configuration
    return {"type": "issue", "description": description, "check_name": check, "fingerprint": fingerprint,
            "severity": severity, "location": {"path": path or "handout.toml", "lines": {"begin": line or 1}}}


# GitHub workflow annotations ----------------------------------------------------------------------------------


def github_annotations(run: CheckRun) -> list[str]:
    """`::error file=…,line=…,title=…::message` for each error and warning (GitHub shows them on the diff)."""
    lines = []
    if run.bad_input:
        lines.append(_command("error", run.bad_input.path, run.bad_input.line, "handout check: bad input",
                              run.bad_input.text))
    for f in run.report.sorted_findings():
        if f.severity in ("error", "warning"):
            level = "error" if run.fails(f) else "warning"
            title = f"handout {f.check} [{f.language}]" + (f" {f.message_id}" if f.message_id else "")
            lines.append(_command(level, run.path(f), f.line, title, _text(f)))
    return lines


def _command(level: str, path: str | None, line: int | None, title: str, message: str) -> str:
    props = ([f"file={_escape_property(path)}"] if path else []) + ([f"line={line}"] if path and line else [])
    props.append(f"title={_escape_property(title)}")
    return f"::{level} {','.join(props)}::{_escape_data(message)}"


def _escape_data(text: str) -> str:
    """As GitHub's @actions/core escapes a command's message: %, CR and LF."""
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _escape_property(text: str) -> str:
    """As @actions/core escapes a property value: also ':' and ',' (they end a property)."""
    return _escape_data(text).replace(":", "%3A").replace(",", "%2C")
