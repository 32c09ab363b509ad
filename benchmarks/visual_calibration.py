"""Benchmark (not a test): where to set the `check --visual` threshold, and what the check costs.

Builds the shipped content in a temporary folder, then per language and format (PDF, and the DOCX as
LibreOffice lays it out) reads every box item by OCR exactly as `check --visual` does, and scores each intro
and sign three ways:
  clean     - the sign against what its own box shows (the score the check compares with the threshold);
  replaced  - the sign against the other items of its box only: what it would score if its place showed
              another sign of the box (the best impostor);
  painted   - the sign after a white box is painted over every line of every item (in a copy of the PDF)
              and the pages are rendered and read again.
The threshold must lie above every "replaced" and "painted" score and below every "clean" one. Last, it
times `handout check` and `handout check --visual` on the built content.

Run: .venv/bin/python benchmarks/visual_calibration.py [-l LANG]...   (about 5 min on 2 cores)
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from multiprocessing import get_context
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "src"))

from handout_pipeline.build import output_path  # noqa: E402
from handout_pipeline.checks.outputs import visual  # noqa: E402
from handout_pipeline.checks.outputs.common import expected_tiers  # noqa: E402
from handout_pipeline.project import Project  # noqa: E402


def cli(root: Path, *args: str) -> tuple[float, float]:
    """(wall seconds, CPU seconds of it and its children) of one `handout` command."""
    import resource

    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    subprocess.run([sys.executable, "-m", "handout_pipeline", "--root", str(root), *args], check=False,
                   capture_output=True, env={**os.environ, "PYTHONPATH": str(REPO / "src")})
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return time.perf_counter() - started, (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime)


def paint_over(pdf: Path, regions: list[visual.Region], out: Path) -> None:
    """A copy of the PDF with a white box over each line of each item (0.3 em below its baseline to 0.8 em
    above, as wide as its glyphs): what a post-processing step or a writer bug hiding the signs would do."""
    import pikepdf

    with pikepdf.open(str(pdf)) as doc:
        for page_index, page in enumerate(doc.pages):
            mx, my = float(page.mediabox[0]), float(page.mediabox[1])
            rects = []
            for region in regions:
                for page_number, x0, y0, x1, y1 in region.pieces:
                    if page_number != page_index:
                        continue
                    # the region is 0.45 em below and 0.95 em above the baseline (1.4 em): 1.1 em of it
                    em = (y1 - y0) / 1.4
                    x0, x1 = x0 + 0.15 * em - 1, x1 - 0.15 * em + 1
                    y0, y1 = y0 + 0.15 * em, y1 - 0.15 * em
                    rects.append(f"{x0 + mx:.2f} {y0 + my:.2f} {x1 - x0:.2f} {y1 - y0:.2f} re f")
            if rects:
                page.contents_add(pikepdf.Stream(doc, b"q\n"), prepend=True)
                page.contents_add(pikepdf.Stream(doc, ("Q q 1 1 1 rg " + " ".join(rects) + " Q\n").encode()))
        doc.save(str(out))


def calibrate(job: tuple[str, str, str, bool, str, tuple]) -> tuple[str, str, dict]:
    tag, code, fmt, rtl, path, tiers = job
    os.environ.setdefault("OMP_THREAD_LIMIT", "1")
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        pdf = Path(path) if fmt == "pdf" else visual.docx_to_pdf(Path(path), tmp)
        boxes, regions = visual.places(pdf, tiers, rtl)
        (tmp / "clean").mkdir()
        texts = visual.read_regions(pdf, regions, tmp / "clean", code)
        clean = visual.judge(tiers, boxes, regions, texts, code)
        painted_pdf = tmp / "painted.pdf"
        paint_over(pdf, regions, painted_pdf)
        (tmp / "painted").mkdir()
        painted = visual.judge(tiers, boxes, regions, visual.read_regions(painted_pdf, regions, tmp / "painted", code),
                               code)
    # The best impostor: each sign against the items of its boxes but the one that reads best as it.
    replaced = []
    owner = {b: n for b, (n, _) in enumerate(boxes) if n is not None}
    for n, tier in enumerate(tiers):
        for kind, expected in (("intro", tier.intros), ("item", tier.signs)):
            for sign in expected:
                worst = 0.0
                for b in [b for b, t in owner.items() if t == n]:
                    scores = sorted((max(visual.score(sign.text, t, code) for t in texts[r])
                                     for r, region in enumerate(regions) if region.box == b and region.kind == kind),
                                    reverse=True)
                    worst = max(worst, scores[1] if len(scores) > 1 else 0.0)
                replaced.append((sign.text, worst))
    return tag, fmt, {"clean": [(s.text, s.score) for s in clean], "replaced": replaced,
                      "painted": [(s.text, s.score) for s in painted]}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("-l", "--language", action="append", default=[])
    args = parser.parse_args()
    visual.require_tools()
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        for name in ("handout.toml", "source", "locales"):
            src = REPO / name
            (shutil.copytree if src.is_dir() else shutil.copy)(src, root / name)
        languages = [a for code in args.language for a in ("-l", code)]
        cli(root, "build", "-f", "pdf", "-f", "docx", "-f", "txt", "-f", "mp3", *languages)
        project = Project.open(root)
        jobs = []
        for handout_id in project.handout_ids(()):
            for language in project.languages(tuple(args.language)):
                tiers = tuple(expected_tiers(project.localized(handout_id, language).handout))
                for fmt in visual.FORMATS:
                    jobs.append((language.tag, language.code, fmt, language.rtl,
                                 str(output_path(project, handout_id, language, fmt)), tiers))
        with ProcessPoolExecutor(max_workers=os.cpu_count() or 1, mp_context=get_context("spawn")) as pool:
            results = list(pool.map(calibrate, jobs))
        print(f"threshold {visual.THRESHOLD:.0f}; per language and format: lowest clean score (its sign), "
              "highest impostor score (sign drawn as another sign of its box), highest score painted over")
        gap_low, gap_high = 100.0, 0.0
        for tag, fmt, scores in results:
            clean = min(scores["clean"], key=lambda p: p[1])
            replaced = max(scores["replaced"], key=lambda p: p[1])
            painted = max(scores["painted"], key=lambda p: p[1])
            gap_low, gap_high = min(gap_low, clean[1]), max(gap_high, replaced[1], painted[1])
            seen = sum(s >= visual.THRESHOLD for _, s in scores["clean"])
            print(f"{tag:8} {fmt:5} seen {seen:2} of {len(scores['clean']):2}  clean >= {clean[1]:5.1f} "
                  f"({clean[0][:28]!r})  replaced <= {replaced[1]:5.1f}  painted <= {painted[1]:5.1f}")
        print(f"all: clean >= {gap_low:.1f}; replaced or painted <= {gap_high:.1f}")
        check, check_cpu = cli(root, "check", *languages)
        both, both_cpu = cli(root, "check", "--visual", *languages)
        load = os.getloadavg()[0]
        print(f"handout check {check:.1f} s ({check_cpu:.0f} s CPU); handout check --visual {both:.1f} s "
              f"({both_cpu:.0f} s CPU); {os.cpu_count()} cores, load average {load:.1f}, {len(jobs)} files read "
              "by OCR")


if __name__ == "__main__":
    main()
