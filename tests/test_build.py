"""Build behaviour: incremental, per-language failure, atomic under SIGKILL, serialised under concurrency."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from helpers import copy_root, edit_catalog, message, run

FAST = ("-f", "txt", "-f", "docx")


def outputs(root: Path) -> dict[str, float]:
    return {str(p.relative_to(root)): p.stat().st_mtime_ns for p in (root / "output").rglob("*")
            if p.is_file() and not p.name.startswith(".") and ".cache" not in p.parts}


@pytest.fixture
def root(tmp_path):
    return copy_root(tmp_path)


def test_build_writes_every_language_and_format(root):
    result = run(root, "build", "-j", "1", *FAST)
    assert result.exit_code == 0, result.output
    files = outputs(root)
    for tag in ("en", "fr", "ar", "zh-Hans", "pa", "tl"):
        for ext in ("txt", "docx"):
            assert f"output/mini/{tag}/mini.{tag}.{ext}" in files
    assert "12 built" in result.output


def test_second_build_rebuilds_nothing_and_says_so(root):
    assert run(root, "build", "-j", "1", *FAST).exit_code == 0
    before = outputs(root)
    result = run(root, "build", "-j", "1", *FAST)
    assert result.exit_code == 0
    assert "nothing to do: every output is up to date" in result.output
    assert outputs(root) == before


def test_editing_one_catalog_rebuilds_only_that_language(root):
    assert run(root, "build", "-j", "1", *FAST).exit_code == 0
    before = outputs(root)
    edit_catalog(root, "fr", lambda c: setattr(message(c, "heading/medicines"), "string", "Vos médicaments"))
    result = run(root, "build", "-j", "1", *FAST)
    assert result.exit_code == 0, result.output
    after = outputs(root)
    changed = sorted(k for k in after if after[k] != before.get(k))
    assert changed == ["output/mini/fr/mini.fr.docx", "output/mini/fr/mini.fr.txt"]
    assert "Vos médicaments" in (root / "output/mini/fr/mini.fr.txt").read_text()


def test_damaged_output_is_never_up_to_date(root):
    assert run(root, "build", "-j", "1", "-f", "txt").exit_code == 0
    target = root / "output/mini/fr/mini.fr.txt"
    target.write_bytes(target.read_bytes()[:10])  # a torn file
    result = run(root, "build", "-j", "1", "-f", "txt")
    assert "1 built" in result.output
    assert len(target.read_bytes()) > 10


def test_language_with_untranslated_warning_sign_is_not_built(root):
    edit_catalog(root, "ar", lambda c: setattr(message(c, "warning-sign/fever"), "string", ""))
    result = run(root, "build", "-j", "1", "-f", "txt")
    assert result.exit_code == 1
    assert "not built: 1 warning sign(s) not translated or fuzzy (warning-sign/fever)" in result.output
    assert not (root / "output/mini/ar").exists()
    assert (root / "output/mini/fr/mini.fr.txt").exists()  # the others still build


def test_fuzzy_warning_sign_is_not_built(root):
    edit_catalog(root, "fr", lambda c: message(c, "warning-sign/red-skin").flags.add("fuzzy"))
    result = run(root, "build", "-j", "1", "-f", "txt", "-l", "fr")
    assert result.exit_code == 1 and "warning-sign/red-skin" in result.output


def test_untranslated_ordinary_message_is_reported_not_silent(root):
    edit_catalog(root, "fr", lambda c: setattr(message(c, "heading/medicines"), "string", ""))
    result = run(root, "build", "-j", "1", "-f", "txt", "-l", "fr")
    assert result.exit_code == 0
    assert "1 message(s) not translated yet are in English" in result.output


def test_same_inputs_same_bytes(root, tmp_path):
    assert run(root, "build", "-j", "1", *FAST).exit_code == 0
    first = {k: (root / k).read_bytes() for k in outputs(root)}
    assert run(root, "build", "-j", "1", "--force", *FAST).exit_code == 0
    assert {k: (root / k).read_bytes() for k in outputs(root)} == first


KILLER = textwrap.dedent('''
    import os, signal
    import handout_pipeline.fsutil as fsutil
    _real = fsutil.write_atomic
    _count = [0]
    def write_atomic(path, data):
        _count[0] += 1
        if _count[0] == int(os.environ["KILL_AT_WRITE"]):
            # write half of a temporary file in the output folder, then die like `kill -9`
            tmp = path.parent / ("." + path.name + ".killed.tmp")
            path.parent.mkdir(parents=True, exist_ok=True)
            tmp.write_bytes(data[: len(data) // 2])
            os.kill(os.getpid(), signal.SIGKILL)
        return _real(path, data)
    fsutil.write_atomic = write_atomic
    import handout_pipeline.build as build
    build.write_atomic = write_atomic
''')


def test_build_killed_midway_leaves_no_torn_file_and_rerun_completes(root, tmp_path):
    hook = tmp_path / "hook"
    hook.mkdir()
    (hook / "sitecustomize.py").write_text(KILLER)
    env = {**os.environ, "PYTHONPATH": str(hook), "KILL_AT_WRITE": "3", "CI": "1"}
    cmd = [sys.executable, "-m", "handout_pipeline", "--root", str(root), "build", "-j", "2", *FAST]
    killed = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=600)
    assert killed.returncode != 0
    assert "Traceback" not in killed.stderr
    assert list((root / "output").rglob("*.killed.tmp")), "the hook must really have died mid-write"
    # Every file that exists under its final name is whole: its bytes match the build record.
    from handout_pipeline.build import output_state
    from handout_pipeline.languages import get_language
    from handout_pipeline.project import Project
    project = Project.open(root)
    env.pop("KILL_AT_WRITE")
    env.pop("PYTHONPATH")
    rerun = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=600)
    assert rerun.returncode == 0, rerun.stderr + rerun.stdout
    assert not list((root / "output").rglob("*.tmp"))
    for code in ("en", "fr", "ar", "zh_Hans", "pa", "tl"):
        for fmt in ("txt", "docx"):
            assert output_state(project, "mini", get_language(code), fmt) == "current"


def test_two_builds_at_once_both_end_with_valid_outputs(root):
    cmd = [sys.executable, "-m", "handout_pipeline", "--root", str(root), "build", "-j", "1", *FAST]
    env = {**os.environ, "CI": "1"}
    first = subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    second = subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    out1, err1 = first.communicate(timeout=600)
    out2, err2 = second.communicate(timeout=600)
    assert first.returncode == 0 and second.returncode == 0, err1 + err2
    # They took turns: together they built each file once; the later one found everything up to date.
    assert "nothing to do" in out1 + out2
    from handout_pipeline.build import output_state
    from handout_pipeline.languages import get_language
    from handout_pipeline.project import Project
    project = Project.open(root)
    assert all(output_state(project, "mini", get_language(c), f) == "current"
               for c in ("en", "fr", "ar", "zh_Hans", "pa", "tl") for f in ("txt", "docx"))
