"""Templates and catalogs through Babel: build the POT, merge POs by stable ID, load and validate."""

from __future__ import annotations

import datetime as dt
import io
import os
import re
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

from babel.messages.catalog import Catalog, Message
from babel.messages.pofile import PoFileError, read_po, unescape

from handout_pipeline import __version__
from handout_pipeline.errors import HandoutError
from handout_pipeline.inline import real_letters
from handout_pipeline.fsutil import write_atomic
from handout_pipeline.i18n import poformat
from handout_pipeline.i18n.units import Unit, is_safety_context, units
from handout_pipeline.languages import Language
from handout_pipeline.model import Handout

BRACE_FLAG = "python-brace-format"
STALE_NOTE = "previous translation (the English changed; translate again): "
_DATE_LINE = re.compile(rb'^"(POT-Creation-Date|PO-Revision-Date): .*\\n"\n', re.M)
_QUOTED = re.compile(r'"(?:[^"\\]|\\.)*"')
_PREVIOUS = re.compile(r'msgid\s+((?:"(?:[^"\\]|\\.)*"\s*)+)(?:msgid_plural\s+((?:"(?:[^"\\]|\\.)*"\s*)+))?')


def pot_path(locales_dir: Path, handout_id: str) -> Path:
    return locales_dir / f"{handout_id}.pot"


def po_path(locales_dir: Path, language: Language, handout_id: str) -> Path:
    return locales_dir / language.code / "LC_MESSAGES" / f"{handout_id}.po"


def _now() -> dt.datetime:
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    moment = dt.datetime.fromtimestamp(int(epoch), dt.timezone.utc) if epoch else dt.datetime.now(dt.timezone.utc)
    return moment.replace(second=0, microsecond=0)


def _message(unit: Unit, source_rel: str, string: str = "") -> Message:
    flags = [BRACE_FLAG] if "{" in unit.msgid else []
    return Message(unit.msgid, string, locations=[(source_rel, unit.line)] if unit.line else [(source_rel, 1)],
                   flags=flags, auto_comments=list(unit.notes), context=unit.context)


def build_template(handout: Handout, source_rel: str) -> Catalog:
    """The POT of a handout: one message per unit, msgctxt = stable ID."""
    catalog = Catalog(domain=handout.meta.id, project="handout-pipeline", version=__version__,
                      copyright_holder=None, msgid_bugs_address=None, charset="utf-8",
                      creation_date=_now(), header_comment=_header_comment(handout))
    for unit in units(handout):
        catalog[unit.msgid] = _message(unit, source_rel)
    return catalog


def _header_comment(handout: Handout) -> str:
    return (f"# Translations of the patient handout '{handout.title_source}'.\n"
            "# Messages marked SAFETY-CRITICAL are warning signs: translate every one completely.\n"
            "# Keep every {field} in braces exactly as written: it is filled in with a phone number.\n#")


def render(catalog: Catalog, width: int | None = poformat.DEFAULT_WIDTH) -> bytes:
    """The catalog as GNU gettext writes it (see poformat): a Poedit or msgcat save changes nothing."""
    return poformat.render(catalog, width)


def save_if_changed(catalog: Catalog, path: Path, width: int | None = poformat.DEFAULT_WIDTH,
                    dry_run: bool = False) -> bool:
    """Write the catalog unless only its dates would change; True when the file was (or would be) written."""
    data = render(catalog, width)
    if path.exists() and _DATE_LINE.sub(b"", path.read_bytes()) == _DATE_LINE.sub(b"", data):
        return False
    if not dry_run:
        write_atomic(path, data)
    return True


def new_catalog(template: Catalog, language: Language) -> Catalog:
    catalog = Catalog(locale=language.code, domain=template.domain, project=template.project,
                      version=template.version, charset="utf-8", creation_date=template.creation_date,
                      revision_date=template.creation_date, fuzzy=False,
                      header_comment=template.header_comment)
    catalog.language_team = f"{language.name} <>"
    return catalog


