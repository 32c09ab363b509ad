"""The MP3 writer: a narration that decodes, lasts as long as its words, is tagged, and says every sign."""

from __future__ import annotations

import dataclasses
import io
import re
import shutil
import subprocess
import threading
import wave
from pathlib import Path

import pytest
from mutagen.id3 import ID3, CTOCFlags
from mutagen.mp3 import MP3

from handout_pipeline.languages import LANGUAGES, get_language
from handout_pipeline.model import Handout, plain, walk_items, warning_blocks
from handout_pipeline.project import Project
from handout_pipeline.writers import WriterUnavailable, get_writer
from handout_pipeline.writers import audio, audio_synth

FIXTURE = Path(__file__).parent / "fixtures" / "mini"
ESPEAK = shutil.which("espeak-ng")
needs_espeak_cli = pytest.mark.skipif(ESPEAK is None, reason="espeak-ng command not installed")

# One short sentence per language ("Call your doctor if you have a fever"), written for this test.
SAMPLES = {
    "en": "Call your doctor now if you have a fever.",
    "fr": "Appelez votre médecin si vous avez de la fièvre.",
    "es": "Llame a su médico si tiene fiebre.",
    "zh_Hans": "如果您发烧，请马上打电话给医生。",
    "zh_Hant": "如果您發燒，請馬上打電話給醫生。",
    "pa": "ਜੇ ਤੁਹਾਨੂੰ ਬੁਖਾਰ ਹੈ ਤਾਂ ਆਪਣੇ ਡਾਕਟਰ ਨੂੰ ਕਾਲ ਕਰੋ।",
    "ar": "اتصل بطبيبك إذا كانت لديك حمى.",
    "fa": "اگر تب دارید، با پزشک خود تماس بگیرید.",
    "vi": "Hãy gọi bác sĩ nếu bạn bị sốt.",
    "ko": "열이 나면 의사에게 전화하세요.",
}
VOICED = sorted(code for code, lang in LANGUAGES.items() if lang.voice)
BUILT = ["en", "fr", "ar"]


def phonemes(voice: str, text: str) -> str:
    return subprocess.run([ESPEAK, "-q", "-x", "-v", voice, text], capture_output=True, text=True,
                          check=True).stdout


def phoneme_words(voice: str, text: str) -> list[str]:
    return phonemes(voice, text).replace("_|", " ").replace("_!", " ").split()


@pytest.fixture(scope="module")
def project() -> Project:
    return Project.open(FIXTURE)


def localized(project: Project, code: str):
    lang = get_language(code)
    return project.localized("mini", lang).handout, project.render_context(lang)


@pytest.fixture(scope="module")
def built(project):
    """The fixture's MP3 in a few languages (a Latin, a Latin with accents, an RTL script)."""
    return {code: get_writer("mp3").write(*localized(project, code)) for code in BUILT}


def mpeg_frames(data: bytes) -> int:
    """Walk every MPEG-2 Layer III frame after the ID3 tag; fails on anything that is not a frame."""
    assert data[:3] == b"ID3"
    size = 10 + sum((b & 0x7F) << (7 * (3 - i)) for i, b in enumerate(data[6:10]))
    bit_rates = [0, 8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160]
    pos, frames = size, 0
    while pos < len(data):
        header = int.from_bytes(data[pos:pos + 4], "big")
        assert header >> 21 == 0x7FF, f"lost frame sync at byte {pos}"
        assert (header >> 19) & 3 == 2 and (header >> 17) & 3 == 1, "not MPEG-2 Layer III"
        assert (header >> 10) & 3 == 0, "not 22050 Hz"
        bit_rate = bit_rates[(header >> 12) & 0xF]
        pos += 72000 * bit_rate // 22050 + ((header >> 9) & 1)
        frames += 1
    assert pos == len(data), "truncated last frame"
    return frames


