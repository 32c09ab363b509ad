"""`handout site`: the static status site, opened in headless Chromium from disk (file://), with axe-core."""

from __future__ import annotations

import json
import re
import shutil
import tempfile
from html import unescape
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest

from handout_pipeline.checks import Finding
from handout_pipeline.project import Project
from handout_pipeline.site import build_site
from handout_pipeline.site.collect import reason_kind, reasons
from handout_pipeline.site.charts import _verdict
from helpers import copy_root, edit_catalog, message, run

AXE = Path(__file__).parent / "browser" / "node_modules" / "axe-core" / "axe.min.js"
CHROMIUM, CHROMEDRIVER = shutil.which("chromium"), shutil.which("chromedriver")
HOSTILE = '<script>window.__pwned=1</script>" onerror="window.__pwned=2" <img src=x onerror=window.__pwned=3>'
SHOTS = Path(tempfile.gettempdir()) / "handout-site-screenshots"


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    """The mini handout: a hostile Tagalog title, French approved, PDF+TXT everywhere, MP3 for en and fr."""
    root = copy_root(tmp_path_factory.mktemp("site"))

    def hostile(catalog):
        message(catalog, "title").string = "Pangangalaga " + HOSTILE
        message(catalog, "glossary/swelling/term").string = "pamamaga " + HOSTILE

    edit_catalog(root, "tl", hostile)
    assert run(root, "update").exit_code == 0
    approved = run(root, "review", "approve", "-l", "fr", "--by", "Dr Ana Ruiz, medical translator")
    assert approved.exit_code == 0, approved.output
    assert run(root, "build", "-j", "2", "-f", "pdf", "-f", "txt").exit_code == 0
    assert run(root, "build", "-l", "en", "-l", "fr", "-f", "mp3").exit_code == 0
    done = run(root, "site", "-o", str(root / "public"))
    assert done.exit_code == 0, done.output
    return root, root / "public", done.output


@pytest.fixture(scope="module")
def browser():
    assert CHROMIUM and CHROMEDRIVER, "headless Chromium is missing: run 'make setup' (Debian chromium, chromium-driver)"
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    for flag in ("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync",
                 "--window-size=1280,900", "--autoplay-policy=no-user-gesture-required"):
        options.add_argument(flag)
    profile = tempfile.mkdtemp(prefix="handout-chromium-")
    options.add_argument(f"--user-data-dir={profile}")
    options.binary_location = CHROMIUM
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(options=options, service=Service(CHROMEDRIVER))
    yield driver
    driver.quit()
    shutil.rmtree(profile, ignore_errors=True)


def _open(browser, path: Path):
    browser.get(path.as_uri())
    return browser


def _screenshot(browser, name: str) -> Path:
    """A full-page screenshot, kept in the temp folder for a person to look at."""
    height = browser.execute_script("return document.documentElement.scrollHeight")
    browser.set_window_size(1280, min(max(height, 600), 4000))
    SHOTS.mkdir(exist_ok=True)
    out = SHOTS / f"{name}.png"
    browser.save_screenshot(str(out))
    browser.set_window_size(1280, 900)
    data = out.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 20_000, f"{out} is not a real screenshot"
    return out


def _axe(browser) -> list[dict]:
    browser.execute_script(AXE.read_text("utf-8"))
    result = browser.execute_async_script(
        "const done = arguments[arguments.length - 1];"
        "axe.run(document, {resultTypes: ['violations']}).then(r => done(JSON.stringify(r.violations)),"
        " e => done(JSON.stringify([{id: 'axe-error', impact: 'critical', help: String(e), nodes: []}])));")
    return json.loads(result)


def _cell(browser, tag: str):
    return browser.find_element("css selector", f'.matrix td[data-lang="{tag}"]')


# ---------------------------------------------------------------- what the site says

def test_command_summary(site):
    _, out, printed = site
    assert "wrote 7 page(s)" in printed and "2 ready, 4 blocked" in printed
    assert (out / "index.html").is_file() and (out / "mini" / "zh-Hans.html").is_file()


def test_matrix_states_and_reasons(site, browser):
    _, out, _ = site
    _open(browser, out / "index.html")
    assert _cell(browser, "en").get_attribute("data-state") == "ready"
    assert _cell(browser, "fr").get_attribute("data-state") == "ready"     # approved, clean, all formats built
    ar = _cell(browser, "ar")
    assert ar.get_attribute("data-state") == "blocked"
    assert set(ar.get_attribute("data-reasons").split()) == {"unreviewed", "outputs"}   # its MP3 was not built
    assert "11 warning message(s) not yet approved" in ar.text and "Translated\n100% (30/30)" in ar.text
    tl = _cell(browser, "tl")
    assert "check-errors" in tl.get_attribute("data-reasons").split()   # the markup in the hostile title
    assert "outputs" not in tl.get_attribute("data-reasons").split()    # no voice: no MP3 is expected
    shot = _screenshot(browser, "matrix")
    assert shot.stat().st_size > 20_000


