"""Shared fixtures: a private copy of the mini content root, and the `handout` command run in-process."""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis.configuration import set_hypothesis_home_dir

from handout_pipeline.cli import main

FIXTURES = Path(__file__).parent / "fixtures"

# Hypothesis keeps a cache in ./.hypothesis by default: tests must not write into the repository.
set_hypothesis_home_dir(Path(tempfile.gettempdir()) / "handout-pipeline-hypothesis")


@pytest.fixture
def mini_root(tmp_path: Path) -> Path:
    """A copy of tests/fixtures/mini that the test may change freely."""
    root = tmp_path / "mini"
    shutil.copytree(FIXTURES / "mini", root, ignore=shutil.ignore_patterns("output", ".handout-cache"))
    return root


@pytest.fixture
def cli():
    """Run `handout --root ROOT ARGS...` in-process; the result has exit_code, stdout and stderr apart."""

    def run(root: Path, *args: str):
        return CliRunner().invoke(main, ["--root", str(root), *map(str, args)])

    return run
