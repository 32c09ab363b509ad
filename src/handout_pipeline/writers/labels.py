"""Labels with {placeholders} ("Page {page} of {pages}"), split so a writer can put a field or a number in."""

from __future__ import annotations

import re

_SLOT = re.compile(r"\{([a-z_]+)\}")


def label_pieces(label: str, names: set[str]) -> list[tuple[str, str]]:
    """(slot, text) pieces of a translated label: slot is '' for plain text, else one of `names`.

    Word order is the translation's own; a {placeholder} that is not one of `names` stays as text (the
    catalog check reports it)."""
    pieces: list[tuple[str, str]] = []
    position = 0
    for match in _SLOT.finditer(label):
        if match.group(1) not in names:
            continue
        if match.start() > position:
            pieces.append(("", label[position:match.start()]))
        pieces.append((match.group(1), ""))
        position = match.end()
    if position < len(label):
        pieces.append(("", label[position:]))
    return pieces


def fill_label(template: str, **values: str) -> str:
    """The label with its placeholders filled in as plain text."""
    return "".join(values[slot] if slot else text for slot, text in label_pieces(template, set(values)))


def review_date(text: str, locale: str) -> str:
    """The review date (front matter, ISO) as the language writes a date in full ("1 novembre 2026")."""
    import datetime as dt

    from babel.core import UnknownLocaleError
    from babel.dates import format_date

    try:
        return format_date(dt.date.fromisoformat(str(text)), format="long", locale=locale)
    except (ValueError, UnknownLocaleError):
        return str(text)


def footer_lines(handout, organization, locale: str) -> list[str]:
    """The footer's reference lines: review date, handout ID and version; then the organisation and phone."""
    labels = handout.labels
    first = [fill_label(labels.reviewed, date=review_date(handout.meta.last_reviewed, locale)), handout.meta.id]
    if handout.meta.version:
        first.append(fill_label(labels.version, version=handout.meta.version))
    lines = [" \u00b7 ".join(first)]
    if organization is not None:
        lines.append(" \u00b7 ".join(part for part in (organization.name, organization.phone) if part))
    return lines


# "Main title: subtitle" (a colon then a space, or a full-width colon as in Chinese); not "8:30".
_TITLE_BREAK = re.compile(r"\s*(?::\s|：|︰)")


def running_title(title: str) -> str:
    """The title as a running head on every page: a "Main title: subtitle" keeps its main title, as book
    running heads do, so it fits one line beside "Page N of M" at large print; any other title whole."""
    match = _TITLE_BREAK.search(title)
    if match is None:
        return title
    head, rest = title[:match.start()].strip(), title[match.end():].strip()
    return head if head and rest else title
