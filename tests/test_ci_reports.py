"""CI reports of `handout check`: JUnit valid against the shipped schemas, SARIF 2.1.0, GitLab Code Quality,
GitHub annotations, a report file even on bad input (exit 2), -o without a copy on stdout, --strict."""

from __future__ import annotations

import json
from pathlib import Path
from urllib.parse import unquote, urlsplit
from xml.etree import ElementTree as ET

import jsonschema
import pytest
import xmlschema
from click.testing import CliRunner

from handout_pipeline.checks import Finding
from handout_pipeline.checks.run import Report
from handout_pipeline.cli import main
from handout_pipeline.report_formats import BadInput, CheckRun, github_annotations, render

from helpers import copy_root, edit_catalog, po_file, set_string

SCHEMAS = Path(__file__).parent / "schemas"
JENKINS = xmlschema.XMLSchema(SCHEMAS / "jenkins-junit-10.xsd")
ANT = xmlschema.XMLSchema(SCHEMAS / "windyroad-JUnit.xsd")
SARIF = jsonschema.Draft4Validator(json.loads((SCHEMAS / "sarif-schema-2.1.0.json").read_text()))
FORMATS = ("text", "json", "junit", "sarif", "codequality")


def invoke(root: Path, *args: str, env: dict | None = None):
    return CliRunner().invoke(main, ["--root", str(root), *args], env=env or {"GITHUB_ACTIONS": None})


def assert_valid_junit(doc: str) -> ET.Element:
    """Valid against Jenkins' xUnit junit-10.xsd as written, and against the Ant schema (windyroad), which also
    types every count and time but allows no attributes on the <testsuites> wrapper, so those are set aside."""
    JENKINS.validate(doc)
    root = ET.fromstring(doc)
    bare = ET.fromstring(doc)
    bare.attrib.clear()
    ANT.validate(ET.tostring(bare, encoding="unicode"))
    return root


def codequality_problems(issues) -> list[str]:
    """GitLab's documented Code Quality report: a list of issues, each with description, check_name, a unique
    fingerprint, a severity of its five, location.path and location.lines.begin (an integer >= 1)."""
    problems = []
    if not isinstance(issues, list):
        return ["not a JSON list"]
    seen = set()
    for i, issue in enumerate(issues):
        for key in ("description", "check_name", "fingerprint", "severity"):
            if not isinstance(issue.get(key), str) or not issue[key]:
                problems.append(f"{i}: no {key}")
        if issue.get("severity") not in ("info", "minor", "major", "critical", "blocker"):
            problems.append(f"{i}: severity {issue.get('severity')!r}")
        if issue.get("fingerprint") in seen:
            problems.append(f"{i}: fingerprint used twice")
        seen.add(issue.get("fingerprint"))
        location = issue.get("location") or {}
        path = location.get("path")
        if not isinstance(path, str) or not path:
            problems.append(f"{i}: location.path {path!r}")
        begin = (location.get("lines") or {}).get("begin")
        if not isinstance(begin, int) or isinstance(begin, bool) or begin < 1:
            problems.append(f"{i}: location.lines.begin {begin!r}")
    return problems


@pytest.fixture
def broken(tmp_path):
    root = copy_root(tmp_path)
    edit_catalog(root, "fr", set_string("warning-sign/fever", ""))
    return root


def entry_lines(po: Path, context: str) -> range:
    """The lines of the PO entry whose msgctxt is `context`, read from the file itself."""
    lines = po.read_text().splitlines()
    start = lines.index(f'msgctxt "{context}"') + 1
    end = next(i for i in range(start, len(lines) + 1) if lines[i - 1].startswith("msgstr"))
    return range(start, end + 1)


# JUnit ---------------------------------------------------------------------------------------------------------


def test_junit_is_valid_and_names_the_po_entry_and_o_writes_only_the_file(broken, tmp_path):
    target = tmp_path / "check.xml"
    result = invoke(broken, "check", "--no-outputs", "-l", "fr", "-l", "en", "--format", "junit", "-o", str(target))
    assert result.exit_code == 1
    assert "<testsuite" not in result.output and len(result.output.strip().splitlines()) == 1
    assert result.output.startswith("FAILED: 1 error(s)") and str(target) in result.output
    root = assert_valid_junit(target.read_text())
    assert (root.get("tests"), root.get("failures"), root.get("errors")) == ("18", "1", "0")  # 9 suites (checks) x 2 languages
    assert float(root.get("time")) > 0
    suite = next(s for s in root.iter("testsuite") if s.get("name") == "warning-signs")
    (failure,) = suite.iter("failure")
    path, line, rest = failure.text.split(":", 2)
    assert path == "locales/fr/LC_MESSAGES/mini.po"
    assert int(line) in entry_lines(po_file(broken, "fr"), "warning-sign/fever")
    assert "warning-sign/fever: not translated" in rest


