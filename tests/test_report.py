"""The three report formats of `handout check`: text for people, JSON for tools, JUnit for CI views."""

from __future__ import annotations

import json
from xml.etree import ElementTree as ET

import pytest

from helpers import copy_root, edit_catalog, message, run


@pytest.fixture
def broken(tmp_path):
    root = copy_root(tmp_path)
    edit_catalog(root, "fr", lambda c: setattr(message(c, "warning-sign/fever"), "string", ""))
    return root


def test_text_report_puts_release_blockers_first(broken):
    result = run(broken, "check", "--no-outputs", "-l", "fr", "-l", "en")
    assert result.exit_code == 1
    out = result.output
    assert out.startswith("BLOCKS RELEASE")
    assert out.index("warning-sign/fever") < out.index("Readability:")
    assert out.rstrip().endswith("FAILED: 1 error(s) block release.")


def test_json_report_shape(broken):
    result = run(broken, "check", "--no-outputs", "--format", "json", "-l", "fr")
    report = json.loads(result.output)
    assert set(report) == {"ok", "findings", "metrics"} and report["ok"] is False
    for finding in report["findings"]:
        assert set(finding) == {"check", "severity", "handout", "language", "message_id", "detail", "path", "line",
                                "cause", "format"}
        assert finding["severity"] in ("error", "warning", "info")
    assert report["metrics"]["mini"]["fr"]["catalog"]["warning_signs_translated"] == \
        report["metrics"]["mini"]["fr"]["catalog"]["warning_signs"] - 1
    assert "method" in report["metrics"]["mini"]["fr"]["readability"]


def test_junit_report_fails_the_right_case_and_writes_the_file(broken, tmp_path):
    target = tmp_path / "report.xml"
    result = run(broken, "check", "--no-outputs", "--format", "junit", "-o", str(target), "-l", "fr", "-l", "en")
    assert result.exit_code == 1
    tree = ET.fromstring(target.read_text())
    suites = {s.get("name"): s for s in tree.iter("testsuite")}
    assert suites["warning-signs"].get("failures") == "1"
    failed = [c for c in suites["warning-signs"].iter("testcase") if c.find("failure") is not None]
    assert [(c.get("classname"), c.get("name")) for c in failed] == [("warning-signs.mini", "fr")]
    assert "warning-sign/fever" in failed[0].find("failure").text
    passed = [c for c in suites["warning-signs"].iter("testcase") if c.find("failure") is None]
    assert ("warning-signs.mini", "en") in [(c.get("classname"), c.get("name")) for c in passed]


def test_clean_content_exits_zero_in_every_format(tmp_path):
    root = copy_root(tmp_path)
    for fmt in ("text", "json", "junit"):
        assert run(root, "check", "--no-outputs", "--format", fmt).exit_code == 0
