"""Incremental `check`: cached findings come back identical, and any change to what they depend on is seen."""

from __future__ import annotations

import json
import pickle
import subprocess
import sys
from pathlib import Path

import pytest

from handout_pipeline.checks import run as check_run
from handout_pipeline.errors import HandoutError, HandoutErrors
from helpers import check_json, copy_root, edit_catalog, errors, run, set_string


@pytest.fixture
def root(tmp_path: Path) -> Path:
    return copy_root(tmp_path)


@pytest.fixture
def checked(monkeypatch):
    """Records which entries (handout, language code or None) were really checked, not read from the cache."""
    seen: list[tuple[str, str | None]] = []
    real = check_run.check_entry

    def spy(project, job):
        seen.append((job.handout, job.language))
        return real(project, job)

    monkeypatch.setattr(check_run, "check_entry", spy)
    return seen


def test_an_unchanged_second_check_gives_identical_findings_without_checking_again(root, checked):
    assert run(root, "build", "-j", "1", "-f", "txt").exit_code == 0
    first = run(root, "check", "--format", "json")
    assert len(checked) == 7  # the handout's source + 6 languages
    checked.clear()
    second = run(root, "check", "--format", "json")
    assert checked == [] and second.exit_code == first.exit_code
    assert second.output == first.output
    fresh = run(root, "check", "--format", "json", "--no-cache")
    assert len(checked) == 7 and fresh.output == first.output
    text_cached, text_fresh = run(root, "check"), run(root, "check", "--no-cache")
    assert text_cached.output == text_fresh.output


def test_a_changed_catalog_entry_is_found_and_only_that_language_is_checked_again(root, checked):
    code, before = check_json(root, "--no-outputs")
    assert not [f for f in errors(before, "warning-signs") if f["language"] == "fr"]
    checked.clear()
    edit_catalog(root, "fr", set_string("warning-sign/cannot-breathe", ""))
    code, after = check_json(root, "--no-outputs")
    assert checked == [("mini", "fr")]
    [lost] = [f for f in errors(after, "warning-signs") if f["language"] == "fr"]
    assert lost["message_id"] == "warning-sign/cannot-breathe" and code == 1


def test_a_changed_output_file_is_found_after_a_cached_check(root, checked):
    run(root, "build", "-j", "1", "-f", "txt", "-l", "fr")
    code, before = check_json(root, "-l", "fr")
    assert not [f for f in errors(before, "outputs") if f["format"] == "txt"]
    txt = root / "output/mini/fr/mini.fr.txt"
    sign = "Vous ne pouvez pas respirer."
    assert sign in txt.read_text()
    txt.write_text(txt.read_text().replace(sign, "Vous respirez."))
    checked.clear()
    code, after = check_json(root, "-l", "fr")
    assert checked == [("mini", "fr")]
    txt_errors = [f["detail"] for f in errors(after, "outputs") if f["format"] == "txt"]
    assert any("changed or damaged after it was built" in d for d in txt_errors)
    assert any("warning sign missing" in d and sign in d for d in txt_errors)


def test_a_changed_configuration_is_found_after_a_cached_check(root, checked):
    code, before = check_json(root, "--no-outputs", "-l", "fr")
    assert not errors(before, "review")
    checked.clear()
    toml = root / "handout.toml"
    toml.write_text(toml.read_text() + "\n[check]\nrequire_review = true\n")
    code, after = check_json(root, "--no-outputs", "-l", "fr")
    assert checked == [("mini", None), ("mini", "fr")]  # the configuration is every entry's input
    assert code == 1 and errors(after, "review")


def test_a_damaged_or_foreign_cache_entry_is_never_believed(root, checked):
    code, before = check_json(root, "--no-outputs", "-l", "fr")
    entry = root / "output/.cache/check/mini/fr.json"
    stored = json.loads(entry.read_text())
    stored["findings"] = []  # a clean bill of health for other inputs
    stored["key"] = "0" * 64
    entry.write_text(json.dumps(stored))
    (root / "output/.cache/check/mini/_handout.json").write_text("{not json")
    checked.clear()
    code, after = check_json(root, "--no-outputs", "-l", "fr")
    assert len(checked) == 2 and after == before


def test_parallel_check_gives_the_same_report_as_one_process(root):
    one = run(root, "check", "--format", "json", "--no-cache", "-j", "1", "--no-outputs")
    two = run(root, "check", "--format", "json", "--no-cache", "-j", "2", "--no-outputs")
    assert two.exit_code == one.exit_code and two.output == one.output


def test_a_user_error_reaches_the_command_whole_from_a_worker_process():
    error = HandoutError("broken catalog: unterminated string", "locales/fr/LC_MESSAGES/mini.po", 41, "fix it")
    again = pickle.loads(pickle.dumps(error))
    assert type(again) is HandoutError and str(again) == str(error) and again.line == 41
    several = HandoutErrors([error, HandoutError("unknown key 'colour'", "handout.toml", 3, "remove it")])
    again = pickle.loads(pickle.dumps(several))
    assert type(again) is HandoutErrors and str(again) == str(several) and len(again.errors) == 2
    assert str(again).splitlines()[1] == "handout.toml:3: unknown key 'colour' — remove it"


def test_help_imports_no_heavy_module():
    code = ("import sys; from handout_pipeline.cli import main\n"
            "try:\n main(['--help'])\nexcept SystemExit: pass\n"
            "print(sorted(m for m in sys.modules if m.split('.')[0] in ('babel', 'weasyprint', 'docx', 'lingua',"
            " 'wordfreq', 'yaml', 'markdown_it') or m.startswith('handout_pipeline.')))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip().splitlines()[-1] == "['handout_pipeline.cli', 'handout_pipeline.errors', " \
                                                   "'handout_pipeline.formats']"


def test_writer_inputs_are_found_once_per_language_and_format_and_still_read_each_time(tmp_path, monkeypatch):
    """build._writer_inputs memoises the list of a writer's system files (the MP3 writer globs eSpeak NG's
    data for it): the same files as asking the writer, per language (Arabic and Chinese PDFs embed other
    fonts than English), found once; a changed file in the list still changes the inputs digest."""
    from handout_pipeline import build
    from handout_pipeline.languages import get_language
    from handout_pipeline.writers import Writer, get_writer
    from helpers import mini_project

    project = mini_project()
    monkeypatch.setattr(build, "_WRITER_INPUTS", {})
    found = {}
    for code in ("en", "ar", "zh_Hans"):
        ctx = project.render_context(get_language(code))
        for fmt in ("txt", "docx", "pdf", "mp3"):
            memo = build._writer_inputs(fmt, ctx)
            assert memo == tuple(Path(p) for p in get_writer(fmt).inputs(ctx)) and memo
            assert build._writer_inputs(fmt, ctx) is memo
            found[code, fmt] = memo
    assert len({found[code, "pdf"] for code in ("en", "ar", "zh_Hans")}) == 3

    font = tmp_path / "font.ttf"
    font.write_bytes(b"one")
    calls = []

    def inputs(ctx):
        calls.append(ctx)
        return [font]

    monkeypatch.setattr(build, "get_writer", lambda fmt: Writer(fmt, None, inputs))
    monkeypatch.setattr(build, "_WRITER_INPUTS", {})
    english = get_language("en")
    before = build.inputs_digest(project, "mini", english, "txt")
    assert build.inputs_digest(project, "mini", english, "txt") == before
    font.write_bytes(b"other font")
    after = build.inputs_digest(project, "mini", english, "txt")
    assert after != before and len(calls) == 1
    font.unlink()
    assert build.inputs_digest(project, "mini", english, "txt") not in (before, after)