def script_words(handout: Handout, ctx) -> int:
    return sum(audio.word_count(line, ctx.language) for line in audio.narration_script(handout, ctx))


def unspace_phones(line: str) -> str:
    """The check's normalisation: digits spoken one by one joined back into the written number."""
    return re.sub(r"(?<=\d)[ ,]+(?=\d)", "", line)


# --- the MP3 ---------------------------------------------------------------------------------------

@pytest.mark.parametrize("code", BUILT)
def test_mp3_decodes_and_lasts_as_long_as_its_words(project, built, code):
    handout, ctx = localized(project, code)
    data = built[code]
    info = MP3(io.BytesIO(data)).info
    assert (info.sample_rate, info.channels, info.bitrate) == (22050, 1, audio.BIT_RATE * 1000)
    frames = mpeg_frames(data)
    assert abs(frames * 576 / 22050 - info.length) < 0.1
    low, high = audio.expected_duration_range(script_words(handout, ctx), ctx.words_per_minute)
    assert low <= info.length <= high


@pytest.mark.parametrize("code, iso", [("en", "eng"), ("fr", "fra"), ("ar", "ara")])
def test_tags_title_language_and_script(project, built, code, iso):
    handout, ctx = localized(project, code)
    tags = ID3(io.BytesIO(built[code]))
    assert tags["TIT2"].text == [plain(handout.title)]
    assert tags["TLAN"].text == [iso]
    lyrics = tags.getall("USLT")
    assert [(frame.lang, frame.desc) for frame in lyrics] == [(iso, "narration")]
    assert lyrics[0].text.split("\n") == audio.narration_script(handout, ctx)


@pytest.mark.parametrize("code", BUILT)
def test_one_chapter_per_section_in_order_and_together_they_cover_the_narration(project, built, code):
    handout, _ = localized(project, code)
    data = built[code]
    tags = ID3(io.BytesIO(data))
    (toc,) = [t for t in tags.getall("CTOC") if t.flags & CTOCFlags.TOP_LEVEL]
    assert toc.flags & CTOCFlags.ORDERED
    chapters = {frame.element_id: frame for frame in tags.getall("CHAP")}
    sections = [s.heading.id for s in handout.sections]
    assert list(toc.child_element_ids) == [audio.OPENING_CHAPTER, *sections, audio.GLOSSARY_CHAPTER]
    (tiers,) = [t for t in tags.getall("CTOC") if not t.flags & CTOCFlags.TOP_LEVEL]
    assert sorted(chapters) == sorted([*toc.child_element_ids, *tiers.child_element_ids])
    ordered = [chapters[element] for element in toc.child_element_ids]
    assert [c.sub_frames["TIT2"].text for c in ordered] == [
        [plain(handout.title)], *([plain(s.heading.text)] for s in handout.sections), [handout.labels.glossary]]
    starts = [c.start_time for c in ordered]
    assert starts[0] == 0 < starts[1] and starts == sorted(set(starts)), "the title comes first; chapters move on"
    for chapter, following in zip(ordered, ordered[1:]):
        assert chapter.end_time == following.start_time
    # No part of the narration lies outside a chapter: the last one ends with the file (the attribution in it).
    assert ordered[-1].end_time == int(tags["TLEN"].text[0]) <= MP3(io.BytesIO(data)).info.length * 1000 + 50


