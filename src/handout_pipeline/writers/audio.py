"""MP3 narration: headings announced, pauses between parts, phone numbers digit by digit, ID3 chapters."""

from __future__ import annotations

import io
import re
import unicodedata
from dataclasses import dataclass, replace
from pathlib import Path
from typing import assert_never

import lameenc
from mutagen.id3 import CHAP, CTOC, ID3, TIT2, TLAN, TLEN, TSSE, TXXX, USLT, CTOCFlags

from handout_pipeline import recordings
from handout_pipeline.errors import HandoutError
from handout_pipeline.i18n.units import (glossary_contexts, heading_context, intro_context, item_context, note_context,
                                         label_context, paragraph_context)
from handout_pipeline.inline import normalise_space
from handout_pipeline.languages import Language, get_language
from handout_pipeline.model import (BulletList, Handout, Heading, Paragraph, Text, WarningBlock,
                                    plain, walk_items, warning_blocks)
from handout_pipeline.writers import RenderContext, WriterUnavailable
from handout_pipeline.writers import audio_engines, audio_festival, audio_loudness, audio_synth
from handout_pipeline.writers.audio_synth import SAMPLE_RATE

BIT_RATE = 48                # kbit/s CBR: clear speech at 22050 Hz mono, ~360 kB a minute
# What LAME at BIT_RATE takes away from speech's loudness, as decoded (its quantisation, about evenly across
# the spectrum): 0.41-0.47 LU for seven shipped voices, Festival's and eSpeak NG's (benchmarks/engine_overhead.py
# --detail prints it for each language). Made up before the first encoding, so that one encoding usually does.
ENCODER_LOSS_LU = 0.43

# Pauses in ms after a cue, on top of the short end-of-sentence pause eSpeak adds itself.
PAUSE_TITLE = 1200
PAUSE_HEADING = 800          # a heading or tier label is announced, then a pause
PAUSE_PARAGRAPH = 500
PAUSE_ITEM = 350             # between warning signs and bullets
PAUSE_BLOCK = 600            # after the last cue of a block
PAUSE_SECTION = 1500         # between sections
PAUSE_TERM = 300             # between a glossary term and its definition
PAUSE_END = 700

# ISO 639-2 (terminology) codes for ID3 TLAN and USLT, by primary language subtag.
ISO_639_2 = {"en": "eng", "fr": "fra", "es": "spa", "zh": "zho", "pa": "pan", "ar": "ara",
             "fa": "fas", "vi": "vie", "ko": "kor", "tl": "tgl"}

# How many characters of a script eSpeak NG 1.51 speaks in the time of one English word at the same
# rate. Measured at rate 140 on the real handout: English 142 words/min; Chinese 156 characters/min
# (sit/cmn-Latn-pinyin) and 188 (sit/yue); Korean 221 syllable blocks/min (ko).
_CHARS_PER_WORD = {"Han": 1.2, "Hangul": 1.5}
_HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0003134f]")
_HANGUL = re.compile(r"[\uac00-\ud7a3]")
_WORD = re.compile(r"\w", re.UNICODE)
_ELEMENT_ID = re.compile(r"[A-Za-z0-9._-]{1,64}")


@dataclass(frozen=True, slots=True)
class Cue:
    """One utterance of the narration and the silence after it."""

    text: str
    pause_ms: int
    section: int | None = None   # index of the section it belongs to; None: title, glossary, attribution
    tier: int | None = None      # index of the warning block it belongs to (label, intros, signs)
    message_id: str | None = None  # the catalog message (msgctxt) it says: what a recording replaces


# How a language says the digit 1 in a phone number, where that differs from counting: Mandarin says yāo
# (幺), not yī, so that 1 is not heard as 7 (qī). eSpeak NG's cmn dictionary reads 幺 as j'Au55 (yāo).
_PHONE_ONE = {"cmn": "幺"}
# French: a word ending in one of these letters links to a following vowel (liaison): "des 1" is said "dez un".
# Before a phone number that is wrong ("vous avez, 1 8 0 0"), so a short break goes between them.
_LIAISON = re.compile(r"[sxztdnp]\Z", re.IGNORECASE)


