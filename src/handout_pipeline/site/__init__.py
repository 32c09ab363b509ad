"""The static status site: every handout x language at a glance, with previews, findings and charts.

`build_site(project, out)` writes plain HTML files that open from disk (file://) or from GitHub/GitLab Pages.
Translations are untrusted text: Jinja2 autoescapes every value, and each page's Content-Security-Policy
allows one script only, by its hash (the audio chapter links), and nothing from the network."""

from __future__ import annotations

import base64
import hashlib
import json
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

from handout_pipeline.checks.run import root_key
from handout_pipeline.errors import HandoutError
from handout_pipeline.fsutil import write_atomic
from handout_pipeline.project import Project
from handout_pipeline.site import charts, media
from handout_pipeline.site.collect import BLOCKED, READY, REASONS, Cell, Status, collect
from handout_pipeline.site.plain import explain, severity_words

STATE_FILE = ".site-state.json"


@dataclass
class SiteResult:
    out: Path
    pages: int = 0
    written: int = 0                 # files whose bytes changed
    thumbnails_rendered: int = 0     # PDFs whose pages were rendered now
    thumbnails_reused: int = 0       # PDFs unchanged since the last run: images kept
    ready: int = 0
    blocked: int = 0
    removed: int = 0                 # files an earlier run wrote for what is gone now
    notes: list[str] = field(default_factory=list)


def _environment():
    from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape

    env = Environment(loader=PackageLoader("handout_pipeline.site", "templates"),
                      autoescape=select_autoescape(enabled_extensions=("html", "svg"), disabled_extensions=("css",),
                                                   default=True),
                      undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=True)
    env.filters["pct"] = lambda share: f"{share:.0%}"
    env.filters["num"] = lambda v: f"{v:g}" if isinstance(v, (int, float)) else str(v)
    env.filters["clock"] = lambda s: f"{int(s // 60)}:{int(s % 60):02d}"
    env.globals.update(native_name=native_name, READY=READY, BLOCKED=BLOCKED, REASONS=REASONS,
                       width=charts.WIDTH, label_w=charts.LABEL, bar_w=charts.BAR, row_h=charts.ROW)
    return env


def _script() -> tuple[str, str]:
    """The one inline script (seek the audio to a chapter) and its CSP hash."""
    text = resources.files("handout_pipeline.site").joinpath("templates/seek.js").read_text("utf-8").strip()
    return text, "sha256-" + base64.b64encode(hashlib.sha256(text.encode("utf-8")).digest()).decode()


def _csp(script_hash: str | None) -> str:
    script = f"'{script_hash}'" if script_hash else "'none'"
    return ("default-src 'none'; img-src 'self'; media-src 'self'; style-src 'self'; "
            f"script-src {script}; base-uri 'none'; form-action 'none'; object-src 'none'")


def native_name(language) -> str:
    from babel.core import Locale

    try:
        return Locale.parse(language.code).display_name or language.name
    except (ValueError, TypeError):
        return language.name


class _Writer:
    def __init__(self, out: Path, root: Path, result: SiteResult):
        self.out, self.result = out, result
        self.forbidden = str(root)  # the build machine's folders never appear in the site

        self.produced: set[str] = set()

    def text(self, rel: str, text: str) -> None:
        self.produced.add(rel)
        text = text.replace(self.forbidden + "/", "").replace(self.forbidden, ".")
        data = text.encode("utf-8")
        path = self.out / rel
        if not (path.is_file() and path.read_bytes() == data):
            write_atomic(path, data)
            self.result.written += 1


