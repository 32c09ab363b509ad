"""Output gate v2: a built file that hides a warning sign from the patient fails `check`, even when the text
is still in the file and the cache record was rewritten to agree (as if the pipeline had made the file).
Each kind of fault is crafted on the mini fixture; correct unusual input (RTL, CJK, Gurmukhi, a Latin term
in brackets) passes."""

from __future__ import annotations

import hashlib
import io
import json
import shutil
from pathlib import Path

import pytest

from helpers import check_json, copy_root, edit_catalog, message, run

LANGS = ("fr", "ar", "zh_Hans", "pa")
TAGS = {"fr": "fr", "ar": "ar", "zh_Hans": "zh-Hans", "pa": "pa"}
EMERGENCY = "warning-sign/cannot-breathe"
FEVER = "warning-sign/fever"


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    root = copy_root(tmp_path_factory.mktemp("v2"))
    result = run(root, "build", "-j", "2", *[a for code in LANGS for a in ("-l", code)])
    assert result.exit_code == 0, result.output
    return root


@pytest.fixture
def root(built, tmp_path):
    copy = tmp_path / "root"
    shutil.copytree(built, copy)
    return copy


def out(root: Path, code: str, ext: str) -> Path:
    return root / "output" / "mini" / TAGS[code] / f"mini.{TAGS[code]}.{ext}"


def agree(root: Path, code: str, ext: str) -> None:
    """Rewrite the build record so the tampered file looks like what the pipeline made."""
    record_path = root / "output" / ".cache" / "mini" / f"{TAGS[code]}.{ext}.json"
    record = json.loads(record_path.read_text())
    record["output_sha256"] = hashlib.sha256(out(root, code, ext).read_bytes()).hexdigest()
    record_path.write_text(json.dumps(record))


def errors(root: Path, code: str, *extra: str) -> tuple[int, list[dict]]:
    exit_code, report = check_json(root, "-l", code, *extra)
    return exit_code, [f for f in report["findings"] if f["severity"] == "error"]


def assert_named(found: list[dict], code: str, fmt: str, message_id: str, words: str) -> None:
    named = [f for f in found if f["check"] == "outputs" and f["language"] == TAGS[code]
             and f["message_id"] == message_id and fmt.upper() in f["detail"] and words in f["detail"]]
    assert named, found


@pytest.mark.parametrize("code", LANGS)
def test_correct_outputs_pass_in_every_script(root, code):
    exit_code, found = errors(root, code)
    assert exit_code == 0, found


# ---- PDF -----------------------------------------------------------------------------------------------

def _sign_box(path: Path, message_text: str):
    """(page index, x0, y0, x1, y1) of a sign's first copy on the page (the page-1 summary's), from the
    checker's own reading of the PDF."""
    return _sign_boxes(path, message_text)[0]


def _sign_boxes(path: Path, message_text: str):
    """(page index, x0, y0, x1, y1) of every copy of a sign, in page order."""
    import pdfplumber

    from handout_pipeline.checks.outputs import pdf as pdf_check

    pdf_check._read_embedded_cmaps()
    found = []
    wanted = message_text.replace(" ", "")
    with pdfplumber.open(str(path)) as doc:
        for index, page in enumerate(doc.pages):
            words = [c for c in page.chars if c["text"].strip()]
            text = "".join(c["text"] for c in words)
            at = text.find(wanted)
            while at >= 0:
                chars = words[at:at + len(wanted)]
                found.append((index, min(c["x0"] for c in chars), min(c["y0"] for c in chars),
                              max(c["x1"] for c in chars), max(c["y1"] for c in chars)))
                at = text.find(wanted, at + 1)
    assert found, f"{message_text!r} not found"
    return found


def _edit_page(path: Path, index: int, edit) -> None:
    import pikepdf

    with pikepdf.open(str(path), allow_overwriting_input=True) as pdf:
        edit(pdf, pdf.pages[index])
        pdf.save(str(path), deterministic_id=True)


