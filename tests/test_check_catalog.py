"""`handout check` on crafted catalogs: each fault makes it exit 1 with a finding that names it."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from handout_pipeline.checks.catalog import integrity_problems
from handout_pipeline.checks.numbers import numbers
from handout_pipeline.config import CheckConfig
from handout_pipeline.languages import get_language

from helpers import check_json, copy_root, edit_catalog, errors, message, po_file, set_string


@pytest.fixture
def root(tmp_path):
    return copy_root(tmp_path)


def test_shipped_fixture_catalogs_pass(root):
    code, report = check_json(root, "--no-outputs")
    assert errors(report) == [], errors(report)
    assert code == 0 and report["ok"] is True


_set = set_string


WARNING_FAULTS = {
    "missing": (lambda c: c.delete(message(c, "warning-sign/fever").id, context="warning-sign/fever"),
                "missing from the catalog"),
    "empty": (_set("warning-sign/red-skin", ""), "not translated"),
    "fuzzy": (_set("warning-sign/cannot-breathe", "Vous ne pouvez pas respirer.", fuzzy=True), "fuzzy"),
    "english": (_set("warning-sign/not-better", "You do not get better."), "English left in place"),
}


@pytest.mark.parametrize("fault", sorted(WARNING_FAULTS))
def test_warning_sign_faults_fail(root, fault):
    edit, words = WARNING_FAULTS[fault]
    edit_catalog(root, "fr", edit)
    code, report = check_json(root, "--no-outputs", "-l", "fr")
    found = errors(report, "content" if fault == "english" else "warning-signs")
    assert code == 1 and report["ok"] is False
    assert len(found) == 1, found
    assert words in found[0]["detail"]
    assert found[0]["language"] == "fr" and found[0]["handout"] == "mini"
    assert found[0]["message_id"].startswith("warning-sign/")


def test_stale_warning_sign_when_source_changed_without_update(root):
    source = root / "source" / "mini.md"
    source.write_text(source.read_text().replace("- A fever. {#fever}", "- A high fever. {#fever}"))
    code, report = check_json(root, "--no-outputs", "-l", "fr")
    stale = [f for f in errors(report, "warning-signs") if f["message_id"] == "warning-sign/fever"]
    assert code == 1 and stale and "stale" in stale[0]["detail"] and "A high fever." in stale[0]["detail"]


def test_stale_warning_sign_after_update(root):
    from helpers import run
    source = root / "source" / "mini.md"
    source.write_text(source.read_text().replace("- A fever. {#fever}", "- A high fever. {#fever}"))
    assert run(root, "extract").exit_code == 0
    assert run(root, "update", "-l", "fr").exit_code == 0
    code, report = check_json(root, "--no-outputs", "-l", "fr")
    stale = [f for f in errors(report, "warning-signs") if f["message_id"] == "warning-sign/fever"]
    assert code == 1 and stale and "stale" in stale[0]["detail"]


INTEGRITY_FAULTS = {
    "changed number": ("paragraph/rest", "Reposez votre genou pendant **42 heures**. Ne courez *pas*.", "number 24"),
    "dropped number": ("item/pills-morning", "Prenez des comprimés chaque matin.", "number 2"),
    "reformatted digits": ("paragraph/rest", "Reposez votre genou pendant **۴۲ heures**. Ne courez *pas*.", "number 24"),
    "split digits": ("paragraph/rest", "Reposez votre genou pendant **2 4 heures**. Ne courez *pas*.", "number 24"),
    "misspelt placeholder": ("item/questions", "Appelez le {nurse_lin} si vous avez des questions.",
                             "placeholder {nurse_line}"),
    "dropped placeholder": ("warning-intro/emergency-intro", "Appelez le 911 si :", "placeholder {emergency_number}"),
    "unbalanced bold": ("paragraph/rest", "Reposez votre genou pendant **24 heures*. Ne courez *pas*.", "markup"),
    "lost emphasis": ("paragraph/rest", "Reposez votre genou pendant **24 heures**. Ne courez pas.", "markup"),
    "bidi override": ("warning-intro/emergency-intro", "Appelez le \u202e{emergency_number}\u202c si :", "bidi"),
    "html": ("item/pills", "Prenez vos <img src='http://127.0.0.1:9/x.png'> comprimés.", "markup, a link"),
}


@pytest.mark.parametrize("fault", sorted(INTEGRITY_FAULTS))
def test_integrity_faults_fail(root, fault):
    context, value, words = INTEGRITY_FAULTS[fault]
    edit_catalog(root, "fr", _set(context, value))
    code, report = check_json(root, "--no-outputs", "-l", "fr")
    found = [f for f in errors(report, "integrity") if f["message_id"] == context]
    assert code == 1, report["findings"]
    assert any(words in f["detail"] for f in found), found


def test_eastern_digits_that_keep_the_number_pass():
    cfg, ar = CheckConfig(), get_language("ar")
    assert numbers("٢٤ ساعة") == numbers("24 hours")
    assert not [p for p in integrity_problems("Rest for **24 hours**.", "استرح **٢٤ ساعة**.", ar, cfg)
                if p[0] == "error"]
    assert not [p for p in integrity_problems("for 10 to 20 minutes", "۱۰ تا ۲۰ دقیقه", get_language("fa"), cfg)
                if p[0] == "error"]
    lost_bound = integrity_problems("for 10 to 20 minutes", "۱۰ دقیقه", get_language("fa"), cfg)
    assert any("number 20" in d for s, d in lost_bound if s == "error")


def test_length_ratio_is_a_warning_not_an_error():
    problems = integrity_problems("Put a thin cloth between the ice and your skin.", "Tissu.", get_language("fr"),
                                  CheckConfig())
    assert problems and all(s == "warning" for s, _ in problems) and "short" in problems[0][1]


def test_min_translated_share(root):
    edit_catalog(root, "fr", _set("item/pills", ""))
    code, report = check_json(root, "--no-outputs", "-l", "fr")
    assert code == 1 and any("ordinary messages are translated" in f["detail"] for f in errors(report, "integrity"))
    (root / "handout.toml").write_text((root / "handout.toml").read_text() + "\n[check]\nmin_translated_share = 0.8\n")
    code, report = check_json(root, "--no-outputs", "-l", "fr")
    assert code == 0, errors(report)


# ---- Cross-check against independent tools: whatever they flag, we flag too. ----

CROSS_FAULTS = {
    "untranslated warning": ("warning-sign/fever", ""),
    "fuzzy warning": ("warning-sign/red-skin", None),
    "changed number": ("paragraph/rest", "Reposez votre genou pendant **42 heures**. Ne courez *pas*."),
    "xml tag": ("item/pills", "Prenez vos <b>comprimés</b>."),
    "untranslated ordinary": ("heading/medicines", ""),
}


POFILTER = shutil.which("pofilter", path=str(Path(sys.executable).parent)) or shutil.which("pofilter")


def _pofilter_flags(po, tmp_path) -> set[str]:
    out = tmp_path / "pofilter-out.po"
    subprocess.run([POFILTER, "--progress=none", "-t", "numbers", "-t", "xmltags", "-t", "untranslated",
                    str(po), str(out)], check=True, capture_output=True)
    if not out.exists():
        return set()
    from babel.messages.pofile import read_po
    return {m.context for m in read_po(out.open("rb")) if m.id and m.context}


@pytest.mark.parametrize("fault", sorted(CROSS_FAULTS))
def test_independent_tools_flag_nothing_we_miss(root, tmp_path, fault):
    context, value = CROSS_FAULTS[fault]

    def edit(catalog):
        m = message(catalog, context)
        if value is None:
            m.flags.add("fuzzy")
        else:
            m.string = value
    edit_catalog(root, "fr", edit)
    po, pot = po_file(root, "fr"), root / "locales" / "mini.pot"
    code, report = check_json(root, "--no-outputs", "-l", "fr")
    ours = {f["message_id"] for f in report["findings"] if f["severity"] in ("error", "warning")}
    theirs = _pofilter_flags(po, tmp_path)
    msgcmp = subprocess.run(["msgcmp", "-N", str(po), str(pot)], capture_output=True, text=True)
    assert theirs or msgcmp.returncode != 0, "the crafted fault must be visible to the independent tools"
    assert theirs <= ours, f"pofilter flagged {theirs - ours} that handout check did not"
    assert _msgcmp_contexts(po, msgcmp.stderr) <= ours


def _msgcmp_contexts(po, stderr: str) -> set[str]:
    """The msgctxt of every entry msgcmp reports, found by the line it names."""
    from babel.messages.pofile import read_po
    entries = sorted((m.lineno, m.context) for m in read_po(po.open("rb")) if m.id)
    flagged = set()
    for line in stderr.splitlines():
        parts = line.split(":")
        if len(parts) >= 3 and parts[1].strip().isdigit() and ("untranslated" in line or "fuzzy" in line):
            number = int(parts[1])
            flagged.add(min(entries, key=lambda e: abs(e[0] - number))[1])
    return flagged


@pytest.mark.parametrize("translation,severity,words", [
    ("Prenez 2 comprimés, 3 fois.", "warning", "number 3 is in the translation but not in the English"),
    ("Prenez 2 comprimés\x07.", "error", "control characters U+0007"),
    ("Prenez 2 comprimés {.", "error", "a brace that is not part of a {placeholder}"),
    ("Prenez 2 comprimés ｛nurse_line｝.", "error", "a brace that is not part of a {placeholder}"),
    ("Prenez 2 comprimés {nurse_line}.", "error", "placeholder {nurse_line} is not in the English"),
    ("Prenez 2 comprimés &lt;.", "error", "markup, a link or an entity"),
])
def test_each_integrity_rule_fails_on_its_fault(translation, severity, words):
    problems = integrity_problems("Take 2 pills each morning.", translation, get_language("fr"), CheckConfig())
    assert any(s == severity and words in d for s, d in problems), problems
    assert not integrity_problems("Take 2 pills each morning.", "Prenez 2 comprimés chaque matin.",
                                  get_language("fr"), CheckConfig())


def test_template_out_of_date_with_the_source_is_an_error(root):
    source = root / "source" / "mini.md"
    source.write_text(source.read_text().replace("- Red skin. {#red-skin}", "- Red, hot skin. {#red-skin}"))
    code, report = check_json(root, "--no-outputs", "-l", "fr")
    assert code == 1
    assert any(f["check"] == "catalogs" and "out of date" in f["detail"] for f in errors(report))


def test_length_ratio_warns_on_a_translation_far_too_long_or_short():
    cfg = CheckConfig()
    source = "Rest at home for the rest of the day and do not drive."
    padded = "Reposez-vous. " * 20
    long = integrity_problems(source, padded, get_language("fr"), cfg)
    assert any(sev == "warning" and "suspiciously long" in detail for sev, detail in long)
    short = integrity_problems(source, "Repos.", get_language("fr"), cfg)
    assert any(sev == "warning" and "suspiciously short" in detail for sev, detail in short)
    # Chinese is far shorter in characters: an English-length Chinese text is suspicious
    zh_long = integrity_problems(source, "今天剩下的时间请在家休息，不要开车。" * 4, get_language("zh_Hans"), cfg)
    assert any("suspiciously long" in detail for _, detail in zh_long)


def test_length_ratio_leaves_placeholders_and_short_labels_alone():
    cfg = CheckConfig()
    zh = get_language("zh_Hans")
    # "第 {page} 页，共 {pages} 页" is as long as the English only because of the placeholders
    assert not [d for _, d in integrity_problems("Page {page} of {pages}", "第 {page} 页，共 {pages} 页", zh, cfg)
                if "suspiciously" in d]
    assert not [d for _, d in integrity_problems("Call {emergency_number} now if you have any of these:",
                                                 "如有以下情况，请立即拨打 {emergency_number}：", zh, cfg)
                if "suspiciously" in d]
    # a correct French sentence a good deal longer than the English
    assert not [d for _, d in integrity_problems("Rest at home for the rest of the day and do not drive.",
                                                 "Reposez-vous à la maison pendant le reste de la journée et ne "
                                                 "conduisez pas.", get_language("fr"), cfg) if "suspiciously" in d]
