"""Write a Babel catalog byte for byte as GNU gettext (msgcat, msgmerge, Poedit, Weblate) writes it.

Babel wraps at 76 columns and moves the space to the next line; gettext wraps at 79 (configurable) and keeps
the space at the line end, breaking where Unicode line breaking (UAX #14) allows. Writing the same bytes as
the translators' tools means a save in Poedit followed by `handout update` changes nothing.
"""

from __future__ import annotations

import re
import unicodedata

from babel.messages.catalog import Catalog, Message

DEFAULT_WIDTH = 79
# Plural-Forms as gettext's own table (and Weblate) has them; CLDR gives fr/es three forms, which no tool expects.
GETTEXT_PLURAL_FORMS = {
    "ar": "nplurals=6; plural=(n==0 ? 0 : n==1 ? 1 : n==2 ? 2 : n%100>=3 && n%100<=10 ? 3 : n%100>=11 ? 4 : 5);",
    "es": "nplurals=2; plural=(n != 1);",
    "fa": "nplurals=2; plural=(n > 1);",
    "fr": "nplurals=2; plural=(n > 1);",
    "ko": "nplurals=1; plural=0;",
    "pa": "nplurals=2; plural=(n != 1);",
    "tl": "nplurals=2; plural=(n != 1 && n != 2 && n != 3 && (n % 10 == 4 || n % 10 == 6 || n % 10 == 9));",
    "vi": "nplurals=1; plural=0;",
    "zh": "nplurals=1; plural=0;",
}
_ESCAPES = {"\\": "\\\\", '"': '\\"', "\n": "\\n", "\t": "\\t", "\r": "\\r", "\a": "\\a", "\b": "\\b",
            "\f": "\\f", "\v": "\\v"}
# UAX #14 classes that matter here: no break before closers, exclamation/question, infix separators, symbols;
# none after openers; none around no-break spaces and word joiners.
_NO_BREAK_BEFORE = set(")]}!?,.:;/%" "\u00bb\u203a\u3001\u3002\uff0c\uff0e\uff1a\uff1b\uff01\uff1f\uff09\u300d"
                       "\u300f\u3011\u3009\u300b\uff3d\uff5d\u060c\u061b\u061f\u06d4\u2019\u201d\u2026\u00a0\u202f"
                       "\u2060\ufeff\u3005\u309d\u309e\u30fc\u30fd\u30fe")
_NO_BREAK_AFTER = set("([{\u00ab\u2039\u3008\u300a\u300c\u300e\u3010\uff08\uff3b\uff5b\u2018\u201c\u00a0\u202f"
                      "\u2060\ufeff")


_FILE_WINS = {"Plural-Forms", "Content-Type", "MIME-Version", "Content-Transfer-Encoding", "Report-Msgid-Bugs-To"}


def plural_forms(language_code: str) -> str | None:
    return GETTEXT_PLURAL_FORMS.get(language_code) or GETTEXT_PLURAL_FORMS.get(language_code.split("_")[0])


def _width(char: str) -> int:
    if unicodedata.combining(char) or unicodedata.category(char) in ("Mn", "Me", "Cf"):
        return 0
    return 2 if unicodedata.east_asian_width(char) in ("W", "F") else 1


def _ideographic(char: str) -> bool:
    return unicodedata.east_asian_width(char) in ("W", "F") and char not in _NO_BREAK_BEFORE | _NO_BREAK_AFTER


def _can_break_before(prev: str, char: str, nxt: str) -> bool:
    if char in _NO_BREAK_BEFORE or prev in _NO_BREAK_AFTER or char == " " or _width(char) == 0:
        return False
    if prev == " ":
        return True
    if prev == "-":  # a hyphen lets the line break after it, but not before a number (UAX #14 LB25)
        return not char.isdigit() and char != "-"
    return _ideographic(prev) or _ideographic(char)


