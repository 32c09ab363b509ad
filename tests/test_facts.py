"""Region facts from configuration: [facts] declares a fact and its kind, each [regions.X] gives its value;
the source uses it as {name}; phone facts are validated, kept out of the typed text and read digit by digit."""

import pytest

from helpers import edit_catalog, message, run

CONFIG = '''languages = ["en", "fr"]
region = "CA"

[facts]
poison_control = "phone"
hospital = { kind = "text", description = "the name of the nearest hospital" }

[regions.CA]
name = "Canada"
emergency_number = "911"
nurse_line = "811"
poison_control = "{poison}"
hospital = "Riverside General Hospital"
{extra}
'''
NEW_TEXT = ("If you take too many pills, call Poison Control at {poison_control}. {#poison}\n\n"
            "The closest emergency room is at {hospital}. {#hospital}\n")
FRENCH = {"paragraph/poison": "Si vous prenez trop de comprimés, appelez le Centre antipoison au {poison_control}.",
          "paragraph/hospital": "Le service des urgences le plus proche : {hospital}."}


def _root(mini_root, poison="1-844-764-7669", extra="", text=NEW_TEXT, french=FRENCH):
    (mini_root / "handout.toml").write_text(CONFIG.replace("{poison}", poison).replace("{extra}", extra),
                                            encoding="utf-8")
    source = mini_root / "source" / "mini.md"
    body = source.read_text(encoding="utf-8")
    anchor = "Rest your knee for **24 hours**. Do *not* run. {#rest}\n"
    source.write_text(body.replace(anchor, anchor + "\n" + text), encoding="utf-8")
    for args in (("extract",), ("update", "-l", "fr")):
        result = run(mini_root, *args)
        assert result.exit_code == 0, result.output

    def translate(catalog):
        for context, string in french.items():
            message(catalog, context).string = string
    edit_catalog(mini_root, "fr", translate)
    return mini_root


def test_declared_facts_fill_every_format_and_pass_the_gate(mini_root, cli):
    root = _root(mini_root)
    result = cli(root, "build", "-f", "txt", "-f", "docx")
    assert result.exit_code == 0, result.output
    fr = (root / "output/mini/fr/mini.fr.txt").read_text(encoding="utf-8")
    assert "appelez le Centre antipoison au 1-844-764-7669." in fr
    assert "Le service des urgences le plus proche : Riverside General Hospital." in fr
    assert "{" not in fr
    result = cli(root, "check", "--no-outputs")
    assert result.exit_code == 0, result.output


def test_phone_fact_is_spoken_digit_by_digit_and_a_text_fact_as_words(mini_root):
    from handout_pipeline.project import Project
    from handout_pipeline.writers.audio import narration
    project = Project.open(_root(mini_root))
    handout = project.localized("mini", project.config.language("en")).handout
    said = " | ".join(cue.text for cue in narration(handout))
    assert "call Poison Control at 1, 8 4 4, 7 6 4, 7 6 6 9." in said
    assert "The closest emergency room is at Riverside General Hospital." in said
    assert "8 1 1" in said   # the built-in fact still read digit by digit


def test_translation_that_drops_or_types_the_fact_fails(mini_root, cli):
    french = dict(FRENCH, **{"paragraph/poison": "Si vous prenez trop de comprimés, appelez le 1-844-764-7669."})
    root = _root(mini_root, french=french)
    result = cli(root, "check", "--no-outputs")
    assert result.exit_code == 1
    assert "paragraph/poison" in result.output and "placeholder {poison_control} is missing" in result.output


def test_a_region_without_the_fact_is_an_error_naming_both(mini_root, cli):
    root = _root(mini_root, extra='[regions.US]\nname = "United States"\nemergency_number = "911"\n'
                                  'hospital = "Mercy Hospital"\n')
    result = cli(root, "check", "--no-outputs")
    assert result.exit_code == 1
    assert ("the handout uses {poison_control} but region US (United States) has no poison_control"
            in result.output)
    # The chosen region lacking it: the build refuses, naming both, and writes nothing.
    toml = root / "handout.toml"
    toml.write_text(toml.read_text(encoding="utf-8").replace('region = "CA"', 'region = "US"'), encoding="utf-8")
    result = cli(root, "build", "-f", "txt")
    assert result.exit_code == 2
    assert "uses {poison_control} but region US (United States) has no poison_control" in result.output
    assert not (root / "output/mini/fr/mini.fr.txt").exists()


