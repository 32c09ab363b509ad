"""Bad input and a hostile environment during a build: one clear line, the right exit, nothing lost."""

from __future__ import annotations

import errno
import os

import pytest

import handout_pipeline.fsutil as fsutil
from helpers import check_json, copy_root, run


@pytest.fixture
def root(tmp_path):
    return copy_root(tmp_path)


def snapshot(root):
    return {p: p.read_bytes() for p in (root / "output").rglob("*") if p.is_file() and p.suffix != ".lock"}


@pytest.mark.parametrize("err,words", [(errno.ENOSPC, "the disk is full"), (errno.EROFS, "read-only"),
                                       (errno.EACCES, "permission denied")])
def test_unwritable_output_keeps_previous_outputs(root, monkeypatch, err, words):
    assert run(root, "build", "-j", "1", "-f", "txt", "-l", "fr").exit_code == 0
    before = snapshot(root)

    def refuse(*args, **kwargs):
        raise OSError(err, os.strerror(err))
    monkeypatch.setattr(fsutil.os, "replace", refuse)
    result = run(root, "build", "-j", "1", "-f", "txt", "-l", "fr", "--force")
    assert result.exit_code == 2
    assert words in result.output and "mini.fr.txt" in result.output
    assert "Traceback" not in result.output
    assert snapshot(root) == before  # the previous output is untouched, no temporary file left
    assert not list((root / "output").rglob("*.tmp"))


def test_unknown_language_and_format(root):
    result = run(root, "build", "-l", "xx")
    assert result.exit_code == 2 and "unknown language 'xx'" in result.output
    result = run(root, "build", "-l", "ko")
    assert result.exit_code == 2 and "not configured" in result.output
    result = run(root, "build", "-f", "odt")
    assert result.exit_code == 2


def test_broken_source_stops_before_any_work(root):
    source = root / "source" / "mini.md"
    source.write_text(source.read_text().replace("- You cannot breathe. {#cannot-breathe}", "- You cannot breathe."))
    result = run(root, "build", "-f", "txt")
    assert result.exit_code == 2
    assert result.output.strip().count("\n") == 0, result.output  # one line
    assert "mini.md:" in result.output and "{#" in result.output
    assert not (root / "output" / "mini").exists()


def test_broken_catalog_fails_that_language_only(root):
    po = root / "locales/ar/LC_MESSAGES/mini.po"
    po.write_text(po.read_text(encoding="utf-8").replace('msgctxt "item/pills"', 'msgctxt "item/pills'),
                  encoding="utf-8")
    result = run(root, "build", "-j", "1", "-f", "txt")
    assert result.exit_code == 2
    assert "mini.po:" in result.output and "broken catalog" in result.output
    assert (root / "output/mini/fr/mini.fr.txt").exists() and not (root / "output/mini/ar").exists()


def test_huge_handout_builds(tmp_path):
    root = copy_root(tmp_path)
    (root / "source" / "mini.md").unlink()
    for po in (root / "locales").rglob("*.po*"):
        po.unlink()
    (root / "handout.toml").write_text((root / "handout.toml").read_text().replace(
        'languages = ["en", "fr", "ar", "zh_Hans", "pa", "tl"]', 'languages = ["en", "fr"]'))
    parts = ["---\nid: huge\ntitle: Huge\nlanguage: en\naudience: tests\nlast_reviewed: 2026-01-01\n"
             "attribution: Test.\n---\n"]
    for n in range(1000):
        parts.append(f"## Section {n} {{#s{n}}}\n\nRest for {n} hours. {{#p{n}}}\n\n- Item {n}. {{#i{n}}}\n")
    parts.append("::: warnings emergency\nCall {emergency_number} if: {#intro}\n\n- You cannot breathe. {#breathe}\n:::\n")
    (root / "source" / "huge.md").write_text("\n".join(parts))
    assert run(root, "extract").exit_code == 0
    assert run(root, "update").exit_code == 0
    result = run(root, "build", "-j", "1", "-f", "txt", "-f", "docx")
    # English builds; French is refused because its warning signs are not translated.
    assert result.exit_code == 1, result.output
    text = (root / "output/huge/en/huge.en.txt").read_text()
    assert "Section 999" in text and "You cannot breathe." in text
    assert "not built: 3 warning sign(s)" in result.output  # intro + sign + the one tier label it uses


def test_missing_font_is_one_clear_error_and_other_formats_build(root, monkeypatch):
    from dataclasses import replace

    from handout_pipeline import languages

    monkeypatch.setitem(languages.LANGUAGES, "pa", replace(languages.LANGUAGES["pa"], font="Noto Sans Nowhere"))
    result = run(root, "build", "-j", "1", "-l", "pa", "-f", "pdf", "-f", "txt")
    assert result.exit_code == 2
    assert "the font 'Noto Sans Nowhere' for Punjabi (Gurmukhi) is not installed" in result.output
    assert "fonts-noto-core" in result.output and "Traceback" not in result.output
    assert (root / "output/mini/pa/mini.pa.txt").exists() and not (root / "output/mini/pa/mini.pa.pdf").exists()
    code, report = check_json(root, "-l", "pa", "--no-outputs")
    assert code == 1
    assert any(f["check"] == "glyphs" and "no font for Punjabi" in f["detail"] for f in report["findings"])


def test_region_without_nurse_line_reads_correctly(root):
    toml = root / "handout.toml"
    toml.write_text(toml.read_text().replace('nurse_line = "811"\n', ""))
    result = run(root, "build", "-j", "1", "-f", "txt", "-f", "docx")
    assert result.exit_code == 0, result.output
    for tag, expected, unwanted in (("en", "Ask your doctor with questions.", "Call"),
                                    ("fr", "Posez vos questions à votre médecin.", "Appelez le {")):
        text = (root / f"output/mini/{tag}/mini.{tag}.txt").read_text()
        assert " ".join(expected.split()) in " ".join(text.split())
        assert "811" not in text and "{nurse_line}" not in text and "nurse_line" not in text
        assert "911" in text  # the emergency number is still filled in
    code, report = check_json(root, "-f" if False else "--no-outputs")
    assert code == 0, [f for f in report["findings"] if f["severity"] == "error"]