def spoken_phone(number: str, language: Language | None = None) -> str:
    """A phone number as its language says one, digit by digit ("911" -> "9 1 1"); groups kept apart by commas."""
    one = _PHONE_ONE.get(speech_language(language)) if language is not None else None
    groups = [group for group in re.split(r"[^\d]+", number) if group]
    digits = [" ".join(one if one and digit in "1\u0661\u06f1" else digit for digit in group) for group in groups]
    return ", ".join(digits)


def speech_language(language: Language) -> str:
    """The spoken language of a written one: Traditional Chinese is narrated in Cantonese here, Simplified in
    Mandarin (by the voice when it says, e.g. sit/yue)."""
    if language.base == "zh":
        return "yue" if "yue" in (language.voice or "").lower() else "cmn"
    return language.base


def narration(handout: Handout, language: Language | None = None) -> list[Cue]:
    """Every utterance in reading order: title, lead, sections, glossary, attribution."""
    lang = language or get_language(handout.language)
    say = lambda text: spoken_text(text, lang)  # noqa: E731
    cues = [Cue(say(handout.title), PAUSE_TITLE, message_id="title")]
    cues += _end_with([Cue(say(p.text), PAUSE_PARAGRAPH, message_id=paragraph_context(p.id)) for p in handout.lead],
                      PAUSE_SECTION)
    for index, section in enumerate(handout.sections):
        part = [Cue(say(section.heading.text), PAUSE_HEADING, index, message_id=heading_context(section.heading.id))]
        for block in section.blocks:
            part += _end_block(_block_cues(block, handout, index, say))
        cues += _end_with(part, PAUSE_SECTION)
    cues = _number_tiers(cues)
    if handout.glossary:
        part = [Cue(_clean(handout.labels.glossary), PAUSE_HEADING, message_id=label_context("glossary"))]
        for entry in handout.glossary:
            term, definition = glossary_contexts(entry.id)
            part += [Cue(_clean(entry.term), PAUSE_TERM, message_id=term),
                     Cue(_clean(entry.definition), PAUSE_PARAGRAPH, message_id=definition)]
        cues += _end_with(part, PAUSE_SECTION)
    cues.append(Cue(say(handout.attribution), PAUSE_END, message_id="attribution"))
    return [cue for cue in cues if cue.text]


def narration_script(handout: Handout, ctx: RenderContext) -> list[str]:
    """Exactly the texts sent to the synthesiser, in reading order (also stored in the MP3's USLT)."""
    return [cue.text for cue in spoken_cues(handout, ctx)]


def spoken_cues(handout: Handout, ctx: RenderContext) -> list[Cue]:
    """The narration as this build says it: with the draft notice first when the translation is not reviewed."""
    cues = narration(handout, ctx.language)
    if ctx.draft:  # said first: the listener must know before anything else that this is not reviewed yet
        cues = [Cue(_clean(handout.labels.draft), PAUSE_TITLE, message_id=label_context("draft")), *cues]
    return cues


def _block_cues(block, handout: Handout, section: int, say) -> list[Cue]:
    match block:
        case Heading():
            return [Cue(say(block.text), PAUSE_HEADING, section, message_id=heading_context(block.id))]
        case Paragraph():
            return [Cue(say(block.text), PAUSE_PARAGRAPH, section, message_id=paragraph_context(block.id))]
        case BulletList():
            return [Cue(say(item.text), PAUSE_ITEM, section, message_id=item_context(item.id, in_warning=False))
                    for item in walk_items(block.items)]
        case WarningBlock():
            label = Cue(_clean(handout.labels.tier(block.tier)), PAUSE_HEADING, section, -2,
                        label_context(block.tier.value))
            intros = [Cue(say(intro.text), PAUSE_PARAGRAPH, section, -1, intro_context(intro.id))
                      for intro in block.intros]
            signs = [Cue(say(item.text), PAUSE_ITEM, section, -1, item_context(item.id, in_warning=True))
                     for item in walk_items(block.items)]
            notes = [Cue(say(note.text), PAUSE_PARAGRAPH, section, -1, note_context(note.id)) for note in block.notes]
            return [label, *intros, *signs, *notes]
        case _:
            assert_never(block)


