"""Translator QA, as pofilter and Weblate do it: a dropped sentence, a doubled word, end punctuation, spacing and
French typography, an ordinary message left in English. Each can be silenced on one PO entry with Weblate's flag
(`#, ignore-end-stop`); a dropped sentence in a safety message is an error, everything else a warning.

Made to give no false alarm on correct translations: a translation may split a long English sentence (plain
language), Chinese ends with 。, Arabic asks with ؟, Punjabi ends with ।, Canadian French puts no space before ?.
"""

from __future__ import annotations

from dataclasses import dataclass

import regex
from babel.messages.catalog import Catalog, Message

from handout_pipeline.checks import Finding
from handout_pipeline.i18n.units import Unit
from handout_pipeline.inline import PLACEHOLDER
from handout_pipeline.languages import Language

CHECK = "qa"

# Sentence ends: Latin/Cyrillic/Greek marks count when a space or the end follows; the marks of scripts that
# write none (Chinese 。！？, Arabic ؟ ۔, Devanagari/Gurmukhi । ॥, Ethiopic ። ፧, Armenian ։, Burmese ။,
# Tibetan །) count wherever they are.
_SENTENCE_END = regex.compile(r"[.!?…]+(?=[\p{Pe}\p{Pf}\"'»”’*_]*(?:\s|$))|[。！？｡؟۔।॥።፧։။།]+")
# Scripts that end sentences with no mark at all: a count would only be noise.
_NO_SENTENCE_MARKS = {"th", "lo", "km"}

# End punctuation classes with every script's form of them, and the Weblate flag of each.
_END_CLASSES = {
    "stop": ("full stop", "ignore-end-stop", ".。｡．।॥።۔։။།"),
    "question": ("question mark", "ignore-end-question", "?？؟፧;"),
    "exclamation": ("exclamation mark", "ignore-end-exclamation", "!！"),
    "colon": ("colon", "ignore-end-colon", ":：፥"),
    "semicolon": ("semicolon", "ignore-end-semicolon", "；؛"),
    "ellipsis": ("ellipsis", "ignore-end-ellipsis", "…"),
}
_CLOSERS = "\"'»”’)]}）」』】〉》*_ \u00a0\u202f"

# Languages where a word said twice is grammar (reduplication written with a space): Vietnamese từ từ, Hindi
# धीरे धीरे, Punjabi ਹੌਲੀ ਹੌਲੀ, Persian کم کم, Thai and others. The double-word check is not run for them.
_REDUPLICATING = {"vi", "hi", "pa", "ur", "bn", "mr", "gu", "ne", "fa", "th", "lo", "km", "my", "ta", "te", "kn",
                  "ml", "si"}
# Pairs that are grammar where the language otherwise doubles no word (French reflexives: "vous vous êtes").
_DOUBLE_ALLOWED = {"fr": {"vous", "nous"}}
_DOUBLE = regex.compile(r"(?<![\w-])(\p{L}[\w'’-]*)(\s+)(\1)(?![\w-])", regex.I | regex.V1)

_FRENCH_MARKS = "?!;:"
_SPACES = {" ", "\u00a0", "\u202f", "\u2009"}


@dataclass(frozen=True, slots=True)
class Problem:
    flag: tuple[str, ...]   # any of these Weblate flags on the entry silences it
    safety_error: bool      # an error when the message is a safety message
    detail: str


def qa_findings(handout_id: str, language: Language, template_units: list[Unit], catalog: Catalog | None,
                po_rel: str | None = None, canadian: bool = False) -> list[Finding]:
    """The QA findings of one catalog. `canadian`: French as written in Canada (OQLF: no space before ? ! ;)."""
    if catalog is None or language.code == "en":
        return []
    by_context: dict[str, Message] = {m.context: m for m in catalog if m.id and m.context}
    findings = []
    for unit in template_units:
        message = by_context.get(unit.context)
        if message is None or message.fuzzy or message.id != unit.msgid or not isinstance(message.string, str) \
                or not message.string.strip():
            continue  # untranslated, fuzzy or stale: the catalog checks report those
        flags = frozenset(message.flags)
        for problem in problems(unit.msgid, message.string, language, canadian, unit.safety_critical):
            if "ignore-all-checks" in flags or flags & set(problem.flag):
                continue
            severity = "error" if unit.safety_critical and problem.safety_error else "warning"
            findings.append(Finding(CHECK, severity, handout_id, language.tag, unit.context,
                                    f"{problem.detail}; if it is right as it is, add the flag "
                                    f"'#, {problem.flag[0]}' to the entry",
                                    path=po_rel, line=getattr(message, "lineno", None)))
    return findings


