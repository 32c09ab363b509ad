"""Languages from configuration: CLDR defaults, fonts by script, eSpeak NG voices, per-language overrides."""

from pathlib import Path

import pytest

from handout_pipeline.config import load_config
from handout_pipeline.errors import HandoutError
from handout_pipeline.languages import LANGUAGES, font_package, get_language, noto_family


def _root(tmp_path: Path, extra: str = "", languages: str = '["en", "ru", "hi", "am"]') -> Path:
    (tmp_path / "handout.toml").write_text(
        f'languages = {languages}\nregion = "CA"\n[regions.CA]\nemergency_number = "911"\n{extra}', encoding="utf-8")
    return tmp_path


def test_builtin_table_is_kept_as_defaults():
    assert get_language("zh-Hans") is LANGUAGES["zh_Hans"]
    assert get_language("fil") is LANGUAGES["tl"]


@pytest.mark.parametrize("name, code, english, direction, script, font, klass", [
    ("ru", "ru", "Russian", "ltr", "Cyrl", "Noto Sans", "latin"),
    ("hi", "hi", "Hindi", "ltr", "Deva", "Noto Sans Devanagari", "indic"),
    ("am", "am", "Amharic", "ltr", "Ethi", "Noto Sans Ethiopic", "latin"),
    ("he", "he", "Hebrew", "rtl", "Hebr", "Noto Sans Hebrew", "rtl"),
    ("pt-BR", "pt_BR", "Portuguese (Brazil)", "ltr", "Latn", "Noto Sans", "latin"),
])
def test_any_cldr_language_gets_defaults(name, code, english, direction, script, font, klass):
    lang = get_language(name)
    assert (lang.code, lang.name, lang.direction, lang.script, lang.font, lang.script_class) == (
        code, english, direction, script, font, klass)
    assert lang.tag == code.replace("_", "-")


def test_voice_and_wordfreq_from_what_is_installed():
    assert get_language("ru").voice == "zle/ru" and get_language("ru").wordfreq == "ru"
    assert get_language("hi").voice == "inc/hi"          # not the MBROLA voices listed before it
    assert get_language("am").voice == "sem/am" and get_language("am").wordfreq is None
    assert get_language("so").voice is None               # eSpeak NG has no Somali: MP3 skipped, reported


def test_readability_by_script():
    assert get_language("th").readability == "sentence-length-chars"
    assert get_language("am").readability == "sentence-length-words"


def test_font_package_names_the_debian_package():
    assert font_package(noto_family("Ethi")) == "fonts-noto-core"
    assert font_package(noto_family("Jpan")) == "fonts-noto-cjk"


def test_unknown_language_names_the_key(tmp_path):
    with pytest.raises(HandoutError) as err:
        load_config(_root(tmp_path, languages='["en", "xx-qq"]'))
    assert "languages" in str(err.value) and "xx-qq" in str(err.value)


def test_overrides(tmp_path):
    cfg = load_config(_root(tmp_path, '[language.ru]\nfont = "DejaVu Sans"\nwords_per_minute = 120\n'
                                      '[language.am]\nvoice = ""\nreadability = "sentence-length-chars"\n'))
    ru, am = cfg.language("ru"), cfg.language("am")
    assert (ru.font, ru.words_per_minute, ru.voice) == ("DejaVu Sans", 120, "zle/ru")
    assert (am.voice, am.readability) == (None, "sentence-length-chars")
    assert cfg.language("hi").font == "Noto Sans Devanagari"


@pytest.mark.parametrize("extra, key", [
    ('[language.de]\nfont = "Noto Sans"\n', "language.de"),
    ('[language.ru]\ncolour = "red"\n', "language.ru.colour"),
    ('[language.ru]\nwords_per_minute = 500\n', "language.ru.words_per_minute"),
    ('[language.ru]\nreadability = "smog"\n', "language.ru.readability"),
    ('[language.ru]\nfont = 3\n', "language.ru.font"),
])
def test_bad_overrides_name_the_key(tmp_path, extra, key):
    with pytest.raises(HandoutError) as err:
        load_config(_root(tmp_path, extra))
    assert key in str(err.value)


def test_language_must_be_tables(tmp_path):
    (tmp_path / "handout.toml").write_text('languages = ["en", "ru"]\nlanguage = 3\nregion = "CA"\n'
                                           '[regions.CA]\nemergency_number = "911"\n', encoding="utf-8")
    with pytest.raises(HandoutError) as err:
        load_config(tmp_path)
    assert "key 'language'" in str(err.value)
