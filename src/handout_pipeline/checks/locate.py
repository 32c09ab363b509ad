"""Give every finding the file and line to fix: the PO entry of its message, or the source line in English."""

from __future__ import annotations

from dataclasses import replace

from babel.messages.catalog import Catalog

from handout_pipeline.checks import Finding
from handout_pipeline.i18n.units import Unit


def with_locations(findings: list[Finding], template_units: list[Unit], source_rel: str, po_rel: str | None,
                   catalog: Catalog | None) -> list[Finding]:
    """A finding that names no file gets one, so CI can annotate a line: a message's PO entry (its source line for
    English), else the catalog or source file as a whole. Findings about a built file keep that file."""
    lines = {u.context: u.line for u in template_units}
    entries = {m.context: getattr(m, "lineno", None) for m in catalog if m.id and m.context} if catalog else {}
    located = []
    for f in findings:
        if f.path is None and f.format is None:
            if po_rel is None:  # English: the source is what to fix
                f = replace(f, path=source_rel, line=f.line or lines.get(f.message_id or ""))
            else:
                f = replace(f, path=po_rel, line=f.line or entries.get(f.message_id or ""))
        located.append(f)
    return located
