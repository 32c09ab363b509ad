"""Translations are untrusted data: never markup, never a fetch, never a file read, never a broken part."""

from __future__ import annotations

import http.server
import subprocess
import threading
import zipfile

import pytest

from helpers import check_json, copy_root, edit_catalog, message, run


@pytest.fixture
def server():
    hits: list[str] = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802 - http.server's name
            hits.append(self.path)
            self.send_response(200)
            self.end_headers()
            self.wfile.write(b"body{background:red}")

        def log_message(self, *args):
            pass

    httpd = http.server.HTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield httpd.server_address[1], hits
    httpd.shutdown()
    httpd.server_close()


def base_url(port: int) -> str:
    return f"http://127.0.0.1:{port}"


def hostile(port: int) -> dict[str, str]:
    base = base_url(port)
    return {
        "heading/your-care": f'<img src="{base}/img.png"> Vos soins',
        "paragraph/rest": f"<style>@import url({base}/imp.css);</style>Reposez votre genou pendant **24 heures**. "
                          "Ne courez *pas*.",
        "item/pills": f'<link rel="stylesheet" href="{base}/link.css">Prenez vos comprimés.',
        "item/pills-morning": f'<div style="background: url({base}/bg.png)">Prenez 2 comprimés</div> '
                              '<img src="file:///etc/passwd">',
        "heading/medicines": f'<a href="javascript:alert(1)">Médicaments</a> <iframe src="{base}/frame"></iframe>',
        "warning-sign/fever": "De la fièvre. </w:t></w:r><w:r><w:t>injected",
        "glossary/swelling/definition": "<![CDATA[x]]> & <script>fetch('" + base + "/js')</script> gonflement",
        "attribution": f'<speak><audio src="{base}/ssml.wav"/><voice name="en">Adapté</voice></speak>',
    }


def test_catalog_full_of_urls_fetches_nothing_and_stays_literal(tmp_path, server):
    port, hits = server
    root = copy_root(tmp_path)
    strings = hostile(port)

    def edit(catalog):
        for context, value in strings.items():
            message(catalog, context).string = value
    edit_catalog(root, "fr", edit)
    result = run(root, "build", "-j", "1", "-l", "fr", "-f", "pdf", "-f", "docx", "-f", "txt", "-f", "mp3")
    assert result.exit_code == 0, result.output
    assert hits == [], f"the build fetched {hits}"
    out = root / "output/mini/fr"
    pdf_text = subprocess.run(["pdftotext", "-enc", "UTF-8", str(out / "mini.fr.pdf"), "-"],
                              capture_output=True, check=True).stdout.decode()
    squashed = "".join(pdf_text.split())
    assert "".join(f'<img src="http://127.0.0.1:{port}/img.png">'.split()) in squashed
    assert "<script>" in squashed
    txt = (out / "mini.fr.txt").read_text()
    assert "</w:t></w:r><w:r><w:t>injected" in txt
    with zipfile.ZipFile(out / "mini.fr.docx") as docx_zip:
        assert docx_zip.testzip() is None
    import docx
    document = docx.Document(str(out / "mini.fr.docx"))
    cells = [p for table in document.tables for cell in table._cells for p in cell.paragraphs]  # tier boxes
    text = "\n".join(p.text for p in [*document.paragraphs, *cells])
    assert "</w:t></w:r><w:r><w:t>injected" in text and "<script>" in text
    from mutagen.id3 import ID3
    narration = "".join(str(f.text) for f in ID3(str(out / "mini.fr.mp3")).getall("USLT"))
    assert f'<audio src="{base_url(port)}/ssml.wav"/>' in narration  # read as text, never as SSML


def test_check_refuses_markup_and_links_in_translations(tmp_path):
    root = copy_root(tmp_path)
    strings = hostile(9)

    def edit(catalog):
        for context, value in strings.items():
            message(catalog, context).string = value
    edit_catalog(root, "fr", edit)
    code, report = check_json(root, "--no-outputs", "-l", "fr")
    flagged = {f["message_id"] for f in report["findings"] if f["severity"] == "error" and "markup" in f["detail"]}
    assert code == 1
    assert set(strings) <= flagged, set(strings) - flagged


def test_bidi_override_that_reorders_a_number_is_an_error(tmp_path):
    root = copy_root(tmp_path)
    edit_catalog(root, "ar", lambda c: setattr(message(c, "paragraph/rest"), "string",
                                               "أرح ركبتك لمدة **\u202e24\u202c ساعة**. *لا* تركض."))
    code, report = check_json(root, "--no-outputs", "-l", "ar")
    assert code == 1
    assert any("U+202E" in f["detail"] and f["message_id"] == "paragraph/rest" for f in report["findings"])


def test_handout_ids_and_languages_cannot_escape_the_root(tmp_path):
    root = copy_root(tmp_path)
    for args in (["build", "--handout", "../../etc/passwd"], ["build", "-l", "../fr"],
                 ["update", "-l", "../../x"], ["extract", "--handout", "/etc/passwd"]):
        result = run(root, *args)
        assert result.exit_code == 2, (args, result.output)
        assert "error:" in result.output and "Traceback" not in result.output
    assert not (tmp_path / "etc").exists()
