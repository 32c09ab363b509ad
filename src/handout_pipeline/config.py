"""The content root's one configuration file: handout.toml, or [tool.handout] in pyproject.toml."""

from __future__ import annotations

import math
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from handout_pipeline.errors import HandoutError, HandoutErrors
from handout_pipeline.languages import ENGINES, Language, get_language

# The region facts every configuration knows; others are declared under [facts] with their kind.
KNOWN_FACTS = {
    "emergency_number": "the emergency phone number, e.g. 911",
    "nurse_line": "the nurse advice phone line, e.g. 811 (leave out where there is none)",
}
REQUIRED_FACTS = {"emergency_number"}
# What a fact can be: a phone number (validated with libphonenumber, read digit by digit), or a short text.
FACT_KINDS = {"phone": "a phone number, read out digit by digit", "text": "a short text, e.g. opening hours"}
_REGION_SETTINGS = ("name", "page_size", "country")
PAGE_SIZES = {"letter", "a4", "legal"}
_PHONE = re.compile(r"\+?[0-9][0-9 ()-]{1,30}\Z")
_FACT_NAME = re.compile(r"[a-z][a-z0-9_]{0,40}\Z")


@dataclass(frozen=True, slots=True)
class Fact:
    """A named fact of the place a handout may use as {name}: its kind and what it is (for translators)."""

    name: str
    kind: str          # "phone" or "text"
    description: str = ""


BUILTIN_FACTS = {name: Fact(name, "phone", about) for name, about in KNOWN_FACTS.items()}


@dataclass(frozen=True, slots=True)
class Region:
    code: str
    name: str
    page_size: str
    facts: dict[str, str]
    country: str | None = None   # ISO 3166 code whose emergency numbers the gate knows (default: the code)
    text_facts: frozenset[str] = frozenset()   # the facts of kind "text" (the others are phone numbers)

    @property
    def phones(self) -> dict[str, str]:
        """The region's phone-number facts (emergency_number, nurse_line, declared phone facts)."""
        return {k: v for k, v in self.facts.items() if k not in self.text_facts}


@dataclass(frozen=True, slots=True)
class Organization:
    """Who hands the handout out ([organization]): printed in every page's footer."""

    name: str
    phone: str = ""


@dataclass(frozen=True, slots=True)
class SiteConfig:
    """[site]: write the status site after these commands, into this folder (relative to the content root)."""

    after: tuple[str, ...] = ()   # "build", "check"
    out: Path | None = None       # None: output/site


SITE_AFTER = ("build", "check")


@dataclass(frozen=True, slots=True)
class CheckConfig:
    max_grade: float = 8.0
    target_grade: float = 6.0
    max_sentence_words: int = 20
    max_sentence_chars: int = 40
    max_rare_share: float = 0.15
    rare_zipf: float = 3.0
    min_translated_share: float = 1.0
    length_ratio_min: float = 0.3
    length_ratio_max: float = 3.5
    require_review: bool = False   # every safety translation must carry a current sign-off (handout review)


@dataclass(frozen=True, slots=True)
class Config:
    root: Path
    path: Path | None
    languages: tuple[Language, ...]
    region: Region
    words_per_minute: int = 140
    check: CheckConfig = field(default_factory=CheckConfig)
    regions: tuple[Region, ...] = ()   # every region of [regions], the chosen one included
    po_width: int | None = 79   # [catalogs] width: PO line width as GNU gettext's --width; None: wrap = false
    organization: Organization | None = None   # [organization]: name and phone in the PDF and DOCX footers
    site: SiteConfig = field(default_factory=SiteConfig)   # [site]: refresh the status site after build/check
    facts: dict[str, Fact] = field(default_factory=lambda: dict(BUILTIN_FACTS))  # built-in and [facts]
    mix_recordings: bool = True   # [audio] mix_recordings: human recordings and synthesis in one narration

    @property
    def source_dir(self) -> Path:
        return self.root / "source"

    @property
    def locales_dir(self) -> Path:
        return self.root / "locales"

    @property
    def output_dir(self) -> Path:
        return self.root / "output"

    @property
    def fact_names(self) -> frozenset[str]:
        """Every fact a source may use as {name} or when=/unless=: the built-in ones and [facts]."""
        return frozenset(self.facts)

    def language(self, name: str) -> Language:
        """The configured language (with its [language.X] overrides) that `name` names, else the defaults."""
        lang = get_language(name)
        return next((x for x in self.languages if x.code == lang.code), lang)

    @property
    def translated_languages(self) -> tuple[Language, ...]:
        """Every configured language but the source language (English)."""
        return tuple(lang for lang in self.languages if lang.code != "en")


