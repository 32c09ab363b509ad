"""The plain-language TXT writer: golden files, wrapping by display width, warning signs, RTL order."""

from __future__ import annotations

import os
import re
import unicodedata
from dataclasses import replace
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from handout_pipeline.languages import get_language
from handout_pipeline.model import Handout, ListItem, Span, Tier, WarningBlock, plain, walk_items, warning_blocks
from handout_pipeline.project import Project
from handout_pipeline.writers import get_writer
from handout_pipeline.writers.text import (
    char_width, clean, display_width, render, searchable, wrap,
)

from helpers import localized, mini_project

HERE = Path(__file__).parent
GOLDEN = HERE / "golden"
GOLDEN_LANGUAGES = ("en", "fr", "ar", "zh_Hans", "pa")
ALL_LANGUAGES = ("en", "fr", "ar", "zh_Hans", "pa", "tl")
BIDI_CONTROLS = re.compile("[\u200e\u200f\u061c\u202a-\u202e\u2066-\u2069]")
CLOSING = "。，、：；！？）」』】》"


@pytest.fixture(scope="module")
def project() -> Project:
    return mini_project()


def txt(project: Project, code: str) -> str:
    handout, ctx = localized(project, code)
    return get_writer("txt").write(handout, ctx).decode("utf-8")


def with_sign(handout: Handout, sign_id: str, text: str) -> Handout:
    """The handout with one warning sign's text replaced."""

    def item(i: ListItem) -> ListItem:
        return replace(i, text=(Span(text),) if i.id == sign_id else i.text, children=tuple(map(item, i.children)))

    sections = tuple(replace(s, blocks=tuple(replace(b, items=tuple(map(item, b.items)))
                                             if isinstance(b, WarningBlock) else b for b in s.blocks))
                     for s in handout.sections)
    return replace(handout, sections=sections)


# ---- golden files -------------------------------------------------------------------------------------

@pytest.mark.parametrize("code", GOLDEN_LANGUAGES)
def test_matches_golden_file(project, code):
    text = txt(project, code)
    path = GOLDEN / f"mini.{get_language(code).tag}.txt"
    if os.environ.get("UPDATE_GOLDEN") == "1":
        path.parent.mkdir(exist_ok=True)
        path.write_bytes(text.encode("utf-8"))
        pytest.skip(f"UPDATE_GOLDEN=1: rewrote {path.name}; review the diff")
    assert path.is_file(), f"{path} is missing: run UPDATE_GOLDEN=1 pytest tests/test_text.py"
    assert text == path.read_bytes().decode("utf-8")


# ---- layout rules for every language ------------------------------------------------------------------

@pytest.mark.parametrize("code", ALL_LANGUAGES)
def test_plain_layout_rules(project, code):
    text = txt(project, code)
    assert text.endswith("\n") and not text.endswith("\n\n")
    assert "\n\n\n" not in text
    lines = text.split("\n")[:-1]
    assert all(line == line.rstrip() for line in lines), "trailing spaces"
    assert not BIDI_CONTROLS.search(text)


# A line a screen reader would read as "equals equals equals" or "exclamation exclamation": any run of three
# or more of the same punctuation mark, or a line of marks only.
DECORATION = re.compile(r"([^\w\s])\1\1|^[^\w]+$")


@pytest.mark.parametrize("code", ALL_LANGUAGES)
def test_no_decoration_lines_and_no_hard_wrap(project, code):
    handout, _ = localized(project, code)
    text = txt(project, code)
    lines = text.split("\n")[:-1]
    assert not [ln for ln in lines if ln and DECORATION.search(ln)]
    # One paragraph per line: every paragraph and every list item of the handout is one whole line.
    whole = {plain(i.text) for b in warning_blocks(handout) for i in walk_items(b.items)}
    stripped = {ln.strip().removeprefix("• ").removeprefix("- ") for ln in lines}
    assert whole <= stripped


@pytest.mark.parametrize("code", ALL_LANGUAGES)
def test_every_warning_sign_and_intro_is_in_the_text(project, code):
    handout, _ = localized(project, code)
    haystack = searchable(txt(project, code))
    texts = [plain(p.text) for b in warning_blocks(handout) for p in b.intros]
    texts += [plain(i.text) for b in warning_blocks(handout) for i in walk_items(b.items)]
    assert len(texts) == 8
    for sign in texts:
        assert searchable(sign) in haystack, sign


@pytest.mark.parametrize("code", ALL_LANGUAGES)
def test_tiers_are_marked_by_label_words_in_order(project, code):
    handout, _ = localized(project, code)
    lines = txt(project, code).split("\n")
    found = []
    for tier in Tier:
        block = next(b for b in warning_blocks(handout) if b.tier == tier)
        label = clean(handout.labels.tier(tier)).upper()
        intro = clean(plain(block.intros[0].text))
        # "EMERGENCY: Call 911 if:" - the label as plain words and the intro on one line, then the signs.
        heads = [n for n, ln in enumerate(lines) if ln.startswith(label) and ln.endswith(intro)]
        assert len(heads) == 1, (label, intro)
        found.append(heads[0])
        assert lines[heads[0] + 1].startswith("• ")
    assert found == sorted(found)