def build_site(project: Project, out: Path | None = None) -> SiteResult:
    """Write the status site into `out` (default output/site); only what changed is rewritten."""
    out = Path(out) if out is not None else project.config.output_dir / "site"
    if out.resolve() in (project.root.resolve(), project.config.source_dir.resolve(),
                         project.config.locales_dir.resolve()):
        raise HandoutError("the site would overwrite the content", out, hint="choose an empty folder with -o")
    result = SiteResult(out)
    status = collect(project)
    env = _environment()
    script, script_hash = _script()
    state_path = out / STATE_FILE
    try:
        state = json.loads(state_path.read_text("utf-8"))
    except (OSError, ValueError):
        state = {}
    images_state: dict = {}
    write = _Writer(out, project.root, result)
    common = {"languages": status.languages, "handouts": status.handouts, "checked_formats": status.checked_formats,
              "region": project.config.region.name}

    pages = {}
    for (handout_id, tag), cell in status.cells.items():
        pages[(handout_id, tag)] = _cell_media(project, out, cell, state.get("images", {}), images_state, result)
    write.text("site.css", env.get_template("site.css").render(**common))
    readability = {h: charts.readability_rows(status, h) for h in status.handouts}
    write.text("index.html", env.get_template("matrix.html").render(
        **common, status=status, csp=_csp(None), base="", script=None, readability=readability,
        progress=charts.progress_rows(status), times=charts.build_time_rows(status)))
    result.pages += 1
    page = env.get_template("page.html")
    for (handout_id, tag), cell in status.cells.items():
        media_info = pages[(handout_id, tag)]
        write.text(f"{handout_id}/{tag}.html", page.render(
            **common, cell=cell, csp=_csp(script_hash if media_info["chapters"] else None), base="../",
            script=script if media_info["chapters"] else None, findings=_findings(cell),
            read_row=charts.readability_row(cell.language.name, cell.readability),
            measure_name=charts.measure_name(cell.readability), **media_info))
        result.pages += 1
        result.ready += cell.state == READY
        result.blocked += cell.state == BLOCKED
    for images in images_state.values():
        write.produced.update(p for page in images["pages"] for p in (page["thumb"], page["full"]))
    write.produced.update(d["href"] for m in pages.values() for d in m["downloads"])
    result.removed = _prune(out, state.get("produced", []), write.produced | {STATE_FILE})
    write.text(STATE_FILE, json.dumps({"images": images_state, "produced": sorted(write.produced)}, indent=1,
                                      sort_keys=True) + "\n")
    return result


def _prune(out: Path, before: list, now: set[str]) -> int:
    """Remove what an earlier run wrote and this one did not (a language or handout taken out): nothing else."""
    removed = 0
    for rel in before:
        path = out / rel
        if isinstance(rel, str) and rel not in now and ".." not in Path(rel).parts and path.is_file():
            path.unlink()
            removed += 1
            for folder in path.parents:   # and the folders that held only it
                if folder == out or not folder.is_relative_to(out) or any(folder.iterdir()):
                    break
                folder.rmdir()
    return removed


def _cell_media(project: Project, out: Path, cell: Cell, known: dict, images_state: dict,
                result: SiteResult) -> dict:
    key = f"{cell.handout}/{cell.language.tag}"
    downloads, images, chapters, audio, voice = [], [], [], None, ""
    for fmt, output in cell.outputs.items():
        if output.source_rel is None:
            continue
        source = project.root / output.source_rel
        rel = f"files/{key}/{source.name}"
        media.copy_if_changed(source, out / rel)
        downloads.append({"format": fmt, "href": rel, "name": source.name, "size": output.size,
                          "state": output.state})
        if fmt == "pdf":
            digest = media.sha256(source)
            images, rendered = media.page_images(source, out, f"pages/{key}", digest, known.get(key))
            images_state[key] = media.image_record(digest, images)
            if rendered:
                result.thumbnails_rendered += 1
            else:
                result.thumbnails_reused += 1
        if fmt == "mp3":
            audio = rel
            chapters = media.chapters(source)
            voice = media.voice(source)
    return {"downloads": downloads, "images": images, "chapters": chapters, "audio": audio, "voice": voice}


def _findings(cell: Cell) -> list[dict]:
    """Root findings first by severity, each with the findings that follow from it, in plain words."""
    order = {"error": 0, "warning": 1, "info": 2}
    roots = [f for f in cell.findings if f.cause is None]
    followers: dict[str, list] = {}
    for f in cell.findings:
        if f.cause is not None:
            followers.setdefault(f.cause, []).append(f)
    shown = []
    for f in sorted(roots, key=lambda f: (order[f.severity], f.check, f.message_id or "")):
        meaning, todo = explain(f)
        shown.append({"finding": f, "severity": severity_words(f.severity), "meaning": meaning, "todo": todo,
                      "follows": followers.pop(root_key(f), [])})
    for found in followers.values():  # a consequence whose cause is not among this cell's findings
        for f in found:
            meaning, todo = explain(f)
            shown.append({"finding": f, "severity": severity_words(f.severity), "meaning": meaning, "todo": todo,
                          "follows": []})
    return shown