def test_chapters_without_a_glossary_and_with_a_section_named_like_ours():
    """Unusual input: no glossary (the attribution ends the last section's chapter), a section whose id is the
    opening chapter's: the element ids stay unique and the chapters still cover everything."""
    handout, ctx = localized(Project.open(FIXTURE), "en")
    first = handout.sections[0]
    odd = dataclasses.replace(handout, glossary=(), sections=(
        dataclasses.replace(first, heading=dataclasses.replace(first.heading, id=audio.OPENING_CHAPTER)),
        *handout.sections[1:]))
    cues = audio.narration(odd, ctx.language)
    starts = [index * audio.SAMPLE_RATE for index in range(len(cues))]   # one second a cue
    total = len(cues) * audio.SAMPLE_RATE
    chapters = audio._chapters(odd, cues, starts, total)
    ids = [element for element, *_ in chapters]
    assert len(set(ids)) == len(ids) == 1 + len(odd.sections) and ids[0] == audio.OPENING_CHAPTER
    assert chapters[0][1] == 0 and chapters[-1][2] == 1000 * len(cues)
    assert all(a[2] == b[1] for a, b in zip(chapters, chapters[1:]))
    assert [title for *_, title in chapters][1:] == [plain(s.heading.text) for s in odd.sections]
    # Nothing before the first section (no title cue): no empty opening chapter.
    bare = [cue for cue in cues if cue.section is not None or cue.message_id == "attribution"]
    alone = audio._chapters(odd, bare, starts[:len(bare)], len(bare) * audio.SAMPLE_RATE)
    assert [(element, start, title) for element, start, _, title in alone][0] == \
        (audio.OPENING_CHAPTER, 0, plain(odd.sections[0].heading.text))   # the section itself, not an opening


@pytest.mark.parametrize("code", BUILT)
def test_one_chapter_per_warning_tier_inside_its_section(project, built, code):
    handout, _ = localized(project, code)
    tags = ID3(io.BytesIO(built[code]))
    (tiers,) = [t for t in tags.getall("CTOC") if t.element_id == "warnings"]
    chapters = {frame.element_id: frame for frame in tags.getall("CHAP")}
    blocks = list(warning_blocks(handout))
    ordered = [chapters[element] for element in tiers.child_element_ids]
    assert [c.sub_frames["TIT2"].text for c in ordered] == [[audio.tier_chapter_title(handout, b)] for b in blocks]
    assert all(c.sub_frames["TIT2"].text[0].startswith(handout.labels.tier(b.tier) + ": ")
               for c, b in zip(ordered, blocks))
    section = chapters["when-to-call"]
    assert all(section.start_time < c.start_time < c.end_time <= section.end_time for c in ordered)
    assert all(a.end_time <= b.start_time for a, b in zip(ordered, ordered[1:]))


@pytest.mark.parametrize("code", BUILT)
def test_script_narrates_every_warning_sign_with_its_tier_and_intro(project, built, code):
    handout, _ = localized(project, code)
    (lyrics,) = ID3(io.BytesIO(built[code])).getall("USLT")
    lines = [unspace_phones(line) for line in lyrics.text.split("\n")]
    for block in warning_blocks(handout):
        position = lines.index(handout.labels.tier(block.tier))
        for intro in block.intros:
            position = lines.index(" ".join(plain(intro.text).split()), position + 1)
        for sign in walk_items(block.items):
            position = lines.index(" ".join(plain(sign.text).split()), position + 1)


def test_reading_order_headings_tiers_glossary_attribution(project):
    handout, ctx = localized(project, "en")
    assert audio.narration_script(handout, ctx) == [
        "Knee Care at Home",
        "Your care", "Rest your knee for 24 hours. Do not run.", "Medicines",
        "Take your pills.", "Take 2 pills each morning.", "Call 8 1 1 with questions.",
        "When to call for help",
        "Emergency", "Call 9 1 1 if:", "You cannot breathe.",
        "Urgent", "Call your doctor now if:", "You have swelling. Signs:", "Red skin.", "A fever.",
        "Watch closely", "Watch for changes and call your doctor if:", "You do not get better.",
        "Words to know", "swelling", "When a part of the body gets bigger and puffy.",
        "Adapted for tests by the handout-pipeline team.",
    ]


