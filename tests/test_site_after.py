"""[site] after = [...]: the status site is refreshed after build and/or check, and its settings are checked."""

from __future__ import annotations

import json

import pytest

from helpers import copy_root, run


def configure(root, text: str) -> None:
    path = root / "handout.toml"
    path.write_text(path.read_text(encoding="utf-8") + "\n" + text, encoding="utf-8")


def test_site_refreshed_after_build_and_check_into_the_configured_folder(tmp_path):
    root = copy_root(tmp_path)
    configure(root, '[site]\nafter = ["build", "check"]\ndir = "public/status"\n')
    index = root / "public" / "status" / "index.html"
    built = run(root, "build", "-l", "en", "-f", "txt")
    assert built.exit_code == 0, built.output
    assert index.is_file() and "status site:" in built.output
    index.unlink()
    checked = run(root, "check", "--format", "json", "-l", "en", "--no-outputs")
    assert index.is_file(), checked.output
    # the JSON report on stdout stays parseable: the site's line goes to stderr
    assert json.loads(checked.stdout)["findings"] is not None
    assert "status site:" in checked.stderr


def test_no_site_unless_configured(tmp_path):
    root = copy_root(tmp_path)
    assert run(root, "build", "-l", "en", "-f", "txt").exit_code == 0
    assert not (root / "output" / "site").exists()


def test_only_after_the_commands_named(tmp_path):
    root = copy_root(tmp_path)
    configure(root, '[site]\nafter = ["check"]\n')
    assert run(root, "build", "-l", "en", "-f", "txt").exit_code == 0
    assert not (root / "output" / "site").exists()
    run(root, "check", "-l", "en", "--no-outputs")
    assert (root / "output" / "site" / "index.html").is_file()


@pytest.mark.parametrize("table, key", [
    ('after = ["publish"]', "site.after"),
    ('after = "check"', "site.after"),
    ('dir = "/var/www/site"', "site.dir"),
    ('dir = "../elsewhere"', "site.dir"),
    ('folder = "x"', "site.folder"),
])
def test_bad_site_settings_are_one_line_naming_the_key(tmp_path, table, key):
    root = copy_root(tmp_path)
    configure(root, f"[site]\n{table}\n")
    result = run(root, "build", "-l", "en", "-f", "txt")
    assert result.exit_code == 2
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert len(lines) == 1 and f"'{key}'" in lines[0] and "handout.toml" in lines[0], result.output
    assert not (root / "output").exists()
