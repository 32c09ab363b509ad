"""read_handout(path) -> Handout: Markdown with YAML front matter, parsed by markdown-it-py."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import Any, Collection

import yaml
from markdown_it import MarkdownIt
from markdown_it.tree import SyntaxTreeNode
from mdit_py_plugins.container import container_plugin
from mdit_py_plugins.front_matter import front_matter_plugin

from handout_pipeline.config import KNOWN_FACTS
from handout_pipeline.errors import HandoutError
from handout_pipeline.inline import PLACEHOLDER_NAME, normalise_space, parse_inline, placeholders_in
from handout_pipeline.model import (
    Block, BulletList, GlossaryEntry, Handout, Heading, ListItem, Meta, Paragraph, Section, Tier,
    WarningBlock,
)

ID = re.compile(r"[a-z0-9][a-z0-9-]{0,63}\Z")
HANDOUT_ID = ID
# A trailing attribute block: `{#stable-id}` or `{#stable-id when=nurse_line}`.
_ATTRS = re.compile(r"\s*\{#([^\s{}]*)((?:\s+[^\s{}]+)*)\s*\}\s*\Z")
_FRONT_KEYS = {"id", "title", "language", "audience", "last_reviewed", "attribution", "glossary", "no_warning_signs",
               "emergency_summary", "version"}
_REQUIRED_FRONT = _FRONT_KEYS - {"glossary", "no_warning_signs", "emergency_summary", "version"}
_ALLOWED_INLINE = {"text", "softbreak", "hardbreak", "strong", "em"}
# What a writer of handouts calls the constructs the source format does not allow.
_CONSTRUCTS = {
    "fence": "a code block ('```')", "code_block": "an indented code block (4 or more spaces before the text)",
    "blockquote": "a quote ('>')", "table": "a table", "ordered_list": "a numbered list",
    "bullet_list": "a '-' list", "html_block": "raw HTML", "hr": "a horizontal line ('---', '***' or '___')",
    "link": "a link", "image": "an image", "code_inline": "inline code ('`')", "html_inline": "raw HTML",
    "s": "crossed-out text ('~~')", "paragraph": "text", "heading": "a heading",
    "container_warnings": "another '::: warnings' block",
}
_CLOSING_FENCE = re.compile(r" {0,3}:{3,}[ \t]*\Z")


def _parser() -> MarkdownIt:
    # HTML, tables and strikethrough are parsed (not left as literal text) so that they can be refused by name;
    # reference definitions are off because markdown-it drops them from the document without a trace.
    md = MarkdownIt("commonmark").enable(["table", "strikethrough"]).disable(["reference"])
    md.use(front_matter_plugin)
    # Every ':::' line with words after it opens a block, so that a misspelt '::: warning urgent' is reported.
    md.use(container_plugin, name="warnings", validate=lambda params, *_: bool(params.strip()))
    return md


def _describe(node_type: str) -> str:
    return _CONSTRUCTS.get(node_type, node_type.replace("_", " "))


_MD = _parser()


def read_handout(path: Path, facts: Collection[str] | None = None) -> Handout:
    """Parse one handout source; every problem is a HandoutError naming the file and line. `facts`: the
    region facts the configuration knows ({name} and when=/unless=); default: the built-in ones."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8-sig")  # Notepad and Word start UTF-8 files with a byte-order mark
    except FileNotFoundError:
        raise HandoutError("file not found", path, hint="check the handout ID and the source/ folder") from None
    except UnicodeDecodeError as exc:
        line = path.read_bytes()[: exc.start].count(b"\n") + 1
        raise HandoutError("is not UTF-8 text", path, line, "save the file as UTF-8") from None
    except OSError as exc:
        raise HandoutError(f"cannot be read ({exc.strerror})", path) from None
    return parse_handout(text, path, facts)


