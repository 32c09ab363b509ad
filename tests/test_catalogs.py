"""Catalogs in memory: the template, merging by stable ID, loading (and refusing) PO files, statistics."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path
from unittest import mock

import pytest
from babel.messages.catalog import Message

from handout_pipeline.errors import HandoutError
from handout_pipeline.i18n import catalogs
from handout_pipeline.i18n.catalogs import STALE_NOTE, build_template, load_catalog, merge, render
from handout_pipeline.i18n.units import units
from handout_pipeline.languages import get_language
from handout_pipeline.project import Project
from handout_pipeline.reader import parse_handout

from conftest import FIXTURES

MINI_SOURCE = (FIXTURES / "mini" / "source" / "mini.md").read_text(encoding="utf-8")
FR_PO = FIXTURES / "mini" / "locales" / "fr" / "LC_MESSAGES" / "mini.po"
FR = get_language("fr")
needs_gettext = pytest.mark.skipif(not (shutil.which("msgfmt") and shutil.which("msgcmp")),
                                   reason="GNU gettext (msgfmt, msgcmp) is not installed")


def template_of(source: str = MINI_SOURCE):
    return build_template(parse_handout(source, Path("mini.md")), "source/mini.md")


def edited(*replacements: tuple[str, str]) -> str:
    source = MINI_SOURCE
    for old, new in replacements:
        assert old in source, old
        source = source.replace(old, new)
    return source


def french():
    return load_catalog(FR_PO, FR)


def live(catalog, context: str) -> Message:
    found = [m for m in catalog if m.id and m.context == context]
    assert len(found) == 1, (context, found)
    return found[0]


def obsolete(catalog, context: str) -> list[Message]:
    return [m for m in catalog.obsolete.values() if m.context == context]


def reload(catalog, tmp_path: Path, name: str = "mini.po"):
    """Write the catalog as `handout update` does and read it back."""
    path = tmp_path / name
    path.write_bytes(render(catalog))
    return load_catalog(path, FR)


def stale_text(message: Message) -> str:
    """The old translations kept in STALE_NOTE comments (their wrapped lines joined)."""
    comments = message.user_comments
    start = next((i for i, c in enumerate(comments) if c.startswith(STALE_NOTE.rstrip())), len(comments))
    return " ".join(comments[start:])


def undated(po: bytes) -> bytes:
    """The catalog without its creation and revision dates (they are all `extract` changes when nothing else does)."""
    return re.sub(rb'(?m)^"(POT-Creation-Date|PO-Revision-Date): .*\n', b"", po)


def gettext_ok(*command: str) -> subprocess.CompletedProcess:
    return subprocess.run(command, capture_output=True, text=True, env={"LC_ALL": "C", "PATH": "/usr/bin:/bin"})


# --- the template -----------------------------------------------------------------------------------------------


def test_template_has_one_message_per_unit_keyed_by_stable_id():
    handout = parse_handout(MINI_SOURCE, Path("mini.md"))
    template = build_template(handout, "source/mini.md")
    expected = [(u.context, u.msgid) for u in units(handout)]
    assert [(m.context, m.id) for m in template if m.id] == expected
    assert len({context for context, _ in expected}) == len(expected)
    sign = live(template, "warning-sign/cannot-breathe")
    assert sign.auto_comments[0].startswith("SAFETY-CRITICAL warning sign, tier emergency")
    assert sign.locations == [("source/mini.md", MINI_SOURCE.splitlines().index(
        "- You cannot breathe. {#cannot-breathe}") + 1)]
    assert "python-brace-format" in live(template, "warning-intro/emergency-intro").flags
    assert "python-brace-format" not in sign.flags


@needs_gettext
def test_template_passes_msgfmt(tmp_path):
    pot = tmp_path / "mini.pot"
    pot.write_bytes(render(template_of()))
    result = gettext_ok("msgfmt", "--check", "-o", "/dev/null", str(pot))
    assert result.returncode == 0, result.stderr


# --- merging ----------------------------------------------------------------------------------------------------


def test_new_catalog_has_every_message_untranslated():
    template = template_of()
    catalog = merge(template, None, FR)
    assert [(m.context, m.id, m.string) for m in catalog if m.id] == [(m.context, m.id, "") for m in template if m.id]
    assert catalog.locale_identifier == "fr" and not catalog.obsolete


def test_same_english_keeps_the_translation_and_merge_is_idempotent(tmp_path):
    old = french()
    merged = merge(template_of(), old, FR)
    assert [(m.context, m.string, m.fuzzy) for m in merged if m.id] == [(m.context, m.string, False) for m in old if m.id]
    assert undated(render(merged)) == undated(FR_PO.read_bytes())


def test_changed_ordinary_message_keeps_its_translation_as_fuzzy():
    merged = merge(template_of(edited(("Take your pills.", "Take all your pills."))), french(), FR)
    pills = live(merged, "item/pills")
    assert (pills.id, pills.string, pills.fuzzy) == ("Take all your pills.", "Prenez vos comprimés.", True)
    assert pills.previous_id == ["Take your pills."]
    assert not live(merged, "item/pills-morning").fuzzy


@pytest.mark.parametrize("context, old, new, translation", [
    ("warning-sign/cannot-breathe", "You cannot breathe.", "You can hardly breathe.", "Vous ne pouvez pas respirer."),
    ("warning-intro/urgent-intro", "Call your doctor now if:", "Call your doctor today if:",
     "Appelez votre médecin tout de suite si :"),
])
def test_changed_safety_message_is_emptied_and_its_old_translation_kept_in_a_comment(context, old, new, translation):
    merged = merge(template_of(edited((old, new))), french(), FR)
    message = live(merged, context)
    assert (message.id, message.string, message.fuzzy, message.previous_id) == (new, "", True, [old])
    # The source stamp stays too: a copy of the old translation pasted back is then still seen as stale.
    assert [c for c in message.user_comments if not c.startswith("source-sha:")] == [STALE_NOTE + translation]


def test_removed_message_becomes_obsolete_and_old_obsolete_entries_stay(tmp_path):
    source = edited(("- You do not get better. {#not-better}\n", "- You feel worse. {#worse}\n"))
    first = merge(template_of(source), french(), FR)
    assert [m.string for m in obsolete(first, "warning-sign/not-better")] == ["Vous n’allez pas mieux."]
    assert live(first, "warning-sign/worse").string == ""
    source = edited(("Take 2 pills each morning. {#pills-morning}", "Take 1 pill. {#one-pill}"),
                    ("- You do not get better. {#not-better}\n", "- You feel worse. {#worse}\n"))
    second = merge(template_of(source), reload(first, tmp_path), FR)
    assert {m.context for m in second.obsolete.values()} == {"warning-sign/not-better", "item/pills-morning"}


def test_message_that_comes_back_revives_from_obsolete(tmp_path):
    gone = merge(template_of(edited(("- You do not get better. {#not-better}\n", "- Worse. {#worse}\n"))), french(), FR)
    back = merge(template_of(), reload(gone, tmp_path), FR)
    sign = live(back, "warning-sign/not-better")
    assert (sign.string, sign.fuzzy) == ("Vous n’allez pas mieux.", False)
    assert not obsolete(back, "warning-sign/not-better")
    assert [m.context for m in back.obsolete.values()] == ["warning-sign/worse"]


def test_message_that_comes_back_with_other_english_is_fuzzy(tmp_path):
    gone = merge(template_of(edited(("Take your pills. {#pills}\n  - Take 2 pills each morning. {#pills-morning}\n",
                                     "Take your pills. {#pills}\n"))), french(), FR)
    back = merge(template_of(edited(("Take 2 pills each morning.", "Take 3 pills."))), reload(gone, tmp_path), FR)
    morning = live(back, "item/pills-morning")
    assert (morning.string, morning.fuzzy, morning.previous_id) == (
        "Prenez 2 comprimés chaque matin.", True, ["Take 2 pills each morning."])
    assert not back.obsolete


def test_previous_msgid_survives_the_file_and_a_second_update_changes_nothing(tmp_path):
    long = ('Take your pills with a "full" glass of water, a back\\slash, and words enough to wrap the line '
            'of the previous msgid at least twice when it is written.')
    first = merge(template_of(edited(("Take your pills.", long), ("You cannot breathe.", "You can hardly breathe."))),
                  french(), FR)
    again = merge(template_of(edited(("Take your pills.", long), ("You cannot breathe.", "You can hardly breathe."))),
                  reload(first, tmp_path), FR)
    assert render(again) == render(first)
    third = merge(template_of(edited(("Take your pills.", "Take pills."))), reload(first, tmp_path), FR)
    pills = live(third, "item/pills")
    assert (pills.id, pills.previous_id, pills.string) == ("Take pills.", ["Take your pills."], "Prenez vos comprimés.")
    assert re.search(rb'#\| msgid "Take your pills."\nmsgctxt "item/pills"', render(first))


@needs_gettext
def test_a_long_previous_msgid_is_written_as_valid_po(tmp_path):
    long = "Rest your knee for **24 hours**. Do *not* run, jump or climb stairs until your doctor says you can."
    translated = merge(template_of(edited(("Rest your knee for **24 hours**. Do *not* run.", long))), french(), FR)
    live(translated, "paragraph/rest").string = "Reposez votre genou, et ne montez pas d\u2028escalier \x1e."
    live(translated, "paragraph/rest").flags.discard("fuzzy")
    changed = merge(template_of(edited(("Rest your knee for **24 hours**. Do *not* run.", "Rest."))),
                    reload(translated, tmp_path), FR)
    path = tmp_path / "changed.po"
    path.write_bytes(render(changed))
    result = gettext_ok("msgfmt", "--check", "-o", "/dev/null", str(path))
    assert result.returncode == 0, result.stderr
    previous = [line for line in path.read_text(encoding="utf-8").split("\n") if line.startswith("#|")]
    assert previous[:2] == ['#| msgid ""', '#| "Rest your knee for **24 hours**. Do *not* run, jump or climb stairs until "']
    assert all(re.fullmatch(r'#\| (msgid )?"(?:[^"\\]|\\.)*"', line) for line in previous), previous
    assert live(load_catalog(path, FR), "paragraph/rest").previous_id == [long]


def test_a_translator_comment_starting_with_a_bar_stays_a_comment(tmp_path):
    old = french()
    live(old, "item/pills").user_comments = ["| msgid is what they call it", "|"]
    changed = merge(template_of(edited(("Take your pills.", "Take all your pills."))), reload(old, tmp_path), FR)
    pills = live(reload(changed, tmp_path), "item/pills")
    assert (pills.user_comments, pills.previous_id) == (["| msgid is what they call it", "|"], ["Take your pills."])


def test_changing_english_twice_keeps_the_english_the_translation_was_made_for(tmp_path):
    once = merge(template_of(edited(("You cannot breathe.", "You can hardly breathe."))), french(), FR)
    twice = merge(template_of(edited(("You cannot breathe.", "You cannot breathe at all."))),
                  reload(once, tmp_path), FR)
    sign = live(twice, "warning-sign/cannot-breathe")
    assert (sign.string, sign.fuzzy, sign.previous_id) == ("", True, ["You cannot breathe."])
    assert "Vous ne pouvez pas respirer." in stale_text(sign)


def test_fuzzy_obsolete_entry_stays_fuzzy_when_it_comes_back(tmp_path):
    fuzzy = merge(template_of(edited(("Take 2 pills each morning.", "Take 3 pills."))), french(), FR)
    gone = merge(template_of(edited(("  - Take 2 pills each morning. {#pills-morning}\n", ""))),
                 reload(fuzzy, tmp_path), FR)
    assert b'#, fuzzy\n#~| msgid "Take 2 pills each morning."\n#~ msgctxt "item/pills-morning"' in render(gone)
    back = merge(template_of(edited(("Take 2 pills each morning.", "Take 3 pills."))), reload(gone, tmp_path), FR)
    morning = live(back, "item/pills-morning")
    assert (morning.string, morning.fuzzy) == ("Prenez 2 comprimés chaque matin.", True)


def test_exact_match_wins_and_no_entry_is_both_live_and_obsolete():
    old = french()
    old.obsolete[("Take 3 pills.", "item/pills-morning")] = Message(
        "Take 3 pills.", "Prenez 3 comprimés.", context="item/pills-morning")
    merged = merge(template_of(edited(("Take 2 pills each morning.", "Take 3 pills."))), old, FR)
    morning = live(merged, "item/pills-morning")
    assert (morning.string, morning.fuzzy) == ("Prenez 3 comprimés.", False)
    assert [(m.id, m.string) for m in obsolete(merged, "item/pills-morning")] == [
        ("Take 2 pills each morning.", "Prenez 2 comprimés chaque matin.")]


def test_translator_comments_are_kept():
    old = french()
    live(old, "item/pills").user_comments = ["checked by the nurse"]
    merged = merge(template_of(edited(("Take your pills.", "Take all your pills."))), old, FR)
    assert live(merged, "item/pills").user_comments == ["checked by the nurse"]


@needs_gettext
def test_complete_catalog_passes_msgfmt_and_msgcmp_and_a_fuzzy_one_fails_msgcmp(tmp_path):
    pot = tmp_path / "mini.pot"
    pot.write_bytes(render(template_of()))
    complete = tmp_path / "complete.po"
    complete.write_bytes(render(merge(template_of(), french(), FR)))
    for command in (("msgfmt", "--check", "-o", "/dev/null", str(complete)), ("msgcmp", "-N", str(complete), str(pot))):
        result = gettext_ok(*command)
        assert result.returncode == 0, result.stderr
    changed = edited(("You cannot breathe.", "You can hardly breathe."))
    pot.write_bytes(render(template_of(changed)))
    fuzzy = tmp_path / "fuzzy.po"
    fuzzy.write_bytes(render(merge(template_of(changed), french(), FR)))
    assert gettext_ok("msgfmt", "--check", "-o", "/dev/null", str(fuzzy)).returncode == 0
    assert gettext_ok("msgcmp", "-N", str(fuzzy), str(pot)).returncode != 0


# --- loading: every bad catalog is one HandoutError naming the file and line ---------------------------------------

FR_TEXT = FR_PO.read_text(encoding="utf-8")
PLURAL_HEADER = re.search(r'"Plural-Forms: .*?;\\n"\n', FR_TEXT, re.S).group(0)


def fr_text(old: str, new: str) -> str:
    assert old in FR_TEXT, old
    return FR_TEXT.replace(old, new, 1)


def fr_line(fragment: str) -> int:
    return next(i for i, line in enumerate(FR_TEXT.splitlines(), 1) if fragment in line)


PILLS_ID = 'msgid "Take your pills."'


def expected_line(content: str | bytes, line: int | str) -> int:
    """A line number, or the LAST line of the content that holds the given text (an appended entry)."""
    if isinstance(line, int):
        return line
    text = content.decode("utf-8") if isinstance(content, bytes) else content
    return max(i for i, text_line in enumerate(text.splitlines(), 1) if line in text_line)

BAD_CATALOGS = [
    ("unterminated string", fr_text('msgstr "Vos soins"', 'msgstr "Vos soins'), fr_line('msgstr "Vos soins"'),
     "a quote is not closed at the end of this line", 'end the text with "'),
    ("unknown keyword", fr_text('msgctxt "item/pills"\n', 'msgctxt "item/pills"\nplease translate\n'),
     fr_line('msgctxt "item/pills"') + 1, 'keyword "please" unknown', "fix the entry on that line"),
    ("invalid escape", fr_text('msgstr "Vos soins"', 'msgstr "Vos \\q soins"'), fr_line('msgstr "Vos soins"'),
     "invalid control sequence", "fix the entry on that line"),
    ("ISO-8859-1 declared", fr_text("charset=utf-8", "charset=ISO-8859-1"), fr_line('msgid ""'),
     "header declares charset ISO-8859-1, not UTF-8", "charset=UTF-8"),
    ("charset placeholder", fr_text("charset=utf-8", "charset=CHARSET"), fr_line('msgid ""'),
     "header declares charset CHARSET, not UTF-8", "charset=UTF-8"),
    ("no charset", fr_text('"Content-Type: text/plain; charset=utf-8\\n"\n', ""), fr_line('msgid ""'),
     "header declares charset none, not UTF-8", "charset=UTF-8"),
    ("Latin-1 bytes", FR_TEXT.encode("latin-1", "replace"), fr_line("Soins du genou"), "is not UTF-8",
     "save the catalog as UTF-8"),
    ("byte-order mark", "\ufeff" + FR_TEXT, 1, "starts with a byte-order mark (BOM)", "without BOM"),
    ("no header", re.sub(r'msgid ""\nmsgstr ""\n(".*"\n)+', "", FR_TEXT, count=1), 1,
     'has no header entry (msgid "")', "run 'handout update'"),
    ("empty file", "", 1, 'has no header entry (msgid "")', "run 'handout update'"),
    ("duplicate entry", FR_TEXT + '\nmsgctxt "item/pills"\nmsgid "Take your pills."\nmsgstr "Encore."\n', PILLS_ID,
     # msgfmt points at the msgid of the duplicate, and at the msgstr of the first one
     f"this entry is a duplicate of the one on line {fr_line('Prenez vos comprimés.')}", "delete one of the two"),
    ("plural forms disagree with the header",
     fr_text(PLURAL_HEADER, '"Plural-Forms: nplurals=2; plural=(n > 1);\\n"\n')
     + '\nmsgid "one pill"\nmsgid_plural "pills"\nmsgstr[0] "a"\nmsgstr[1] "b"\nmsgstr[2] "c"\nmsgstr[3] "d"\n',
     'msgstr[0] "a"', "the header says nplurals = 2, but some messages have 4 plural forms", "as many msgstr[N] lines"),
]


@needs_gettext
@pytest.mark.parametrize("content, line, message, hint", [c[1:] for c in BAD_CATALOGS], ids=[c[0] for c in BAD_CATALOGS])
def test_bad_catalog_is_one_error_with_file_line_and_hint(tmp_path, content, line, message, hint):
    path = tmp_path / "mini.po"
    path.write_bytes(content if isinstance(content, bytes) else content.encode("utf-8"))
    with pytest.raises(HandoutError) as info:
        load_catalog(path, FR)
    error = info.value
    assert (error.path, error.line) == (str(path), expected_line(content, line))
    assert message in error.message
    assert hint in error.hint
    assert "\n" not in str(error)


@pytest.mark.parametrize("content, line, message", [
    (fr_text('msgctxt "item/pills"\n', 'msgctxt "item/pills"\nplease translate\n'),
     fr_line('msgctxt "item/pills"') + 1, "Unknown or misformatted keyword"),
    (fr_text(PLURAL_HEADER, '"Plural-Forms: nplurals=2; plural=(n > 1);\\n"\n')
     + '\nmsgid "one pill"\nmsgid_plural "pills"\nmsgstr[0] "a"\nmsgstr[1] "b"\nmsgstr[2] "c"\n', 'msgid "one pill"',
     "more translations than num_plurals"),
    (fr_text("charset=utf-8", "charset=ISO-8859-1"), fr_line('msgid ""'), "charset ISO-8859-1"),
], ids=["unknown keyword", "plural forms", "charset"])
def test_without_msgfmt_babel_still_refuses_a_broken_catalog(tmp_path, content, line, message):
    path = tmp_path / "mini.po"
    path.write_text(content, encoding="utf-8")
    with mock.patch.object(catalogs.shutil, "which", return_value=None), pytest.raises(HandoutError) as info:
        load_catalog(path, FR)
    assert (info.value.line, message in info.value.message) == (expected_line(content, line), True)


def test_missing_catalog_where_one_is_needed(mini_root):
    project = Project.open(mini_root)
    (mini_root / "locales" / "fr" / "LC_MESSAGES" / "mini.po").unlink()
    with pytest.raises(HandoutError) as info:
        project.catalog(FR, "mini")
    assert info.value.message == "catalog not found"
    assert info.value.hint == "run 'handout update' to create it"


# --- statistics -------------------------------------------------------------------------------------------------


def test_stats_count_fuzzy_as_not_translated():
    source = edited(("Take your pills.", "Take all your pills."), ("You cannot breathe.", "You can hardly breathe."),
                    ("- You do not get better. {#not-better}\n", "- You feel worse. {#worse}\n"))
    handout = parse_handout(source, Path("mini.md"))
    merged = merge(build_template(handout, "source/mini.md"), french(), FR)
    s = catalogs.stats(list(units(handout)), merged)
    assert (s.total, s.translated, s.fuzzy, s.untranslated, s.obsolete) == (30, 27, 2, 1, 1)
    # 3 intros, 5 signs and the 3 tier labels are safety-critical; the changed sign and the new one are not done
    assert (s.warning_signs, s.warning_signs_translated, s.all_warning_signs_translated) == (11, 9, False)
    complete = catalogs.stats(list(units(parse_handout(MINI_SOURCE, Path("mini.md")))), french())
    assert (complete.translated, complete.fuzzy, complete.untranslated, complete.all_warning_signs_translated) == (
        30, 0, 0, True)


def test_changed_tier_label_is_safety_critical_like_a_warning_sign():
    template = template_of()
    label = live(template, "label/urgent")
    template.delete(label.id, context="label/urgent")
    template.add("Urgent: call now", "", context="label/urgent", auto_comments=label.auto_comments)
    merged = merge(template, french(), FR)
    message = live(merged, "label/urgent")
    assert (message.string, message.fuzzy, message.previous_id) == ("", True, ["Urgent"])
    assert [c for c in message.user_comments if not c.startswith("source-sha:")] == [STALE_NOTE + "Sans attendre"]