def _pieces(text: str) -> list[tuple[str, int]]:
    """The text cut where a line may break, each piece with its width in columns (escapes counted escaped)."""
    pieces: list[list] = []
    for index, char in enumerate(text):
        prev = text[index - 1] if index else ""
        nxt = text[index + 1] if index + 1 < len(text) else ""
        escaped = _ESCAPES.get(char, char)
        # an escape is one unit; a line never breaks right before the "\n" that ends it
        if pieces and not (char != "\n" and _can_break_before(prev, char, nxt)):
            pieces[-1][0] += escaped
            pieces[-1][1] += len(escaped) if char in _ESCAPES else _width(char)
        else:
            pieces.append([escaped, len(escaped) if char in _ESCAPES else _width(char)])
    return [(text_, width) for text_, width in pieces]


def _portions(value: str) -> list[str]:
    """The string cut after every newline, as gettext does before wrapping."""
    parts = value.split("\n")
    out = [part + "\n" for part in parts[:-1]]
    return out + ([parts[-1]] if parts[-1] or not out else [])


def format_string(prefix: str, keyword: str, value: str, width: int | None) -> list[str]:
    """`msgid "…"` lines as gettext writes them; width None: do not wrap (only after newlines)."""
    limit = (width - 1) if width else None  # room for the closing quote
    portions = _portions(value)
    lines: list[str] = []
    head = f"{prefix}{keyword} "
    first = True
    for number, portion in enumerate(portions):
        pieces = _pieces(portion)
        start = len(head) + 1 if first else len(prefix) + 1
        broken = _break(pieces, start, limit)
        if first and portion and (number + 1 < len(portions) or len(broken) > 1):
            lines.append(f'{head}""')
            first = False
            broken = _break(pieces, len(prefix) + 1, limit)
        for piece in broken:
            lines.append(f'{head}"{piece}"' if first else f'{prefix}"{piece}"')
            first = False
    if first:
        lines.append(f'{head}""')
    return lines


def _break(pieces: list[tuple[str, int]], start: int, limit: int | None) -> list[str]:
    lines = [""]
    column = start
    for index, (text, width) in enumerate(pieces):
        if index and limit is not None and column + width > limit:
            lines.append("")
            column = start
        lines[-1] += text
        column += width
    return lines


def _comment_lines(message: Message, catalog_width: int) -> list[str]:
    lines = [f"# {c}" if c else "#" for c in message.user_comments]
    lines += [f"#. {c}" if c else "#." for c in message.auto_comments]
    refs = [f"{path}:{line}" if line else path for path, line in message.locations]
    if refs:
        current = "#:"
        for ref in refs:
            if len(current) > 2 and len(current) + 1 + len(ref) > catalog_width:
                lines.append(current)
                current = "#:"
            current += " " + ref
        lines.append(current)
    flags = _ordered_flags(message.flags)
    if flags:
        lines.append("#, " + ", ".join(flags))
    return lines


def _ordered_flags(flags) -> list[str]:
    """gettext's order (fuzzy, format flags, range, wrap), then the flags it does not know (Weblate's ignore-same …)."""
    def rank(flag: str) -> int:
        if flag == "fuzzy":
            return 0
        if flag.endswith("-format"):
            return 1
        if flag.startswith("range:"):
            return 2
        return 3 if flag in ("wrap", "no-wrap") else 4
    return sorted(flags, key=lambda f: (rank(f), f))


def _entry(message: Message, width: int | None, obsolete: bool = False, plurals: int = 2) -> list[str]:
    lines = _comment_lines(message, width or DEFAULT_WIDTH)
    if "no-wrap" in message.flags:
        width = None
    prefix = "#~ " if obsolete else ""
    for keyword, text in zip(("msgid", "msgid_plural"), message.previous_id or ()):
        lines += format_string("#~| " if obsolete else "#| ", keyword, text, width)
    if message.context is not None:
        lines += format_string(prefix, "msgctxt", message.context, width)
    if isinstance(message.id, (list, tuple)):
        lines += format_string(prefix, "msgid", message.id[0], width)
        lines += format_string(prefix, "msgid_plural", message.id[1], width)
        strings = list(message.string) if isinstance(message.string, (list, tuple)) else [message.string]
        # Exactly as many msgstr[N] as the header's nplurals, or msgfmt and Babel refuse the file.
        strings = (strings + [""] * plurals)[:plurals]
        for index, text in enumerate(strings):
            lines += format_string(prefix, f"msgstr[{index}]", text or "", width)
    else:
        lines += format_string(prefix, "msgid", message.id, width)
        lines += format_string(prefix, "msgstr", message.string or "", width)
    return lines


