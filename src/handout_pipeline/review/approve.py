"""`handout review approve`: record a qualified reviewer's sign-off of the safety translations as they are now."""

from __future__ import annotations

from dataclasses import dataclass, replace

from handout_pipeline.errors import HandoutError
from handout_pipeline.i18n import catalogs
from handout_pipeline.i18n.units import Unit, units
from handout_pipeline.languages import Language
from handout_pipeline.review.records import Entry, load_record, now, record_path, save_record
from handout_pipeline.review.stamps import set_stamp, translation_of


@dataclass(frozen=True, slots=True)
class Approval:
    handout: str
    record: str            # the record file, relative to the root
    approved: tuple[str, ...]
    unchanged: int         # already approved, same English and translation: left as they were
    notes_dropped: int     # back-translations made for an earlier translation, dropped


def parse_reviewer(by: str) -> tuple[str, str]:
    """'NAME, ROLE' -> (name, role); the role follows the last comma ('Ana Ruiz, MD, medical translator')."""
    name, sep, role = by.rpartition(",")
    if not sep or not name.strip() or not role.strip():
        raise HandoutError(f"--by {by!r} needs a name and a role",
                           hint='write it as --by "Dr Ana Ruiz, medical translator"')
    return " ".join(name.split()), " ".join(role.split())


def resolve_ids(wanted: tuple[str, ...], safety: list[Unit], po_rel: str) -> list[Unit]:
    """Message IDs as given (`warning-sign/fever` or just `fever`) -> the safety units they name."""
    chosen = []
    for ident in wanted:
        matches = [u for u in safety if u.context == ident or u.context.split("/", 1)[-1] == ident]
        if len(matches) != 1:
            known = ", ".join(u.context for u in safety[:4])
            raise HandoutError(f"--message {ident!r} is not {'one' if matches else 'a'} safety message of this "
                               "handout", po_rel, hint=f"use a full ID such as: {known}")
        chosen.append(matches[0])
    return list(dict.fromkeys(chosen))


def approve(project, language: Language, handout_id: str, by: str, messages: tuple[str, ...] = ()) -> Approval:
    """Approve the named safety messages (default: every one not yet approved as it is now); refuse all on any
    empty, fuzzy or failing one, so nothing is half-recorded."""
    from handout_pipeline.checks.review import STALE_DETAIL
    from handout_pipeline.checks.run import run_checks

    name, role = parse_reviewer(by)
    if language.code == "en":
        raise HandoutError("English is the source language: there is no translation to approve",
                           hint="name a translated language with -l")
    po = project.po_path(language, handout_id)
    po_rel = po.relative_to(project.root).as_posix()
    catalog = catalogs.load_catalog(po, language)
    rec_path = record_path(po)
    record = load_record(rec_path)
    safety = [u for u in units(project.handout(handout_id)) if u.safety_critical]
    chosen = resolve_ids(messages, safety, po_rel) if messages else safety
    explicit = {u.context for u in chosen} if messages else set()
    errors: dict[str, str] = {}
    for f in run_checks(project, (handout_id,), (language.code,), outputs=False).findings:
        if f.severity != "error" or f.message_id is None or f.check == "review":
            continue
        if f.message_id in explicit and f.detail.startswith(STALE_DETAIL):
            continue  # the reviewer confirms that the translation is right for the new English
        errors.setdefault(f.message_id, f.detail)
    by_context = {m.context: m for m in catalog if m.id and m.context}
    refused: list[tuple[Unit, str]] = []
    todo, unchanged = [], 0
    for unit in chosen:
        message = by_context.get(unit.context)
        tier = unit.tier.value if unit.tier else ""
        if message is None or message.id != unit.msgid:
            refused.append((unit, "the catalog is not up to date with the source: run 'handout update' first"))
        elif message.fuzzy:
            refused.append((unit, "it is fuzzy (a guess): translate it, then remove the fuzzy mark"))
        elif translation_of(message) is None:
            refused.append((unit, "it is not translated"))
        elif unit.context in errors:
            refused.append((unit, f"the gate reports an error for it: {errors[unit.context]}"))
        elif not messages and record.is_approved(unit.context, tier, unit.msgid, str(message.string)):
            unchanged += 1
        else:
            todo.append((unit, message, tier))
    if refused:
        unit, why = refused[0]
        line = by_context[unit.context].lineno if unit.context in by_context else None
        others = f" (and {len(refused) - 1} more: {', '.join(u.context for u, _ in refused[1:4])})" \
            if len(refused) > 1 else ""
        raise HandoutError(f"cannot approve {unit.context}: {why}{others}; nothing was recorded", po_rel, line,
                           "fix it, or approve the others by naming them with --message")
    dropped, approved_at, restamp = 0, now(), False
    for unit, message, tier in todo:
        translation = str(message.string)
        old = record.get(unit.context)
        keep_notes = old is not None and not old.changes(tier, unit.msgid, translation)
        dropped += bool(old and not keep_notes and (old.back_translation or old.comment))
        base = old if keep_notes else Entry(tier, unit.msgid, translation)
        record = record.with_entry(unit.context, replace(base, approved_by=name, role=role, approved_at=approved_at))
        before = list(message.user_comments)
        set_stamp(message)
        restamp |= message.user_comments != before
    if restamp:  # the PO first: a failed record write then leaves the messages unapproved, never the reverse
        catalogs.save_if_changed(catalog, po)
    if todo:
        save_record(record, po_rel)
    return Approval(handout_id, rec_path.relative_to(project.root).as_posix(),
                    tuple(u.context for u, _, _ in todo), unchanged, dropped)
