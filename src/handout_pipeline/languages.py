"""Per-language facts: locale and BCP 47 names, direction, fonts, voice, readability method."""

from __future__ import annotations

import functools
import shutil
import subprocess
from dataclasses import dataclass

from handout_pipeline.errors import HandoutError


# Speech engines (writers/audio_engines.py): pyttsx3 with the system eSpeak NG, pyttsx3 with PyPI espeakng-loader's
# eSpeak NG 1.52, Festival with an HTS voice.
ENGINES = ("espeak-ng", "espeakng-loader", "festival")


@dataclass(frozen=True, slots=True)
class Language:
    code: str            # as Babel and the catalogs name it: zh_Hans
    tag: str             # BCP 47, for outputs and lang attributes: zh-Hans
    name: str            # English name, for reports
    direction: str       # "ltr" or "rtl"
    font: str            # the Noto family that renders this language's script
    script_class: str    # "latin", "rtl", "cjk", "indic": which DOCX font slot it uses
    voice: str | None    # full eSpeak NG voice id; None: no voice exists
    readability: str     # method key, see checks/readability.py
    wordfreq: str | None  # wordfreq language code, None where it has no data
    words_per_minute: int | None = None  # speech rate for this language; None: the [audio] setting
    engine: str = "espeak-ng"  # speech engine, one of ENGINES (writers/audio_engines.py)
    engine_voice: str | None = None  # the engine's own voice where it is not eSpeak NG (Festival: cmu_us_slt_arctic_hts)

    @property
    def rtl(self) -> bool:
        return self.direction == "rtl"

    @property
    def base(self) -> str:
        """The ISO 639 language without script or region: zh for zh_Hans."""
        return self.code.split("_")[0]

    @property
    def script(self) -> str:
        """The ISO 15924 script its text is written in (CLDR's likely script through Babel): Guru for pa."""
        return likely_script(self.code)


def likely_script(code: str) -> str:
    """The script CLDR says a locale is written in: Hans for zh_Hans, Arab for fa, Latn where unknown."""
    from babel.core import get_global, parse_locale

    language, _, script, *_ = parse_locale(code.replace("-", "_"))
    if script:
        return script
    likely = get_global("likely_subtags").get(language)
    return (parse_locale(likely)[2] if likely else None) or "Latn"


LANGUAGES: dict[str, Language] = {lang.code: lang for lang in (
    # English is spoken by Festival's HTS voice where installed (benchmarks/intelligibility.py: Whisper base WER
    # 0.07 against eSpeak NG's 0.10, and "9 1 1" heard); gmw/en-US is its fallback.
    Language("en", "en", "English", "ltr", "Noto Sans", "latin", "gmw/en-US", "english", "en", engine="festival"),
    Language("fr", "fr", "French", "ltr", "Noto Sans", "latin", "roa/fr", "kandel-moles", "fr"),
    Language("es", "es", "Spanish", "ltr", "Noto Sans", "latin", "roa/es-419", "inflesz", "es"),
    Language("zh_Hans", "zh-Hans", "Chinese (Simplified)", "ltr", "Noto Sans CJK SC", "cjk",
             "sit/cmn-Latn-pinyin", "sentence-length-chars", "zh"),
    Language("zh_Hant", "zh-Hant", "Chinese (Traditional)", "ltr", "Noto Sans CJK TC", "cjk",
             "sit/yue", "sentence-length-chars", "zh"),
    Language("pa", "pa", "Punjabi (Gurmukhi)", "ltr", "Noto Sans Gurmukhi", "indic", "inc/pa",
             "sentence-length-words", None),
    Language("ar", "ar", "Arabic", "rtl", "Noto Sans Arabic", "rtl", "sem/ar",
             "sentence-length-words", "ar"),
    Language("fa", "fa", "Persian", "rtl", "Noto Sans Arabic", "rtl", "ira/fa",
             "sentence-length-words", "fa"),
    # eSpeak NG 1.51 (the system's): 1.52 is not better for Vietnamese (Whisper base WER 0.62, CER 0.46 against
    # 1.51's 0.59-0.61, 0.43-0.44 in three runs of benchmarks/intelligibility.py).
    Language("vi", "vi", "Vietnamese", "ltr", "Noto Sans", "latin", "aav/vi",
             "sentence-length-words", "vi"),
    Language("ko", "ko", "Korean", "ltr", "Noto Sans CJK KR", "cjk", "ko",
             "sentence-length-words", "ko"),
    Language("tl", "tl", "Tagalog", "ltr", "Noto Sans", "latin", None,
             "sentence-length-words", "fil"),
)}

_ALIASES = {lang.tag.lower(): lang.code for lang in LANGUAGES.values()} | {
    code.lower(): code for code in LANGUAGES} | {"fil": "tl", "zh_cn": "zh_Hans", "zh-cn": "zh_Hans",
                                                 "zh_tw": "zh_Hant", "zh-tw": "zh_Hant"}


