"""Property-based robustness: no input crashes the reader or the catalog loader, translated text is never
markup, and `update` never loses a translation whatever the sequence of source edits."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from unittest import mock

import pytest
from babel.messages.catalog import Catalog, Message
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from handout_pipeline.inline import real_letters
from handout_pipeline.errors import HandoutError
from handout_pipeline.i18n import catalogs
from handout_pipeline.i18n.catalogs import STALE_NOTE, build_template, load_catalog, merge, render
from handout_pipeline.i18n.translate import resolve, translate
from handout_pipeline.i18n.units import (
    heading_context, intro_context, item_context, paragraph_context, units,
)
from handout_pipeline.inline import normalise_space
from handout_pipeline.languages import get_language
from handout_pipeline.model import BulletList, Heading, Paragraph, WarningBlock, plain, walk_items
from handout_pipeline.reader import parse_handout, read_handout

from conftest import FIXTURES

FR = get_language("fr")
MINI = parse_handout((FIXTURES / "mini" / "source" / "mini.md").read_text(encoding="utf-8"), Path("mini.md"))
MINI_TEMPLATE = build_template(MINI, "source/mini.md")
# On CI the examples are the same every run, so that a run fails only for a change; locally they vary.
PROPERTY = settings(max_examples=150, deadline=None, database=None, derandomize=bool(os.environ.get("CI")),
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])

FRONT = ('---\nid: t\ntitle: "Test"\nlanguage: en\naudience: Testers\nlast_reviewed: 2026-01-15\n'
         "attribution: Written for tests.\n---\n")


# --- any text as a source ---------------------------------------------------------------------------------------

SOURCE_LINES = [
    "---", "id: t", 'title: "T"', "title: [", "language: en", "audience: a", "last_reviewed: 2026-01-01",
    "last_reviewed: 2026-02-30", "attribution: b", "glossary:", "  - id: g", "    term: x", "    definition: y {z}",
    "## Section {#s}", "### Sub {#h}", "# Big {#b}", "##### Small {#x}", "Text. {#p}", "Text {#p when=nurse_line}",
    "Call {emergency_number} {#c}", "Call {police} {#d}", "- Item. {#i}", "  - Child. {#j}", "-", "* Star. {#k}",
    "1. One. {#o}", "::: warnings urgent", "::: warnings emergency", "::: warnings watch", "::: warnings bogus",
    "::: note", ":::", "::::", "```", "    code", "> quote", "| a | b |", "|---|---|", "<div>", "<!-- c -->",
    "[x](http://a) {#l}", "![i](x.png) {#m}", "`code` {#n}", "**bold** *em* {#e}", "{#}", "{#Bad}", "{#a b=c}",
    "[1]: http://a", "***", "===", "", "", "\t", "\ufeff", "\r", "\x00",
]
source_text = st.lists(st.one_of(st.sampled_from(SOURCE_LINES), st.text(max_size=12)), max_size=40).map("\n".join)


def assert_handout_error(error: HandoutError, text: str, name: str) -> None:
    assert error.path == name
    assert error.line is None or 1 <= error.line <= text.count("\n") + text.count("\r") + 2
    assert error.message and "\n" not in str(error)


@PROPERTY
@given(st.one_of(st.text(), source_text, source_text.map(FRONT.__add__),
                 source_text.map(lambda body: FRONT + "\n## S {#s}\n\n" + body)))
def test_any_text_as_source_is_a_handout_or_a_handout_error(text):
    try:
        handout = parse_handout(text, Path("t.md"))
    except HandoutError as error:
        assert_handout_error(error, text, "t.md")
    else:
        assert len(build_template(handout, "source/t.md")) == len(list(units(handout)))


@PROPERTY
@given(st.binary(max_size=400))
def test_any_bytes_as_source_file_is_a_handout_or_a_handout_error(tmp_path_factory, data):
    path = _scratch(tmp_path_factory) / "t.md"
    path.write_bytes(data)
    try:
        read_handout(path)
    except HandoutError as error:
        assert error.path == str(path) and "\n" not in str(error)


_SCRATCH: list[Path] = []


def _scratch(factory) -> Path:
    """One scratch folder for all examples of a test run (hypothesis cannot use function-scoped tmp_path)."""
    if not _SCRATCH:
        _SCRATCH.append(factory.mktemp("scratch"))
    return _SCRATCH[0]


# --- any bytes as a catalog -------------------------------------------------------------------------------------

HEADER = 'msgid ""\nmsgstr ""\n"Content-Type: text/plain; charset=UTF-8\\n"\n"Language: fr\\n"\n\n'
PO_LINES = [
    'msgid ""', 'msgstr ""', '"Content-Type: text/plain; charset=UTF-8\\n"', '"Content-Type: text/plain\\n"',
    '"Plural-Forms: nplurals=2; plural=(n > 1);\\n"', '"Plural-Forms: nplurals=x;\\n"', 'msgctxt "item/pills"',
    'msgctxt "warning-sign/fever"', 'msgctxt "title"', 'msgctxt ""', 'msgid "Take your pills."',
    'msgid "A fever."', 'msgid "Knee Care at Home"', 'msgid "{x}"', 'msgid "a"', 'msgstr "a"', 'msgstr "{y}"',
    'msgstr "\\q"', 'msgid_plural "as"', 'msgstr[0] "x"', 'msgstr[1] "y"', 'msgstr[7] "z"', "#, fuzzy",
    "#, python-brace-format", '#| msgid "old"', '#| "continued', '#~ msgctxt "item/x"', '#~ msgid "gone"',
    '#~ msgstr "parti"', '#~| msgid "x"', "# translator comment", "# " + STALE_NOTE + "Ancien.", "#. auto",
    "#: source/mini.md:12", "#: ", '"continued"', '"unterminated', '"\\"', "#-#-#-#", "", "", "msgid", "msgstr",
]
po_text = st.lists(st.one_of(st.sampled_from(PO_LINES), st.text(max_size=10)), max_size=30).map("\n".join)
MINI_KEYS = [(m.context, m.id) for m in MINI_TEMPLATE if m.id]


def quoted(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n").replace("\t", "\\t") + '"'


@st.composite
def po_entry(draw) -> str:
    """One well-formed entry, most often for a message of the mini handout, maybe fuzzy, commented or obsolete."""
    context, msgid = draw(st.one_of(st.sampled_from(MINI_KEYS), st.tuples(st.text(max_size=8), st.text(max_size=8))))
    if draw(st.booleans()):
        msgid = draw(st.text(max_size=20)) or msgid
    lines = [f"# {c}" for c in draw(st.lists(st.sampled_from(["note", STALE_NOTE + "Ancien.", "| msgid \"x\""]),
                                              max_size=2))]
    if draw(st.booleans()):
        lines.append("#, fuzzy")
    if draw(st.booleans()):
        lines.append(f"#| msgid {quoted(draw(st.text(max_size=20)))}")
    prefix = "#~ " if draw(st.booleans()) else ""
    lines += [f"{prefix}msgctxt {quoted(context)}", f"{prefix}msgid {quoted(msgid or 'x')}",
              f"{prefix}msgstr {quoted(draw(st.text(max_size=20)))}"]
    return "\n".join(lines if not prefix else [line for line in lines if not line.startswith("#|")])


po_entries = st.lists(po_entry(), max_size=12).map(lambda entries: HEADER + "\n\n".join(entries) + "\n")
po_data = st.one_of(po_entries.map(str.encode), st.binary(max_size=300), st.text(max_size=300).map(str.encode), po_text.map(str.encode),
                    po_text.map(lambda t: (HEADER + t).encode()),
                    po_text.map(lambda t: (HEADER + t).encode("utf-16")))


def load_any(path: Path, data: bytes):
    """load_catalog on any bytes: a catalog or a HandoutError; a catalog that loads can be merged and written."""
    path.write_bytes(data)
    try:
        catalog = load_catalog(path, FR)
    except HandoutError as error:
        assert error.path == str(path) and "\n" not in str(error)
        assert error.line is None or 1 <= error.line <= data.count(b"\n") + 2
        return
    merged = merge(MINI_TEMPLATE, catalog, FR)
    assert {m.context for m in merged if m.id} == {m.context for m in MINI_TEMPLATE if m.id}
    written = path.with_suffix(".merged.po")
    written.write_bytes(render(merged))
    load_catalog(written, FR)  # what `update` writes is always a valid catalog


@PROPERTY
@given(po_data)
def test_any_bytes_as_catalog_is_a_catalog_or_a_handout_error(tmp_path_factory, data):
    load_any(_scratch(tmp_path_factory) / "x.po", data)


@PROPERTY
@given(po_data)
def test_any_bytes_as_catalog_without_msgfmt(tmp_path_factory, data):
    with mock.patch.object(catalogs.shutil, "which", return_value=None):
        load_any(_scratch(tmp_path_factory) / "y.po", data)


# --- translated text is text, never markup ------------------------------------------------------------------------


def translated_texts(handout) -> dict[str, object]:
    """The Text of every message of a handout, by msgctxt."""
    texts: dict[str, object] = {"title": handout.title, "attribution": handout.attribution}
    for section in handout.sections:
        texts[heading_context(section.heading.id)] = section.heading.text
        for block in section.blocks:
            match block:
                case Heading():
                    texts[heading_context(block.id)] = block.text
                case Paragraph():
                    texts[paragraph_context(block.id)] = block.text
                case BulletList():
                    texts.update({item_context(i.id, False): i.text for i in walk_items(block.items)})
                case WarningBlock():
                    texts.update({intro_context(p.id): p.text for p in block.intros})
                    texts.update({item_context(i.id, True): i.text for i in walk_items(block.items)})
                case _:
                    raise AssertionError(block)
    return texts


def catalog_with(strings: list[str]) -> Catalog:
    catalog = Catalog(locale="fr")
    for unit, string in zip(units(MINI), strings):
        catalog[unit.msgid] = Message(unit.msgid, string, context=unit.context)
    return catalog


def shape(handout) -> list:
    return [(s.heading.id, [(type(b).__name__, getattr(b, "id", None),
                             [i.id for i in walk_items(getattr(b, "items", ()))]) for b in s.blocks])
            for s in handout.sections]


UNITS = list(units(MINI))
FACTS = {"emergency_number": "911", "nurse_line": "811"}


@PROPERTY
@given(st.lists(st.text(), min_size=len(UNITS), max_size=len(UNITS)))
def test_any_translation_translates_without_error_and_keeps_the_structure(strings):
    result = translate(MINI, catalog_with(strings), FR)
    resolved = resolve(result.handout, FACTS)
    assert shape(result.handout) == shape(MINI)
    assert {u.context for u in result.missing} == {u.context for u, s in zip(UNITS, strings) if not real_letters(s)}
    texts = translated_texts(resolved)
    assert all(span.text for text in texts.values() for span in text)


LITERAL = st.text(st.characters(blacklist_characters="*_\\\x00", blacklist_categories=("Cs",)), min_size=1)


@PROPERTY
@given(st.lists(LITERAL, min_size=len(UNITS), max_size=len(UNITS)))
def test_translated_text_without_emphasis_marks_is_kept_exactly(strings):
    texts = translated_texts(translate(MINI, catalog_with(strings), FR).handout)
    for unit, string in zip(UNITS, strings):
        if unit.context in texts and real_letters(string):
            text = texts[unit.context]
            assert plain(text) == normalise_space(string)
            assert not any(span.strong or span.emphasis for span in text)


@pytest.mark.parametrize("string, spans", [
    ("<b>Appelez</b> le 911", [("<b>Appelez</b> le 911", False, False)]),
    ("[ici](http://example.org) ![x](y.png)", [("[ici](http://example.org) ![x](y.png)", False, False)]),
    ("<script>alert(1)</script> `code` &amp; <!-- c -->", [("<script>alert(1)</script> `code` &amp; <!-- c -->",
                                                           False, False)]),
    ("# Titre\n\n> cité\n- liste", [("# Titre > cité - liste", False, False)]),
    ("**Gras** et *penché*", [("Gras", True, False), (" et ", False, False), ("penché", False, True)]),
    ("\x1b[31mrouge\x07 \u202eà l’envers", [("\x1b[31mrouge\x07 \u202eà l’envers", False, False)]),
])
def test_markup_like_translations_stay_literal(string, spans):
    strings = [string if u.context == "paragraph/rest" else "x" for u in UNITS]
    rest = translated_texts(translate(MINI, catalog_with(strings), FR).handout)["paragraph/rest"]
    assert [(s.text, s.strong, s.emphasis) for s in rest] == spans


def test_a_translated_placeholder_becomes_the_regions_number_and_nothing_else_does():
    strings = ["Appelez le {emergency_number} ou {inconnu} si :" if u.context == "warning-intro/emergency-intro"
               else "x" for u in UNITS]
    resolved = resolve(translate(MINI, catalog_with(strings), FR).handout, FACTS)
    intro = translated_texts(resolved)["warning-intro/emergency-intro"]
    assert [(s.text, s.fact) for s in intro] == [("Appelez le ", None), ("911", "emergency_number"),
                                                  (" ou {inconnu} si :", None)]


# --- update never loses work --------------------------------------------------------------------------------------

WORDS = ["Take", "your", "pills", "call", "now", "if", "you", "feel", "pain", "fever", "swelling", "**red**",
         "*hot*", '"quoted"', "back\\slash", "well--known", "l’eau", "naïve", "疼痛", "ਦਰਦ", "ألم", "x" * 90, "it.",
         "skin,", "(rest)", "[brackets]", "1 < 2"]
TRANSLATED_WORDS = ["Prenez", "vos", "comprimés", "appelez", "si", "douleur", "fièvre", '"cité"', "«", "»",
                    "back\\slash", "a--b", "注意", "ਦਰਦ", "ألم", "y" * 90, "\u00a0:", "l’eau", "—", "**fort**", "|", "| msgid"]
text_of = st.lists(st.sampled_from(WORDS), min_size=1, max_size=30).map(" ".join)
translation_of = st.lists(st.sampled_from(TRANSLATED_WORDS), min_size=1, max_size=16).map(" ".join)
LISTS = ["list-a", "warn-a", "list-b", "warn-b"]
OPS = ["reword", "insert", "delete", "move", "rename", "translate", "translate"]


@dataclass
class Item:
    id: str
    text: str
    children: list["Item"] = field(default_factory=list)


@dataclass
class Doc:
    """A generated handout: fixed blocks with editable texts, and four lists (two are warning signs)."""

    texts: dict[str, str]
    lists: dict[str, list[Item]]
    next_id: int = 0

    def fresh(self) -> str:
        self.next_id += 1
        return f"n{self.next_id}"

    def source(self) -> str:
        t = self.texts
        out = [FRONT, "\n## Section A {#sec-a}\n\n", f"{t['p-a']} {{#p-a}}\n\n"]
        out += self.bullets("list-a")
        out += ["::: warnings urgent\n", f"{t['intro-a']} {{#intro-a}}\n\n", *self.bullets("warn-a"), ":::\n\n"]
        out += ["## Section B {#sec-b}\n\n", f"### {t['h-b']} {{#h-b}}\n\n", *self.bullets("list-b")]
        out += ["::: warnings emergency\n", f"{t['intro-b']} {{#intro-b}}\n\n", *self.bullets("warn-b"), ":::\n"]
        return "".join(out)

    def bullets(self, name: str) -> list[str]:
        lines = []
        for item in self.lists[name]:
            lines.append(f"- {item.text} {{#{item.id}}}\n")
            lines += [f"  - {child.text} {{#{child.id}}}\n" for child in item.children]
        return lines + ["\n"] if lines else []

    def all_items(self) -> list[tuple[list[Item], Item]]:
        """Every item with the list that holds it (a top-level list or an item's children)."""
        found = []
        for name in LISTS:
            for item in self.lists[name]:
                found.append((self.lists[name], item))
                found += [(item.children, child) for child in item.children]
        return found

    def removable(self, holder: list[Item]) -> bool:
        return len(holder) > 1 or not any(holder is self.lists[w] for w in ("warn-a", "warn-b"))


def initial_doc() -> Doc:
    doc = Doc({"p-a": "Rest your knee.", "intro-a": "Call your doctor if:", "h-b": "More care",
               "intro-b": "Call 911 if:"}, {name: [] for name in LISTS})
    for name, texts in (("list-a", ["Take your pills.", "Drink water."]), ("warn-a", ["A fever.", "Red skin."]),
                        ("list-b", ["Walk a little."]), ("warn-b", ["You cannot breathe."])):
        doc.lists[name] = [Item(doc.fresh(), text) for text in texts]
    doc.lists["warn-a"][0].children.append(Item(doc.fresh(), "It is hot."))
    return doc


def edit_doc(doc: Doc, op: str, a: int, b: int, words: str) -> None:
    """Apply one source edit; the numbers pick the target, so any sequence is a valid handout."""
    items = doc.all_items()
    match op:
        case "reword":
            targets = [*doc.texts, *(item.id for _, item in items)]
            target = targets[a % len(targets)]
            if target in doc.texts:
                doc.texts[target] = words
            else:
                next(item for _, item in items if item.id == target).text = words
        case "insert":
            holder = doc.lists[LISTS[a % 4]]
            if holder and a // 4 % 3 == 0:
                holder = holder[b % len(holder)].children
            holder.insert(b % (len(holder) + 1), Item(doc.fresh(), words))
        case "delete":
            holder, item = items[a % len(items)]
            if doc.removable(holder):
                holder.remove(item)
        case "move":
            holder, item = items[a % len(items)]
            target = doc.lists[LISTS[b % 4]]
            if doc.removable(holder) and target is not holder:
                holder.remove(item)
                target.insert(b // 4 % (len(target) + 1), Item(item.id, item.text, item.children if
                                                                holder in doc.lists.values() else []))
        case "rename":
            items[a % len(items)][1].id = doc.fresh()
        case _:
            raise AssertionError(op)