def raw_headers(text: str) -> list[tuple[str, str]]:
    """The header entry's fields in file order, from the text of a PO file (Babel keeps only those it knows)."""
    import re

    m = re.search(r'^msgid ""\s*\nmsgstr ((?:".*"\s*\n?)+)', text, re.M)
    if not m:
        return []
    from babel.messages.pofile import unescape

    value = "".join(unescape(q) for q in re.findall(r'"(?:[^"\\]|\\.)*"', m.group(1)))
    items = []
    for line in value.split("\n"):
        name, sep, field = line.partition(":")
        if sep and name.strip():
            items.append((name.strip(), field.strip()))
    return items


def header_items(catalog: Catalog) -> list[tuple[str, str]]:
    """Babel's headers in the order the file had them, with unknown ones (X-Generator, X-Poedit-*) kept."""
    ours = {name: value.strip() for name, value in catalog.mime_headers}
    kept: list[tuple[str, str]] = list(getattr(catalog, "extra_headers", []))
    code = str(catalog.locale) if catalog.locale else None
    if code and plural_forms(code) and "Plural-Forms" in ours:
        ours["Plural-Forms"] = plural_forms(code)
    for name, value in kept:
        if name == "Plural-Forms" and code and _cldr_plural_forms(code) == _squeeze(value) and \
                _nplurals(value) != _nplurals(ours.get(name, value)):
            continue  # CLDR's forms, as this tool once wrote them (fr/es nplurals=3): gettext's replace them
        if name in _FILE_WINS and name in ours and value.strip() and not (  # an empty one would make the file unreadable
                name == "Content-Type" and not re.search(r"charset=utf-?8\b", value, re.I)):  # so would another charset
            ours[name] = value  # the translators' tool's spelling stays (Poedit writes charset=UTF-8)
    names = [name for name, _ in kept]
    items = [(name, ours.get(name, value)) for name, value in kept]
    items += [(name, value) for name, value in ours.items() if name not in names]
    return items


def _squeeze(value: str) -> str:
    return re.sub(r"\s+", "", value)


def _nplurals(value: str) -> str | None:
    m = re.search(r"nplurals\s*=\s*(\d+)", value)
    return m.group(1) if m else None


def _cldr_plural_forms(code: str) -> str | None:
    try:
        return _squeeze(Catalog(locale=code).plural_forms)
    except (ValueError, LookupError):
        return None


def render(catalog: Catalog, width: int | None = DEFAULT_WIDTH) -> bytes:
    """The catalog as gettext writes it: header, entries in order, obsolete entries last."""
    blocks: list[list[str]] = []
    header = [line if line.startswith("#") else f"# {line}" for line in (catalog.header_comment or "").splitlines()]
    if catalog.fuzzy:
        header.append("#, fuzzy")
    value = "".join(f"{name}: {text}\n" for name, text in header_items(catalog))
    header += format_string("", "msgid", "", width) + format_string("", "msgstr", value, width)
    blocks.append(header)
    nplurals = re.search(r"nplurals\s*=\s*(\d+)", value)
    plurals = int(nplurals.group(1)) if nplurals else catalog.num_plurals
    for message in catalog:
        if message.id:
            blocks.append(_entry(message, width, plurals=plurals))
    for message in catalog.obsolete.values():
        blocks.append(_entry(message, width, obsolete=True, plurals=plurals))
    return "\n\n".join("\n".join(block) for block in blocks).encode("utf-8") + b"\n"