def test_when_a_region_has_the_fact_its_text_is_kept_else_dropped(mini_root, cli):
    text = ("Call Poison Control at {poison_control}. {#poison when=poison_control}\n\n"
            "Ask your pharmacist about your pills. {#poison-none unless=poison_control}\n\n"
            "The closest emergency room is at {hospital}. {#hospital}\n")
    french = dict(FRENCH, **{"paragraph/poison": "Appelez le Centre antipoison au {poison_control}.",
                             "paragraph/poison-none": "Posez vos questions sur vos comprimés au pharmacien."})
    root = _root(mini_root, text=text, french=french,
                 extra='[regions.US]\nname = "United States"\nemergency_number = "911"\nhospital = "Mercy Hospital"\n')
    assert cli(root, "check", "--no-outputs").exit_code == 0
    toml = root / "handout.toml"
    toml.write_text(toml.read_text(encoding="utf-8").replace('region = "CA"', 'region = "US"'), encoding="utf-8")
    assert cli(root, "build", "-f", "txt", "-l", "fr").exit_code == 0
    fr = (root / "output/mini/fr/mini.fr.txt").read_text(encoding="utf-8")
    assert "pharmacien" in fr and "antipoison" not in fr and "Mercy Hospital" in fr


@pytest.mark.parametrize("poison", ["+1 (844) 764-7669", "18447647669", "988"])
def test_unusual_correct_phone_numbers_are_accepted(mini_root, cli, poison):
    root = _root(mini_root, poison=poison)
    result = cli(root, "check", "--no-outputs")
    assert result.exit_code == 0, result.output


@pytest.mark.parametrize("poison, extra, key, words", [
    ("1-844-764-766", "", "regions.CA.poison_control", "is not a phone number in CA"),   # a digit short
    ("Poison Control", "", "regions.CA.poison_control", "must be a phone number"),
    ("1-844-764-7669", "crisis_line = \"988\"\n", "regions.CA.crisis_line", "declare it first"),
])
def test_bad_fact_values_name_the_key(mini_root, cli, poison, extra, key, words):
    root = _root(mini_root)
    toml = root / "handout.toml"
    text = CONFIG.replace("{poison}", poison).replace("{extra}", "")
    text = text.replace('hospital = "Riverside General Hospital"\n', 'hospital = "Riverside General Hospital"\n' + extra)
    toml.write_text(text, encoding="utf-8")
    result = cli(root, "build", "-f", "txt")
    assert result.exit_code == 2
    assert key in result.output and words in result.output
    assert "Traceback" not in result.output


@pytest.mark.parametrize("facts, key, words", [
    ('poison_control = "number"', "facts.poison_control", "is not a kind of fact"),
    ('poison_control = { kind = "phone", about = "x" }', "facts.poison_control", "kind and description"),
    ('emergency_number = "text"', "facts.emergency_number", "built-in phone-number fact"),
    ('Poison = "phone"', "facts.Poison", "not a usable fact name"),
])
def test_bad_fact_declarations_name_the_key(tmp_path, facts, key, words):
    from handout_pipeline.config import load_config
    from handout_pipeline.errors import HandoutError
    (tmp_path / "handout.toml").write_text(
        f'languages = ["en"]\nregion = "CA"\n[facts]\n{facts}\n[regions.CA]\nemergency_number = "911"\n',
        encoding="utf-8")
    with pytest.raises(HandoutError) as err:
        load_config(tmp_path)
    assert key in str(err.value) and words in str(err.value)


def test_text_fact_with_braces_is_refused(mini_root, cli):
    root = _root(mini_root)
    toml = root / "handout.toml"
    toml.write_text(toml.read_text(encoding="utf-8").replace("Riverside General Hospital", "{emergency_number}"),
                    encoding="utf-8")
    result = cli(root, "check", "--no-outputs")
    assert result.exit_code == 2 and "regions.CA.hospital" in result.output


def test_undeclared_placeholder_says_how_to_declare_it(mini_root, cli):
    source = mini_root / "source" / "mini.md"
    anchor = "Rest your knee for **24 hours**. Do *not* run. {#rest}\n"
    source.write_text(source.read_text(encoding="utf-8").replace(
        anchor, anchor + "\nCall Poison Control at {poison_control}. {#poison}\n"), encoding="utf-8")
    result = cli(mini_root, "extract")
    assert result.exit_code == 2
    assert "unknown placeholder {poison_control}" in result.output and "[facts]" in result.output
    assert "mini.md:19" in result.output or "line 19" in result.output


def test_a_declared_phone_number_typed_into_the_source_is_an_error(mini_root, cli):
    text = NEW_TEXT + "\nOr call 1-844-764-7669 any time. {#typed}\n"
    root = _root(mini_root, text=text, french=dict(FRENCH, **{"paragraph/typed": "Ou appelez le 1-844-764-7669."}))
    result = cli(root, "check", "--no-outputs")
    assert result.exit_code == 1
    assert "a phone number (1-844-764-7669) is typed into the text" in result.output
