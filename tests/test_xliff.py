"""XLIFF 1.2 export/import for CAT tools: stable IDs, notes, tier and source kept; a round trip loses nothing; an
imported safety translation is unreviewed until approved; a bad file is one line, exit 2, nothing written."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from babel.messages.catalog import Message
from lxml import etree

from handout_pipeline.i18n.catalogs import load_catalog, render
from handout_pipeline.i18n.units import units
from handout_pipeline.languages import get_language
from handout_pipeline.reader import read_handout

from helpers import po_file

xliff = pytest.importorskip("translate.storage.xliff")
NS = {"x": "urn:oasis:names:tc:xliff:document:1.2"}
LANGS = ["fr", "ar", "zh_Hans", "pa", "tl"]
REVIEWER = "Dr Ana Ruiz, medical translator"


def entries(path: Path) -> list[tuple]:
    """Everything a PO entry holds, obsolete ones included."""
    catalog = load_catalog(path)
    return [(m.context, m.id, m.string, sorted(m.flags), m.user_comments, m.auto_comments, m.locations,
             m.previous_id, obsolete) for obsolete, group in ((False, list(catalog)), (True, catalog.obsolete.values()))
            for m in group]


def all_catalogs(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.glob("locales/**/*.po*"))} | \
        {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.glob("locales/**/*.review.toml"))}


def export(cli, root: Path, code: str, tmp_path: Path) -> Path:
    out = tmp_path / f"mini.{code}.xlf"
    result = cli(root, "xliff", "export", "-l", code, "-o", out)
    assert result.exit_code == 0, result.output
    assert f"wrote {out} (30 units)" in result.stdout
    return out


def tool_edit(path: Path, edits: dict[str, str], state: str | None = None, approved: str | None = None) -> None:
    """What a CAT tool does: load the file, type new targets, save (here through translate-toolkit, as Weblate)."""
    store = xliff.xlifffile.parsefile(str(path))
    for unit in store.units:
        ident = unit.xmlelement.get("id")
        if ident in edits:
            unit.settarget(edits[ident])
            if state:
                unit.getlanguageNode(lang=None, index=1).set("state", state)
            if approved:
                unit.xmlelement.set("approved", approved)
    path.write_bytes(bytes(store))


def message(path: Path, context: str):
    return next(m for m in load_catalog(path) if m.context == context)


def one_line_error(result, *words: str) -> str:
    assert result.exit_code == 2, (result.exit_code, result.output)
    assert result.stderr.startswith("error: ") and result.stderr.count("\n") == 1, result.stderr
    assert "Traceback" not in result.output
    for word in words:
        assert word in result.stderr, result.stderr
    return result.stderr


def test_export_keeps_the_id_source_tier_notes_and_location_of_every_message(mini_root, cli, tmp_path):
    out = export(cli, mini_root, "fr", tmp_path)
    doc = etree.parse(str(out))
    file_node = doc.find("x:file", NS)
    assert doc.getroot().get("version") == "1.2"
    assert (file_node.get("original"), file_node.get("source-language"), file_node.get("target-language")) == \
        ("mini", "en", "fr")
    catalog = load_catalog(po_file(mini_root, "fr"))
    tus = {tu.get("id"): tu for tu in doc.iterfind(".//x:trans-unit", NS)}
    expected = list(units(read_handout(mini_root / "source" / "mini.md")))
    assert list(tus) == [u.context for u in expected]  # every message, in reading order
    for unit in expected:
        tu = tus[unit.context]
        assert tu.get("resname") == unit.context
        assert tu.findtext("x:source", namespaces=NS) == unit.msgid
        assert tu.findtext("x:target", namespaces=NS) == catalog.get(unit.msgid, unit.context).string
        notes = [n.text for n in tu.iterfind("x:note", NS) if n.get("from") == "developer"]
        assert notes == list(unit.notes)
        contexts = {c.get("context-type"): c.text for c in tu.iterfind("x:context-group/x:context", NS)}
        assert contexts["sourcefile"] == "source/mini.md"
        if unit.line:
            assert contexts["linenumber"] == str(unit.line)
        if unit.safety_critical:
            assert contexts["x-handout-tier"] == unit.tier.value
            assert contexts["x-handout-safety"] == "SAFETY-CRITICAL"
            if not unit.context.startswith("label/"):
                assert "SAFETY-CRITICAL" in " ".join(notes)
            assert contexts["x-handout-review"].startswith("not yet approved")
        else:
            assert "x-handout-tier" not in contexts
    fever = tus["warning-sign/fever"]
    assert fever.find("x:target", NS).get("state") == "translated"
    assert "source-sha" not in etree.tostring(fever, encoding="unicode")  # the stamp is for the gate only


def _unusual_catalog(root: Path) -> None:
    """Give the French catalog what a real one has: fuzzy with previous English, untranslated, a translator
    comment, a Weblate flag, an obsolete entry."""
    path = po_file(root, "fr")
    catalog = load_catalog(path, get_language("fr"))
    pills = next(m for m in catalog if m.context == "item/pills")
    pills.flags.add("fuzzy")
    pills.previous_id = ["Take the pills."]
    next(m for m in catalog if m.context == "heading/medicines").string = ""
    title = next(m for m in catalog if m.context == "title")
    title.user_comments.append("Reviewed with the clinic's glossary.")
    title.flags.add("ignore-same")
    catalog.obsolete[("Old text.", "paragraph/old")] = Message("Old text.", "Ancien texte.", context="paragraph/old")
    path.write_bytes(render(catalog))


@pytest.mark.parametrize("code", LANGS)
def test_round_trip_without_edits_loses_nothing(mini_root, cli, tmp_path, code):
    if code == "fr":
        _unusual_catalog(mini_root)
    before_entries, before = entries(po_file(mini_root, code)), all_catalogs(mini_root)
    out = export(cli, mini_root, code, tmp_path)
    tool_edit(out, {})  # loaded and saved by a tool, nothing typed
    result = cli(mini_root, "xliff", "import", out)
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith(f"unchanged locales/{code}/LC_MESSAGES/mini.po: 0 translation(s) taken")
    assert entries(po_file(mini_root, code)) == before_entries
    assert all_catalogs(mini_root) == before


def test_round_trip_keeps_fuzzy_untranslated_and_obsolete_entries(mini_root, cli, tmp_path):
    _unusual_catalog(mini_root)
    out = export(cli, mini_root, "fr", tmp_path)
    doc = etree.parse(str(out))
    pills = doc.find(".//x:trans-unit[@id='item/pills']", NS)
    assert pills.find("x:target", NS).get("state") == "needs-review-translation" and pills.get("approved") == "no"
    assert doc.find(".//x:trans-unit[@id='heading/medicines']/x:target", NS) is None
    previous = {c.get("context-type"): c.text for c in pills.iterfind("x:context-group/x:context", NS)}
    assert previous["x-handout-previous-english"] == "Take the pills."
    title_notes = [n.text for n in doc.iterfind(".//x:trans-unit[@id='title']/x:note", NS)]
    assert "Reviewed with the clinic's glossary." in title_notes
    po = po_file(mini_root, "fr")
    before = entries(po)
    result = cli(mini_root, "xliff", "import", out)
    assert result.exit_code == 0 and "1 left untranslated in the file" in result.stdout, result.output
    assert entries(po) == before
    assert any(e[0] == "paragraph/old" and e[-1] for e in before)  # the obsolete entry was there, and stayed


def test_translation_edited_in_the_tool_comes_back_and_nothing_else_changes(mini_root, cli, tmp_path):
    po = po_file(mini_root, "fr")
    before = {e[0]: e for e in entries(po)}
    out = export(cli, mini_root, "fr", tmp_path)
    tool_edit(out, {"item/pills": "Prenez tous vos comprimés."})
    tool_edit(out, {"heading/medicines": "Vos médicaments"}, state="needs-review-translation")
    result = cli(mini_root, "xliff", "import", out)
    assert result.exit_code == 0, result.output
    assert "updated locales/fr/LC_MESSAGES/mini.po: 2 translation(s) taken, 28 unchanged" in result.stdout
    assert "safety" not in result.stdout
    after = {e[0]: e for e in entries(po)}
    assert message(po, "item/pills").string == "Prenez tous vos comprimés." and not message(po, "item/pills").fuzzy
    assert message(po, "heading/medicines").string == "Vos médicaments" and message(po, "heading/medicines").fuzzy
    assert {k: v for k, v in after.items() if k not in ("item/pills", "heading/medicines")} == \
        {k: v for k, v in before.items() if k not in ("item/pills", "heading/medicines")}
    # A second import of the same file changes nothing more.
    again = cli(mini_root, "xliff", "import", out)
    assert again.exit_code == 0 and again.stdout.startswith("unchanged") and "0 translation(s) taken" in again.stdout


def test_imported_safety_translation_is_unreviewed_until_approved(mini_root, cli, tmp_path):
    with open(mini_root / "handout.toml", "a", encoding="utf-8") as handle:
        handle.write("\n[check]\nrequire_review = true\n")
    assert cli(mini_root, "review", "approve", "-l", "fr", "--by", REVIEWER).exit_code == 0
    record = po_file(mini_root, "fr").with_name("mini.review.toml")
    record_before = record.read_bytes()
    out = export(cli, mini_root, "fr", tmp_path)
    assert "approved by Dr Ana Ruiz" in out.read_text(encoding="utf-8")
    # The tool says final and approved: that is the translator's word, not a clinical sign-off.
    tool_edit(out, {"warning-sign/fever": "Une forte fièvre."}, state="final", approved="yes")
    result = cli(mini_root, "xliff", "import", out)
    assert result.exit_code == 0, result.output
    assert "1 safety translation(s) changed and now unreviewed (warning-sign/fever)" in result.stdout
    assert "handout review approve" in result.stdout
    assert record.read_bytes() == record_before  # nothing approved by the import
    po = po_file(mini_root, "fr")
    fever = message(po, "warning-sign/fever")
    assert fever.string == "Une forte fièvre." and not fever.fuzzy
    from handout_pipeline.review.records import digest
    assert f"source-sha: {digest('A fever.')} translation-sha: {digest('Une forte fièvre.')}" in fever.user_comments
    checked = cli(mini_root, "check", "--no-outputs", "--format", "json", "-l", "fr")
    assert checked.exit_code == 1
    errors = {f["message_id"]: f["detail"] for f in json.loads(checked.stdout)["findings"] if f["severity"] == "error"}
    assert list(errors) == ["warning-sign/fever"] and "translation changed" in errors["warning-sign/fever"]
    stats = json.loads(cli(mini_root, "stats", "--format", "json", "-l", "fr").stdout)[0]
    assert (stats["reviewed"], stats["unreviewed"]) == (10, 1)
    # The reviewer approves it: the gate passes again.
    assert cli(mini_root, "review", "approve", "-l", "fr", "--by", REVIEWER).exit_code == 0
    assert cli(mini_root, "check", "--no-outputs", "-l", "fr").exit_code == 0


@pytest.mark.parametrize("tag, code", [("fr-FR", "fr"), ("fr_CA", "fr"), ("zh-CN", "zh_Hans"), ("zh-Hans", "zh_Hans"),
                                       ("PA", "pa")])
def test_target_language_as_cat_tools_write_it(mini_root, cli, tmp_path, tag, code):
    out = export(cli, mini_root, code, tmp_path)
    out.write_text(out.read_text(encoding="utf-8").replace(f'target-language="{get_language(code).tag}"',
                                                           f'target-language="{tag}"', 1), encoding="utf-8")
    result = cli(mini_root, "xliff", "import", out)
    assert result.exit_code == 0, result.output
    assert f"locales/{code}/LC_MESSAGES/mini.po" in result.stdout


def test_segments_of_trados_and_memoq_are_joined(mini_root, cli, tmp_path):
    out = export(cli, mini_root, "fr", tmp_path)
    text = out.read_text(encoding="utf-8")
    old = "<target state=\"translated\">Reposez votre genou pendant **24 heures**. Ne courez *pas*.</target>"
    assert old in text
    new = ('<target state="translated"><mrk mtype="seg" mid="1">Reposez votre genou pendant **24 heures**.</mrk> '
           '<mrk mtype="seg" mid="2">Ne courez *jamais*.</mrk></target>')
    out.write_text(text.replace(old, new), encoding="utf-8")
    assert cli(mini_root, "xliff", "import", out).exit_code == 0
    assert message(po_file(mini_root, "fr"), "paragraph/rest").string == \
        "Reposez votre genou pendant **24 heures**. Ne courez *jamais*."


def _replace(old: str, new: str):
    def edit(text: str) -> str:
        assert old in text, old
        return text.replace(old, new, 1)
    return edit


BILLION_LAUGHS = ('<?xml version="1.0"?>\n<!DOCTYPE xliff [\n<!ENTITY a "aaaaaaaaaa">\n'
                  '<!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">\n]>\n<xliff version="1.2" '
                  'xmlns="urn:oasis:names:tc:xliff:document:1.2"><file original="mini" source-language="en" '
                  'target-language="fr" datatype="plaintext"><body><trans-unit id="title"><source>&b;</source>'
                  '</trans-unit></body></file></xliff>\n')
EXTERNAL = BILLION_LAUGHS.replace('<!ENTITY a "aaaaaaaaaa">', '<!ENTITY a SYSTEM "file:///etc/passwd">')

BAD_FILES = [
    ("broken XML", lambda t: t[: t.index("<trans-unit", 2000)] + "<trans-unit id=\"x\">\n<source>oops</target>",
     ["is not well-formed XML", "mismatched tag", "save it again"]),
    ("unknown unit ID", _replace('id="item/pills"', 'id="item/tablets"'),
     ["unit 'item/tablets' is not a message of handout mini", "export a new file"]),
    ("wrong target language", _replace('target-language="fr"', 'target-language="de"'),
     ["target-language 'de' is not a translated language", "fr, ar, zh-Hans, pa, tl"]),
    ("English target", _replace('target-language="fr"', 'target-language="en-US"'),
     ["target-language 'en-US' is not a translated language"]),
    ("no target language", _replace(' target-language="fr"', ""), ["has no target-language"]),
    ("unknown handout", _replace('original="mini"', 'original="knee"'),
     ["is for handout 'knee', which this content root does not have"]),
    ("English changed since export", _replace("<source>A fever.</source>", "<source>A high fever.</source>"),
     ["the English of warning-sign/fever is not what the catalog holds now", "export a new file"]),
    ("unit twice", lambda t: t.replace('id="item/pills"', 'id="item/pills-morning"', 1),
     ["unit 'item/pills-morning' appears twice"]),
    ("markup in a target", _replace("<target state=\"translated\">De la fièvre.</target>",
                                    '<target state="translated">De la <g id="1">fièvre</g>.</target>'),
     ["the translation of warning-sign/fever holds XLIFF markup <g>", "handout text is plain"]),
    ("XLIFF 2.0", lambda t: '<?xml version="1.0"?>\n<xliff xmlns="urn:oasis:names:tc:xliff:document:2.0" '
                            'version="2.0" srcLang="en" trgLang="fr"><file id="f1"/></xliff>\n',
     ["is XLIFF 2.0", "export XLIFF 1.2"]),
    ("not XLIFF", lambda t: "<html><body>hello</body></html>\n", ["is not an XLIFF 1.2 file"]),
    ("entity expansion (billion laughs)", lambda t: BILLION_LAUGHS, ["declares a DTD or an entity", "refused"]),
    ("external entity", lambda t: EXTERNAL, ["declares a DTD or an entity"]),
    ("not UTF-8 text", lambda t: t.replace('encoding="UTF-8"', 'encoding="UTF-8"').encode("utf-16"),
     ["is not well-formed XML"]),
    ("empty file", lambda t: "", ["is not well-formed XML"]),
]


@pytest.mark.parametrize("damage, words", [b[1:] for b in BAD_FILES], ids=[b[0] for b in BAD_FILES])
def test_bad_xliff_is_one_line_exit_2_and_nothing_written(mini_root, cli, tmp_path, damage, words):
    out = export(cli, mini_root, "fr", tmp_path)
    tool_edit(out, {"item/pills": "Prenez tous vos comprimés."})  # a good edit that must not be half-imported
    damaged = damage(out.read_text(encoding="utf-8"))
    out.write_bytes(damaged if isinstance(damaged, bytes) else damaged.encode("utf-8"))
    before = all_catalogs(mini_root)
    line = one_line_error(cli(mini_root, "xliff", "import", out), *words)
    assert str(out) in line
    assert all_catalogs(mini_root) == before


def test_bad_xliff_names_the_line(mini_root, cli, tmp_path):
    out = export(cli, mini_root, "fr", tmp_path)
    text = out.read_text(encoding="utf-8").replace('id="item/pills"', 'id="item/tablets"')
    out.write_text(text, encoding="utf-8")
    line = next(i for i, t in enumerate(text.splitlines(), 1) if 'id="item/tablets"' in t)
    one_line_error(cli(mini_root, "xliff", "import", out), f"{out}:{line}: unit 'item/tablets'")
    broken = text.replace("<source>A fever.</source>", "<source>A fever.</sourc>")
    out.write_text(broken, encoding="utf-8")
    line = next(i for i, t in enumerate(broken.splitlines(), 1) if "</sourc>" in t)
    one_line_error(cli(mini_root, "xliff", "import", out), f"{out}:{line}: is not well-formed XML")


def test_po2xliff_output_is_refused_saying_why(mini_root, cli, tmp_path):
    """translate-toolkit's po2xliff drops msgctxt (its units are numbered): importing that would orphan every
    translation, so it is refused with what to do instead."""
    out = tmp_path / "po2xliff.xlf"
    subprocess.run([sys.executable, "-m", "translate.convert.po2xliff", str(po_file(mini_root, "fr")), str(out)],
                   check=True, capture_output=True)
    text = out.read_text(encoding="utf-8")
    out.write_text(text.replace('original="' + str(po_file(mini_root, "fr")) + '"', 'original="mini"'),
                   encoding="utf-8")
    before = all_catalogs(mini_root)
    one_line_error(cli(mini_root, "xliff", "import", out), "was not made by 'handout xliff export'", "po2xliff")
    assert all_catalogs(mini_root) == before


def test_export_refuses_english_and_a_missing_catalog(mini_root, cli, tmp_path):
    one_line_error(cli(mini_root, "xliff", "export", "-l", "en", "-o", tmp_path / "x.xlf"),
                   "English is the source language: there is no translation to export")
    po_file(mini_root, "pa").unlink()
    one_line_error(cli(mini_root, "xliff", "export", "-l", "pa", "-o", tmp_path / "x.xlf"),
                   "catalog not found", "handout update")
    assert not (tmp_path / "x.xlf").exists()


def test_round_trip_of_every_shipped_language_changes_no_byte(tmp_path, cli):
    repo = Path(__file__).parents[1]
    root = tmp_path / "content"
    for name in ("source", "locales"):
        shutil.copytree(repo / name, root / name)
    shutil.copy(repo / "handout.toml", root / "handout.toml")
    before = all_catalogs(root)
    codes = sorted(p.parent.parent.name for p in root.glob("locales/*/LC_MESSAGES/*.po"))
    assert len(codes) == 10
    for code in codes:
        out = tmp_path / f"{code}.xlf"
        assert cli(root, "xliff", "export", "-l", code, "-o", out).exit_code == 0
        tool_edit(out, {})
        result = cli(root, "xliff", "import", out)
        assert result.exit_code == 0 and result.stdout.startswith("unchanged"), (code, result.output)
    assert all_catalogs(root) == before