def test_pauses_after_headings_and_between_sections(project):
    handout, _ = localized(project, "en")
    cues = {cue.text: cue for cue in audio.narration(handout)}
    assert cues["Your care"].pause_ms == audio.PAUSE_HEADING > audio.PAUSE_ITEM
    assert cues["Emergency"].pause_ms == audio.PAUSE_HEADING
    # The last cue of a section carries the longer pause before the next section's heading.
    assert cues["Call 8 1 1 with questions."].pause_ms == audio.PAUSE_SECTION > audio.PAUSE_HEADING


def test_segments_are_joined_with_their_pauses_as_silence():
    spoken = [b"\x01\x00" * 10, b"\x02\x00" * 10]
    audio_bytes, starts = audio._join(spoken, [audio.Cue("a", 100), audio.Cue("b", 0)])
    silence = 22050 * 100 // 1000
    assert starts == [0, 10 + silence]
    assert audio_bytes == spoken[0] + bytes(2 * silence) + spoken[1]


@pytest.mark.parametrize("code", BUILT)
def test_narration_is_normalised_to_speech_loudness(built, code):
    import miniaudio
    import numpy as np

    from handout_pipeline.writers import audio_loudness

    decoded = miniaudio.decode(built[code], output_format=miniaudio.SampleFormat.SIGNED16, nchannels=1,
                               sample_rate=22050)
    samples = np.asarray(decoded.samples, dtype=np.float64) / 32768.0
    assert abs(audio_loudness.loudness(samples, 22050) - audio_loudness.TARGET_LUFS) < 0.5
    assert 20 * np.log10(np.abs(samples).max()) < -0.5       # limited, not clipped (MP3 overshoot included)
    tag = ID3(io.BytesIO(built[code])).getall("TXXX:loudness")[0].text[0]
    assert tag.endswith("LUFS (ITU-R BS.1770, target -16)")


def test_loudness_normalisation_lifts_quiet_speech_and_limits_peaks():
    import numpy as np

    from handout_pipeline.writers import audio_loudness

    rate = 22050
    t = np.arange(rate * 3) / rate
    # Speech-like: a 200 Hz tone in syllable bursts, quiet (-30 dBFS) with one loud click.
    burst = (np.sin(2 * np.pi * 4 * t) > 0).astype(float)
    quiet = 0.03 * np.sin(2 * np.pi * 200 * t) * burst
    quiet[rate] = 0.9
    pcm = (quiet * 32767).astype("<i2").tobytes()
    out, level = audio_loudness.normalise(pcm, rate)
    samples = np.frombuffer(out, dtype="<i2") / 32768.0
    assert abs(level - audio_loudness.TARGET_LUFS) < 0.25
    assert np.abs(samples).max() <= 10 ** (audio_loudness.CEILING_DBFS / 20) + 1e-4
    assert audio_loudness.normalise(bytes(2 * rate), rate)[0] == bytes(2 * rate)   # silence stays silence


def test_same_input_same_bytes_whatever_was_spoken_before(project, built):
    """eSpeak keeps state between utterances; a fresh synthesis process per narration hides it."""
    get_writer("mp3").write(*localized(project, "fr"))
    assert get_writer("mp3").write(*localized(project, "en")) == built["en"]


@needs_espeak_cli
def test_first_utterance_is_exactly_what_espeak_ng_says(tmp_path):
    """Nothing lost or added by pyttsx3 and the child process: same samples as the espeak-ng command."""
    text = "Call 9 1 1 if you cannot breathe."
    spoken = audio_synth.render([text], "gmw/en-US", 140)[0]
    wav_path = tmp_path / "cli.wav"
    subprocess.run([ESPEAK, "-v", "gmw/en-US", "-s", "140", "-w", str(wav_path), text], check=True)
    with wave.open(str(wav_path)) as wav:
        assert spoken == wav.readframes(wav.getnframes())


# --- phone numbers ---------------------------------------------------------------------------------

def test_spoken_phone_digit_by_digit():
    assert audio.spoken_phone("911") == "9 1 1"
    assert audio.spoken_phone("1-800-555-0199") == "1, 8 0 0, 5 5 5, 0 1 9 9"
    assert audio.spoken_phone("۹۱۱") == "۹ ۱ ۱"