def _number_tiers(cues: list[Cue]) -> list[Cue]:
    """Give the cues of each warning block (its label marked -2, the rest -1) the block's index in reading order."""
    numbered, count = [], -1
    for cue in cues:
        if cue.tier is not None:
            count += cue.tier == -2
            cue = replace(cue, tier=count)
        numbered.append(cue)
    return numbered


def _end_block(cues: list[Cue]) -> list[Cue]:
    return _end_with(cues, PAUSE_BLOCK)


def _end_with(cues: list[Cue], pause_ms: int) -> list[Cue]:
    if cues:
        cues[-1] = replace(cues[-1], pause_ms=max(cues[-1].pause_ms, pause_ms))
    return cues


def spoken_text(text: Text, language: Language | None = None) -> str:
    """A text as the narration says it: phone numbers digit by digit as the language says them, one clean line."""
    out = ""
    for span in text:
        if not span.fact:
            out += span.text
            continue
        if language is not None and language.base == "fr" and _LIAISON.search(out.rstrip(" ")) and \
                out.endswith(" "):
            out = out.rstrip(" ") + ", "
        out += spoken_phone(span.text, language)
    return _clean(out)


def _clean(text: str) -> str:
    """One line of plain text: control characters dropped (they are not speech), spaces collapsed."""
    return normalise_space("".join(" " if unicodedata.category(ch) == "Cc" else ch for ch in text))


# --- measuring ---------------------------------------------------------------------------------------

def word_count(text: str, language: Language | str) -> int:
    """Words as a duration measure: spaced words; in Chinese and Korean, characters / _CHARS_PER_WORD."""
    lang = language if isinstance(language, Language) else get_language(language)
    han = len(_HAN.findall(text))
    hangul = len(_HANGUL.findall(text))
    if lang.script_class != "cjk" or (han == 0 and hangul == 0):
        return sum(1 for token in text.split() if _WORD.search(token))
    rest = _HAN.sub(" ", _HANGUL.sub(" ", text))
    spaced = sum(1 for token in rest.split() if _WORD.search(token))
    return spaced + round(han / _CHARS_PER_WORD["Han"] + hangul / _CHARS_PER_WORD["Hangul"])


def expected_duration_range(word_count: int, wpm: int) -> tuple[float, float]:
    """Seconds a complete narration of `word_count` words at `wpm` may last (generous bounds)."""
    # MP3 length / (60 * words / wpm), measured at 140: real handout 0.84 (vi) to 1.68 (ar, whose
    # words are long); the short test fixture, where pauses weigh more, up to 2.26 (ar).
    nominal = 60.0 * word_count / wpm
    return 0.65 * nominal, 2.5 * nominal + 30.0


# --- writer ------------------------------------------------------------------------------------------

def inputs(ctx: RenderContext) -> list[Path]:
    """This writer's code and the engine's voice, dictionary and phoneme data it speaks with (the recordings are
    content: build.inputs_digest reads them each time, recordings.content_digest)."""
    files = [Path(__file__).resolve()] + [Path(module.__file__).resolve() for module in (
        audio_synth, audio_loudness, audio_engines, audio_festival, recordings)]
    files += audio_engines.data_files(audio_engines.choose(ctx.language))
    return files