def translate_some(catalog: Catalog, a: int, b: int, words: str) -> None:
    """A translator fills in every third message (from the live ones); sometimes they also clear 'fuzzy'."""
    for index, message in enumerate(m for m in catalog if m.id):
        if index % 3 == a % 3:
            message.string = f"{words} {index}"
            if b % 2:
                message.flags.discard("fuzzy")
                message.previous_id = []


def squash(text: str) -> str:
    return "".join(text.split())


def stale_text(message: Message) -> str:
    comments = message.user_comments
    start = next((i for i, c in enumerate(comments) if c.startswith(STALE_NOTE.rstrip())), len(comments))
    return " ".join(comments[start:])


@dataclass(frozen=True)
class Work:
    kind: str  # "live", "obsolete" or "note"
    context: str
    msgid: str
    text: str
    base: str  # the English the translation was made for
    fuzzy: bool


def work_in(catalog: Catalog) -> list[Work]:
    found = []
    for kind, messages in (("live", [m for m in catalog if m.id]), ("obsolete", list(catalog.obsolete.values()))):
        for m in messages:
            base = m.previous_id[0] if m.fuzzy and m.previous_id else m.id
            if m.string:
                found.append(Work(kind, m.context, m.id, m.string, base, m.fuzzy))
            if stale_text(m):
                found.append(Work("note", m.context, m.id, stale_text(m), base, m.fuzzy))
    return found