def test_junit_schemas_reject_what_ci_tools_reject(broken):
    """The validation is not vacuous: the writer's output broken three ways fails the schemas."""
    doc = render("junit", CheckRun(Report([Finding("integrity", "error", "mini", "fr", "x", "bad")],
                                          {"mini": {"fr": {}}})))
    assert_valid_junit(doc)
    no_name = doc.replace('name="fr"', "", 1)
    with pytest.raises(xmlschema.XMLSchemaValidationError):
        JENKINS.validate(no_name)
    no_tests = ET.fromstring(doc)
    del no_tests.find("testsuite").attrib["tests"]
    with pytest.raises(xmlschema.XMLSchemaValidationError):
        JENKINS.validate(ET.tostring(no_tests, encoding="unicode"))
    bad_time = ET.fromstring(doc)
    bad_time.attrib.clear()
    bad_time.find("testsuite").set("time", "soon")
    with pytest.raises(xmlschema.XMLSchemaValidationError):
        ANT.validate(ET.tostring(bad_time, encoding="unicode"))


UNUSUAL = [
    Finding("warning-signs", "error", "mini", "fr", "warning-sign/fièvre", "bell \x07 and NUL \x00 in: 'A ::x'\nnext",
            path="locales/fr/LC_MESSAGES/señal é.po", line=None),
    Finding("glyphs", "error", "mini", "zh-Hans", None, "no glyph for '\U0001F600', 100% sure, a,b", path=None),
    Finding("readability", "warning", "mini", "en", "item/x", "long: 'Ça \r\n va'", path="source/mini.md", line=7),
    Finding("outputs", "info", "mini", "fr", "warning-sign/fever", "seen", path="/abs/out/x.pdf", format="pdf"),
]


def test_junit_holds_unusual_findings_validly():
    run = CheckRun(Report(list(UNUSUAL), {"mini": {"fr": {}, "en": {}, "zh-Hans": {}}}))
    root = assert_valid_junit(render("junit", run))
    texts = [f.text for f in root.iter("failure")]
    assert any("locales/fr/LC_MESSAGES/señal é.po: mini [fr] warning-sign/fièvre: bell \\x07 and NUL \\x00" in t
               for t in texts)
    assert any("no glyph for '\U0001F600', 100% sure" in t for t in texts)
    out = "".join(s.text or "" for s in root.iter("system-out"))
    assert "warning: source/mini.md:7: mini [en] item/x" in out  # a warning is said, not failed
    assert len(texts) == 2


def test_junit_strict_fails_the_warning_case():
    run = CheckRun(Report([UNUSUAL[2]], {"mini": {"en": {}}}), strict=True)
    root = assert_valid_junit(render("junit", run))
    (failure,) = root.iter("failure")
    assert failure.get("message") == "0 error(s), 1 warning(s) (--strict)" and run.exit_code == 1


# a report even on bad input (exit 2) ---------------------------------------------------------------------------


@pytest.fixture
def unreadable(tmp_path):
    root = copy_root(tmp_path)
    po = po_file(root, "fr")
    po.write_text(po.read_text().replace('msgid "A fever."', 'msgid "A fever.', 1))
    return root


@pytest.mark.parametrize("fmt", FORMATS)
def test_bad_input_still_writes_the_report_saying_why(unreadable, tmp_path, fmt):
    target = tmp_path / f"report.{fmt}"
    result = CliRunner().invoke(main, ["--root", str(unreadable), "check", "--no-outputs", "--format", fmt,
                                       "-o", str(target)])
    assert result.exit_code == 2 and "Traceback" not in result.output
    assert result.output.strip().splitlines()[0] == f"report written to {target}"
    error_line = result.output.strip().splitlines()[-1]
    assert error_line.startswith("error: ") and "mini.po:" in error_line
    text = target.read_text()
    if fmt == "junit":
        root = assert_valid_junit(text)
        (error,) = root.iter("error")
        assert (root.get("errors"), root.get("failures"), root.get("tests")) == ("1", "0", "1")
        assert "locales/fr/LC_MESSAGES/mini.po:" in error.get("message") and "broken catalog" in error.text
    elif fmt == "sarif":
        log = json.loads(text)
        SARIF.validate(log)
        (invocation,) = log["runs"][0]["invocations"]
        assert invocation["executionSuccessful"] is False and invocation["exitCode"] == 2
        (note,) = invocation["toolExecutionNotifications"]
        physical = note["locations"][0]["physicalLocation"]
        assert physical["artifactLocation"]["uri"].endswith("locales/fr/LC_MESSAGES/mini.po")
        assert physical["region"]["startLine"] >= 1
    elif fmt == "codequality":
        (issue,) = json.loads(text)
        assert codequality_problems([issue]) == [] and issue["severity"] == "blocker"
        assert issue["location"]["path"] == "locales/fr/LC_MESSAGES/mini.po"  # content root outside the working folder
        assert issue["location"]["lines"]["begin"] > 1
    elif fmt == "json":
        report = json.loads(text)
        assert report["ok"] is False and report["findings"] == [] and "broken catalog" in report["error"]["detail"]
        assert report["error"]["line"] >= 1
    else:
        assert text.startswith("STOPPED (bad input, nothing checked): ") and "broken catalog" in text


