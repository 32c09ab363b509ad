"""The `handout` command: parse options, call the pipeline, print, exit. Nothing else lives here."""

from __future__ import annotations

import functools
import json
import math
import os
import sys
import time
from pathlib import Path

import click

from handout_pipeline import __version__
from handout_pipeline.errors import BuildCrashed, HandoutError
from handout_pipeline.formats import FORMATS


class _Lazy:
    """A module imported on first use: `handout --help` loads neither Babel nor the writers."""

    def __init__(self, name: str) -> None:
        self._name = name

    def __getattr__(self, attr: str):
        import importlib

        return getattr(importlib.import_module(self._name), attr)


catalogs = _Lazy("handout_pipeline.i18n.catalogs")


def _fail(message: str) -> None:
    for line in message.splitlines() or [""]:   # several configuration errors: one line each
        click.echo(f"error: {line}", err=True)
    sys.exit(2)


def user_errors(func):
    """Turn a HandoutError into one line on stderr and exit status 2."""

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        try:
            return func(*args, **kwargs)
        except HandoutError as exc:
            _fail(str(exc))
        except BuildCrashed as exc:
            click.echo(f"error: {exc}", err=True)
            sys.exit(1)
        except KeyboardInterrupt:
            click.echo("interrupted: files already written are complete; run the command again", err=True)
            sys.exit(130)

    return wrapper


@click.group(context_settings={"help_option_names": ["-h", "--help"]},
             epilog="New here? 'handout init' in an empty folder, then 'handout build' and 'handout check'. "
                    "The manual ships with the tool: 'handout docs' lists its topics, 'handout docs source' "
                    "prints one.")
@click.option("--root", type=click.Path(file_okay=False, path_type=Path), default=".",
              show_default=True, help="The content root: the folder with handout.toml, source/ and locales/.")
@click.version_option(__version__, prog_name="handout")
@click.pass_context
def main(ctx: click.Context, root: Path) -> None:
    """Turn one patient handout into every language and format, and check that no warning sign is lost."""
    ctx.obj = root


@main.command()
@click.argument("folder", required=False, type=click.Path(file_okay=False, path_type=Path))
@click.pass_context
@user_errors
def init(ctx: click.Context, folder: Path | None) -> None:
    """Start a folder of handouts: a commented handout.toml, an example handout using every construct of the
    source format, and a .gitignore (FOLDER, else --root, else here; nothing is overwritten)."""
    from handout_pipeline.starter import init as start

    target = folder if folder is not None else ctx.obj
    for path in start(target):
        click.echo(f"wrote {path}")
    where = "" if target == Path(".") else f"cd {target} && "
    click.echo(f"next: {where}handout build && handout check  (handout docs start explains the next steps)")


@main.command("new")
@click.argument("handout_id", metavar="ID")
@click.pass_context
@user_errors
def new_handout(ctx: click.Context, handout_id: str) -> None:
    """Add a handout: writes source/ID.md, a short handout to fill in."""
    import datetime as dt

    from handout_pipeline.starter import new

    project = _project(ctx)
    path = new(project.config.source_dir, handout_id, dt.date.today().isoformat())
    click.echo(f"wrote {path.relative_to(project.root)}: write the handout, then run handout extract, "
               "handout update and handout build")


@main.command()
@click.argument("topic", required=False)
@user_errors
def docs(topic: str | None) -> None:
    """The manual, shipped with the tool: the list of topics, or TOPIC (e.g. source, facts, languages)."""
    from handout_pipeline import manual

    click.echo(manual.index() if topic is None else manual.topic_text(topic), nl=False)


def _project(ctx: click.Context) -> Project:
    from handout_pipeline.project import Project

    return Project.open(ctx.obj)


def _wrap_options(func):
    """--width/--no-wrap as in msgcat; --check as in `black --check`: say what is out of date, write nothing."""
    func = click.option("--check", "check_only", is_flag=True,
                        help="Write nothing; exit 1 if a file is out of date (for CI and pre-commit).")(func)
    func = click.option("--no-wrap", is_flag=True, help="Do not wrap long lines (as msgcat --no-wrap).")(func)
    return click.option("--width", type=click.IntRange(20, 1000), default=None,
                        help="Line width of the PO files (default: [catalogs] width, else 79 as GNU gettext).")(func)


