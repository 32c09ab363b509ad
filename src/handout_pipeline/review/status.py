"""How far the clinical review of one catalog is: reviewed / unreviewed safety messages, and draft or not."""

from __future__ import annotations

from dataclasses import dataclass

from handout_pipeline.i18n import catalogs
from handout_pipeline.i18n.units import units
from handout_pipeline.languages import Language
from handout_pipeline.review.records import load_record, record_path
from handout_pipeline.review.stamps import translation_of


@dataclass(frozen=True, slots=True)
class ReviewStatus:
    safety: int        # safety messages of the handout
    reviewed: int      # approved, and English and translation unchanged since

    @property
    def unreviewed(self) -> int:
        return self.safety - self.reviewed


def review_status(project, handout_id: str, language: Language) -> ReviewStatus:
    safety = [u for u in units(project.handout(handout_id)) if u.safety_critical]
    po = project.po_path(language, handout_id)
    if language.code == "en":
        return ReviewStatus(len(safety), len(safety))  # the source is the clinicians' own text
    if not po.exists():
        return ReviewStatus(len(safety), 0)
    catalog = catalogs.load_catalog(po, language)
    record = load_record(record_path(po))
    reviewed = 0
    for unit in safety:
        message = catalog.get(unit.msgid, unit.context)
        translation = translation_of(message)
        reviewed += translation is not None and record.is_approved(
            unit.context, unit.tier.value if unit.tier else "", unit.msgid, translation)
    return ReviewStatus(len(safety), reviewed)


def is_draft(project, handout_id: str, language: Language) -> bool:
    """Outputs of this handout in this language carry the draft mark: some safety translation is not approved."""
    return review_status(project, handout_id, language).unreviewed > 0
