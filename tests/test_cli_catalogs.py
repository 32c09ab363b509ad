"""`handout extract`, `update` and `stats` on a copied content root, and the one-line errors they give."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from handout_pipeline.i18n.catalogs import STALE_NOTE, load_catalog
from handout_pipeline.languages import get_language

REPO = Path(__file__).parents[1]
MINI_LANGUAGES = ["fr", "ar", "zh_Hans", "pa", "tl"]
needs_gettext = pytest.mark.skipif(not (shutil.which("msgfmt") and shutil.which("msgcmp")),
                                   reason="GNU gettext (msgfmt, msgcmp) is not installed")


def snapshot(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def po(root: Path, code: str, handout: str = "mini") -> Path:
    return root / "locales" / code / "LC_MESSAGES" / f"{handout}.po"


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, old
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def assert_one_line_error(result, starts: str, contains: str = "") -> str:
    assert result.exit_code == 2, (result.exit_code, result.output, result.exception)
    assert isinstance(result.exception, SystemExit)
    assert result.stdout == ""
    assert result.stderr.startswith("error: " + starts), result.stderr
    assert result.stderr.count("\n") == 1 and "Traceback" not in result.stderr
    assert contains in result.stderr
    assert " — " in result.stderr  # every error says what to do
    return result.stderr


# --- extract and update -----------------------------------------------------------------------------------------


def test_extract_then_update_on_the_fixture_changes_nothing(mini_root, cli):
    before = snapshot(mini_root)
    extract = cli(mini_root, "extract")
    assert (extract.exit_code, extract.stdout) == (0, "unchanged locales/mini.pot (30 messages)\n")
    update = cli(mini_root, "update")
    assert update.exit_code == 0
    assert update.stdout.splitlines() == [f"unchanged locales/{c}/LC_MESSAGES/mini.po" for c in MINI_LANGUAGES]
    assert snapshot(mini_root) == before


@needs_gettext
def test_extract_then_update_on_the_shipped_content_changes_nothing(tmp_path, cli):
    root = tmp_path / "content"
    root.mkdir()
    shutil.copy(REPO / "handout.toml", root)
    for folder in ("source", "locales"):
        shutil.copytree(REPO / folder, root / folder)
    before = snapshot(root)
    assert cli(root, "extract").exit_code == 0
    update = cli(root, "update")
    assert update.exit_code == 0, update.stderr
    changed = [name for name, data in snapshot(root).items() if before.get(name) != data]
    assert changed == [], "run 'handout extract && handout update' and commit the result"
    pot = root / "locales" / "medial-branch-neurotomy.pot"
    stats = json.loads(cli(root, "stats", "--format", "json").stdout)
    for row in stats:
        path = po(root, row["language"].replace("-", "_"), "medial-branch-neurotomy")
        check = subprocess.run(["msgfmt", "--check", "-o", "/dev/null", str(path)], capture_output=True, text=True)
        assert check.returncode == 0, check.stderr
        if row["translated"] == row["total"]:
            compare = subprocess.run(["msgcmp", "-N", str(path), str(pot)], capture_output=True, text=True)
            assert compare.returncode == 0, compare.stderr


def test_extract_writes_the_template_and_update_creates_the_catalogs(mini_root, cli):
    shutil.rmtree(mini_root / "locales")
    extract = cli(mini_root, "extract")
    assert (extract.exit_code, extract.stdout) == (0, "wrote locales/mini.pot (30 messages)\n")
    template = load_catalog(mini_root / "locales" / "mini.pot")
    assert len(template) == 30 and all(m.context for m in template if m.id)
    update = cli(mini_root, "update", "-l", "fr", "-l", "ar")
    assert update.stdout.splitlines() == ["created locales/fr/LC_MESSAGES/mini.po",
                                          "created locales/ar/LC_MESSAGES/mini.po"]
    assert not po(mini_root, "tl").exists()
    french = load_catalog(po(mini_root, "fr"), get_language("fr"))
    assert [(m.context, m.string) for m in french if m.id] == [(m.context, "") for m in template if m.id]
    assert french.locale_identifier == "fr"
    assert cli(mini_root, "update", "-l", "fr").stdout == "unchanged locales/fr/LC_MESSAGES/mini.po\n"


def test_update_after_source_edits_keeps_every_translation(mini_root, cli):
    source = mini_root / "source" / "mini.md"
    edit(source, "Take your pills.", "Take all of your pills.")
    edit(source, "You cannot breathe.", "You can hardly breathe.")
    edit(source, "- You do not get better. {#not-better}\n", "- You feel worse. {#worse}\n")
    assert cli(mini_root, "extract").stdout == "wrote locales/mini.pot (30 messages)\n"
    update = cli(mini_root, "update", "-l", "fr")
    assert update.stdout == "updated locales/fr/LC_MESSAGES/mini.po\n"
    text = po(mini_root, "fr").read_text(encoding="utf-8")
    assert ('#, fuzzy\n#| msgid "Take your pills."\nmsgctxt "item/pills"\nmsgid "Take all of your pills."\n'
            'msgstr "Prenez vos comprimés."\n') in text
    assert re.search(r'# ' + re.escape(STALE_NOTE.rstrip()) + r' Vous ne pouvez pas respirer\.\n(#\..*\n)+'
                     r'#: .*\n#, fuzzy\n#\| msgid "You cannot breathe."\nmsgctxt "warning-sign/cannot-breathe"\n'
                     r'msgid "You can hardly breathe."\nmsgstr ""\n', text)
    assert ('#~ msgctxt "warning-sign/not-better"\n#~ msgid "You do not get better."\n'
            '#~ msgstr "Vous n’allez pas mieux."\n') in text
    assert cli(mini_root, "update", "-l", "fr").stdout == "unchanged locales/fr/LC_MESSAGES/mini.po\n"
    stats = json.loads(cli(mini_root, "stats", "--format", "json", "-l", "fr").stdout)
    assert stats == [{"handout": "mini", "language": "fr", "catalog": True, "total": 30, "translated": 27,
                      "fuzzy": 2, "untranslated": 1, "obsolete": 1, "warning_signs": 11,
                      "warning_signs_translated": 9, "all_warning_signs_translated": False,
                      "reviewed": 0, "unreviewed": 11,
                      # source words: "Take all of your pills." + "You can hardly breathe." fuzzy, "You feel worse." new
                      # + the 15 words of the 5 page labels (summary_pointer, page_of, reviewed, continued, version)
                      "words": {"total": 121, "translated": 109, "fuzzy": 5 + 4, "untranslated": 3},
                      "translated_share": 90.0}]


def test_stats_text_and_a_language_without_catalog(mini_root, cli):
    po(mini_root, "tl").unlink()
    result = cli(mini_root, "stats")
    assert result.exit_code == 0
    lines = result.stdout.splitlines()
    assert lines[0].split() == ["handout", "lang", "total", "done", "fuzzy", "todo", "obs", "reviewed", "words",
                                 "done/all", "warning", "signs"]
    assert lines[1].split() == ["mini", "fr", "30", "30", "0", "0", "0", "0/11", "120/120", "100.0%", "all",
                                 "translated"]
    assert lines[5].split() == ["mini", "tl", "30", "0", "0", "30", "0", "0/11", "0/120", "0.0%", "MISSING", "11",
                                 "of", "11", "(no", "catalog)"]
    rows = json.loads(cli(mini_root, "stats", "--format", "json").stdout)
    assert [r["language"] for r in rows] == ["fr", "ar", "zh-Hans", "pa", "tl"]
    assert rows[-1]["catalog"] is False and rows[-1]["all_warning_signs_translated"] is False


# --- bad catalogs: one line, exit 2, nothing written ----------------------------------------------------------------

BAD_PO = [
    ("syntax error", lambda t: t.replace('msgctxt "item/pills"\n', 'msgctxt "item/pills"\nplease translate\n', 1),
     'keyword "please" unknown'),
    ("ISO-8859-1 declared", lambda t: t.replace("charset=utf-8", "charset=ISO-8859-1"),
     "header declares charset ISO-8859-1, not UTF-8"),
    ("no charset", lambda t: t.replace('"Content-Type: text/plain; charset=utf-8\\n"\n', ""),
     "header declares charset none"),
    ("no header", lambda t: re.sub(r'msgid ""\nmsgstr ""\n(".*"\n)+', "", t, count=1), "has no header entry"),
    ("duplicate entry", lambda t: t + '\nmsgctxt "title"\nmsgid "Knee Care at Home"\nmsgstr "Encore"\n',
     "this entry is a duplicate of the one on line"),
    ("plural forms", lambda t: re.sub(r'"Plural-Forms: .*?;\\n"\n', '"Plural-Forms: nplurals=2; plural=(n > 1);\\\\n"\n',
                                      t, count=1, flags=re.S)
     + '\nmsgid "pill"\nmsgid_plural "pills"\nmsgstr[0] "a"\nmsgstr[1] "b"\nmsgstr[2] "c"\nmsgstr[3] "d"\n',
     "the header says nplurals = 2, but some messages have 4 plural forms"),
]


@needs_gettext
@pytest.mark.parametrize("command", [("update",), ("stats",)])
@pytest.mark.parametrize("damage, message", [c[1:] for c in BAD_PO], ids=[c[0] for c in BAD_PO])
def test_bad_catalog_stops_everything(mini_root, cli, command, damage, message):
    path = po(mini_root, "pa")  # not the first language: the ones before it must not be written either
    path.write_text(damage(path.read_text(encoding="utf-8")), encoding="utf-8")
    edit(mini_root / "source" / "mini.md", "Take your pills.", "Take all of your pills.")
    if command == ("update",):
        assert cli(mini_root, "extract").exit_code == 0
    before = snapshot(mini_root)
    stderr = assert_one_line_error(cli(mini_root, *command), f"{path}:", message)
    assert re.match(rf"error: {re.escape(str(path))}:\d+: ", stderr)
    assert snapshot(mini_root) == before


def test_catalog_that_is_not_utf8_names_its_line(mini_root, cli):
    path = po(mini_root, "fr")
    text = path.read_text(encoding="utf-8")
    path.write_bytes(text.encode("latin-1", "replace"))
    line = next(i for i, t in enumerate(text.splitlines(), 1) if "Soins du genou à la maison" in t)
    assert_one_line_error(cli(mini_root, "update"), f"{path}:{line}: is not UTF-8 — save the catalog as UTF-8")


# --- bad requests and bad configuration -------------------------------------------------------------------------


def test_unknown_language(mini_root, cli):
    before = snapshot(mini_root)
    assert_one_line_error(cli(mini_root, "update", "-l", "xx"), "unknown language 'xx' — use one of: ar, en, es")
    assert_one_line_error(cli(mini_root, "stats", "-l", "es"), f"{mini_root}/handout.toml: language 'es' is not "
                                                               "configured — add it to 'languages'")
    assert snapshot(mini_root) == before


def test_unknown_handout(mini_root, cli):
    assert_one_line_error(cli(mini_root, "extract", "--handout", "knee"), f"{mini_root}/source: unknown handout "
                                                                          "'knee' — use one of: mini")


def test_update_without_template(mini_root, cli):
    (mini_root / "locales" / "mini.pot").unlink()
    before = snapshot(mini_root)
    assert_one_line_error(cli(mini_root, "update"), f"{mini_root}/locales/mini.pot: template not found — run "
                                                    "'handout extract' first")
    assert snapshot(mini_root) == before


def test_content_root_without_configuration(tmp_path, cli):
    assert_one_line_error(cli(tmp_path, "extract"), f"{tmp_path}: no handout.toml here — run handout init")
    assert_one_line_error(cli(tmp_path / "nowhere", "stats"), f"{tmp_path / 'nowhere'}: content root does not exist")


BAD_CONFIG = [
    ("bad TOML", ('region = "CA"', "region = CA"), "handout.toml:2: is not valid TOML", "fix the syntax on that line"),
    ("unclosed string", ('name = "Canada"', 'name = "Canada'), "handout.toml:5: is not valid TOML", "fix the syntax"),
    ("languages not a list", ('languages = ["en", "fr", "ar", "zh_Hans", "pa", "tl"]', 'languages = "fr"'),
     "handout.toml: key 'languages' must be a list of language codes", 'languages = ["en", "fr", "zh_Hans"]'),
    ("unknown language", ('"tl"]', '"xx"]'), "handout.toml (key 'languages'): unknown language 'xx'", "use one of"),
    ("language twice", ('"tl"]', '"fr"]'), "key 'languages' lists a language twice", "list each language once"),
    ("unknown region fact", ('nurse_line = "811"', 'nurse_line = "811"\npolice = "112"'),
     "key 'regions.CA.police' is not a known region fact", "emergency_number, nurse_line"),
    ("number not a string", ('emergency_number = "911"', "emergency_number = 911"),
     "key 'regions.CA.emergency_number' must be a phone number written as a string of digits",
     'emergency_number = "911"'),
    ("no emergency number", ('emergency_number = "911"\n', ""), "key 'regions.CA.emergency_number' is missing",
     'add emergency_number = "..."'),
    ("region without table", ('region = "CA"', 'region = "US"'), "key 'region' must name a table under [regions]",
     "[regions.CA]"),
    ("page size", ('page_size = "letter"', 'page_size = "A5"'), "key 'regions.CA.page_size' is not a page size",
     "a4, legal, letter"),
    ("words per minute", ("words_per_minute = 140", "words_per_minute = 1000"),
     "key 'audio.words_per_minute' must be a whole number from 80 to 220", "140"),
    ("unknown setting", ("region = ", "colour = 1\nregion = "), "key 'colour' is not a known setting",
     "use one of: audio, catalogs, check"),
    ("misspelt audio setting", ("words_per_minute", "word_per_minute"),
     "key 'audio.word_per_minute' is not a known audio setting", "use words_per_minute or mix_recordings"),
    ("audio not a table", ("[audio]", "[[audio]]"), "key 'audio' must be a table",
     "[audio]"),
    ("check not a number", ("[audio]", "[check]\nmax_grade = \"8\"\n[audio]"), "key 'check.max_grade' must be a "
                                                                              "positive number", "handout docs configuration"),
    ("check not finite", ("[audio]", "[check]\nmax_grade = nan\n[audio]"), "key 'check.max_grade' must be a "
                                                                           "positive number", "handout docs configuration"),
    ("check whole number", ("[audio]", "[check]\nmax_sentence_words = 20.5\n[audio]"),
     "key 'check.max_sentence_words' must be a whole number", "max_sentence_words = 20"),
]


@pytest.mark.parametrize("change, message, hint", [c[1:] for c in BAD_CONFIG], ids=[c[0] for c in BAD_CONFIG])
def test_bad_configuration_names_the_key_or_line(mini_root, cli, change, message, hint):
    edit(mini_root / "handout.toml", *change)
    before = snapshot(mini_root)
    result = cli(mini_root, "update")
    stderr = assert_one_line_error(result, f"{mini_root}/handout.toml", message)
    assert hint in stderr
    assert snapshot(mini_root) == before


def test_configuration_in_pyproject(mini_root, cli):
    config = (mini_root / "handout.toml").read_text(encoding="utf-8")
    (mini_root / "handout.toml").unlink()
    (mini_root / "pyproject.toml").write_text("[tool]\nhandout = 3\n", encoding="utf-8")
    assert_one_line_error(cli(mini_root, "stats"), f"{mini_root}/pyproject.toml: key 'tool.handout' must be a table")
    table = re.sub(r"(?m)^\[", "[tool.handout.", config)
    (mini_root / "pyproject.toml").write_text("[tool.handout]\n" + table, encoding="utf-8")
    assert cli(mini_root, "stats").exit_code == 0


def test_configuration_that_is_not_utf8_names_its_line(mini_root, cli):
    config = mini_root / "handout.toml"
    config.write_bytes(config.read_text(encoding="utf-8").replace("Canada", "Canadá").encode("latin-1"))
    assert_one_line_error(cli(mini_root, "stats"), f"{config}:5: is not UTF-8 text — save it as UTF-8")
