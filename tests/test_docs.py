"""The README tells the truth: the CI examples are the files in docs/ci, valid, and run the gate."""

from __future__ import annotations

from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parent.parent


def test_ci_examples_are_valid_and_run_the_gate():
    readme = (REPO / "README.md").read_text()
    for name in ("github-actions.yml", "gitlab-ci.yml"):
        text = (REPO / "docs" / "ci" / name).read_text()
        assert text in readme, f"README must show docs/ci/{name} as it is"
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
