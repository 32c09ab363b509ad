"""Run every check over a content root: catalogs, outputs, glyphs, readability -> findings and metrics."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, replace
from typing import Callable

from handout_pipeline.checks import Finding
from handout_pipeline.formats import FORMATS
from handout_pipeline.project import Project

SEVERITY_ORDER = {"error": 0, "warning": 1, "info": 2}


@dataclass
class Report:
    findings: list[Finding] = field(default_factory=list)
    metrics: dict = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not any(f.severity == "error" for f in self.findings)

    def sorted_findings(self) -> list[Finding]:
        return sorted(self.findings, key=lambda f: (SEVERITY_ORDER[f.severity], f.handout, f.language, f.check,
                                                    f.message_id or ""))


# Below this many entries to check, one process does it: a worker pool costs about a second to start.
MIN_PARALLEL = 8


@dataclass(frozen=True, slots=True)
class CheckJob:
    """One cache entry's worth of checking: a handout's source (language None) or a handout in a language."""

    root: str
    handout: str
    language: str | None    # locale code
    outputs: bool
    formats: tuple[str, ...]


def run_checks(project: Project, handouts: tuple[str, ...] = (), languages: tuple[str, ...] = (),
               outputs: bool = True, formats: tuple[str, ...] = FORMATS, workers: int | None = None,
               use_cache: bool = True, progress: Callable[[int, int], None] | None = None,
               shard: tuple[int, int] | None = None) -> Report:
    """Every check over handouts x languages; entries whose inputs are unchanged come from the cache, the rest
    run across `workers` processes (None: the cores, when there are at least MIN_PARALLEL entries to check);
    `progress(done, total)` after each entry; `shard` (I, N): only the I-th of N parts of the entries."""
    from handout_pipeline.checks import cache

    ids = project.handout_ids(handouts)
    langs = project.languages(languages)
    formats = tuple(formats)
    jobs = [CheckJob(str(project.root), h, lang, outputs, formats)
            for h in ids for lang in (None, *(language.code for language in langs))]
    if shard:  # the I-th of N parts, as build --shard splits its plan
        from handout_pipeline.executors import shard as part

        jobs = part(jobs, *shard)
    done: dict[CheckJob, tuple[list[Finding], dict | None]] = {}
    misses: list[tuple[CheckJob, str | None]] = []
    for job in jobs:
        key = _key(project, job) if use_cache else None
        hit = cache.load(_entry_path(project, job), key) if key else None
        if hit is None:
            misses.append((job, key))
        else:
            done[job] = hit
            if progress:
                progress(len(done), len(jobs))
    for handout_id in dict.fromkeys(job.handout for job, _ in misses):
        project.handout(handout_id)  # a broken source is one clear error before any work starts

    def finished(job: CheckJob, key: str | None, result: tuple[list[Finding], dict | None]) -> None:
        done[job] = result
        if key is not None and _key(project, job) == key:  # not changed while it was being checked
            cache.store(_entry_path(project, job), key, *result)
        if progress:
            progress(len(done), len(jobs))

    _execute(project, misses, workers, finished)
    report = Report()
    for job in jobs:
        found, metrics = done[job]
        report.findings += found
        per_language = report.metrics.setdefault(job.handout, {})
        if job.language is not None:
            per_language[project.config.language(job.language).tag] = metrics
    return report


def _key(project: Project, job: CheckJob) -> str:
    from handout_pipeline.checks import cache

    language = project.config.language(job.language) if job.language else None
    return cache.entry_key(project, job.handout, language, job.outputs, job.formats)


def _entry_path(project: Project, job: CheckJob):
    from handout_pipeline.checks import cache

    return cache.entry_path(project, job.handout, project.config.language(job.language).tag if job.language else None)


def _execute(project: Project, misses: list[tuple[CheckJob, str | None]], workers: int | None, finished) -> None:
    """Inline for a few entries (or one worker); else a process pool, each worker loading its resources once."""
    from handout_pipeline.build import default_workers

    count = default_workers() if workers is None and len(misses) >= MIN_PARALLEL else (workers or 1)
    count = min(count, len(misses))
    if count <= 1:
        for job, key in misses:
            finished(job, key, check_entry(project, job))
        return
    from concurrent.futures import ProcessPoolExecutor, as_completed
    from concurrent.futures.process import BrokenProcessPool
    from multiprocessing import get_context

    from handout_pipeline.build import BuildCrashed

    try:
        with ProcessPoolExecutor(max_workers=count, mp_context=get_context("spawn")) as pool:
            futures = {pool.submit(run_job, job): (job, key) for job, key in misses}
            for future in as_completed(futures):
                finished(*futures[future], future.result())
    except BrokenProcessPool:
        raise BuildCrashed("a check worker stopped unexpectedly (killed or out of memory): run 'handout check' "
                           "again") from None


def run_job(job: CheckJob) -> tuple[list[Finding], dict | None]:
    """A worker's entry point: open the content root, check one entry."""
    return check_entry(Project.open(job.root), job)