def _po_width(project: Project, width: int | None, no_wrap: bool) -> int | None:
    return None if no_wrap else (width or project.config.po_width)


def _out_of_date(stale: list[str]) -> None:
    if stale:
        click.echo(f"{len(stale)} file(s) out of date: run the same command without --check and commit the result",
                   err=True)
        sys.exit(1)


@main.command()
@click.option("--handout", "handouts", multiple=True, metavar="ID", help="Only this handout (repeatable).")
@_wrap_options
@click.pass_context
@user_errors
def extract(ctx: click.Context, handouts: tuple[str, ...], width, no_wrap, check_only) -> None:
    """Write the translation templates locales/<handout-id>.pot from the sources."""
    project = _project(ctx)
    stale = []
    for handout_id in project.handout_ids(handouts):
        handout = project.handout(handout_id)
        template = catalogs.build_template(handout, project.source_rel(handout_id))
        path = project.pot_path(handout_id)
        changed = catalogs.save_if_changed(template, path, _po_width(project, width, no_wrap), dry_run=check_only)
        rel = path.relative_to(project.root)
        if check_only:
            click.echo(f"{'out of date' if changed else 'current'} {rel}")
            stale += [str(rel)] if changed else []
            continue
        click.echo(f"{'wrote' if changed else 'unchanged'} {rel} ({len(template)} messages)")
    _out_of_date(stale)


@main.command()
@click.option("-l", "--language", "languages", multiple=True, metavar="LANG", help="Only this language (repeatable).")
@click.option("--handout", "handouts", multiple=True, metavar="ID", help="Only this handout (repeatable).")
@_wrap_options
@click.pass_context
@user_errors
def update(ctx: click.Context, languages: tuple[str, ...], handouts: tuple[str, ...], width, no_wrap,
           check_only) -> None:
    """Create missing catalogs and merge the others with their template, keeping every translation."""
    from handout_pipeline.review.records import load_record, record_path
    from handout_pipeline.review.stamps import stamp_catalog

    project = _project(ctx)
    merges = []  # every catalog is read and checked before any is written: a bad one stops all, half done is worse
    for handout_id in project.handout_ids(handouts):
        pot = project.pot_path(handout_id)
        if not pot.exists():
            raise HandoutError("template not found", pot, hint="run 'handout extract' first")
        template = catalogs.load_catalog(pot)
        for language in project.languages(languages, translated_only=True):
            path = project.po_path(language, handout_id)
            old = catalogs.load_catalog(path, language) if path.exists() else None
            merged = catalogs.merge(template, old, language)
            stamp_catalog(merged, load_record(record_path(path)))  # which English each safety translation is for
            merges.append((path, old, merged))
    stale = []
    for path, old, merged in merges:
        changed = catalogs.save_if_changed(merged, path, _po_width(project, width, no_wrap), dry_run=check_only)
        rel = path.relative_to(project.root)
        if check_only:
            state = "missing" if old is None else ("out of date" if changed else "current")
            stale += [str(rel)] if changed else []
        else:
            state = "created" if old is None else ("updated" if changed else "unchanged")
        click.echo(f"{state} {rel}")
    _out_of_date(stale)


@main.command()
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
@click.option("-l", "--language", "languages", multiple=True, metavar="LANG", help="Only this language (repeatable).")
@click.option("--handout", "handouts", multiple=True, metavar="ID", help="Only this handout (repeatable).")
@click.option("--fail-under", type=click.FloatRange(0, 100), metavar="PERCENT",
              help="Exit 1 when a language has less than PERCENT of its source words translated (for CI).")