def merge(template: Catalog, old: Catalog | None, language: Language) -> Catalog:
    """Update a catalog from its template by stable ID (msgctxt), never losing a translation.

    Same English: the translation stays. Changed English: the old msgid is kept as `#|`; an ordinary
    message keeps its translation marked fuzzy; a safety-critical one is emptied (it must not ship)
    and its old translation kept in a translator comment. Gone from the template: obsolete (`#~`).
    An old message with the very same English and ID is preferred, even an obsolete one.
    """
    catalog = new_catalog(template, language)
    if old is not None:
        catalog.revision_date = old.revision_date
        catalog.last_translator = old.last_translator
        catalog.language_team = old.language_team
        catalog.extra_headers = list(getattr(old, "extra_headers", []))
        catalog.header_comment = old.header_comment  # as msgmerge does: the translators' header comment stays  # X-Generator, X-Poedit-*, Plural-Forms
        catalog.obsolete.update(old.obsolete)
    active = [m for m in (old or []) if m.id]
    # Later wins: a live entry over an obsolete one. A plural entry cannot carry over to a singular message.
    candidates = [m for m in [*catalog.obsolete.values(), *active] if isinstance(m.id, str)]
    exact = {_key(m): m for m in candidates}
    by_context = {m.context: m for m in candidates if m.context}
    used: set[int] = set()
    for tmpl in template:
        if not tmpl.id:
            continue
        prior = exact.get(_key(tmpl))
        if prior is None or id(prior) in used:
            prior = by_context.get(tmpl.context) if tmpl.context else None
        message = Message(tmpl.id, "", locations=list(tmpl.locations), flags=set(tmpl.flags),
                          auto_comments=list(tmpl.auto_comments), context=tmpl.context)
        if prior is not None and id(prior) not in used:
            used.add(id(prior))
            _carry_over(message, prior)
            _drop_obsolete(catalog, prior)
        catalog[tmpl.id] = message  # Babel keys it by (msgid, msgctxt)
    for message in active:
        if id(message) not in used:  # every old message is carried over or kept as obsolete, none dropped
            catalog.obsolete[_key(message)] = message
    live = {_key(m) for m in catalog if m.id}
    for key in [k for k in catalog.obsolete if k in live]:
        del catalog.obsolete[key]  # an obsolete twin of a live entry: msgfmt rejects the file
    return catalog


def _key(message: Message) -> str | tuple[str, str]:
    """The key Babel's read_po gives a message (obsolete ones too)."""
    ident = message.id if isinstance(message.id, str) else message.id[0]
    return (ident, message.context) if message.context is not None else ident


def _carry_over(message: Message, prior: Message) -> None:
    # Translator comments are never dropped: an old STALE_NOTE may hold the only copy of a translation.
    message.user_comments = list(prior.user_comments)
    # A translator's flags stay (no-wrap, Weblate's ignore-same …); fuzzy and the format flags are decided here.
    message.flags |= {f for f in prior.flags if f != "fuzzy" and not f.endswith("-format")}
    translated = isinstance(prior.string, str) and prior.string != ""
    if prior.id == message.id:
        message.string = prior.string
        message.previous_id = list(prior.previous_id)
        if prior.fuzzy:
            message.flags.add("fuzzy")
        return
    if prior.fuzzy and prior.previous_id:
        # The translation was made for the English before that one: show the translator that one.
        message.previous_id = list(prior.previous_id)
    else:
        message.previous_id = [prior.id] if isinstance(prior.id, str) else list(prior.id)
    message.flags.add("fuzzy")
    if not translated:
        return
    if _safety_critical(message):
        message.string = ""
        message.user_comments.append(STALE_NOTE + " ".join(str(prior.string).split()))
    else:
        message.string = prior.string


def _drop_obsolete(catalog: Catalog, prior: Message) -> None:
    for key, message in list(catalog.obsolete.items()):
        if message is prior:
            del catalog.obsolete[key]


def _safety_critical(message: Message) -> bool:
    return is_safety_context(message.context)


def load_catalog(path: Path, language: Language | None = None) -> Catalog:
    """Read a PO/POT file, validating it first with GNU msgfmt where installed."""
    if not path.is_file():
        raise HandoutError("catalog not found", path, hint="run 'handout update' to create it")
    raw = path.read_bytes()
    _check_header(path, raw)
    _msgfmt_check(path)
    try:
        # gettext writes an obsolete entry's previous msgid as `#~| msgid`, which Babel cannot read: as `#|` it
        # becomes the comment that _restore_previous_ids turns back into the previous msgid (same line numbers).
        catalog = read_po(io.BytesIO(re.sub(rb"(?m)^#~\| ", b"#| ", raw)), locale=language.code if language else None,
                          domain=path.stem, abort_invalid=True, charset="utf-8")
    except PoFileError as exc:
        raise HandoutError(f"broken catalog: {exc}", path, _lineno(str(exc)),
                           "fix the entry on that line (open the file in Poedit to see it)") from None
    except (UnicodeDecodeError, ValueError) as exc:
        raise HandoutError(f"broken catalog: {exc}", path, hint="save it as UTF-8 from your PO editor") from None
    _restore_previous_ids(catalog)
    catalog.extra_headers = poformat.raw_headers(raw.decode("utf-8"))
    return catalog


def _restore_previous_ids(catalog: Catalog) -> None:
    """Babel reads `#| msgid` lines as translator comments; make them the previous msgid again."""
    for message in [*catalog, *catalog.obsolete.values()]:
        comments = message.user_comments
        # They come last, as `| msgid "…"` then `| "…"` lines; a translator's "# |…" line before them stays a comment.
        start = next((i for i in reversed(range(len(comments))) if comments[i].startswith("| msgid ")
                      and all(c.startswith(('| "', "| msgid_plural ")) for c in comments[i + 1:])), None)
        if not message.id or start is None:
            continue
        lines, message.user_comments = comments[start:], comments[:start]
        # Comment lines are wrapped at spaces, even inside the quotes: joining them with one space undoes it.
        m = _PREVIOUS.search(" ".join(c[1:].strip() for c in lines))
        if m:
            message.previous_id = [_unquote(group) for group in m.groups() if group is not None]


