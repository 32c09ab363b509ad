"""Benchmark (not a test): each writer against its raw engine doing the same work, side by side, in one process.

- PDF: our writer (a first layout, then layouts again until the summary's page numbers, the boxes' splits and
  the header/footer margins settle; text-layer and font-date patches; pagination artifacts; list structure)
  against WeasyPrint parsing the same stylesheet and laying out the final HTML once (the HTML our last layout
  used), then writing it as PDF/UA-1. Both share one FontConfiguration, as our writer does in a build, and
  both are warmed up first: neither pays the fonts' first loading in a counted run.
- DOCX: our writer (python-docx building the document) against python-docx opening the very document and
  saving it again.
- MP3: our writer (the engine speaking segment by segment in a child process, the segments joined with their
  pauses, the level searched for -16 LUFS under a peak limiter, encoded, decoded and measured, once more when
  the encoder lost loudness, chapters and tags) against the same engine (the espeak-ng command line speaking
  the whole script; `festival -b` with the same voice, one utterance a segment) and lameenc encoding it with
  the same settings.

Each round runs ours then raw (A B A B ...); the median of each side and the median of the rounds' ratios are
printed. Times are CPU seconds of this process and of the child processes it waited for (the MP3 writer
speaks in a child), so other users of the machine count less than in wall time; wall medians are printed too.
`--detail` splits our PDF and MP3 writers into their stages.

Run: .venv/bin/python benchmarks/engine_overhead.py [-l fr -l zh_Hans ...] [-f pdf -f docx -f mp3] [--rounds 5]
     [--detail]   (from the repository, on the shipped content)
"""

from __future__ import annotations

import argparse
import io
import resource
import statistics
import subprocess
import time
from dataclasses import replace
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
HANDOUT = "medial-branch-neurotomy"


def _cpu() -> float:
    me, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return me.ru_utime + me.ru_stime + children.ru_utime + children.ru_stime


def timed(func) -> tuple[float, float]:
    """(wall s, CPU s) of one call."""
    wall, cpu = time.perf_counter(), _cpu()
    func()
    return time.perf_counter() - wall, _cpu() - cpu


def raw_pdf(handout, ctx):
    """WeasyPrint on the final HTML (what our last layout used): stylesheet parsed, laid out once, written."""
    from weasyprint import CSS, HTML

    from handout_pipeline.writers import pdf

    wanted = {pdf._anchor(i) for i in pdf.summary_targets(handout)}
    document = pdf.render_document(handout, ctx)
    html = pdf.render_html(handout, ctx, pdf.section_pages(document, wanted), pdf.box_splits(document, {}),
                           pdf.furniture_margins(document))

    def render() -> bytes:
        fetcher, font_config = pdf.asset_fetcher(), pdf._font_config()
        stylesheet = CSS(filename=str(pdf.STYLESHEET), url_fetcher=fetcher, font_config=font_config)
        laid_out = HTML(string=html, base_url=pdf.ASSETS.as_uri() + "/", url_fetcher=fetcher).render(
            stylesheets=[stylesheet], font_config=font_config)
        return laid_out.write_pdf(pdf_variant="pdf/ua-1")
    return render


def pdf_detail(handout, ctx, rounds: int) -> list[str]:
    """Our PDF writer's stages, each timed alone (CPU s, medians)."""
    from weasyprint import CSS, HTML

    from handout_pipeline.writers import pdf
    from handout_pipeline.writers.pdf_artifacts import mark_pagination_artifacts
    from handout_pipeline.writers.pdf_patches import render_fixes
    from handout_pipeline.writers.pdf_structure import repair_lists

    layouts = []
    real_render = HTML.render

    def counting(self, *args, **kwargs):
        layouts.append(1)
        return real_render(self, *args, **kwargs)

    HTML.render = counting
    try:
        document = pdf.render_document(handout, ctx)
    finally:
        HTML.render = real_render
    fetcher, font_config = pdf.asset_fetcher(), pdf._font_config()
    one_layout = lambda: HTML(string=pdf.render_html(handout, ctx), base_url=pdf.ASSETS.as_uri() + "/",  # noqa: E731
                              url_fetcher=fetcher).render(stylesheets=[CSS(filename=str(pdf.STYLESHEET),
                                                          url_fetcher=fetcher, font_config=font_config)],
                                                          font_config=font_config)

    def fixed():
        with render_fixes():
            return document.write_pdf(pdf_variant="pdf/ua-1")

    data = fixed()
    stages = {
        "one layout (stylesheet parsed, HTML laid out)": one_layout,
        "write_pdf, upstream": lambda: document.write_pdf(pdf_variant="pdf/ua-1"),
        "write_pdf with our text-layer and font-date patches": fixed,
        "pagination artifacts + list structure (pikepdf)": lambda: repair_lists(mark_pagination_artifacts(data)),
    }
    lines = [f"  layouts in one write: {len(layouts)}"]
    for name, func in stages.items():
        func()
        lines.append(f"  {name}: {statistics.median(timed(func)[1] for _ in range(rounds)):.3f} s")
    return lines