def _append(pdf, page, content: bytes) -> None:
    import pikepdf

    page.contents_add(pikepdf.Stream(pdf, content), prepend=False)


def _wrap(pdf, page, before: bytes, after: bytes = b"Q\n") -> None:
    import pikepdf

    page.contents_add(pikepdf.Stream(pdf, before), prepend=True)
    page.contents_add(pikepdf.Stream(pdf, after), prepend=False)


FR_SIGN = "Vous ne pouvez pas respirer."


def test_pdf_cropbox_hiding_the_emergency_signs_fails(root):
    path = out(root, "fr", "pdf")
    index, x0, y0, x1, y1 = _sign_box(path, FR_SIGN)

    def crop(pdf, page):
        page.CropBox = [0, y1 + 2, 612, 792]
    _edit_page(path, index, crop)
    agree(root, "fr", "pdf")
    exit_code, found = errors(root, "fr")
    assert exit_code == 1
    assert_named(found, "fr", "pdf", EMERGENCY, "outside the visible page (CropBox)")


def test_pdf_white_box_painted_over_the_emergency_signs_fails(root):
    path = out(root, "fr", "pdf")
    index, x0, y0, x1, y1 = _sign_box(path, FR_SIGN)
    # The page's own stream leaves a transform in place: wrap it, then paint in page space.
    rect = f"Q q 1 1 1 rg {x0 - 2:.2f} {y0 - 2:.2f} {x1 - x0 + 4:.2f} {y1 - y0 + 4:.2f} re f Q\n".encode()
    _edit_page(path, index, lambda pdf, page: _wrap(pdf, page, b"q\n", rect))
    agree(root, "fr", "pdf")
    exit_code, found = errors(root, "fr")
    assert exit_code == 1
    assert_named(found, "fr", "pdf", EMERGENCY, "painted over")


def test_pdf_clip_hiding_the_emergency_signs_fails(root):
    path = out(root, "fr", "pdf")
    index, x0, y0, x1, y1 = _sign_box(path, FR_SIGN)
    _edit_page(path, index, lambda pdf, page: _wrap(pdf, page, f"q 0 {y1 + 2:.2f} 612 792 re W n\n".encode()))
    agree(root, "fr", "pdf")
    exit_code, found = errors(root, "fr")
    assert exit_code == 1
    assert_named(found, "fr", "pdf", EMERGENCY, "clipped away")


def _rewrite_ops(pdf, page, change) -> None:
    import pikepdf

    ops = []
    for operands, operator in pikepdf.parse_content_stream(page):
        ops += change(list(operands), operator)
    page.Contents = pikepdf.Stream(pdf, pikepdf.unparse_content_stream(ops))


def test_pdf_invisible_text_render_mode_3_fails(root):
    import pikepdf

    path = out(root, "fr", "pdf")
    index = _sign_box(path, FR_SIGN)[0]
    _edit_page(path, index, lambda pdf, page: _rewrite_ops(pdf, page, lambda operands, op: (
        [(operands, op), ([3], pikepdf.Operator("Tr"))] if str(op) == "BT" else [(operands, op)])))
    agree(root, "fr", "pdf")
    exit_code, found = errors(root, "fr")
    assert exit_code == 1
    assert_named(found, "fr", "pdf", EMERGENCY, "invisible text (render mode 3)")


def test_pdf_white_text_on_white_fails(root):
    import pikepdf

    path = out(root, "fr", "pdf")
    index = _sign_box(path, FR_SIGN)[0]
    _edit_page(path, index, lambda pdf, page: _rewrite_ops(pdf, page, lambda operands, op: (
        [(operands, op), ([1, 1, 1], pikepdf.Operator("rg"))] if str(op) == "BT" else [(operands, op)])))
    agree(root, "fr", "pdf")
    exit_code, found = errors(root, "fr")
    assert exit_code == 1
    assert_named(found, "fr", "pdf", EMERGENCY, "colour of its background")