def parse_handout(text: str, path: Path, facts: Collection[str] | None = None) -> Handout:
    """Parse handout source text; `path` names the file in errors and must be <id>.md."""
    # The same line endings as markdown-it, so that the line numbers of both agree.
    text = text.removeprefix("\ufeff").replace("\r\n", "\n").replace("\r", "\n")
    root = SyntaxTreeNode(_MD.parse(text))
    children = list(root.children)
    if not children or children[0].type != "front_matter":
        if text.startswith("---"):
            raise HandoutError("the front matter is not closed", path, 1,
                               "add a line with only '---' after its last field (last_reviewed, glossary, ...)")
        raise HandoutError("has no front matter", path, 1,
                           "start the file with a '---' line, the title/id/language fields, and another '---'")
    front = _front_matter(children[0], path)
    reader = _BlockReader(path, text.split("\n"), tuple(KNOWN_FACTS) if facts is None else
                         tuple(sorted(facts, key=lambda f: (f not in KNOWN_FACTS, f))))
    lead, sections = reader.sections(children[1:])
    attribution = normalise_space(front["attribution"])
    title = normalise_space(front["title"])
    for value, line_key in ((title, "title"), (attribution, "attribution")):
        reader.check_placeholders(value, front["_lines"].get(line_key, 1))
    for entry, line in zip(front["glossary"], front["_glossary_lines"]):
        reader.check_placeholders(entry["term"] + " " + entry["definition"], line)
    glossary = tuple(GlossaryEntry(e["id"], normalise_space(e["term"]), normalise_space(e["definition"]))
                     for e in front["glossary"])
    meta = Meta(front["id"], front["language"], normalise_space(front["audience"]),
                front["last_reviewed"], str(path), front.get("no_warning_signs"),
                emergency_summary=front.get("emergency_summary", True), version=front.get("version", ""))
    return Handout(meta, parse_inline(title), title, parse_inline(attribution), attribution, glossary,
                   tuple(sections), front["language"], placeholders=frozenset(reader.placeholders), lead=tuple(lead))


def _front_matter(node: SyntaxTreeNode, path: Path) -> dict[str, Any]:
    start = (node.map[0] if node.map else 0) + 2  # the line after the opening '---'
    lines: dict[str, int] = {}
    try:
        lines, glossary_lines = _field_lines(node.content, start, path)
        data = yaml.safe_load(node.content)
    except yaml.YAMLError as exc:
        problem = getattr(exc, "problem", None) or "not valid YAML"
        # An unclosed quote or bracket is found only at the end: the line where it was opened is the one to fix.
        mark = getattr(exc, "context_mark", None) if "end of stream" in problem else None
        if mark is not None:
            problem = "a quote or bracket opened on this line is never closed"
        elif problem == "mapping values are not allowed here":  # YAML's words for the commonest slip
            problem = "a ':' inside a value that is not in quotes"
        mark = mark or getattr(exc, "problem_mark", None)
        line = start + mark.line if mark else start
        raise HandoutError(f"front matter: {problem}", path, line,
                           "fix the YAML on that line (quote text that contains ':', close every quote)") from None
    except ValueError as exc:  # an impossible date such as 2026-13-45 (the only date field is last_reviewed)
        raise HandoutError(f"front matter: impossible date ({exc})", path, lines.get("last_reviewed", start),
                           "write the date as YEAR-MONTH-DAY, e.g. 2026-01-31") from None
    except RecursionError:
        raise HandoutError("front matter: brackets nested too deeply", path, start,
                           "write plain 'key: value' lines") from None
    if not isinstance(data, dict):
        raise HandoutError("front matter must be 'key: value' lines", path, start, "see handout docs source")
    for key in data:
        if key not in _FRONT_KEYS:
            raise HandoutError(f"front matter: unknown field '{key}'", path, lines.get(key, start),
                               f"use only: {', '.join(sorted(_FRONT_KEYS))}")
    for key in sorted(_REQUIRED_FRONT):
        if key not in data or data[key] in (None, ""):
            raise HandoutError(f"front matter: field '{key}' is missing", path, start, f"add '{key}: ...'")
    if isinstance(data["last_reviewed"], dt.date):
        data["last_reviewed"] = data["last_reviewed"].isoformat()
    reason = data.get("no_warning_signs")
    if reason is not None and (not isinstance(reason, str) or len(reason.split()) < 3):
        raise HandoutError("front matter: no_warning_signs must say why the handout has none", path,
                           lines.get("no_warning_signs", start),
                           "e.g. no_warning_signs: A list of clinic phone numbers; it gives no medical advice")
    if not isinstance(data.get("emergency_summary", True), bool):
        raise HandoutError("front matter: emergency_summary must be true or false", path,
                           lines.get("emergency_summary", start),
                           "write 'emergency_summary: false' to leave out the page-1 emergency box, or remove the line")
    if isinstance(data.get("version"), (int, float)) and not isinstance(data.get("version"), bool):
        data["version"] = str(data["version"])  # version: 3 or version: 2.1 is meant as text
    for key in ("id", "title", "language", "audience", "attribution", "last_reviewed", *(["version"] if "version" in data else [])):
        if not isinstance(data[key], str):
            raise HandoutError(f"front matter: field '{key}' must be text", path, lines.get(key, start),
                               "put the value in quotes")
    if not ID.match(data["id"]) or data["id"] != path.stem:
        raise HandoutError(f"front matter: id '{data['id']}' must match the file name '{path.stem}'", path,
                           lines.get("id", start), "use lowercase letters, digits and '-', same as the file name")
    if data["language"] != "en":
        raise HandoutError(f"front matter: language '{data['language']}' is not supported as a source language",
                           path, lines.get("language", start), "write sources in English (language: en)")
    data["glossary"] = _glossary(data.get("glossary") or [], path, lines.get("glossary", start), glossary_lines)
    data["_lines"] = lines
    data["_glossary_lines"] = glossary_lines
    return data