def load_config(root: Path) -> Config:
    """Read and validate the configuration of a content root."""
    root = Path(root)
    if not root.is_dir():
        raise HandoutError("content root does not exist or is not a folder", root,
                           hint="run the command inside your handouts folder or pass --root DIR")
    path = root / "handout.toml"
    pyproject = root / "pyproject.toml"
    tool = _read_toml(pyproject).get("tool") if pyproject.is_file() and not path.is_file() else None
    if path.is_file():
        data, prefix = _read_toml(path), ""
    elif isinstance(tool, dict) and "handout" in tool:
        path, data, prefix = pyproject, tool["handout"], "tool.handout."
        if not isinstance(data, dict):
            raise _fail(path, "tool.handout", "must be a table", "write the settings under a [tool.handout] line")
    else:
        raise HandoutError("no handout.toml here", root,
                           hint="run handout init to create one (handout docs configuration explains it) or pass --root DIR")
    return _parse(root.resolve(), path, data, prefix)


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except UnicodeDecodeError as exc:
        line = path.read_bytes()[: exc.start].count(b"\n") + 1
        raise HandoutError("is not UTF-8 text", path, line, "save it as UTF-8") from None
    except tomllib.TOMLDecodeError as exc:
        line = getattr(exc, "lineno", None) or _line_of(str(exc))
        reason = re.sub(r"\s*\(at line \d+, column (\d+)\)", r" at column \1", str(exc))  # the line is said once
        raise HandoutError(f"is not valid TOML: {reason}", path, line,
                           'fix the syntax on that line (text goes in quotes: region = "CA")') from None
    except OSError as exc:
        raise HandoutError(f"cannot be read ({exc.strerror})", path) from None


def _line_of(message: str) -> int | None:
    m = re.search(r"line (\d+)", message)
    return int(m.group(1)) if m else None


def _fail(path: Path, key: str, problem: str, hint: str) -> HandoutError:
    return HandoutError(f"key '{key}' {problem}", path, hint=hint)


def _parse(root: Path, path: Path, data: dict[str, Any], prefix: str) -> Config:
    known_top = {"languages", "language", "region", "regions", "audio", "check", "catalogs", "organization", "site", "facts"}
    problems: list[HandoutError] = []   # every bad key is reported, not only the first

    def attempt(parse, *args, default=None):
        try:
            return parse(*args)
        except HandoutError as exc:
            problems.append(exc)
            return default

    for key in data:
        if key not in known_top:
            problems.append(_fail(path, prefix + key, "is not a known setting",
                                  f"use one of: {', '.join(sorted(known_top))}"))
    langs = attempt(_parse_languages, path, data, prefix, default=())
    facts = attempt(_parse_facts, path, data.get("facts", {}), prefix, default=dict(BUILTIN_FACTS))
    region = attempt(_parse_region, path, data, prefix, facts)
    regions = tuple(region if code == data.get("region") else
                    attempt(_parse_region, path, {**data, "region": code}, prefix, facts)
                    for code in (data.get("regions") if isinstance(data.get("regions"), dict) else {}))
    wpm, mix = attempt(_parse_audio, path, data.get("audio", {}), prefix, default=(140, True))
    check = attempt(_parse_check, path, data.get("check", {}), prefix)
    width = attempt(_parse_po_width, path, data.get("catalogs", {}), prefix)
    organization = attempt(_parse_organization, path, data.get("organization"), prefix)
    site = attempt(_parse_site, root, path, data.get("site", {}), prefix)
    if problems:
        raise problems[0] if len(problems) == 1 else HandoutErrors(problems)
    return Config(root, path, langs, region, wpm, check, tuple(r for r in regions if r is not None), width,
                  organization, site, facts, mix_recordings=mix)