def mp3_detail(handout, ctx) -> list[str]:
    """Our MP3 writer's stages in one write (CPU s), with how often the level search measured and limited."""
    from handout_pipeline.writers import audio, audio_engines, audio_loudness

    cues = audio.spoken_cues(handout, ctx)
    choice = audio_engines.choose(ctx.language)
    pcm: list = []
    speak = timed(lambda: pcm.extend(audio_engines.render(choice, [c.text for c in cues], ctx.words_per_minute)))
    joined = audio._join(pcm, cues)[0]
    spent = {"loudness": [0, 0.0], "_limit": [0, 0.0], "_encode": [0, 0.0]}
    originals = {name: getattr(audio_loudness if name != "_encode" else audio, name) for name in spent}

    def counted(name):
        def run(*args, **kwargs):
            result = []
            spent[name][1] += timed(lambda: result.append(originals[name](*args, **kwargs)))[1]
            spent[name][0] += 1
            return result[0]
        return run

    for name in spent:
        setattr(audio_loudness if name != "_encode" else audio, name, counted(name))
    try:
        whole = timed(lambda: audio._encode_normalised(joined))[1]
    finally:
        for name, func in originals.items():
            setattr(audio_loudness if name != "_encode" else audio, name, func)
    seconds = len(joined) / 2 / audio.SAMPLE_RATE
    lines = [f"  {seconds:.0f} s of narration; speaking ({choice.engine}, child process): {speak[1]:.2f} s",
             f"  level search + encoding: {whole:.2f} s, of which"]
    lines += [f"    {name.strip('_')}: {n} calls, {t:.2f} s" for name, (n, t) in spent.items()]
    lines.append(f"  encoder loss (audio.ENCODER_LOSS_LU is {audio.ENCODER_LOSS_LU}): {encoder_loss(joined):.3f} LU")
    return lines


def encoder_loss(joined: bytes) -> float:
    """How much loudness LAME takes away from this narration at our settings: at the target, encoded, decoded."""
    from handout_pipeline.writers import audio, audio_loudness

    louder, level = audio_loudness.normalise(joined, audio.SAMPLE_RATE)
    return level - audio.heard_loudness(audio._encode(louder))


def raw_docx(data: bytes):
    import docx

    def save() -> bytes:
        out = io.BytesIO()
        docx.Document(io.BytesIO(data)).save(out)
        return out.getvalue()
    return save


def raw_mp3(handout, ctx):
    """The engine our writer chose and lameenc encoding its samples: the espeak-ng command line speaking the whole
    script for eSpeak NG voices (also standing in for PyPI's eSpeak NG 1.52, which has no command line);
    `festival -b` with the same HTS voice and speed, one utterance a segment, for Festival."""
    import tempfile
    import wave

    import lameenc

    from handout_pipeline.writers import audio, audio_engines, audio_festival

    segments = audio.narration_script(handout, ctx)
    text = "\n\n".join(segments)
    choice = audio_engines.choose(ctx.language)

    def encode(pcm: bytes, rate: int) -> bytes:
        encoder = lameenc.Encoder()
        encoder.set_bit_rate(audio.BIT_RATE)
        encoder.set_in_sample_rate(rate)
        encoder.set_out_sample_rate(audio.SAMPLE_RATE)
        encoder.set_channels(1)
        encoder.set_quality(5)
        return encoder.encode(pcm) + encoder.flush()

    def espeak() -> bytes:
        wav = subprocess.run(["espeak-ng", "-v", choice.voice, "-s", str(ctx.words_per_minute), "--stdout", text],
                             capture_output=True, check=True).stdout
        return encode(wav[44:], audio.SAMPLE_RATE)

    def festival() -> bytes:   # one utterance per segment, as Festival is fed (one huge utterance is slower)
        with tempfile.TemporaryDirectory() as tmp:
            speed = ctx.words_per_minute / audio_festival.NATURAL_WPM
            lines = [f"(voice_{choice.voice})",
                     f'(set! hts_engine_params (append hts_engine_params (list (list "-r" {speed:.3f}))))']
            paths = [Path(tmp) / f"{n}.wav" for n in range(len(segments))]
            lines += [f"(utt.save.wave (utt.synth (Utterance Text {audio_festival._scheme_string(text)})) "
                      f"{audio_festival._scheme_string(str(path))} 'riff)" for text, path in zip(segments, paths)]
            script = Path(tmp) / "all.scm"
            script.write_text("\n".join(lines) + "\n", encoding="utf-8")
            subprocess.run(["festival", "-b", str(script)], capture_output=True, check=True)
            pcm, rate = b"", audio.SAMPLE_RATE
            for path in paths:
                with wave.open(str(path), "rb") as wav:
                    pcm += wav.readframes(wav.getnframes())
                    rate = wav.getframerate()
            return encode(pcm, rate)
    return festival if choice.engine == audio_engines.FESTIVAL else espeak


