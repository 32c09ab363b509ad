"""DOCX: each tier is a run of paragraphs in its tier styles; each sign one list paragraph, visible and large."""

from __future__ import annotations

from pathlib import Path

from handout_pipeline.checks.outputs.common import (
    Box, Findings, compare_boxes, expected_tiers, normalise, require_summary,
)
from handout_pipeline.languages import Language
from handout_pipeline.model import Handout, Tier
from handout_pipeline.project import Project

MIN_POINTS = 18
MIN_CONTRAST = 4.5        # WCAG AA for body text
_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"


def check(found: Findings, path: Path, handout: Handout, language: Language, project: Project) -> None:
    import docx

    document = docx.Document(str(path))
    styles = _Styles(document)
    tiers = expected_tiers(handout)
    paragraphs = list(document.element.body.iter(f"{_W}p"))
    texts = [_text(p) for p in paragraphs]
    boxes, members = _boxes(paragraphs, texts, styles, {t.tier for t in tiers}, handout)
    compare_boxes(found, tiers, boxes, elsewhere="\n".join(texts))
    require_summary(found, handout, tiers, boxes, "a box under the title, before the first Heading 1")
    signs = {s.key: s for t in tiers for s in (*t.intros, *t.signs, *t.notes) if s.key}
    for p, text in members:
        sign = signs.get(normalise(text))
        if sign is not None:
            for problem in _run_problems(p, styles):
                found.error(sign.message_id, f"warning sign in the DOCX {problem}: {sign.text!r}")
    _drawings(found, document, signs)


# Drawings, VML shapes, text boxes and embedded objects: the DOCX writer makes none, and any of them can be
# laid over a warning sign (a white rectangle "in front of text") where no run property shows it.
_DRAWN = {f"{_W}drawing": "a drawing", f"{_W}pict": "a VML shape", f"{_W}object": "an embedded object"}


def _drawings(found: Findings, document, signs: dict) -> None:
    for part in document.part.package.iter_parts():
        element = getattr(part, "_element", None)
        if element is None:
            continue
        for node in element.iter(*_DRAWN):
            paragraph = next((a for a in node.iterancestors(f"{_W}p")), None)
            sign = signs.get(normalise(_text(paragraph))) if paragraph is not None else None
            where = f"in the paragraph of {sign.text!r}" if sign is not None else f"in {part.partname.lstrip('/')}"
            found.error(sign.message_id if sign is not None else None,
                        f"the DOCX holds {_DRAWN[node.tag]} {where}, which the pipeline never makes and which can "
                        "cover a warning sign: run 'handout build' (keep an adapted copy outside output/)")


def _text(p) -> str:
    """The paragraph's text as Word shows it, hidden runs included (their hiding is checked apart)."""
    return "".join(t.text or "" for t in p.iter(f"{_W}t"))


def _style_of(p) -> str | None:
    ppr = p.find(f"{_W}pPr")
    style = ppr.find(f"{_W}pStyle") if ppr is not None else None
    return style.get(f"{_W}val") if style is not None else None


def _boxes(paragraphs, texts, styles, tiers: set[Tier], handout: Handout):
    """Maximal runs of paragraphs in one tier's styles ('Warning Emergency', '… Text', '… List', '… List 2')."""
    families = {f"Warning {t.name.title()}": t for t in Tier}
    boxes: list[Box] = []
    members = []
    current: tuple[Tier, Box] | None = None
    in_sections = False   # a box before the first Heading 1 is the emergency summary
    for number, (p, text) in enumerate(zip(paragraphs, texts), 1):
        name = styles.name(_style_of(p)) or ""
        in_sections = in_sections or name.lower() == "heading 1"   # built-in style names are lowercase in XML
        tier = next((t for fam, t in families.items() if name == fam or name.startswith(fam + " ")), None)
        if tier is None:
            current = None
            continue
        role = name[len(f"Warning {tier.name.title()}"):].strip()
        if current is None or current[0] != tier or (role == "" and current[1].items):
            where = "the summary under the title" if not in_sections else f"paragraph {number}"
            current = (tier, Box("", where=where, summary=not in_sections))
            boxes.append(current[1])
        box = current[1]
        if role == "":
            box.label = text
        elif role.startswith("List"):
            box.items.append(text)
            members.append((p, text))
        else:
            box.intros.append(text)
            members.append((p, text))
    return boxes, members