def test_pdf_sign_under_18_points_fails(root):
    path = out(root, "fr", "pdf")
    index = _sign_box(path, FR_SIGN)[0]
    _edit_page(path, index, lambda pdf, page: _wrap(pdf, page, b"q 0.8 0 0 0.8 0 0 cm\n"))
    agree(root, "fr", "pdf")
    exit_code, found = errors(root, "fr")
    assert exit_code == 1
    assert_named(found, "fr", "pdf", EMERGENCY, "under 18 pt")


# ---- DOCX ----------------------------------------------------------------------------------------------

def _docx_edit(root: Path, code: str, sign_text: str, edit) -> None:
    import docx

    path = out(root, code, "docx")
    document = docx.Document(str(path))
    cells = [p for table in document.tables for cell in table._cells for p in cell.paragraphs]  # tier boxes
    paragraph = next(p for p in [*document.paragraphs, *cells] if p.text == sign_text)
    edit(document, paragraph)
    document.save(str(path))
    agree(root, code, "docx")


def _run_property(tag: str, **attrs):
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    def edit(document, paragraph):
        for run_ in paragraph.runs:
            rpr = run_._r.get_or_add_rPr()
            rpr.append(OxmlElement(f"w:{tag}", {qn(f"w:{k}"): v for k, v in attrs.items()}))
    return edit


@pytest.mark.parametrize("tag,attrs,words", [
    ("vanish", {}, "hidden (w:vanish)"),
    ("color", {"val": "FFFFFF"}, "colour of its background"),
    ("sz", {"val": "16"}, "under 18 pt"),
])
def test_docx_sign_hidden_white_or_tiny_fails(root, tag, attrs, words):
    _docx_edit(root, "fr", FR_SIGN, _run_property(tag, **attrs))
    exit_code, found = errors(root, "fr")
    assert exit_code == 1
    assert_named(found, "fr", "docx", EMERGENCY, words)


def test_docx_sign_moved_out_of_its_tier_fails(root):
    def move(document, paragraph):
        body = document.element.body
        paragraph._p.getparent().remove(paragraph._p)  # out of its tier's box (a table cell)
        body.insert(len(body) - 1, paragraph._p)  # before sectPr: the end of the document
    _docx_edit(root, "fr", FR_SIGN, move)
    exit_code, found = errors(root, "fr")
    assert exit_code == 1
    assert_named(found, "fr", "docx", EMERGENCY, "left its tier")


@pytest.mark.parametrize("where", ["sign", "header"])
def test_docx_shape_that_could_cover_a_sign_fails(root, where):
    """A white VML rectangle laid in front of the text: no run property of the sign changes."""
    from docx.oxml import parse_xml

    rect = parse_xml('<w:r xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main" '
                     'xmlns:v="urn:schemas-microsoft-com:vml"><w:pict><v:rect style="position:absolute;'
                     'width:400pt;height:30pt;z-index:5" fillcolor="white" stroked="f"/></w:pict></w:r>')

    def cover(document, paragraph):
        target = paragraph._p if where == "sign" else document.sections[0].header.paragraphs[0]._p
        target.append(rect)
    _docx_edit(root, "fr", FR_SIGN, cover)
    exit_code, found = errors(root, "fr")
    assert exit_code == 1
    if where == "sign":
        assert_named(found, "fr", "docx", EMERGENCY, "a VML shape in the paragraph of")
    else:
        assert any(f["check"] == "outputs" and "a VML shape in word/header" in f["detail"] for f in found), found


# ---- TXT -----------------------------------------------------------------------------------------------

