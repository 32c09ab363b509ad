"""Speech for the MP3 writer: pyttsx3 driving eSpeak NG, in a fresh child process per narration."""

# Why a child process: eSpeak NG keeps synthesis state between utterances (the pitch-flutter
# index, gain control and cycle counter are statics in wavegen.c, with no reset call), so the same
# text comes out slightly different after other text was spoken. A fresh process per narration
# makes the samples depend on the narration alone. It also keeps libespeak-ng and its thread out
# of the build's worker processes, where a fork would inherit a half-initialised engine.
#
# pyttsx3 2.99's eSpeak driver runs eSpeak asynchronously (AUDIO_OUTPUT_RETRIEVAL), and three of
# its habits need care (found here by stress runs, read in pyttsx3/drivers/espeak.py and eSpeak's
# speech.c): a rate change is a command queued on eSpeak's thread; the start of every runAndWait
# "stops the current utterance" when eSpeak still looks busy, which cancels the NEXT utterance
# (finished-utterance with completed=False, or no file); and its getProperty('rate') calls
# espeak_GetParameter without its second argument, so it reads garbage. Hence: apply the voice in
# one runAndWait, set the rate outside any loop, wait until eSpeak is idle before each utterance,
# and read the rate back through a correct binding (EspeakNative).
#
# Run as `python -m handout_pipeline.writers.audio_synth WORKDIR`: reads WORKDIR/request.json
# ({"voice", "rate", "segments"}), writes WORKDIR/seg-NNNN.wav, exits 0; on failure writes the
# reason to stderr and exits EXIT_FAILED, or EXIT_UNAVAILABLE when no usable voice or library.

from __future__ import annotations

import contextlib
import io
import json
import os
import re
import subprocess
import sys
import tempfile
import threading
import wave
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

SAMPLE_RATE = 22050          # eSpeak NG always renders mono 16-bit 22050 Hz
EXIT_FAILED = 3
EXIT_UNAVAILABLE = 4
UTTERANCE_TIMEOUT = 60.0     # seconds; synthesis runs far faster than real time
MIN_PEAK = 512               # a segment whose loudest sample is quieter than this said nothing
FOREIGN_LIMIT = 0.5          # share of words read with another language's phonemes that means "wrong voice"

_PACKAGE_ROOT = Path(__file__).resolve().parents[2]
_SWITCH = re.compile(r"\(([a-z][a-z0-9-]*)\)")


class SynthesisError(RuntimeError):
    """eSpeak NG did not produce the narration (our bug or a broken installation, not the user's)."""


class VoiceUnavailable(SynthesisError):
    """No usable eSpeak NG voice or library for this narration."""


class Engine(Protocol):
    """The part of pyttsx3's Engine the narration uses."""

    def connect(self, topic: str, cb: Any) -> dict: ...
    def setProperty(self, name: str, value: Any) -> None: ...
    def getProperty(self, name: str) -> Any: ...
    def save_to_file(self, text: str, filename: str, name: str | None = None) -> None: ...
    def runAndWait(self) -> None: ...


class Native(Protocol):
    """Calls into libespeak-ng that pyttsx3 does not offer (or offers wrongly)."""

    def settle(self) -> None: ...
    def rate(self) -> int: ...
    def phonemes(self, text: str) -> str: ...


@dataclass
class _Events:
    """What the engine reported about the utterance in progress."""

    finished: threading.Event
    completed: list[bool] = field(default_factory=list)
    errors: list[BaseException] = field(default_factory=list)

    def reset(self) -> None:
        self.finished.clear()
        self.completed = []
        self.errors = []


def synthesise(segments: list[str], voice: str, rate: int, workdir: Path, engine: Engine,
               native: Native | None = None) -> list[Path]:
    """One WAV per segment, spoken by `voice` at `rate` words a minute; raises if any step fails."""
    events = _Events(threading.Event())
    engine.connect("finished-utterance", lambda name=None, completed=True, **_: _finish(events, completed))
    engine.connect("error", lambda name=None, exception=None, **_: events.errors.append(exception))
    _select_voice(engine, events, voice, rate, native)
    if native is not None:
        check_phonemes(native.phonemes("\n".join(segments)), voice, dictionary_name(voice))
    paths = []
    for index, text in enumerate(segments):
        path = workdir / f"seg-{index:04d}.wav"
        _speak(engine, events, text, path, native)
        paths.append(path)
    return paths


