"""Per-language facts: locale and BCP 47 names, direction, fonts, voice, readability method."""

from __future__ import annotations

from dataclasses import dataclass

from handout_pipeline.errors import HandoutError


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
    Language("en", "en", "English", "ltr", "Noto Sans", "latin", "gmw/en-US", "english", "en"),
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
    """The facts of a language given as a locale (zh_Hans) or BCP 47 tag (zh-Hans)."""
    code = _ALIASES.get(str(name).strip().lower())
    if code is None:
        known = ", ".join(sorted(LANGUAGES))
        raise HandoutError(f"unknown language {name!r}", where,
                           hint=f"use one of: {known} (or their BCP 47 tags, e.g. zh-Hans)")
    return LANGUAGES[code]
