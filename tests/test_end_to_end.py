"""One end-to-end build of the shipped content, then the release gate on it."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from helpers import run

REPO = Path(__file__).resolve().parent.parent
TAGS = ("en", "fr", "es", "zh-Hans", "zh-Hant", "pa", "ar", "fa", "vi", "ko", "tl")
ID = "medial-branch-neurotomy"


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    root = tmp_path_factory.mktemp("content")
    for name in ("handout.toml", "source", "locales"):
        src = REPO / name
        (shutil.copytree if src.is_dir() else shutil.copy)(src, root / name)
    result = run(root, "build")
    return root, result


@pytest.mark.slow
def test_shipped_content_builds_all_files(built):
    root, result = built
    assert result.exit_code == 0, result.output
    made = sorted(p.relative_to(root / "output").as_posix() for p in (root / "output").rglob(f"{ID}.*"))
    expected = sorted(f"{ID}/{tag}/{ID}.{tag}.{ext}" for tag in TAGS for ext in ("pdf", "docx", "txt", "mp3")
                      if not (tag == "tl" and ext == "mp3"))
    assert made == expected
    assert "skipped: medial-branch-neurotomy tl mp3" in result.output and "Tagalog" in result.output


@pytest.mark.slow
def test_shipped_content_passes_the_gate(built):
    root, _ = built
    result = run(root, "check", "--format", "json")
    report = json.loads(result.output)
    errors = [f for f in report["findings"] if f["severity"] == "error"]
    assert errors == [] and report["ok"] is True and result.exit_code == 0
    assert set(report["metrics"][ID]) == set(TAGS)


@pytest.mark.slow
def test_gate_fails_when_a_shipped_output_loses_a_warning_sign(built, tmp_path):
    root, _ = built
    copy = tmp_path / "copy"
    shutil.copytree(root, copy)
    txt = copy / "output" / ID / "fr" / f"{ID}.fr.txt"
    text = txt.read_text(encoding="utf-8")
    from handout_pipeline.project import Project
    from handout_pipeline.languages import get_language
    from handout_pipeline.model import plain, warning_blocks
    doc = Project.open(copy).localized(ID, get_language("fr")).handout
    sign = plain(next(warning_blocks(doc)).items[0].text)
    import re
    wrapped = re.compile(r"\s+".join(re.escape(word) for word in sign.split()))
    assert wrapped.search(text), "the sign must be in the TXT before we remove it"
    txt.write_text(wrapped.sub("", text), encoding="utf-8")
    result = run(copy, "check", "--format", "json", "-l", "fr")
    report = json.loads(result.output)
    assert result.exit_code == 1
    assert any(f["check"] == "outputs" and f["message_id"] == "warning-sign/passed-out" for f in report["findings"])


@pytest.mark.slow
def test_shipped_content_passes_the_visual_check(built):
    """Every intro and sign read by OCR in every box of every language, PDF and DOCX (as LibreOffice lays it
    out), with the whole machine's cores (default workers)."""
    root, _ = built
    result = run(root, "check", "--visual", "--no-outputs", "--format", "json")
    report = json.loads(result.output)
    assert [f for f in report["findings"] if f["severity"] == "error"] == [] and result.exit_code == 0
    seen = {tag: report["metrics"][ID][tag]["visual"] for tag in TAGS}
    total = seen["en"]["pdf"].split(" of ")[1]
    assert seen == {tag: {"pdf": f"{total} of {total}", "docx": f"{total} of {total}"} for tag in TAGS}, seen
