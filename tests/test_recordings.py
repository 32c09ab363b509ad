"""Human recordings: the script a voice talent reads, stamping, recordings used in the MP3 with chapters pointing
at them, a stale recording never played and failing the gate by name. Tagalog (no offline voice) gets its audio
this way; the fixture's "recordings" are made here with espeak-ng (a stand-in for a person)."""

from __future__ import annotations

import csv
import io
import json
import shutil
import subprocess
import wave
from pathlib import Path

import pytest
from mutagen.id3 import ID3

from helpers import check_json, copy_root, edit_catalog, run, set_string

ESPEAK = shutil.which("espeak-ng")
pytestmark = pytest.mark.skipif(ESPEAK is None, reason="espeak-ng command not installed")
FEVER = "warning-sign/fever"
TL_MP3 = Path("output/mini/tl/mini.tl.mp3")


def read_script(path: Path) -> list[dict]:
    raw = path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf"), "UTF-8 with BOM, for Excel"
    return list(csv.DictReader(io.StringIO(raw.decode("utf-8-sig"))))


def record(root: Path, rows: list[dict], voice: str = "roa/es", fmt: str = "wav") -> None:
    """Stand-in for the studio: one file per script row where its File column says (Spanish voice for Tagalog)."""
    for row in rows:
        target = root / row["File"]
        target.parent.mkdir(parents=True, exist_ok=True)
        wav = target.with_suffix(".wav")
        subprocess.run([ESPEAK, "-v", voice, "-s", "150", "-w", str(wav), row["Text"]], check=True)
        if fmt == "mp3":   # as a studio might deliver it: MP3 at 44.1 kHz (decoded and resampled by miniaudio)
            import array

            import lameenc

            with wave.open(str(wav)) as w:
                samples = array.array("h", w.readframes(w.getnframes()))
            doubled = array.array("h", (s for s in samples for _ in (0, 1)))   # 22050 -> 44100 Hz
            encoder = lameenc.Encoder()
            encoder.set_bit_rate(128)
            encoder.set_in_sample_rate(44100)
            encoder.set_channels(1)
            wav.with_suffix(".mp3").write_bytes(bytes(encoder.encode(doubled.tobytes()) + encoder.flush()))
            wav.unlink()


def wav_seconds(path: Path) -> float:
    with wave.open(str(path)) as w:
        return w.getnframes() / w.getframerate()


@pytest.fixture(scope="module")
def recorded(tmp_path_factory):
    """The mini fixture with every Tagalog message recorded and stamped, and its MP3 built."""
    root = copy_root(tmp_path_factory.mktemp("rec"))
    script = root / "tl.csv"
    result = run(root, "recordings", "script", "-l", "tl", "-o", str(script))
    assert result.exit_code == 0, result.output
    rows = read_script(script)
    record(root, rows)
    result = run(root, "recordings", "stamp", "-l", "tl")
    assert result.exit_code == 0 and f"stamped {len(rows)} recording(s)" in result.output, result.output
    result = run(root, "build", "-l", "tl", "-f", "mp3")
    assert result.exit_code == 0, result.output
    return root, rows


@pytest.fixture
def root(recorded, tmp_path):
    copy = tmp_path / "root"
    shutil.copytree(recorded[0], copy)
    return copy


def test_script_is_every_message_in_reading_order_with_safety_marked(recorded):
    root, rows = recorded
    assert list(rows[0]) == ["Order", "Message ID", "Tier", "Safety", "Text", "File", "Status"]
    ids = [row["Message ID"] for row in rows]
    assert ids[:3] == ["label/draft", "title", "heading/your-care"]    # tl is not reviewed: draft notice first
    assert ids.index("label/emergency") < ids.index("warning-intro/emergency-intro") < \
        ids.index("warning-sign/cannot-breathe") < ids.index("label/urgent") < ids.index(FEVER)
    fever = next(row for row in rows if row["Message ID"] == FEVER)
    assert (fever["Tier"], fever["Safety"], fever["File"]) == ("urgent", "SAFETY", f"recordings/tl/mini/{FEVER}.wav")
    assert next(r for r in rows if r["Message ID"] == "title")["Safety"] == ""
    intro = next(r for r in rows if r["Message ID"] == "warning-intro/emergency-intro")
    assert "9 1 1" in intro["Text"] and "911" not in intro["Text"]   # the talent reads the digits one by one
    assert [int(r["Order"]) for r in rows] == sorted(int(r["Order"]) for r in rows)
    assert {r["Status"] for r in rows} == {"to record"}


def test_stamp_is_a_sidecar_with_the_text_digest(recorded):
    root, rows = recorded
    from handout_pipeline.recordings import text_digest
    fever = next(row for row in rows if row["Message ID"] == FEVER)
    stamp = json.loads((root / fever["File"]).with_suffix(".json").read_text(encoding="utf-8"))
    assert stamp["message_id"] == FEVER and stamp["text"] == fever["Text"]
    assert stamp["text_sha256"] == text_digest(fever["Text"])


