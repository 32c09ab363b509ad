"""Translator QA checks: each fails on a crafted bad entry, passes on a correct unusual one, is silenced by its
Weblate flag, and shows in every report format with the PO file and line; the shipped catalogs raise none."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from handout_pipeline.checks.qa import problems, qa_findings
from handout_pipeline.i18n.catalogs import load_catalog
from handout_pipeline.i18n.units import Unit, units
from handout_pipeline.languages import get_language
from handout_pipeline.model import Tier
from handout_pipeline.reader import read_handout

from helpers import edit_catalog, message, po_file

REPO = Path(__file__).parents[1]


def flags_of(english: str, translation: str, code: str, canadian: bool = False, safety: bool = False) -> list[str]:
    return [p.flag[0] for p in problems(english, translation, get_language(code), canadian, safety)]


def findings_for(english: str, translation: str, code: str, flags: tuple[str, ...] = (), tier: Tier | None = None,
                 context: str = "paragraph/x"):
    from babel.messages.catalog import Catalog

    catalog = Catalog(locale=code)
    catalog.add(english, translation, context=context, flags=flags)
    return qa_findings("h", get_language(code), [Unit(context, english, 1, tier)], catalog, "x.po")


BAD = [
    # (check flag, English, translation, language)
    ("ignore-sentence-count", "Rest your knee for 24 hours. Do not run.", "Reposez votre genou pendant 24 heures.",
     "fr"),
    ("ignore-sentence-count", "Rest your knee for 24 hours. Do not run.", "请让膝盖休息24小时。", "zh_Hans"),
    ("ignore-sentence-count", "Take your pills. Drink water.", "ਆਪਣੀਆਂ ਗੋਲੀਆਂ ਲਓ।", "pa"),
    ("ignore-duplicate", "Call your doctor.", "Appelez votre votre médecin.", "fr"),
    ("ignore-duplicate", "Take the pills.", "Tomar las las pastillas.", "es"),
    ("ignore-end-stop", "A fever.", "De la fièvre", "fr"),
    ("ignore-end-stop", "A fever.", "发烧", "zh_Hans"),
    ("ignore-end-question", "When should you call?", "متى يجب أن تتصل.", "ar"),
    ("ignore-end-colon", "Call your doctor if:", "Appelez votre médecin si.", "fr"),
    ("ignore-punctuation-spacing", "Call your doctor if:", "Appelez votre médecin si:", "fr"),
    ("ignore-punctuation-spacing", "When to call for help?", "Quand demander de l'aide?", "fr"),
    ("ignore-double-space", "Take your pills.", "Prenez  vos comprimés.", "fr"),
    ("ignore-same", "Take your pills.", "Take your pills.", "fr"),
    ("ignore-same", "Ice your knee.", "ice your  knee.", "ko"),
    ("ignore-same", "Medicines", "Medicines", "fr"),       # one word, rare in French (wordfreq Zipf 1.5)
    ("ignore-same", "Medicines", "Medicines", "zh_Hans"),  # one Latin word in a Chinese catalog
]


@pytest.mark.parametrize("flag, english, translation, code", BAD, ids=[f"{b[0]}-{b[3]}-{i}" for i, b in enumerate(BAD)])
def test_each_check_fails_on_a_bad_entry_and_its_weblate_flag_silences_it(flag, english, translation, code):
    found = findings_for(english, translation, code)
    assert flag in " ".join(f.detail for f in found), [f.detail for f in found]
    assert all(f.severity == "warning" and f.check == "qa" and (f.path, f.line) == ("x.po", f.line) for f in found)
    silenced = findings_for(english, translation, code, flags=(flag,))
    assert flag not in " ".join(f.detail for f in silenced)
    assert len(silenced) < len(found)


GOOD = [
    # correct unusual translations: none of them may raise anything
    ("merged on purpose, with the flag", "You have swelling. Signs:", "Vous avez un gonflement, avec ces signes :",
     "fr", ("ignore-sentence-count",)),
    ("a long sentence split in two (plain language)",
     "Your doctor used radio waves to damage a nerve to help your pain.",
     "Votre médecin a utilisé des ondes radio sur un nerf. Le but était de soulager votre douleur.", "fr", ()),
    ("Chinese full stop", "Rest your knee. Do not run.", "让膝盖休息。不要跑步。", "zh_Hans", ()),
    ("Chinese colon and question mark", "When should you call? Call if:", "什么时候打电话？如果出现以下情况：",
     "zh_Hant", ()),
    ("Arabic question mark", "When should you call?", "متى يجب أن تتصل؟", "ar", ()),
    ("Persian question mark", "When should you call?", "چه زمانی باید تماس بگیرید؟", "fa", ()),
    ("Punjabi danda", "Take your pills.", "ਆਪਣੀਆਂ ਗੋਲੀਆਂ ਲਓ।", "pa", ()),
    ("Spanish inverted question mark", "When should you call?", "¿Cuándo debe llamar?", "es", ()),
    ("French no-break spaces", "Call if: Why? Now!", "Appelez si\u00a0: Pourquoi\u202f? Maintenant\u00a0!", "fr", ()),
    ("French reflexive 'vous vous'", "You passed out.", "Vous vous êtes évanoui.", "fr", ()),
    ("Vietnamese reduplication", "Get up slowly.", "Hãy đứng dậy từ từ.", "vi", ()),
    ("a doubled word the English has too", "Bye bye.", "Bye bye.", "tl", ("ignore-same",)),
    ("a time and a placeholder", "Come at 10:30. Call {nurse_line}.", "Venez à 10:30. Appelez le {nurse_line}.",
     "fr", ()),
    ("closing bracket after the stop", "Call 911 (lost consciousness).", "Appelez (perte de connaissance).", "fr", ()),
    ("ellipsis written two ways", "Wait...", "Attendez…", "fr", ()),
    ("one word the same in both languages", "Urgent", "Urgent", "fr", ()),
    ("one word common in Spanish too", "Total", "Total", "es", ()),
    ("placeholder-only label", "Version {version}", "Version {version}", "fr", ()),
    ("emphasis around the end", "Do *not* run.", "Ne courez *pas*.", "fr", ()),
    ("Thai writes no full stop", "Rest your knee. Do not run.", "พักเข่าของคุณ ห้ามวิ่ง", "th", ("ignore-end-stop",)),
]


@pytest.mark.parametrize("english, translation, code, flags", [g[1:] for g in GOOD], ids=[g[0] for g in GOOD])
def test_correct_unusual_translations_pass(english, translation, code, flags):
    assert [f.detail for f in findings_for(english, translation, code, flags)] == []


def test_canadian_french_needs_a_space_only_before_the_colon():
    english, translation = "When to call for help? Call if:", "Quand demander de l'aide? Appelez si :"
    assert flags_of(english, translation, "fr", canadian=True) == []
    assert flags_of(english, translation, "fr_CA") == []
    assert flags_of(english, translation, "fr") == ["ignore-punctuation-spacing"]
    assert flags_of("Call if:", "Appelez si:", "fr", canadian=True) == ["ignore-punctuation-spacing"]


def test_a_dropped_sentence_is_an_error_in_a_safety_message_and_other_faults_stay_warnings():
    english = "You have swelling. Signs:"
    found = findings_for(english, "Vous avez un gonflement :", "fr", tier=Tier.URGENT, context="warning-sign/swelling")
    assert [(f.severity, "2 sentences, the translation 1" in f.detail) for f in found] == [("error", True)]
    found = findings_for(english, "Vous avez un un gonflement. Signes :", "fr", tier=Tier.URGENT,
                         context="warning-sign/swelling")
    assert [f.severity for f in found] == ["warning"]
    # English left in a safety message is the content check's error already: QA does not say it twice.
    assert findings_for("A fever.", "A fever.", "fr", tier=Tier.URGENT, context="warning-sign/fever") == []


def test_fuzzy_untranslated_and_stale_entries_are_left_to_the_catalog_checks():
    from babel.messages.catalog import Catalog

    catalog = Catalog(locale="fr")
    catalog.add("A fever. Call.", "De la fièvre", context="paragraph/a", flags=("fuzzy",))
    catalog.add("Red skin. Call.", "", context="paragraph/b")
    catalog.add("Old English. Call.", "Vieux", context="paragraph/c")
    template = [Unit("paragraph/a", "A fever. Call.", 1), Unit("paragraph/b", "Red skin. Call.", 2),
                Unit("paragraph/c", "New English. Call.", 3)]
    assert qa_findings("h", get_language("fr"), template, catalog, "x.po") == []


def test_shipped_and_fixture_catalogs_raise_no_qa_finding():
    roots = [REPO, REPO / "tests" / "fixtures" / "mini", REPO / "tests" / "fixtures" / "scripts"]
    checked = 0
    for root in roots:
        for source in sorted((root / "source").glob("*.md")):
            template = list(units(read_handout(source)))
            for po in sorted(root.glob(f"locales/*/LC_MESSAGES/{source.stem}.po")):
                language = get_language(po.parent.parent.name)
                found = qa_findings(source.stem, language, template, load_catalog(po, language), str(po),
                                    canadian=True)  # every content root here is for Canada (region CA)
                assert [f.detail for f in found] == [], po
                checked += 1
    assert checked == 18  # 10 shipped languages, 5 mini, 3 scripts


@pytest.fixture
def bad_fr(mini_root):
    def edit(catalog):
        message(catalog, "paragraph/rest").string = "Reposez votre genou pendant **24 heures**."  # sentence dropped
        message(catalog, "item/pills").string = "Prenez vos vos comprimés."                       # doubled word
        message(catalog, "warning-sign/swelling").string = "Vous avez un gonflement :"           # safety: dropped
    edit_catalog(mini_root, "fr", edit)
    return mini_root


def test_findings_show_in_every_report_format_with_the_po_file_and_line(bad_fr, cli, tmp_path):
    po = po_file(bad_fr, "fr")
    catalog = load_catalog(po)
    lines = {c: message(catalog, c).lineno for c in ("paragraph/rest", "item/pills", "warning-sign/swelling")}
    rel = "locales/fr/LC_MESSAGES/mini.po"
    reports = {fmt: tmp_path / f"r.{fmt}" for fmt in ("json", "junit", "sarif", "codequality", "text")}
    result = cli(bad_fr, "check", "--no-outputs", "-l", "fr", "--format", "text",
                 *[arg for fmt, path in reports.items() if fmt != "text" for arg in ("--report", f"{fmt}={path}")])
    assert result.exit_code == 1, result.output  # the dropped sentence in a warning sign is an error
    text = result.stdout
    for context, line in lines.items():
        assert f"[fr] {context} ({rel}:{line})" in text
    findings = [f for f in json.loads(reports["json"].read_text())["findings"] if f["check"] == "qa"]
    assert {(f["message_id"], f["severity"], f["path"], f["line"]) for f in findings} == {
        ("paragraph/rest", "warning", rel, lines["paragraph/rest"]),
        ("item/pills", "warning", rel, lines["item/pills"]),
        ("warning-sign/swelling", "error", rel, lines["warning-sign/swelling"])}
    junit = reports["junit"].read_text()
    assert 'testsuite name="qa"' in junit and f"{rel}:{lines['item/pills']}" in junit
    sarif = json.loads(reports["sarif"].read_text())
    results = [r for r in sarif["runs"][0]["results"] if r["ruleId"] == "qa"]
    assert {(r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"],
             r["locations"][0]["physicalLocation"]["region"]["startLine"]) for r in results} == \
        {(rel, line) for line in lines.values()}
    quality = [q for q in json.loads(reports["codequality"].read_text()) if q["check_name"] == "qa"]
    assert {(q["location"]["path"], q["location"]["lines"]["begin"], q["severity"]) for q in quality} == {
        (rel, lines["paragraph/rest"], "minor"), (rel, lines["item/pills"], "minor"),
        (rel, lines["warning-sign/swelling"], "blocker")}


def test_github_annotations_carry_qa_findings(bad_fr, cli, monkeypatch):
    monkeypatch.setenv("GITHUB_ACTIONS", "true")
    result = cli(bad_fr, "check", "--no-outputs", "-l", "fr")
    assert "::warning file=locales/fr/LC_MESSAGES/mini.po,line=" in result.stderr
    assert "ignore-duplicate" in result.stderr