def _finish(events: _Events, completed: bool) -> None:
    events.completed.append(completed)
    events.finished.set()


def _select_voice(engine: Engine, events: _Events, voice: str, rate: int, native: Native | None) -> None:
    """Set voice and rate and prove they took effect: a bad voice id otherwise keeps the old voice."""
    known = {v.id.casefold() for v in engine.getProperty("voices")}
    if voice.casefold() not in known:
        raise VoiceUnavailable(f"eSpeak NG has no voice {voice!r}")
    if native is not None:
        native.settle()       # pyttsx3's own start-up rate and volume are still queued on eSpeak's thread
    events.reset()
    # Voice changes are queued until runAndWait; nothing is spoken, so this only applies the voice.
    engine.setProperty("voice", voice)
    with _quiet():
        engine.runAndWait()
    current = engine.getProperty("voice")
    if events.errors or str(current).casefold() != voice.casefold():
        raise VoiceUnavailable(f"eSpeak NG voice {voice!r} did not take effect (current voice {current!r}"
                               f"{', error: ' + str(events.errors[0]) if events.errors else ''})")
    # Outside runAndWait pyttsx3 applies a property at once; eSpeak queues a rate on its thread.
    engine.setProperty("rate", rate)
    if native is not None:
        native.settle()
    current_rate = native.rate() if native is not None else engine.getProperty("rate")
    if events.errors or current_rate != rate:
        raise SynthesisError(f"eSpeak NG rate {rate} did not take effect ({current_rate})")


def _speak(engine: Engine, events: _Events, text: str, path: Path, native: Native | None) -> None:
    """One utterance per runAndWait, then wait for its end: queued saves keep only the last file."""
    if native is not None:
        native.settle()       # else runAndWait may "stop" eSpeak's tail and cancel this utterance
    events.reset()
    with contextlib.suppress(FileNotFoundError):
        path.unlink()
    engine.save_to_file(text, str(path))
    with _quiet():
        engine.runAndWait()
        # runAndWait can return before eSpeak's thread has written the file.
        finished = events.finished.wait(UTTERANCE_TIMEOUT)
    if native is not None:
        native.settle()       # a late second "finished" (a cancel) would arrive before this returns
    if events.errors:
        raise SynthesisError(f"eSpeak NG failed on {text!r}: {events.errors[0]}")
    if not finished or events.completed != [True]:
        raise SynthesisError(f"eSpeak NG did not finish {text!r} (events: {events.completed})")
    check_wav(path, text)


def check_wav(path: Path, text: str, audible: bool = True) -> None:
    """Fail on a missing, empty, wrongly formatted or (when `audible`) silent utterance."""
    try:
        with wave.open(str(path), "rb") as wav:
            params = wav.getparams()
            frames = wav.readframes(params.nframes)
    except (OSError, EOFError, wave.Error) as exc:
        raise SynthesisError(f"no audio for {text!r}: {exc}") from None
    if params.nframes == 0:
        raise SynthesisError(f"eSpeak NG produced a zero-length WAV for {text!r}")
    if (params.nchannels, params.sampwidth, params.framerate) != (1, 2, SAMPLE_RATE):
        raise SynthesisError(f"unexpected WAV format {params[:3]} for {text!r}")
    if not audible:
        return
    import numpy as np   # a narration's WAVs hold millions of samples: scanned in C, not one by one in Python

    if int(np.abs(np.frombuffer(frames, dtype="<i2").astype(np.int32)).max()) < MIN_PEAK:
        raise SynthesisError(f"eSpeak NG produced silence for {text!r}")


@contextlib.contextmanager
def _quiet():
    """pyttsx3's eSpeak driver prints "Audio saved to …" on stdout; keep it out of our output."""
    with contextlib.redirect_stdout(io.StringIO()):
        yield


# --- is this the voice of this text? --------------------------------------------------------------