def _parse_languages(path: Path, data: dict[str, Any], prefix: str) -> tuple[Language, ...]:
    languages = data.get("languages")
    if not isinstance(languages, list) or not languages or not all(isinstance(x, str) for x in languages):
        raise _fail(path, prefix + "languages", "must be a list of language codes",
                    'e.g. languages = ["en", "fr", "zh_Hans"]')
    problems: list[HandoutError] = []
    langs = []
    for code in languages:
        try:
            langs.append(get_language(code, f"{path} (key '{prefix}languages')"))
        except HandoutError as exc:
            problems.append(exc)
    if problems:
        raise problems[0] if len(problems) == 1 else HandoutErrors(problems)
    langs = _apply_overrides(path, data.get("language", {}), tuple(langs), prefix)
    if len({lang.code for lang in langs}) != len(langs):
        raise _fail(path, prefix + "languages", "lists a language twice", "list each language once")
    return langs


def _parse_audio(path: Path, audio: Any, prefix: str) -> tuple[int, bool]:
    if not isinstance(audio, dict):
        raise _fail(path, prefix + "audio", "must be a table", "write [audio] and words_per_minute = 140 below it")
    for key in audio:
        if key not in ("words_per_minute", "mix_recordings"):  # a misspelt setting would otherwise be ignored
            raise _fail(path, f"{prefix}audio.{key}", "is not a known audio setting",
                        "use words_per_minute or mix_recordings")
    mix = audio.get("mix_recordings", True)
    if not isinstance(mix, bool):
        raise _fail(path, prefix + "audio.mix_recordings", "must be true or false",
                    "false: a narration is either all recorded or all synthesised")
    wpm = audio.get("words_per_minute", 140)
    if not isinstance(wpm, int) or isinstance(wpm, bool) or not 80 <= wpm <= 220:
        raise _fail(path, prefix + "audio.words_per_minute", "must be a whole number from 80 to 220",
                    "140 suits most patients")
    return wpm, mix


def _parse_site(root: Path, path: Path, table: Any, prefix: str) -> SiteConfig:
    """[site] after = ["build", "check"], dir = "output/site"."""
    key = prefix + "site"
    if not isinstance(table, dict):
        raise _fail(path, key, "must be a table", 'write [site] and after = ["check"] below it')
    for name in table:
        if name not in ("after", "dir"):
            raise _fail(path, f"{key}.{name}", "is not a known site setting", "use after and dir")
    after = table.get("after", [])
    if not isinstance(after, list) or not all(isinstance(x, str) and x in SITE_AFTER for x in after):
        raise _fail(path, f"{key}.after", f"must be a list of commands out of {', '.join(SITE_AFTER)}",
                    'e.g. after = ["build", "check"] refreshes the site after each of them')
    folder = table.get("dir")
    if folder is None:
        return SiteConfig(tuple(dict.fromkeys(after)))
    if not isinstance(folder, str) or not folder.strip() or Path(folder).is_absolute() or ".." in Path(folder).parts:
        raise _fail(path, f"{key}.dir", "must be a folder inside the content root, in quotes",
                    'e.g. dir = "output/site" (a path on this machine would not work on the next one)')
    return SiteConfig(tuple(dict.fromkeys(after)), root / folder)