@click.pass_context
@user_errors
def stats(ctx: click.Context, fmt: str, languages: tuple[str, ...], handouts: tuple[str, ...],
          fail_under: float | None) -> None:
    """How far each translation is: translated, fuzzy, untranslated, obsolete, safety messages reviewed, warning
    signs, and source words (what translators quote by). Fuzzy is NOT translated; reviewed = approved in the review
    record and unchanged since."""
    from handout_pipeline.i18n.units import units
    from handout_pipeline.i18n.wordcount import word_counts
    from handout_pipeline.review.status import review_status

    project = _project(ctx)
    rows = []
    for handout_id in project.handout_ids(handouts):
        template_units = list(units(project.handout(handout_id)))
        for language in project.languages(languages, translated_only=True):
            path = project.po_path(language, handout_id)
            catalog = catalogs.load_catalog(path, language) if path.exists() else None
            if catalog is not None:
                s = catalogs.stats(template_units, catalog)
                row = {"handout": handout_id, "language": language.tag, "catalog": True, "total": s.total,
                       "translated": s.translated, "fuzzy": s.fuzzy, "untranslated": s.untranslated,
                       "obsolete": s.obsolete, "warning_signs": s.warning_signs,
                       "warning_signs_translated": s.warning_signs_translated,
                       "all_warning_signs_translated": s.all_warning_signs_translated}
            else:
                n = len(template_units)
                ws = sum(u.safety_critical for u in template_units)
                row = {"handout": handout_id, "language": language.tag, "catalog": False, "total": n,
                       "translated": 0, "fuzzy": 0, "untranslated": n, "obsolete": 0, "warning_signs": ws,
                       "warning_signs_translated": 0, "all_warning_signs_translated": ws == 0}
            review = review_status(project, handout_id, language)
            words = word_counts(template_units, catalog)
            row |= {"reviewed": review.reviewed, "unreviewed": review.unreviewed,
                    "words": {"total": words.total, "translated": words.translated, "fuzzy": words.fuzzy,
                              "untranslated": words.untranslated},
                    "translated_share": math.floor(1000 * words.translated_share) / 10}  # 99.96 is not 100.0
            rows.append(row)
    if fmt == "json":
        click.echo(json.dumps(rows, indent=2, ensure_ascii=False))
    else:
        _stats_table(rows)
    short = [r for r in rows
             if fail_under is not None and 100 * r["words"]["translated"] < fail_under * r["words"]["total"]]
    for r in short:
        click.echo(f"{r['handout']} [{r['language']}]: {r['translated_share']:.1f}% of the source words translated, "
                   f"under --fail-under {fail_under:g}: translate the rest ({r['words']['untranslated']} words "
                   f"untranslated, {r['words']['fuzzy']} fuzzy)", err=True)
    sys.exit(1 if short else 0)


def _stats_table(rows: list[dict]) -> None:
    click.echo(f"{'handout':<28} {'lang':<8} {'total':>5} {'done':>5} {'fuzzy':>5} {'todo':>5} {'obs':>4} "
               f"{'reviewed':>8} {'words done/all':>18}  warning signs")
    for r in rows:
        signs = "all translated" if r["all_warning_signs_translated"] else \
            f"MISSING {r['warning_signs'] - r['warning_signs_translated']} of {r['warning_signs']}"
        words = f"{r['words']['translated']}/{r['words']['total']} {r['translated_share']:.1f}%"
        click.echo(f"{r['handout']:<28} {r['language']:<8} {r['total']:>5} {r['translated']:>5} {r['fuzzy']:>5} "
                   f"{r['untranslated']:>5} {r['obsolete']:>4} {str(r['reviewed']) + '/' + str(r['warning_signs']):>8} "
                   f"{words:>18}  {signs}" + ("" if r["catalog"] else "  (no catalog)"))


@main.command()
@click.option("--handout", "handouts", multiple=True, metavar="ID", help="Only this handout (repeatable).")
@click.option("-l", "--language", "languages", multiple=True, metavar="LANG", help="Only this language (repeatable).")
@click.option("-f", "--format", "formats", multiple=True, type=click.Choice(list(FORMATS)),
              help="Only this format (repeatable).")
@click.option("-j", "--jobs", type=click.IntRange(1, 64), default=None,
              help="Worker processes (default: the number of cores).")
@click.option("--force", is_flag=True, help="Rebuild even what is up to date.")
@click.option("--shard", metavar="I/N", help="Only the I-th of N parts of the work (one per CI job; together they "
                                             "build everything once).")
@click.option("--executor", type=click.Choice(["local", "dask"]), default="local", show_default=True,
              help="local: processes on this machine; dask: the workers of a Dask cluster (needs --scheduler).")
