"""Run every check over a content root: catalogs, outputs, glyphs, readability -> findings and metrics."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, replace

from handout_pipeline.checks import Finding
from handout_pipeline.checks.catalog import catalog_findings
from handout_pipeline.checks.content import LanguageIdentifier
from handout_pipeline.checks.lint import lint_findings
from handout_pipeline.checks.locate import with_locations
from handout_pipeline.checks.glyphs import declared_fonts, glyph_findings
from handout_pipeline.checks.outputs import output_findings
from handout_pipeline.checks.qa import qa_findings
from handout_pipeline.checks.readability import readability
from handout_pipeline.checks.review import project_review_findings
from handout_pipeline.i18n import catalogs
from handout_pipeline.i18n.translate import Translated, resolve, translate
from handout_pipeline.i18n.units import units
from handout_pipeline.project import Project
from handout_pipeline.writers import FORMATS

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


def run_checks(project: Project, handouts: tuple[str, ...] = (), languages: tuple[str, ...] = (),
               outputs: bool = True, formats: tuple[str, ...] = FORMATS) -> Report:
    report = Report()
    cfg = project.config.check
    identifier = LanguageIdentifier(project.config.languages)  # loaded once, on first use
    for handout_id in project.handout_ids(handouts):
        source = project.handout(handout_id)
        template_units = list(units(source))
        report.findings += _template_findings(project, handout_id, source)
        report.findings += lint_findings(source, project.config, project.source_rel(handout_id))
        report.metrics[handout_id] = {}
        for language in project.languages(languages):
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
            if outputs:
                found += output_findings(project, handout_id, language, shown.handout, formats)
            hard, metrics["readability"] = readability(shown.handout, language, cfg)
            report.findings += with_locations(with_causes(found + hard), template_units,
                                              project.source_rel(handout_id), po_rel, catalog)
            report.metrics[handout_id][language.tag] = metrics
    return report


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