def problems(english: str, translation: str, language: Language, canadian: bool = False,
             safety: bool = False) -> list[Problem]:
    found = []
    base = language.code.replace("-", "_").split("_")[0]
    if base not in _NO_SENTENCE_MARKS:
        ours, theirs = sentence_count(english), sentence_count(translation)
        if theirs < ours:
            found.append(Problem(("ignore-sentence-count",), True,
                                 f"the English has {ours} sentences, the translation {theirs}: a sentence may be "
                                 f"missing ({translation!r}; English: {english!r})"))
    found += _end_punctuation(english, translation)
    if base not in _REDUPLICATING:
        for word in double_words(english, translation, base):
            found.append(Problem(("ignore-duplicate",), False, f"the word {word!r} is written twice in a row: "
                                                               f"{translation!r}"))
    if "  " in _plain(translation) and "  " not in _plain(english):
        found.append(Problem(("ignore-double-space",), False, f"two spaces in a row: {translation!r}"))
    if base == "fr":
        for mark in french_spacing(translation, canadian or language.code.endswith("_CA")):
            found.append(Problem(("ignore-punctuation-spacing",), False,
                                 f"no space before '{mark}' (French puts a no-break space before {_marks(canadian)})"
                                 f": {translation!r}"))
    if not safety and left_in_english(english, translation, language):
        # A safety message left in English is an error of the content check already.
        found.append(Problem(("ignore-same",), False,
                             f"left in English: the translation is the English text {translation!r}; translate it"))
    return found


def _marks(canadian: bool) -> str:
    return "':' (in Canada, OQLF)" if canadian else "? ! ; :"


def _plain(text: str) -> str:
    """Placeholders as one neutral word, so {emergency_number} is neither a word nor a sentence mark."""
    return PLACEHOLDER.sub("0", text)


def sentence_count(text: str) -> int:
    text = _plain(text)
    count, start = 0, 0
    for match in _SENTENCE_END.finditer(text):
        if _has_words(text[start:match.start()]):
            count += 1
        start = match.end()
    return count + _has_words(text[start:])


def _has_words(text: str) -> bool:
    return regex.search(r"[\p{L}\p{N}]", text) is not None


def end_class(text: str) -> str | None:
    stripped = _plain(text).rstrip(_CLOSERS)
    if stripped.endswith("...") or stripped.endswith("…"):
        return "ellipsis"
    last = stripped[-1:]
    return next((name for name, (_, _, marks) in _END_CLASSES.items() if last and last in marks), None)


def _end_punctuation(english: str, translation: str) -> list[Problem]:
    ours, theirs = end_class(english), end_class(translation)
    if ours == theirs:
        return []
    flags = tuple(_END_CLASSES[c][1] for c in (ours, theirs) if c)
    said = {c: _END_CLASSES[c][0] if c else "no end punctuation" for c in (ours, theirs)}
    return [Problem(flags, False, f"end punctuation differs: the English ends with {_article(said[ours])}, the "
                                  f"translation with {_article(said[theirs])} ({translation!r})")]


def _article(name: str) -> str:
    return name if name.startswith("no ") else ("an " if name[0] in "aeiou" else "a ") + name


def double_words(english: str, translation: str, base: str = "") -> list[str]:
    allowed = _DOUBLE_ALLOWED.get(base, set())
    found = []
    for match in _DOUBLE.finditer(_plain(translation)):
        word = match.group(1)
        if word.casefold() in allowed or any(ch.isdigit() for ch in word):
            continue
        pattern = rf"(?<![\w-]){regex.escape(word)}\s+{regex.escape(word)}(?![\w-])"
        if regex.search(pattern, english, regex.I):
            continue  # the English says it twice too
        found.append(word)
    return found


def french_spacing(translation: str, canadian: bool = False) -> list[str]:
    """The marks with no space before them (French, as Weblate's punctuation-spacing check); a mark inside a
    word or number (a URL, 10:30) is not punctuation."""
    marks = ":" if canadian else _FRENCH_MARKS
    text = _plain(translation)
    missing = []
    for i, char in enumerate(text):
        if char not in marks or i == 0:
            continue
        if i + 1 < len(text) and not (text[i + 1].isspace() or text[i + 1] in _CLOSERS or text[i + 1] in marks):
            continue
        if text[i - 1] not in _SPACES and text[i - 1] not in marks:
            missing.append(char)
    return missing


def left_in_english(english: str, translation: str, language: Language | None = None) -> bool:
    """The translation is the English itself (case, spaces and placeholders aside). One word the same in both
    languages is often right (French "Version", "Urgent"): it counts only when the language writes another script,
    or when wordfreq has the language and the word is rare in it (Zipf < 3: French "Medicines" 1.5, "Activity"
    2.7; "Version" 5.0, "Urgent" 4.1)."""
    def fold(text: str) -> str:
        return " ".join(_plain(text).casefold().split())
    if fold(english) != fold(translation):
        return False
    words = regex.findall(r"\p{L}[\p{L}\p{M}'’-]*", PLACEHOLDER.sub(" ", english))
    if len(words) >= 2:
        return True
    if len(words) == 0 or language is None:
        return False
    if language.script != "Latn":
        return regex.search(r"\p{Latin}", words[0]) is not None
    from handout_pipeline.languages import wordfreq_code

    code = wordfreq_code(language.code)
    if code is None:
        return False
    from wordfreq import zipf_frequency

    return zipf_frequency(words[0], code) < 3.0