@click.option("--scheduler", metavar="ADDRESS", help="The Dask scheduler, e.g. tcp://10.0.0.5:8786.")
@click.pass_context
@user_errors
def build(ctx: click.Context, handouts, languages, formats, jobs, force, shard, executor, scheduler) -> None:
    """Build PDF, DOCX, TXT and MP3 for every handout and language into output/."""
    from handout_pipeline import build as builder
    from handout_pipeline import executors

    if (executor == "dask") != bool(scheduler):
        raise HandoutError("--executor dask and --scheduler ADDRESS go together",
                           hint="give both (e.g. --executor dask --scheduler tcp://host:8786), or neither")
    part = executors.parse_shard(shard) if shard else None
    project = _project(ctx)
    jobs_list = builder.plan(project, handouts, languages, formats, force)
    jobs_list = executors.shard(jobs_list, *part) if part else jobs_list
    total = sum(len(job.formats) for job in jobs_list)
    workers = jobs or builder.default_workers()
    started = time.monotonic()
    with builder.build_lock(project, on_wait=lambda: click.echo("waiting for another build of this folder to finish…",
                                                                  err=True)):
        def execute(on_result):
            if executor == "dask":
                return executors.dask_execute(jobs_list, scheduler, on_result, builder.run_job)
            return builder.execute(jobs_list, workers, on_result)

        if sys.stderr.isatty() and not os.environ.get("CI"):
            with click.progressbar(length=total, label="building", file=sys.stderr) as bar:
                results = execute(lambda r: bar.update(1))
        else:
            results = execute(lambda r: click.echo(_result_line(r), err=True))
    _print_summary(project, results, time.monotonic() - started)
    _site_after(project, "build")
    failed = [r for r in results if r.status == builder.FAILED]
    if failed:
        sys.exit(1 if all(r.finding for r in failed) else 2)


def _result_line(result) -> str:
    text = f"{result.status:<10} {result.handout} {result.language} {result.format}"
    return text + (f": {result.reason}" if result.reason else "")


def _print_summary(project: Project, results, seconds: float) -> None:
    from handout_pipeline import build as builder

    counts = {status: sum(r.status == status for r in results)
              for status in (builder.BUILT, builder.UP_TO_DATE, builder.SKIPPED, builder.FAILED)}
    table: dict[tuple[str, str], dict[str, str]] = {}
    for r in results:
        table.setdefault((r.handout, r.language), {})[r.format] = r.status
    click.echo(f"{'handout':<28} {'lang':<8} " + " ".join(f"{f:<10}" for f in FORMATS))
    for (handout_id, lang), row in sorted(table.items()):
        click.echo(f"{handout_id:<28} {lang:<8} " + " ".join(f"{row.get(f, '-'):<10}" for f in FORMATS))
    problems = [r for r in results if r.status in (builder.FAILED, builder.SKIPPED) or r.reason]
    for r in sorted(problems, key=lambda r: (r.handout, r.language, r.format)):
        click.echo(f"  {r.status}: {r.handout} {r.language} {r.format}: {r.reason}")
    if counts[builder.BUILT] == 0 and counts[builder.FAILED] == 0:
        verdict = "nothing to do: every output is up to date"
    else:
        verdict = ", ".join(f"{n} {status}" for status, n in counts.items() if n)
    click.echo(f"{verdict} ({seconds:.1f} s) -> {project.config.output_dir}")


@main.command()
@click.option("--format", "fmt", type=click.Choice(["text", "json", "junit", "sarif", "codequality"]), default="text",
              show_default=True, help="junit: CI test views; sarif: GitHub code scanning; codequality: GitLab.")
@click.option("--handout", "handouts", multiple=True, metavar="ID", help="Only this handout (repeatable).")
@click.option("-l", "--language", "languages", multiple=True, metavar="LANG", help="Only this language (repeatable).")
@click.option("--no-outputs", is_flag=True, help="Check catalogs only, not the built files.")
@click.option("--visual", is_flag=True,
              help="Also look at each PDF page and each DOCX (through LibreOffice) as an image: OCR must find every "
                   "warning sign (slow; needs Tesseract).")
@click.option("--rebuild", is_flag=True,
              help="Also build again into a temporary folder and compare bytes of PDF, DOCX and TXT (for release).")
@click.option("--strict", is_flag=True, help="Warnings fail too (exit 1).")
@click.option("-j", "--jobs", type=click.IntRange(1, 64), default=None,
              help="Worker processes (default: the number of cores when there is enough to check).")
