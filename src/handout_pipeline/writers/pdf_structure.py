"""Two repairs to the structure tree WeasyPrint 70 writes, so a screen reader hears lists as they are meant.

1. A nested list is tagged beside its parent item (L > [LI, L]), so it reads as the next item of the outer
   list, not as the parent item's own list: PDF/UA's ISO 32000 list model puts it inside the parent's LBody.
2. A description list (the glossary, <dl>) becomes one LI per dt and one per dd (weasyprint/pdf/tags.py:
   "TODO: dt should be different"), so terms and definitions are unlinked items. Each term and its definition
   become one LI: the term its Lbl, the definition its LBody.
Only elements move; no marked content changes, so the text layer, the ParentTree and the pages are as drawn.
"""

from __future__ import annotations

import io

import pikepdf

from handout_pipeline.writers.pdf_save import deterministic_bytes

_L, _LI, _LBL, _LBODY = pikepdf.Name.L, pikepdf.Name.LI, pikepdf.Name.Lbl, pikepdf.Name.LBody


def repair_lists(data: bytes, glossary_terms: int = 0) -> bytes:
    """The PDF with nested lists inside their parent item's LBody and the `glossary_terms` terms of the
    glossary (the handout's last list) paired with their definitions."""
    with pikepdf.open(io.BytesIO(data)) as pdf:
        root = pdf.Root.get("/StructTreeRoot")
        if root is None:
            return data
        changed = _walk(pdf, root, glossary_terms)
        if not changed:
            return data
        return deterministic_bytes(pdf)


def _kids(element) -> list:
    """The structure elements below `element` (not its marked-content references)."""
    return [k for k in _raw_kids(element) if isinstance(k, pikepdf.Dictionary) and "/S" in k]


def _raw_kids(element) -> list:
    """Everything in /K: structure elements and marked-content references (MCIDs) alike."""
    kids = element.get("/K")
    if kids is None:
        return []
    return list(kids) if isinstance(kids, pikepdf.Array) else [kids]


def _without(element, gone: set) -> pikepdf.Array:
    """/K of `element` without the structure elements whose objgen is in `gone`."""
    return pikepdf.Array([k for k in _raw_kids(element)
                          if not (isinstance(k, pikepdf.Dictionary) and k.objgen in gone)])


def _is(element, name) -> bool:
    return isinstance(element, pikepdf.Dictionary) and element.get("/S") == name


def _walk(pdf, root, glossary_terms: int) -> bool:
    lists = list(_lists(root))
    changed = False
    for lst in lists:
        changed |= _nest(pdf, lst)
    return _pair_terms([lst for lst in lists if _is_description(lst)], glossary_terms) or changed


def _lists(element):
    """Every L under `element`, in reading order (a list split over pages is one L per page)."""
    for kid in _kids(element):
        if isinstance(kid, pikepdf.Dictionary):
            if _is(kid, _L):
                yield kid
            yield from _lists(kid)


def _nest(pdf, lst) -> bool:
    """Move each L that follows an LI into that LI's (last) LBody; an LI that only carries on from the page
    before (WeasyPrint leaves it empty) gets an LBody for it."""
    kept, moved = [], set()
    for kid in _kids(lst):
        if _is(kid, _L) and kept and _is(kept[-1], _LI):
            item = kept[-1]
            bodies = [k for k in _kids(item) if _is(k, _LBODY)]
            if bodies:
                body = bodies[-1]
            else:
                body = pdf.make_indirect(pikepdf.Dictionary(Type=pikepdf.Name.StructElem, S=_LBODY, P=item,
                                                            K=pikepdf.Array([]), Pg=kid.get("/Pg", item.get("/Pg"))))
                item.K = pikepdf.Array([*_raw_kids(item), body])
            body.K = pikepdf.Array([*_raw_kids(body), kid])
            kid.P = body
            moved.add(kid.objgen)
            continue
        kept.append(kid)
    if moved:
        lst.K = _without(lst, moved)
    return bool(moved)


def _is_description(lst) -> bool:
    """WeasyPrint's <dl>: every item an LI holding one LBody and nothing else (a bulleted list's items hold
    their marker as an Lbl, so they never match)."""
    kids = _kids(lst)
    return bool(kids) and all(_is(k, _LI) and len(_kids(k)) == 1 and _is(_kids(k)[0], _LBODY) for k in kids)


def _pair_terms(lists: list, terms: int) -> bool:
    """dt, dd, dt, dd… across the description lists (one per page): one LI per pair, the term as its Lbl, the
    definition as its LBody (also when the page broke between them). The glossary is the handout's last list:
    its items are the last 2 x `terms` (an item of another list that carries on over a page can look alike,
    but comes before); fewer than that, and nothing is changed."""
    items = [item for lst in lists for item in _kids(lst)]
    if not terms or len(items) < 2 * terms:
        return False
    items = items[-2 * terms:]
    for term_item, definition_item in zip(items[::2], items[1::2]):
        term, definition = _kids(term_item)[0], _kids(definition_item)[0]
        term.S = _LBL
        definition.P = term_item
        term_item.K = pikepdf.Array([term, definition])
    gone = {item.objgen for item in items[1::2]}
    for lst in lists:
        lst.K = _without(lst, gone)
        if not _raw_kids(lst):   # a page that held only a definition: its empty list goes
            lst.P.K = _without(lst.P, {lst.objgen})
    return True
