"""Output checks: every built file exists, is current, and carries every warning sign's translated text."""

from __future__ import annotations

import re
import shutil
import subprocess
import unicodedata
from pathlib import Path

from handout_pipeline.build import output_path, output_state
from handout_pipeline.checks import Finding
from handout_pipeline.i18n.units import intro_context, item_context
from handout_pipeline.languages import Language
from handout_pipeline.model import Handout, Text, plain, walk_items, warning_blocks
from handout_pipeline.project import Project
from handout_pipeline.writers import FORMATS
from handout_pipeline.writers.audio import spoken_text

# Removed before comparing: soft hyphen, bidi marks and controls, zero-width characters, and all whitespace
# (line breaks fall between CJK characters without a space, so whitespace cannot be compared reliably).
_INVISIBLE = re.compile("[\u00ad\u200b-\u200f\u202a-\u202e\u2060-\u2069\ufeff\\s]+")


def normalise(text: str) -> str:
    return _INVISIBLE.sub("", unicodedata.normalize("NFKC", text))


def warning_texts(handout: Handout) -> list[tuple[str, Text]]:
    """(message id, text) of every warning intro and warning sign, in reading order."""
    found: list[tuple[str, Text]] = []
    for block in warning_blocks(handout):
        found += [(intro_context(p.id), p.text) for p in block.intros]
        found += [(item_context(i.id, in_warning=True), i.text) for i in walk_items(block.items)]
    return found


def extract_text(fmt: str, path: Path) -> str:
    """The text a reader (or listener) gets from one output file."""
    match fmt:
        case "txt":
            return path.read_text(encoding="utf-8")
        case "docx":
            import docx

            document = docx.Document(str(path))
            return "\n".join(p.text for p in document.paragraphs)
        case "pdf":
            tool = shutil.which("pdftotext")
            if tool is None:
                raise RuntimeError("pdftotext is not installed (Debian package poppler-utils)")
            return subprocess.run([tool, "-enc", "UTF-8", str(path), "-"], capture_output=True, check=True,
                                  timeout=120).stdout.decode("utf-8", "replace")
        case "mp3":
            from mutagen.id3 import ID3

            return "\n".join(str(frame.text) for frame in ID3(str(path)).getall("USLT"))
        case _:
            raise AssertionError(f"unknown format {fmt}")


def output_findings(project: Project, handout_id: str, language: Language, handout: Handout,
                    formats: tuple[str, ...] = FORMATS) -> list[Finding]:
    """Findings for the built outputs of one handout in one language (`handout` resolved and translated)."""
    findings: list[Finding] = []

    def add(severity: str, message_id: str | None, detail: str) -> None:
        findings.append(Finding("outputs", severity, handout_id, language.tag, message_id, detail))

    signs = warning_texts(handout)
    for fmt in formats:
        path = output_path(project, handout_id, language, fmt)
        if fmt == "mp3" and language.voice is None:
            add("info", None, f"no audio for {language.name}: eSpeak NG has no voice for it")
            if path.exists():
                add("error", None, f"{path.name} exists although {language.name} has no voice: remove it")
            continue
        state = output_state(project, handout_id, language, fmt)
        if state == "missing":
            add("error", None, f"{fmt.upper()} missing ({path.name}): run 'handout build'")
            continue
        if state == "stale":
            add("error", None, f"{fmt.upper()} is older than its inputs (source, catalog, configuration or "
                "templates changed): run 'handout build'")
        elif state == "damaged":
            add("error", None, f"{fmt.upper()} was changed or damaged after it was built: run 'handout build --force'")
        try:
            text = extract_text(fmt, path)
        except Exception as exc:  # a corrupt file of any kind is a finding, not a crash
            add("error", None, f"{fmt.upper()} cannot be read ({type(exc).__name__}: {exc}): run 'handout build --force'")
            continue
        haystack = normalise(text)

        for message_id, sign in signs:
            expected = spoken_text(sign) if fmt == "mp3" else plain(sign)
            if normalise(expected) not in haystack:
                add("error", message_id, f"warning sign missing from the {fmt.upper()}: {plain(sign)!r}")
        if fmt == "mp3":
            findings += _duration_findings(path, text, language, project, handout_id)
    return findings


def _duration_findings(path: Path, script: str, language: Language, project: Project,
                       handout_id: str) -> list[Finding]:
    from mutagen.mp3 import MP3

    from handout_pipeline.writers.audio import expected_duration_range, word_count

    try:
        length = MP3(str(path)).info.length
    except Exception as exc:
        return [Finding("outputs", "error", handout_id, language.tag, None,
                        f"MP3 cannot be decoded ({exc}): run 'handout build --force'")]
    words = word_count(script, language)
    low, high = expected_duration_range(words, project.config.words_per_minute)
    if not low <= length <= high:
        return [Finding("outputs", "error", handout_id, language.tag, None,
                        f"MP3 lasts {length:.1f} s but its {words} narrated words need {low:.0f}-{high:.0f} s at "
                        f"{project.config.words_per_minute} words a minute: it is silent or cut short; "
                        "run 'handout build --force'")]
    return []

