"""A new user starts from nothing: handout init, handout new, handout docs, every configuration error at once,
and the whole first run from a non-editable install in a fresh virtual environment."""

import os
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest
from click.testing import CliRunner

from handout_pipeline.cli import main

REPO = Path(__file__).resolve().parent.parent

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")


def invoke(*args, cwd: Path | None = None):
    if cwd is None:
        return CliRunner().invoke(main, list(args))
    old = Path.cwd()
    os.chdir(cwd)
    try:
        return CliRunner().invoke(main, list(args))
    finally:
        os.chdir(old)


def test_init_then_build_then_check_passes_in_an_empty_folder(tmp_path):
    result = invoke("init", cwd=tmp_path)
    assert result.exit_code == 0, result.output
    assert sorted(p.relative_to(tmp_path).as_posix() for p in tmp_path.rglob("*") if p.is_file()) == [
        ".gitignore", "handout.toml", "locales/example-handout.pot", "source/example-handout.md"]
    assert "# " in (tmp_path / "handout.toml").read_text()          # commented
    assert "output/" in (tmp_path / ".gitignore").read_text()
    result = invoke("build", "-j", "2", cwd=tmp_path)
    assert result.exit_code == 0, result.output
    result = invoke("check", cwd=tmp_path)
    assert result.exit_code == 0, result.output


def test_the_example_uses_every_construct(tmp_path):
    from handout_pipeline.model import BulletList, Heading, WarningBlock, walk_items
    from handout_pipeline.project import Project
    assert invoke("init", str(tmp_path / "h")).exit_code == 0
    project = Project.open(tmp_path / "h")
    handout = project.handout("example-handout")
    blocks = [b for s in handout.sections for b in s.blocks]
    warnings = [b for b in blocks if isinstance(b, WarningBlock)]
    assert handout.lead and handout.glossary and handout.meta.version
    assert {w.tier.value for w in warnings} == {"emergency", "urgent", "watch"}
    assert any(w.notes for w in warnings)
    assert any(isinstance(b, Heading) for b in blocks)
    items = [i for b in blocks if isinstance(b, (BulletList, WarningBlock)) for i in walk_items(b.items)]
    assert any(i.children for i in items) and any(i.when for i in items) and any(i.unless for i in items)
    assert {"emergency_number", "nurse_line", "poison_control"} <= handout.placeholders
    text = (tmp_path / "h" / "source" / "example-handout.md").read_text()
    assert "**" in text and "*24 hours*" in text


def test_init_refuses_a_folder_that_has_the_files_and_writes_nothing(tmp_path):
    (tmp_path / "handout.toml").write_text("languages = ['en']\n")
    result = invoke("init", str(tmp_path))
    assert result.exit_code == 2
    assert "handout.toml: already exists: nothing was written" in result.output
    assert not (tmp_path / "source").exists() and not (tmp_path / ".gitignore").exists()


def test_new_adds_a_handout_that_extracts_and_checks(tmp_path):
    assert invoke("init", str(tmp_path)).exit_code == 0
    result = invoke("--root", str(tmp_path), "new", "knee-care")
    assert result.exit_code == 0, result.output
    assert (tmp_path / "source" / "knee-care.md").is_file()
    assert invoke("--root", str(tmp_path), "extract").exit_code == 0
    result = invoke("--root", str(tmp_path), "check", "--no-outputs")
    assert result.exit_code == 0, result.output
    for bad, words in (("knee-care", "already exists"), ("Knee Care", "is not a handout ID")):
        result = invoke("--root", str(tmp_path), "new", bad)
        assert result.exit_code == 2 and words in result.output


def test_help_points_to_the_shipped_docs_and_each_topic_prints():
    from handout_pipeline.manual import TOPICS
    result = invoke("--help")
    assert "handout docs" in result.output and "README" not in result.output
    listing = invoke("docs").output
    for name in TOPICS:
        assert name in listing
        result = invoke("docs", name)
        assert result.exit_code == 0 and result.output.startswith("#")
    assert "[facts]" in invoke("docs", "facts").output
    assert "[language.am]" in invoke("docs", "languages").output
    result = invoke("docs", "nothing")
    assert result.exit_code == 2 and "use one of: start" in result.output


def test_shipped_docs_are_the_readme_sections():
    """The package's docs are the README's sections: after a README edit, run scripts/sync-docs.py."""
    from handout_pipeline.manual import DOCS, TOPICS, section
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    for name, (heading, _) in TOPICS.items():
        assert (DOCS / f"{name}.md").read_text(encoding="utf-8") == section(readme, heading), (
            f"src/handout_pipeline/assets/docs/{name}.md differs from the README: run scripts/sync-docs.py")