def test_bad_input_without_o_prints_a_machine_report_to_stdout_only(unreadable):
    result = CliRunner().invoke(main, ["--root", str(unreadable), "check", "--no-outputs", "--format", "sarif"])
    assert result.exit_code == 2
    log = json.loads(result.stdout)
    SARIF.validate(log)
    assert result.stderr.startswith("error: ") and len(result.stderr.strip().splitlines()) == 1


# SARIF ---------------------------------------------------------------------------------------------------------


def test_sarif_is_valid_and_places_each_finding(broken):
    result = invoke(broken, "check", "--no-outputs", "-l", "fr", "-l", "en", "--format", "sarif")
    assert result.exit_code == 1
    log = json.loads(result.stdout)
    SARIF.validate(log)
    (sarif_run,) = log["runs"]
    rule_ids = [r["id"] for r in sarif_run["tool"]["driver"]["rules"]]
    results = sarif_run["results"]
    assert all(rule_ids[r["ruleIndex"]] == r["ruleId"] for r in results)
    (fever,) = [r for r in results if r["level"] == "error"]
    assert fever["ruleId"] == "warning-signs" and "not translated: 'A fever.'" in fever["message"]["text"]
    physical = fever["locations"][0]["physicalLocation"]
    assert physical["artifactLocation"]["uri"] == "locales/fr/LC_MESSAGES/mini.po"
    assert physical["region"]["startLine"] in entry_lines(po_file(broken, "fr"), "warning-sign/fever")
    assert sarif_run["invocations"][0] == {"executionSuccessful": True, "exitCode": 1}
    assert all(r.get("locations") for r in results), "code scanning shows only results with a location"


def test_sarif_encodes_unusual_paths_and_keeps_the_message():
    log = json.loads(render("sarif", CheckRun(Report(list(UNUSUAL)), base="content root/")))
    SARIF.validate(log)
    results = log["runs"][0]["results"]
    uris = [r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] for r in results if "locations" in r]
    for uri in uris:
        assert uri.isascii() and " " not in uri and urlsplit(uri).scheme == ""
    assert unquote(uris[0]) == "content root/locales/fr/LC_MESSAGES/señal é.po"
    assert "region" not in results[0]["locations"][0]["physicalLocation"]  # no line: no region, never line 0
    assert "locations" not in results[1]  # a finding about no file
    assert results[0]["message"]["text"].endswith("'A ::x'\nnext")
    assert [r["level"] for r in results] == ["error", "error", "warning", "note"]
    assert unquote(uris[-1]) == "/abs/out/x.pdf"  # an absolute path is not put under the base


def test_sarif_schema_rejects_a_broken_log():
    log = json.loads(render("sarif", CheckRun(Report(list(UNUSUAL)))))
    log["runs"][0]["results"][0]["level"] = "fatal"
    with pytest.raises(jsonschema.ValidationError):
        SARIF.validate(log)
    del log["runs"][0]["results"][1]["message"]
    assert len(list(SARIF.iter_errors(log))) == 2


# GitLab Code Quality -------------------------------------------------------------------------------------------


def test_codequality_lists_each_finding_where_it_is(broken):
    result = invoke(broken, "check", "--no-outputs", "-l", "fr", "--format", "codequality")
    issues = json.loads(result.stdout)
    assert result.exit_code == 1 and codequality_problems(issues) == []
    (blocker,) = [i for i in issues if i["severity"] == "blocker"]
    assert blocker["check_name"] == "warning-signs" and blocker["location"]["path"] == "locales/fr/LC_MESSAGES/mini.po"
    assert blocker["location"]["lines"]["begin"] in entry_lines(po_file(broken, "fr"), "warning-sign/fever")