def dictionary_name(voice: str, data: str | None = None) -> str:
    """The eSpeak NG dictionary a voice uses; phoneme output names it when switching back."""
    path = voice_file(voice, data)
    if path is not None:
        lines = [line.split("//")[0].split() for line in path.read_text(encoding="latin-1").splitlines()]
        for words in lines:
            if len(words) >= 2 and words[0] == "dictionary":
                return words[1]
        for words in lines:
            if len(words) >= 2 and words[0] == "language":
                return words[1].split("-")[0]
    return voice.rsplit("/", 1)[-1].split("-")[0].lower()


def foreign_share(phonemes: str, own: str) -> tuple[float, str | None]:
    """Share of words eSpeak read with another language's rules ("(en)…" runs), and that language."""
    total = foreign = 0
    other: dict[str, int] = {}
    for clause in phonemes.splitlines():
        current = own
        # re.split with one group alternates: text, language, text, language, ...
        for i, part in enumerate(_SWITCH.split(clause)):
            if i % 2 == 1:
                current = part
                continue
            words = len(part.replace("_|", " ").split())
            total += words
            if current != own:
                foreign += words
                other[current] = other.get(current, 0) + words
    if total == 0:
        return 0.0, None
    return foreign / total, max(other, key=other.get) if other else None


def check_phonemes(phonemes: str, voice: str, own: str) -> None:
    """Refuse a voice that reads most of the text with another language's phonemes."""
    share, other = foreign_share(phonemes, own)
    if share > FOREIGN_LIMIT:
        raise VoiceUnavailable(f"eSpeak NG voice {voice!r} reads {share:.0%} of this text with "
                               f"'{other}' phonemes, not as '{own}'")


class EspeakNative:
    """The libespeak-ng that pyttsx3 loaded, called with correct signatures."""

    def __init__(self) -> None:
        import ctypes

        from pyttsx3.drivers import _espeak

        self._ctypes = ctypes
        self._espeak = _espeak
        self._dll = _espeak.dll
        self._dll.espeak_GetParameter.restype = ctypes.c_int
        self._dll.espeak_GetParameter.argtypes = [ctypes.c_int, ctypes.c_int]
        self._dll.espeak_TextToPhonemes.restype = ctypes.c_char_p
        self._dll.espeak_TextToPhonemes.argtypes = [ctypes.POINTER(ctypes.c_void_p), ctypes.c_int,
                                                    ctypes.c_int]

    def settle(self) -> None:
        """Return once eSpeak's thread has no command left (espeak_Synchronize)."""
        self._espeak.Synchronize()

    def rate(self) -> int:
        """The current (not default) speaking rate: espeak_GetParameter(espeakRATE, 1)."""
        return self._dll.espeak_GetParameter(self._espeak.RATE, 1)

    def phonemes(self, text: str) -> str:
        """Phonemes of `text` in the current voice, a clause a line, as `espeak-ng -q -x` prints them."""
        ctypes = self._ctypes
        buffer = ctypes.create_string_buffer(text.encode("utf-8"))
        pointer = ctypes.c_void_p(ctypes.addressof(buffer))
        clauses = []
        while pointer.value:
            out = self._dll.espeak_TextToPhonemes(ctypes.byref(pointer), 1, 0)   # UTF-8 in, ASCII names out
            clauses.append(out.decode("utf-8", "replace") if out else "")
        return "\n".join(clauses)


# --- eSpeak NG data files ---------------------------------------------------------------------------

def data_dir(override: str | None = None) -> Path | None:
    """The installed espeak-ng-data folder, if any (`override`: another library's data folder)."""
    candidates = [override or "", os.environ.get("ESPEAK_DATA_PATH", "")]
    candidates += sorted(str(p) for p in Path("/usr/lib").glob("*/espeak-ng-data"))
    candidates += ["/usr/share/espeak-ng-data", "/usr/local/share/espeak-ng-data", "/usr/lib/espeak-ng-data"]
    for candidate in candidates:
        if candidate and (Path(candidate) / "phontab").is_file():
            return Path(candidate)
        if candidate and (Path(candidate) / "espeak-ng-data" / "phontab").is_file():
            return Path(candidate) / "espeak-ng-data"
    return None


