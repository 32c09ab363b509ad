"""Speech engines per language: pyttsx3 with the system's eSpeak NG (the default), pyttsx3 with PyPI
espeakng-loader's eSpeak NG 1.52, Festival with an HTS voice. A configured engine that is not installed falls
back to the system eSpeak NG, and the MP3 says so (TXXX:engine fallback), so the check reports it."""

from __future__ import annotations

import functools
from dataclasses import dataclass
from pathlib import Path

from handout_pipeline.languages import ENGINES as ENGINE_NAMES, Language
from handout_pipeline.writers import audio_festival, audio_synth

# pyttsx3 driving the system's libespeak-ng (Debian espeak-ng, 1.51 here); pyttsx3 driving the libespeak-ng 1.52
# that PyPI espeakng-loader ships; Festival with an HTS voice (Debian festival, festvox-us-slt-hts).
ESPEAK, ESPEAK_PYPI, FESTIVAL = ENGINE_NAMES
FESTIVAL_VOICE = "cmu_us_slt_arctic_hts"   # US English, Debian main festvox-us-slt-hts
ENGINES = {ESPEAK: "pyttsx3 + eSpeak NG (system library)",
           ESPEAK_PYPI: "pyttsx3 + eSpeak NG from PyPI espeakng-loader",
           FESTIVAL: "Festival (HTS voice)"}


@dataclass(frozen=True, slots=True)
class Choice:
    """The engine and voice that speak a narration, and why it is not the configured one (if it is not)."""

    engine: str
    voice: str
    fallback: str | None = None     # why the configured engine is not used

    def describe(self) -> str:
        """For the MP3's TXXX:engine tag and the check: engine, voice, versions ("espeak-ng gmw/en-US (eSpeak NG
        1.51, pyttsx3 2.99)")."""
        return f"{self.engine} {self.voice} ({_versions(self.engine)})"


def _loader() -> tuple[str, str] | None:
    """(library, data folder) of PyPI espeakng-loader, if installed."""
    try:
        import espeakng_loader
    except ImportError:
        return None
    library, data = espeakng_loader.get_library_path(), espeakng_loader.get_data_path()
    return (library, data) if Path(library).is_file() and Path(data).is_dir() else None


@functools.cache
def _versions(engine: str) -> str:
    import re
    import shutil
    import subprocess
    from importlib import metadata

    def package(name: str) -> str:
        try:
            return f"{name} {metadata.version(name)}"
        except metadata.PackageNotFoundError:
            return f"{name} ?"

    def program(*command: str) -> str:
        if shutil.which(command[0]) is None:
            return "?"
        out = subprocess.run(command, capture_output=True, text=True, check=False).stdout
        found = re.search(r"\d+\.\d+(\.\d+)?", out)
        return found.group(0) if found else "?"

    if engine == FESTIVAL:
        return f"Festival {program('festival', '--version')}"
    if engine == ESPEAK_PYPI:
        return f"eSpeak NG from {package('espeakng-loader')}, {package('pyttsx3')}"
    return f"eSpeak NG {program('espeak-ng', '--version')}, {package('pyttsx3')}"


def choose(language: Language) -> Choice | None:
    """The engine that will speak `language`: the configured one if installed, else the system eSpeak NG (with the
    reason); None when there is no voice at all."""
    engine = language.engine
    if engine == FESTIVAL:
        voice = language.engine_voice or FESTIVAL_VOICE
        missing = audio_festival.available(voice)
        if missing is None:
            return Choice(FESTIVAL, voice)
        return Choice(ESPEAK, language.voice, missing) if language.voice else None
    if not language.voice:
        return None
    if engine == ESPEAK_PYPI:
        if _loader() is not None:
            return Choice(ESPEAK_PYPI, language.voice)
        return Choice(ESPEAK, language.voice, "PyPI package espeakng-loader is not installed "
                                              "(pip install 'espeakng-loader>=0.2.4,<0.3')")
    return Choice(ESPEAK, language.voice)


def render(choice: Choice, segments: list[str], rate: int) -> list[bytes]:
    """16-bit mono PCM at audio_synth.SAMPLE_RATE of each segment."""
    if choice.engine == FESTIVAL:
        return audio_festival.render(segments, choice.voice, rate, audio_synth.SAMPLE_RATE)
    library = _loader() if choice.engine == ESPEAK_PYPI else None
    return audio_synth.render(segments, choice.voice, rate, library=library)


def data_files(choice: Choice | None) -> list[Path]:
    """The files that decide how the chosen engine sounds: the cache key of the MP3 includes them."""
    if choice is None:
        return []
    if choice.engine == FESTIVAL:
        return audio_festival.data_files(choice.voice)
    if choice.engine == ESPEAK_PYPI:
        library, data = _loader() or ("", "")
        return [Path(library), *audio_synth.voice_data_files(choice.voice, data)]
    return audio_synth.voice_data_files(choice.voice)