def test_no_message_sends_a_user_to_the_readme():
    for path in (REPO / "src" / "handout_pipeline").rglob("*.py"):
        for line in path.read_text(encoding="utf-8").splitlines():
            if "README" in line and ("hint" in line or "raise" in line or '"see' in line.lower()):
                pytest.fail(f"{path.name}: {line.strip()}")


def test_configuration_errors_are_all_reported_at_once_naming_each_key(tmp_path):
    (tmp_path / "handout.toml").write_text(
        'languages = ["en", "xx-qq"]\nregion = "US"\ncolour = "blue"\n'
        '[regions.US]\nemergency_number = "911"\npoison_control = "123"\npage_size = "A5"\n'
        '[audio]\nwords_per_minute = 500\n[check]\nmax_grade = "eight"\n', encoding="utf-8")
    result = invoke("--root", str(tmp_path), "build")
    assert result.exit_code == 2
    lines = result.stderr.strip().splitlines()
    assert all(line.startswith("error: ") and str(tmp_path / "handout.toml") in line for line in lines), lines
    keys = ["'colour'", "'languages'", "'regions.US.page_size'", "'audio.words_per_minute'", "'check.max_grade'"]
    for key in keys:
        assert sum(key in line for line in lines) == 1, (key, lines)
    assert "Traceback" not in result.output


def test_one_bad_fact_per_key_in_a_region(tmp_path):
    from handout_pipeline.config import load_config
    from handout_pipeline.errors import HandoutErrors
    (tmp_path / "handout.toml").write_text(
        'languages = ["en"]\nregion = "US"\n[regions.US]\nemergency_number = "9x1"\nnurse_line = "abc"\n'
        'crisis = "988"\n', encoding="utf-8")
    with pytest.raises(HandoutErrors) as err:
        load_config(tmp_path)
    text = str(err.value)
    for key in ("regions.US.emergency_number", "regions.US.nurse_line", "regions.US.crisis"):
        assert f"key '{key}'" in text
    assert len(text.splitlines()) == 3


@pytest.mark.slow
def test_first_run_from_a_non_editable_install_in_a_fresh_venv(tmp_path):
    """pip install (not editable) into a new virtual environment, then init, build, check in an empty folder.
    Offline: the dependencies come from the test's own environment through a .pth line."""
    venv = tmp_path / "venv"
    subprocess.run([getattr(sys, "_base_executable", sys.executable), "-m", "venv", "--without-pip", str(venv)],
                   check=True)
    python = venv / "bin" / "python"
    purelib = subprocess.run([str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                             capture_output=True, text=True, check=True).stdout.strip()
    # Only the dependencies: the .pth files of that folder (e.g. an editable install of this package) are not run.
    Path(purelib, "deps.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    package = tmp_path / "package"
    package.mkdir()
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(REPO / name, package / name)
    shutil.copytree(REPO / "src", package / "src", ignore=shutil.ignore_patterns("__pycache__", "*.egg-info"))
    env = {**os.environ, "PIP_NO_INDEX": "1", "PYTHONPATH": ""}
    subprocess.run([str(python), "-m", "pip", "install", "-q", "--no-deps", "--no-build-isolation", str(package)],
                   check=True, env=env, capture_output=True)
    where = subprocess.run([str(python), "-c", "import handout_pipeline; print(handout_pipeline.__file__)"],
                           capture_output=True, text=True, check=True, env=env, cwd=tmp_path).stdout
    assert where.startswith(purelib), where          # installed into the venv, not this checkout
    handout = venv / "bin" / "handout"
    folder = tmp_path / "our-handouts"
    folder.mkdir()
    for args in (["init"], ["build", "-j", "2"], ["check"], ["docs", "facts"]):
        done = subprocess.run([str(handout), *args], cwd=folder, capture_output=True, text=True, env=env)
        assert done.returncode == 0, (args, done.stdout, done.stderr)
    assert "OK: every check passed." in subprocess.run([str(handout), "check"], cwd=folder, capture_output=True,
                                                       text=True, env=env).stdout
    for ext in ("pdf", "docx", "txt", "mp3"):
        assert (folder / "output" / "example-handout" / "en" / f"example-handout.en.{ext}").stat().st_size > 0
