"""Clinical review: sign-off records, the stale-after-msgmerge hole, worksheets, approve's refusals."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner

from handout_pipeline.cli import main
from handout_pipeline.i18n.catalogs import load_catalog, render
from handout_pipeline.languages import get_language

from helpers import copy_root, po_file

needs_gettext = pytest.mark.skipif(not (shutil.which("msgmerge") and shutil.which("msgattrib")),
                                   reason="GNU gettext (msgmerge, msgattrib) is not installed")
REVIEWER = "Dr Ana Ruiz, medical translator"


def run(root: Path, *args: str):
    return CliRunner().invoke(main, ["--root", str(root), *map(str, args)])


def check(root: Path, *args: str) -> tuple[int, list[dict]]:
    result = run(root, "check", "--no-outputs", "--format", "json", "-l", "fr", *args)
    assert result.exit_code in (0, 1), result.output
    return result.exit_code, json.loads(result.stdout)["findings"]


def errors(findings: list[dict], check_name: str | None = None) -> dict[str, str]:
    return {f["message_id"]: f["detail"] for f in findings
            if f["severity"] == "error" and (check_name is None or f["check"] == check_name)}


def one_line_error(result, *contains: str) -> str:
    assert result.exit_code == 2, (result.exit_code, result.output)
    assert result.stdout == ""
    assert result.stderr.startswith("error: ") and result.stderr.count("\n") == 1, result.stderr
    assert "Traceback" not in result.stderr
    for word in contains:
        assert word in result.stderr, result.stderr
    return result.stderr


def require_review(root: Path) -> None:
    with open(root / "handout.toml", "a", encoding="utf-8") as handle:
        handle.write("\n[check]\nrequire_review = true\n")


def replace_in(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, old
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def set_translation(root: Path, context: str, value: str, code: str = "fr") -> None:
    path = po_file(root, code)
    catalog = load_catalog(path, get_language(code))
    next(m for m in catalog if m.context == context).string = value
    path.write_bytes(render(catalog))


@pytest.fixture
def root(tmp_path):
    return copy_root(tmp_path)


@pytest.fixture
def approved(root):
    require_review(root)
    result = run(root, "review", "approve", "-l", "fr", "--by", REVIEWER)
    assert result.exit_code == 0, result.output
    assert "approved 11 safety message(s)" in result.stdout
    return root


def test_approved_catalog_passes_and_unapproved_fails_only_with_require_review(root):
    code, findings = check(root)
    assert code == 0 and not errors(findings)
    require_review(root)
    code, findings = check(root)
    assert code == 1
    assert set(errors(findings, "review")) >= {"warning-sign/fever", "warning-intro/emergency-intro", "label/watch"}
    assert run(root, "review", "approve", "-l", "fr", "--by", REVIEWER).exit_code == 0
    code, findings = check(root)
    assert (code, errors(findings)) == (0, {})
    record = (po_file(root, "fr").with_name("mini.review.toml")).read_text(encoding="utf-8")
    assert 'approved_by = "Dr Ana Ruiz"' in record and 'role = "medical translator"' in record


def test_changed_translation_after_approval_fails_naming_it(approved):
    set_translation(approved, "warning-sign/fever", "Une forte fièvre.")
    code, findings = check(approved)
    assert code == 1
    assert list(errors(findings)) == ["warning-sign/fever"]
    detail = errors(findings)["warning-sign/fever"]
    assert "approved by Dr Ana Ruiz (medical translator)" in detail and "translation changed" in detail
    assert "English changed" not in detail


def test_swapped_translations_fail_both(approved):
    catalog_path = po_file(approved, "fr")
    catalog = load_catalog(catalog_path, get_language("fr"))
    fever, red = (next(m for m in catalog if m.context == c) for c in ("warning-sign/fever", "warning-sign/red-skin"))
    fever.string, red.string = red.string, fever.string
    catalog_path.write_bytes(render(catalog))
    code, findings = check(approved)
    assert code == 1
    assert set(errors(findings)) == {"warning-sign/fever", "warning-sign/red-skin"}
    assert all("translation changed" in d for d in errors(findings).values())


def test_changed_english_after_approval_fails_naming_it(approved):
    # The English is reworded and the translator translates it again: the new pair still needs a sign-off.
    replace_in(approved / "source" / "mini.md", "- A fever. {#fever}", "- A high fever. {#fever}")
    assert run(approved, "extract").exit_code == 0
    assert run(approved, "update").exit_code == 0
    set_translation(approved, "warning-sign/fever", "Une forte fièvre.")
    catalog = load_catalog(po_file(approved, "fr"), get_language("fr"))
    next(m for m in catalog if m.context == "warning-sign/fever").flags.discard("fuzzy")
    po_file(approved, "fr").write_bytes(render(catalog))
    code, findings = check(approved)
    assert code == 1
    assert list(errors(findings)) == ["warning-sign/fever"]
    assert "English changed, translation changed" in errors(findings)["warning-sign/fever"]


def test_changed_tier_after_approval_fails(approved):
    replace_in(approved / "source" / "mini.md", "::: warnings watch", "::: warnings urgent")
    assert run(approved, "extract").exit_code == 0
    assert run(approved, "update").exit_code == 0
    code, findings = check(approved)
    assert code == 1
    assert "tier changed (watch -> urgent)" in errors(findings)["warning-sign/not-better"]


def _msgmerge_then_unfuzzy(root: Path, previous: bool) -> Path:
    """The English of a sign changes; the translator merges with GNU msgmerge and clears the fuzzy mark."""
    replace_in(root / "source" / "mini.md", "- A fever. {#fever}", "- A high fever. {#fever}")
    assert run(root, "extract").exit_code == 0
    po = po_file(root, "fr")
    merged = po.with_suffix(".merged")
    cmd = ["msgmerge", "--quiet", *(["--previous"] if previous else []), str(po), str(root / "locales" / "mini.pot"),
           "-o", str(merged)]
    subprocess.run(cmd, check=True)
    text = merged.read_text(encoding="utf-8")
    assert "#, fuzzy" in text and "De la fièvre." in text  # msgmerge carried the old translation over
    subprocess.run(["msgattrib", "--clear-fuzzy", str(merged), "-o", str(po)], check=True)
    merged.unlink()
    assert "fuzzy" not in po.read_text(encoding="utf-8").split('msgctxt "warning-sign/fever"')[0].rsplit("\n\n", 1)[-1]
    return po


@needs_gettext
@pytest.mark.parametrize("previous", [True, False], ids=["with-previous", "without-previous"])
def test_msgmerge_then_unfuzzy_fails_without_require_review(root, previous):
    po = _msgmerge_then_unfuzzy(root, previous)
    assert "source-sha: " in po.read_text(encoding="utf-8")  # msgmerge and msgattrib kept the stamp
    code, findings = check(root)
    assert code == 1
    assert list(errors(findings)) == ["warning-sign/fever"]
    assert "earlier English" in errors(findings)["warning-sign/fever"]
    # `handout update` does not launder it: the old stamp stays and so does the error.
    assert run(root, "update").exit_code == 0
    assert list(errors(check(root)[1])) == ["warning-sign/fever"]


@needs_gettext
def test_msgmerge_then_unfuzzy_fails_even_when_the_stamp_was_deleted(approved):
    po = po_file(approved, "fr")
    text = po.read_text(encoding="utf-8")
    po.write_text("\n".join(line for line in text.split("\n") if not line.startswith("# source-sha:")), encoding="utf-8")
    _msgmerge_then_unfuzzy(approved, previous=False)
    code, findings = check(approved)
    assert "review record holds this translation for an earlier English" in errors(findings)["warning-sign/fever"]


@needs_gettext
def test_unstamped_catalog_msgmerge_previous_then_unfuzzy_fails(root):
    # A catalog translated by hand, never stamped: the `#|` previous msgid that msgmerge --previous writes,
    # and msgattrib --clear-fuzzy keeps, still tells.
    po = po_file(root, "fr")
    po.write_text("\n".join(line for line in po.read_text(encoding="utf-8").split("\n")
                            if not line.startswith("# source-sha:")), encoding="utf-8")
    code, findings = check(root)
    assert code == 0
    warned = [f for f in findings if f["severity"] == "warning" and "no source stamp" in f["detail"]]
    assert len(warned) == 1 and "11 safety message(s)" in warned[0]["detail"]  # one line, not eleven
    _msgmerge_then_unfuzzy(root, previous=True)
    code, findings = check(root)
    assert code == 1 and "previous English (#|)" in errors(findings)["warning-sign/fever"]


def test_update_stamps_safety_translations_made_by_hand(root):
    # Translated by hand in a PO editor, never stamped: `handout update` stamps them (README: Catalogs).
    po = po_file(root, "fr")
    po.write_text("\n".join(line for line in po.read_text(encoding="utf-8").split("\n")
                            if not line.startswith("# source-sha:")), encoding="utf-8")
    assert "source-sha:" not in po.read_text(encoding="utf-8")
    assert run(root, "update", "--check").exit_code == 1  # the missing stamps make the catalog out of date
    result = run(root, "update")
    assert result.exit_code == 0 and "updated" in result.stdout, result.output
    assert po.read_text(encoding="utf-8").count("# source-sha: ") == 11
    code, findings = check(root)
    assert code == 0 and not [f for f in findings if "no source stamp" in f["detail"]]


def test_weblate_storage_keeps_the_stamp(root):
    """Weblate stores PO files through translate-toolkit: unfuzzying there keeps translator comments."""
    pypo = pytest.importorskip("translate.storage.pypo")
    po = po_file(root, "fr")
    replace_in(po, 'msgid "A fever."\nmsgstr "De la fièvre."', '#, fuzzy\nmsgid "A fever."\nmsgstr "De la fièvre."')
    store = pypo.pofile.parsefile(str(po))
    for unit in store.units:
        if unit.isfuzzy():
            unit.markfuzzy(False)
    po.write_bytes(bytes(store))
    assert po.read_text(encoding="utf-8").count("# source-sha: ") == 11


@needs_gettext
def test_translated_again_after_msgmerge_passes_and_reviewer_can_confirm(root):
    _msgmerge_then_unfuzzy(root, previous=True)
    # The reviewer confirms that the old translation is still right for the new English.
    result = run(root, "review", "approve", "-l", "fr", "--by", REVIEWER, "--message", "fever")
    assert result.exit_code == 0, result.output
    assert check(root)[0] == 0
    # Or the translator really translates it again: a changed translation is not stale.
    root2 = root
    set_translation(root2, "warning-sign/fever", "Une forte fièvre.")
    assert check(root2)[0] == 0


def test_approve_refuses_fuzzy_empty_and_failing_and_writes_nothing(root):
    record = po_file(root, "fr").with_name("mini.review.toml")
    before = po_file(root, "fr").read_bytes()
    catalog = load_catalog(po_file(root, "fr"), get_language("fr"))
    next(m for m in catalog if m.context == "warning-sign/fever").flags.add("fuzzy")
    po_file(root, "fr").write_bytes(render(catalog))
    one_line_error(run(root, "review", "approve", "-l", "fr", "--by", REVIEWER), "warning-sign/fever", "fuzzy",
                   "mini.po:", "nothing was recorded")
    assert not record.exists()
    po_file(root, "fr").write_bytes(before)
    set_translation(root, "warning-sign/red-skin", "")
    one_line_error(run(root, "review", "approve", "-l", "fr", "--by", REVIEWER, "--message", "warning-sign/red-skin"),
                   "warning-sign/red-skin", "not translated")
    po_file(root, "fr").write_bytes(before)
    set_translation(root, "warning-intro/emergency-intro", "Appelez les secours si :")  # placeholder lost
    one_line_error(run(root, "review", "approve", "-l", "fr", "--by", REVIEWER), "warning-intro/emergency-intro",
                   "the gate reports an error", "emergency_number")
    assert not record.exists()
    po_file(root, "fr").write_bytes(before)
    # The others can still be approved by naming them.
    assert run(root, "review", "approve", "-l", "fr", "--by", REVIEWER, "--message", "fever").exit_code == 0
    assert record.exists()


@pytest.mark.parametrize("args, words", [
    (["--by", "Ana Ruiz"], ["needs a name and a role"]),
    (["--by", ", medical translator"], ["needs a name and a role"]),
    (["--by", REVIEWER, "--message", "no-such-sign"], ["'no-such-sign' is not a safety message"]),
    (["--by", REVIEWER, "--message", "title"], ["not a safety message"]),
])
def test_approve_usage_errors_are_one_line(root, args, words):
    one_line_error(run(root, "review", "approve", "-l", "fr", *args), *words)


def test_approve_accepts_commas_in_the_name_and_keeps_unchanged_approvals(root):
    result = run(root, "review", "approve", "-l", "fr", "--by", "Jane Doe, MD, clinical reviewer", "--message", "fever")
    assert result.exit_code == 0, result.output
    record = po_file(root, "fr").with_name("mini.review.toml").read_text(encoding="utf-8")
    assert 'approved_by = "Jane Doe, MD"' in record and 'role = "clinical reviewer"' in record
    result = run(root, "review", "approve", "-l", "fr", "--by", REVIEWER)
    assert "approved 10 safety message(s)" in result.stdout and "1 already approved" in result.stdout
    assert 'approved_by = "Jane Doe, MD"' in po_file(root, "fr").with_name("mini.review.toml").read_text("utf-8")


def test_unusual_text_round_trips_through_record_and_worksheet(root, tmp_path):
    # Quotes, a backslash, a leading '=' and no-break spaces: the record and the worksheet keep them exactly.
    odd = '=De la fièvre "forte" \\ «\u00a0élevée\u00a0»'
    set_translation(root, "warning-sign/fever", odd)
    require_review(root)
    assert run(root, "review", "approve", "-l", "fr", "--by", REVIEWER).exit_code == 0
    code, findings = check(root)
    assert "warning-sign/fever" not in errors(findings), errors(findings)
    sheet = tmp_path / "fr.xlsx"
    assert run(root, "review", "export", "-l", "fr", "-o", sheet).exit_code == 0
    openpyxl = pytest.importorskip("openpyxl")
    book = openpyxl.load_workbook(sheet)
    rows = {r[0].value: r for r in book["Review"].iter_rows(min_row=5)}
    assert rows["warning-sign/fever"][3].value == odd and rows["warning-sign/fever"][3].data_type == "s"
    rows["warning-sign/fever"][4].value = 'A "high" fever'
    book.save(sheet)
    result = run(root, "review", "import", sheet)
    assert result.exit_code == 0, result.output


def test_export_fill_import_keeps_every_back_translation(root, tmp_path):
    openpyxl = pytest.importorskip("openpyxl")
    sheet = tmp_path / "review.xlsx"
    result = run(root, "review", "export", "-l", "fr", "-o", sheet)
    assert result.exit_code == 0, result.output
    book = openpyxl.load_workbook(sheet)
    review = book["Review"]
    header = [c.value for c in review[4]]
    assert header == ["ID", "Tier", "English", "Translation", "Back-translation", "Comment", "Status"]
    data = list(review.iter_rows(min_row=5))
    tiers = [r[1].value for r in data]
    assert tiers[:11] == [t for t in tiers if t] and not any(tiers[11:])  # safety messages first
    assert all(r[4].value in (None, "") for r in data)                    # back-translation column empty
    assert review.protection.sheet and not data[0][4].protection.locked and data[0][3].protection.locked
    filled = {}
    for index, r in enumerate(data):
        if r[3].value:
            filled[r[0].value] = r[4].value = f"back-translation {index}: {r[2].value}"
    data[0][5].value = "Check the word for 'emergency' with the team."
    book.save(sheet)
    result = run(root, "review", "import", sheet)
    assert result.exit_code == 0, result.output
    assert f"kept {len(filled)} back-translation(s) and 1 comment(s)" in result.stdout
    from handout_pipeline.review.records import load_record
    record = load_record(po_file(root, "fr").with_name("mini.review.toml"))
    assert {c: e.back_translation for c, e in record.entries.items()} == filled
    # Approval keeps the notes; a new export shows them to the next reviewer.
    assert run(root, "review", "approve", "-l", "fr", "--by", REVIEWER).exit_code == 0
    again = tmp_path / "again.xlsx"
    assert run(root, "review", "export", "-l", "fr", "-o", again).exit_code == 0
    rows = {r[0].value: r for r in openpyxl.load_workbook(again)["Review"].iter_rows(min_row=5)}
    assert {c: rows[c][4].value for c in filled} == filled
    assert rows["warning-sign/fever"][6].value.startswith("approved by Dr Ana Ruiz (medical translator)")


def test_import_refuses_an_outdated_worksheet_and_writes_nothing(root, tmp_path):
    openpyxl = pytest.importorskip("openpyxl")
    sheet = tmp_path / "review.xlsx"
    assert run(root, "review", "export", "-l", "fr", "-o", sheet).exit_code == 0
    book = openpyxl.load_workbook(sheet)
    for r in book["Review"].iter_rows(min_row=5):
        r[4].value = "something"
    book.save(sheet)
    set_translation(root, "warning-sign/fever", "Une forte fièvre.")
    one_line_error(run(root, "review", "import", sheet), "review.xlsx row", "(warning-sign/fever)",
                   "translation is not what the catalog holds now", "export a new worksheet")
    assert not po_file(root, "fr").with_name("mini.review.toml").exists()


@pytest.mark.parametrize("content, words", [
    (b"not a zip", ["is not a review worksheet"]),
    (None, ["worksheet not found"]),
])
def test_import_bad_files_are_one_line(root, tmp_path, content, words):
    path = tmp_path / "x.xlsx"
    if content is not None:
        path.write_bytes(content)
    one_line_error(run(root, "review", "import", path), *words)


def test_record_edited_by_hand_is_one_line_error(approved):
    record = po_file(approved, "fr").with_name("mini.review.toml")
    replace_in(record, 'translation = "De la fièvre."', 'translation = "De la grande fièvre."')
    one_line_error(run(approved, "check", "--no-outputs", "-l", "fr"), "mini.review.toml:", "does not match its digest")
    record.write_text("[messages\n", encoding="utf-8")
    one_line_error(run(approved, "check", "--no-outputs", "-l", "fr"), "mini.review.toml:1:", "not valid TOML")


@pytest.mark.parametrize("value", ["1", '"yes"'])
def test_require_review_must_be_true_or_false(root, value):
    with open(root / "handout.toml", "a", encoding="utf-8") as handle:
        handle.write(f"\n[check]\nrequire_review = {value}\n")
    one_line_error(run(root, "check", "--no-outputs"), "check.require_review", "must be true or false")


def test_old_translation_pasted_back_after_update_is_stale(root):
    # `handout update` empties a changed sign and keeps the old translation in a comment; pasting it back
    # unchanged is the same hole as un-fuzzying, and the stamp it kept says so.
    replace_in(root / "source" / "mini.md", "- A fever. {#fever}", "- A high fever. {#fever}")
    assert run(root, "extract").exit_code == 0 and run(root, "update").exit_code == 0
    catalog = load_catalog(po_file(root, "fr"), get_language("fr"))
    fever = next(m for m in catalog if m.context == "warning-sign/fever")
    fever.string, fever.previous_id = "De la fièvre.", []
    fever.flags.discard("fuzzy")
    po_file(root, "fr").write_bytes(render(catalog))
    assert "earlier English" in errors(check(root)[1])["warning-sign/fever"]


# --- the draft mark on outputs of unreviewed translations ----------------------------------------------------------

FR_DRAFT = "Version provisoire : pas encore relue par un traducteur médical qualifié"


def test_outputs_of_unreviewed_translations_say_draft_until_approved(root):
    import docx

    result = run(root, "build", "-j", "1", "-l", "fr", "-l", "en", "-f", "txt", "-f", "docx")
    assert result.exit_code == 0, result.output
    out = root / "output" / "mini"
    assert (out / "fr" / "mini.fr.txt").read_text(encoding="utf-8").split("\n")[0] == FR_DRAFT
    assert "Draft" not in (out / "en" / "mini.en.txt").read_text(encoding="utf-8")  # the source is not a translation
    document = docx.Document(str(out / "fr" / "mini.fr.docx"))
    assert document.paragraphs[0].text == FR_DRAFT
    section = document.sections[0]
    assert section.header.paragraphs[0].text == FR_DRAFT  # on every later page
    # page 1 shows it once (atop its body): its own header (w:titlePg) has the title, not the mark, and its
    # own footer the page number
    assert section.different_first_page_header_footer
    assert FR_DRAFT not in [p.text for p in section.first_page_header.paragraphs]
    assert section.first_page_header.paragraphs[0].text == section.header.paragraphs[1].text
    assert "NUMPAGES" in section.first_page_footer._element.xml
    assert run(root, "review", "approve", "-l", "fr", "--by", REVIEWER).exit_code == 0
    result = run(root, "build", "-j", "1", "-l", "fr", "-f", "txt", "-f", "docx")
    assert result.exit_code == 0 and "2 built" in result.stdout, result.output  # the approval is an input
    assert FR_DRAFT not in (out / "fr" / "mini.fr.txt").read_text(encoding="utf-8")
    document = docx.Document(str(out / "fr" / "mini.fr.docx"))
    assert FR_DRAFT not in [p.text for p in document.paragraphs + document.sections[0].header.paragraphs]
    assert not document.sections[0].different_first_page_header_footer  # no draft: one header for all pages


def test_draft_mark_is_spoken_first_and_on_the_pdf_text_layer(tmp_path):
    from dataclasses import replace as dc_replace

    from handout_pipeline.project import Project
    from handout_pipeline.writers import audio, pdf

    from helpers import FIXTURES, localized

    handout, ctx = localized(Project.open(FIXTURES / "mini"), "fr")
    draft = dc_replace(ctx, draft=True)
    assert audio.narration_script(handout, draft)[0] == FR_DRAFT
    assert FR_DRAFT not in audio.narration_script(handout, ctx)
    path = tmp_path / "fr.pdf"
    path.write_bytes(pdf.write(handout, draft))
    pages = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True, check=True).stdout
    pages = [" ".join(p.split()) for p in pages.split("\f") if p.strip()]
    assert len(pages) >= 2 and all(p.startswith(FR_DRAFT) for p in pages), pages  # on every page, as text
    plain_pdf = tmp_path / "plain.pdf"
    plain_pdf.write_bytes(pdf.write(handout, ctx))
    assert FR_DRAFT not in subprocess.run(["pdftotext", str(plain_pdf), "-"], capture_output=True, text=True).stdout


def test_readme_record_example_is_what_approve_writes(root):
    import re
    import tomllib

    readme = (Path(__file__).parents[1] / "README.md").read_text(encoding="utf-8")
    example = tomllib.loads(re.search(r"```toml\n(\[messages\.\"warning-sign/fever\"\].*?)```", readme, re.S).group(1))
    assert run(root, "review", "approve", "-l", "fr", "--by", REVIEWER, "--message", "fever").exit_code == 0
    written = tomllib.loads(po_file(root, "fr").with_name("mini.review.toml").read_text(encoding="utf-8"))
    fever = written["messages"]["warning-sign/fever"]
    shown = example["messages"]["warning-sign/fever"]
    for key in ("tier", "english", "english_sha256", "translation", "translation_sha256", "approved_by", "role"):
        assert fever[key] == shown[key], key
    assert set(fever) <= set(shown)


def test_export_and_approve_of_a_language_without_catalog_are_one_line(root):
    po_file(root, "tl").unlink()
    one_line_error(run(root, "review", "export", "-l", "tl"), "locales/tl/LC_MESSAGES/mini.po", "catalog not found")
    one_line_error(run(root, "review", "approve", "-l", "tl", "--by", REVIEWER), "catalog not found")
    one_line_error(run(root, "review", "export", "-l", "en"), "English is the source language")
