"""A second, real-world shaped handout (tests/fixtures/lead, 'When to Call for Help' with its Spanish): a lead
paragraph before the first section, a note inside a warning block after its list (safety-critical like the
signs), only two tiers used, a declared region fact. Built in all four formats and gated."""

import hashlib
import json
import shutil
from pathlib import Path

import pytest

from helpers import FIXTURES, check_json, edit_catalog, message, run

ID = "when-to-call"
NOTE = "Si no está seguro, llame al 911 de todos modos. No maneje usted mismo."
LEAD = "Esta hoja le dice cuándo pedir ayuda después de su consulta. Guárdela donde pueda encontrarla."

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    root = tmp_path_factory.mktemp("lead") / "lead"
    shutil.copytree(FIXTURES / "lead", root, ignore=shutil.ignore_patterns("output"))
    result = run(root, "build", "-j", "2")
    assert result.exit_code == 0, result.output
    return root


@pytest.fixture
def root(built, tmp_path):
    copy = tmp_path / "lead"
    shutil.copytree(built, copy)
    return copy


def out(root: Path, code: str, ext: str) -> Path:
    return root / "output" / ID / code / f"{ID}.{code}.{ext}"


def test_all_four_formats_built_and_the_gate_passes(built):
    for code in ("en", "es"):
        for ext in ("txt", "docx", "pdf", "mp3"):
            assert out(built, code, ext).stat().st_size > 0
    code, report = check_json(built)
    assert code == 0, [f for f in report["findings"] if f["severity"] == "error"]


def test_lead_and_note_are_where_a_reader_meets_them(built):
    import subprocess
    txt = out(built, "es", "txt").read_text(encoding="utf-8")
    lines = [line for line in txt.splitlines() if line.strip()]
    assert lines[1:3] == ["Cuándo pedir ayuda", LEAD]       # the lead right under the title (line 0: draft mark)
    block = lines[lines.index("EMERGENCIA: Llame al 911 ahora si:"):][:5]
    assert block[-1] == NOTE                                  # the note closes its tier block, after the signs
    pdf = subprocess.run(["pdftotext", "-layout", str(out(built, "es", "pdf")), "-"], capture_output=True,
                         text=True, check=True).stdout
    assert "Si no está seguro, llame al 911 de todos modos." in pdf and "Esta hoja le dice" in pdf
    from docx import Document
    paragraphs = [p.text for table in Document(out(built, "es", "docx")).tables for p in table.cell(0, 0).paragraphs]
    assert NOTE in paragraphs                                 # inside the tier's box (a one-cell table)


def test_narration_says_the_lead_and_the_note_in_the_tier_chapter(built):
    from handout_pipeline.project import Project
    from handout_pipeline.writers.audio import narration
    project = Project.open(built)
    cues = narration(project.localized(ID, project.config.language("es")).handout)
    texts = [c.text for c in cues]
    assert texts[1] == LEAD
    note = next(c for c in cues if c.text.startswith("Si no está seguro"))
    sign = next(c for c in cues if c.text == "Se desmayó.")
    assert note.tier == sign.tier is not None and texts.index(note.text) == texts.index(sign.text) + 1
    assert "9 1 1" in note.text


@pytest.mark.parametrize("change", ["empty", "fuzzy"])
def test_an_untranslated_or_fuzzy_note_blocks_the_language(root, change):
    def edit(catalog):
        note = message(catalog, "warning-note/not-sure")
        if change == "empty":
            note.string = ""
        else:
            note.flags.add("fuzzy")
    edit_catalog(root, "es", edit, handout=ID)
    result = run(root, "build", "-l", "es", "-f", "txt", "--force")
    assert result.exit_code == 1 and "warning-note/not-sure" in result.output
    code, report = check_json(root, "--no-outputs")
    assert code == 1
    assert any(f["message_id"] == "warning-note/not-sure" and f["severity"] == "error" for f in report["findings"])


def test_a_note_removed_from_an_output_fails_the_output_gate(root):
    path = out(root, "es", "txt")
    path.write_text(path.read_text(encoding="utf-8").replace(NOTE + "\n", ""), encoding="utf-8")
    record = root / "output" / ".cache" / ID / "es.txt.json"   # make the build record agree with the edit
    data = json.loads(record.read_text())
    data["output_sha256"] = hashlib.sha256(path.read_bytes()).hexdigest()
    record.write_text(json.dumps(data))
    code, report = check_json(root, "-l", "es")
    assert code == 1
    assert any(f["check"] == "outputs" and f["message_id"] == "warning-note/not-sure"
               and "warning note missing" in f["detail"] for f in report["findings"]), report["findings"]


