"""Human recordings: a recording made for an earlier text of a safety message is an error naming the message
(the narration never plays it, but the patient then hears synthesis, or nothing where there is no voice)."""

from __future__ import annotations

from dataclasses import replace

from handout_pipeline import recordings
from handout_pipeline.checks import Finding
from handout_pipeline.errors import HandoutError
from handout_pipeline.i18n.units import is_safety_context
from handout_pipeline.languages import Language
from handout_pipeline.model import Handout
from handout_pipeline.project import Project

CHECK = "recordings"


def has_recordings(project: Project, handout_id: str, language: Language) -> bool:
    """Whether the content root holds any recording of this handout in this language."""
    try:
        return bool(recordings.audio_files(recordings.folder(project.root, language, handout_id)))
    except HandoutError:
        return True


def recording_findings(project: Project, handout_id: str, language: Language, handout: Handout) -> list[Finding]:
    """Stale, unstamped and orphaned recordings of one handout in one language (`handout` resolved, translated)."""
    from handout_pipeline.review.status import is_draft
    from handout_pipeline.writers.audio import recordings_for, spoken_cues

    base = recordings.folder(project.root, language, handout_id)
    if not base.is_dir():
        return []
    found: list[Finding] = []

    def add(severity: str, message_id: str | None, detail: str, path) -> None:
        rel = path.relative_to(project.root).as_posix() if path is not None else None
        found.append(Finding(CHECK, severity, handout_id, language.tag, message_id, detail, path=rel, format="mp3"))

    try:
        files = recordings.audio_files(base)
        ctx = replace(project.render_context(language), draft=is_draft(project, handout_id, language))
        cues = spoken_cues(handout, ctx)
        recs = recordings_for(handout, ctx, cues)
    except HandoutError as exc:
        add("error", None, f"{exc.message}: {exc.hint}" if exc.hint else exc.message, base)
        return found
    said = set()
    for cue, rec in zip(cues, recs, strict=True):
        if rec is None:
            continue
        said.add(cue.message_id)
        safety = is_safety_context(cue.message_id)
        if rec.status == recordings.STALE:
            was = f" (it says {rec.stamped_text!r})" if rec.stamped_text else ""
            add("error" if safety else "warning", cue.message_id,
                f"the recording {rec.path.name} was made for an earlier text{was}; the narration now says "
                f"{cue.text!r}: it is not played; record it again, then 'handout recordings stamp -l {language.code}'",
                rec.path)
        elif rec.status == recordings.UNSTAMPED:
            add("warning", cue.message_id,
                f"the recording {rec.path.name} is not stamped (new, or changed since its stamp), so it is not "
                f"played: listen to it, then run 'handout recordings stamp -l {language.code}'", rec.path)
    for message_id in sorted(set(files) - said):
        add("warning", message_id, f"the recording {files[message_id].name} is of no message of the narration "
            "(the message was removed or renamed): remove or rename it", files[message_id])
    return found
