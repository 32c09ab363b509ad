"""PO files as GNU gettext writes them: a msgcat / msgmerge / msgattrib / Poedit save, then `handout update`,
changes nothing; unknown headers, translator flags and Plural-Forms survive; --check writes nothing."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

from handout_pipeline.i18n import poformat
from handout_pipeline.i18n.catalogs import load_catalog, render

REPO = Path(__file__).parents[1]
LANGS = ["fr", "ar", "zh_Hans", "pa", "tl"]
needs_gettext = pytest.mark.skipif(not all(shutil.which(t) for t in ("msgcat", "msgmerge", "msgattrib")),
                                   reason="GNU gettext (msgcat, msgmerge, msgattrib) is not installed")


def gnu(*args: str) -> bytes:
    done = subprocess.run(list(args), capture_output=True)
    assert done.returncode == 0, done.stderr.decode()
    return done.stdout


def shipped() -> list[Path]:
    return sorted([*REPO.glob("locales/**/*.po"), *REPO.glob("locales/*.pot"),
                   *REPO.glob("tests/fixtures/mini/locales/**/*.po*")])


@needs_gettext
@pytest.mark.parametrize("path", shipped(), ids=lambda p: str(p.relative_to(REPO)))
def test_shipped_catalogs_are_byte_for_byte_what_msgcat_writes(path):
    assert gnu("msgcat", str(path)) == path.read_bytes()
    assert render(load_catalog(path)) == path.read_bytes()


@needs_gettext
def test_msgcat_msgmerge_msgattrib_saves_then_update_change_nothing(mini_root, cli):
    pot = mini_root / "locales" / "mini.pot"
    for code in LANGS:
        path = mini_root / "locales" / code / "LC_MESSAGES" / "mini.po"
        path.write_bytes(gnu("msgcat", str(path)))
        path.write_bytes(gnu("msgmerge", "--quiet", "--previous", "-o", "-", str(path), str(pot)))
        path.write_bytes(gnu("msgattrib", "-o", "-", str(path)))
    # msgmerge puts Language after Language-Team and spells charset=UTF-8: update keeps the tool's save as it is
    before = {code: (mini_root / "locales" / code / "LC_MESSAGES" / "mini.po").read_bytes() for code in LANGS}
    assert cli(mini_root, "update", "--check").exit_code == 0
    result = cli(mini_root, "update")
    assert result.exit_code == 0, result.output
    assert result.stdout.count("unchanged") == len(LANGS), result.stdout
    assert {code: (mini_root / "locales" / code / "LC_MESSAGES" / "mini.po").read_bytes() for code in LANGS} == before


@needs_gettext
def test_poedit_headers_weblate_flags_and_plural_forms_survive_update(mini_root, cli):
    path = mini_root / "locales" / "fr" / "LC_MESSAGES" / "mini.po"
    text = path.read_text(encoding="utf-8")
    text = text.replace('"Generated-By:', '"X-Generator: Poedit 3.4.2\\n"\n"X-Poedit-SourceCharset: UTF-8\\n"\n'
                        '"Generated-By:', 1)
    path.write_text(text, encoding="utf-8")
    path.write_bytes(gnu("msgcat", str(path)))  # as Poedit would save it
    # Weblate's check flags (GNU tools drop flags they do not know; Weblate and translate-toolkit keep them)
    text = path.read_text(encoding="utf-8").replace('msgctxt "title"', '#, no-wrap, ignore-same\nmsgctxt "title"', 1)
    path.write_text(text, encoding="utf-8")
    saved = path.read_bytes()
    assert cli(mini_root, "update").exit_code == 0
    after = path.read_text(encoding="utf-8")
    assert "X-Generator: Poedit 3.4.2" in after and "X-Poedit-SourceCharset: UTF-8" in after
    assert "#, no-wrap, ignore-same\nmsgctxt \"title\"" in after
    assert path.read_bytes() == saved  # the file's own Plural-Forms too


def test_new_catalogs_get_gettexts_plural_forms(mini_root, cli):
    (mini_root / "locales" / "fr" / "LC_MESSAGES" / "mini.po").unlink()
    assert cli(mini_root, "update", "-l", "fr").exit_code == 0
    text = (mini_root / "locales" / "fr" / "LC_MESSAGES" / "mini.po").read_text(encoding="utf-8")
    assert '"Plural-Forms: nplurals=2; plural=(n > 1);\\n"' in text


CLDR_FR = ('"Plural-Forms: nplurals=3; plural=(n == 0 || n == 1) ? 0 : n != 0 && n % "\n'
           '"1000000 == 0 ? 1 : 2;\\n"\n')


@pytest.mark.parametrize("header, expected", [
    # CLDR's three French forms, as Babel (and so this tool, before) wrote them: gettext's two replace them.
    (CLDR_FR, '"Plural-Forms: nplurals=2; plural=(n > 1);\\n"\n'),
    # A translator's tool's own spelling of gettext's forms stays as it is.
    ('"Plural-Forms: nplurals=2; plural=n > 1;\\n"\n', '"Plural-Forms: nplurals=2; plural=n > 1;\\n"\n'),
], ids=["cldr-replaced", "weblate-kept"])
def test_update_gives_fr_gettexts_plural_forms_unless_a_tool_chose_its_own(mini_root, cli, header, expected):
    path = mini_root / "locales" / "fr" / "LC_MESSAGES" / "mini.po"
    text = re.sub(r'"Plural-Forms: .*?;\\n"\n', lambda m: header, path.read_text(encoding="utf-8"), count=1, flags=re.S)
    path.write_text(text, encoding="utf-8")
    assert header in path.read_text(encoding="utf-8")
    assert cli(mini_root, "update", "-l", "fr").exit_code == 0
    after = path.read_text(encoding="utf-8")
    assert expected in after and after.count("Plural-Forms") == 1


def test_shipped_french_and_spanish_have_two_plural_forms():
    for code in ("fr", "es"):
        text = (REPO / "locales" / code / "LC_MESSAGES" / "medial-branch-neurotomy.po").read_text(encoding="utf-8")
        assert "Plural-Forms: nplurals=2;" in text, code


@needs_gettext
@pytest.mark.parametrize("width", ["60", "79", "100"])
def test_width_and_no_wrap_match_msgcat(mini_root, cli, width):
    assert cli(mini_root, "update", "--width", width).exit_code == 0
    for code in LANGS:
        path = mini_root / "locales" / code / "LC_MESSAGES" / "mini.po"
        assert gnu("msgcat", f"--width={width}", str(path)) == path.read_bytes(), code
    assert cli(mini_root, "update", "--no-wrap").exit_code == 0
    for code in LANGS:
        path = mini_root / "locales" / code / "LC_MESSAGES" / "mini.po"
        assert gnu("msgcat", "--no-wrap", str(path)) == path.read_bytes(), code


def test_width_from_handout_toml(mini_root, cli):
    config = mini_root / "handout.toml"
    config.write_text(config.read_text(encoding="utf-8") + "\n[catalogs]\nwidth = 60\n", encoding="utf-8")
    result = cli(mini_root, "update", "--check")
    assert result.exit_code == 1 and "out of date" in result.stdout
    assert "run the same command without --check" in result.stderr


def test_bad_catalogs_setting_is_one_line(mini_root, cli):
    config = mini_root / "handout.toml"
    config.write_text(config.read_text(encoding="utf-8") + "\n[catalogs]\nwidth = \"wide\"\n", encoding="utf-8")
    result = cli(mini_root, "update")
    assert result.exit_code == 2 and result.stderr.count("\n") == 1
    assert "catalogs.width" in result.stderr and "79" in result.stderr


def test_check_options_write_nothing_and_fail_when_out_of_date(mini_root, cli):
    assert cli(mini_root, "extract", "--check").exit_code == 0
    assert cli(mini_root, "update", "--check").exit_code == 0
    source = mini_root / "source" / "mini.md"
    source.write_text(source.read_text(encoding="utf-8").replace("Knee Care at Home", "Knee Care After Surgery"),
                      encoding="utf-8")
    pot = mini_root / "locales" / "mini.pot"
    before = pot.read_bytes()
    result = cli(mini_root, "extract", "--check")
    assert result.exit_code == 1 and "out of date locales/mini.pot" in result.stdout
    assert pot.read_bytes() == before
    assert cli(mini_root, "extract").exit_code == 0
    fr = mini_root / "locales" / "fr" / "LC_MESSAGES" / "mini.po"
    fr_before = fr.read_bytes()
    result = cli(mini_root, "update", "--check")
    assert result.exit_code == 1 and "out of date locales/fr/LC_MESSAGES/mini.po" in result.stdout
    assert fr.read_bytes() == fr_before


@pytest.mark.parametrize("text, width, expected", [
    ("Appelez le 911 : vous avez du mal à respirer.", 30,
     ['msgid ""', '"Appelez le 911 : vous avez "', '"du mal à respirer."']),
    ("如果您呼吸困难，请立即拨打急救电话。", 20, ['msgid ""', '"如果您呼吸困难，请"', '"立即拨打急救电话。"']),
    ("short", 79, ['msgid "short"']),
    ("two\nlines", 79, ['msgid ""', '"two\\n"', '"lines"']),
])
def test_wrapping_unusual_text(text, width, expected):
    assert poformat.format_string("", "msgid", text, width) == expected


def test_an_empty_header_value_of_the_file_does_not_win(tmp_path):
    # Found by hypothesis (test_properties): the file's empty Content-Type was written back, and the merged
    # catalog could not be read again ("charset none").
    from handout_pipeline.i18n.catalogs import merge
    from handout_pipeline.languages import get_language

    from unittest import mock

    from handout_pipeline.i18n import catalogs

    path = tmp_path / "y.po"
    path.write_bytes(b'msgid ""\nmsgstr """charset=UTF8\\n""Content-Type:"n')
    fr = get_language("fr")
    with mock.patch.object(catalogs.shutil, "which", return_value=None):  # Babel alone reads it (msgfmt refuses)
        old = load_catalog(path, fr)
    merged = merge(load_catalog(REPO / "tests" / "fixtures" / "mini" / "locales" / "mini.pot"), old, fr)
    (tmp_path / "merged.po").write_bytes(render(merged))
    assert "Content-Type: text/plain; charset=utf-8" in (tmp_path / "merged.po").read_text(encoding="utf-8")
    load_catalog(tmp_path / "merged.po", fr)