def safety(message: Message) -> bool:
    return message.context.startswith(("warning-sign/", "warning-intro/"))


def kept(work: Work, new: Catalog) -> bool:
    """Whether the merged catalog still holds this piece of work: current, flagged, stale-noted or obsolete."""
    live = [m for m in new if m.id and m.context == work.context]
    gone = [m for m in new.obsolete.values() if m.context == work.context]
    if work.kind == "note":
        return any(squash(work.text) in squash(stale_text(m)) for m in live + gone)
    if any(m.id == work.msgid and m.string == work.text for m in gone):
        return True
    for m in live:
        if m.id == work.msgid and m.string == work.text and m.fuzzy == work.fuzzy:
            return True
        if m.id != work.msgid and m.fuzzy and m.previous_id == [work.base]:
            if m.string == work.text:
                return not safety(m)
            if safety(m) and m.string == "" and squash(work.text) in squash(stale_text(m)):
                return True
    return False


def check_merge(old: Catalog, new: Catalog) -> None:
    lost = [w for w in work_in(old) if not kept(w, new)]
    assert not lost, lost
    before = {(m.id, m.context): m for m in [*old.obsolete.values(), *(m for m in old if m.id)]}
    old_live = {(m.id, m.context): m for m in old if m.id}
    live_keys = set()
    for m in (m for m in new if m.id):
        live_keys.add((m.id, m.context))
        prior = before.get((m.id, m.context))
        if m.string and not m.fuzzy:  # shipped as translated: only ever the translation of this very English
            assert prior is not None and prior.string == m.string and not prior.fuzzy, m
        if (m.id, m.context) in old_live:  # same English keeps the translation
            assert (m.string, m.fuzzy) == (old_live[m.id, m.context].string, old_live[m.id, m.context].fuzzy), m
    assert not live_keys & {(m.id, m.context) for m in new.obsolete.values()}  # msgfmt refuses a live+obsolete twin


