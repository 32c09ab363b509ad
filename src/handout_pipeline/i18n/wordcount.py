"""Source words by translation state, the figure translators quote by, counted as translate-toolkit's pocount does."""

from __future__ import annotations

from dataclasses import dataclass

from babel.messages.catalog import Catalog
from unicode_segmentation_rs import unicode_words

from handout_pipeline.i18n.catalogs import is_translated
from handout_pipeline.i18n.units import Unit


def word_count(text: str) -> int:
    """Words by Unicode's word boundaries (UAX #29), as pocount counts them; a {placeholder} is one word."""
    return len(unicode_words(text))


@dataclass(frozen=True, slots=True)
class WordCounts:
    total: int
    translated: int
    fuzzy: int
    untranslated: int

    @property
    def translated_share(self) -> float:
        """Translated source words as a share of all (1.0 for a handout with no words)."""
        return self.translated / self.total if self.total else 1.0


def word_counts(template_units: list[Unit], catalog: Catalog | None) -> WordCounts:
    """Source words of the template's messages: translated, fuzzy (NOT translated) and untranslated."""
    translated = fuzzy = untranslated = 0
    for unit in template_units:
        words = word_count(unit.msgid)
        message = catalog.get(unit.msgid, unit.context) if catalog is not None else None
        if is_translated(message):
            translated += words
        elif message is not None and message.fuzzy:
            fuzzy += words
        else:
            untranslated += words
    return WordCounts(translated + fuzzy + untranslated, translated, fuzzy, untranslated)