@click.option("--no-cache", is_flag=True, help="Check everything again, ignoring what earlier checks found.")
@click.option("--shard", metavar="I/N", help="Only the I-th of N parts of the handouts x languages (one per CI job).")
@click.option("-o", "--output", "out_file", type=click.Path(dir_okay=False, path_type=Path),
              help="Write the report to this file instead of the screen (written even when the input is bad).")
@click.option("--report", "also", multiple=True, metavar="FORMAT=FILE", callback=lambda c, p, v: _reports(v),
              help="Also write the report in another format, e.g. --report sarif=check.sarif (repeatable).")
@click.pass_context
@user_errors
def check(ctx: click.Context, fmt, handouts, languages, no_outputs, visual, rebuild, strict, jobs, no_cache, shard,
          out_file, also) -> None:
    """The release gate: warning signs, translation integrity, outputs, glyphs, readability. Exit 1 on any error."""
    import datetime as dt

    from handout_pipeline import report_formats as ci

    started, clock = dt.datetime.now(dt.timezone.utc), time.monotonic()
    try:
        project = _project(ctx)
        part = _shard(shard)
        result = _gate(project, handouts, languages, no_outputs, rebuild, visual, jobs, not no_cache, part)
    except HandoutError as exc:  # the CI upload step still finds a report, saying why
        _show_report(ci.CheckRun(strict=strict, seconds=time.monotonic() - clock, started=started,
                                 bad_input=ci.BadInput.of(exc, ctx.obj)), fmt, out_file, also)
        raise
    run = ci.CheckRun(result, strict, time.monotonic() - clock, started, base=ci.base_of(project.root))
    _show_report(run, fmt, out_file, also)
    _site_after(project, "check")
    sys.exit(run.exit_code)


def _gate(project: Project, handouts, languages, no_outputs: bool, rebuild: bool, visual: bool,
          jobs: int | None = None, use_cache: bool = True, shard: tuple[int, int] | None = None):
    from handout_pipeline.checks.run import run_checks

    with _progress("checking") as step:
        result = run_checks(project, handouts, languages, outputs=not no_outputs, workers=jobs,
                            use_cache=use_cache, progress=step, shard=shard)
    if rebuild:
        from handout_pipeline.checks.outputs.rebuild import rebuild_findings

        result.findings += rebuild_findings(project, handouts, languages)
    if visual:
        from handout_pipeline.checks.outputs.visual import visual_findings

        found, seen = visual_findings(project, handouts, languages)
        result.findings += found
        for handout_id, by_language in seen.items():
            for tag, metrics in by_language.items():
                result.metrics.setdefault(handout_id, {}).setdefault(tag, {})["visual"] = metrics
    return result


def _shard(text: str | None) -> tuple[int, int] | None:
    from handout_pipeline.executors import parse_shard

    return parse_shard(text) if text else None


class _progress:
    """A progress bar on a terminal (never in CI, never when stderr is a file), fed with (done, total)."""

    def __init__(self, label: str) -> None:
        self.label, self.bar, self.done = label, None, 0
        self.shown = sys.stderr.isatty() and not os.environ.get("CI")

    def __enter__(self):
        return self

    def __call__(self, done: int, total: int) -> None:
        if not self.shown or total <= 0:
            return
        if self.bar is None:
            self.bar = click.progressbar(length=total, label=self.label, file=sys.stderr)
            self.bar.__enter__()
        self.bar.update(done - self.done)
        self.done = done

    def __exit__(self, *exc) -> None:
        if self.bar is not None:
            self.bar.__exit__(*exc)


def _reports(values: tuple[str, ...]) -> list[tuple[str, Path]]:
    from handout_pipeline.report_formats import FORMATS

    pairs = []
    for value in values:
        fmt, _, name = value.partition("=")
        if fmt not in FORMATS or not name:
            raise click.BadParameter(f"{value!r}: write FORMAT=FILE, FORMAT one of {', '.join(FORMATS)}")
        pairs.append((fmt, Path(name)))
    return pairs


