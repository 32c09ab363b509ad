"""fontconfig matching in-process answers exactly what the fc-match command answers."""

from __future__ import annotations

import shutil

import pytest

from handout_pipeline import fontmatch
from handout_pipeline.writers import pdf


@pytest.mark.skipif(shutil.which("fc-match") is None, reason="needs fontconfig's fc-match")
@pytest.mark.parametrize("pattern", ["Noto Sans", "Noto Sans:weight=bold:slant=italic", "Noto Sans CJK SC:weight=bold",
                                     "Noto Sans Gurmukhi", "Noto Sans Arabic:slant=italic", "Noto Sans Nowhere",
                                     "sans-serif:lang=fa"])
def test_in_process_match_is_what_fc_match_prints(pattern):
    assert fontmatch._library() is not None, "libfontconfig.so.1 could not be loaded"
    assert fontmatch.match(pattern) == fontmatch._command(pattern)


def test_a_family_that_is_not_installed_has_no_file():
    names, file = fontmatch.match("Noto Sans Nowhere")
    assert "Noto Sans Nowhere" not in names
    assert pdf.font_file.__wrapped__("Noto Sans Nowhere") is None
    assert pdf.font_file.__wrapped__("Noto Sans").name == "NotoSans-Regular.ttf"
