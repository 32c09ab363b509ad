"""The recording script a voice talent reads from (CSV, in reading order) and stamping the recordings made from it."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, replace
from pathlib import Path

from handout_pipeline import recordings
from handout_pipeline.errors import HandoutError
from handout_pipeline.fsutil import write_atomic
from handout_pipeline.i18n.units import is_safety_context
from handout_pipeline.languages import Language
from handout_pipeline.model import warning_blocks
from handout_pipeline.project import Project

COLUMNS = ("Order", "Message ID", "Tier", "Safety", "Text", "File", "Status")
STATUS_WORDS = {recordings.CURRENT: "recorded", recordings.STALE: "record again: the text changed",
                recordings.UNSTAMPED: "recorded, not stamped yet"}


@dataclass(frozen=True, slots=True)
class Line:
    """One message of the narration as the talent records it."""

    order: int
    message_id: str
    tier: str            # emergency | urgent | watch, or "" outside warning blocks
    safety: bool
    text: str            # exactly what the narration says (phone numbers digit by digit)
    file: str            # where to put the recording (relative to the content root), .wav shown
    recording: recordings.Recording | None


def script_lines(project: Project, language: Language, handout_id: str) -> list[Line]:
    """Every message of one handout's narration in one language, in reading order, with its recording if any."""
    from handout_pipeline.review.status import is_draft
    from handout_pipeline.writers.audio import recordings_for, spoken_cues

    translated = project.localized(handout_id, language)
    if translated.missing_safety:
        raise HandoutError(f"{len(translated.missing_safety)} safety message(s) of {handout_id} are not translated "
                           f"into {language.name} yet ({translated.missing_safety[0].context}, ...)",
                           project.po_path(language, handout_id),
                           hint="finish them first (see 'handout stats'): a recording must say the final text")
    handout = translated.handout
    ctx = replace(project.render_context(language), draft=is_draft(project, handout_id, language))
    cues = spoken_cues(handout, ctx)
    tiers = [block.tier.value for block in warning_blocks(handout)]
    found = recordings_for(handout, ctx, cues)
    base = recordings.folder(project.root, language, handout_id)
    lines = []
    for order, (cue, rec) in enumerate(zip(cues, found, strict=True), 1):
        if not cue.message_id:
            continue
        where = (rec.path if rec else base / f"{cue.message_id}.wav").relative_to(project.root).as_posix()
        lines.append(Line(order, cue.message_id, tiers[cue.tier] if cue.tier is not None else "",
                          is_safety_context(cue.message_id), cue.text, where, rec))
    return lines


def write_script(lines: list[Line], out: Path) -> None:
    """The script as CSV (UTF-8 with a byte-order mark, so Excel and LibreOffice open it as Unicode)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    for line in lines:
        status = STATUS_WORDS[line.recording.status] if line.recording else "to record"
        writer.writerow([line.order, line.message_id, line.tier, "SAFETY" if line.safety else "", line.text,
                         line.file, status])
    write_atomic(out, buffer.getvalue().encode("utf-8-sig"))


def default_name(handout_id: str, language: Language) -> str:
    return f"{handout_id}.{language.tag}.recording-script.csv"


@dataclass(frozen=True, slots=True)
class Stamped:
    stamped: list[str]         # message ids stamped now
    stale: list[str]           # recordings made for an earlier text, left as they are
    current: int               # already stamped and current
    orphans: list[str]         # recordings of no message of the narration


def stamp(project: Project, language: Language, handout_id: str, messages: tuple[str, ...] = ()) -> Stamped:
    """Stamp new or re-recorded files with the text they say now; with `messages`, exactly those (a person
    confirms that a recording still says the changed text)."""
    lines = script_lines(project, language, handout_id)
    by_id = {line.message_id: line for line in lines}
    base = recordings.folder(project.root, language, handout_id)
    files = recordings.audio_files(base)
    for message_id in messages:
        if message_id not in by_id:
            raise HandoutError(f"no message {message_id} in the {language.name} narration of {handout_id}", base,
                               hint="use a Message ID of the recording script (handout recordings script)")
        if message_id not in files:
            raise HandoutError(f"no recording of {message_id}", base / f"{message_id}.wav",
                               hint="put the recording there (WAV, FLAC or MP3), then stamp it")
    stamped, stale, current = [], [], 0
    for line in lines:
        rec = line.recording
        if rec is None:
            continue
        wanted = line.message_id in messages if messages else rec.status == recordings.UNSTAMPED
        if wanted:
            recordings.write_stamp(rec.path, line.message_id, line.text)
            stamped.append(line.message_id)
        elif rec.status == recordings.STALE:
            stale.append(line.message_id)
        elif rec.status == recordings.CURRENT:
            current += 1
    orphans = sorted(set(files) - set(by_id))
    return Stamped(stamped, stale, current, orphans)