def _show_report(run, fmt: str, out_file: Path | None, also: list[tuple[str, Path]]) -> None:
    """The report to the file (a one-line summary on screen) or to the screen; GitHub annotations on stderr."""
    from handout_pipeline import report_formats as ci
    from handout_pipeline.fsutil import write_text_atomic

    if os.environ.get("GITHUB_ACTIONS") == "true":  # the runner reads workflow commands from stderr too
        for line in ci.github_annotations(run):
            click.echo(line, err=True)
    for other, path in also:
        write_text_atomic(path, ci.render(other, run) + "\n")
    text = ci.render(fmt, run)
    if out_file:
        write_text_atomic(out_file, text + "\n")
        click.echo(f"report written to {out_file}" if run.bad_input else f"{ci.summary(run)} (report: {out_file})")
    elif not (run.bad_input and fmt == "text"):  # stderr already has the line for people
        click.echo(text)


@main.command()
@click.option("-o", "--output", "out_dir", type=click.Path(file_okay=False, path_type=Path),
              help="The folder to write the site into (default: output/site).")
@click.pass_context
@user_errors
def site(ctx: click.Context, out_dir: Path | None) -> None:
    """Write the status site: every handout x language, with previews, findings and charts (open index.html)."""
    from handout_pipeline.site import build_site

    done = build_site(_project(ctx), out_dir)
    click.echo(f"wrote {done.pages} page(s), {done.written} file(s) changed; {done.ready} ready, {done.blocked} "
               f"blocked; PDF pages rendered for {done.thumbnails_rendered}, kept for {done.thumbnails_reused} "
               f"-> {done.out / 'index.html'}")


def _site_after(project: Project, command: str) -> None:
    """Refresh the status site when [site] after names this command (on stderr: stdout may carry a report)."""
    settings = project.config.site
    if command in settings.after:
        from handout_pipeline.site import build_site

        done = build_site(project, settings.out)
        click.echo(f"status site: {done.ready} ready, {done.blocked} blocked, {done.written} file(s) changed "
                   f"-> {done.out / 'index.html'}", err=True)


@main.command("import")
@click.option("-l", "--language", "language", required=True, metavar="LANG", help="The language of FILE.")
@click.option("--handout", "handout_id", metavar="ID", help="The handout FILE translates (when there are several).")
@click.argument("translated_file", metavar="FILE", type=click.Path(dir_okay=False, path_type=Path))
@click.pass_context
@user_errors
def import_translation(ctx: click.Context, language: str, handout_id: str | None, translated_file: Path) -> None:
    """Align an existing translated handout (FILE: .docx or .txt) with the English source into the language's
    catalog: paired by order and structure, safety messages fuzzy until reviewed, what could not be paired
    reported. A translation already in the catalog is kept."""
    from handout_pipeline import importer

    project = _project(ctx)
    lang = project.languages((language,), translated_only=True)
    if not lang:
        raise HandoutError("English is the source language: there is nothing to import",
                           hint="name the language of the file with -l, e.g. -l es")
    ident = _one_handout(project, handout_id)
    handout = project.handout(ident)
    pot = project.pot_path(ident)
    if not pot.exists():
        raise HandoutError("template not found", pot, hint="run 'handout extract' first")
    path = project.po_path(lang[0], ident)
    old = catalogs.load_catalog(path, lang[0]) if path.exists() else None
    segments, headings = importer.read_segments(translated_file)
    catalog, result = importer.import_translation(handout, catalogs.load_catalog(pot), old, lang[0], segments,
                                                  headings, project.config.region.facts)
    catalogs.save_if_changed(catalog, path, project.config.po_width)
    click.echo(f"{path.relative_to(project.root)}: {len(result.imported)} message(s) imported from "
               f"{translated_file.name}, {len(result.fuzzy)} of them safety messages marked fuzzy (review each in a "
               "PO editor and remove the fuzzy mark when it is right)"
               + (f"; {len(result.unsure)} ordinary message(s) paired on little evidence, marked fuzzy too: "
                  + ", ".join(result.unsure) if result.unsure else "")
               + (f"; {len(result.kept)} already translated, kept" if result.kept else ""))
    for slot in result.unpaired:
        click.echo(f"  not paired (still untranslated): {slot.context}: {slot.msgid[:70]!r}")
    for segment in result.unused:
        click.echo(f"  not used from {translated_file.name} {segment.where}: {segment.text[:70]!r}")
    left = [m.context for m in catalog if m.id and not catalogs.is_translated(m) and "fuzzy" not in m.flags
            and m.context not in {slot.context for slot in result.unpaired}]
    if left:
        click.echo(f"  still to translate in a PO editor ({len(left)}; the file does not show them): {', '.join(left)}")
    click.echo("next: handout update, then handout check -l " + lang[0].tag)


