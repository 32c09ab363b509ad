"""Safety text is real text in its language: letters, script, language, confusables, defacing, duplicates.

Every safety message (warning sign, warning intro, tier label) of a catalog must carry real letters, mostly in
its language's script, in its language, with no word mixing scripts and no defacing overlays, not the English
left in place (compared after folding case, punctuation, spaces and look-alike letters) and not another safety
message's translation. Catalog-wide: the PO header names the folder's language and the whole catalog reads as
that language (Simplified and Traditional Chinese told apart by their characters).
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from functools import cache

import regex

from handout_pipeline.inline import PLACEHOLDER, real_letters
from handout_pipeline.languages import Language

# A short term in brackets, e.g. the Latin "حمى (fever).": not counted against the text's script.
_BRACKETED = regex.compile(r"[(\[（【]\s*[^()\[\]（）【】]{1,40}[)\]）】]")
_WORD = regex.compile(r"[\p{L}\p{M}]+")
_NOT_FOLDED = regex.compile(r"[\p{P}\p{S}\p{Z}\p{C}]+")
# Wrappers a vendor leaves around untranslated text.
_TODO = regex.compile(r"\b(todo|tbd|fixme|needs? translation|to translate|untranslated|translate me)\b", regex.I)
# The Unicode scripts of an ISO 15924 code where they differ (Korean is counted by its Hangul: Han in a Korean
# sign is Chinese text, not Korean; Japanese mixes three).
_EXTRA_SCRIPTS = {"Kore": ("Hangul",), "Jpan": ("Han", "Hiragana", "Katakana"),
                  "Hans": ("Han",), "Hant": ("Han",)}
_MIN_SCRIPT_SHARE = 0.8
_SCRIPT_NAMES = {"Latn": "Latin", "Arab": "Arabic", "Guru": "Gurmukhi", "Hans": "Han", "Hant": "Han",
                 "Cyrl": "Cyrillic", "Deva": "Devanagari", "Ethi": "Ethiopic", "Grek": "Greek", "Hebr": "Hebrew",
                 "Thai": "Thai", "Beng": "Bengali", "Taml": "Tamil", "Armn": "Armenian", "Geor": "Georgian"}
# Language identification says "another language" only for messages long enough to tell, and only when two
# independent identifiers agree: measured on our catalogs (benchmarks/langid_accuracy.py), single words and
# short signs are often ambiguous (Persian ضعف is also Arabic).
MIN_LETTERS_FOR_LANGUAGE_ID = 3
MIN_CONFIDENCE = 0.7


def script_names(language: Language) -> tuple[str, ...]:
    """The Unicode script names (for `regex`'s \\p{Script=…}) a language's text is written in."""
    return _EXTRA_SCRIPTS.get(language.script, (language.script,))


def script_share(text: str, language: Language) -> float:
    """Share of the letters in the language's script; a short bracketed Latin term is not counted."""
    unbracketed = _BRACKETED.sub(" ", text)
    letters = real_letters(unbracketed) or real_letters(text)
    if not letters:
        return 1.0
    pattern = regex.compile("|".join(rf"\p{{Script={name}}}" for name in script_names(language)))
    return sum(1 for ch in letters if pattern.match(ch)) / len(letters)


def _script(ch: str) -> str:
    for name in ("Latin", "Cyrillic", "Greek", "Armenian", "Han", "Hangul", "Arabic", "Gurmukhi", "Devanagari",
                 "Ethiopic", "Hebrew", "Thai", "Hiragana", "Katakana", "Georgian", "Bengali", "Tamil"):
        if regex.match(rf"\p{{Script={name}}}", ch):
            return name
    return "Other"


def mixed_script_words(text: str) -> list[str]:
    """Words whose letters come from more than one script (Latin 'pain' with a Cyrillic 'а': TR39 mixed script)."""
    found = []
    for word in _WORD.findall(unicodedata.normalize("NFC", text)):
        scripts = {_script(ch) for ch in word if unicodedata.category(ch).startswith("L")}
        # Han with kana or Hangul in one word is normal Japanese and Korean writing.
        if len(scripts - {"Han", "Hiragana", "Katakana"}) > 1 or ("Hangul" in scripts and scripts - {"Hangul", "Han"}):
            found.append(word)
    return found


def overlays(text: str) -> list[str]:
    """Combining overlay marks (strike-through, slashes: canonical combining class 1) that deface letters."""
    return sorted({f"U+{ord(ch):04X}" for ch in unicodedata.normalize("NFC", text) if unicodedata.combining(ch) == 1})


def lone_marks(text: str) -> bool:
    """A combining mark with no letter before it."""
    previous = " "
    for ch in unicodedata.normalize("NFC", PLACEHOLDER.sub(" ", text)):
        if unicodedata.category(ch) in ("Mn", "Mc", "Me") and not (unicodedata.category(previous).startswith(("L", "M"))):
            return True
        previous = ch
    return False


@cache
def _latin_homoglyphs() -> dict[str, str]:
    """Each character that Unicode's confusables list (TR39) says looks like one Latin letter or digit, mapped to it."""
    import json
    from importlib.resources import files

    data = json.loads(files("confusable_homoglyphs").joinpath("confusables.json").read_text(encoding="utf-8"))
    mapping: dict[str, str] = {}
    for ch, glyphs in data.items():
        if len(ch) != 1 or ch.isascii():
            continue
        for glyph in glyphs:
            target = glyph.get("c", "")
            if len(target) == 1 and target.isascii() and target.isalnum():
                mapping[ch] = target
                break
    return mapping


def fold(text: str) -> str:
    """Text reduced for 'is this the English?': NFKC, case, look-alike letters, no punctuation, spaces or marks."""
    text = unicodedata.normalize("NFKC", PLACEHOLDER.sub(" ", text)).casefold()
    homoglyphs = _latin_homoglyphs()
    text = "".join(homoglyphs.get(ch, ch) for ch in text)
    text = unicodedata.normalize("NFKD", text)
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    return _NOT_FOLDED.sub("", text).casefold()


def english_left(source: str, translation: str) -> bool:
    """The translation is the English: equal after folding, with or without what it has in brackets, or the whole
    English inside its unbracketed text ("[TODO] … (needs translation)"). An English term in brackets after the
    translation ("Panghihina (weakness).") is not the English left in place."""
    src = fold(source)
    if not src:
        return False
    whole, unbracketed = fold(translation), fold(_BRACKETED.sub(" ", translation))
    return src in (whole, unbracketed) or (len(src) >= 8 and src in unbracketed)


def todo_marker(translation: str) -> str | None:
    match = _TODO.search(translation)
    return match.group(0) if match else None


@dataclass(frozen=True)
class Identified:
    language: str | None     # ISO 639-1 code of the best guess, None when unsure
    confidence: float


class LanguageIdentifier:
    """lingua-language-detector and py3langid restricted to the project's languages, loaded once, on first use."""

    def __init__(self, languages: tuple[Language, ...]) -> None:
        self.codes = tuple(sorted({lang.base for lang in languages} | {"en"}))
        self.names = {lang.base: lang.name.split(" (")[0] for lang in languages}
        self._lingua = None
        self._langid = None

    def _load(self) -> None:
        self._lingua, self._langid = _identifiers(self.codes)

    def name(self, code: str) -> str:
        return self.names.get(code) or _language_name(code)

    def lingua(self, text: str) -> Identified:
        if self._lingua is None:
            self._load()
        values = self._lingua.compute_language_confidence_values(PLACEHOLDER.sub(" ", text))
        if not values:
            return Identified(None, 0.0)
        return Identified(values[0].language.iso_code_639_1.name.lower(), values[0].value)

    @staticmethod
    def knows(code: str) -> bool:
        """Whether lingua has a model for a language (it has none for Amharic: it would then pick another)."""
        from lingua import IsoCode639_1
        return getattr(IsoCode639_1, code.upper(), None) is not None

    def langid(self, text: str) -> str:
        if self._langid is None:
            self._load()
        return self._langid.classify(PLACEHOLDER.sub(" ", text))[0]

    def other_language(self, text: str, language: Language) -> str | None:
        """Another language both identifiers agree this text is in, confidently; None when it may be its own."""
        if len(real_letters(text)) < MIN_LETTERS_FOR_LANGUAGE_ID or not self.knows(language.base):
            return None
        first = self.lingua(text)
        if first.language in (None, language.base) or first.confidence < MIN_CONFIDENCE:
            return None
        return first.language if self.langid(text) == first.language else None


@cache
def _identifiers(codes: tuple[str, ...]):
    """Both identifiers for a set of languages, once per process (their models take a second to load)."""
    from lingua import IsoCode639_1, LanguageDetectorBuilder
    from py3langid.langid import MODEL_FILE, LanguageIdentifier as Langid

    known = [getattr(IsoCode639_1, code.upper(), None) for code in codes]
    detector = LanguageDetectorBuilder.from_iso_codes_639_1(*[k for k in known if k]).build()
    langid = Langid.from_model_file(MODEL_FILE, norm_probs=True)
    langid.set_languages([c for c in codes if c in langid.nb_classes])
    return detector, langid


def chinese_variant_counts(text: str) -> tuple[int, int]:
    """(characters only Simplified writes, characters only Traditional writes) in a Chinese text."""
    import zhconv

    simplified = traditional = 0
    for ch in set(text):
        if not regex.match(r"\p{Script=Han}", ch):
            continue
        as_hans, as_hant = zhconv.convert(ch, "zh-hans"), zhconv.convert(ch, "zh-hant")
        if as_hans == ch and as_hant != ch:
            simplified += 1
        elif as_hant == ch and as_hans != ch:
            traditional += 1
    return simplified, traditional


def safety_text_problems(source: str, translation: str, language: Language, identifier: LanguageIdentifier,
                         flags: frozenset[str] = frozenset(), label: bool = False) -> list[str]:
    """Why a safety message's translation is not real text in its language (each reason blocks release)."""
    problems: list[str] = []
    if not real_letters(translation):
        return [f"has no letters ({_describe_invisible(translation)}): translate it in words"]
    if lone_marks(translation):
        problems.append("starts with a combining mark that belongs to no letter: retype the text")
    marks = overlays(translation)
    if marks:
        problems.append(f"letters are struck through or overlaid ({', '.join(marks)}): retype the text without them")
    mixed = mixed_script_words(translation)
    if mixed:
        problems.append(f"word(s) mixing alphabets, e.g. {mixed[0]!r} (look-alike letters from another script): "
                        "retype them in one alphabet")
    share = script_share(translation, language)
    if share < _MIN_SCRIPT_SHARE:
        problems.append(f"only {share:.0%} of its letters are in the script of {language.name} "
                        f"({'/'.join(_SCRIPT_NAMES.get(n, n) for n in script_names(language))}): write it in "
                        f"{language.name}, not transliterated or in another script")
    marker = todo_marker(translation)
    if marker and not todo_marker(source):
        problems.append(f"carries a to-do marker ({marker!r}): it was never translated")
    if "ignore-same" not in flags and english_left(source, translation) and not (label and _same_word_ok(
            translation, language, identifier)):
        problems.append("is the English left in place (same text once case, punctuation and look-alike letters "
                        "are ignored): translate it, or flag the entry 'ignore-same' if it is correct as it is")
    elif not problems:
        other = identifier.other_language(translation, language)
        if other and not (other == "en" and "ignore-same" in flags):
            problems.append(f"reads as {identifier.name(other)}, not {language.name}: translate it into "
                            f"{language.name}")
    return problems


def _same_word_ok(text: str, language: Language, identifier: LanguageIdentifier) -> bool:
    """A short label spelt as in English that both identifiers read as the language itself (French 'Urgent')."""
    words = _WORD.findall(text)
    return 0 < len(words) <= 3 and identifier.lingua(text).language == language.base == identifier.langid(text)


def _describe_invisible(text: str) -> str:
    shown = [f"U+{ord(ch):04X} {unicodedata.name(ch, 'unnamed')}" for ch in text if not ch.isspace()][:3]
    return ", ".join(shown) if shown else "blank"


def _language_name(code: str) -> str:
    from babel import Locale

    try:
        return Locale.parse(code).get_display_name("en")
    except Exception:
        return code


def duplicate_translations(safety: list[tuple[object, str]]) -> list[tuple[object, object]]:
    """Pairs of safety messages with different English but the same translation (after folding)."""
    seen: dict[str, object] = {}
    pairs = []
    for unit, string in safety:
        key = fold(string)
        if not key:
            continue
        first = seen.get(key)
        if first is None:
            seen[key] = unit
        elif first.msgid != unit.msgid:
            pairs.append((first, unit))
    return pairs


def catalog_language_problems(catalog, language: Language, identifier: LanguageIdentifier,
                              strings: list[str]) -> list[str]:
    """The catalog as a whole: its header names its folder's language, and its text reads as that language."""
    from babel.core import parse_locale

    from handout_pipeline.languages import likely_script

    problems: list[str] = []
    header = catalog.locale_identifier
    if not header:
        problems.append(f"the PO header has no 'Language' line: set it to {language.code} (Poedit: Translation > "
                        "Properties > Language)")
    else:
        try:
            base = parse_locale(str(header).replace("-", "_"))[0]
            same = base == language.base and likely_script(str(header)) == language.script
        except ValueError:
            same = False
        if not same:
            problems.append(f"the PO header says 'Language: {header}' but the catalog is in the {language.code} "
                            f"folder: a catalog of another language saved over this one? Put the {language.name} "
                            "catalog back, or fix the header if the text really is " + language.name)
    text = " ".join(s for s in strings if real_letters(s))
    if len(real_letters(text)) >= 40 and identifier.knows(language.base):  # script checks cover the others
        best = identifier.lingua(text)
        if best.language and best.language != language.base and best.confidence >= 0.5:
            problems.append(f"the catalog as a whole reads as {identifier.name(best.language)}, not "
                            f"{language.name}: a catalog of another language saved over this one? Put the "
                            f"{language.name} catalog back")
    if language.base == "zh":
        simplified, traditional = chinese_variant_counts(text)
        wrong, right = (traditional, simplified) if language.script == "Hans" else (simplified, traditional)
        if wrong >= 3 and wrong > right:
            other = "Traditional" if language.script == "Hans" else "Simplified"
            problems.append(f"the catalog is written in {other} Chinese characters ({wrong} characters only "
                            f"{other} uses, {right} of its own): a catalog of the other Chinese saved over this "
                            f"one? Put the {language.name} catalog back")
    return problems
