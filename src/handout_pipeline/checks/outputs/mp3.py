"""MP3: each tier is its own ID3 chapter (writers/audio.py), whose audio holds speech that lasts as long as its
words need; its label, intros and signs are whole lines of the narration script, in order."""

from __future__ import annotations

from pathlib import Path

from handout_pipeline.checks.outputs.common import Box, Findings, compare_boxes, expected_tiers, letters, normalise
from handout_pipeline.languages import Language
from handout_pipeline.model import Handout
from handout_pipeline.project import Project

WINDOW_MS = 20
SPEECH_RMS = 200            # int16 RMS of a 20 ms window that holds speech (eSpeak NG speaks at ~3000-8000)
MIN_SPEECH_SHARE = 0.25     # share of a chapter's windows with speech; pauses take the rest


def check(found: Findings, path: Path, handout: Handout, language: Language, project: Project) -> None:
    from mutagen.id3 import ID3

    from handout_pipeline.model import warning_blocks
    from handout_pipeline.writers.audio import (TIER_TOC, expected_duration_range, spoken_text, tier_chapter_title,
                                                word_count)

    tags = ID3(str(path))
    script = "\n".join(str(frame.text) for frame in tags.getall("USLT"))
    lines = script.split("\n")
    tiers = expected_tiers(handout, spoken=lambda text: spoken_text(text, language))
    titles = [tier_chapter_title(handout, block) for block in warning_blocks(handout)]
    compare_boxes(found, tiers, _script_boxes(lines, tiers), elsewhere=script)

    for frame in tags.getall("TXXX:engine fallback"):   # made, but not by the engine configured for the language
        found.add("warning", None, f"the MP3 was spoken by the fallback engine: {frame.text[0]}; install it and run "
                  "'handout build'")
    samples = _decode(path)
    _check_loudness(found, samples)
    wpm = language.words_per_minute or project.config.words_per_minute
    words = word_count(script, language)
    low, high = expected_duration_range(words, wpm)
    length = len(samples) / _RATE
    if not low <= length <= high:
        found.error(None, f"MP3 lasts {length:.1f} s but its {words} narrated words need {low:.0f}-{high:.0f} s at "
                    f"{wpm} words a minute: it is silent or cut short; run 'handout build --force'")
    toc = next((f for f in tags.getall("CTOC") if f.element_id == TIER_TOC), None)
    chapters = {f.element_id: f for f in tags.getall("CHAP")}
    ids = list(toc.child_element_ids) if toc is not None else []
    for index, tier in enumerate(tiers):
        first = (tier.signs or tier.intros or (None,))[0]
        message_id = first.message_id if first else None
        chapter = chapters.get(ids[index]) if index < len(ids) else None
        if chapter is None:
            found.error(message_id, f"the MP3 has no chapter for its {tier.tier.value} tier ({tier.label!r}): "
                        "run 'handout build --force'")
            continue
        title = "".join(str(f) for f in chapter.sub_frames.getall("TIT2"))
        if letters(title) != letters(titles[index]):
            found.error(message_id, f"the MP3 chapter for the {tier.tier.value} tier is titled {title!r}, not "
                        f"{titles[index]!r}: run 'handout build --force'")
        part = samples[int(chapter.start_time * _RATE / 1000):int(chapter.end_time * _RATE / 1000)]
        seconds = len(part) / _RATE
        spoken = " ".join([tier.label, *(e.text for e in (*tier.intros, *tier.signs, *tier.notes))])
        count = word_count(spoken, language)
        nominal = 60.0 * count / wpm
        cues = 1 + len(tier.intros) + len(tier.signs) + len(tier.notes)
        if not 0.5 * nominal <= seconds <= 2.5 * nominal + 1.5 * cues:
            found.error(message_id, f"the MP3 chapter of the {tier.tier.value} tier lasts {seconds:.1f} s, but its "
                        f"{count} words need {0.5 * nominal:.0f}-{2.5 * nominal + 1.5 * cues:.0f} s at {wpm} words "
                        f"a minute: its signs are cut or padded; run 'handout build --force'")
        share = speech_share(part)
        if share < MIN_SPEECH_SHARE:
            names = "; ".join(repr(s.text) for s in tier.signs)
            found.error(message_id, f"the MP3 chapter of the {tier.tier.value} tier is silent (speech in "
                        f"{share:.0%} of it): its warning signs are not heard: {names}")


_RATE = 22050


def _check_loudness(found: Findings, samples) -> None:
    """Speech loudness (ITU-R BS.1770 through pyloudnorm) at the spoken-word target, so one volume suits all."""
    import numpy as np

    from handout_pipeline.writers.audio_loudness import TARGET_LUFS, TOLERANCE_LU, loudness

    level = loudness(np.asarray(samples, dtype=np.float64) / 32768.0, _RATE)
    if not abs(level - TARGET_LUFS) <= TOLERANCE_LU:
        found.error(None, f"the MP3's loudness is {level:.1f} LUFS, not {TARGET_LUFS:.0f} ± {TOLERANCE_LU:.0f} "
                    "(too quiet or too loud for speech): run 'handout build --force'")


def _decode(path: Path):
    import array

    import miniaudio

    decoded = miniaudio.decode_file(str(path), output_format=miniaudio.SampleFormat.SIGNED16, nchannels=1,
                                    sample_rate=_RATE)
    return array.array("h", decoded.samples)


def speech_share(samples) -> float:
    """Share of 20 ms windows loud enough to be speech."""
    step = _RATE * WINDOW_MS // 1000
    windows = loud = 0
    for start in range(0, len(samples) - step + 1, step):
        window = samples[start:start + step]
        energy = sum(s * s for s in window[::4]) / len(window[::4])
        windows += 1
        loud += energy >= SPEECH_RMS ** 2
    return loud / windows if windows else 0.0


def _script_boxes(lines: list[str], tiers) -> list[Box]:
    """A box per script line that says a tier's label, holding the safety lines that follow it."""
    labels = {letters(t.label) for t in tiers}
    intros = {e.key for t in tiers for e in t.intros}
    signs = {e.key for t in tiers for e in t.signs}
    notes = {e.key for t in tiers for e in t.notes}
    boxes: list[Box] = []
    box = None
    for number, line in enumerate(lines, 1):
        key = normalise(line)
        if letters(line) in labels and letters(line):
            box = Box(line, where=f"script line {number}")
            boxes.append(box)
        elif box is not None and key in intros and not box.items:
            box.intros.append(line)
        elif box is not None and key in signs:
            box.items.append(line)
        elif box is not None and key in notes and box.items:
            box.intros.append(line)   # a note after the signs: compare_boxes looks for it with the intros
        else:
            box = None
    return boxes