def check_entry(project: Project, job: CheckJob) -> tuple[list[Finding], dict | None]:
    """The findings (and, for a language, the metrics) of one entry."""
    # Imported here: an unchanged check reads its findings from the cache and never needs these.
    from handout_pipeline.checks.catalog import catalog_findings
    from handout_pipeline.checks.content import LanguageIdentifier
    from handout_pipeline.checks.glyphs import declared_fonts, glyph_findings
    from handout_pipeline.checks.lint import lint_findings
    from handout_pipeline.checks.locate import with_locations
    from handout_pipeline.checks.outputs import output_findings
    from handout_pipeline.checks.qa import qa_findings
    from handout_pipeline.checks.readability import readability
    from handout_pipeline.checks.recordings import recording_findings
    from handout_pipeline.checks.review import project_review_findings
    from handout_pipeline.i18n import catalogs
    from handout_pipeline.i18n.translate import Translated, resolve, translate
    from handout_pipeline.i18n.units import units

    source = project.handout(job.handout)
    if job.language is None:
        return (_template_findings(project, job.handout, source)
                + lint_findings(source, project.config, project.source_rel(job.handout))), None
    handout_id, language, cfg = job.handout, project.config.language(job.language), project.config.check
    identifier = LanguageIdentifier(project.config.languages)  # its models are loaded once per process
    template_units = list(units(source))
    metrics: dict = {}
    catalog = po_rel = None
    found: list[Finding] = []
    if language.code != "en":
        path = project.po_path(language, handout_id)
        po_rel = path.relative_to(project.root).as_posix()
        catalog = catalogs.load_catalog(path, language) if path.exists() else None
        found += catalog_findings(handout_id, language, template_units, catalog, cfg, po_rel, identifier)
        found += project_review_findings(project, handout_id, language, template_units, catalog)
        found += qa_findings(handout_id, language, template_units, catalog, po_rel,
                             canadian=project.config.region.country == "CA")
        if catalog is not None:
            metrics["catalog"] = asdict(catalogs.stats(template_units, catalog))
    translated = translate(source, catalog, language)
    region = project.config.region
    shown = Translated(resolve(translated.handout, region.facts, region.text_facts), translated.missing)
    found += glyph_findings(handout_id, language, shown.handout, declared_fonts(language))
    found += recording_findings(project, handout_id, language, shown.handout)
    if job.outputs:
        found += output_findings(project, handout_id, language, shown.handout, job.formats)
    hard, metrics["readability"] = readability(shown.handout, language, cfg)
    return with_locations(with_causes(found + hard), template_units, project.source_rel(handout_id), po_rel,
                          catalog), metrics


ROOT_CHECKS = ("warning-signs",)  # untranslated, fuzzy, stale: what the outputs then lack follows from these


def root_key(finding: Finding) -> str:
    return f"{finding.check}:{finding.message_id or '*'}"


def with_causes(findings: list[Finding]) -> list[Finding]:
    """Hang each output finding that follows from an untranslated, fuzzy or stale safety message under it."""
    roots = {f.message_id: root_key(f) for f in findings if f.check in ROOT_CHECKS and f.severity == "error"}
    if not roots:
        return findings
    first = next(iter(roots.values()))
    linked = []
    for f in findings:
        if f.check == "outputs" and f.severity == "error" and f.cause is None:
            f = replace(f, cause=roots.get(f.message_id, first))
        linked.append(f)
    return linked


def _template_findings(project: Project, handout_id: str, source) -> list[Finding]:
    from handout_pipeline.i18n import catalogs

    pot = project.pot_path(handout_id)
    pot_rel = pot.relative_to(project.root).as_posix()
    expected = catalogs.build_template(source, project.source_rel(handout_id))
    if not pot.exists():
        return [Finding("catalogs", "error", handout_id, "en", None,
                        f"no template {pot.name}: run 'handout extract' then 'handout update'", path=pot_rel)]
    current = catalogs.load_catalog(pot)
    have = {(m.context, m.id) for m in current if m.id}
    want = {(m.context, m.id) for m in expected if m.id}
    if have != want:
        return [Finding("catalogs", "error", handout_id, "en", None,
                        f"template {pot.name} is out of date with the source ({len(want - have)} new or changed, "
                        f"{len(have - want)} removed messages): run 'handout extract' then 'handout update'",
                        path=pot_rel)]
    return []