def voice_file(voice: str, data: str | None = None) -> Path | None:
    """The voice definition file of a full voice id such as sit/cmn-Latn-pinyin."""
    root = data_dir(data)
    if root is None:
        return None
    path = root / "lang" / voice
    if path.is_file():
        return path
    wanted = voice.casefold()
    for candidate in sorted((root / "lang").rglob("*")):
        if candidate.is_file() and candidate.relative_to(root / "lang").as_posix().casefold() == wanted:
            return candidate
    return None


def voice_data_files(voice: str, data: str | None = None) -> list[Path]:
    """The data files that decide how a voice sounds: voice file, dictionary, phoneme tables."""
    root = data_dir(data)
    if root is None:
        return []
    files = [voice_file(voice, data), root / f"{dictionary_name(voice, data)}_dict"]
    files += [root / name for name in ("phontab", "phonindex", "phondata", "intonations")]
    return [path for path in files if path is not None and path.is_file()]


# --- parent side ------------------------------------------------------------------------------------

def render(segments: list[str], voice: str, rate: int, timeout: float = 600.0,
           library: tuple[str, str] | None = None) -> list[bytes]:
    """16-bit mono PCM of each segment, spoken in a fresh child process; `library` (shared library, data folder)
    speaks with another libespeak-ng than the system's (e.g. PyPI espeakng-loader's 1.52)."""
    with tempfile.TemporaryDirectory(prefix="handout-speech-") as tmp:
        workdir = Path(tmp)
        request = {"voice": voice, "rate": rate, "segments": segments, "library": library[0] if library else None}
        (workdir / "request.json").write_text(json.dumps(request, ensure_ascii=False), encoding="utf-8")
        env = dict(os.environ)
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(_PACKAGE_ROOT), env.get("PYTHONPATH")]))
        if library:
            env["ESPEAK_DATA_PATH"] = library[1]
        else:
            env.pop("ESPEAK_DATA_PATH", None)
        try:
            done = subprocess.run([sys.executable, "-m", __name__, str(workdir)], env=env,
                                  capture_output=True, timeout=timeout, check=False)
        except subprocess.TimeoutExpired:
            raise SynthesisError(f"speech synthesis took longer than {timeout:.0f} s") from None
        reason = done.stderr.decode("utf-8", "replace").strip().splitlines()
        if done.returncode == EXIT_UNAVAILABLE:
            raise VoiceUnavailable(reason[-1] if reason else "no eSpeak NG voice")
        if done.returncode != 0:
            raise SynthesisError(reason[-1] if reason else f"speech synthesis exited with {done.returncode}")
        pcm = []
        for index, text in enumerate(segments):
            path = workdir / f"seg-{index:04d}.wav"
            check_wav(path, text, audible=False)   # the child checked the sound itself
            with wave.open(str(path), "rb") as wav:
                pcm.append(wav.readframes(wav.getnframes()))
        return pcm


def main(argv: list[str]) -> int:
    """Child entry point: synthesise the request in WORKDIR."""
    workdir = Path(argv[0])
    request = json.loads((workdir / "request.json").read_text(encoding="utf-8"))
    try:
        try:
            if request.get("library"):
                # Loaded first under its soname (libespeak-ng.so.1), so pyttsx3's own load finds this one.
                import ctypes
                ctypes.CDLL(request["library"], mode=ctypes.RTLD_GLOBAL)
            import pyttsx3
            engine = pyttsx3.init("espeak")
        except (ImportError, OSError, RuntimeError) as exc:
            raise VoiceUnavailable(f"eSpeak NG cannot be loaded ({exc})") from None
        synthesise(request["segments"], request["voice"], int(request["rate"]), workdir, engine,
                   EspeakNative())
    except VoiceUnavailable as exc:
        sys.stderr.write(" ".join(str(exc).split()) + "\n")
        return EXIT_UNAVAILABLE
    except SynthesisError as exc:
        sys.stderr.write(" ".join(str(exc).split()) + "\n")
        return EXIT_FAILED
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