def test_title_and_headings_are_plain_lines(project):
    lines = txt(project, "zh_Hans").split("\n")
    assert lines[:3] == ["在家护理膝盖", "", "您的护理"]
    glossary = lines.index("词语解释")
    assert lines[glossary + 2:glossary + 4] == ["• 肿胀", "  身体某个部位变大、鼓起来。"]


def test_nested_items_and_phone_numbers(project):
    lines = txt(project, "en").split("\n")
    assert "• Take your pills." in lines
    assert "  - Take 2 pills each morning." in lines
    assert "• Call 811 with questions." in lines
    assert "EMERGENCY: Call 911 if:" in lines
    assert lines[-2:] == ["Adapted for tests by the handout-pipeline team.", ""]


def test_arabic_stays_in_logical_order(project):
    handout, _ = localized(project, "ar")
    text = txt(project, "ar")
    sign = plain(next(walk_items(next(warning_blocks(handout)).items)).text)
    assert sign == "لا تستطيع التنفس."
    assert f"• {sign}" in text.split("\n")
    assert sign[::-1] not in text
    intro = "اتصل بالرقم 911 إذا:"
    assert intro in text and "119" not in text
    assert not BIDI_CONTROLS.search(text)


# ---- wrapping -----------------------------------------------------------------------------------------

def test_display_width_counts_wide_double_and_marks_zero():
    assert display_width("abc") == 3
    assert display_width("在家") == 4
    assert display_width("ｆｕｌｌ") == 8        # fullwidth Latin
    assert char_width("\u0301") == 0            # combining acute
    assert display_width("e\u0301") == 1
    assert char_width("\u200d") == 0            # zero-width joiner
    assert display_width("ਕਿੱ") == 2           # ka, vowel sign i (spacing), addak (non-spacing)


def test_cjk_lines_fit_by_display_width_and_never_start_with_closing_punctuation():
    text = "注意身体变化，出现以下情况请打电话给医生：您有肿胀。迹象包括：皮肤发红。" * 4
    for width in (10, 17, 40):
        lines = wrap(text, width)
        assert len(lines) > 1
        assert all(display_width(line) <= width for line in lines)
        assert max(display_width(line) for line in lines) >= width - 2  # filled: wide counted as 2, not 1
        assert not any(line[0] in CLOSING for line in lines)
        assert "".join(lines) == text


def test_latin_lines_break_at_spaces_only():
    text = ("Surveillez les changements et appelez votre médecin tout de suite si vous avez de la fièvre "
            "ou si la peau devient rouge autour du genou")
    lines = wrap(text, 40)
    assert lines[0] == "Surveillez les changements et appelez"  # "votre" would make 43 columns
    assert len(lines) == 4
    assert all(display_width(line) <= 40 for line in lines)
    assert " ".join(lines) == text
    assert [w for line in lines for w in line.split(" ")] == text.split(" ")


def test_word_longer_than_the_line_is_kept_whole():
    url = "https://example.org/a-very-long-address-for-the-clinic"
    assert wrap(f"See {url} today", 40) == ["See", url, "today"]


def test_number_stays_with_its_unit_and_french_colon_with_its_word():
    assert wrap("Rest your knee for the next 24 hours", 30) == ["Rest your knee for the next", "24 hours"]
    assert wrap("Appelez votre médecin tout de suite si :", 39) == ["Appelez votre médecin tout de suite", "si :"]
    assert wrap("a\u00a0b c", 3) == ["a\u00a0b", "c"]  # no-break space is kept and not broken


def test_hanging_indent_for_wrapped_list_items():
    lines = wrap("Surveillez les changements et appelez votre médecin", 20, "  - ", "    ")
    assert lines == ["  - Surveillez les", "    changements et", "    appelez votre", "    médecin"]


def test_korean_breaks_at_spaces_when_asked():
    text = "무릎을 쉬게 하세요 달리지 마세요 약을 드세요"
    lines = wrap(text, 16, break_words=False)
    assert len(lines) == 4
    assert [w for line in lines for w in line.split(" ")] == text.split(" ")
    assert all(display_width(line) <= 16 for line in lines)


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet="ab 12:。，在家护理膝盖ਕਿلا", max_size=80), st.integers(min_value=6, max_value=40))
def test_searchable_undoes_any_wrapping(text, width):
    lines = wrap(clean(text), width)
    assert searchable("\n  ".join(lines)) == searchable(text)


# ---- untrusted text ------------------------------------------------------------------------------------

def test_control_characters_are_dropped_not_written(project):
    handout, _ = localized(project, "fr")
    hostile = with_sign(handout, "fever", "De la\x0bfièvre\x01 \x1b[31mrouge\t!")
    text = render(hostile)
    assert not any(unicodedata.category(c) == "Cc" and c != "\n" for c in text)
    assert "  - De la fièvre [31mrouge !" in text.split("\n")
    assert searchable(clean("De la\x0bfièvre\x01 \x1b[31mrouge\t!")) in searchable(text)


def test_clean_keeps_no_break_spaces_and_joiners():
    assert clean("  a\u00a0:\u200d b\n\nc  ") == "a\u00a0:\u200d b c"