def test_tagalog_builds_from_recordings_and_chapters_point_at_them(recorded):
    root, rows = recorded
    tags = ID3(str(root / TL_MP3))
    played = dict(line.split("\t") for line in tags.getall("TXXX:recordings")[0].text[0].split("\n"))
    assert played == {row["Message ID"]: row["File"] for row in rows}
    assert tags.getall("USLT")[0].text.split("\n") == [row["Text"] for row in rows]
    chapters = {frame.element_id: frame for frame in tags.getall("CHAP")}
    (tiers,) = [t for t in tags.getall("CTOC") if t.element_id == "warnings"]
    urgent = chapters[tiers.child_element_ids[1]]
    files = urgent.sub_frames.getall("TXXX:recordings")[0].text[0].split("\n")
    expected = [row["File"] for row in rows if row["Tier"] == "urgent"]
    assert files == expected and f"recordings/tl/mini/{FEVER}.wav" in files
    # The chapter lasts as long as its recordings (plus the pauses between them), not as long as synthesis would.
    recorded_seconds = sum(wav_seconds(root / f) for f in files)
    length = (urgent.end_time - urgent.start_time) / 1000
    assert recorded_seconds < length < recorded_seconds + 0.35 * len(files) + 1.5


def test_status_page_says_the_narration_is_recorded_by_a_person(root, recorded):
    from handout_pipeline.site import media
    rows = recorded[1]
    assert media.voice(root / TL_MP3) == f"Recorded by a person ({len(rows)} of {len(rows)} messages)."
    assert run(root, "site").exit_code == 0
    page = (root / "output/site/mini/tl.html").read_text(encoding="utf-8")
    assert f"Recorded by a person ({len(rows)} of {len(rows)} messages). The words are those of" in page


def test_voice_line_from_crafted_tags(tmp_path):
    """No tags: no claim. An engine, partly recorded, fallen back: each said; a bare file is not an error."""
    from mutagen.id3 import ID3, TXXX, USLT

    from handout_pipeline.site import media
    bare = tmp_path / "bare.mp3"
    bare.write_bytes(b"")
    assert media.voice(bare) == "" and media.voice(tmp_path / "missing.mp3") == ""
    tagged = tmp_path / "tagged.mp3"
    tagged.write_bytes(b"")
    tags = ID3()
    tags.add(TXXX(encoding=3, desc="engine", text=["espeak-ng gmw/en-US (eSpeak NG 1.51)"]))
    tags.add(USLT(encoding=3, lang="eng", desc="narration", text="One.\nTwo.\nThree."))
    tags.add(TXXX(encoding=3, desc="recordings", text=["title\trecordings/en/x/title.wav"]))
    tags.add(TXXX(encoding=3, desc="engine fallback", text=["festival not used: Festival is not installed"]))
    tags.save(str(tagged))
    said = media.voice(tagged)
    assert said.startswith("Spoken by espeak-ng gmw/en-US (eSpeak NG 1.51). 1 of 3 messages recorded by a person.")
    assert "was not installed" in said


def audio_errors(root: Path, code: str) -> list[dict]:
    """The gate's errors about recordings and the MP3 (only the MP3 is built in these tests: the TXT, DOCX and
    PDF are reported missing, which is not what is tested here)."""
    _, report = check_json(root, "-l", code)
    return [f for f in report["findings"] if f["severity"] == "error" and
            (f["check"] == "recordings" or f.get("format") == "mp3")]


def test_recorded_tagalog_passes_the_gate(recorded, root):
    assert audio_errors(root, "tl") == []
    _, report = check_json(root, "-l", "tl")
    assert not any(f["check"] == "recordings" for f in report["findings"]), report["findings"]
    assert not any(f.get("format") == "mp3" and f["severity"] != "info" for f in report["findings"])


def test_stale_recording_of_a_safety_message_fails_the_gate_naming_it(root):
    edit_catalog(root, "tl", set_string(FEVER, "May lagnat kayo."))
    exit_code, report = check_json(root, "-l", "tl")
    assert exit_code == 1
    stale = [f for f in report["findings"] if f["check"] == "recordings" and f["severity"] == "error"]
    assert [f["message_id"] for f in stale] == [FEVER], report["findings"]
    assert stale[0]["path"] == f"recordings/tl/mini/{FEVER}.wav"
    assert "earlier text" in stale[0]["detail"] and "May lagnat kayo." in stale[0]["detail"]
    assert stale[0]["path"] == f"recordings/tl/mini/{FEVER}.wav"
    # Never silently played: with no Tagalog voice to fall back on, the MP3 is not built, naming the message.
    result = run(root, "build", "-l", "tl", "-f", "mp3")
    assert result.exit_code == 2                         # a problem of the input, named, as for a bad catalog
    assert FEVER in result.output and "recorded for an earlier text" in result.output
    # Recording it again and stamping makes it current.
    record(root, [{"File": f"recordings/tl/mini/{FEVER}.wav", "Text": "May lagnat kayo."}])
    assert run(root, "recordings", "stamp", "-l", "tl").exit_code == 0
    assert run(root, "build", "-l", "tl", "-f", "mp3").exit_code == 0
    assert audio_errors(root, "tl") == []


