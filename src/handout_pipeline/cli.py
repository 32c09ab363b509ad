"""The `handout` command: parse options, call the pipeline, print, exit. Nothing else lives here."""

from __future__ import annotations

import functools
import json
import sys
from pathlib import Path

import click

from handout_pipeline import __version__
from handout_pipeline.errors import HandoutError
from handout_pipeline.i18n import catalogs
from handout_pipeline.i18n.units import units
from handout_pipeline.project import Project


def _fail(message: str) -> None:
    click.echo(f"error: {message}", err=True)
    sys.exit(2)


def user_errors(func):
    """Turn a HandoutError into one line on stderr and exit status 2."""

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        try:
            return func(*args, **kwargs)
        except HandoutError as exc:
            _fail(str(exc))
        except KeyboardInterrupt:
            click.echo("interrupted: files already written are complete; run the command again", err=True)
            sys.exit(130)

    return wrapper


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--root", type=click.Path(file_okay=False, path_type=Path), default=".",
              show_default=True, help="The content root: the folder with handout.toml, source/ and locales/.")
@click.version_option(__version__, prog_name="handout")
@click.pass_context
def main(ctx: click.Context, root: Path) -> None:
    """Turn one patient handout into every language and format, and check that no warning sign is lost."""
    ctx.obj = root


def _project(ctx: click.Context) -> Project:
    return Project.open(ctx.obj)


@main.command()
@click.option("--handout", "handouts", multiple=True, metavar="ID", help="Only this handout (repeatable).")
@click.pass_context
@user_errors
def extract(ctx: click.Context, handouts: tuple[str, ...]) -> None:
    """Write the translation templates locales/<handout-id>.pot from the sources."""
    project = _project(ctx)
    for handout_id in project.handout_ids(handouts):
        handout = project.handout(handout_id)
        template = catalogs.build_template(handout, project.source_rel(handout_id))
        path = project.pot_path(handout_id)
        changed = catalogs.save_if_changed(template, path)
        click.echo(f"{'wrote' if changed else 'unchanged'} {path.relative_to(project.root)} "
                   f"({len(template)} messages)")


@main.command()
@click.option("-l", "--language", "languages", multiple=True, metavar="LANG", help="Only this language (repeatable).")
@click.option("--handout", "handouts", multiple=True, metavar="ID", help="Only this handout (repeatable).")
@click.pass_context
@user_errors
def update(ctx: click.Context, languages: tuple[str, ...], handouts: tuple[str, ...]) -> None:
    """Create missing catalogs and merge the others with their template, keeping every translation."""
    project = _project(ctx)
    for handout_id in project.handout_ids(handouts):
        pot = project.pot_path(handout_id)
        if not pot.exists():
            raise HandoutError("template not found", pot, hint="run 'handout extract' first")
        template = catalogs.load_catalog(pot)
        for language in project.languages(languages, translated_only=True):
            path = project.po_path(language, handout_id)
            old = catalogs.load_catalog(path, language) if path.exists() else None
            merged = catalogs.merge(template, old, language)
            changed = catalogs.save_if_changed(merged, path)
            state = "created" if old is None else ("updated" if changed else "unchanged")
            click.echo(f"{state} {path.relative_to(project.root)}")


@main.command()
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
@click.option("-l", "--language", "languages", multiple=True, metavar="LANG", help="Only this language (repeatable).")
@click.option("--handout", "handouts", multiple=True, metavar="ID", help="Only this handout (repeatable).")
@click.pass_context
@user_errors
def stats(ctx: click.Context, fmt: str, languages: tuple[str, ...], handouts: tuple[str, ...]) -> None:
    """How far each translation is: translated, fuzzy, untranslated, obsolete, warning signs. Fuzzy is NOT translated."""
    project = _project(ctx)
    rows = []
    for handout_id in project.handout_ids(handouts):
        template_units = list(units(project.handout(handout_id)))
        for language in project.languages(languages, translated_only=True):
            path = project.po_path(language, handout_id)
            if path.exists():
                s = catalogs.stats(template_units, catalogs.load_catalog(path, language))
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
            rows.append(row)
    if fmt == "json":
        click.echo(json.dumps(rows, indent=2, ensure_ascii=False))
        return
    header = f"{'handout':<28} {'lang':<8} {'total':>5} {'done':>5} {'fuzzy':>5} {'todo':>5} {'obs':>4}  warning signs"
    click.echo(header)
    for r in rows:
        signs = "all translated" if r["all_warning_signs_translated"] else \
            f"MISSING {r['warning_signs'] - r['warning_signs_translated']} of {r['warning_signs']}"
        click.echo(f"{r['handout']:<28} {r['language']:<8} {r['total']:>5} {r['translated']:>5} {r['fuzzy']:>5} "
                   f"{r['untranslated']:>5} {r['obsolete']:>4}  {signs}" + ("" if r["catalog"] else "  (no catalog)"))


if __name__ == "__main__":  # pragma: no cover
    main()
