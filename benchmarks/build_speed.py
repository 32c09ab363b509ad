"""Benchmark (not a test): full and incremental build of the shipped content, and peak memory.

Run: .venv/bin/python benchmarks/build_speed.py   (copies the content to a temporary folder)
"""

from __future__ import annotations

import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def timed(root: Path, *args: str) -> float:
    started = time.perf_counter()
    subprocess.run([sys.executable, "-m", "handout_pipeline", "--root", str(root), *args], check=False,
                   capture_output=True, env={"CI": "1", "PATH": "/usr/bin:/bin"})
    return time.perf_counter() - started


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        for name in ("handout.toml", "source", "locales"):
            src = REPO / name
            (shutil.copytree if src.is_dir() else shutil.copy)(src, root / name)
        full = timed(root, "build")
        again = timed(root, "build")
        check = timed(root, "check")
        peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
        print(f"full build {full:.1f} s; unchanged rebuild {again:.2f} s; check {check:.1f} s; "
              f"peak memory of one process {peak:.0f} MiB")


if __name__ == "__main__":
    main()