def test_txt_one_word_sign_line_deleted_while_the_word_occurs_elsewhere_fails(root):
    path = out(root, "zh_Hans", "txt")
    lines = path.read_text(encoding="utf-8").split("\n")
    fever = next(line for line in lines if line.strip().lstrip("•- ").strip() == "发烧。")
    lines.remove(fever)
    lines.append("发烧。")  # the word is still in the file, just not as an item of its tier
    path.write_text("\n".join(lines), encoding="utf-8")
    agree(root, "zh_Hans", "txt")
    exit_code, found = errors(root, "zh_Hans")
    assert exit_code == 1
    assert_named(found, "zh_Hans", "txt", FEVER, "发烧")


# ---- MP3 -----------------------------------------------------------------------------------------------

def test_mp3_replaced_by_silence_of_the_same_length_with_tags_kept_fails(root):
    import lameenc
    import miniaudio
    from mutagen.id3 import ID3

    path = out(root, "fr", "mp3")
    decoded = miniaudio.decode_file(str(path), output_format=miniaudio.SampleFormat.SIGNED16, nchannels=1,
                                    sample_rate=22050)
    encoder = lameenc.Encoder()
    encoder.set_bit_rate(48)
    encoder.set_in_sample_rate(22050)
    encoder.set_out_sample_rate(22050)
    encoder.set_channels(1)
    silence = bytes(encoder.encode(bytes(2 * len(decoded.samples))) + encoder.flush())
    tags = ID3(str(path))
    buffer = io.BytesIO(silence)
    tags.save(buffer, v2_version=3)
    path.write_bytes(buffer.getvalue())
    agree(root, "fr", "mp3")
    exit_code, found = errors(root, "fr")
    assert exit_code == 1
    assert_named(found, "fr", "mp3", EMERGENCY, "silent")


def _reencode(path: Path, scale: float) -> None:
    """The MP3's own speech at another volume, every tag (chapters, script) kept."""
    import array

    import lameenc
    import miniaudio
    from mutagen.id3 import ID3

    decoded = miniaudio.decode_file(str(path), output_format=miniaudio.SampleFormat.SIGNED16, nchannels=1,
                                    sample_rate=22050)
    samples = array.array("h", (max(-32768, min(32767, round(s * scale))) for s in decoded.samples))
    encoder = lameenc.Encoder()
    encoder.set_bit_rate(48)
    encoder.set_in_sample_rate(22050)
    encoder.set_out_sample_rate(22050)
    encoder.set_channels(1)
    data = bytes(encoder.encode(samples.tobytes()) + encoder.flush())
    tags = ID3(str(path))
    buffer = io.BytesIO(data)
    tags.save(buffer, v2_version=3)
    path.write_bytes(buffer.getvalue())


def test_mp3_too_quiet_for_speech_fails_and_names_its_loudness(root):
    path = out(root, "ar", "mp3")
    _reencode(path, 0.25)            # -12 dB: a patient turns it up and misses nothing, but would have to
    agree(root, "ar", "mp3")
    exit_code, found = errors(root, "ar")
    assert exit_code == 1
    assert any("MP3" in f["detail"] and "loudness is -28" in f["detail"] for f in found), found


def test_mp3_re_encoded_at_the_same_loudness_passes(root):
    path = out(root, "zh_Hans", "mp3")
    _reencode(path, 1.0)             # another encoder pass (an unusual but correct file) stays at -16 LUFS
    agree(root, "zh_Hans", "mp3")
    exit_code, found = errors(root, "zh_Hans")
    assert exit_code == 0, found


# ---- expectations ---------------------------------------------------------------------------------------

def test_a_sign_that_normalises_to_nothing_is_an_error_never_a_match():
    from handout_pipeline.checks.outputs.common import Box, Expected, ExpectedTier, Findings, compare_boxes
    from handout_pipeline.languages import get_language
    from handout_pipeline.model import Tier
    from helpers import mini_project

    found = Findings(mini_project(), "mini", get_language("fr"), "txt", None)
    tier = ExpectedTier(Tier.EMERGENCY, "Urgence", (), (Expected("warning-sign/x", "\u200b \u00ad"),))
    compare_boxes(found, [tier], [Box("Urgence", [], ["\u200b"])])
    assert [f.message_id for f in found.items if f.severity == "error"] == ["warning-sign/x"]
    assert "nothing to look for" in found.items[0].detail and found.items[0].format == "txt"