def test_filters_work_without_script_and_by_keyboard(site, browser):
    from selenium.webdriver.common.keys import Keys

    _, out, _ = site
    _open(browser, out / "index.html")
    assert browser.execute_script("return document.scripts.length") == 0    # the matrix needs no script at all
    browser.find_element("css selector", 'label[for="f-lang-ar"]').click()
    shown = [c.get_attribute("data-lang") for c in browser.find_elements("css selector", ".matrix td") if c.is_displayed()]
    assert shown == ["ar"]
    browser.find_element("id", "f-lang-all").click()
    state_all = browser.find_element("id", "f-state-all")
    state_all.send_keys(Keys.SPACE)
    state_all.send_keys(Keys.ARROW_RIGHT)   # arrow keys move through a radio group: now "Ready"
    assert browser.find_element("id", "f-state-ready").is_selected()
    visible = {c.get_attribute("data-lang") for c in browser.find_elements("css selector", ".matrix td")
               if c.find_element("css selector", ".cell").is_displayed()}
    assert visible == {"en", "fr"}
    browser.find_element("id", "f-state-all").click()


def test_every_link_and_image_resolves_offline(site):
    _, out, _ = site
    pages = sorted(out.rglob("*.html"))
    assert len(pages) == 7
    checked = 0
    for page in pages:
        for url in _references(page.read_text("utf-8")):
            parts = urlsplit(url)
            assert not parts.scheme and not parts.netloc, f"{page.name} refers outside the site: {url}"
            if not parts.path:
                continue   # a fragment of the same page
            target = (page.parent / unquote(parts.path)).resolve()
            assert target.is_file(), f"{page.relative_to(out)} links to {url}, which does not exist"
            assert out.resolve() in target.parents, f"{url} leaves the site folder"
            checked += 1
    assert checked > 40


def test_images_load_in_the_browser(site, browser):
    _, out, _ = site
    _open(browser, out / "mini" / "fr.html")
    sizes = browser.execute_script("return [...document.images].map(i => [i.complete, i.naturalWidth])")
    assert len(sizes) >= 2 and all(done and width > 100 for done, width in sizes)
    badge = browser.find_element("css selector", ".badge")   # the stylesheet loaded (its rules apply)
    assert badge.value_of_css_property("font-weight") == "700" and badge.value_of_css_property("border-top-width") == "2px"


@pytest.mark.parametrize("page", ["index.html", "mini/en.html", "mini/fr.html", "mini/ar.html", "mini/zh-Hans.html",
                                  "mini/pa.html", "mini/tl.html"])
def test_axe_finds_no_serious_violation(site, browser, page):
    _, out, _ = site
    _open(browser, out / page)
    violations = _axe(browser)
    serious = [f"{v['id']} ({v['impact']}): {v['help']} — {[n.get('target') for n in v['nodes'][:3]]}"
               for v in violations if v.get("impact") in ("serious", "critical")]
    assert serious == []


def test_axe_catches_a_crafted_bad_page(tmp_path, browser):
    bad = tmp_path / "bad.html"
    bad.write_text('<!doctype html><html><head><title>x</title></head><body><img src="a.png">'
                   '<p style="color:#bbb;background:#fff">faint</p><input type="text"></body></html>')
    ids = {v["id"] for v in _axe(_open(browser, bad)) if v.get("impact") in ("serious", "critical")}
    assert {"image-alt", "html-has-lang", "color-contrast", "label"} <= ids


def test_rtl_and_cjk_pages(site, browser):
    _, out, _ = site
    for tag, direction, name in (("ar", "rtl", "arabic"), ("zh-Hans", "ltr", "chinese")):
        _open(browser, out / "mini" / f"{tag}.html")
        title = browser.find_element("css selector", f'h1 [lang="{tag}"]')
        assert title.get_attribute("dir") == direction and title.text
        snippets = browser.find_elements("css selector", f'[lang="{tag}"]')
        assert len(snippets) > 5 and all(s.get_attribute("dir") == direction for s in snippets)
        assert browser.find_element("css selector", "html").get_attribute("lang") == "en"
        _screenshot(browser, name)
    assert "العناية" in (out / "mini" / "ar.html").read_text("utf-8")


