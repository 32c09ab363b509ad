"""Benchmark (not a test): how build and check grow with the number of handouts.

Builds and checks N copies of the shipped handout (11 languages each) in a temporary folder and prints a
Markdown table: wall and CPU time, time per output, the no-op build, `check` cold / unchanged / after one
catalog change, and the peak memory of the largest single process (the CLI or one of its workers).

Run: .venv/bin/python benchmarks/scaling.py                       # N = 1, 10, 100 with txt+docx; all formats for N = 1
     .venv/bin/python benchmarks/scaling.py --sizes 1,10 --all-formats 2 --jobs 2
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
HANDOUT = "medial-branch-neurotomy"
FAST = ("txt", "docx")
WARM_RUNS = 3      # an unchanged check takes about a second: the best of three, as timeit does


@dataclass
class Run:
    wall: float
    cpu: float        # user + sys of the command and every process it waited for
    peak_mib: float   # the largest single process
    code: int


def handout(root: Path, *args: str) -> Run:
    """Run `handout --root ROOT ARGS` as a process of its own; its resource use from wait4."""
    env = {"CI": "1", "PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": os.environ.get("HOME", "/tmp"),
           "PYTHONPATH": os.environ.get("PYTHONPATH", "")}
    started = time.perf_counter()
    proc = subprocess.Popen([sys.executable, "-m", "handout_pipeline", "--root", str(root), *args],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)
    _, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    return Run(time.perf_counter() - started, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024,
               proc.returncode)


def make_root(target: Path, copies: int) -> Path:
    """The shipped content root with its handout copied `copies` times under new IDs."""
    for name in ("source", "locales"):
        (target / name).mkdir(parents=True)
    shutil.copy(REPO / "handout.toml", target / "handout.toml")
    files = [REPO / "source" / f"{HANDOUT}.md", REPO / "locales" / f"{HANDOUT}.pot",
             *sorted((REPO / "locales").glob(f"*/LC_MESSAGES/{HANDOUT}.po"))]
    for n in range(1, copies + 1):
        ident = f"{HANDOUT}-{n:04d}"
        for path in files:
            rel = path.relative_to(REPO).as_posix().replace(HANDOUT, ident)
            out = target / rel
            out.parent.mkdir(parents=True, exist_ok=True)
            out.write_text(path.read_text(encoding="utf-8").replace(HANDOUT, ident), encoding="utf-8")
    return target


def change_one_catalog(root: Path) -> None:
    """An ordinary message of one French catalog gets a new (still correct) translation."""
    po = next(root.glob(f"locales/fr/LC_MESSAGES/{HANDOUT}-0001.po"))
    text = po.read_text(encoding="utf-8")
    changed = re.sub(r'(msgctxt "paragraph/[^"]+"\n(?:.*\n)*?msgstr ")', r"\1 ", text, count=1)
    assert changed != text, "no ordinary paragraph found to change"
    po.write_text(changed, encoding="utf-8")


def measure(copies: int, formats: tuple[str, ...], jobs: list[str]) -> dict:
    fmt_args = [a for f in formats for a in ("-f", f)]
    with tempfile.TemporaryDirectory(prefix="handout-scaling-") as tmp:
        root = make_root(Path(tmp), copies)
        build = handout(root, "build", *jobs, *fmt_args)
        outputs = sum(1 for p in (root / "output").rglob("*") if p.is_file() and p.suffix.lstrip(".") in formats
                      and ".cache" not in p.parts)
        noop = handout(root, "build", *jobs, *fmt_args)
        cold = handout(root, "check", *jobs)
        warm = min((handout(root, "check", *jobs) for _ in range(WARM_RUNS)), key=lambda run: run.wall)
        change_one_catalog(root)
        one = handout(root, "check", *jobs)
    return {"n": copies, "formats": "+".join(formats), "outputs": outputs, "build": build, "noop": noop,
            "cold": cold, "warm": warm, "one": one}


def row(m: dict) -> str:
    b, per = m["build"], m["build"].wall / max(m["outputs"], 1)
    peak = max(m[k].peak_mib for k in ("build", "noop", "cold", "warm", "one"))
    return (f"| {m['n']} | {m['formats']} | {m['outputs']} | {b.wall:.1f} ({b.cpu:.1f}) | {per * 1000:.0f} ms | "
            f"{m['noop'].wall:.2f} | {m['cold'].wall:.1f} ({m['cold'].cpu:.1f}) | {m['warm'].wall:.2f} | "
            f"{m['one'].wall:.2f} | {peak:.0f} |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1,10,100", help="numbers of handouts built with txt+docx")
    parser.add_argument("--all-formats", type=int, default=1, help="number of handouts built with every format")
    parser.add_argument("--jobs", type=int, default=None, help="-j for build and check (default: the cores)")
    args = parser.parse_args()
    jobs = ["-j", str(args.jobs)] if args.jobs else []
    runs = [measure(n, FAST, jobs) for n in (int(s) for s in args.sizes.split(",") if s)]
    if args.all_formats:
        runs.append(measure(args.all_formats, ("txt", "docx", "pdf", "mp3"), jobs))
    print(f"cores: {len(os.sched_getaffinity(0))}; seconds wall (CPU of every process in brackets); 11 languages "
          "a handout; check = the whole gate (outputs not built are reported missing)")
    print("| handouts | formats | outputs | build s | per output | no-op build s | check cold s | "
          "check unchanged s (best of 3) | check after 1 catalog change s | peak MiB (one process) |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    for m in runs:
        print(row(m))
    fast = [m for m in runs if m["formats"] == "+".join(FAST)]
    if len(fast) >= 2:
        a, b = fast[-2], fast[-1]
        grow = (b["build"].cpu / b["n"]) / (a["build"].cpu / a["n"])
        print(f"\nbuild CPU per handout, N={b['n']} against N={a['n']}: {grow:.2f}x (1.00 = linear); "
              f"cold check CPU per handout: {(b['cold'].cpu / b['n']) / (a['cold'].cpu / a['n']):.2f}x")
    full = [m for m in runs if m["formats"].count("+") == 3]
    if full and fast:
        per_build = full[-1]["build"].cpu / full[-1]["n"]
        per_check = max(fast[-1]["cold"].cpu / fast[-1]["n"], full[-1]["cold"].cpu / full[-1]["n"])
        warm_per = fast[-1]["warm"].wall / fast[-1]["n"]
        cores = args.jobs or len(os.sched_getaffinity(0))
        print(f"projected for 1,000 handouts (all formats; CPU per handout {per_build:.1f} s build, "
              f"{per_check:.1f} s cold check): build {1000 * per_build / cores / 3600:.1f} h on {cores} cores, "
              f"{1000 * per_build / 3600:.1f} h / K on K one-core workers; cold check "
              f"{1000 * per_check / cores / 60:.0f} min on {cores} cores; unchanged check "
              f"~{1000 * warm_per:.0f} s")


if __name__ == "__main__":
    main()