def _parse_facts(path: Path, table: Any, prefix: str) -> dict[str, Fact]:
    """[facts]: name = "phone" | "text", or name = { kind = "phone", description = "..." }."""
    key = prefix + "facts"
    if not isinstance(table, dict):
        raise _fail(path, key, "must be a table", 'write [facts] and e.g. poison_control = "phone" below it')
    facts = dict(BUILTIN_FACTS)
    kinds = ", ".join(f'"{k}"' for k in FACT_KINDS)
    for name, spec in table.items():
        where = f"{key}.{name}"
        if not _FACT_NAME.match(name) or name in _REGION_SETTINGS:
            raise _fail(path, where, "is not a usable fact name",
                        "use lowercase letters, digits and '_', starting with a letter, e.g. poison_control")
        if isinstance(spec, str):
            spec = {"kind": spec}
        if not isinstance(spec, dict) or set(spec) - {"kind", "description"}:
            raise _fail(path, where, "must be a kind or a table with kind and description",
                        f'e.g. {name} = "phone", or {name} = {{ kind = "phone", description = "the Poison Control line" }}')
        kind, description = spec.get("kind"), spec.get("description", "")
        if kind not in FACT_KINDS:
            raise _fail(path, f"{where}" + ("" if isinstance(table[name], str) else ".kind"),
                        f"is not a kind of fact ({kind!r})", f"use one of: {kinds}")
        if not isinstance(description, str) or len(description) > 200:
            raise _fail(path, f"{where}.description", "must be text (up to 200 characters)",
                        'e.g. description = "the Poison Control phone line"')
        if name in BUILTIN_FACTS and kind != "phone":
            raise _fail(path, where, "is a built-in phone-number fact", f'write {name} = "phone" or leave it out')
        facts[name] = Fact(name, kind, " ".join(description.split()) or facts.get(name, Fact(name, kind)).description)
    return facts


def _check_phone(path: Path, key: str, value: Any, country: str | None, strict: bool) -> None:
    """A phone fact: digits (with spaces, -, ( ) or a leading +), and where the country is known one that
    libphonenumber says is a real number there (a short number such as 811, or a full number)."""
    if not isinstance(value, str) or not _PHONE.match(value.strip()):
        name = key.rsplit(".", 1)[-1]
        raise _fail(path, key, "must be a phone number written as a string of digits (spaces, -, ( ) and a "
                    "leading + allowed)", f'e.g. {name} = "{"911" if name == "emergency_number" else "1-800-222-1222"}"')
    if not strict or country is None:
        return
    import phonenumbers
    from phonenumbers import shortnumberinfo

    digits = re.sub(r"\D", "", value)
    try:
        number = phonenumbers.parse(value if len(digits) > 6 else digits, country)
    except phonenumbers.NumberParseException:
        number = None
    ok = number is not None and (shortnumberinfo.is_valid_short_number_for_region(number, country)
                                 if len(digits) <= 6 and not value.strip().startswith("+")
                                 else phonenumbers.is_valid_number(number))
    if not ok:
        raise _fail(path, key, f"({value}) is not a phone number in {country} (libphonenumber's numbering plan)",
                    "check the digits; give the full number with its area code, or a short number "
                    f"that works in {country}, or set country = \"XX\" in the region")


_ORG_PHONE = re.compile(r"\+?[0-9][0-9 ().-]{1,30}\Z")


def _parse_organization(path: Path, table: Any, prefix: str) -> Organization | None:
    if table is None:
        return None
    key = prefix + "organization"
    if not isinstance(table, dict):
        raise _fail(path, key, "must be a table", 'write [organization] with name = "..." and phone = "..." below it')
    for name in table:
        if name not in ("name", "phone"):
            raise _fail(path, f"{key}.{name}", "is not a known organization setting", "use name and phone")
    name, phone = table.get("name"), table.get("phone", "")
    if not isinstance(name, str) or not name.strip() or len(name) > 120:
        raise _fail(path, f"{key}.name", "must be the organisation's name (text, up to 120 characters)",
                    'e.g. name = "Riverside Spine Clinic"')
    if not isinstance(phone, str) or (phone and not _ORG_PHONE.match(phone.strip())):
        raise _fail(path, f"{key}.phone", "must be a phone number in quotes (digits, spaces, + ( ) - .)",
                    'e.g. phone = "604-555-0199"')
    return Organization(" ".join(name.split()), phone.strip())


