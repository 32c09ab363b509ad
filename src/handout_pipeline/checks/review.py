"""Review gate: safety translations made for an earlier English (always), and sign-off (with require_review)."""

from __future__ import annotations

from babel.messages.catalog import Catalog, Message

from handout_pipeline.checks import Finding
from handout_pipeline.i18n.units import Unit
from handout_pipeline.languages import Language
from handout_pipeline.review.records import Record
from handout_pipeline.review.stamps import stale_evidence, stamp_of, translation_of

# The words that mark a stale-after-un-fuzzy finding; `handout review approve --message` may overrule it.
STALE_DETAIL = "stale: translated for an earlier English"


def review_findings(handout_id: str, language: Language, template_units: list[Unit], catalog: Catalog | None,
                    record: Record | None, require_review: bool, po_rel: str | None = None) -> list[Finding]:
    """Per safety message that is translated (not fuzzy, current msgid): stale, unstamped, unreviewed."""
    if catalog is None:
        return []
    findings: list[Finding] = []
    by_context: dict[str, Message] = {m.context: m for m in catalog if m.id and m.context}
    rec_rel = po_rel.removesuffix(".po") + ".review.toml" if po_rel else None

    def add(check: str, severity: str, unit: Unit, message: Message, detail: str, path: str | None) -> None:
        line = message.lineno if path == po_rel else None
        findings.append(Finding(check, severity, handout_id, language.tag, unit.context, detail, path, line))

    unstamped: list[str] = []
    for unit in template_units:
        message = by_context.get(unit.context)
        if not unit.safety_critical or message is None or message.id != unit.msgid:
            continue
        translation = translation_of(message)
        if translation is None:
            continue  # empty or fuzzy: the warning-signs check reports it
        why = stale_evidence(message, record)
        if why:
            add("warning-signs", "error", unit, message,
                f"{STALE_DETAIL} ({why}), and its fuzzy mark was removed without translating it again: translate it for "
                f"the English {unit.msgid!r} (if it is right as it is, a reviewer confirms it with "
                f"'handout review approve -l {language.code} --message {unit.context}')", po_rel)
            continue
        if stamp_of(message) is None:
            unstamped.append(unit.context)
        if not require_review:
            continue
        tier = unit.tier.value if unit.tier else ""
        entry = record.get(unit.context) if record is not None else None
        if entry is None or not entry.approved:
            add("review", "error", unit, message,
                f"not reviewed: no qualified reviewer has approved this translation: {translation!r} "
                f"('handout review export -l {language.code}', then 'handout review approve')", po_rel)
            continue
        changes = entry.changes(tier, unit.msgid, translation)
        if changes:
            add("review", "error", unit, message,
                f"changed since it was approved by {entry.who}: {', '.join(changes)}; have it reviewed and "
                f"approved again ('handout review approve -l {language.code} --message {unit.context}')",
                rec_rel)
    if unstamped:
        # One line, not one per message: a new catalog is simply not stamped yet.
        more = f" and {len(unstamped) - 3} more" if len(unstamped) > 3 else ""
        findings.append(Finding("warning-signs", "warning", handout_id, language.tag, None,
                                f"{len(unstamped)} safety message(s) have no source stamp yet ({', '.join(unstamped[:3])}"
                                f"{more}): run 'handout update' to record the English each was translated from, "
                                "so the gate notices if the English changes and a translation is only un-fuzzied",
                                po_rel))
    return findings


def project_review_findings(project, handout_id: str, language: Language, template_units: list[Unit],
                            catalog: Catalog | None) -> list[Finding]:
    """review_findings for one catalog of a content root (the hook run.py calls)."""
    from handout_pipeline.review.records import load_record, record_path

    if language.code == "en" or catalog is None:
        return []
    po = project.po_path(language, handout_id)
    return review_findings(handout_id, language, template_units, catalog, load_record(record_path(po)),
                           project.config.check.require_review, po.relative_to(project.root).as_posix())