def test_codequality_unusual_findings_and_the_checker_catches_broken_ones():
    issues = json.loads(render("codequality", CheckRun(Report(list(UNUSUAL)))))
    assert codequality_problems(issues) == []
    assert [i["location"]["lines"]["begin"] for i in issues] == [1, 1, 7, 1]  # GitLab needs a line: 1 when unknown
    assert issues[1]["location"]["path"] == "handout.toml"
    assert issues[0]["location"]["path"] == "locales/fr/LC_MESSAGES/señal é.po"
    broken = json.loads(json.dumps(issues))
    del broken[0]["location"]["lines"]
    broken[1]["fingerprint"] = broken[2]["fingerprint"]
    broken[3]["severity"] = "error"
    assert len(codequality_problems(broken)) == 3


# GitHub annotations --------------------------------------------------------------------------------------------


def parse_command(line: str) -> tuple[str, dict[str, str], str]:
    """A workflow command read back as GitHub's runner reads it (ActionCommand.TryParseV2): `::name props::data`,
    properties split on ',' then on the first '=', values and data unescaped."""
    assert line.startswith("::")
    head, data = line[2:].split("::", 1)
    name, _, props = head.partition(" ")
    unescape_data = {"%0D": "\r", "%0A": "\n", "%25": "%"}
    unescape_prop = unescape_data | {"%3A": ":", "%2C": ","}

    def unescape(text: str, table: dict[str, str]) -> str:
        out, i = [], 0
        while i < len(text):
            if text[i:i + 3] in table:
                out.append(table[text[i:i + 3]])
                i += 3
            else:
                out.append(text[i])
                i += 1
        return "".join(out)

    properties = {}
    for pair in filter(None, props.split(",")):
        key, _, value = pair.partition("=")
        properties[key] = unescape(value, unescape_prop)
    return name, properties, unescape(data, unescape_data)


def test_github_annotations_round_trip_through_the_runners_parser():
    odd = Finding("integrity", "error", "mini", "fr", "item/a,b", "100% lost: 'x::y'\r\nz", path="locales/a:b,c é.po",
                  line=12)
    lines = github_annotations(CheckRun(Report([odd, UNUSUAL[1], UNUSUAL[3]])))
    assert len(lines) == 2  # info findings are not annotated
    assert all("\n" not in line and "\r" not in line for line in lines)
    assert lines[0].startswith("::error file=locales/a%3Ab%2Cc é.po,line=12,title=handout integrity [fr] item/a%2Cb::")
    assert lines[0].endswith("::mini [fr] item/a,b: 100%25 lost: 'x::y'%0D%0Az")
    name, props, message = parse_command(lines[0])
    assert name == "error" and props == {"file": "locales/a:b,c é.po", "line": "12",
                                         "title": "handout integrity [fr] item/a,b"}
    assert message == "mini [fr] item/a,b: 100% lost: 'x::y'\r\nz"
    name, props, message = parse_command(lines[1])
    assert set(props) == {"title"} and message.startswith("mini [zh-Hans]: no glyph")  # no file: no file=, no line=


def test_unescaped_annotation_would_be_misread():
    """The parser above is strict enough to catch a writer that forgets to escape."""
    naive = "::error file=locales/a:b,c.po,line=3,title=x::50% lost:\nnext"
    _, props, message = parse_command(naive)
    assert props.get("file") != "locales/a:b,c.po" or message != "50% lost:\nnext"


def test_annotations_only_on_github(broken):
    on = invoke(broken, "check", "--no-outputs", "-l", "fr", env={"GITHUB_ACTIONS": "true"})
    off = invoke(broken, "check", "--no-outputs", "-l", "fr", env={"GITHUB_ACTIONS": "false"})
    errors = [line for line in on.stderr.splitlines() if line.startswith("::error ")]
    assert len(errors) == 1 and errors[0].startswith("::error file=locales/fr/LC_MESSAGES/mini.po,line=")
    assert "::" not in off.stderr and "::error" not in on.stdout  # stdout stays the report


def test_annotation_for_bad_input(unreadable):
    result = invoke(unreadable, "check", "--no-outputs", env={"GITHUB_ACTIONS": "true"})
    (annotation,) = [line for line in result.stderr.splitlines() if line.startswith("::")]
    name, props, message = parse_command(annotation)
    assert name == "error" and props["file"].endswith("locales/fr/LC_MESSAGES/mini.po") and int(props["line"]) > 1
    assert result.exit_code == 2 and "broken catalog" in message


# paths as CI sees them, --strict -------------------------------------------------------------------------------