def _unquote(strings: str) -> str:
    return "".join(unescape(q) for q in _QUOTED.findall(strings))


def _lineno(message: str) -> int | None:
    m = re.search(r"on (\d+)\Z", message)
    return int(m.group(1)) + 1 if m else None


def _check_header(path: Path, raw: bytes) -> None:
    if raw.startswith(b"\xef\xbb\xbf"):
        raise HandoutError("starts with a byte-order mark (BOM)", path, 1,
                           "save it as UTF-8 without BOM (Poedit does this)")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise HandoutError("is not UTF-8", path, line, "save the catalog as UTF-8 from your PO editor") from None
    m = re.search(r'^msgid ""\s*\nmsgstr ((?:".*"\s*\n?)+)', text, re.M)
    if not m or text[: m.start()].count("\nmsgid ") or re.search(r'^msgctxt', text[: m.start()], re.M):
        raise HandoutError("has no header entry (msgid \"\")", path, 1,
                           "open it in Poedit and save it, or run 'handout update' to recreate the header")
    header = "".join(re.findall(r'"(.*)"', m.group(1)))
    charset = re.search(r"charset=([^\\\s]+)", header)
    if not charset or charset.group(1).lower().replace("_", "-") not in ("utf-8", "utf8"):
        line = text[: m.start()].count("\n") + 1
        found = charset.group(1) if charset else "none"
        raise HandoutError(f"header declares charset {found}, not UTF-8", path, line,
                           "set 'Content-Type: text/plain; charset=UTF-8' in the header and save as UTF-8")


def _msgfmt_check(path: Path) -> None:
    msgfmt = shutil.which("msgfmt")
    if msgfmt is None:
        return
    # Syntax, header and domain only: placeholders and numbers are content, reported by `handout check`.
    result = subprocess.run([msgfmt, "--check-header", "--check-domain", "-o", os.devnull,
                             str(path)], capture_output=True, text=True, env={**os.environ, "LC_ALL": "C"})
    if result.returncode == 0:
        return
    lines = [line for line in result.stderr.splitlines() if line.strip() and "fatal error" not in line
             and "found " not in line]
    found = [_msgfmt_line(msgfmt, path, line) for line in lines[:2]] or [(None, result.stderr.strip())]
    (line, message), (other_line, other) = found[0], found[-1]
    hint = "fix the entry on that line (msgfmt --check found it)"
    # msgfmt tells some problems in two lines, "X..." then "...Y": say them as one.
    if message == "end-of-line within string" and line:
        line -= 1  # msgfmt has read the line end when it notices: the unclosed quote is on the line before
        message, hint = "a quote is not closed at the end of this line", 'end the text with "'
    elif "duplicate message definition" in message:
        message, hint = f"this entry is a duplicate of the one on line {other_line}", "delete one of the two"
    elif message.startswith("nplurals") and "plural forms" in other:
        message = f"the header says {message.rstrip('.')}, {other.lstrip('.')}"
        line, hint = other_line, "give every plural entry as many msgstr[N] lines as the header's nplurals"
    raise HandoutError(f"broken catalog: {message.strip()}", path, line, hint)


def _msgfmt_line(msgfmt: str, path: Path, text: str) -> tuple[int | None, str]:
    m = re.match(rf"^(?:{re.escape(msgfmt)}|msgfmt): ?(?:{re.escape(str(path))}):(\d+):(?:\d+:)? ?(.*)", text) \
        or re.match(r"^.*?:(\d+):(?:\d+:)? ?(.*)", text)
    return (int(m.group(1)), m.group(2).strip()) if m else (None, text.strip())


@dataclass(frozen=True, slots=True)
class CatalogStats:
    total: int
    translated: int
    fuzzy: int
    untranslated: int
    obsolete: int
    warning_signs: int
    warning_signs_translated: int

    @property
    def all_warning_signs_translated(self) -> bool:
        return self.warning_signs == self.warning_signs_translated


def is_translated(message: Message | None) -> bool:
    """Translated means: a msgstr with real letters that is not fuzzy. Fuzzy is NOT translated, nor is a dot or
    an invisible character (a safety message made of them must not be built)."""
    return message is not None and not message.fuzzy and isinstance(message.string, str) and \
        real_letters(message.string) != ""


def stats(template_units: list[Unit], catalog: Catalog) -> CatalogStats:
    translated = fuzzy = untranslated = ws = ws_ok = 0
    for unit in template_units:
        message = catalog.get(unit.msgid, unit.context)
        ok = is_translated(message)
        translated += ok
        fuzzy += bool(message is not None and message.fuzzy)
        untranslated += not ok and not (message is not None and message.fuzzy)
        if unit.safety_critical:
            ws += 1
            ws_ok += ok
    return CatalogStats(len(template_units), translated, fuzzy, untranslated, len(catalog.obsolete), ws, ws_ok)
