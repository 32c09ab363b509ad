"""A content root: its configuration, its handouts and its catalogs, with IDs validated before any path is made."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from babel.messages.catalog import Catalog

from handout_pipeline.config import Config, load_config
from handout_pipeline.errors import HandoutError
from handout_pipeline.i18n.catalogs import load_catalog, po_path, pot_path
from handout_pipeline.i18n.translate import Translated, missing_facts, resolve, translate
from handout_pipeline.languages import Language, get_language
from handout_pipeline.model import Handout
from handout_pipeline.reader import HANDOUT_ID, read_handout


@dataclass(frozen=True)
class Project:
    config: Config

    @classmethod
    def open(cls, root: Path | str) -> "Project":
        return cls(load_config(Path(root)))

    @property
    def root(self) -> Path:
        return self.config.root

    def handout_ids(self, wanted: tuple[str, ...] = ()) -> list[str]:
        source = self.config.source_dir
        found = sorted(p.stem for p in source.glob("*.md")) if source.is_dir() else []
        for ident in found:
            if not HANDOUT_ID.match(ident):
                raise HandoutError("handout file name is not a valid ID", source / f"{ident}.md",
                                   hint="rename it with lowercase letters, digits and '-' only")
        if not wanted:
            if not found:
                raise HandoutError("no handouts found", source, hint="add source/<handout-id>.md files")
            return found
        for ident in wanted:
            if not HANDOUT_ID.match(ident) or ident not in found:
                raise HandoutError(f"unknown handout '{ident}'", source,
                                   hint=f"use one of: {', '.join(found) or '(none yet)'}")
        return list(dict.fromkeys(wanted))

    def source_path(self, handout_id: str) -> Path:
        return self.config.source_dir / f"{handout_id}.md"

    def source_rel(self, handout_id: str) -> str:
        return f"source/{handout_id}.md"

    def handout(self, handout_id: str) -> Handout:
        return read_handout(self.source_path(handout_id), self.config.fact_names)

    def languages(self, wanted: tuple[str, ...] = (), translated_only: bool = False) -> tuple[Language, ...]:
        configured = self.config.translated_languages if translated_only else self.config.languages
        if not wanted:
            return configured
        chosen = []
        for name in wanted:
            lang = self.config.language(name)
            if lang not in self.config.languages:
                raise HandoutError(f"language '{name}' is not configured", self.config.path,
                                   hint="add it to 'languages' in the configuration first")
            if not (translated_only and lang.code == "en"):
                chosen.append(lang)
        return tuple(dict.fromkeys(chosen))

    def pot_path(self, handout_id: str) -> Path:
        return pot_path(self.config.locales_dir, handout_id)

    def po_path(self, language: Language, handout_id: str) -> Path:
        return po_path(self.config.locales_dir, language, handout_id)

    def catalog(self, language: Language, handout_id: str) -> Catalog | None:
        """The language's catalog for a handout; None for the source language."""
        if language.code == "en":
            return None
        return load_catalog(self.po_path(language, handout_id), language)

    def localized(self, handout_id: str, language: Language, handout: Handout | None = None) -> Translated:
        """The handout in `language`, variants chosen and placeholders filled for the region."""
        source = handout or self.handout(handout_id)
        region = self.config.region
        for name in missing_facts(source, region.facts):
            raise HandoutError(f"the handout uses {{{name}}} but region {region.code} ({region.name}) has no {name}",
                               self.config.path, hint=f"add {name} = \"...\" under [regions.{region.code}], or mark "
                               f"the text that uses it when={name} in {self.source_rel(handout_id)}")
        translated = translate(source, self.catalog(language, handout_id), language)
        return Translated(resolve(translated.handout, region.facts, region.text_facts), translated.missing)

    def render_context(self, language: Language):
        from handout_pipeline.writers import RenderContext
        return RenderContext(language, self.config.region, language.words_per_minute or self.config.words_per_minute,
                             organization=self.config.organization, recordings=self.root / "recordings",
                             mix_recordings=self.config.mix_recordings)
