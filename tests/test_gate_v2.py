"""Gate v2: a translation that only looks complete must not pass, and a correct unusual one must.

Each kind of fault is crafted on a copy of the mini fixture and must fail `check` with exit 1, naming the
language and the message; each false alarm the gate used to raise must now pass.
"""

from __future__ import annotations

import shutil

import pytest
import zhconv

from handout_pipeline.checks.catalog import integrity_problems
from handout_pipeline.config import CheckConfig
from handout_pipeline.languages import get_language

from helpers import check_json, copy_root, edit_catalog, errors, message, po_file, run, set_string


@pytest.fixture
def root(tmp_path):
    return copy_root(tmp_path)


_set = set_string


def fails_naming(root, code: str, context: str | None, words: str, check: str = "content"):
    result_code, report = check_json(root, "--no-outputs", "-l", code)
    found = [f for f in errors(report, check) if f["language"] == get_language(code).tag
             and (context is None or f["message_id"] == context)]
    assert result_code == 1 and report["ok"] is False, report["findings"]
    assert found, errors(report)
    assert any(words in f["detail"] for f in found), found
    return found


# ------------------------------------------------------------------ blank or invisible signs

@pytest.mark.parametrize("value", ["\u200b", "\u3164", "\u115f\u1160", "\u0301", ".", "\u200b.\u2060", "\uffa0 ."])
def test_blank_or_invisible_sign_fails(root, value):
    edit_catalog(root, "fr", _set("warning-sign/fever", value))
    fails_naming(root, "fr", "warning-sign/fever", "has no letters")


def test_lone_combining_mark_with_text_fails(root):
    edit_catalog(root, "fr", _set("warning-sign/fever", "\u0301De la fièvre."))
    fails_naming(root, "fr", "warning-sign/fever", "combining mark")


# ------------------------------------------------------------------ wrong language or script

@pytest.mark.parametrize("code, context, value, words", [
    ("fr", "warning-sign/not-better", "Usted no se siente mejor.", "reads as"),  # Spanish: not a mini language
    ("tl", "warning-sign/cannot-breathe", "Vous ne pouvez pas respirer.", "reads as French"),
    ("fr", "warning-sign/cannot-breathe", "Hindi ka makahinga.", "reads as Tagalog"),
    ("fr", "warning-intro/urgent-intro", "Tawagan agad ang iyong doktor kung:", "reads as Tagalog"),
    ("pa", "warning-sign/fever", "Bukhaar.", "script of Punjabi (Gurmukhi) (Gurmukhi)"),
    ("ar", "warning-sign/fever", "Humma.", "(Arabic)"),
    ("zh_Hans", "warning-sign/fever", "Fāshāo.", "(Han)"),
    ("pa", "warning-sign/fever", "حمى.", "script of Punjabi (Gurmukhi) (Gurmukhi)"),
])
def test_sign_in_another_language_or_script_fails(root, code, context, value, words):
    edit_catalog(root, code, _set(context, value))
    fails_naming(root, code, context, words)


def test_catalog_saved_over_another_language_fails(root):
    shutil.copy(po_file(root, "fr"), po_file(root, "tl"))
    found = fails_naming(root, "tl", None, "PO header says 'Language: fr'")
    # With the header put right, the text itself still gives it away.
    path = po_file(root, "tl")
    path.write_text(path.read_text(encoding="utf-8").replace('"Language: fr\\n"', '"Language: tl\\n"'),
                    encoding="utf-8")
    found = fails_naming(root, "tl", None, "reads as French")
    assert found


def test_simplified_catalog_replaced_by_traditional_fails(root):
    def to_traditional(catalog):
        for m in catalog:
            if m.id and m.string:
                m.string = zhconv.convert(str(m.string), "zh-hant")
    edit_catalog(root, "zh_Hans", to_traditional)
    fails_naming(root, "zh_Hans", None, "Traditional Chinese characters")


@pytest.mark.parametrize("value, words", [
    ("You do not get b\u0435tter.", "mixing alphabets"),         # Cyrillic е
    ("Y\u043eu d\u043e n\u043et get better.", "English left in place"),  # Cyrillic о, folded to Latin
    ("You do not get better!!", "English left in place"),
    ("you do not get better", "English left in place"),
    ("[TODO] You do not get better. (needs translation)", "to-do marker"),
    ("[TODO] You do not get better.", "English left in place"),
])
def test_english_in_disguise_fails(root, value, words):
    edit_catalog(root, "fr", _set("warning-sign/not-better", value))
    fails_naming(root, "fr", "warning-sign/not-better", words)


def test_ignore_same_flag_accepts_a_sign_meant_to_be_english(root):
    def edit(catalog):
        m = message(catalog, "warning-sign/not-better")
        m.string = "You do not get better."
        m.flags.add("ignore-same")
    edit_catalog(root, "fr", edit)
    code, report = check_json(root, "--no-outputs", "-l", "fr")
    assert errors(report) == [] and code == 0


