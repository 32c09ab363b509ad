"""Speech engines per language: configured in handout.toml, chosen when installed, a reported fallback when not,
recorded in the MP3 (TXXX:engine, TSSE) and part of its cache key; eSpeak NG 1.52 (PyPI espeakng-loader) reads
Mandarin as Mandarin."""

from __future__ import annotations

import dataclasses
import io
import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from mutagen.id3 import ID3

from handout_pipeline.config import load_config
from handout_pipeline.errors import HandoutError
from handout_pipeline.languages import get_language
from handout_pipeline.writers import audio, audio_engines, audio_festival, get_writer
from helpers import check_json, copy_root, localized, mini_project, run

FESTIVAL_MISSING = audio_festival.available(audio_engines.FESTIVAL_VOICE)
needs_festival = pytest.mark.skipif(FESTIVAL_MISSING is not None, reason=FESTIVAL_MISSING or "")
LOADER = audio_engines._loader()
needs_loader = pytest.mark.skipif(LOADER is None, reason="PyPI espeakng-loader not installed")


def configured(tmp_path: Path, table: str) -> Path:
    root = copy_root(tmp_path)
    (root / "handout.toml").write_text((root / "handout.toml").read_text() + "\n" + table)
    return root


def test_engine_and_voice_per_language_from_handout_toml(tmp_path):
    root = configured(tmp_path, '[language.en]\nengine = "festival"\nengine_voice = "cmu_us_slt_arctic_hts"\n'
                                '[language.zh_Hans]\nengine = "espeakng-loader"\n')
    config = load_config(root)
    en, zh, fr = (config.language(code) for code in ("en", "zh_Hans", "fr"))
    assert (en.engine, en.engine_voice, en.voice) == ("festival", "cmu_us_slt_arctic_hts", "gmw/en-US")
    assert (zh.engine, zh.voice) == ("espeakng-loader", "sit/cmn-Latn-pinyin")
    assert fr.engine == "espeak-ng"          # the default driver: pyttsx3 with the system's eSpeak NG
    assert get_language("en").engine == "festival"   # chosen by the intelligibility benchmark (README)


def test_unknown_engine_is_one_clear_error(tmp_path):
    root = configured(tmp_path, '[language.fr]\nengine = "svox"\n')
    with pytest.raises(HandoutError, match=r"language\.fr\.engine' is not a speech engine \('svox'\).*"
                                           r"espeak-ng, espeakng-loader, festival"):
        load_config(root)
    result = run(root, "build", "-l", "fr", "-f", "txt")
    assert result.exit_code == 2 and "is not a speech engine" in result.output and "Traceback" not in result.output


def test_choice_per_language_and_fallback_naming_the_package(monkeypatch):
    en = dataclasses.replace(get_language("en"), engine="festival")
    zh = dataclasses.replace(get_language("zh_Hans"), engine="espeakng-loader")
    monkeypatch.setattr(audio_festival, "available", lambda voice: None)
    monkeypatch.setattr(audio_engines, "_loader", lambda: ("/x/libespeak-ng.so", "/x/espeak-ng-data"))
    assert audio_engines.choose(en) == audio_engines.Choice("festival", "cmu_us_slt_arctic_hts")
    assert audio_engines.choose(zh) == audio_engines.Choice("espeakng-loader", "sit/cmn-Latn-pinyin")
    assert audio_engines.choose(get_language("fr")) == audio_engines.Choice("espeak-ng", "roa/fr")
    assert audio_engines.choose(get_language("tl")) is None
    # Not installed: the system eSpeak NG speaks instead, and the reason names what to install.
    monkeypatch.setattr(audio_festival, "available", lambda voice: "Festival is not installed (Debian: apt-get "
                                                                   "install festival festvox-us-slt-hts)")
    monkeypatch.setattr(audio_engines, "_loader", lambda: None)
    fallback = audio_engines.choose(en)
    assert (fallback.engine, fallback.voice) == ("espeak-ng", "gmw/en-US")
    assert "apt-get install festival festvox-us-slt-hts" in fallback.fallback
    fallback = audio_engines.choose(zh)
    assert fallback.engine == "espeak-ng" and "pip install 'espeakng-loader" in fallback.fallback


def test_festival_missing_is_reported_by_its_debian_package(monkeypatch):
    monkeypatch.setattr(shutil, "which", lambda name: None)
    assert audio_festival.available("cmu_us_slt_arctic_hts") == \
        "Festival is not installed (Debian: apt-get install festival festvox-us-slt-hts)"


def test_cache_key_follows_the_engine(monkeypatch):
    project = mini_project()
    _, ctx = localized(project, "en")
    ctx = dataclasses.replace(ctx, language=dataclasses.replace(ctx.language, engine="espeak-ng"))
    espeak = {p.name for p in audio.inputs(ctx)}
    festival = dataclasses.replace(ctx, language=dataclasses.replace(ctx.language, engine="festival"))
    monkeypatch.setattr(audio_festival, "available", lambda voice: None)
    monkeypatch.setattr(audio_festival, "data_files", lambda voice: [Path(audio_festival.__file__)])
    assert {p.name for p in audio.inputs(festival)} != espeak
    assert "en_dict" in espeak


