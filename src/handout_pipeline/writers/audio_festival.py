"""Speech by Festival (Debian `festival`) with an HTS voice (`festvox-us-slt-hts`): one `festival -b` run per
narration, one WAV per segment, resampled to the narration's rate by miniaudio."""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path

from handout_pipeline.writers.audio_synth import SynthesisError, VoiceUnavailable, check_wav

VOICE_ROOTS = (Path("/usr/share/festival/voices"), Path("/usr/local/share/festival/voices"))
NATURAL_WPM = 180       # cmu_us_slt_arctic_hts at hts_engine speed 1.0, measured here on 27 words: 182


def voice_dir(voice: str) -> Path | None:
    """The folder of an installed Festival voice (e.g. cmu_us_slt_arctic_hts), if any."""
    for root in VOICE_ROOTS:
        for candidate in sorted(root.glob(f"*/{voice}")):
            if candidate.is_dir():
                return candidate
    return None


def available(voice: str) -> str | None:
    """None when Festival and the voice are installed, else what is missing (naming the Debian packages)."""
    if shutil.which("festival") is None:
        return "Festival is not installed (Debian: apt-get install festival festvox-us-slt-hts)"
    if voice_dir(voice) is None:
        package = "festvox-us-slt-hts" if voice == "cmu_us_slt_arctic_hts" else "the festvox package of that voice"
        return f"the Festival voice {voice} is not installed (Debian: apt-get install {package})"
    return None


def data_files(voice: str) -> list[Path]:
    """What decides how the voice sounds: its folder's files and the festival program."""
    folder = voice_dir(voice)
    files = sorted(p for p in folder.rglob("*") if p.is_file()) if folder else []
    program = shutil.which("festival")
    return files + ([Path(program).resolve()] if program else [])


def _scheme_string(text: str) -> str:
    """A Scheme (SIOD) string literal: only backslash and double quote are special; controls become spaces."""
    clean = "".join(" " if ord(ch) < 32 or ord(ch) == 127 else ch for ch in text)
    return '"' + clean.replace("\\", "\\\\").replace('"', '\\"') + '"'


def render(segments: list[str], voice: str, rate: int, sample_rate: int, timeout: float = 600.0) -> list[bytes]:
    """16-bit mono PCM at `sample_rate` of each segment, spoken by Festival's `voice` at about `rate` words a minute."""
    import miniaudio

    missing = available(voice)
    if missing:
        raise VoiceUnavailable(missing)
    if not voice.replace("_", "").isalnum():
        raise VoiceUnavailable(f"not a Festival voice name: {voice!r}")
    speed = rate / NATURAL_WPM
    with tempfile.TemporaryDirectory(prefix="handout-festival-") as tmp:
        workdir = Path(tmp)
        lines = [f"(voice_{voice})",
                 f'(set! hts_engine_params (append hts_engine_params (list (list "-r" {speed:.3f}))))']
        paths = []
        for index, text in enumerate(segments):
            path = workdir / f"seg-{index:04d}.wav"
            paths.append(path)
            lines.append(f"(utt.save.wave (utt.synth (Utterance Text {_scheme_string(text)})) "
                         f"{_scheme_string(str(path))} 'riff)")
        script = workdir / "narration.scm"
        script.write_text("\n".join(lines) + "\n", encoding="utf-8")
        try:
            done = subprocess.run(["festival", "-b", str(script)], capture_output=True, timeout=timeout, check=False)
        except subprocess.TimeoutExpired:
            raise SynthesisError(f"Festival took longer than {timeout:.0f} s") from None
        if done.returncode != 0 or not all(p.is_file() for p in paths):
            reason = done.stderr.decode("utf-8", "replace").strip().splitlines()
            raise SynthesisError(f"Festival failed: {reason[-1] if reason else done.returncode}")
        pcm = []
        for path, text in zip(paths, segments, strict=True):
            decoded = miniaudio.decode_file(str(path), output_format=miniaudio.SampleFormat.SIGNED16, nchannels=1,
                                            sample_rate=sample_rate)
            out = workdir / f"{path.stem}-{sample_rate}.wav"
            _write_wav(out, decoded.samples.tobytes(), sample_rate)
            check_wav(out, text)
            pcm.append(decoded.samples.tobytes())
        return pcm


def _write_wav(path: Path, pcm: bytes, rate: int) -> None:
    import wave

    with wave.open(str(path), "wb") as wav:
        wav.setnchannels(1)
        wav.setsampwidth(2)
        wav.setframerate(rate)
        wav.writeframes(pcm)