@needs_espeak_cli
def test_espeak_says_nine_one_one_not_nine_hundred_eleven():
    assert "h'VndrI2d" in phonemes("gmw/en-US", "911")    # the trap
    assert phoneme_words("gmw/en-US", audio.spoken_phone("911")) == ["n'aIn", "w'Vn", "w'Vn"]


@needs_espeak_cli
@pytest.mark.parametrize("code", VOICED)
def test_spaced_number_is_three_digit_words_in_every_voice(code):
    voice = LANGUAGES[code].voice
    # Tone digits dropped: Mandarin 9 before 1 is sandhi 21 rather than citation 214, the same word.
    toneless = lambda words: [re.sub(r"[0-9]", "", word) for word in words]  # noqa: E731
    digits = [word for digit in "911" for word in toneless(phoneme_words(voice, digit))]
    assert toneless(phoneme_words(voice, audio.spoken_phone("911"))) == digits
    assert toneless(phoneme_words(voice, "911")) != digits


@pytest.mark.parametrize("code", ["en", "fr", "ar", "pa"])
def test_script_has_spaced_numbers_only(project, code):
    script = audio.narration_script(*localized(project, code))
    assert any("9 1 1" in line for line in script) and any("8 1 1" in line for line in script)
    assert not any(re.search(r"911|811", line) for line in script)


def test_english_tier_chapters_say_label_and_intro(project, built):
    tags = ID3(io.BytesIO(built["en"]))
    chapters = {frame.element_id: frame for frame in tags.getall("CHAP")}
    (tiers,) = [t for t in tags.getall("CTOC") if t.element_id == "warnings"]
    assert [chapters[e].sub_frames["TIT2"].text[0] for e in tiers.child_element_ids] == [
        "Emergency: Call 911 if:", "Urgent: Call your doctor now if:",
        "Watch closely: Watch for changes and call your doctor if:"]


@needs_espeak_cli
def test_mandarin_says_yao_for_one_in_phone_numbers(project):
    handout, ctx = localized(project, "zh_Hans")
    script = audio.narration_script(handout, ctx)
    assert any("9 幺 幺" in line for line in script) and any("8 幺 幺" in line for line in script)
    assert not any(re.search(r"[0-9] ?1|911|811", line) for line in script)
    voice = ctx.language.voice
    said = phoneme_words(voice, audio.spoken_phone("911", ctx.language))
    assert said[1:] == ["j'Au55", "j'Au55"], said          # yāo, not yī (j'i55)
    assert phoneme_words(voice, "1") == ["j'i55"]         # counting 1 is yī: the trap
    # Cantonese (zh_Hant, sit/yue) keeps its own 1; Mandarin's yāo is not Cantonese usage.
    assert audio.spoken_phone("911", get_language("zh_Hant")) == "9 1 1"


def _french(before: str) -> "audio.Text":
    from handout_pipeline.model import Span
    return (Span(before), Span("1800", fact="nurse_line"), Span(" pour des conseils."))


@needs_espeak_cli
@pytest.mark.parametrize("before", ["Appelez les ", "Vous avez ", "Appelez aux ", "Composez le "])
def test_no_french_liaison_into_a_phone_number(before):
    """eSpeak NG links "des 1" as "dez un" (z2 before W~); a phone number must start on its own."""
    trap = phonemes("roa/fr", before + "1 8 0 0")
    if before.strip().endswith("le"):
        assert "2 'W~" not in trap
    else:
        assert re.search(r"[ztnp]2 'W~", trap), trap      # the trap is real for these words
    said = phonemes("roa/fr", audio.spoken_text(_french(before), get_language("fr")))
    assert not re.search(r"[ztnp]2\s*'W~", said), said
    assert re.search(r"'W~ _\|y'i zer'o zer'o", said), said   # still "un huit zéro zéro"


