"""Three languages outside the built-in table, three scripts (Cyrillic, Devanagari, Ethiopic), configured
only by their tags: built in all four formats and passed by the gate; crafted bad catalogs fail it."""

import shutil
from pathlib import Path

import pytest

from conftest import FIXTURES

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    """ONE full four-format build of tests/fixtures/scripts, shared by the tests of this module."""
    from click.testing import CliRunner

    from handout_pipeline.cli import main
    root = tmp_path_factory.mktemp("scripts") / "scripts"
    shutil.copytree(FIXTURES / "scripts", root, ignore=shutil.ignore_patterns("output", ".handout-cache"))
    result = CliRunner().invoke(main, ["--root", str(root), "build", "-j", "4"])
    assert result.exit_code == 0, result.output
    return root


def test_all_formats_built_and_check_passes(built, cli):
    for code in ("en", "ru", "hi", "am"):
        for fmt in ("txt", "docx", "pdf", "mp3"):
            path = built / "output" / "mini" / code / f"mini.{code}.{fmt}"
            assert path.is_file() and path.stat().st_size > 0, path
    result = cli(built, "check")
    assert result.exit_code == 0, result.output
    assert "OK: every check passed." in result.output


@pytest.mark.parametrize("code, words", [
    ("ru", ["Звоните 911, если:", "Вы не можете дышать."]),
    ("hi", ["911 पर फ़ोन करें अगर:", "आप साँस नहीं ले पा रहे हैं।"]),
    ("am", ["የሚከተለው ካጋጠመዎት ወደ 911 ይደውሉ:", "መተንፈስ አይችሉም።"]),
])
def test_text_is_in_the_language(built, code, words):
    text = (built / "output" / "mini" / code / f"mini.{code}.txt").read_text(encoding="utf-8")
    for w in words:
        assert w in text


def test_pdf_embeds_the_script_font(built):
    import pikepdf
    for code, family in (("hi", "NotoSansDevanagari"), ("am", "NotoSansEthiopic"), ("ru", "NotoSans")):
        with pikepdf.open(built / "output" / "mini" / code / f"mini.{code}.pdf") as pdf:
            fonts = {str(f.get("/BaseFont")) for page in pdf.pages
                     for f in page.Resources.Font.values()}
        assert any(family in name.replace("-", "") for name in fonts), (code, fonts)


def test_mp3_uses_the_found_voice(built):
    from mutagen.id3 import ID3
    for code, voice in (("ru", "zle/ru"), ("hi", "inc/hi"), ("am", "sem/am")):
        tags = ID3(built / "output" / "mini" / code / f"mini.{code}.mp3")
        assert str(tags["TXXX:engine"]).startswith(f"espeak-ng {voice} (eSpeak NG ")


def _swap_signs(root: Path, code: str, text: str) -> None:
    po = root / "locales" / code / "LC_MESSAGES" / "mini.po"
    old = {"ru": "Вы не можете дышать.", "hi": "आप साँस नहीं ले पा रहे हैं।", "am": "መተንፈስ አይችሉም።"}[code]
    po.write_text(po.read_text(encoding="utf-8").replace(old, text), encoding="utf-8")


@pytest.mark.parametrize("code, bad", [
    ("am", "Вы не можете дышать."),          # Russian pasted into the Amharic catalog: wrong script
    ("hi", "aap saans nahin le pa rahe hain."),  # Hindi transliterated into Latin letters
])
def test_wrong_script_safety_sign_blocks(tmp_path, cli, code, bad):
    root = tmp_path / "scripts"
    shutil.copytree(FIXTURES / "scripts", root, ignore=shutil.ignore_patterns("output", ".handout-cache"))
    _swap_signs(root, code, bad)
    result = cli(root, "check")
    assert result.exit_code != 0
    assert "cannot-breathe" in result.output and "script" in result.output
