"""The source stamp: a translator comment saying which English (and which translation) a safety message was
made for. msgmerge, msgattrib, Poedit and Weblate keep translator comments, so after an English change the
stamp still names the old English, even once the fuzzy mark is gone."""

from __future__ import annotations

import re
from dataclasses import dataclass

from babel.messages.catalog import Catalog, Message

from handout_pipeline.i18n.units import is_safety_context
from handout_pipeline.review.records import Record, digest

_STAMP = re.compile(r"^\s*source-sha:\s*([0-9a-f]{16})\s+translation-sha:\s*([0-9a-f]{16})\s*$")


@dataclass(frozen=True, slots=True)
class Stamp:
    english: str        # digest of the English the translation was made for
    translation: str    # digest of the translation as it was then


def stamp_of(message: Message) -> Stamp | None:
    for comment in message.user_comments:
        m = _STAMP.match(comment)
        if m:
            return Stamp(m.group(1), m.group(2))
    return None


def is_stamp(comment: str) -> bool:
    return _STAMP.match(comment) is not None


def translation_of(message: Message | None) -> str | None:
    """The msgstr of a translated, non-fuzzy singular message, else None."""
    if message is None or message.fuzzy or not isinstance(message.string, str) or not message.string.strip():
        return None
    return message.string


def stale_evidence(message: Message, record: Record | None) -> str | None:
    """Why this translated message was made for another English than its msgid, or None when nothing says so."""
    translation = translation_of(message)
    if translation is None or not isinstance(message.id, str):
        return None
    english, made = digest(message.id), digest(translation)
    stamp = stamp_of(message)
    if stamp is not None and stamp.english != english and stamp.translation == made:
        return "its source stamp says it was translated from an earlier English"
    entry = record.get(message.context) if record is not None and message.context else None
    if entry is not None and digest(entry.translation) == made and digest(entry.english) != english:
        return "the review record holds this translation for an earlier English"
    if stamp is None and message.previous_id and message.previous_id[0] != message.id:
        return "the catalog still names the previous English (#|) it was translated from"
    return None


def set_stamp(message: Message) -> None:
    """Record that the message's current translation was made for its current English."""
    comments = [c for c in message.user_comments if not _STAMP.match(c)]
    comments.append(f"source-sha: {digest(message.id)} translation-sha: {digest(message.string)}")
    message.user_comments = comments


def stamp_catalog(catalog: Catalog, record: Record | None = None) -> int:
    """Stamp every translated safety message that nothing says is stale and whose stamp is missing or old.

    Never launders: a translation carried over unchanged onto a new English keeps its old stamp, so the gate
    still sees it. Returns how many messages were stamped.
    """
    count = 0
    for message in catalog:
        if not message.id or not is_safety_context(message.context) or translation_of(message) is None:
            continue
        if stale_evidence(message, record):
            continue
        stamp = stamp_of(message)
        if stamp == Stamp(digest(message.id), digest(message.string)):
            continue
        set_stamp(message)
        count += 1
    return count
