"""Two repairs of WeasyPrint's structure tree, so a screen reader meets lists as they are meant.

WeasyPrint 70 (weasyprint/pdf/tags.py) puts a nested list beside its parent item (L > LI, L) instead of in the
parent item's body (L > LI > LBody > L; upstream 2874), and tags a description list as one list of unlinked
items (dt and dd each an LI with only an LBody: "TODO: dt should be different"). This pass moves each nested L
into the LBody of the LI before it, and makes each dt/dd pair one LI whose Lbl is the term and whose LBody is
its definition (ISO 32000-1, 14.8.4.3.3). Only the tree changes: no content stream, no MCID."""

from __future__ import annotations

import io

import pikepdf


def repair_lists(data: bytes) -> bytes:
    """The PDF with nested lists inside their parent item and the description list as term + definition."""
    with pikepdf.open(io.BytesIO(data)) as pdf:
        root = pdf.Root.get("/StructTreeRoot")
        if root is None:
            return data
        changed = False
        for element in _elements(root):
            if element.get("/S") == pikepdf.Name.L:
                changed |= _nest(element) | _describe(element)
        if not changed:
            return data
        out = io.BytesIO()
        pdf.save(out, deterministic_id=True, compress_streams=True,
                 object_stream_mode=pikepdf.ObjectStreamMode.generate)
        return out.getvalue()


def _kids(element) -> list:
    kids = element.get("/K")
    if kids is None:
        return []
    return list(kids) if isinstance(kids, pikepdf.Array) else [kids]


def _is(element, kind: str) -> bool:
    return isinstance(element, pikepdf.Dictionary) and element.get("/S") == pikepdf.Name(kind)


def _elements(root):
    """Every structure element, parents before children."""
    stack = [root]
    while stack:
        element = stack.pop()
        yield element
        stack.extend(reversed([k for k in _kids(element) if isinstance(k, pikepdf.Dictionary) and "/S" in k]))


def _nest(list_element) -> bool:
    kids = _kids(list_element)
    kept, moved = [], False
    for kid in kids:
        previous = kept[-1] if kept else None
        if _is(kid, "/L") and previous is not None and _is(previous, "/LI"):
            bodies = [k for k in _kids(previous) if _is(k, "/LBody")]
            if bodies:
                body = bodies[-1]
                body.K = pikepdf.Array([*_kids(body), kid])
                kid.P = body
                moved = True
                continue
        kept.append(kid)
    if moved:
        list_element.K = pikepdf.Array(kept)
    return moved


def _describe(list_element) -> bool:
    """dt, dd, dt, dd ... (each an LI holding only an LBody, no Lbl): pair them."""
    items = _kids(list_element)
    if not items or len(items) % 2 or not all(_is(i, "/LI") for i in items):
        return False
    if not all(len(_kids(i)) == 1 and _is(_kids(i)[0], "/LBody") for i in items):
        return False
    for term_item, definition_item in zip(items[::2], items[1::2]):
        term = _kids(term_item)[0]
        definition = _kids(definition_item)[0]
        term.S = pikepdf.Name.Lbl
        definition.P = term_item
        term_item.K = pikepdf.Array([term, definition])
    list_element.K = pikepdf.Array(items[::2])
    return True