def test_findings_name_the_output_file_and_format(root):
    from handout_pipeline.checks.outputs import output_findings
    from handout_pipeline.languages import get_language
    from handout_pipeline.project import Project

    path = out(root, "fr", "txt")
    path.write_text(path.read_text(encoding="utf-8").replace(FR_SIGN, "Vous respirez."), encoding="utf-8")
    agree(root, "fr", "txt")
    project = Project.open(root)
    language = get_language("fr")
    found = output_findings(project, "mini", language, project.localized("mini", language).handout, ("txt",))
    named = [f for f in found if f.message_id == EMERGENCY]
    assert named and named[0].format == "txt" and named[0].path == "output/mini/fr/mini.fr.txt"
    assert FR_SIGN in named[0].detail


def test_a_latin_term_in_brackets_passes(root):
    text = "Vous ne pouvez pas respirer (dyspnée, en anglais « dyspnea »)."
    edit_catalog(root, "fr", lambda c: setattr(message(c, EMERGENCY), "string", text))
    result = run(root, "build", "-j", "1", "-l", "fr")
    assert result.exit_code == 0, result.output
    exit_code, found = errors(root, "fr")
    assert not [f for f in found if f["check"] == "outputs"], found


# ---- --rebuild -----------------------------------------------------------------------------------------

def test_rebuild_finds_a_file_that_is_not_what_the_pipeline_makes(root):
    path = out(root, "fr", "txt")
    path.write_text(path.read_text(encoding="utf-8").replace(FR_SIGN, FR_SIGN + " "), encoding="utf-8")
    agree(root, "fr", "txt")
    exit_code, found = errors(root, "fr", "--rebuild")
    assert exit_code == 1
    assert any("not what the pipeline makes today" in f["detail"] and "TXT" in f["detail"] for f in found), found


def test_rebuild_passes_on_a_clean_build(root):
    exit_code, found = errors(root, "fr", "--rebuild")
    assert exit_code == 0, found


# ---- --visual ------------------------------------------------------------------------------------------

def test_visual_ocr_misses_a_sign_painted_over_and_sees_it_on_a_clean_page(root):
    from handout_pipeline.checks.outputs.visual import visual_findings
    from handout_pipeline.project import Project

    path = out(root, "fr", "pdf")
    found, seen = visual_findings(Project.open(root), (), ("fr",), workers=2)
    assert not [f for f in found if f.severity == "error"], found
    assert seen["mini"]["fr"] == {"pdf": "8 of 8", "docx": "8 of 8"}
    # Every copy (the page-1 summary and the full section): OCR finds a sign if any copy can be read.
    for index, x0, y0, x1, y1 in _sign_boxes(path, FR_SIGN):
        rect = f"Q q 1 1 1 rg {x0 - 2:.2f} {y0 - 2:.2f} {x1 - x0 + 4:.2f} {y1 - y0 + 4:.2f} re f Q\n".encode()
        _edit_page(path, index, lambda pdf, page: _wrap(pdf, page, b"q\n", rect))
    found, seen = visual_findings(Project.open(root), (), ("fr",), workers=2)
    named = [f for f in found if f.severity == "error" and f.message_id == EMERGENCY and f.format == "pdf"]
    assert named and FR_SIGN in named[0].detail, found
    assert seen["mini"]["fr"]["pdf"] == "7 of 8"


# ---- --visual: each kind of hidden sign, seen (not) on the page images ------------------------------------