# ------------------------------------------------------------------ duplicates, numbers, defacing

def test_one_sign_given_another_signs_translation_fails(root):
    edit_catalog(root, "fr", _set("warning-sign/fever", "Peau rouge."))
    found = fails_naming(root, "fr", "warning-sign/fever", "same translation as warning-sign/red-skin")
    assert "Peau rouge." in found[0]["detail"]


@pytest.mark.parametrize("context, value", [
    ("warning-intro/emergency-intro", "Appelez d’abord le 811, puis le {emergency_number} si :"),
    ("warning-intro/urgent-intro", "Attendez 24 heures, puis appelez votre médecin si :"),
    ("warning-sign/fever", "De la fièvre de 38 degrés."),
])
def test_number_added_to_a_safety_message_fails(root, context, value):
    edit_catalog(root, "fr", _set(context, value))
    fails_naming(root, "fr", context, "not in the English", check="integrity")


def test_number_added_to_an_ordinary_message_is_a_warning_only(root):
    edit_catalog(root, "fr", _set("item/pills", "Prenez vos 3 comprimés."))
    code, report = check_json(root, "--no-outputs", "-l", "fr")
    assert code == 0 and errors(report) == []
    assert any("number 3 is in the translation" in f["detail"] and f["severity"] == "warning"
               for f in report["findings"])


def test_defaced_sign_fails(root):
    defaced = "".join(ch + "\u0336" if ch.isalpha() else ch for ch in "De la fièvre.")
    edit_catalog(root, "fr", _set("warning-sign/fever", defaced))
    fails_naming(root, "fr", "warning-sign/fever", "struck through")


# ------------------------------------------------------------------ source and configuration lint

def lint_errors(root):
    code, report = check_json(root, "--no-outputs", "-l", "fr")
    return code, [f for f in errors(report, "lint")]


def test_only_emergency_intro_made_conditional_fails(root):
    source = root / "source" / "mini.md"
    source.write_text(source.read_text().replace("{#emergency-intro}", "{#emergency-intro unless=nurse_line}"))
    run(root, "extract")
    run(root, "update")
    code, found = lint_errors(root)
    assert code == 1 and any("emergency warning block has no intro" in f["detail"] and "CA" in f["detail"]
                             for f in found), found


def test_literal_emergency_number_in_source_fails(root):
    source = root / "source" / "mini.md"
    source.write_text(source.read_text().replace("Call {emergency_number} if:", "Call 911 if:"))
    config = root / "handout.toml"
    config.write_text(config.read_text().replace('region = "CA"', 'region = "DE"') + (
        '\n[regions.DE]\nname = "Germany"\npage_size = "a4"\nemergency_number = "112"\n'))
    run(root, "extract")
    run(root, "update")
    code, found = lint_errors(root)
    details = " ".join(f["detail"] for f in found)
    assert code == 1 and "phone number (911) is typed into the text" in details, found
    assert "does not name the emergency number" in details
    assert any(f["path"] == "source/mini.md" and f["line"] == 29 for f in found), found


def test_swapped_emergency_and_nurse_line_fails(root):
    config = root / "handout.toml"
    config.write_text(config.read_text().replace('emergency_number = "911"', 'emergency_number = "X"')
                      .replace('nurse_line = "811"', 'nurse_line = "911"').replace('"X"', '"811"'))
    code, found = lint_errors(root)
    details = " ".join(f["detail"] for f in found)
    assert code == 1 and "811 is not an emergency number in CA" in details, found
    assert "nurse_line (911) is an emergency number" in details


def test_handout_without_warning_signs_fails_unless_it_says_why(root):
    source = root / "source" / "mini.md"
    text = source.read_text()
    body = text[: text.index("## When to call for help")]
    source.write_text(body)
    run(root, "extract")
    run(root, "update")
    code, found = lint_errors(root)
    assert code == 1 and any("has no warning signs" in f["detail"] for f in found), found
    source.write_text(body.replace("glossary:", "no_warning_signs: A list of clinic opening hours with no advice\n"
                                                "glossary:", 1))
    run(root, "extract")
    run(root, "update")
    code, found = lint_errors(root)
    assert found == []


# ------------------------------------------------------------------ false alarms that must not block

def test_french_label_urgent_same_word_passes(root):
    edit_catalog(root, "fr", _set("label/urgent", "Urgent"))
    code, report = check_json(root, "--no-outputs", "-l", "fr")
    assert errors(report) == [] and code == 0


def test_english_label_left_in_french_still_fails(root):
    edit_catalog(root, "fr", _set("label/watch", "Watch closely"))
    fails_naming(root, "fr", "label/watch", "English left in place")