def write(handout: Handout, ctx: RenderContext) -> bytes:
    """The narration of a resolved, translated handout as a tagged MP3: human recordings where current ones
    exist, synthesis for the rest."""
    cues = spoken_cues(handout, ctx)
    found = recordings_for(handout, ctx, cues)
    used = [rec if rec is not None and rec.status == recordings.CURRENT else None for rec in found]
    missing = [index for index, rec in enumerate(used) if rec is None]
    if missing and any(used) and not ctx.mix_recordings:
        raise HandoutError(f"{len(missing)} message(s) of the {ctx.language.name} narration have no current "
                           f"recording ({_names(cues, found, missing)}) and [audio] mix_recordings is false",
                           ctx.recordings, hint="record them (handout recordings script), or set "
                                                "mix_recordings = true to synthesise them")
    pcm: list[bytes | None] = [None] * len(cues)
    choice = audio_engines.choose(ctx.language)
    if missing:
        choice = _engine(ctx.language, choice, cues, found, missing, any(used))
        try:
            spoken = audio_engines.render(choice, [cues[i].text for i in missing], ctx.words_per_minute)
        except audio_synth.VoiceUnavailable as exc:
            raise WriterUnavailable(f"no usable {choice.engine} voice for {ctx.language.name}: {exc}",
                                    hint="the other formats are still built; check the voice in languages.py "
                                         "with `espeak-ng -q -x -v VOICE TEXT`") from None
        for index, samples in zip(missing, spoken, strict=True):
            pcm[index] = samples
    for index, rec in enumerate(used):
        if rec is not None:
            # Each recording at the speech level first, so a quiet take does not sink under the synthesis.
            pcm[index] = audio_loudness.normalise(recordings.decode(rec.path, SAMPLE_RATE), SAMPLE_RATE)[0]
    audio, starts = _join(pcm, cues)
    mp3, lufs = _encode_normalised(audio)
    return _tag(mp3, handout, ctx, cues, starts, len(audio) // 2, lufs, used, choice if missing else None)


def recordings_for(handout: Handout, ctx: RenderContext, cues: list[Cue]) -> list[recordings.Recording | None]:
    """Each cue's recording (current, stale or not stamped) where the content root has one."""
    if ctx.recordings is None:
        return [None] * len(cues)
    base = recordings.folder(ctx.recordings.parent, ctx.language, handout.meta.id)
    files = recordings.audio_files(base)
    return [recordings.lookup(base, cue.message_id, cue.text, files) if cue.message_id else None for cue in cues]


def _names(cues: list[Cue], found, indexes: list[int], limit: int = 4) -> str:
    """The message ids of some cues, with why each has no usable recording."""
    why = {recordings.STALE: "recorded for an earlier text", recordings.UNSTAMPED: "recording not stamped"}
    parts = []
    for index in indexes[:limit]:
        rec = found[index]
        reason = why.get(rec.status) if rec is not None else None
        parts.append(f"{cues[index].message_id}" + (f": {reason}" if reason else ""))
    more = f" and {len(indexes) - limit} more" if len(indexes) > limit else ""
    return ", ".join(parts) + more


def _encode_normalised(pcm: bytes) -> tuple[bytes, float]:
    """The MP3 of `pcm` at the speech loudness target as a player decodes it; returns it and its loudness.
    The encoder takes some loudness away (ENCODER_LOSS_LU, made up in advance); what a player decodes is
    measured, and when it is still off the loss is made up as measured and the narration encoded again."""
    target = audio_loudness.TARGET_LUFS
    level = target + ENCODER_LOSS_LU
    current = audio_loudness.pcm_loudness(pcm, SAMPLE_RATE)   # measured once for both passes
    for _ in range(2):
        louder, _ = audio_loudness.normalise(pcm, SAMPLE_RATE, level, current)
        mp3 = _encode(louder)
        heard = heard_loudness(mp3)
        if not abs(heard - target) > 0.1:   # also silence (-inf): nothing to make up
            break
        level += target - heard
    return mp3, heard


def heard_loudness(mp3: bytes) -> float:
    """The loudness (LUFS) of an MP3 as a player decodes it, at the narration's rate."""
    import miniaudio

    decoded = miniaudio.decode(mp3, output_format=miniaudio.SampleFormat.SIGNED16, nchannels=1,
                               sample_rate=SAMPLE_RATE)
    return audio_loudness.pcm_loudness(decoded.samples.tobytes(), SAMPLE_RATE)


def _engine(language: Language, choice, cues: list[Cue], found, missing: list[int], recorded: bool):
    if choice is not None:
        return choice
    if not recorded and not any(rec is not None for rec in found):
        raise WriterUnavailable(f"no eSpeak NG voice for {language.name}",
                                hint=f"eSpeak NG has no {language.name} voice; the PDF, DOCX and TXT are "
                                     "still built (record the narration: handout recordings script)")
    # Some messages are recorded: the rest cannot be synthesised, and a stale one is never played.
    raise HandoutError(f"{len(missing)} message(s) of the {language.name} narration have no current recording and "
                       f"there is no {language.name} voice to say them ({_names(cues, found, missing)})",
                       hint="record them (or again, for changed texts), then run 'handout recordings stamp'")


def _join(pcm: list[bytes | None], cues: list[Cue]) -> tuple[bytes, list[int]]:
    """Segments joined with their pauses; returns the audio and each cue's start, in samples."""
    out = bytearray()
    starts = []
    for samples, cue in zip(pcm, cues, strict=True):
        starts.append(len(out) // 2)
        out += samples
        out += bytes(2 * (SAMPLE_RATE * cue.pause_ms // 1000))
    return bytes(out), starts


def _encode(pcm: bytes) -> bytes:
    encoder = lameenc.Encoder()
    encoder.set_bit_rate(BIT_RATE)
    encoder.set_in_sample_rate(SAMPLE_RATE)
    encoder.set_out_sample_rate(SAMPLE_RATE)
    encoder.set_channels(1)
    encoder.set_quality(5)          # LAME default: good quality; 2 is 3x slower for no audible gain in speech
    return bytes(encoder.encode(pcm) + encoder.flush())


def _ms(samples: int) -> int:
    return round(samples * 1000 / SAMPLE_RATE)


def _tag(mp3: bytes, handout: Handout, ctx: RenderContext, cues: list[Cue], starts: list[int],
         total: int, lufs: float, used: list | None = None, choice=None) -> bytes:
    """ID3v2.3: title, language, length, one chapter per section, and the narration script."""
    code = iso_639_2(ctx.language)
    title = _clean(plain(handout.title))
    tags = ID3()
    tags.add(TIT2(encoding=3, text=[title]))
    tags.add(TLAN(encoding=3, text=[code]))
    tags.add(TLEN(encoding=3, text=[str(_ms(total))]))
    # Which engine made the file (none: every message is a human recording), for people, the cache and the check.
    engine = choice.describe() if choice is not None else "human recordings"
    tags.add(TXXX(encoding=3, desc="engine", text=[engine]))
    tags.add(TSSE(encoding=3, text=[f"{engine}; LAME {BIT_RATE} kbit/s"]))
    if choice is not None and choice.fallback:
        tags.add(TXXX(encoding=3, desc="engine fallback", text=[f"{ctx.language.engine} not used: {choice.fallback}"]))
    tags.add(TXXX(encoding=3, desc="loudness", text=[f"{lufs:.1f} LUFS (ITU-R BS.1770, target "
                                                      f"{audio_loudness.TARGET_LUFS:.0f})"]))
    root = ctx.recordings.parent if ctx.recordings is not None else Path(".")
    played = [rec.relative(root) if rec is not None else None for rec in (used or [None] * len(cues))]
    if any(played):
        tags.add(TXXX(encoding=3, desc="recordings", text=[
            "\n".join(f"{cue.message_id}\t{path}" for cue, path in zip(cues, played) if path)]))
    chapters = _chapters(handout, cues, starts, total)
    tags.add(CTOC(element_id="toc", flags=CTOCFlags.TOP_LEVEL | CTOCFlags.ORDERED,
                  child_element_ids=[element for element, *_ in chapters],
                  sub_frames=[TIT2(encoding=3, text=[title])]))
    for element, start, end, heading in chapters:
        tags.add(CHAP(element_id=element, start_time=start, end_time=end,
                      sub_frames=_chapter_frames(heading, _played_between(cues, starts, played, start, end))))
    # One more chapter per warning block (label, intros, signs), listed in a table of contents of its own,
    # so a player can jump to "Emergency" and the check can listen to exactly that part.
    warnings = _tier_chapters(handout, cues, starts, total)
    if warnings:
        tags.add(CTOC(element_id=TIER_TOC, flags=CTOCFlags.ORDERED,
                      child_element_ids=[element for element, *_ in warnings],
                      sub_frames=[TIT2(encoding=3, text=["warnings"])]))
    for element, start, end, heading in warnings:
        tags.add(CHAP(element_id=element, start_time=start, end_time=end,
                      sub_frames=_chapter_frames(heading, _played_between(cues, starts, played, start, end))))
    tags.add(USLT(encoding=3, lang=code, desc="narration", text="\n".join(cue.text for cue in cues)))
    out = io.BytesIO(mp3)
    tags.save(out, v2_version=3, padding=lambda info: 0)
    return out.getvalue()


def _played_between(cues: list[Cue], starts: list[int], played: list[str | None], start: int, end: int) -> list[str]:
    """The recordings heard in a chapter (start and end in ms), in order."""
    return [path for cue_start, path in zip(starts, played) if path and start <= _ms(cue_start) < end]


def _chapter_frames(title: str, recorded: list[str]) -> list:
    """A chapter's title, and (where it plays human recordings) which files, so a reviewer can find them."""
    frames = [TIT2(encoding=3, text=[title])]
    if recorded:
        frames.append(TXXX(encoding=3, desc="recordings", text=["\n".join(recorded)]))
    return frames


def _chapters(handout: Handout, cues: list[Cue], starts: list[int], total: int):
    """(element id, start ms, end ms, title) of the top-level chapters, which together cover the whole narration:
    the opening (draft notice, title, lead) titled with the handout's title, one per section from its heading to
    the next part, the glossary under its label; the attribution ends the last of them."""
    bounds: dict[int, list[int]] = {}
    for position, cue in enumerate(cues):
        if cue.section is not None:
            bounds.setdefault(cue.section, [position, position])[1] = position
    glossary = next((position for position, cue in enumerate(cues)
                     if cue.message_id == label_context("glossary")), None)
    parts: list[tuple[str, int, str]] = []   # (element id, first cue, title)
    first_section = min((first for first, _ in bounds.values()), default=glossary)
    if first_section is None or first_section > 0:
        parts.append((OPENING_CHAPTER, 0, _clean(plain(handout.title))))
    for index, section in enumerate(handout.sections):
        if index in bounds:
            # ID3 element ids are Latin-1 and end at a NUL: keep the section id when it is plain ASCII.
            element = section.heading.id if _ELEMENT_ID.fullmatch(section.heading.id) else f"ch{index}"
            parts.append((element, bounds[index][0], _clean(plain(section.heading.text))))
    if glossary is not None:
        parts.append((GLOSSARY_CHAPTER, glossary, cues[glossary].text))
    chapters, used = [], set()
    for number, (element, first, title) in enumerate(parts):
        end = starts[parts[number + 1][1]] if number + 1 < len(parts) else total
        if element in used:   # a section whose id is one of ours
            element = f"ch-{number}"
        used.add(element)
        chapters.append((element, _ms(starts[first]), _ms(end), title))
    return chapters


OPENING_CHAPTER = "ch-opening"
GLOSSARY_CHAPTER = "ch-glossary"
TIER_TOC = "warnings"


def tier_chapter_id(index: int) -> str:
    """The ID3 element id of the chapter of the index-th warning block."""
    return f"warning-{index}"


def tier_chapter_title(handout: Handout, block: WarningBlock) -> str:
    """What a player lists for a warning block: its label and intro, "Emergency: Call 911 if:"."""
    label = _clean(handout.labels.tier(block.tier))
    intro = " ".join(_clean(plain(intro.text)) for intro in block.intros)
    return f"{label}: {intro}" if intro else label


def _tier_chapters(handout: Handout, cues: list[Cue], starts: list[int], total: int):
    """(element id, start ms, end ms, title) per warning block: from its label to the cue after it."""
    bounds: dict[int, list[int]] = {}
    for position, cue in enumerate(cues):
        if cue.tier is not None:
            bounds.setdefault(cue.tier, [position, position])[1] = position
    blocks = list(warning_blocks(handout))
    out = []
    for index, (first, last) in sorted(bounds.items()):
        end = starts[last + 1] if last + 1 < len(starts) else total
        out.append((tier_chapter_id(index), _ms(starts[first]), _ms(end), tier_chapter_title(handout, blocks[index])))
    return out


def iso_639_2(language: Language) -> str:
    """The ISO 639-2 code ID3 uses for a language ('und' when unknown)."""
    return ISO_639_2.get(language.tag.split("-")[0].lower(), "und")