@needs_festival
def test_english_by_festival_is_tagged_and_passes_the_gate(tmp_path):
    root = configured(tmp_path, '[language.en]\nengine = "festival"\n')
    result = run(root, "build", "-l", "en", "-f", "mp3")
    assert result.exit_code == 0, result.output
    tags = ID3(str(root / "output/mini/en/mini.en.mp3"))
    assert tags.getall("TXXX:engine")[0].text[0].startswith("festival cmu_us_slt_arctic_hts (Festival 2.")
    assert tags.getall("TSSE")[0].text[0].startswith("festival cmu_us_slt_arctic_hts")
    assert not tags.getall("TXXX:engine fallback")
    _, report = check_json(root, "-l", "en")
    assert not [f for f in report["findings"] if f.get("format") == "mp3" and f["severity"] != "info"]
    # The engine is in the cache key: back to eSpeak NG, the MP3 is rebuilt (not "up to date").
    (root / "handout.toml").write_text((root / "handout.toml").read_text().replace('engine = "festival"',
                                                                                  'engine = "espeak-ng"'))
    result = run(root, "build", "-l", "en", "-f", "mp3")
    assert result.exit_code == 0, result.output
    assert ID3(str(root / "output/mini/en/mini.en.mp3")).getall("TXXX:engine")[0].text[0].startswith("espeak-ng")


def test_fallback_engine_is_a_warning_in_the_gate(tmp_path):
    root = configured(tmp_path, '[language.en]\nengine = "festival"\nengine_voice = "cmu_xx_not_installed"\n')
    result = run(root, "build", "-l", "en", "-f", "mp3")
    assert result.exit_code == 0, result.output
    tags = ID3(str(root / "output/mini/en/mini.en.mp3"))
    assert tags.getall("TXXX:engine")[0].text[0].startswith("espeak-ng gmw/en-US")
    _, report = check_json(root, "-l", "en")
    warned = [f for f in report["findings"] if f.get("format") == "mp3" and f["severity"] == "warning"]
    assert warned and "fallback engine" in warned[0]["detail"] and "cmu_xx_not_installed" in warned[0]["detail"]


CHILD = """
import ctypes, json, os, sys
library = sys.argv[1]
if library:
    os.environ["ESPEAK_DATA_PATH"] = sys.argv[2]
    ctypes.CDLL(library, mode=ctypes.RTLD_GLOBAL)
import pyttsx3
pyttsx3.init("espeak")
from pyttsx3.drivers import _espeak
from handout_pipeline.writers.audio_synth import EspeakNative
_espeak.SetVoiceByName(sys.argv[3].encode())
print(json.dumps(EspeakNative().phonemes(sys.argv[4])))
"""


def phonemes_with(library: tuple[str, str] | None, voice: str, text: str) -> str:
    src = str(Path(audio.__file__).resolve().parents[2])
    done = subprocess.run([sys.executable, "-c", CHILD, *(library or ("", "")), voice, text], capture_output=True,
                          text=True, check=True, env={"PYTHONPATH": src, "PATH": "/usr/bin:/bin"})
    return json.loads(done.stdout.strip().splitlines()[-1])


@needs_loader
def test_espeak_ng_1_52_reads_mandarin_as_mandarin():
    """1.51's sit/cmn spells Chinese in English; 1.52's does not, and reads 重新 (again) as chóngxīn, not zhòngxīn."""
    text = "请重新打电话给医生。"
    old = phonemes_with(None, "sit/cmn", text)
    new = phonemes_with(LOADER, "sit/cmn", text)
    assert "(en)" in old and "(en)" not in new
    assert "ts.hong35" in new.replace("_| ", "")            # chóng
    assert "ts.'ong51" in phonemes_with(None, "sit/cmn-Latn-pinyin", "重新")   # zhòng: 1.51's misreading
    # The voice the project configures works in both, so a fallback to 1.51 still speaks Mandarin.
    assert "(en)" not in phonemes_with(LOADER, "sit/cmn-Latn-pinyin", text)


@needs_loader
def test_mandarin_built_by_espeak_ng_1_52(tmp_path):
    project = mini_project()
    handout, ctx = localized(project, "zh_Hans")
    newer = dataclasses.replace(ctx, language=dataclasses.replace(ctx.language, engine="espeakng-loader"))
    data = get_writer("mp3").write(handout, newer)
    tags = ID3(io.BytesIO(data))
    assert tags.getall("TXXX:engine")[0].text[0].startswith("espeakng-loader sit/cmn-Latn-pinyin")
    assert any(p.name == "libespeak-ng.so" for p in audio.inputs(newer))