def _parse_po_width(path: Path, table: Any, prefix: str) -> int | None:
    """[catalogs] width = 79 (as msgcat --width) or wrap = false (as --no-wrap)."""
    if not isinstance(table, dict) or set(table) - {"width", "wrap"}:
        raise _fail(path, prefix + "catalogs", "must be a table with width or wrap",
                    "write [catalogs] and width = 79 (what GNU gettext and Poedit use) or wrap = false below it")
    wrap = table.get("wrap", True)
    width = table.get("width", 79)
    if not isinstance(wrap, bool):
        raise _fail(path, prefix + "catalogs.wrap", "must be true or false", "wrap = false writes no line breaks")
    if not isinstance(width, int) or isinstance(width, bool) or not 20 <= width <= 1000:
        raise _fail(path, prefix + "catalogs.width", "must be a whole number from 20 to 1000",
                    "79 is what msgcat, msgmerge, Poedit and Weblate write")
    return width if wrap else None


LANGUAGE_KEYS = {"font": "a font family fontconfig knows, e.g. \"Noto Sans Ethiopic\"",
                 "voice": "an eSpeak NG voice file id from espeak-ng --voices, e.g. \"zle/ru\", or \"\" for none",
                 "readability": "a method from checks/readability.py, e.g. \"sentence-length-words\"",
                 "words_per_minute": "a whole number from 80 to 220",
                 "engine": "a speech engine: espeak-ng, espeakng-loader (eSpeak NG 1.52 from PyPI) or festival",
                 "engine_voice": "the engine's voice where it is not eSpeak NG, e.g. \"cmu_us_slt_arctic_hts\""}


def _apply_overrides(path: Path, table: Any, langs: tuple[Language, ...], prefix: str) -> tuple[Language, ...]:
    """[language.<code>] tables: font, voice, readability, words_per_minute for one configured language."""
    import dataclasses

    from handout_pipeline.checks.readability import METHODS

    if not isinstance(table, dict):
        raise _fail(path, prefix + "language", "must hold one table per language", "e.g. [language.ru] font = \"Noto Sans\"")
    by_code = {lang.code: lang for lang in langs}
    for name, over in table.items():
        where = f"{prefix}language.{name}"
        lang = next((x for x in langs if x.code == name or x.tag == name), None)
        if lang is None:
            raise _fail(path, where, "names a language that is not in 'languages'",
                        f"add {name!r} to languages, or use one of: {', '.join(by_code)}")
        if not isinstance(over, dict):
            raise _fail(path, where, "must be a table", "write [language.%s] and settings below it" % name)
        changes: dict[str, Any] = {}
        for key, value in over.items():
            if key not in LANGUAGE_KEYS:
                raise _fail(path, f"{where}.{key}", "is not a known language setting",
                            f"use one of: {', '.join(LANGUAGE_KEYS)}")
            if key == "words_per_minute":
                if not isinstance(value, int) or isinstance(value, bool) or not 80 <= value <= 220:
                    raise _fail(path, f"{where}.{key}", "must be a whole number from 80 to 220", "140 suits most patients")
            elif not isinstance(value, str) or (key not in ("voice", "engine_voice") and not value.strip()):
                raise _fail(path, f"{where}.{key}", "must be text", f"use {LANGUAGE_KEYS[key]}")
            if key == "engine" and value not in ENGINES:
                raise _fail(path, f"{where}.{key}", f"is not a speech engine ({value!r})",
                            f"use one of: {', '.join(ENGINES)}")
            if key == "readability" and value not in METHODS:
                raise _fail(path, f"{where}.{key}", f"is not a readability method ({value!r})",
                            f"use one of: {', '.join(sorted(METHODS))}")
            changes[key] = (value.strip() or None) if key in ("voice", "engine_voice") else value
        by_code[lang.code] = dataclasses.replace(lang, **changes)
    return tuple(by_code[lang.code] for lang in langs)


