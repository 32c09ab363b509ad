"""The source reader: what it builds from a good handout, and the one-line error it gives for each bad input."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from handout_pipeline.errors import HandoutError
from handout_pipeline.model import BulletList, Heading, Paragraph, Tier, WarningBlock, plain, walk_items
from handout_pipeline.reader import parse_handout, read_handout

from conftest import FIXTURES

MINI = FIXTURES / "mini" / "source" / "mini.md"
REAL = Path(__file__).parents[1] / "source" / "medial-branch-neurotomy.md"

FRONT = """---
id: t
title: "Test handout"
language: en
audience: Testers
last_reviewed: 2026-01-15
attribution: Written for tests.
---

## Section {#section}

"""
BODY_LINE = 12  # the file line of the first line of a body appended to FRONT
assert FRONT.count("\n") == BODY_LINE - 1


def parse(body: str, front: str = FRONT, name: str = "t.md"):
    return parse_handout(front + body, Path(name))


def error_of(text: str, name: str = "t.md") -> HandoutError:
    with pytest.raises(HandoutError) as info:
        parse_handout(text, Path(name))
    return info.value


def line_of(path: Path, fragment: str) -> int:
    """The 1-based line of the first line of `path` that contains `fragment`."""
    return next(i for i, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1) if fragment in line)


# --- a good handout -------------------------------------------------------------------------------------------


def test_mini_fixture_has_every_block_type_in_order():
    handout = read_handout(MINI)
    assert handout.meta.id == "mini"
    assert handout.title_source == "Knee Care at Home"
    assert handout.meta.last_reviewed == "2026-01-15"
    assert [e.id for e in handout.glossary] == ["swelling"]
    assert [s.heading.id for s in handout.sections] == ["your-care", "when-to-call"]
    care, call = handout.sections
    assert [type(b) for b in care.blocks] == [Paragraph, Heading, BulletList]
    assert [(b.tier, [i.id for i in walk_items(b.items)]) for b in call.blocks] == [
        (Tier.EMERGENCY, ["cannot-breathe"]),
        (Tier.URGENT, ["swelling", "red-skin", "fever"]),
        (Tier.WATCH, ["not-better"]),
    ]
    assert handout.placeholders == {"emergency_number", "nurse_line"}


def test_inline_emphasis_becomes_spans_and_the_id_is_not_text():
    rest = read_handout(MINI).sections[0].blocks[0]
    assert rest.id == "rest"
    assert rest.source == "Rest your knee for **24 hours**. Do *not* run."
    assert [(s.text, s.strong, s.emphasis) for s in rest.text] == [
        ("Rest your knee for ", False, False), ("24 hours", True, False), (". Do ", False, False),
        ("not", False, True), (" run.", False, False)]


def test_nested_items_conditions_and_levels():
    care = read_handout(MINI).sections[0]
    heading, bullets = care.blocks[1], care.blocks[2]
    assert (heading.id, heading.level) == ("medicines", 3)
    pills, questions, no_line = bullets.items
    assert [c.id for c in pills.children] == ["pills-morning"]
    assert (questions.when, questions.unless) == ("nurse_line", None)
    assert (no_line.when, no_line.unless) == (None, "nurse_line")
    assert plain(questions.text) == "Call {nurse_line} with questions."


def test_block_lines_are_the_lines_of_the_file():
    handout = read_handout(MINI)
    care, call = handout.sections
    assert care.heading.line == line_of(MINI, "{#your-care}")
    assert care.blocks[0].line == line_of(MINI, "{#rest}")
    pills = care.blocks[2].items[0]
    assert (pills.line, pills.children[0].line) == (line_of(MINI, "{#pills}"), line_of(MINI, "{#pills-morning}"))
    urgent = call.blocks[1]
    assert urgent.line == line_of(MINI, "::: warnings urgent")
    assert urgent.intros[0].line == line_of(MINI, "{#urgent-intro}")
    assert urgent.items[0].children[1].line == line_of(MINI, "{#fever}")


def test_warning_block_may_have_alternative_intros():
    block = parse("::: warnings urgent\nCall {nurse_line} if: {#a when=nurse_line}\n\n"
                  "Call your doctor if: {#b unless=nurse_line}\n\n- Pain. {#pain}\n:::\n").sections[0].blocks[0]
    assert isinstance(block, WarningBlock)
    assert [(p.id, p.when, p.unless) for p in block.intros] == [("a", "nurse_line", None), ("b", None, "nurse_line")]


def test_line_endings_and_byte_order_mark_do_not_change_anything(tmp_path):
    text = MINI.read_text(encoding="utf-8")
    expected = read_handout(MINI)
    for variant in (text.replace("\n", "\r\n"), text.replace("\n", "\r")):
        assert parse_handout(variant, Path("mini.md")).sections == expected.sections
    bom = tmp_path / "mini.md"
    bom.write_bytes(b"\xef\xbb\xbf" + text.encode("utf-8"))
    assert read_handout(bom).sections == expected.sections


def test_the_shipped_handout_reads():
    handout = read_handout(REAL)
    assert handout.meta.id == "medial-branch-neurotomy"
    tiers = [b.tier for s in handout.sections for b in s.blocks if isinstance(b, WarningBlock)]
    assert set(tiers) == set(Tier)


# --- bad body: (case, body, line within the body, what the message says, what the hint says) --------------------

WARN = "::: warnings urgent\nCall your doctor if: {#intro}\n\n"
BAD_BODIES = [
    ("fenced code", "Text. {#p}\n\n```\ncode\n```\n", 3, "a code block ('```') is not allowed", "'-' bullet lists"),
    ("indented code", "Text. {#p}\n\n    code\n", 3, "an indented code block", "'-' bullet lists"),
    ("quote", "Text. {#p}\n\n> Quoted. {#q}\n", 3, "a quote ('>') is not allowed", "'-' bullet lists"),
    ("table", "| a | b |\n|---|---|\n| 1 | 2 | {#t}\n", 1, "a table is not allowed", "'-' bullet lists"),
    ("numbered list", "Text. {#p}\n\n1. One. {#one}\n2. Two. {#two}\n", 3, "a numbered list is not allowed", "'-'"),
    ("HTML block", "<div>Call now.</div> {#p}\n", 1, "raw HTML is not allowed", "'-' bullet lists"),
    ("HTML comment", "Text. {#p}\n\n<!-- a note -->\n", 3, "raw HTML is not allowed", "'-' bullet lists"),
    ("inline HTML", "Take <b>two</b> pills. {#p}\n", 1, "raw HTML is not allowed", "no links, code or HTML"),
    ("link", "See [the site](http://example.org). {#p}\n", 1, "a link is not allowed", "no links"),
    ("autolink", "Go to <http://example.org>. {#p}\n", 1, "a link is not allowed", "no links"),
    ("image", "![a knee](knee.png) {#p}\n", 1, "an image is not allowed", "no links"),
    ("inline code", "Type `x` now. {#p}\n", 1, "inline code ('`') is not allowed", "no links, code"),
    ("strikethrough", "Do ~~not~~ run. {#p}\n", 1, "crossed-out text", "**bold** or *emphasis*"),
    ("horizontal line", "Text. {#p}\n\n***\n", 3, "a horizontal line", "'-' bullet lists"),
    ("link definition", "Text. {#p}\n\n[1]: http://example.org\n", 3, "no stable ID", "{#my-id}"),
    ("heading level 1", "# Big {#big}\n", 1, "heading level 1 is not allowed", "'##' for sections"),
    ("underlined level 1", "Big {#big}\n===\n", 1, "heading level 1 is not allowed", "'##' for sections"),
    ("heading level 5", "##### Small {#small}\n", 1, "heading level 5 is not allowed", "'###' inside them"),
    ("missing ID", "Rest your knee.\n", 1, "no stable ID at the end of: 'Rest your knee.'", "{#my-id}"),
    ("missing item ID", "- Rest. {#a}\n- Walk.\n", 2, "no stable ID at the end of: 'Walk.'", "{#my-id}"),
    ("missing heading ID", "### Medicines\n", 1, "no stable ID", "{#my-id}"),
    ("ID not at the end", "Rest {#rest} now.\n", 1, "no stable ID", "{#my-id}"),
    ("two IDs", "Rest {#a} {#b}\n", 1, "an ID must come at the very end", "move the {#id}"),
    ("invalid ID", "Rest. {#Rest_Knee}\n", 1, "ID 'Rest_Knee' is not valid", "lowercase letters, digits and '-'"),
    ("empty ID", "Rest. {#}\n", 1, "ID '' is not valid", "lowercase letters"),
    ("duplicate ID", "Rest. {#rest}\n\nWalk. {#rest}\n", 3, f"ID 'rest' is used twice (first on line {BODY_LINE})",
     "its own ID"),
    ("ID of the section reused", "Rest. {#section}\n", 1, "ID 'section' is used twice (first on line 10)",
     "its own ID"),
    ("text-less block", "{#p}\n", 1, "block {#p} has no text", "write the text before the ID"),
    ("unknown placeholder", "Call {police} now. {#p}\n", 1, "unknown placeholder {police}",
     "{emergency_number}, {nurse_line}"),
    ("placeholder in a heading", "### Call {ambulance} {#h}\n", 1, "unknown placeholder {ambulance}",
     "{emergency_number}"),
    ("unknown attribute", "Rest. {#rest colour=red}\n", 1, "unknown attribute 'colour=red' on {#rest}",
     "when=FACT or unless=FACT"),
    ("unknown fact", "Rest. {#rest when=police_line}\n", 1, "unknown attribute 'when=police_line'",
     "emergency_number, nurse_line"),
    ("conditional heading", "### Meds {#meds when=nurse_line}\n", 1, "headings cannot be conditional",
     "paragraphs or items"),
    ("empty item", "- Rest. {#a}\n-\n", 2, "empty list item", "ending with its {#id}"),
    ("item with two paragraphs", "- Rest. {#a}\n\n  More. {#b}\n", 3, "one line of text and one nested '-' list",
     "split the item"),
    ("item that is a heading", "- ### Meds {#m}\n", 1, "must start with its text, not a heading",
     "ending with its {#id}"),
    ("stray closing line", "Text. {#t}\n\n:::\n", 3, "this ':::' line closes no warning block",
     "'::: warnings TIER'"),
    ("unknown tier", "::: warnings severe\nCall if: {#i}\n\n- Pain. {#s}\n:::\n", 1,
     "'::: warnings severe' is not a warning block of a known urgency tier", "emergency, urgent, watch"),
    ("no tier", "::: warnings\nCall if: {#i}\n\n- Pain. {#s}\n:::\n", 1, "'::: warnings' is not a warning block",
     "'::: warnings TIER'"),
    ("misspelt block", "::: warning urgent\nCall if: {#i}\n\n- Pain. {#s}\n:::\n", 1,
     "'::: warning urgent' is not a warning block", "emergency, urgent, watch"),
    ("empty warning block", "::: warnings urgent\n:::\n", 1, "the urgent warning block has no intro sentence",
     "Call {emergency_number} if:"),
    ("warning block without signs", WARN + ":::\n", 1, "the urgent warning block has no warning signs",
     "add a '-' list of warning signs"),
    ("signs before the intro", "::: warnings watch\n- Fever. {#s}\n:::\n", 1,
     "the watch warning block has no intro sentence", "Call {emergency_number} if:"),
    ("a heading after the signs", WARN + "- Pain. {#s}\n\n### Also {#f}\n:::\n", 6,
     "a heading inside the urgent warning block", "close that block"),
    ("second list in a warning block", WARN + "- Pain. {#s}\n\n* Fever. {#f}\n:::\n", 6,
     "a '-' list after the list of warning signs", "one '-' list of warning signs"),
    ("numbered warning signs", WARN + "1. Pain. {#s}\n:::\n", 4,
     "a numbered list is not allowed in the urgent warning block", "one '-' list of warning signs"),
    ("quote in a warning block", WARN + "> Pain. {#s}\n:::\n", 4, "a quote ('>') is not allowed in the urgent",
     "one '-' list"),
    ("two intros", WARN + "Or call: {#j}\n\n- Pain. {#s}\n:::\n", 1, "more than one intro sentence",
     "when=FACT / unless=FACT"),
    ("unclosed at the end", WARN + "- Pain. {#s}\n", 1, "the urgent warning block is not closed",
     "add a line with only ':::'"),
    ("unclosed before a section", WARN + "- Pain. {#s}\n\n## Next {#next}\n\nText. {#t}\n", 1,
     "the urgent warning block is not closed", "add a line with only ':::'"),
    ("block inside a block", WARN + "::: warnings watch\nWatch: {#w}\n\n- Fever. {#f}\n:::\n\n- Pain. {#s}\n:::\n",
     4, f"another '::: warnings' block inside the urgent warning block that starts on line {BODY_LINE}",
     "close that block"),
    ("warning sign without ID", WARN + "- Pain.\n:::\n", 4, "no stable ID at the end of: 'Pain.'", "{#my-id}"),
]


@pytest.mark.parametrize("body, line, message, hint", [c[1:] for c in BAD_BODIES], ids=[c[0] for c in BAD_BODIES])
def test_bad_body_is_one_error_with_file_line_and_hint(body, line, message, hint):
    error = error_of(FRONT + body)
    assert (error.path, error.line) == ("t.md", BODY_LINE + line - 1)
    assert message in error.message
    assert hint in (error.hint or "")
    assert str(error) == f"t.md:{BODY_LINE + line - 1}: {error.message} — {error.hint}"
    assert "\n" not in str(error)


def test_content_before_the_first_section():
    # Text before the first section is the handout's lead; a list there is not.
    error = error_of(FRONT.split("## Section")[0] + "- Item. {#t}\n\n## Section {#s}\n\nText. {#x}\n")
    assert (error.line, error.message) == (10, "a '-' list before the first section heading")
    assert "'## Heading {#id}'" in error.hint


def test_a_handout_without_sections():
    error = error_of(FRONT.split("## Section")[0])
    assert error.message == "has no sections"
    assert "## Heading {#id}" in error.hint


# --- bad front matter -------------------------------------------------------------------------------------------

FIELDS = {"id": "t", "title": '"Test handout"', "language": "en", "audience": "Testers",
          "last_reviewed": "2026-01-15", "attribution": "Written for tests."}
GLOSSARY = "glossary:\n  - id: knee\n    term: knee\n    definition: The joint in the middle of the leg.\n"
BODY = "\n## Section {#section}\n\nText. {#t}\n"


def front(extra: str = "", **fields: str | None) -> str:
    """Front matter with FIELDS in order (None leaves one out), then `extra` lines, then a body."""
    values = {**FIELDS, **fields}
    return "---\n" + "".join(f"{k}: {v}\n" for k, v in values.items() if v is not None) + extra + "---\n" + BODY


BAD_FRONTS = [
    ("no front matter", BODY.lstrip(), 1, "has no front matter", "start the file with a '---' line"),
    ("empty file", "", 1, "has no front matter", "start the file with a '---' line"),
    ("unclosed front matter", "---\nid: t\ntitle: T\n" + BODY, 1, "the front matter is not closed",
     "add a line with only '---'"),
    ("colon in a value", front(audience="Adults: all of them: really"), 5, "a ':' inside a value that is not in quotes",
     "quote text that contains ':'"),
    ("unclosed quote", front(title='"Test handout'), 3, "a quote or bracket opened on this line is never closed",
     "close every quote"),
    ("missing title", front(title=None), 2, "field 'title' is missing", "add 'title: ...'"),
    ("empty title", front(title='""'), 2, "field 'title' is missing", "add 'title: ...'"),
    ("missing attribution", front(attribution=None), 2, "field 'attribution' is missing", "add 'attribution: ...'"),
    ("unknown field", front("author: Me\n"), 8, "unknown field 'author'", "use only: attribution, audience"),
    ("field given twice", front('title: "Again"\n'), 8, "field 'title' is given twice (first on line 3)",
     "keep one"),
    ("id not the file name", front(id="other"), 2, "id 'other' must match the file name 't'", "same as the file name"),
    ("source not in English", front(language="fr"), 4, "language 'fr' is not supported as a source language",
     "language: en"),
    ("title not text", front(title="42"), 3, "field 'title' must be text", "put the value in quotes"),
    ("impossible date", front(last_reviewed="2026-13-45"), 6, "impossible date", "2026-01-31"),
    ("not key: value", "---\n- a\n- b\n---\n" + BODY, 2, "front matter must be 'key: value' lines", "handout docs source"),
    ("glossary not a list", front("glossary: knee\n"), 8, "glossary must be a list", "'- id: ...'"),
    ("glossary entry without definition", front("glossary:\n  - id: knee\n    term: knee\n"), 9,
     "each glossary entry needs exactly id, term and definition", "add the missing field"),
    ("glossary ID twice", front(GLOSSARY + GLOSSARY.replace("glossary:\n", "")), 12,
     "glossary id 'knee' is invalid or used twice", "its own lowercase id"),
    ("placeholder in the title", front(title='"Call {police}"'), 3, "unknown placeholder {police}",
     "{emergency_number}"),
    ("placeholder in the glossary", front(GLOSSARY.replace("The joint", "Call {doctor} for the joint")), 9,
     "unknown placeholder {doctor}", "{nurse_line}"),
]


@pytest.mark.parametrize("text, line, message, hint", [c[1:] for c in BAD_FRONTS], ids=[c[0] for c in BAD_FRONTS])
def test_bad_front_matter_is_one_error_with_file_line_and_hint(text, line, message, hint):
    error = error_of(text)
    assert (error.path, error.line) == ("t.md", line)
    assert message in error.message
    assert hint in (error.hint or "")
    assert str(error).startswith(f"t.md:{line}: ")


def test_front_matter_fixture_itself_is_valid():
    assert parse_handout(front(GLOSSARY), Path("t.md")).glossary[0].term == "knee"


# --- files ------------------------------------------------------------------------------------------------------


def test_non_utf8_file_names_the_line(tmp_path):
    path = tmp_path / "t.md"
    path.write_bytes((FRONT + "Text. {#a}\n\nCaf\xe9 au lait. {#b}\n").encode("latin-1"))
    with pytest.raises(HandoutError) as info:
        read_handout(path)
    assert (info.value.path, info.value.line) == (str(path), BODY_LINE + 2)
    assert info.value.message == "is not UTF-8 text"
    assert info.value.hint == "save the file as UTF-8"


def test_missing_file(tmp_path):
    with pytest.raises(HandoutError, match="file not found — check the handout ID"):
        read_handout(tmp_path / "nothing.md")


def test_extract_reports_a_source_error_as_one_line_and_writes_nothing(mini_root, cli):
    source = mini_root / "source" / "mini.md"
    source.write_text(source.read_text(encoding="utf-8").replace("{#fever}", "{#red-skin}"), encoding="utf-8")
    pot = mini_root / "locales" / "mini.pot"
    before = pot.read_bytes()
    result = cli(mini_root, "extract")
    assert result.exit_code == 2
    assert result.stdout == ""
    assert result.stderr == (f"error: {source}:{line_of(source, 'A fever.')}: ID 'red-skin' is used twice "
                             f"(first on line {line_of(source, 'Red skin.')}) — give every block its own ID\n")
    assert pot.read_bytes() == before


def test_the_installed_command_prints_no_traceback(mini_root):
    source = mini_root / "source" / "mini.md"
    source.write_text(source.read_text(encoding="utf-8").replace("\n:::\n\n::: warnings urgent", "\n\n::: warnings "
                                                                 "urgent", 1), encoding="utf-8")
    script = Path(sys.executable).with_name("handout")
    command = [str(script)] if script.exists() else [sys.executable, "-m", "handout_pipeline"]
    result = subprocess.run([*command, "--root", str(mini_root), "extract"],
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1 and "Traceback" not in result.stderr
    assert result.stderr.startswith(f"error: {source}:{line_of(source, '::: warnings urgent')}: ")