def visual_errors(root: Path, code: str) -> tuple[int, list[dict], dict]:
    """Exit code, the errors `check --visual` adds (OCR), and its per-format counts of signs seen."""
    exit_code, report = check_json(root, "-l", code, "--visual")
    seen = report["metrics"]["mini"][TAGS[code]]["visual"]
    return exit_code, [f for f in report["findings"] if f["severity"] == "error"
                       and "page images" in f["detail"]], seen


def _paint_every_copy(root: Path) -> None:
    path = out(root, "fr", "pdf")
    for index, x0, y0, x1, y1 in _sign_boxes(path, FR_SIGN):
        rect = f"Q q 1 1 1 rg {x0 - 2:.2f} {y0 - 4:.2f} {x1 - x0 + 4:.2f} {y1 - y0 + 8:.2f} re f Q\n".encode()
        _edit_page(path, index, lambda pdf, page: _wrap(pdf, page, b"q\n", rect))
    agree(root, "fr", "pdf")


def _crop_every_copy(root: Path) -> None:
    path = out(root, "fr", "pdf")
    for index, x0, y0, x1, y1 in _sign_boxes(path, FR_SIGN):
        def crop(pdf, page, y1=y1):
            page.CropBox = [0, y1 + 6, 612, 792]
        _edit_page(path, index, crop)
    agree(root, "fr", "pdf")


def _move_out_of_tier(document, paragraph):
    body = document.element.body
    paragraph._p.getparent().remove(paragraph._p)
    body.insert(len(body) - 1, paragraph._p)


def _every_docx_copy(edit):
    def apply(root: Path) -> None:
        import docx

        path = out(root, "fr", "docx")
        document = docx.Document(str(path))
        for cell in [c for table in document.tables for c in table._cells]:
            for paragraph in cell.paragraphs:
                if paragraph.text == FR_SIGN:
                    edit(document, paragraph)
        document.save(str(path))
        agree(root, "fr", "docx")
    return apply


def _drawn_as_another_sign(document, paragraph):
    """The paragraph keeps its place and style but shows another sign's words (a writer mixing items up)."""
    for run_ in paragraph.runs[1:]:
        run_._r.getparent().remove(run_._r)
    paragraph.runs[0].text = "Vous avez de la fièvre."


@pytest.mark.parametrize("fmt,fault", [
    ("pdf", _paint_every_copy),
    ("pdf", _crop_every_copy),
    ("docx", _every_docx_copy(_run_property("color", val="FFFFFF"))),
    ("docx", _every_docx_copy(_run_property("vanish"))),
    ("docx", _every_docx_copy(_move_out_of_tier)),
    ("docx", _every_docx_copy(_drawn_as_another_sign)),
], ids=["pdf-painted-over", "pdf-cropbox", "docx-white-runs", "docx-vanish", "docx-moved-out-of-tier",
        "docx-drawn-as-another-sign"])
def test_visual_does_not_see_a_hidden_sign(root, fmt, fault):
    fault(root)
    exit_code, found, seen = visual_errors(root, "fr")
    assert exit_code == 1
    named = [f for f in found if f["message_id"] == EMERGENCY and f["format"] == fmt and f["language"] == "fr"
             and FR_SIGN in f["detail"] and fmt.upper() in f["detail"]]
    assert named, found
    other = "docx" if fmt == "pdf" else "pdf"
    assert seen[other] == "8 of 8"
    if fault is not _crop_every_copy:  # the crop hides the rest of its pages too
        assert [f["message_id"] for f in found] == [EMERGENCY], found  # the other signs are still seen
        assert seen[fmt] == "7 of 8"


@pytest.mark.parametrize("code", ["ar", "zh_Hans", "pa"])
def test_visual_sees_every_sign_in_arabic_chinese_and_gurmukhi(root, code):
    exit_code, found, seen = visual_errors(root, code)
    assert found == [] and exit_code == 0
    assert seen == {"pdf": "8 of 8", "docx": "8 of 8"}