def _parse_region(path: Path, data: dict[str, Any], prefix: str, declared: dict[str, Fact] | None = None) -> Region:
    code = data.get("region")
    regions = data.get("regions", {})
    if not isinstance(code, str) or not isinstance(regions, dict) or code not in regions:
        raise _fail(path, prefix + "region", "must name a table under [regions]",
                    'e.g. region = "CA" and a [regions.CA] table with emergency_number')
    table = regions[code]
    where = f"{prefix}regions.{code}"
    if not isinstance(table, dict):
        raise _fail(path, where, "must be a table", "see handout docs configuration")
    name = table.get("name", code)
    page = table.get("page_size", "letter")
    if not isinstance(page, str) or page.lower() not in PAGE_SIZES:
        raise _fail(path, f"{where}.page_size", "is not a page size", f"use one of: {', '.join(sorted(PAGE_SIZES))}")
    country = table.get("country", code if re.fullmatch(r"[A-Z]{2}", code) else None)
    if country is not None and (not isinstance(country, str) or not re.fullmatch(r"[A-Z]{2}", country)):
        raise _fail(path, f"{where}.country", "must be a two-letter country code", 'e.g. country = "CA"')
    declared = declared or dict(BUILTIN_FACTS)
    facts: dict[str, str] = {}
    problems: list[HandoutError] = []
    for key, value in table.items():
        if key in _REGION_SETTINGS:
            continue
        try:
            facts[key] = _fact_value(path, where, key, value, declared, country)
        except HandoutError as exc:
            problems.append(exc)
    for key in sorted(REQUIRED_FACTS - facts.keys() - {k for k in table if k in REQUIRED_FACTS}):
        problems.append(_fail(path, f"{where}.{key}", "is missing", f"add {key} = \"...\" ({KNOWN_FACTS[key]})"))
    if problems:
        raise problems[0] if len(problems) == 1 else HandoutErrors(problems)
    text_facts = frozenset(k for k in facts if declared[k].kind == "text")
    return Region(code, str(name), page.lower(), facts, country, text_facts)


def _fact_value(path: Path, where: str, key: str, value: Any, declared: dict[str, Fact], country: str | None) -> str:
    """One region fact's value, validated by its kind."""
    fact = declared.get(key)
    if fact is None:
        raise _fail(path, f"{where}.{key}", "is not a known region fact",
                    f"declare it first: add {key} = \"phone\" (or \"text\") under [facts]; "
                    f"known here: {', '.join((*_REGION_SETTINGS, *declared))}")
    if fact.kind == "phone":
        _check_phone(path, f"{where}.{key}", value, country, strict=key != "emergency_number")
        return value.strip()
    if not isinstance(value, str) or not value.strip() or len(value) > 200 or re.search(r"[{}\x00-\x1f\x7f]", value):
        raise _fail(path, f"{where}.{key}", "must be plain text in quotes (up to 200 characters, no braces or "
                    "control characters)", f'e.g. {key} = "Riverside General Hospital"')
    return " ".join(value.split())


def _parse_check(path: Path, table: Any, prefix: str) -> CheckConfig:
    if not isinstance(table, dict):
        raise _fail(path, prefix + "check", "must be a table", "see handout docs configuration")
    defaults = CheckConfig()
    values: dict[str, Any] = {}
    for key, value in table.items():
        if not hasattr(defaults, key):
            names = ", ".join(CheckConfig.__dataclass_fields__)
            raise _fail(path, f"{prefix}check.{key}", "is not a known check setting", f"use one of: {names}")
        if isinstance(getattr(defaults, key), bool):
            if not isinstance(value, bool):
                raise _fail(path, f"{prefix}check.{key}", "must be true or false", f"e.g. {key} = true")
            values[key] = value
            continue
        if not isinstance(value, (int, float)) or isinstance(value, bool) or value < 0 or not math.isfinite(value):
            raise _fail(path, f"{prefix}check.{key}", "must be a positive number", "see handout docs configuration")
        if isinstance(getattr(defaults, key), int) and not isinstance(value, int):
            raise _fail(path, f"{prefix}check.{key}", "must be a whole number", f"e.g. {key} = {getattr(defaults, key)}")
        if key == "min_translated_share" and value > 1:
            raise _fail(path, f"{prefix}check.{key}", "must be between 0 and 1", "1.0 means every message")
        values[key] = type(getattr(defaults, key))(value)
    return CheckConfig(**values)