def test_french_break_only_after_a_linking_word():
    fr = get_language("fr")
    assert audio.spoken_text(_french("Composez le "), fr) == "Composez le 1 8 0 0 pour des conseils."
    assert audio.spoken_text(_french("Vous avez "), fr) == "Vous avez, 1 8 0 0 pour des conseils."
    assert audio.spoken_text(_french("Vous avez "), get_language("en")) == "Vous avez 1 8 0 0 pour des conseils."


# --- voices ----------------------------------------------------------------------------------------

@needs_espeak_cli
@pytest.mark.parametrize("code", VOICED)
def test_voice_reads_its_language_without_switching_to_english(code):
    voice = LANGUAGES[code].voice
    out = phonemes(voice, SAMPLES[code])
    assert "(" not in out, f"{voice} switched language: {out}"
    assert audio_synth.voice_file(voice) is not None


@needs_espeak_cli
@pytest.mark.parametrize("voice, code", [("sit/cmn", "zh_Hans"), ("sit/cmn", "zh_Hant")])
def test_sit_cmn_reads_chinese_with_english_phonemes(voice, code):
    """Why languages.py uses sit/cmn-Latn-pinyin: sit/cmn spells the pinyin out in English."""
    assert "(en)" in phonemes(voice, SAMPLES[code])


@needs_espeak_cli
@pytest.mark.xfail(strict=True, reason="eSpeak NG 1.51's French dictionary reads 'dos' (back) as English")
def test_french_dos_is_french():
    assert "(en)" not in phonemes("roa/fr", "Vous avez mal au dos.")


def test_wrong_voice_for_the_script_is_refused(project):
    handout, ctx = localized(project, "zh_Hans")
    english_pinyin = dataclasses.replace(ctx, language=dataclasses.replace(ctx.language, voice="sit/cmn"))
    with pytest.raises(WriterUnavailable, match="'en' phonemes"):
        get_writer("mp3").write(handout, english_pinyin)


def test_language_without_voice_is_unavailable(project):
    handout, ctx = localized(project, "tl")
    with pytest.raises(WriterUnavailable, match="no eSpeak NG voice for Tagalog") as caught:
        get_writer("mp3").write(handout, ctx)
    assert caught.value.hint


def test_inputs_name_the_code_and_the_voice_data(project):
    _, ctx = localized(project, "fr")
    names = {path.name for path in audio.inputs(ctx)}
    assert {"audio.py", "audio_synth.py"} <= names
    if audio_synth.data_dir() is not None:
        assert {"fr", "fr_dict", "phontab", "phondata"} <= names
    assert all(path.is_file() for path in audio.inputs(ctx))


# --- pyttsx3 pitfalls ------------------------------------------------------------------------------

def test_bad_voice_id_raises_instead_of_keeping_the_old_voice():
    with pytest.raises(audio_synth.VoiceUnavailable, match="gmw/en-XX"):
        audio_synth.render(["Hello."], "gmw/en-XX", 140)


def test_text_that_says_nothing_raises():
    with pytest.raises(audio_synth.SynthesisError, match="silence"):
        audio_synth.render(["Hello.", " "], "gmw/en-US", 140)


class FakeVoice:
    def __init__(self, voice_id: str) -> None:
        self.id = voice_id