def _field_lines(content: str, start: int, path: Path) -> tuple[dict[str, int], list[int]]:
    """The line of each top-level field and of each glossary entry; a field given twice is an error."""
    root = yaml.compose(content, Loader=yaml.SafeLoader)
    lines: dict[str, int] = {}
    glossary: list[int] = []
    if not isinstance(root, yaml.MappingNode):
        return lines, glossary
    for key, value in root.value:
        if not isinstance(key, yaml.ScalarNode):
            continue
        line = start + key.start_mark.line
        if key.value in lines:
            raise HandoutError(f"front matter: field '{key.value}' is given twice (first on line {lines[key.value]})",
                               path, line, "keep one of the two")
        lines[key.value] = line
        if key.value == "glossary" and isinstance(value, yaml.SequenceNode):
            glossary = [start + entry.start_mark.line for entry in value.value]
    return lines, glossary


def _glossary(entries: Any, path: Path, line: int, entry_lines: list[int]) -> list[dict[str, str]]:
    if not isinstance(entries, list):
        raise HandoutError("front matter: glossary must be a list", path, line,
                           "write '- id: ...', 'term: ...', 'definition: ...' for each entry")
    seen: set[str] = set()
    for index, entry in enumerate(entries):
        line = entry_lines[index] if index < len(entry_lines) else line
        if not isinstance(entry, dict) or set(entry) != {"id", "term", "definition"} or not all(
                isinstance(v, str) and v.strip() for v in entry.values()):
            raise HandoutError("front matter: each glossary entry needs exactly id, term and definition",
                               path, line, "add the missing field or remove the extra one")
        if not ID.match(entry["id"]) or entry["id"] in seen:
            raise HandoutError(f"front matter: glossary id '{entry['id']}' is invalid or used twice",
                               path, line, "give each entry its own lowercase id")
        seen.add(entry["id"])
    return entries


