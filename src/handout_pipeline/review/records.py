"""The sign-off record beside each catalog: per message, who approved which English and which translation."""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import re
import tomllib
from dataclasses import dataclass, field, replace
from pathlib import Path

from handout_pipeline.errors import HandoutError
from handout_pipeline.fsutil import write_text_atomic

RECORD_SUFFIX = ".review.toml"
_FIELDS = ("tier", "english", "english_sha256", "translation", "translation_sha256", "approved_by", "role",
           "approved_at", "back_translation", "comment")


def digest(text: str) -> str:
    """The digest a record and a stamp keep of a text: sha256 of its UTF-8, first 16 hex digits."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


def now() -> str:
    """UTC minute of an approval; SOURCE_DATE_EPOCH fixes it (reproducible tests)."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    moment = dt.datetime.fromtimestamp(int(epoch), dt.timezone.utc) if epoch else dt.datetime.now(dt.timezone.utc)
    return moment.strftime("%Y-%m-%dT%H:%MZ")


@dataclass(frozen=True, slots=True)
class Entry:
    """One message of a record: the English/translation pair it is about, its approval and review notes."""

    tier: str
    english: str
    translation: str
    approved_by: str = ""
    role: str = ""
    approved_at: str = ""
    back_translation: str = ""
    comment: str = ""

    @property
    def approved(self) -> bool:
        return bool(self.approved_by)

    def changes(self, tier: str, english: str, translation: str) -> list[str]:
        """What differs between this entry's pair and the current one ([] when it is the same)."""
        found = []
        if digest(english) != digest(self.english):
            found.append("English changed")
        if digest(translation) != digest(self.translation):
            found.append("translation changed")
        if tier != self.tier:
            found.append(f"tier changed ({self.tier or 'none'} -> {tier or 'none'})")
        return found

    @property
    def who(self) -> str:
        return f"{self.approved_by} ({self.role}) on {self.approved_at}"


@dataclass(frozen=True, slots=True)
class Record:
    path: Path
    entries: dict[str, Entry] = field(default_factory=dict)

    def get(self, context: str) -> Entry | None:
        return self.entries.get(context)

    def is_approved(self, context: str, tier: str, english: str, translation: str) -> bool:
        entry = self.entries.get(context)
        return entry is not None and entry.approved and not entry.changes(tier, english, translation)

    def with_entry(self, context: str, entry: Entry) -> "Record":
        return replace(self, entries={**self.entries, context: entry})


def record_path(po_path: Path) -> Path:
    """locales/<locale>/LC_MESSAGES/<handout>.po -> .../<handout>.review.toml"""
    return po_path.with_name(po_path.stem + RECORD_SUFFIX)


def load_record(path: Path) -> Record:
    """The record at `path`, or an empty one when there is none yet."""
    if not path.is_file():
        return Record(path)
    raw = path.read_bytes()
    try:
        data = tomllib.loads(raw.decode("utf-8"))
    except UnicodeDecodeError as exc:
        raise HandoutError("review record is not UTF-8", path, raw[: exc.start].count(b"\n") + 1,
                           "restore it from version control (git checkout -- FILE)") from None
    except tomllib.TOMLDecodeError as exc:
        line = getattr(exc, "lineno", None) or _line_of(str(exc))
        raise HandoutError(f"review record is not valid TOML: {exc}", path, line,
                           "fix that line or restore the file from version control") from None
    messages = data.get("messages", {})
    if not isinstance(messages, dict):
        raise HandoutError("review record: 'messages' must be a table", path, hint="restore it from version control")
    text = raw.decode("utf-8")
    entries = {}
    for context, table in messages.items():
        line = _line_of_table(text, context)
        if not isinstance(table, dict) or not all(isinstance(table.get(k, ""), str) for k in _FIELDS):
            raise HandoutError(f"review record: entry '{context}' must hold text values only", path, line,
                               "restore it from version control")
        entry = Entry(**{k: table.get(k, "") for k in _FIELDS if not k.endswith("_sha256")})
        for name in ("english", "translation"):
            if table.get(f"{name}_sha256", "") != digest(getattr(entry, name)):
                raise HandoutError(f"review record: the {name} of '{context}' does not match its digest "
                                   "(edited by hand?)", path, line,
                                   "restore the file from version control, or approve the message again")
        entries[context] = entry
    return Record(path, entries)


def save_record(record: Record, po_rel: str) -> None:
    write_text_atomic(record.path, render_record(record, po_rel))


def render_record(record: Record, po_rel: str) -> str:
    lines = [f"# Clinical review record of {po_rel}.",
             "# Written by 'handout review approve' and 'handout review import': commit it with the catalog.",
             "# Each entry holds the English and the translation it is about, with their sha256 digests.",
             "# An approval counts only while both are unchanged. Do not edit by hand.", ""]
    for context in sorted(record.entries):
        entry = record.entries[context]
        lines.append(f"[messages.{_quote(context)}]")
        values = {"tier": entry.tier, "english": entry.english, "english_sha256": digest(entry.english),
                  "translation": entry.translation, "translation_sha256": digest(entry.translation),
                  "approved_by": entry.approved_by, "role": entry.role, "approved_at": entry.approved_at,
                  "back_translation": entry.back_translation, "comment": entry.comment}
        lines += [f"{key} = {_quote(value)}" for key, value in values.items()
                  if value or key in ("english", "translation")]
        lines.append("")
    return "\n".join(lines)


def _quote(text: str) -> str:
    """A TOML basic string: every control character escaped, so one value stays on one line."""
    out = []
    for ch in text:
        if ch in '"\\':
            out.append("\\" + ch)
        elif ch == "\n":
            out.append("\\n")
        elif ch == "\t":
            out.append("\\t")
        elif ord(ch) < 0x20 or ord(ch) == 0x7F or ch in "\u2028\u2029":
            out.append(f"\\u{ord(ch):04X}")
        else:
            out.append(ch)
    return '"' + "".join(out) + '"'


def _line_of(message: str) -> int | None:
    m = re.search(r"line (\d+)", message)
    return int(m.group(1)) if m else None


def _line_of_table(text: str, context: str) -> int | None:
    at = text.find(f"[messages.{_quote(context)}]")
    return text[:at].count("\n") + 1 if at >= 0 else None