def test_audio_chapters_seek_with_the_hashed_script(site, browser):
    from selenium.webdriver.common.keys import Keys

    _, out, _ = site
    _open(browser, out / "mini" / "fr.html")
    links = browser.find_elements("css selector", ".chapters a[data-seek]")
    assert len(links) >= 4   # two sections and the warning tiers inside the second
    nested = browser.find_elements("css selector", ".chapters ol a[data-seek]")
    assert nested and all(a.get_attribute("href").split("#t=")[1] == a.get_attribute("data-seek") for a in links)
    target = nested[0]
    seek = float(target.get_attribute("data-seek"))
    browser.execute_script("arguments[0].scrollIntoView({block: 'center'}); arguments[0].focus()", target)
    target.send_keys(Keys.ENTER)   # by keyboard
    assert browser.execute_script("return document.getElementById('narration').currentTime") == pytest.approx(seek, abs=0.5)
    assert browser.current_url.endswith("fr.html")   # the script handled it; without script the link opens #t=


def test_hostile_translation_shows_as_text_and_runs_nothing(site, browser):
    _, out, _ = site
    html = (out / "mini" / "tl.html").read_text("utf-8")
    assert "<script>window.__pwned" not in html and "&lt;script&gt;window.__pwned=1&lt;/script&gt;" in html
    csp = re.search(r'http-equiv="Content-Security-Policy" content="([^"]+)"', html)
    assert csp and "script-src 'none'" in unescape(csp.group(1)) and "default-src 'none'" in unescape(csp.group(1))
    for page in ("mini/tl.html", "index.html"):
        _open(browser, out / page)
        assert browser.execute_script("return window.__pwned === undefined")
        assert browser.execute_script("return document.querySelectorAll('img[src=x], [onerror]').length") == 0
    _open(browser, out / "mini" / "tl.html")
    assert "<script>window.__pwned=1</script>" in browser.find_element("css selector", "h1").text
    assert "onerror=window.__pwned=3>" in browser.find_element("css selector", ".glossary dt").text


def test_no_paths_of_the_build_machine(site):
    root, out, _ = site
    for path in out.rglob("*"):
        if path.suffix in (".html", ".css", ".json"):
            text = path.read_text("utf-8")
            assert str(root) not in text and str(Path.home()) + "/" not in text and "/tmp/" not in text, path
        elif path.is_file():   # the copies of the built files and the page images
            assert str(root).encode() not in path.read_bytes(), path


def test_incremental_pages_rendered_only_for_a_changed_pdf(site):
    root, out, _ = site
    project = Project.open(root)
    thumb = out / "pages" / "mini" / "ar" / "page-1.thumb.png"
    before = thumb.stat().st_mtime_ns
    again = build_site(project, out)
    assert (again.thumbnails_rendered, again.thumbnails_reused, again.written) == (0, 6, 0)

    def reword(catalog):
        message(catalog, "paragraph/rest").string = "Reposez bien votre genou."
    edit_catalog(root, "fr", reword)
    assert run(root, "build", "-l", "fr", "-f", "pdf").exit_code == 0
    changed = build_site(project, out)
    assert (changed.thumbnails_rendered, changed.thumbnails_reused, changed.removed) == (1, 5, 0)
    assert thumb.stat().st_mtime_ns == before

    config = root / "handout.toml"   # a language taken out: its page, files and images go, nothing else
    config.write_text(config.read_text().replace(', "pa"', ""))
    mine = out / "notes.txt"
    mine.write_text("kept")
    fewer = build_site(Project.open(root), out)
    assert fewer.pages == 6 and fewer.removed >= 4
    assert not (out / "mini" / "pa.html").exists() and not (out / "files" / "mini" / "pa").exists()
    assert not (out / "pages" / "mini" / "pa" / "page-1.png").exists() and mine.read_text() == "kept"
    assert (out / "mini" / "ar.html").is_file()


# ---------------------------------------------------------------- the parts, on crafted input

def _finding(check: str, detail: str, severity: str = "error", cause: str | None = None) -> Finding:
    return Finding(check, severity, "mini", "fr", "warning-sign/x", detail, cause=cause)


def test_reasons_name_each_kind_and_skip_consequences():
    found = [_finding("warning-signs", "not translated: 'A fever.'"),
             _finding("warning-signs", "fuzzy (needs review), so not translated: 'A fever.'"),
             _finding("warning-signs", "stale: translated for an earlier English (…)"),
             _finding("integrity", "number 24 of the English is missing"),
             _finding("outputs", "the PDF lacks the sign", cause="warning-signs:warning-sign/x"),
             _finding("readability", "long sentence", severity="warning")]
    assert [reason_kind(f) for f in found[:5]] == ["untranslated", "fuzzy", "stale", "check errors", "outputs"]
    assert reason_kind(_finding("unreadable", "broken catalog")) == "unreadable"
    got = reasons(found, unreviewed=3)
    assert [(r.kind, r.count) for r in got] == [("untranslated", 1), ("fuzzy", 1), ("stale", 1), ("unreviewed", 3),
                                                ("check errors", 1)]
    assert reasons([_finding("readability", "long", severity="warning")], unreviewed=0) == []   # ready