@pytest.mark.parametrize("code, source, translation", [
    ("fr", "Take 1.5 pills, up to 3,000 steps a day.", "Prenez 1,5 comprimé, jusqu’à 3 000 pas par jour."),
    ("fr", "Take 1.5 pills, up to 3,000 steps a day.", "Prenez 1,5 comprimé, jusqu’à 3\u202f000 pas par jour."),
    ("ar", "Take 1.5 pills, up to 3,000 steps a day.", "تناول ١٫٥ حبة، حتى ٣٬٠٠٠ خطوة في اليوم."),
    ("fa", "Take 1.5 pills, up to 3,000 steps a day.", "۱٫۵ قرص بخورید، تا ۳٬۰۰۰ قدم در روز."),
    ("es", "Take 1.5 pills, up to 3,000 steps a day.", "Tome 1,5 pastillas, hasta 3.000 pasos al día."),
    ("fr", "Take 1.5 pills.", "Prenez 1.5 comprimé."),
])
def test_local_number_formats_pass(code, source, translation):
    problems = integrity_problems(source, translation, get_language(code), CheckConfig(), safety_critical=True)
    assert [p for p in problems if p[0] == "error"] == []


def test_changed_local_number_still_fails():
    problems = integrity_problems("Take 1.5 pills.", "Prenez 15 comprimés.", get_language("fr"), CheckConfig(), True)
    assert any("1.5" in detail for severity, detail in problems if severity == "error")


def test_intro_naming_the_emergency_number_twice_passes(root):
    edit_catalog(root, "fr", _set("warning-intro/emergency-intro",
                                  "Appelez le {emergency_number} (le {emergency_number} est gratuit) si :"))
    code, report = check_json(root, "--no-outputs", "-l", "fr")
    assert errors(report) == [] and code == 0


def test_arabic_sign_with_latin_term_in_brackets_passes(root):
    edit_catalog(root, "ar", _set("warning-sign/fever", "حمى (fever)."))
    code, report = check_json(root, "--no-outputs", "-l", "ar")
    assert errors(report) == [] and code == 0


def test_labels_of_unused_tiers_are_not_required(root):
    source = root / "source" / "mini.md"
    text = source.read_text()
    source.write_text(text[: text.index("::: warnings watch")])
    assert run(root, "extract").exit_code == 0
    assert run(root, "update", "-l", "fr").exit_code == 0
    pot = (root / "locales" / "mini.pot").read_text()
    assert 'msgctxt "label/watch"' not in pot and 'msgctxt "label/urgent"' in pot
    code, report = check_json(root, "--no-outputs", "-l", "fr")
    assert errors(report) == [] and code == 0


def test_report_leads_with_the_cause(root, cli):
    edit_catalog(root, "fr", _set("warning-sign/fever", ""))
    result = cli(root, "check", "-l", "fr")
    assert result.exit_code == 1
    lines = result.output.splitlines()
    cause = next(i for i, line in enumerate(lines) if "warning-sign/fever" in line and "not translated" in line)
    assert "locales/fr/LC_MESSAGES/mini.po:" in lines[cause]
    following = lines[cause + 1: cause + 5]
    assert all(line.startswith("      so ") for line in following), lines
    assert "following from 1 cause(s)" in result.output


def _variations():
    import tomllib
    from pathlib import Path

    path = Path(__file__).parent / "fixtures" / "gate" / "correct_variations.toml"
    return tomllib.loads(path.read_text(encoding="utf-8"))["variation"]


@pytest.mark.parametrize("variation", _variations(), ids=lambda v: f"{v['language']}-{v['kind']}-{v['translation'][:12]}")
def test_correct_variations_raise_no_error(variation):
    from handout_pipeline.checks.content import LanguageIdentifier, safety_text_problems
    from handout_pipeline.languages import LANGUAGES

    language = get_language(variation["language"])
    identifier = LanguageIdentifier(tuple(LANGUAGES.values()))
    problems = safety_text_problems(variation["english"], variation["translation"], language, identifier,
                                    label=variation.get("label", False))
    problems += [d for s, d in integrity_problems(variation["english"], variation["translation"], language,
                                                  CheckConfig(), True) if s == "error"]
    assert problems == []


def test_synthesis_failure_is_a_failed_output_not_a_traceback(root, monkeypatch):
    from handout_pipeline.writers import audio_synth

    def silent(*args, **kwargs):
        raise audio_synth.SynthesisError("eSpeak NG produced silence for '.'")
    monkeypatch.setattr(audio_synth, "render", silent)
    result = run(root, "build", "-j", "1", "-l", "fr", "-f", "mp3")
    assert result.exit_code != 0 and "Traceback" not in result.output
    assert "speech synthesis failed: eSpeak NG produced silence" in result.output
    assert not (root / "output" / "mini" / "fr" / "mini.fr.mp3").exists()