def test_a_note_changed_in_translation_is_held_to_the_safety_rules(root):
    # A safety message may not add a number: the same rule as a sign.
    edit_catalog(root, "es", lambda c: setattr(message(c, "warning-note/not-sure"), "string",
                                               "Si no está seguro, llame al 911 o al 112 de todos modos."),
                 handout=ID)
    code, report = check_json(root, "--no-outputs")
    assert code == 1
    assert any(f["message_id"] == "warning-note/not-sure" and "112" in f["detail"] for f in report["findings"])


def test_labels_of_unused_tiers_may_stay_empty(root):
    """The handout has no 'watch' block: a catalog holding an empty label/watch (copied from another handout)
    is not blocked, while an empty label of a tier it uses is."""
    edit_catalog(root, "es", lambda c: c.add("Watch closely", "", context="label/watch"), handout=ID)
    assert 'msgctxt "label/watch"' in (root / "locales/es/LC_MESSAGES/when-to-call.po").read_text(encoding="utf-8")
    result = run(root, "build", "-l", "es", "-f", "txt", "--force")
    assert result.exit_code == 0, result.output
    edit_catalog(root, "es", lambda c: setattr(message(c, "label/urgent"), "string", ""), handout=ID)
    result = run(root, "build", "-l", "es", "-f", "txt", "--force")
    assert result.exit_code == 1 and "label/urgent" in result.output


# ---- the reader: what a real handout needs, and one clear line for each mistake ----------------------------

HEAD = """---
id: x
title: "When to Call for Help"
language: en
audience: Adults
last_reviewed: 2026-11-20
attribution: Written for tests.
---
"""
BODY = """
## Get help {#help}

::: warnings emergency
Call {emergency_number} now if: {#intro}

- You have chest pain. {#chest-pain}
"""


def _read(tmp_path, text):
    from handout_pipeline.reader import read_handout
    path = tmp_path / "x.md"
    path.write_text(HEAD + text, encoding="utf-8")
    return read_handout(path)


def test_lead_paragraphs_and_notes_are_read(tmp_path):
    handout = _read(tmp_path, "\nUse this sheet after your visit. {#about}\n\nKeep it near the phone. {#keep}\n"
                    + BODY + "\nIf you are not sure, call anyway. {#not-sure}\n\nDo not drive. {#no-drive when=nurse_line}\n:::\n")
    assert [p.id for p in handout.lead] == ["about", "keep"]
    block = handout.sections[0].blocks[0]
    assert [n.id for n in block.notes] == ["not-sure", "no-drive"] and block.notes[1].when == "nurse_line"
    from handout_pipeline.i18n.units import units
    safety = {u.context: u.tier for u in units(handout) if u.safety_critical}
    assert safety["warning-note/not-sure"].value == "emergency"
    assert "paragraph/about" in {u.context for u in units(handout)}


@pytest.mark.parametrize("text, line, words", [
    ("\n- A list first. {#list}\n" + BODY + ":::\n", 10, "a '-' list before the first section heading"),
    ("\n### Sub {#sub}\n" + BODY + ":::\n", 10, "a subheading before the first section heading"),
    # A note typed right under the last sign, with no blank line: Markdown joins it to that sign.
    (BODY + "If you are not sure, call anyway. {#not-sure}\n:::\n", 16,
     "this line was joined to the '-' item on line 15"),
    # A second paragraph line typed with no blank line: joined to the paragraph above.
    ("\nUse this sheet. {#about}\nKeep it near the phone. {#keep}\n" + BODY + ":::\n", 11,
     "this line was joined to the text on line 10"),
    (BODY + "\nA note. {#n}\n\n- Another sign. {#another}\n:::\n", 19, "after the list of warning signs"),
])
def test_source_mistakes_are_one_line_with_what_to_do(tmp_path, text, line, words):
    from handout_pipeline.errors import HandoutError
    with pytest.raises(HandoutError) as err:
        _read(tmp_path, text)
    message_ = str(err.value)
    assert f"x.md:{line}:" in message_ and words in message_, message_
    assert "\n" not in message_ and " — " in message_   # one line, with what to do after the dash