def test_readability_verdicts_both_directions():
    assert _verdict(5.0, 6.0, 8.0, lower=True) == ("meets the aim", "ok")
    assert _verdict(7.0, 6.0, 8.0, lower=True)[1] == "warn"
    assert _verdict(9.0, 6.0, 8.0, lower=True)[1] == "bad"
    assert _verdict(85.0, 80.0, 60.0, lower=False) == ("meets the aim", "ok")   # a score: higher is easier
    assert _verdict(55.0, 80.0, 60.0, lower=False)[1] == "bad"
    assert _verdict(30.0, None, 20.0, lower=True)[1] == "bad"


def test_a_new_handout_never_built_nor_translated_and_the_handout_filter(tmp_path, browser):
    root = copy_root(tmp_path)
    source = (root / "source" / "mini.md").read_text("utf-8")
    (root / "source" / "knee-two.md").write_text(source.replace("id: mini", "id: knee-two", 1), "utf-8")
    assert run(root, "extract").exit_code == 0
    done = build_site(Project.open(root))
    assert (done.pages, done.ready, done.blocked, done.thumbnails_rendered) == (13, 0, 12, 0)
    page = (root / "output" / "site" / "mini" / "fr.html").read_text("utf-8")
    assert "Nothing built yet for this language: run <code>handout build</code>" in page
    assert "PDF missing (mini.fr.pdf): run &#39;handout build&#39;" in page
    _open(browser, root / "output" / "site" / "index.html")
    fresh = browser.find_element("css selector", 'tr[data-handout="knee-two"] td[data-lang="fr"]')
    assert set(fresh.get_attribute("data-reasons").split()) >= {"untranslated", "unreviewed"}
    assert "Translated\n0% (0/30)" in fresh.text
    browser.find_element("css selector", 'label[for="f-handout-knee-two"]').click()
    rows = [r.get_attribute("data-handout") for r in browser.find_elements("css selector", ".matrix tbody tr")
            if r.is_displayed()]
    assert rows == ["knee-two"]
    browser.find_element("css selector", 'label[for="f-state-untranslated"]').click()
    browser.find_element("css selector", 'label[for="f-handout-all"]').click()
    rows = [r.get_attribute("data-handout") for r in browser.find_elements("css selector", ".matrix tbody tr")
            if r.is_displayed()]
    assert rows == ["knee-two"]   # only the new handout waits for translators
    assert [v["id"] for v in _axe(browser) if v.get("impact") in ("serious", "critical")] == []


def test_a_broken_catalog_blocks_only_its_own_cell_and_says_where(tmp_path):
    root = copy_root(tmp_path)
    catalog = root / "locales" / "fr" / "LC_MESSAGES" / "mini.po"
    broken_line = len(catalog.read_text("utf-8").splitlines()) + 2   # the unterminated msgid
    with catalog.open("a", encoding="utf-8") as po:
        po.write('msgctxt "x"\nmsgid "unterminated\n')
    result = run(root, "site")
    assert result.exit_code == 0, result.output
    assert "0 ready, 6 blocked" in result.output
    index = (root / "output" / "site" / "index.html").read_text("utf-8")
    fr = re.search(r'<td data-lang="fr" data-state="blocked" data-reasons="([^"]*)"', index)
    assert fr and fr.group(1) == "unreadable"
    ar = re.search(r'<td data-lang="ar" data-state="blocked" data-reasons="([^"]*)"', index)
    assert ar and "unreadable" not in ar.group(1)
    page = (root / "output" / "site" / "mini" / "fr.html").read_text("utf-8")
    assert "broken catalog: a quote is not closed" in page and f"locales/fr/LC_MESSAGES/mini.po:{broken_line}" in page
    assert "cannot be read, so nothing in this language can be checked or built" in page
    assert str(root) not in page


def test_site_refuses_to_overwrite_the_content(tmp_path):
    root = copy_root(tmp_path)
    result = run(root, "site", "-o", str(root / "locales"))
    assert result.exit_code == 2 and "would overwrite the content" in result.output
    assert "Traceback" not in result.output


class _Refs(HTMLParser):
    def __init__(self):
        super().__init__()
        self.urls: list[str] = []

    def handle_starttag(self, tag, attrs):
        for name, value in attrs:
            if name in ("href", "src") and value:
                self.urls.append(value)


def _references(html: str) -> list[str]:
    parser = _Refs()
    parser.feed(html)
    return parser.urls
