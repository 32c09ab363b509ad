#!/usr/bin/env python3
"""Copy the README sections that `handout docs` shows into src/handout_pipeline/assets/docs/.
Run after editing the README: python scripts/sync-docs.py (tests/test_starter.py fails until you do)."""

import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "src"))

from handout_pipeline.manual import DOCS, TOPICS, section  # noqa: E402

readme = (REPO / "README.md").read_text(encoding="utf-8")
DOCS.mkdir(parents=True, exist_ok=True)
for name, (heading, _) in TOPICS.items():
    (DOCS / f"{name}.md").write_text(section(readme, heading), encoding="utf-8")
    print(f"wrote {(DOCS / f'{name}.md').relative_to(REPO)}")
