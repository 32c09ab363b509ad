"""handout import -l LANG FILE: an existing translated handout (Word or text) aligned with the English source
into the catalog, safety messages fuzzy until reviewed, a report of what could not be paired."""

import shutil

import pytest

from helpers import FIXTURES, edit_catalog, message, run
from handout_pipeline.i18n.catalogs import load_catalog
from handout_pipeline.languages import get_language

ID = "when-to-call"
ES = get_language("es")
SAFETY = ("warning-intro/", "warning-sign/", "warning-note/", "label/emergency", "label/urgent")

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")


@pytest.fixture(scope="module")
def translated(tmp_path_factory):
    """The lead fixture's Spanish catalog as it is, and its Spanish TXT and DOCX (what a team already has)."""
    root = tmp_path_factory.mktemp("import") / "lead"
    shutil.copytree(FIXTURES / "lead", root, ignore=shutil.ignore_patterns("output"))
    assert run(root, "build", "-l", "es", "-f", "txt", "-f", "docx").exit_code == 0
    out = root / "output" / ID / "es"
    return (load_catalog(root / "locales/es/LC_MESSAGES/when-to-call.po", ES),
            (out / f"{ID}.es.txt").read_bytes(), (out / f"{ID}.es.docx").read_bytes())


@pytest.fixture
def root(tmp_path):
    root = tmp_path / "lead"
    shutil.copytree(FIXTURES / "lead", root, ignore=shutil.ignore_patterns("output"))
    (root / "locales/es/LC_MESSAGES/when-to-call.po").unlink()   # no catalog yet: the team has only the file
    return root


def po(root):
    return load_catalog(root / "locales/es/LC_MESSAGES/when-to-call.po", ES)


@pytest.mark.parametrize("ext", ["txt", "docx"])
def test_our_own_translated_file_is_imported_exactly(root, translated, tmp_path, ext):
    original, txt, docx = translated
    file = tmp_path / f"espanol.{ext}"
    file.write_bytes(txt if ext == "txt" else docx)
    result = run(root, "import", "-l", "es", str(file))
    assert result.exit_code == 0, result.output
    catalog = po(root)
    content = [m for m in original if m.id and not m.context.startswith("label/")
               or m.context in ("label/emergency", "label/urgent")]
    for want in content:
        got = message(catalog, want.context)
        assert got.string == want.string, (want.context, got.string)
        assert ("fuzzy" in got.flags) == want.context.startswith(SAFETY), want.context
    assert "{emergency_number}" in message(catalog, "warning-note/not-sure").string      # 911 -> placeholder
    assert message(catalog, "paragraph/poison").string.endswith("al {poison_control}.")  # the fact too
    assert "11 of them safety messages marked fuzzy" in result.output
    assert "still to translate in a PO editor" in result.output and "label/draft" in result.output
    if ext == "docx":   # the page-1 emergency summary repeats the box: reported, not imported twice
        assert "not used from espanol.docx" in result.output and "Vea «Pida ayuda de inmediato»" in result.output


def test_imported_safety_messages_block_until_reviewed(root, translated, tmp_path):
    file = tmp_path / "espanol.txt"
    file.write_bytes(translated[1])
    assert run(root, "import", "-l", "es", str(file)).exit_code == 0
    result = run(root, "build", "-l", "es", "-f", "txt")
    assert result.exit_code == 1 and "fuzzy" in result.output
    edit_catalog(root, "es", lambda c: [m.flags.discard("fuzzy") for m in c], handout=ID)  # the review
    edit_catalog(root, "es", lambda c: [setattr(m, "string", o.string) for m in c for o in translated[0]
                                        if m.id and o.id and m.context == o.context and m.context.startswith("label/")],
                 handout=ID)
    assert run(root, "build", "-l", "es", "-f", "txt").exit_code == 0


HAND_MADE = """Cuándo pedir ayuda

Esta hoja le dice cuándo pedir ayuda después de su consulta.

Pida ayuda de inmediato

Llame al 911 ahora si:
- Le cuesta respirar.
- Tiene dolor en el pecho.
- Se desmayó.
Si no está seguro, llame al 911 de todos modos.

Llame a su médico hoy

Llame a su médico hoy si:
- Tiene fiebre de 38 °C (100.4 °F) o más.
- Su dolor empeora.

Medicamentos

Si tomó demasiado de un medicamento, llame al Centro de Toxicología al 1-800-222-1222.

Nuestra clínica abre de lunes a viernes, de 8 a 17 horas.

Escrito por el equipo.
"""


def test_a_hand_made_translation_with_a_gap_and_an_extra_paragraph(root, tmp_path):
    """No labels, an urgent note and a paragraph missing, a paragraph the English does not have: the rest is
    paired by order, structure and numbers; the gaps are reported."""
    file = tmp_path / "cuando.txt"
    file.write_text(HAND_MADE, encoding="utf-8")
    result = run(root, "import", "-l", "es", str(file))
    assert result.exit_code == 0, result.output
    catalog = po(root)
    assert message(catalog, "warning-sign/fever").string == "Tiene fiebre de 38 °C (100.4 °F) o más."
    assert message(catalog, "warning-intro/urgent-intro").string == "Llame a su médico hoy si:"
    assert message(catalog, "paragraph/poison").string.endswith("{poison_control}.")
    assert message(catalog, "attribution").string == "Escrito por el equipo."
    assert "not paired (still untranslated): warning-note/cannot-reach" in result.output
    assert "not paired (still untranslated): paragraph/take-as-told" in result.output
    assert "not used from cuando.txt line 23: 'Nuestra clínica abre de lunes a viernes, de 8 a 17 horas.'" in result.output
    assert message(catalog, "heading/medicines").string == "Medicamentos"


def test_a_translation_already_in_the_catalog_is_kept(root, translated, tmp_path):
    shutil.copy(FIXTURES / "lead/locales/es/LC_MESSAGES/when-to-call.po", root / "locales/es/LC_MESSAGES")
    edit_catalog(root, "es", lambda c: setattr(message(c, "paragraph/about"), "string", "Texto propio."), handout=ID)
    edit_catalog(root, "es", lambda c: setattr(message(c, "heading/medicines"), "string", ""), handout=ID)
    file = tmp_path / "espanol.txt"
    file.write_bytes(translated[1])
    result = run(root, "import", "-l", "es", str(file))
    assert result.exit_code == 0 and "1 message(s) imported" in result.output
    catalog = po(root)
    assert message(catalog, "paragraph/about").string == "Texto propio."
    assert message(catalog, "heading/medicines").string == "Medicamentos"


@pytest.mark.parametrize("name, content, words", [
    ("x.pdf", b"%PDF-1.7", "cannot import a '.pdf' file"),
    ("x.docx", b"not a zip", "is not a Word document"),
    ("x.txt", b"\xff\xfe bad", "is not UTF-8 text"),
])
def test_a_file_that_cannot_be_read_is_one_line_and_writes_nothing(root, tmp_path, name, content, words):
    file = tmp_path / name
    file.write_bytes(content)
    result = run(root, "import", "-l", "es", str(file))
    assert result.exit_code == 2 and words in result.output and "Traceback" not in result.output
    assert not (root / "locales/es/LC_MESSAGES/when-to-call.po").exists()
