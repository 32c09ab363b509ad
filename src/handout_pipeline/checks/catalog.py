"""Catalog checks: every warning sign translated and current, and every message's integrity."""

from __future__ import annotations

import re
import unicodedata

from babel.messages.catalog import Catalog, Message
from markdown_it import MarkdownIt

from handout_pipeline.checks import Finding
from handout_pipeline.checks.content import LanguageIdentifier, safety_text_problems
from handout_pipeline.checks.numbers import number_differences, shown
from handout_pipeline.config import CheckConfig
from handout_pipeline.i18n.catalogs import STALE_NOTE
from handout_pipeline.i18n.units import Unit
from handout_pipeline.inline import PLACEHOLDER
from handout_pipeline.languages import Language

BIDI_OVERRIDES = set("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
_MARKUP = re.compile(r"<\s*[a-zA-Z/!?]|javascript:|vbscript:|data:|file:|https?://|www\.|url\s*\(|@import|&#?\w+;",
                     re.I)
_BRACE_LIKE = re.compile(r"[{}\uff5b\uff5d\ufe5b\ufe5c]")
_INLINE = MarkdownIt("zero").enable(["emphasis", "escape"])
# Typical length of a translation against its English, by characters; outside these bounds is suspicious.
_RATIO = {"zh_Hans": (0.12, 0.9), "zh_Hant": (0.12, 0.9), "ko": (0.2, 1.3)}


def markup_counts(text: str) -> tuple[int, int, int]:
    """(bold spans, emphasis spans, stray '*' or '_' delimiters) as the inline parser sees them."""
    tokens = _INLINE.parseInline(text)[0].children or []
    strong = sum(t.type == "strong_open" for t in tokens)
    emphasis = sum(t.type == "em_open" for t in tokens)
    stray = sum(t.content.count("*") + t.content.count("__") for t in tokens if t.type == "text")
    return strong, emphasis, stray


def catalog_findings(handout_id: str, language: Language, template_units: list[Unit], catalog: Catalog | None,
                     cfg: CheckConfig, po_rel: str | None = None,
                     identifier: LanguageIdentifier | None = None) -> list[Finding]:
    """Warning signs present, translated, current and real text in their language; integrity of every message."""
    from handout_pipeline.checks.content import catalog_language_problems, duplicate_translations

    identifier = identifier or LanguageIdentifier((language,))
    findings: list[Finding] = []

    def add(check: str, severity: str, unit: Unit | None, detail: str, message: Message | None = None) -> None:
        findings.append(Finding(check, severity, handout_id, language.tag, unit.context if unit else None, detail,
                                path=po_rel, line=getattr(message, "lineno", None), cause=None))

    if catalog is None:
        for unit in template_units:
            if unit.safety_critical:
                add("warning-signs", "error", unit, f"no catalog, so no translation of: {unit.msgid!r}")
        return findings
    by_context: dict[str, Message] = {m.context: m for m in catalog if m.id and m.context}
    ordinary = translated_ordinary = 0
    safety: list[tuple[Unit, str]] = []
    for unit in template_units:
        message = by_context.get(unit.context)
        problem = _completeness_problem(unit, message)
        if not unit.safety_critical:
            ordinary += 1
            translated_ordinary += problem is None
        if problem:
            if unit.safety_critical:
                add("warning-signs", "error", unit, f"{problem}: {unit.msgid!r}", message)
            else:
                add("integrity", "warning", unit, f"{problem}; readers see the English: {unit.msgid!r}", message)
            continue
        string = str(message.string)
        if unit.safety_critical:
            safety.append((unit, string))
            for detail in safety_text_problems(unit.msgid, string, language, identifier,
                                               frozenset(message.flags), label=unit.context.startswith("label/")):
                add("content", "error", unit, f"{detail}: {string!r} (English: {unit.msgid!r})", message)
        for severity, detail in integrity_problems(unit.msgid, string, language, cfg, unit.safety_critical):
            add("integrity", severity, unit, detail, message)
    for first, second in duplicate_translations(safety):
        add("content", "error", second,
            f"has the same translation as {first.context} ({by_context[first.context].string!r}) although their "
            f"English differs ({first.msgid!r} / {second.msgid!r}): one warning sign is missing, another shown "
            "twice; translate each one", by_context[second.context])
    for detail in catalog_language_problems(catalog, language, identifier,
                                            [str(m.string) for m in catalog if m.id and m.string]):
        add("content", "error", None, detail)
    if ordinary and translated_ordinary / ordinary < cfg.min_translated_share:
        add("integrity", "error", None,
            f"only {translated_ordinary} of {ordinary} ordinary messages are translated "
            f"({translated_ordinary / ordinary:.0%}); at least {cfg.min_translated_share:.0%} are required "
            "(check.min_translated_share)")
    return findings


def _completeness_problem(unit: Unit, message: Message | None) -> str | None:
    """Why a message does not count as translated, or None when it does."""
    if message is None:
        return "missing from the catalog (run 'handout update')"
    if message.id != unit.msgid:
        return "stale: the English changed since it was translated (run 'handout update', then translate again)"
    if message.fuzzy and message.previous_id:
        return "stale: the English changed; the translation is marked fuzzy until a translator reviews it"
    if message.fuzzy:
        return "fuzzy (needs review), so not translated"
    string = message.string if isinstance(message.string, str) else ""
    if not string.strip():
        stale = any(c.startswith(STALE_NOTE.rstrip()) for c in message.user_comments)
        return "stale: the English changed and it must be translated again" if stale else "not translated"
    return None


def integrity_problems(source: str, translation: str, language: Language,
                       cfg: CheckConfig, safety_critical: bool = False) -> list[tuple[str, str]]:
    """(severity, detail) for each way a translation does not keep its source's facts."""
    problems: list[tuple[str, str]] = []
    want, got = set(PLACEHOLDER.findall(source)), set(PLACEHOLDER.findall(translation))
    for name in sorted(want - got):
        problems.append(("error", f"placeholder {{{name}}} is missing or misspelt (keep it exactly as in the English)"))
    for name in sorted(got - want):
        problems.append(("error", f"placeholder {{{name}}} is not in the English: remove it or spell it as in the English"))
    stray = _BRACE_LIKE.findall(PLACEHOLDER.sub("", translation))
    if stray:
        problems.append(("error", "a brace that is not part of a {placeholder}: check the placeholder spelling"))
    lacking, added = number_differences(source, translation, language.code)
    src_numbers = number_differences(source, "", "en")[0]
    for number, count in sorted(lacking.items()):
        problems.append(("error", f"number {shown(number)} of the English is missing or changed in the translation"
                         + (f" (needed {src_numbers[number]} times)" if count > 1 or src_numbers[number] > 1 else "")))
    for number in sorted(added):
        if safety_critical:
            problems.append(("error", f"number {shown(number)} is in the translation but not in the English: a "
                             "safety message must not add a phone number, a dose or a delay; remove it"))
        else:
            problems.append(("warning", f"number {shown(number)} is in the translation but not in the English"))
    if markup_counts(source) != markup_counts(translation):
        s, t = markup_counts(source), markup_counts(translation)
        problems.append(("error", f"bold/emphasis markup not kept or unbalanced (English: {s[0]} bold, {s[1]} emphasis; "
                         f"translation: {t[0]} bold, {t[1]} emphasis, {t[2]} stray '*' or '__')"))
    overrides = sorted({f"U+{ord(c):04X}" for c in translation if c in BIDI_OVERRIDES})
    if overrides:
        problems.append(("error", f"bidi control characters {', '.join(overrides)} can visually reorder text "
                         "(a number could read backwards): remove them"))
    controls = sorted({f"U+{ord(c):04X}" for c in translation if unicodedata.category(c) == "Cc"})
    if controls:
        problems.append(("error", f"control characters {', '.join(controls)}: remove them"))
    if _MARKUP.search(translation) and not _MARKUP.search(source):
        problems.append(("error", f"markup, a link or an entity ({_MARKUP.search(translation).group(0)!r}) that the "
                         "English does not have: translations are plain text"))
    low, high = _RATIO.get(language.code, (cfg.length_ratio_min, cfg.length_ratio_max))
    # Placeholders are filled with the same fact in every language: only the words around them are compared.
    words_of_source, words_of_translation = PLACEHOLDER.sub("", source).strip(), PLACEHOLDER.sub("", translation).strip()
    if len(words_of_source) >= 20:
        ratio = len(words_of_translation) / len(words_of_source)
        if not low <= ratio <= high:
            problems.append(("warning", f"translation is suspiciously {'short' if ratio < low else 'long'} "
                             f"({ratio:.2f} times the English; expected {low}-{high})"))
    return problems