class _BlockReader:
    """Turns the syntax tree into sections; remembers IDs and placeholders to catch repeats."""

    def __init__(self, path: Path, lines: list[str], facts: tuple[str, ...] = tuple(KNOWN_FACTS)) -> None:
        self.path = path
        self.facts = facts
        self.lines = lines
        self.ids: dict[str, int] = {}
        self.placeholders: set[str] = set()

    def error(self, node: SyntaxTreeNode | None, message: str, hint: str) -> HandoutError:
        line = node.map[0] + 1 if node is not None and node.map else None
        return HandoutError(message, self.path, line, hint)

    def sections(self, nodes: list[SyntaxTreeNode]) -> tuple[list[Paragraph], list[Section]]:
        """(lead paragraphs before the first '##', sections)."""
        lead: list[Paragraph] = []
        sections: list[Section] = []
        heading: Heading | None = None
        blocks: list[Block] = []
        for node in nodes:
            if node.type == "heading" and node.tag == "h2":
                if heading is not None:
                    sections.append(Section(heading, tuple(blocks)))
                heading, blocks = self.heading(node), []
                continue
            if heading is None:
                block = self.block(node)
                if not isinstance(block, Paragraph):
                    raise self.error(node, f"{self.kind(block)} before the first section heading",
                                     "only paragraphs may open the handout (its lead): start a section with "
                                     "'## Heading {#id}' above this")
                lead.append(block)
                continue
            blocks.append(self.block(node))
        if heading is None:
            raise self.error(None, "has no sections", "add at least one '## Heading {#id}'")
        sections.append(Section(heading, tuple(blocks)))
        return lead, sections

    @staticmethod
    def kind(block: Block) -> str:
        return {"Heading": "a subheading", "BulletList": "a '-' list",
                "WarningBlock": "a '::: warnings' block"}.get(type(block).__name__, "text")

    def block(self, node: SyntaxTreeNode) -> Block:
        match node.type:
            case "heading" if node.tag in ("h3", "h4"):
                return self.heading(node)
            case "heading":
                raise self.error(node, f"heading level {node.tag[1:]} is not allowed here",
                                 "use '##' for sections and '###' inside them; the title goes in the front matter")
            case "paragraph" if node.children[0].content.lstrip().startswith(":::"):
                raise self.error(node, "this ':::' line closes no warning block",
                                 "remove it, or open the block above with '::: warnings TIER'")
            case "paragraph":
                return self.paragraph(node)
            case "bullet_list":
                return BulletList(self.items(node, in_warning=False), self.line(node))
            case "container_warnings":
                return self.warnings(node)
            case other:
                raise self.error(node, f"{_describe(other)} is not allowed in a handout",
                                 "use headings, paragraphs, '-' bullet lists and '::: warnings TIER' blocks only")

    def line(self, node: SyntaxTreeNode) -> int:
        return node.map[0] + 1 if node.map else 0

    def message(self, node: SyntaxTreeNode, inline: SyntaxTreeNode) -> tuple[str, str, dict[str, str]]:
        """(id, message source, attributes) of a block whose text is in `inline`."""
        for child in inline.walk(include_self=False):
            if child.type not in _ALLOWED_INLINE:
                raise self.error(node, f"{_describe(child.type)} is not allowed in a handout",
                                 "use plain text with **bold** or *emphasis* only (no links, code or HTML)")
        source = normalise_space(inline.content)
        m = _ATTRS.search(source)
        joined = self.joined(node, inline)
        if joined is not None and (not m or "{#" in source[: m.start()]):
            raise joined
        if not m:
            raise self.error(node, f"no stable ID at the end of: {source[:60]!r}",
                             "end the text with an ID such as {#my-id}")
        ident, extra = m.group(1), m.group(2).split()
        source = source[: m.start()].rstrip()
        if not ID.match(ident):
            raise self.error(node, f"ID '{ident}' is not valid",
                             "use lowercase letters, digits and '-' (for example {#call-911})")
        if ident in self.ids:
            raise self.error(node, f"ID '{ident}' is used twice (first on line {self.ids[ident]})",
                             "give every block its own ID")
        self.ids[ident] = self.line(node)
        attrs: dict[str, str] = {}
        for pair in extra:
            key, _, value = pair.partition("=")
            if key not in ("when", "unless") or value not in self.facts:
                declare = (f"; or declare {value} under [facts] in handout.toml" if key in ("when", "unless")
                           and PLACEHOLDER_NAME.match(value) else "")
                raise self.error(node, f"unknown attribute '{pair}' on {{#{ident}}}",
                                 f"use when=FACT or unless=FACT with FACT one of: {', '.join(self.facts)}{declare}")
            attrs[key] = value
        if not source:
            raise self.error(node, f"block {{#{ident}}} has no text", "write the text before the ID")
        if "{#" in source:
            raise self.error(node, "an ID must come at the very end of the text", "move the {#id} to the end")
        self.check_placeholders(source, self.line(node))
        return ident, source, attrs

    def joined(self, node: SyntaxTreeNode, inline: SyntaxTreeNode) -> HandoutError | None:
        """Markdown joins a line that follows text without a blank line to that text (after a '-' item: to the
        item): the error that says so, when the text spans more than one line, else None."""
        lines = inline.content.split("\n")
        if len(lines) < 2 or not node.map:
            return None
        first = node.map[0] + 1
        second = next((first + i for i, text in enumerate(lines[1:], 1) if text.strip()), first + 1)
        in_item = node.parent is not None and node.parent.type == "list_item"
        above = (f"the '-' item on line {first} (a line right after an item, with no blank line, continues it)"
                 if in_item else f"the text on line {first} (lines with no blank line between them are one paragraph)")
        return HandoutError(f"this line was joined to {above}, so the ID there is no longer at the end of the text",
                            self.path, second,
                            "leave a blank line before this line to make it its own paragraph (inside a warning "
                            "block: a note after the list), or start it with '- ' to make it its own item; each "
                            "ends with its own {#id}")

    def check_placeholders(self, source: str, line: int) -> None:
        for name in placeholders_in(source):
            if name not in self.facts:
                declare = (f", or declare it: {name} = \"phone\" (or \"text\") under [facts] in handout.toml and "
                           f"its value under each [regions.X]" if PLACEHOLDER_NAME.match(name) else "")
                raise HandoutError(f"unknown placeholder {{{name}}}", self.path, line,
                                   f"use one of: {', '.join('{' + k + '}' for k in self.facts)}{declare}")
            self.placeholders.add(name)

    def heading(self, node: SyntaxTreeNode) -> Heading:
        ident, source, attrs = self.message(node, node.children[0])
        if attrs:
            raise self.error(node, "headings cannot be conditional", "put when=/unless= on paragraphs or items")
        return Heading(ident, int(node.tag[1:]), parse_inline(source), source, self.line(node))

    def paragraph(self, node: SyntaxTreeNode) -> Paragraph:
        ident, source, attrs = self.message(node, node.children[0])
        return Paragraph(ident, parse_inline(source), source, self.line(node), attrs.get("when"), attrs.get("unless"))

    def items(self, node: SyntaxTreeNode, in_warning: bool) -> tuple[ListItem, ...]:
        return tuple(self.item(child, in_warning) for child in node.children)

    def item(self, node: SyntaxTreeNode, in_warning: bool) -> ListItem:
        parts = list(node.children)
        if not parts:
            raise self.error(node, "empty list item", "write the item's text, ending with its {#id}")
        if parts[0].type != "paragraph":
            raise self.error(parts[0], f"a list item must start with its text, not {_describe(parts[0].type)}",
                             "write the item's text, ending with its {#id}")
        children: tuple[ListItem, ...] = ()
        for extra in parts[1:]:
            if extra.type != "bullet_list" or children:
                raise self.error(extra, "a list item may hold one line of text and one nested '-' list",
                                 "split the item or make the extra text its own item")
            children = self.items(extra, in_warning)
        ident, source, attrs = self.message(parts[0], parts[0].children[0])
        return ListItem(ident, parse_inline(source), source, children, self.line(node),
                        attrs.get("when"), attrs.get("unless"))

    def warnings(self, node: SyntaxTreeNode) -> WarningBlock:
        words = node.info.split()
        tiers = ", ".join(t.value for t in Tier)
        if len(words) != 2 or words[0] != "warnings" or words[1] not in {t.value for t in Tier}:
            raise self.error(node, f"'::: {node.info.strip()}' is not a warning block of a known urgency tier",
                             f"write '::: warnings TIER' with TIER one of: {tiers}")
        tier = Tier(words[1])
        # markdown-it runs an unclosed block to the end of the document, swallowing what follows it.
        closing = node.map[1] if node.map else len(self.lines)
        if closing >= len(self.lines) or not _CLOSING_FENCE.match(self.lines[closing]):
            raise self.error(node, f"the {tier.value} warning block is not closed",
                             "add a line with only ':::' after its last warning sign")
        intros: list[Paragraph] = []
        notes: list[Paragraph] = []
        items: tuple[ListItem, ...] | None = None
        for child in node.children:
            if child.type == "paragraph" and items is None:
                intros.append(self.paragraph(child))
            elif child.type == "bullet_list" and items is None:
                items = self.items(child, in_warning=True)
            elif child.type in ("container_warnings", "heading"):
                raise self.error(child, f"{_describe(child.type)} inside the {tier.value} warning block "
                                        f"that starts on line {self.line(node)}",
                                 "close that block with a line with only ':::' first")
            elif items is None:
                raise self.error(child, f"{_describe(child.type)} is not allowed in the {tier.value} warning block",
                                 "a warning block holds its intro sentence, then one '-' list of warning signs")
            elif child.type == "paragraph":
                notes.append(self.paragraph(child))
            else:
                raise self.error(child, f"{_describe(child.type)} after the list of warning signs in the "
                                        f"{tier.value} warning block",
                                 "a warning block holds its intro sentence, one '-' list of warning signs and "
                                 "notes (paragraphs) after it: make this a '-' warning sign or a note, or move it "
                                 "after the closing ':::'")
        if not intros:
            raise self.error(node, f"the {tier.value} warning block has no intro sentence",
                             "start it with the sentence that says what to do, e.g. 'Call {emergency_number} if:'")
        if not items:
            raise self.error(node, f"the {tier.value} warning block has no warning signs",
                             "add a '-' list of warning signs, each ending with its {#id}")
        if len(intros) > 1 and not all(p.when or p.unless for p in intros):
            raise self.error(node, f"the {tier.value} warning block has more than one intro sentence",
                             "keep one intro, or mark alternatives with when=FACT / unless=FACT")
        return WarningBlock(tier, tuple(intros), items, self.line(node), tuple(notes))
