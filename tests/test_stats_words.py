"""`handout stats`: source words by state (as translate-toolkit's pocount counts them) and --fail-under for CI."""

from __future__ import annotations

import json

from click.testing import CliRunner
from translate.tools import pocount

from handout_pipeline.cli import main
from handout_pipeline.i18n.wordcount import word_count

from helpers import copy_root, edit_catalog, message, po_file, set_string


def stats(root, *args):
    return CliRunner().invoke(main, ["--root", str(root), "stats", *args])


def rows(result) -> dict[str, dict]:
    return {r["language"]: r for r in json.loads(result.stdout)}


def test_word_counts_agree_with_pocount(tmp_path):
    root = copy_root(tmp_path)
    edit_catalog(root, "fr", set_string("warning-sign/fever", "De la fièvre.", fuzzy=True))
    edit_catalog(root, "fr", set_string("paragraph/rest", ""))
    result = stats(root, "--format", "json", "-l", "fr", "-l", "ar")
    assert result.exit_code == 0
    for tag, row in rows(result).items():
        reference = pocount.calcstats(str(po_file(root, tag)))
        assert row["words"] == {"total": reference["totalsourcewords"], "translated": reference["translatedsourcewords"],
                                "fuzzy": reference["fuzzysourcewords"],
                                "untranslated": reference["untranslatedsourcewords"]}, tag
    fr = rows(result)["fr"]["words"]
    assert fr["fuzzy"] == word_count("A fever.") == 2
    assert fr["untranslated"] == word_count("Rest your knee for **24 hours**. Do *not* run.") == 9


def test_unusual_text_is_counted_by_word_boundaries():
    assert word_count("Call {emergency_number} now.") == 3  # a placeholder is one word, as pocount counts it
    assert word_count("Don't stop — 10–20 minutes, e.g. twice") == 7  # Don't, 10, 20, e.g are words
    assert word_count("") == 0 and word_count(" … ") == 0


def test_fail_under_exits_1_naming_the_language(tmp_path):
    root = copy_root(tmp_path)
    edit_catalog(root, "fr", set_string("paragraph/rest", ""))
    assert stats(root, "--fail-under", "80").exit_code == 0
    result = stats(root, "--fail-under", "95")
    assert result.exit_code == 1
    (line,) = result.stderr.strip().splitlines()
    assert line.startswith("mini [fr]: 92.5% of the source words translated, under --fail-under 95")
    assert "9 words untranslated" in line
    assert stats(root, "--fail-under", "95", "-l", "ar").exit_code == 0


def test_fail_under_counts_a_missing_catalog_as_nothing_translated(tmp_path):
    root = copy_root(tmp_path)
    po_file(root, "tl").unlink()
    result = stats(root, "--format", "json", "--fail-under", "1")
    assert result.exit_code == 1
    tl = rows(result)["tl"]
    assert tl["catalog"] is False and tl["translated_share"] == 0 and tl["words"]["untranslated"] == tl["words"]["total"]
    assert "mini [tl]: 0.0%" in result.stderr


def test_fail_under_100_fails_on_one_short_label(tmp_path):
    """One short message of a complete catalog is enough to fail 100 (the decision uses whole word counts)."""
    root = copy_root(tmp_path)
    edit_catalog(root, "fr", lambda c: setattr(message(c, "label/draft"), "string", ""))
    result = stats(root, "--fail-under", "100", "-l", "fr")
    short = rows(stats(root, "--format", "json", "-l", "fr"))["fr"]
    assert short["words"]["translated"] < short["words"]["total"]
    assert result.exit_code == 1


def test_fail_under_rejects_a_percent_out_of_range(tmp_path):
    result = stats(copy_root(tmp_path), "--fail-under", "150")
    assert result.exit_code == 2 and "150" in result.stderr and "Traceback" not in result.output