def _one_file_options(verb: str, what: str, default: str):
    """-l LANG (required), --handout ID and -o FILE, for a command that writes one file for one language."""
    def wrap(command):
        command = click.option("-o", "--output", "out_file", type=click.Path(dir_okay=False, path_type=Path),
                               help=f"Where to write {what} (default: {default} here).")(command)
        command = click.option("--handout", "handout_id", metavar="ID",
                               help="The handout (needed when there are several).")(command)
        return click.option("-l", "--language", required=True, metavar="LANG",
                            help=f"The language to {verb}.")(command)
    return wrap


@main.group()
def review() -> None:
    """Clinical review: a worksheet for the reviewer, their notes back, and their sign-off of each safety message."""


def _one_language(project: Project, language: str, what: str = "review"):
    (lang,) = project.languages((language,))
    if lang.code == "en":
        raise HandoutError(f"English is the source language: there is no translation to {what}",
                           hint="name a translated language with -l, e.g. -l fr")
    return lang


@review.command("export")
@_one_file_options("review", "the worksheet", "<handout>.<lang>.review.xlsx")
@click.pass_context
@user_errors
def review_export(ctx: click.Context, language: str, handout_id: str | None, out_file: Path | None) -> None:
    """Write a review worksheet (XLSX) to open in Excel or LibreOffice: safety messages first."""
    from handout_pipeline.review import worksheet

    project = _project(ctx)
    lang = _one_language(project, language)
    handout_id = _one_handout(project, handout_id)
    out = out_file or Path(worksheet.default_name(handout_id, lang))
    rows = worksheet.write_worksheet(project, lang, handout_id, out)
    click.echo(f"wrote {out} ({rows} messages, safety messages first): give it to the reviewer; they fill in "
               f"Back-translation and Comment, then run 'handout review import {out}'")


def _one_handout(project: Project, handout_id: str | None) -> str:
    ids = project.handout_ids((handout_id,) if handout_id else ())
    if len(ids) > 1:
        raise HandoutError("there are several handouts", project.config.source_dir,
                           hint=f"choose one with --handout ({', '.join(ids)})")
    return ids[0]


@review.command("import")
@click.argument("worksheet_file", metavar="FILE", type=click.Path(dir_okay=False, path_type=Path))
@click.pass_context
@user_errors
def review_import(ctx: click.Context, worksheet_file: Path) -> None:
    """Keep the back-translations and comments of a filled worksheet in the review record."""
    from handout_pipeline.review import worksheet

    project = _project(ctx)
    done = worksheet.import_worksheet(project, worksheet_file)
    click.echo(f"kept {done.back_translations} back-translation(s) and {done.comments} comment(s) in "
               f"{done.record}; when the reviewer is satisfied: handout review approve -l {done.language.code} "
               '--by "NAME, ROLE"')


@review.command("approve")
@click.option("-l", "--language", required=True, metavar="LANG", help="The language approved.")
@click.option("--by", "by", required=True, metavar='"NAME, ROLE"', help='Who approves, e.g. "Dr Ana Ruiz, medical translator".')
@click.option("--message", "messages", multiple=True, metavar="ID",
              help="Only this message (repeatable), e.g. warning-sign/fever. Default: every safety message not yet approved as it is now.")
@click.option("--handout", "handout_id", metavar="ID", help="The handout (needed when there are several).")
@click.pass_context
@user_errors
def review_approve(ctx: click.Context, language: str, by: str, messages: tuple[str, ...], handout_id: str | None) -> None:
    """Record a qualified reviewer's approval of the safety translations as they are now."""
    from handout_pipeline.review.approve import approve

    project = _project(ctx)
    lang = _one_language(project, language)
    done = approve(project, lang, _one_handout(project, handout_id), by, messages)
    dropped = f"; dropped {done.notes_dropped} back-translation(s) made for an earlier translation" \
        if done.notes_dropped else ""
    click.echo(f"approved {len(done.approved)} safety message(s) of {done.handout} [{lang.tag}]"
               f" ({done.unchanged} already approved and unchanged){dropped} -> {done.record}: commit it")


