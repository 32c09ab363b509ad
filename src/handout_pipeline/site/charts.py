"""Chart geometry for the inline SVG charts (drawn by templates/chart-*.svg.j2): plain numbers, no library.

pygal was considered: it gives every chart a random uuid (pages would change on every run), links its tooltip
script from a CDN unless told not to and styles through inline <style>, which the site's CSP forbids."""

from __future__ import annotations

from dataclasses import dataclass

from handout_pipeline.site.collect import Status

WIDTH = 640          # viewBox units
LABEL = 170          # left column for names
BAR = WIDTH - LABEL - 150   # right column keeps the figures
ROW = 34


@dataclass(frozen=True, slots=True)
class ReadabilityRow:
    language: str
    measure: str         # "SMOG grade", "Kandel-Moles", "words a sentence" ...
    value: float
    target: float | None
    limit: float | None
    lower_is_easier: bool
    verdict: str         # meets the aim | within the limit | harder than the limit
    tone: str            # ok | warn | bad
    bar: float           # px
    target_x: float | None
    limit_x: float | None


def _verdict(value: float, target: float | None, limit: float | None, lower: bool) -> tuple[str, str]:
    def easier(a: float, b: float) -> bool:
        return a <= b if lower else a >= b

    if limit is not None and not easier(value, limit):
        return "harder than the limit", "bad"
    if target is not None and not easier(value, target):
        return "within the limit, not yet at the aim", "warn"
    return ("meets the aim" if target is not None else "within the limit"), "ok"


def readability_rows(status: Status, handout_id: str) -> list[ReadabilityRow]:
    """Each language's own measure against its own aim and limit (the methods differ, so do the scales)."""
    rows = (readability_row(language.name, status.cell(handout_id, language).readability)
            for language in status.languages)
    return [row for row in rows if row is not None]


def readability_row(name: str, m: dict) -> ReadabilityRow | None:
    """One language's readability figures (checks/readability.py metrics) as a row of the chart."""
    if m.get("grade") is not None:
        spec = ("SMOG grade", m["grade"], m.get("target_grade"), m.get("max_grade"), True)
    elif m.get("score") is not None:
        spec = (f"{measure_name(m)} score", m["score"], m.get("target_score"), m.get("min_score"), False)
    elif m.get("avg_sentence_length") is not None:
        unit = m.get("sentence_length_unit", "words")
        spec = (f"{unit} a sentence", m["avg_sentence_length"], None, m.get("max_avg_sentence_length"), True)
    else:
        return None
    measure, value, target, limit, lower = spec
    top = max(v for v in (value, target, limit, 1.0) if v is not None) * 1.15
    scale = BAR / top
    verdict, tone = _verdict(value, target, limit, lower)
    return ReadabilityRow(name, measure, float(value), target, limit, lower, verdict, tone,
                          round(max(value, 0) * scale, 1),
                          round(target * scale, 1) if target is not None else None,
                          round(limit * scale, 1) if limit is not None else None)


def measure_name(m: dict) -> str:
    """The short name of a language's readability measure, for a sentence's figure."""
    if m.get("grade") is not None:
        return "SMOG grade"
    if m.get("score") is not None:
        return "INFLESZ" if "INFLESZ" in str(m.get("method")) else "Kandel-Moles"
    return m.get("sentence_length_unit", "words")


@dataclass(frozen=True, slots=True)
class ProgressRow:
    language: str
    translated: int
    fuzzy: int
    untranslated: int
    total: int
    segments: tuple[tuple[str, float, float], ...]   # (kind, x, width) in px

    @property
    def share(self) -> float:
        return self.translated / self.total if self.total else 1.0


def progress_rows(status: Status) -> list[ProgressRow]:
    """Translated, fuzzy and untranslated messages per language, over every handout."""
    rows = []
    for language in status.languages:
        cells = [status.cell(h, language) for h in status.handouts]
        done, fuzzy, todo = (sum(getattr(c, k) for c in cells) for k in ("translated", "fuzzy", "untranslated"))
        total = done + fuzzy + todo
        x, segments = 0.0, []
        for kind, n in (("translated", done), ("fuzzy", fuzzy), ("untranslated", todo)):
            width = round(BAR * n / total, 1) if total else 0.0
            if width:
                segments.append((kind, round(x, 1), width))
            x += width
        rows.append(ProgressRow(language.name, done, fuzzy, todo, total, tuple(segments)))
    return rows


@dataclass(frozen=True, slots=True)
class TimeRow:
    format: str
    seconds: float
    files: int
    bar: float


def build_time_rows(status: Status) -> list[TimeRow]:
    """Seconds spent building each format (sum over every file whose build recorded its time)."""
    totals: dict[str, list[float]] = {}
    for cell in status.cells.values():
        for fmt, out in cell.outputs.items():
            if out.seconds is not None:
                totals.setdefault(fmt, []).append(out.seconds)
    if not totals:
        return []
    top = max(sum(v) for v in totals.values()) or 1.0
    return [TimeRow(fmt, round(sum(v), 2), len(v), round(BAR * sum(v) / top, 1)) for fmt, v in totals.items()]
