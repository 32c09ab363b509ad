"""XLIFF 1.2 for CAT tools (Crowdin, Phrase, memoQ, Trados): export a catalog, import the translations back.

Written and read through translate-toolkit's XLIFF storage (the library Weblate uses), after defusedxml has
refused any DTD or entity (an XLIFF never needs one; a translation file is untrusted). Each trans-unit's `id`
and `resname` are the message's stable ID (msgctxt); the source is the English; a `context-group` carries the
tier and the source file and line; `note`s carry the notes for translators (SAFETY-CRITICAL ...) and the
translator comments. Import changes only translations and their fuzzy mark in the PO catalog, so a round trip
without edits leaves the catalog byte for byte as it was. A safety translation that comes in changed is not
approved by anything in the file (XLIFF `approved`, `signed-off`, `final` are ignored): it is unreviewed until
`handout review approve`, like any safety translation changed in a PO editor.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from handout_pipeline.errors import HandoutError
from handout_pipeline.fsutil import write_atomic
from handout_pipeline.i18n import catalogs
from handout_pipeline.i18n.units import Unit, units
from handout_pipeline.languages import Language
from handout_pipeline.review.records import load_record, record_path
from handout_pipeline.review.stamps import is_stamp, stamp_catalog, translation_of

NS = "urn:oasis:names:tc:xliff:document:1.2"
_KNOWN_NS = {NS, "urn:oasis:names:tc:xliff:document:1.1"}
XLIFF2_NS = "urn:oasis:names:tc:xliff:document:2.0"
INSTALL_HINT = "install the XLIFF support: pip install 'handout-pipeline[xliff]' (translate-toolkit, defusedxml)"
# XLIFF 1.2 target states. Fuzzy in the PO is "needs-review-translation"; states saying the unit is not translated
# yet bring nothing in; every other state (translated, signed-off, final, none) is a translation, never a sign-off.
FUZZY_STATES = {"needs-review-translation", "needs-review-adaptation", "needs-review-l10n", "needs-adaptation",
                "needs-l10n"}
EMPTY_STATES = {"new", "needs-translation"}
TIER_TYPE = "x-handout-tier"
SAFETY_TYPE = "x-handout-safety"
PREVIOUS_TYPE = "x-handout-previous-english"
REVIEW_TYPE = "x-handout-review"


def _toolkit():
    try:
        from translate.storage import xliff
    except ImportError:  # pragma: no cover - the extra is installed with the tests
        raise HandoutError("XLIFF needs translate-toolkit, which is not installed", hint=INSTALL_HINT) from None
    return xliff


def default_name(handout_id: str, language: Language) -> str:
    return f"{handout_id}.{language.tag}.xlf"


def export_xliff(project, language: Language, handout_id: str, out: Path) -> int:
    """Write one XLIFF 1.2 file with a trans-unit per message of the handout; returns how many."""
    xliff = _toolkit()
    po = project.po_path(language, handout_id)
    catalog = catalogs.load_catalog(po, language)
    record = load_record(record_path(po))
    by_context = {m.context: m for m in catalog if m.id and m.context}
    from xml.sax.saxutils import quoteattr

    store = xliff.xlifffile.parsestring(
        f'<?xml version="1.0" encoding="UTF-8"?>\n<xliff xmlns="{NS}" version="1.2"><file original='
        f'{quoteattr(handout_id)} source-language="en" target-language={quoteattr(language.tag)} '
        'datatype="plaintext"><body/></file></xliff>'.encode("utf-8"))
    count = 0
    for unit in units(project.handout(handout_id)):
        message = by_context.get(unit.context)
        if message is None:
            raise HandoutError(f"the catalog has no message {unit.context}", po,
                               hint="run 'handout extract' and 'handout update' first")
        store.addunit(_trans_unit(xliff, unit, message, record, project.source_rel(handout_id)))
        count += 1
    from lxml import etree

    etree.cleanup_namespaces(store.document.getroot())  # units are made in translate-toolkit's 1.1 namespace first
    write_atomic(out, bytes(store))
    return count


def _trans_unit(xliff, unit: Unit, message, record, source_rel: str):
    tu = xliff.xliffunit(unit.msgid)
    tu.setid(unit.context)
    tu.xmlelement.set("resname", unit.context)
    translation = message.string if isinstance(message.string, str) else ""
    if message.id == unit.msgid and translation:
        tu.settarget(translation)
        target = tu.getlanguageNode(lang=None, index=1)
        target.set("state", "needs-review-translation" if message.fuzzy else "translated")
    # `approved` mirrors the PO (translated and not fuzzy), as translate-toolkit's xliff2po reads it back; the
    # clinical sign-off of a safety message is information only (context x-handout-review), never read back.
    tier = unit.tier.value if unit.tier else ""
    done = translation_of(message) is not None and message.id == unit.msgid
    tu.xmlelement.set("approved", "yes" if done else "no")
    info = []
    if unit.tier is not None:
        entry = record.get(unit.context)
        reviewed = done and record.is_approved(unit.context, tier, unit.msgid, translation)
        info += [(SAFETY_TYPE, "SAFETY-CRITICAL"), (TIER_TYPE, tier),
                 (REVIEW_TYPE, f"approved by {entry.who}" if reviewed else "not yet approved by a qualified "
                                                                           "medical reviewer")]
    if message.previous_id and message.previous_id[0] != unit.msgid:
        info.append((PREVIOUS_TYPE, message.previous_id[0]))
    if info:
        tu.createcontextgroup(f"{unit.context} handout", info, "information")  # names are unique per file
    line = next((ln for _, ln in message.locations if ln), unit.line)
    where = [("sourcefile", source_rel), *([("linenumber", str(line))] if line else [])]
    tu.createcontextgroup(f"{unit.context} source", where, "location")
    for note in unit.notes:
        tu.addnote(note, origin="developer")
    if message.previous_id and message.previous_id[0] != unit.msgid:
        tu.addnote(f"The English before it changed: {message.previous_id[0]}", origin="developer")
    for comment in message.user_comments:
        if not is_stamp(comment):  # the source stamp is for the gate, not for the translator
            tu.addnote(comment, origin="translator")
    return tu


@dataclass(frozen=True, slots=True)
class Imported:
    path: Path
    language: Language
    handout: str
    changed: int             # translations brought in or changed (fuzzy mark included)
    safety_changed: tuple[str, ...]
    unchanged: int
    untranslated: int        # units the file left untranslated: nothing taken from them
    written: bool


def import_xliff(project, path: Path) -> Imported:
    """Take the translations of an XLIFF file into its catalog. Everything is checked before anything is written."""
    xliff = _toolkit()
    data = _read(path)
    root = _safe_root(path, data)
    ns = root.tag[1:].split("}")[0] if root.tag.startswith("{") else ""
    if root.tag.rpartition("}")[2] != "xliff" or ns not in _KNOWN_NS:
        if ns == XLIFF2_NS:
            raise HandoutError("is XLIFF 2.0; this handout tool reads XLIFF 1.2", path, 1,
                               "export XLIFF 1.2 from your tool, or start from 'handout xliff export'")
        raise HandoutError("is not an XLIFF 1.2 file (no <xliff> root element)", path, 1,
                           "give the .xlf file made by 'handout xliff export' and translated in your tool")
    files = [e for e in root.iter() if isinstance(e.tag, str) and e.tag.rpartition("}")[2] == "file"]
    if len(files) != 1:
        raise HandoutError(f"holds {len(files)} <file> elements, not one", path, files[1].sourceline if files else 1,
                           "import one handout's file at a time, as 'handout xliff export' wrote it")
    file_node = files[0]
    handout_id = file_node.get("original") or ""
    known = project.handout_ids()
    if handout_id not in known:
        raise HandoutError(f"is for handout {handout_id!r}, which this content root does not have", path,
                           file_node.sourceline, f"export it again with 'handout xliff export' (handouts: "
                                                 f"{', '.join(known)})")
    language = _language(project, path, file_node)
    store = xliff.xlifffile.parsestring(data)
    po = project.po_path(language, handout_id)
    catalog = catalogs.load_catalog(po, language)
    template = {u.context: u for u in units(project.handout(handout_id))}
    by_context = {m.context: m for m in catalog if m.id and m.context}
    seen: dict[str, int] = {}
    changes = []
    unchanged = untranslated = 0
    tus = store.getunits()
    for tu in tus:
        ident, line = tu.xmlelement.get("id") or "", tu.xmlelement.sourceline
        if ident in seen:
            raise HandoutError(f"unit {ident!r} appears twice (also on line {seen[ident]})", path, line,
                               "delete one of the two")
        seen[ident] = line
    for tu in tus:
        ident, line = tu.xmlelement.get("id") or "", tu.xmlelement.sourceline
        message = by_context.get(ident)
        if message is None or ident not in template:
            raise HandoutError(f"unit {ident!r} is not a message of handout {handout_id}", path, line,
                               _unknown_hint(tus, template))
        source = tu.source or ""
        if source != message.id:
            raise HandoutError(f"the English of {ident} is not what the catalog holds now (it changed since the "
                               "file was exported)", path, line,
                               "export a new file with 'handout xliff export' and translate that one (your tool's "
                               "translation memory fills in what is unchanged)")
        target_node = tu.getlanguageNode(lang=None, index=1)
        state = (target_node.get("state") or "") if target_node is not None else ""
        text = _target_text(path, tu, target_node, ident)
        if not text or state in EMPTY_STATES:
            untranslated += 1
            continue
        fuzzy = state in FUZZY_STATES
        if text == message.string and fuzzy == message.fuzzy:
            unchanged += 1
            continue
        changes.append((message, text, fuzzy))
    safety = []
    for message, text, fuzzy in changes:
        if message.string != text and template[message.context].safety_critical:
            safety.append(message.context)
        message.string = text
        if fuzzy:
            message.flags.add("fuzzy")
        else:
            message.flags.discard("fuzzy")
    stamp_catalog(catalog, load_record(record_path(po)))  # the new safety translations are made for this English
    written = bool(changes) and catalogs.save_if_changed(catalog, po, project.config.po_width)
    return Imported(po, language, handout_id, len(changes), tuple(safety), unchanged, untranslated, written)


def _read(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except FileNotFoundError:
        raise HandoutError("XLIFF file not found", path, hint="give the path of the translated .xlf file") from None
    except (IsADirectoryError, PermissionError) as exc:
        raise HandoutError(f"cannot read it ({exc.strerror})", path, hint="give the path of the .xlf file") from None


def _safe_root(path: Path, data: bytes):
    """Parse with defusedxml first (no DTD, no entities: no billion laughs, no external files), then lxml."""
    try:
        import defusedxml.ElementTree as safe_et
        from defusedxml import DefusedXmlException
    except ImportError:  # pragma: no cover
        raise HandoutError("XLIFF needs defusedxml, which is not installed", hint=INSTALL_HINT) from None
    from xml.etree.ElementTree import ParseError

    try:
        safe_et.fromstring(data, forbid_dtd=True, forbid_entities=True, forbid_external=True)
    except ParseError as exc:
        line = exc.position[0] if getattr(exc, "position", None) else None
        reason = str(exc).split(":")[0]
        raise HandoutError(f"is not well-formed XML ({reason})", path, line,
                           "save it again from your translation tool, or export a new one") from None
    except DefusedXmlException:
        raise HandoutError("declares a DTD or an entity, which an XLIFF file never needs (refused for safety)",
                           path, _line_of(data, b"<!"), "export it again from your translation tool") from None
    from lxml import etree
    from translate.misc.xml_helpers import get_safe_xml_parser

    return etree.fromstring(data, parser=get_safe_xml_parser())


def _line_of(data: bytes, needle: bytes) -> int | None:
    at = data.find(needle)
    return data[:at].count(b"\n") + 1 if at >= 0 else None


def _language(project, path: Path, file_node) -> Language:
    tag = file_node.get("target-language") or ""
    if not tag:
        raise HandoutError("the <file> has no target-language", path, file_node.sourceline,
                           "set target-language in your tool, or export again with 'handout xliff export -l LANG'")
    source = (file_node.get("source-language") or "en").lower()
    if source.replace("_", "-").split("-")[0] != "en":
        raise HandoutError(f"source-language is {source}, but the handouts are written in English", path,
                           file_node.sourceline, "export the file with 'handout xliff export'")
    wanted = _match_language(project.languages(translated_only=True), tag)
    if wanted is None:
        codes = ", ".join(lang.tag for lang in project.languages(translated_only=True))
        raise HandoutError(f"target-language {tag!r} is not a translated language of this content root", path,
                           file_node.sourceline, f"export the file for one of: {codes}")
    return wanted


def _match_language(languages: tuple[Language, ...], tag: str) -> Language | None:
    """fr, fr-FR, fr_CA all match fr; zh-CN matches zh-Hans and zh-TW zh-Hant (CLDR likely subtags)."""
    from babel import Locale, UnknownLocaleError

    wanted = tag.replace("_", "-").lower()
    for lang in languages:
        if wanted in (lang.tag.lower(), lang.code.replace("_", "-").lower()):
            return lang
    try:
        theirs = Locale.parse(tag.replace("-", "_"))
    except (ValueError, UnknownLocaleError):
        return None
    matches = [lang for lang in languages if _language_and_script(lang.code) == _language_and_script(str(theirs))]
    return matches[0] if len(matches) == 1 else None


def _language_and_script(code: str) -> tuple[str, str]:
    from babel.core import get_global

    likely = get_global("likely_subtags")
    parts = code.replace("-", "_").split("_")
    full = likely.get(code) or likely.get("_".join(parts[:2])) or likely.get(parts[0]) or code
    full_parts = full.split("_")
    script = next((p for p in parts[1:] if len(p) == 4), None) or \
        next((p for p in full_parts[1:] if len(p) == 4), "")
    return parts[0].lower(), script


def _target_text(path: Path, tu, target_node, ident: str) -> str:
    """The target as plain text. <mrk> segments (Trados, memoQ) are joined; other inline markup is refused."""
    if target_node is None:
        return ""
    for child in target_node.iter():
        if child is target_node or not isinstance(child.tag, str):
            continue
        if child.tag.rpartition("}")[2] != "mrk":
            raise HandoutError(f"the translation of {ident} holds XLIFF markup <{child.tag.rpartition('}')[2]}>",
                               path, child.sourceline,
                               "handout text is plain: remove the tag in your tool and export the file again")
    return "".join(target_node.itertext())


def _unknown_hint(tus, template: dict) -> str:
    ids = [tu.xmlelement.get("id") or "" for tu in tus]
    if ids and not any(ident in template for ident in ids):
        return ("this file was not made by 'handout xliff export' (translate-toolkit's po2xliff numbers its units "
                "and drops the message IDs): export it with 'handout xliff export -l LANG'")
    return "export a new file with 'handout xliff export'; a unit added by hand has no place in the handout"