def get_language(name: str, where: str | None = None) -> Language:
    """The facts of a language given as a locale (zh_Hans) or BCP 47 tag (zh-Hans): the tested built-in
    defaults where there are some, otherwise derived from CLDR (Babel), fontconfig and eSpeak NG."""
    key = str(name).strip()
    code = _ALIASES.get(key.lower())
    if code is not None:
        return LANGUAGES[code]
    return derived_language(key, where)


# Scripts whose text has no spaces between words: readability counts characters there.
_UNSPACED = {"Hans", "Hant", "Hani", "Jpan", "Thai", "Laoo", "Khmr", "Mymr", "Tibt"}
_CJK = {"Hans", "Hant", "Hani", "Jpan", "Kore"}
_INDIC = {"Deva", "Beng", "Guru", "Gujr", "Orya", "Taml", "Telu", "Knda", "Mlym", "Sinh"}
# Noto family per ISO 15924 script where the family name is not simply "Noto Sans <script name>".
_NOTO = {"Latn": "Noto Sans", "Cyrl": "Noto Sans", "Grek": "Noto Sans", "Ethi": "Noto Sans Ethiopic",
         "Hans": "Noto Sans CJK SC", "Hant": "Noto Sans CJK TC", "Jpan": "Noto Sans CJK JP",
         "Kore": "Noto Sans CJK KR", "Arab": "Noto Sans Arabic", "Hebr": "Noto Sans Hebrew"}
# The Debian package that ships each Noto family.
_PACKAGE_CJK = "fonts-noto-cjk"
_PACKAGE = "fonts-noto-core"


def derived_language(name: str, where: str | None = None) -> Language:
    """A Language from CLDR defaults: display name, direction, script, font, voice, readability."""
    from babel.core import Locale, UnknownLocaleError

    try:
        locale = Locale.parse(name.replace("-", "_"))
    except (UnknownLocaleError, ValueError, TypeError):
        known = ", ".join(sorted(LANGUAGES))
        raise HandoutError(f"unknown language {name!r}", where,
                           hint=f"use one of: {known}, or another BCP 47 tag or locale that CLDR "
                                "knows, e.g. ru, hi, am, pt-BR") from None
    code = str(locale)
    tag = code.replace("_", "-")
    script = likely_script(code)
    direction = "rtl" if locale.character_order == "right-to-left" else "ltr"
    script_class = ("rtl" if direction == "rtl" else "cjk" if script in _CJK
                    else "indic" if script in _INDIC else "latin")
    readability = "sentence-length-chars" if script in _UNSPACED else "sentence-length-words"
    return Language(code, tag, locale.english_name or code, direction, font_for(code, script), script_class,
                    voice_for(code), readability, wordfreq_code(code))


def noto_family(script: str) -> str:
    """The Noto family that draws a script (by CLDR's English script name where not listed)."""
    if script in _NOTO:
        return _NOTO[script]
    from babel.core import Locale
    name = Locale("en").scripts.get(script, script)
    return f"Noto Sans {name.split(' ')[0]}"


def font_package(family: str) -> str:
    """The Debian package that ships a Noto family."""
    return _PACKAGE_CJK if "CJK" in family else _PACKAGE


def font_for(code: str, script: str) -> str:
    """The font family for a language: the script's Noto family if fontconfig has it (or has none of the
    language's fonts: the check then names the package to install), else another installed Noto family
    that covers the language, else the first installed family that does."""
    wanted = noto_family(script)
    covering = _fc_families(code)
    if not covering or wanted in covering:
        return wanted
    noto = [f for f in covering if f.startswith("Noto Sans")]
    return (noto or covering)[0] if (noto or covering) else wanted


@functools.cache
def _fc_families(code: str) -> tuple[str, ...]:
    tool = shutil.which("fc-list")
    if tool is None:
        return ()
    lang = code.split("_")[0].lower()
    out = subprocess.run([tool, f":lang={lang}", "family"], capture_output=True, text=True, check=False).stdout
    return tuple(sorted({line.split(",")[0].strip() for line in out.splitlines() if line.strip()}))


@functools.cache
def voice_for(code: str) -> str | None:
    """The eSpeak NG voice file id (e.g. zle/ru) for a language, from `espeak-ng --voices=LANG`; None
    when eSpeak NG has none (the MP3 is then skipped and reported)."""
    tool = shutil.which("espeak-ng")
    if tool is None:
        return None
    tag = code.replace("_", "-").lower()
    base = tag.split("-")[0]
    out = subprocess.run([tool, f"--voices={base}"], capture_output=True, text=True, check=False).stdout
    rows = [line.split() for line in out.splitlines()[1:] if len(line.split()) >= 5]
    rows = [r for r in rows if not r[4].startswith("mb/")]   # MBROLA voices need extra data
    for want in (tag, base):
        for row in rows:
            if row[1].lower() == want:
                return row[4]
    return None


def wordfreq_code(code: str) -> str | None:
    """The wordfreq code of a language where wordfreq has data for it."""
    try:
        import wordfreq
    except ImportError:  # pragma: no cover
        return None
    base = code.split("_")[0]
    return base if base in wordfreq.available_languages() else None
