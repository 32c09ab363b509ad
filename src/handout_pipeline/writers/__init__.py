"""The writer registry: one module per format, one entry point each, one row here."""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from handout_pipeline.config import Organization, Region
from handout_pipeline.errors import HandoutError
from handout_pipeline.formats import FORMATS
from handout_pipeline.languages import Language
from handout_pipeline.model import Handout

ASSETS = Path(__file__).resolve().parent.parent / "assets"


@dataclass(frozen=True, slots=True)
class RenderContext:
    """What a writer may know besides the handout: the language's facts and the region."""

    language: Language
    region: Region
    words_per_minute: int = 140
    draft: bool = False   # safety translations not all approved (handout review): show handout.labels.draft
    organization: Organization | None = None   # name and phone for the footer ([organization])
    recordings: Path | None = None   # the content root's recordings/ folder (human recordings of messages)
    mix_recordings: bool = True      # [audio] mix_recordings: false refuses a narration partly recorded, partly synthesised


class WriterUnavailable(HandoutError):
    """This format cannot be made for this language (no voice, no font); the other formats still build."""


@dataclass(frozen=True, slots=True)
class Writer:
    name: str                                             # the format, also the file extension
    write: Callable[[Handout, RenderContext], bytes]      # resolved, translated handout -> file bytes
    inputs: Callable[[RenderContext], list[Path]]         # files the output depends on (templates, fonts)


# format -> module; each module defines write(handout, ctx) -> bytes and inputs(ctx) -> list[Path].
_MODULES = {"txt": "text", "docx": "docx", "pdf": "pdf", "mp3": "audio"}
assert FORMATS == tuple(_MODULES)


def get_writer(name: str) -> Writer:
    """The writer for a format; imported on first use so a build of TXT alone stays light."""
    if name not in _MODULES:
        raise HandoutError(f"unknown format '{name}'", hint=f"use one of: {', '.join(FORMATS)}")
    module = importlib.import_module(f"handout_pipeline.writers.{_MODULES[name]}")
    return Writer(name, module.write, module.inputs)
