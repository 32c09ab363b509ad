"""The README tells the truth: the CI examples are the files in docs/ci, valid, and run the gate."""

from __future__ import annotations

import json
import os
import shlex
import shutil
import subprocess
import sys
from pathlib import Path
from xml.etree import ElementTree as ET

import yaml

REPO = Path(__file__).resolve().parent.parent


def test_ci_examples_are_valid_and_run_the_gate():
    readme = (REPO / "README.md").read_text()
    for name in ("github-actions.yml", "gitlab-ci.yml", "pre-commit-config.yaml"):
        assert (REPO / "docs" / "ci" / name).read_text() in readme, f"README must show docs/ci/{name} as it is"
    for name in ("github-actions.yml", "gitlab-ci.yml"):
        text = (REPO / "docs" / "ci" / name).read_text()
        data = yaml.safe_load(text)
        flat = yaml.safe_dump(data)
        assert "handout build" in flat and "handout check" in flat
        assert "source/**" in flat and "locales/**" in flat


def test_readme_quick_start_has_exactly_the_two_commands():
    readme = (REPO / "README.md").read_text()
    quick = readme.split("## Quick start", 1)[1].split("##", 1)[0]
    block = quick.split("```sh", 1)[1].split("```", 1)[0]
    assert [line.split("#")[0].strip() for line in block.strip().splitlines()] == ["make build", "make test"]


def test_site_publishing_examples_are_shown_valid_and_publish_the_site():
    readme = (REPO / "README.md").read_text()
    github = (REPO / "docs" / "ci" / "github-pages.yml").read_text()
    gitlab = (REPO / "docs" / "ci" / "gitlab-pages.yml").read_text()
    assert github in readme and gitlab in readme
    steps = yaml.safe_load(github)["jobs"]["site"]["steps"]
    uses = [s.get("uses", "") for s in steps]
    assert any(s.get("run") == "handout site -o public" for s in steps)
    assert any(u.startswith("actions/upload-pages-artifact@") for u in uses)
    assert yaml.safe_load(github)["jobs"]["deploy"]["steps"][0]["uses"].startswith("actions/deploy-pages@")
    pages = yaml.safe_load(gitlab)["pages"]
    assert "handout site -o public" in pages["script"] and pages["artifacts"]["paths"] == ["public"]
    assert (REPO / "docs" / "site-matrix.png").read_bytes()[:4] == b"\x89PNG"


def _step_command(run: str, program: str) -> list[str]:
    (line,) = [line for line in run.splitlines() if line.strip().startswith(program)]
    return shlex.split(line.split("||")[0])


def _option(args: list[str], name: str) -> str:
    return args[args.index(name) + 1]


def test_github_workflow_uploads_the_files_the_gate_writes():
    workflow = yaml.safe_load((REPO / "docs" / "ci" / "github-actions.yml").read_text())
    assert workflow["permissions"]["security-events"] == "write"
    steps = workflow["jobs"]["check"]["steps"]
    gate = next(s for s in steps if "handout check" in s.get("run", ""))
    args = _step_command(gate["run"], "handout check")
    assert _option(args, "--format") == "sarif" and "cancelled()" in gate["if"]
    sarif, junit = _option(args, "-o"), _option(args, "--report").split("=", 1)
    upload = next(s for s in steps if s.get("uses", "").startswith("github/codeql-action/upload-sarif@"))
    assert upload["with"]["sarif_file"] == sarif and junit[0] == "junit"
    artifact = next(s for s in steps if s.get("uses", "").startswith("actions/upload-artifact@"))
    assert {sarif, junit[1]} <= set(artifact["with"]["path"].split())
    runs = " ".join(s.get("run", "") for s in steps)
    assert "handout extract --check" in runs and "handout update --check" in runs


def test_gitlab_job_reports_the_files_the_gate_writes():
    job = yaml.safe_load((REPO / "docs" / "ci" / "gitlab-ci.yml").read_text())["handout-check"]
    args = _step_command("\n".join(job["script"]), "handout check")
    reports = job["artifacts"]["reports"]
    assert _option(args, "--format") == "junit" and reports["junit"] == _option(args, "-o")
    assert _option(args, "--report") == f"codequality={reports['codequality']}"
    assert job["artifacts"]["when"] == "always" and job["script"][-1] == "exit $status"


def test_gitlab_script_still_writes_the_reports_when_a_step_fails(tmp_path):
    """The job's own script lines (after the install) run in bash on a broken copy of the fixture: the job fails
    and GitLab still finds both reports. `handout` is this checkout's package; its build makes TXT only, for speed."""
    root = tmp_path / "mini"
    shutil.copytree(REPO / "tests" / "fixtures" / "mini", root, ignore=shutil.ignore_patterns("output"))
    po = root / "locales" / "fr" / "LC_MESSAGES" / "mini.po"
    po.write_text(po.read_text().replace('msgstr "De la fièvre."', 'msgstr ""', 1))
    script = yaml.safe_load((REPO / "docs" / "ci" / "gitlab-ci.yml").read_text())["handout-check"]["script"]
    after_install = script[script.index("pip install .") + 1:]
    shim = (f'handout() {{ if [ "$1" = build ]; then set -- "$@" -f txt; fi; '
            f'PYTHONPATH={shlex.quote(str(REPO / "src"))} {shlex.quote(sys.executable)} -m handout_pipeline "$@"; }}')
    result = subprocess.run(["bash", "-eo", "pipefail", "-c", "\n".join([shim, *after_install])], cwd=root,
                            capture_output=True, text=True, timeout=600, env={**os.environ, "GITHUB_ACTIONS": ""})
    assert result.returncode == 1, result.stdout + result.stderr
    junit = ET.parse(root / "handout-check.xml").getroot()
    assert int(junit.get("failures")) >= 1
    issues = json.loads((root / "gl-code-quality.json").read_text())
    assert any(i["check_name"] == "warning-signs" and i["location"]["path"] == "locales/fr/LC_MESSAGES/mini.po"
               for i in issues)


def test_pre_commit_example_uses_every_shipped_hook():
    config = yaml.safe_load((REPO / "docs" / "ci" / "pre-commit-config.yaml").read_text())
    (repo,) = config["repos"]
    shipped = [h["id"] for h in yaml.safe_load((REPO / ".pre-commit-hooks.yaml").read_text())]
    assert [h["id"] for h in repo["hooks"]] == shipped and repo["rev"]


def test_matrix_examples_are_shown_and_every_shard_builds_and_checks_its_part():
    readme = (REPO / "README.md").read_text()
    github = (REPO / "docs" / "ci" / "github-actions-matrix.yml").read_text()
    gitlab = (REPO / "docs" / "ci" / "gitlab-ci-parallel.yml").read_text()
    assert github in readme and gitlab in readme
    job = yaml.safe_load(github)["jobs"]["shard"]
    shards = job["strategy"]["matrix"]["shard"]
    runs = [s.get("run", "") for s in job["steps"]]
    assert shards == list(range(1, len(shards) + 1))
    for command in ("handout build", "handout check"):
        (line,) = [r for r in runs if r.startswith(command)]
        assert f"--shard ${{{{ matrix.shard }}}}/{len(shards)}" in line
    parallel = yaml.safe_load(gitlab)["handout-shard"]
    script = "\n".join(parallel["script"])
    assert parallel["parallel"] >= 2
    assert script.count('--shard "$CI_NODE_INDEX/$CI_NODE_TOTAL"') == 2
