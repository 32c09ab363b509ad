"""Numbers in a message read the locale's way (CLDR decimal and group symbols through Babel), as values."""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from decimal import Decimal
from functools import cache

from babel.numbers import get_decimal_symbol, get_group_symbol

from handout_pipeline.inline import PLACEHOLDER

# Space-like group separators a French or Persian typist may use for the CLDR one.
_SPACES = "\u0020\u00a0\u202f\u2009"
_ARABIC_DECIMAL, _ARABIC_GROUP = "\u066b", "\u066c"


def to_ascii_digits(text: str) -> str:
    """Western, Arabic-Indic, Persian, Gurmukhi... digits all become 0-9, so 24 matches ٢٤ and ۲۴."""
    return "".join(str(unicodedata.digit(ch)) if not ch.isascii() and unicodedata.digit(ch, None) is not None
                   else ch for ch in text)


@cache
def _symbols(locale: str) -> tuple[str, str]:
    """(decimal symbols, group symbols) the locale writes, in its Latin and its native digits."""
    decimals, groups = set(), set()
    for system in ("latn", "default"):
        try:
            decimals.add(get_decimal_symbol(locale, numbering_system=system))
            groups.add(get_group_symbol(locale, numbering_system=system))
        except Exception:  # a numbering system the locale lacks in CLDR
            continue
    if groups & set(_SPACES):
        groups |= set(_SPACES)
    decimals |= {_ARABIC_DECIMAL}
    groups |= {_ARABIC_GROUP}
    return "".join(sorted(decimals)), "".join(sorted(groups - decimals))


@cache
def _pattern(locale: str) -> re.Pattern:
    decimals, groups = _symbols(locale)
    group = f"[{re.escape(groups)}]" if groups else "(?!)"
    return re.compile(rf"(?<![\d{re.escape(decimals)}])\d{{1,3}}(?:{group}\d{{3}})+(?![\d])"
                      rf"(?:[{re.escape(decimals)}]\d+)?|\d+(?:[{re.escape(decimals)}]\d+)?")


def numbers(text: str, locale: str = "en") -> Counter:
    """The numbers of a message as values: '1,5' in French and '١٫٥' in Arabic are both 1.5; placeholders ignored."""
    decimals, groups = _symbols(locale)
    plain = to_ascii_digits(PLACEHOLDER.sub(" ", text))
    found: Counter = Counter()
    for match in _pattern(locale).finditer(plain):
        token = match.group(0)
        for g in groups:
            token = token.replace(g, "")
        for d in decimals:
            token = token.replace(d, ".")
        found[Decimal(token).normalize()] += 1
    return found


def number_differences(source: str, translation: str, locale: str) -> tuple[Counter, Counter]:
    """(numbers the translation lacks, numbers it adds) against the English; the locale's way or the English way."""
    want = numbers(source, "en")
    best: tuple[Counter, Counter] | None = None
    for reading in (locale, "en"):
        got = numbers(translation, reading)
        diff = (want - got, got - want)
        if best is None or sum(map(sum, (c.values() for c in diff))) < sum(map(sum, (c.values() for c in best))):
            best = diff
    return best


def shown(value: Decimal) -> str:
    return format(value, "f")