def test_stamp_leaves_a_stale_recording_stale_unless_confirmed(root):
    edit_catalog(root, "tl", set_string(FEVER, "May lagnat kayo."))
    result = run(root, "recordings", "stamp", "-l", "tl")
    assert "stamped 0 recording(s)" in result.output and FEVER in result.output
    assert [f["message_id"] for f in audio_errors(root, "tl") if f["check"] == "recordings"] == [FEVER]
    result = run(root, "recordings", "stamp", "-l", "tl", "--message", FEVER)   # a person confirms it
    assert "stamped 1 recording(s)" in result.output
    assert not [f for f in check_json(root, "-l", "tl")[1]["findings"] if f["check"] == "recordings"]


def test_replaced_audio_is_not_played_until_stamped(root):
    target = root / "recordings/tl/mini" / f"{FEVER}.wav"
    subprocess.run([ESPEAK, "-v", "roa/es", "-w", str(target), "Otra cosa."], check=True)
    exit_code, report = check_json(root, "-l", "tl", "--no-outputs")
    unstamped = [f for f in report["findings"] if f["check"] == "recordings"]
    assert [(f["message_id"], f["severity"]) for f in unstamped] == [(FEVER, "warning")]
    assert "not stamped" in unstamped[0]["detail"]


def test_a_recording_replaced_after_a_check_and_a_build_is_seen_by_both(root):
    """The check's findings and the build's outputs are cached by digest: a take replaced in place (same path)
    must change both keys, or the gate would pass a narration it never heard."""
    _, report = check_json(root, "-l", "tl", "--no-outputs")        # checked once: the entry is cached
    assert not [f for f in report["findings"] if f["check"] == "recordings"]
    assert "up to date" in run(root, "build", "-l", "tl", "-f", "mp3").output
    target = root / "recordings/tl/mini" / f"{FEVER}.wav"
    subprocess.run([ESPEAK, "-v", "roa/es", "-w", str(target), "Otra cosa."], check=True)
    _, report = check_json(root, "-l", "tl", "--no-outputs")
    assert [f["message_id"] for f in report["findings"] if f["check"] == "recordings"] == [FEVER]
    result = run(root, "build", "-l", "tl", "-f", "mp3")            # not "up to date": no voice to fall back on
    assert result.exit_code == 2 and FEVER in result.output, result.output


def test_orphan_recording_is_reported(root):
    extra = root / "recordings/tl/mini/warning-sign/removed-sign.wav"
    shutil.copy(root / "recordings/tl/mini" / f"{FEVER}.wav", extra)
    _, report = check_json(root, "-l", "tl", "--no-outputs")
    assert any(f["message_id"] == "warning-sign/removed-sign" and "no message" in f["detail"]
               for f in report["findings"] if f["check"] == "recordings")


def test_french_mixes_one_recording_with_synthesis_and_refuses_when_told(tmp_path):
    root = copy_root(tmp_path)
    script = root / "fr.csv"
    assert run(root, "recordings", "script", "-l", "fr", "-o", str(script)).exit_code == 0
    rows = [row for row in read_script(script) if row["Message ID"] == FEVER]
    record(root, rows, voice="roa/fr", fmt="mp3")
    assert run(root, "recordings", "stamp", "-l", "fr").exit_code == 0
    result = run(root, "build", "-l", "fr", "-f", "mp3")
    assert result.exit_code == 0, result.output
    tags = ID3(str(root / "output/mini/fr/mini.fr.mp3"))
    assert tags.getall("TXXX:recordings")[0].text == [f"{FEVER}\trecordings/fr/mini/{FEVER}.mp3"]
    from handout_pipeline.site import media
    lines = len(tags.getall("USLT")[0].text.split("\n"))
    assert media.voice(root / "output/mini/fr/mini.fr.mp3") == \
        f"Spoken by {tags.getall('TXXX:engine')[0].text[0]}. 1 of {lines} messages recorded by a person."
    assert audio_errors(root, "fr") == []
    # A second take added in the same process is played at the next build (the build's key is not stale).
    rows = [row for row in read_script(script) if row["Message ID"] == "title"]
    record(root, rows, voice="roa/fr")
    assert run(root, "recordings", "stamp", "-l", "fr").exit_code == 0
    assert run(root, "build", "-l", "fr", "-f", "mp3").exit_code == 0
    played = ID3(str(root / "output/mini/fr/mini.fr.mp3")).getall("TXXX:recordings")[0].text[0].split("\n")
    assert played == ["title\trecordings/fr/mini/title.wav", f"{FEVER}\trecordings/fr/mini/{FEVER}.mp3"]
    config = root / "handout.toml"
    config.write_text(config.read_text().replace("[audio]\n", "[audio]\nmix_recordings = false\n"))
    result = run(root, "build", "-l", "fr", "-f", "mp3")
    assert result.exit_code == 2 and "mix_recordings is false" in result.output, result.output


def test_unknown_message_to_stamp_is_one_clear_error(root):
    result = run(root, "recordings", "stamp", "-l", "tl", "--message", "warning-sign/nope")
    assert result.exit_code == 2
    assert "no message warning-sign/nope" in result.output and "recording script" in result.output