class _Styles:
    """Style names and the run properties a style chain gives (w:basedOn followed; docDefaults last)."""

    def __init__(self, document):
        root = document.styles.element
        self.by_id = {s.get(f"{_W}styleId"): s for s in root.iter(f"{_W}style")}
        defaults = root.find(f"{_W}docDefaults")
        rpr = defaults.find(f"{_W}rPrDefault") if defaults is not None else None
        self.default_rpr = rpr.find(f"{_W}rPr") if rpr is not None else None

    def name(self, style_id: str | None) -> str | None:
        style = self.by_id.get(style_id or "")
        if style is None:
            return None
        name = style.find(f"{_W}name")
        return name.get(f"{_W}val") if name is not None else style_id

    def chain(self, style_id: str | None):
        seen = set()
        while style_id and style_id not in seen and style_id in self.by_id:
            seen.add(style_id)
            style = self.by_id[style_id]
            yield style
            based = style.find(f"{_W}basedOn")
            style_id = based.get(f"{_W}val") if based is not None else None


def _prop(elements, tag: str):
    """The first element among `elements` (rPr or pPr, most specific first) that sets `tag`."""
    for element in elements:
        if element is None:
            continue
        found = element.find(f"{_W}{tag}")
        if found is not None:
            return found
    return None


def _on(element) -> bool:
    return element is not None and element.get(f"{_W}val", "1").lower() not in ("0", "false", "off")


def _run_problems(p, styles: _Styles) -> list[str]:
    """Why runs of this paragraph cannot be seen or read: hidden, too light, too small."""
    problems = []
    pstyle = _style_of(p)
    pchain = list(styles.chain(pstyle))
    ppr = p.find(f"{_W}pPr")
    shading = _prop([ppr, *(s.find(f"{_W}pPr") for s in pchain)], "shd")
    background = _hex(shading.get(f"{_W}fill")) if shading is not None else None
    for run in p.iter(f"{_W}r"):
        content = "".join(t.text or "" for t in run.iter(f"{_W}t"))
        if not content.strip():
            continue
        rpr = run.find(f"{_W}rPr")
        rstyle = rpr.find(f"{_W}rStyle") if rpr is not None else None
        rchain = list(styles.chain(rstyle.get(f"{_W}val"))) if rstyle is not None else []
        cascade = [rpr, *(s.find(f"{_W}rPr") for s in rchain), *(s.find(f"{_W}rPr") for s in pchain),
                   styles.default_rpr]
        if _on(_prop(cascade, "vanish")) or _on(_prop(cascade, "specVanish")):
            problems.append(f"is hidden (w:vanish) in {content!r}")
        colour = _prop(cascade, "color")
        fg = _hex(colour.get(f"{_W}val")) if colour is not None else None
        highlight = _prop(cascade, "shd")
        bg = (_hex(highlight.get(f"{_W}fill")) if highlight is not None else None) or background or (1, 1, 1)
        if fg is not None and contrast(fg, bg) < MIN_CONTRAST:
            problems.append(f"has text the colour of its background (contrast {contrast(fg, bg):.1f}:1) "
                            f"in {content!r}")
        size = _prop(cascade, "szCs" if run.find(f"{_W}rPr/{_W}rtl") is not None else "sz")
        if size is not None and size.get(f"{_W}val", "").isdigit() and int(size.get(f"{_W}val")) < 2 * MIN_POINTS:
            problems.append(f"is set at {int(size.get(f'{_W}val')) / 2:g} pt, under {MIN_POINTS} pt, in {content!r}")
    return list(dict.fromkeys(problems))


def _hex(value: str | None) -> tuple[float, float, float] | None:
    if not value or value.lower() == "auto" or len(value) != 6:
        return None
    try:
        return tuple(int(value[i:i + 2], 16) / 255 for i in (0, 2, 4))  # type: ignore[return-value]
    except ValueError:
        return None


def luminance(rgb) -> float:
    def channel(c: float) -> float:
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4
    r, g, b = (channel(c) for c in rgb)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(a, b) -> float:
    la, lb = sorted((luminance(a), luminance(b)), reverse=True)
    return (la + 0.05) / (lb + 0.05)
