"""Source and configuration lint, before any translation is looked at.

In every configured region each tier keeps its intro and a sign after when=/unless=, and the emergency intro
names {emergency_number}; no phone number is typed into the text; each region's emergency number is one its
country really uses (libphonenumber's short-number metadata, through the phonenumbers package) and differs from
its other numbers; a handout without warning signs says why in its front matter.
"""

from __future__ import annotations

import re

from handout_pipeline.checks import Finding
from handout_pipeline.config import Config, Region
from handout_pipeline.i18n.translate import missing_facts, resolve
from handout_pipeline.i18n.units import units
from handout_pipeline.inline import PLACEHOLDER
from handout_pipeline.model import Handout, Tier, warning_blocks

CHECK = "lint"
_DIGIT_RUN = re.compile(r"(?<![\w.,])\(?\+?\d[\d\s().-]{1,20}\d(?![\w])|(?<![\w.,])\d{3,}(?![\w])")


def lint_findings(handout: Handout, config: Config, source_rel: str) -> list[Finding]:
    findings: list[Finding] = []

    def add(detail: str, line: int | None = None, message_id: str | None = None, path: str | None = source_rel):
        findings.append(Finding(CHECK, "error", handout.meta.id, "en", message_id, detail, path=path, line=line))

    config_rel = config.path.name if config.path else None
    blocks = list(warning_blocks(handout))
    if not blocks and not handout.meta.no_warning_signs:
        add("the handout has no warning signs ('::: warnings TIER' blocks): add what to watch for and when to "
            "call, or say why there are none in the front matter (no_warning_signs: <reason>)", 1)
    for region in config.regions or (config.region,):
        findings += _region_findings(handout, region, source_rel, config_rel)
    for unit in units(handout):
        for number in _phone_numbers(unit.msgid, config):
            add(f"a phone number ({number}) is typed into the text: use a placeholder such as {{emergency_number}} "
                "or {nurse_line} (or declare a fact such as poison_control = \"phone\" under [facts] and use "
                "{poison_control}), so each region gets its own number and the gate can check it", unit.line or None,
                unit.context)
    return findings


def _region_findings(handout: Handout, region: Region, source_rel: str, config_rel: str | None) -> list[Finding]:
    findings: list[Finding] = []

    def add(detail: str, line: int | None = None, path: str | None = source_rel, message_id: str | None = None):
        findings.append(Finding(CHECK, "error", handout.meta.id, "en", message_id, detail, path=path, line=line))

    resolved = resolve(handout, region.facts, region.text_facts)
    where = f"in region {region.code} ({region.name})"
    for before, after in zip(warning_blocks(handout), warning_blocks(resolved)):
        tier = before.tier.value
        if not after.intros:
            add(f"{where} the {tier} warning block has no intro left after when=/unless=: every region needs "
                "one (remove the condition, or add the alternative for regions without that fact)", before.line)
        if not after.items:
            add(f"{where} the {tier} warning block has no warning sign left after when=/unless=: keep at least "
                "one sign unconditional", before.line)
        if before.tier is Tier.EMERGENCY:
            for intro in (p for p in before.intros if p in _kept(before.intros, region)):
                if "{emergency_number}" not in intro.source:
                    add(f"{where} the emergency intro does not name the emergency number: write "
                        "{emergency_number} in it, e.g. 'Call {emergency_number} if:'", intro.line,
                        message_id=f"warning-intro/{intro.id}")
    for name in missing_facts(handout, region.facts):
        add(f"the handout uses {{{name}}} but region {region.code} ({region.name}) has no {name}: add "
            f"{name} = \"...\" under [regions.{region.code}], or mark the text when={name}", None, config_rel)
    findings += _number_findings(handout, region, config_rel)
    return findings


def _kept(paragraphs, region: Region):
    return [p for p in paragraphs if (p.when is None or p.when in region.facts)
            and (p.unless is None or p.unless not in region.facts)]


def _number_findings(handout: Handout, region: Region, config_rel: str | None) -> list[Finding]:
    from phonenumbers import shortnumberinfo

    findings = []
    where = f"regions.{region.code}"

    def add(detail: str) -> None:
        findings.append(Finding(CHECK, "error", handout.meta.id, "en", None, detail, path=config_rel))

    emergency = region.facts.get("emergency_number", "")
    digits = re.sub(r"\D", "", emergency)
    if region.country is None:
        add(f"{where} has no country, so its emergency number cannot be checked: add country = \"XX\" "
            "(the two-letter ISO code, e.g. \"CA\")")
    elif not shortnumberinfo.is_emergency_number(digits, region.country):
        add(f"{where}.emergency_number {emergency} is not an emergency number in {region.country} "
            "(libphonenumber's list): check it; were emergency_number and another number swapped?")
    for key, value in region.phones.items():
        if key != "emergency_number" and re.sub(r"\D", "", value) == digits:
            add(f"{where}.{key} is the same number as the emergency number ({value}): give each its own number")
        elif key != "emergency_number" and region.country and shortnumberinfo.is_emergency_number(
                re.sub(r"\D", "", value), region.country):
            add(f"{where}.{key} ({value}) is an emergency number in {region.country}: it must be the {key.replace('_', ' ')}; "
                "were it and emergency_number swapped?")
    return findings


def _phone_numbers(text: str, config: Config) -> list[str]:
    """Phone-like numbers typed in a source message: a region's own numbers, emergency or short numbers, or a
    full phone number of any configured country."""
    import phonenumbers
    from phonenumbers import shortnumberinfo

    plain = PLACEHOLDER.sub(" ", text)
    regions = config.regions or (config.region,)
    countries = sorted({r.country for r in regions if r.country}) or ["US"]
    facts = {re.sub(r"\D", "", v) for r in regions for v in r.phones.values()}
    found: list[str] = []
    for match in _DIGIT_RUN.finditer(plain):
        token = match.group(0).strip()
        digits = re.sub(r"\D", "", token)
        if digits in facts or digits in WELL_KNOWN_EMERGENCY or any(
                shortnumberinfo.is_emergency_number(digits, c) for c in countries):
            found.append(token)
            continue
        for country in countries:
            if len(digits) >= 7 and any(True for _ in phonenumbers.PhoneNumberMatcher(token, country)):
                found.append(token)
                break
    return found


# Emergency numbers known the world over (ITU's 112, North America's 911, the UK's 999): typed into a source they
# are a mistake whatever the region, while other countries' short codes (100, 000…) read as doses and counts.
WELL_KNOWN_EMERGENCY = frozenset({"911", "112", "999"})