def test_paths_are_relative_to_the_working_folder(broken, monkeypatch):
    monkeypatch.chdir(broken.parent)
    result = CliRunner().invoke(main, ["--root", broken.name, "check", "--no-outputs", "-l", "fr", "--format",
                                       "codequality"])
    blocker = next(i for i in json.loads(result.stdout) if i["severity"] == "blocker")
    assert blocker["location"]["path"] == f"{broken.name}/locales/fr/LC_MESSAGES/mini.po"


@pytest.fixture
def warned(tmp_path):
    root = copy_root(tmp_path)
    config = root / "handout.toml"
    config.write_text(config.read_text() + "\n[check]\nmin_translated_share = 0.5\n")
    edit_catalog(root, "fr", set_string("paragraph/rest", ""))  # an ordinary message left in English: a warning
    return root


def test_strict_makes_warnings_fail(warned, tmp_path):
    plain = invoke(warned, "check", "--no-outputs", "-l", "fr", "--format", "json")
    assert plain.exit_code == 0 and json.loads(plain.stdout)["ok"] is True
    warnings = [f for f in json.loads(plain.stdout)["findings"] if f["severity"] == "warning"]
    assert any(f["message_id"] == "paragraph/rest" for f in warnings)
    strict = invoke(warned, "check", "--no-outputs", "-l", "fr", "--strict", "--format", "json")
    assert strict.exit_code == 1 and json.loads(strict.stdout)["ok"] is False
    text = invoke(warned, "check", "--no-outputs", "-l", "fr", "--strict")
    assert text.exit_code == 1 and "--strict makes warnings fail" in text.stdout.strip().splitlines()[-1]
    target = tmp_path / "strict.xml"
    invoke(warned, "check", "--no-outputs", "-l", "fr", "--strict", "--format", "junit", "-o", str(target))
    root = assert_valid_junit(target.read_text())
    assert int(root.get("failures")) >= 1 and "(--strict)" in next(root.iter("failure")).get("message")


def test_clean_content_passes_strict_in_every_format(tmp_path):
    root = copy_root(tmp_path)
    for fmt in FORMATS:
        result = invoke(root, "check", "--no-outputs", "-l", "fr", "-l", "en", "--strict", "--format", fmt)
        assert result.exit_code == 0, (fmt, result.output)


def test_findings_without_a_file_get_their_po_entry_or_source_line():
    from handout_pipeline.checks.locate import with_locations
    from handout_pipeline.i18n.catalogs import load_catalog
    from handout_pipeline.i18n.units import units
    from handout_pipeline.languages import get_language

    from helpers import FIXTURES, mini_project

    project = mini_project()
    template = list(units(project.handout("mini")))
    fever = next(u for u in template if u.context == "warning-sign/fever")
    catalog = load_catalog(po_file(FIXTURES / "mini", "fr"), get_language("fr"))
    found = [Finding("readability", "warning", "mini", "en", "warning-sign/fever", "long"),
             Finding("readability", "warning", "mini", "en", None, "grade"),
             Finding("outputs", "error", "mini", "en", "warning-sign/fever", "lost", format="pdf")]
    english = with_locations(found, template, "source/mini.md", None, catalog=None)
    assert [(f.path, f.line) for f in english] == [("source/mini.md", fever.line), ("source/mini.md", None),
                                                    (None, None)]  # an output finding is about the built file
    source_lines = (FIXTURES / "mini" / "source" / "mini.md").read_text().splitlines()
    assert "A fever." in source_lines[fever.line - 1]
    french = with_locations(found[:1], template, "source/mini.md", "locales/fr/LC_MESSAGES/mini.po", catalog)
    assert french[0].path == "locales/fr/LC_MESSAGES/mini.po"
    assert french[0].line in entry_lines(po_file(FIXTURES / "mini", "fr"), "warning-sign/fever")


def test_report_writes_more_formats_from_one_run(broken, tmp_path):
    sarif, junit = tmp_path / "check.sarif", tmp_path / "out" / "check.xml"
    result = invoke(broken, "check", "--no-outputs", "-l", "fr", "--format", "codequality",
                    "--report", f"sarif={sarif}", "--report", f"junit={junit}")
    assert result.exit_code == 1
    assert codequality_problems(json.loads(result.stdout)) == []
    SARIF.validate(json.loads(sarif.read_text()))
    assert int(assert_valid_junit(junit.read_text()).get("failures")) == 1


@pytest.mark.parametrize("value", ["sarif", "pdf=x.pdf", "junit="])
def test_report_option_says_how_to_write_it(tmp_path, value):
    result = invoke(copy_root(tmp_path), "check", "--no-outputs", "--report", value)
    assert result.exit_code == 2 and "FORMAT=FILE" in result.stderr and "Traceback" not in result.output