def reread(catalog: Catalog, path: Path) -> Catalog:
    path.write_bytes(render(catalog))
    return load_catalog(path, FR)


@settings(PROPERTY, max_examples=120)
@given(st.lists(st.tuples(st.sampled_from(OPS), st.integers(0, 10 ** 6), st.integers(0, 10 ** 6), text_of,
                          translation_of), min_size=1, max_size=10))
def test_update_never_loses_work(tmp_path_factory, steps):
    path = _scratch(tmp_path_factory) / "t.po"
    doc = initial_doc()
    with mock.patch.object(catalogs.shutil, "which", return_value=None):  # msgfmt once at the end, for speed
        template = build_template(parse_handout(doc.source(), Path("t.md")), "source/t.md")
        old = merge(template, None, FR)
        translate_some(old, 0, 1, "Tout")
        translate_some(old, 1, 1, "Tout")
        translate_some(old, 2, 1, "Tout")
        for op, a, b, words, translation in steps:
            old = reread(old, path)
            if op == "translate":
                translate_some(old, a, b, translation)
                continue
            edit_doc(doc, op, a, b, words)
            template = build_template(parse_handout(doc.source(), Path("t.md")), "source/t.md")
            new = merge(template, old, FR)
            check_merge(old, new)
            old = new
    final = reread(old, path)  # with msgfmt --check this time
    assert render(merge(template, final, FR)) == render(final)  # a second update changes nothing


def test_plural_message_is_written_with_the_headers_number_of_forms(tmp_path):
    """Found by hypothesis: a plural entry read with Babel's CLDR count must be written with the header's."""
    with mock.patch.object(catalogs.shutil, "which", return_value=None):
        load_any(tmp_path / "p.po", b'msgid ""\nmsgstr "charset=UTF8"\nmsgid_plural')