class FakeEngine:
    """Behaves like pyttsx3's Engine with eSpeak (queues until the first runAndWait, then applies at
    once; calls back from another thread), with one fault switched on at a time."""

    def __init__(self, *, ignore_voice=False, ignore_rate=False, empty_wav=False, error=False,
                 never_finish=False, cancelled=False) -> None:
        self.faults = dict(ignore_voice=ignore_voice, ignore_rate=ignore_rate, empty_wav=empty_wav,
                           error=error, never_finish=never_finish, cancelled=cancelled)
        self.callbacks: dict[str, list] = {}
        self.queue: list = []
        self.busy = True
        self.pending: tuple[str, str] | None = None
        self.props = {"voice": "gmw/en", "rate": 200}

    def connect(self, topic, cb):
        self.callbacks.setdefault(topic, []).append(cb)
        return {"topic": topic, "cb": cb}

    def getProperty(self, name):
        if name == "voices":
            return [FakeVoice("gmw/en"), FakeVoice("gmw/en-us")]
        return self.props[name]

    def setProperty(self, name, value):
        self._push(("set", name, value))

    def save_to_file(self, text, filename, name=None):
        self._push(("save", text, filename))

    def _push(self, op):
        self.queue.append(op)
        if not self.busy:
            self._pump()

    def _pump(self):
        for op, *args in self.queue:
            if op == "set" and not self.faults.get(f"ignore_{args[0]}"):
                self.props[args[0]] = args[1]
            elif op == "save":
                self.pending = tuple(args)
        self.queue = []

    def runAndWait(self):
        self._pump()
        if self.pending:
            self._save(*self.pending)
            self.pending = None
        self.busy = False

    def _save(self, text, filename):
        frames = b"" if self.faults["empty_wav"] else b"\x00\x10" * 2205
        with wave.open(filename, "wb") as wav:
            wav.setnchannels(1)
            wav.setsampwidth(2)
            wav.setframerate(22050)
            wav.writeframes(frames)
        if self.faults["error"]:
            for cb in self.callbacks.get("error", []):
                cb(name=None, exception=RuntimeError("synth failed"))
        if not self.faults["never_finish"]:
            # eSpeak calls back from its own thread; pyttsx3's stray stop reports a cancel after it.
            outcomes = [True, False] if self.faults["cancelled"] else [True]
            thread = threading.Thread(target=lambda: [cb(name=None, completed=done) for done in outcomes
                                                      for cb in self.callbacks["finished-utterance"]])
            thread.start()
            thread.join()


def test_fake_engine_without_faults_gives_one_file_per_segment(tmp_path):
    paths = audio_synth.synthesise(["One.", "Two."], "gmw/en-US", 140, tmp_path, FakeEngine())
    assert [p.name for p in paths] == ["seg-0000.wav", "seg-0001.wav"] and all(p.is_file() for p in paths)


@pytest.mark.parametrize("fault, message", [
    ("ignore_voice", "voice 'gmw/en-US' did not take effect"),
    ("ignore_rate", "rate 140 did not take effect"),
    ("empty_wav", "zero-length"),
    ("cancelled", "did not finish"),
    ("error", "synth failed"),
    ("never_finish", "did not finish"),
])
def test_engine_faults_raise(tmp_path, monkeypatch, fault, message):
    monkeypatch.setattr(audio_synth, "UTTERANCE_TIMEOUT", 0)
    with pytest.raises(audio_synth.SynthesisError, match=message):
        audio_synth.synthesise(["One."], "gmw/en-US", 140, tmp_path, FakeEngine(**{fault: True}))


# --- measures --------------------------------------------------------------------------------------

def test_word_count_per_script():
    assert audio.word_count("Call 9 1 1 if:", "en") == 5
    assert audio.word_count("اتصل بطبيبك الآن إذا:", "ar") == 4
    assert audio.word_count("您无法呼吸。", "zh_Hans") == round(5 / 1.2)
    assert audio.word_count("拨打 9 1 1", "zh_Hans") == 3 + round(2 / 1.2)
    assert audio.word_count("의사에게 전화하세요", "ko") == round(9 / 1.5)


def test_duration_range_scales_with_words_and_rate():
    low, high = audio.expected_duration_range(140, 140)
    assert low < 60 < high
    assert audio.expected_duration_range(280, 140)[0] == 2 * low
    assert audio.expected_duration_range(140, 70)[0] == 2 * low
    assert audio.expected_duration_range(280, 140)[1] > high