def main() -> None:
    from handout_pipeline.project import Project
    from handout_pipeline.review.status import is_draft
    from handout_pipeline.writers import audio_engines, get_writer

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-l", "--language", action="append", default=None)
    parser.add_argument("-f", "--format", action="append", default=None)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--detail", action="store_true", help="our PDF and MP3 writers' stages")
    args = parser.parse_args()
    project = Project.open(REPO)
    codes = args.language or [language.code for language in project.config.languages]
    print(f"{args.rounds} rounds (ours, raw) after one warm-up of each; CPU s medians (wall s medians)")
    print("| language | format | ours s | raw engine s | ours / raw (median of rounds) |")
    print("|---|---|---|---|---|")
    totals: dict[str, list[float]] = {}
    details = []
    for code in codes:
        language = project.config.language(code)
        handout = project.localized(HANDOUT, language).handout
        ctx = replace(project.render_context(language), draft=is_draft(project, HANDOUT, language))
        for fmt in args.format or ["pdf", "docx", "mp3"]:
            if fmt == "mp3" and audio_engines.choose(language) is None:
                continue
            writer = get_writer(fmt)
            ours = lambda: writer.write(handout, ctx)  # noqa: E731
            data = ours()  # warm: fonts, voices and templates loaded once, as in a build's worker
            raw = {"pdf": lambda: raw_pdf(handout, ctx), "docx": lambda: raw_docx(data),
                   "mp3": lambda: raw_mp3(handout, ctx)}[fmt]()
            raw()
            pairs = [(timed(ours), timed(raw)) for _ in range(args.rounds)]
            ours_cpu = statistics.median(o[1] for o, _ in pairs)
            raw_cpu = statistics.median(r[1] for _, r in pairs)
            ratio = statistics.median(o[1] / r[1] for o, r in pairs)
            ours_wall = statistics.median(o[0] for o, _ in pairs)
            raw_wall = statistics.median(r[0] for _, r in pairs)
            totals.setdefault(fmt, [0.0, 0.0])
            totals[fmt][0] += ours_cpu
            totals[fmt][1] += raw_cpu
            print(f"| {language.tag} | {fmt} | {ours_cpu:.3f} ({ours_wall:.3f}) | {raw_cpu:.3f} ({raw_wall:.3f}) | "
                  f"{ratio:.2f} |", flush=True)
            if fmt == "pdf" and args.detail:
                details += [f"{language.tag} PDF:", *pdf_detail(handout, ctx, args.rounds)]
            if fmt == "mp3" and args.detail:
                details += [f"{language.tag} MP3:", *mp3_detail(handout, ctx)]
    for fmt, (ours_s, raw_s) in totals.items():
        print(f"| all | {fmt} | {ours_s:.2f} | {raw_s:.2f} | {ours_s / raw_s:.2f} (sums) |")
    ours_all, raw_all = sum(t[0] for t in totals.values()), sum(t[1] for t in totals.values())
    print(f"| all | all | {ours_all:.2f} | {raw_all:.2f} | {ours_all / raw_all:.2f} (sums) |")
    if details:
        print("\n" + "\n".join(details))


if __name__ == "__main__":
    main()