@main.group()
def xliff() -> None:
    """XLIFF 1.2 for CAT tools (Crowdin, Phrase, memoQ, Trados): export a catalog, import its translations."""


@xliff.command("export")
@_one_file_options("export", "the XLIFF file", "<handout>.<lang>.xlf")
@click.pass_context
@user_errors
def xliff_export(ctx: click.Context, language: str, handout_id: str | None, out_file: Path | None) -> None:
    """Write one XLIFF 1.2 file: every message with its stable ID, notes, tier and source line."""
    from handout_pipeline.exchange import xliff as exchange

    project = _project(ctx)
    lang = _one_language(project, language, "export")
    handout_id = _one_handout(project, handout_id)
    out = out_file or Path(exchange.default_name(handout_id, lang))
    count = exchange.export_xliff(project, lang, handout_id, out)
    click.echo(f"wrote {out} ({count} units): translate it in your tool, then run 'handout xliff import {out}'")


@xliff.command("import")
@click.argument("xliff_file", metavar="FILE", type=click.Path(dir_okay=False, path_type=Path))
@click.pass_context
@user_errors
def xliff_import(ctx: click.Context, xliff_file: Path) -> None:
    """Take the translations of a translated XLIFF file into its catalog (nothing is written if any unit is bad)."""
    from handout_pipeline.exchange import xliff as exchange

    project = _project(ctx)
    done = exchange.import_xliff(project, xliff_file)
    rel = done.path.relative_to(project.root) if done.path.is_relative_to(project.root) else done.path
    click.echo(f"{'updated' if done.written else 'unchanged'} {rel}: {done.changed} translation(s) taken, "
               f"{done.unchanged} unchanged, {done.untranslated} left untranslated in the file")
    if done.safety_changed:
        click.echo(f"{len(done.safety_changed)} safety translation(s) changed and now unreviewed "
                   f"({', '.join(done.safety_changed)}): run 'handout check', then have them reviewed "
                   f"('handout review export -l {done.language.code}', 'handout review approve')")


@main.group()
def recordings() -> None:
    """Human recordings of the narration: a script for the voice talent, and stamping what they recorded."""


@recordings.command("script")
@_one_file_options("record", "the script", "<handout>.<lang>.recording-script.csv")
@click.pass_context
@user_errors
def recordings_script(ctx: click.Context, language: str, handout_id: str | None, out_file: Path | None) -> None:
    """Write the recording script (CSV): every message in reading order, safety messages marked, file to record."""
    from handout_pipeline.recordings import script

    project = _project(ctx)
    (lang,) = project.languages((language,))
    handout_id = _one_handout(project, handout_id)
    lines = script.script_lines(project, lang, handout_id)
    out = out_file or Path(script.default_name(handout_id, lang))
    script.write_script(lines, out)
    todo = sum(1 for line in lines if line.recording is None or line.recording.status != "current")
    click.echo(f"wrote {out} ({len(lines)} messages, {sum(line.safety for line in lines)} safety; {todo} to record): "
               "save each recording as its File column says, then run "
               f"'handout recordings stamp -l {lang.code}'")


@recordings.command("stamp")
@click.option("-l", "--language", required=True, metavar="LANG", help="The language recorded.")
@click.option("--handout", "handout_id", metavar="ID", help="The handout (needed when there are several).")
@click.option("--message", "messages", multiple=True, metavar="ID",
              help="Only this message (repeatable), also when its text changed: you confirm the recording says it.")
@click.pass_context
@user_errors
def recordings_stamp(ctx: click.Context, language: str, handout_id: str | None, messages: tuple[str, ...]) -> None:
    """Record which text each new recording says (a sidecar .json next to it), so a text change is noticed."""
    from handout_pipeline.recordings import script

    project = _project(ctx)
    (lang,) = project.languages((language,))
    done = script.stamp(project, lang, _one_handout(project, handout_id), messages)
    click.echo(f"stamped {len(done.stamped)} recording(s) ({done.current} already current)")
    if done.stale:
        click.echo(f"not stamped, the text changed since they were recorded: {', '.join(done.stale)}: record them "
                   "again (or confirm one with --message ID)", err=True)
    if done.orphans:
        click.echo(f"recordings of no message of the narration (not used): {', '.join(done.orphans)}", err=True)


if __name__ == "__main__":  # pragma: no cover
    main()
