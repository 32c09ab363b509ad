"""The pre-commit hooks of .pre-commit-hooks.yaml, run by pre-commit itself in a scratch git repository.

pre-commit's `language: python` would build a virtualenv and pip-install this package from an index: no network
at test time. So the test runs the shipped hooks (same id, entry, files, pass_filenames) as `repo: local` hooks
with `language: system`, the entry's `handout` being this checkout's package, and checks that pre-commit cloned
nothing into its home.
"""

from __future__ import annotations

import os
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from helpers import FIXTURES, po_file

REPO = Path(__file__).resolve().parent.parent
MANIFEST = REPO / ".pre-commit-hooks.yaml"
PRE_COMMIT = [sys.executable, "-m", "pre_commit"]


def _env(tmp_path: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GIT_", "PRE_COMMIT"))}
    env |= {"PRE_COMMIT_HOME": str(tmp_path / "pre-commit-home"), "PYTHONPATH": str(REPO / "src"),
            "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.org", "GIT_COMMITTER_NAME": "t",
            "GIT_COMMITTER_EMAIL": "t@example.org", "GIT_CONFIG_GLOBAL": os.devnull, "GITHUB_ACTIONS": "false"}
    return env


def _local_config() -> dict:
    hooks = []
    for hook in yaml.safe_load(MANIFEST.read_text()):
        program, *args = shlex.split(hook["entry"])
        assert program == "handout"
        entry = shlex.join([sys.executable, "-m", "handout_pipeline", *args])
        hooks.append({"id": hook["id"], "name": hook["name"], "entry": entry, "language": "system",
                      "pass_filenames": hook["pass_filenames"], "files": hook["files"]})
    return {"repos": [{"repo": "local", "hooks": hooks}]}


@pytest.fixture
def content_repo(tmp_path):
    repo = tmp_path / "handouts"
    shutil.copytree(FIXTURES / "mini", repo, ignore=shutil.ignore_patterns("output", ".handout-cache"))
    (repo / "README.md").write_text("Our handouts.\n")
    (repo / ".pre-commit-config.yaml").write_text(yaml.safe_dump(_local_config(), sort_keys=False))
    env = _env(tmp_path)
    for args in (["init", "-q", "-b", "main"], ["add", "-A"], ["commit", "-qm", "handouts"]):
        subprocess.run(["git", *args], cwd=repo, env=env, check=True)
    return repo


def pre_commit(repo: Path, *args: str) -> subprocess.CompletedProcess:
    env = _env(repo.parent)
    subprocess.run(["git", "add", "-A"], cwd=repo, env=env, check=True)
    return subprocess.run([*PRE_COMMIT, "run", *args], cwd=repo, env=env, capture_output=True, text=True,
                          timeout=300)


def verdicts(result: subprocess.CompletedProcess) -> dict[str, str]:
    """hook name -> Passed / Failed / Skipped, from pre-commit's summary lines."""
    names = {h["name"]: h["id"] for h in yaml.safe_load(MANIFEST.read_text())}
    found = {}
    for line in result.stdout.splitlines():
        for name, hook_id in names.items():
            if line.startswith(name[:40]):
                found[hook_id] = next((v for v in ("Passed", "Failed", "Skipped") if line.endswith(v)), line)
    return found


def test_manifest_is_valid_and_its_validator_is_not_vacuous(tmp_path):
    env = _env(tmp_path)
    ok = subprocess.run([*PRE_COMMIT, "validate-manifest", str(MANIFEST)], env=env, capture_output=True, text=True)
    assert ok.returncode == 0, ok.stdout + ok.stderr
    broken = tmp_path / "hooks.yaml"
    hooks = yaml.safe_load(MANIFEST.read_text())
    del hooks[0]["entry"]
    broken.write_text(yaml.safe_dump(hooks))
    bad = subprocess.run([*PRE_COMMIT, "validate-manifest", str(broken)], env=env, capture_output=True, text=True)
    assert bad.returncode != 0 and "entry" in bad.stdout + bad.stderr
    for hook in yaml.safe_load(MANIFEST.read_text()):
        assert hook["language"] == "python" and hook["pass_filenames"] is False
        assert shlex.split(hook["entry"])[0] == "handout"


def test_hooks_pass_on_good_content_and_fail_on_a_broken_catalog_or_a_stale_template(content_repo):
    good = pre_commit(content_repo, "--all-files")
    assert good.returncode == 0, good.stdout + good.stderr
    assert verdicts(good) == {"handout-extract-check": "Passed", "handout-update-check": "Passed",
                              "handout-check": "Passed"}

    unrelated = pre_commit(content_repo, "--files", "README.md")
    assert unrelated.returncode == 0 and set(verdicts(unrelated).values()) == {"Skipped"}

    po = po_file(content_repo, "fr")
    po.write_text(po.read_text().replace('msgstr "De la fièvre."', 'msgstr ""', 1))
    catalog = pre_commit(content_repo, "--files", str(po.relative_to(content_repo)))
    assert catalog.returncode == 1
    assert verdicts(catalog) == {"handout-extract-check": "Skipped", "handout-update-check": "Passed",
                                 "handout-check": "Failed"}
    assert "warning-sign/fever" in catalog.stdout and "not translated" in catalog.stdout

    subprocess.run(["git", "checkout", "--", "."], cwd=content_repo, env=_env(content_repo.parent), check=True)
    source = content_repo / "source" / "mini.md"
    source.write_text(source.read_text().replace("A fever.", "A fever over 38 °C.", 1))
    stale = pre_commit(content_repo, "--all-files")
    assert stale.returncode == 1
    assert verdicts(stale) == {"handout-extract-check": "Failed", "handout-update-check": "Passed",
                               "handout-check": "Failed"}
    assert "out of date locales/mini.pot" in stale.stdout

    home = content_repo.parent / "pre-commit-home"
    assert not list(home.glob("repo*")), "pre-commit fetched a repository"
