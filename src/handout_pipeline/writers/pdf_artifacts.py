"""Page headers and footers as Pagination Artifacts, so the PDF stays PDF/UA-1 with them.

WeasyPrint 70 draws margin boxes (the running title, "Page 2 of 4", the footer) as marked content with an MCID
whose structure element it builds but never links into the structure tree (weasyprint/pdf/tags.py: "It could
be included in tree as Artifact, but that's only allowed in PDF 2.0"; upstream issue 1836). Content that is
neither in the tree nor an Artifact breaks PDF/UA-1 (7.1: all content is real content or an Artifact). This pass
rewrites exactly those sequences as `/Artifact <</Type /Pagination>>` and clears their ParentTree entries.
Only unlinked content is touched: a warning sign is always in the tree (the output gate checks it there)."""

from __future__ import annotations

import io

import pikepdf

from handout_pipeline.writers.pdf_save import deterministic_bytes

PAGINATION = pikepdf.Dictionary(Type=pikepdf.Name.Pagination)


def mark_pagination_artifacts(data: bytes) -> bytes:
    """The PDF with every marked-content sequence the structure tree does not reach made a Pagination Artifact."""
    with pikepdf.open(io.BytesIO(data)) as pdf:
        root = pdf.Root.get("/StructTreeRoot")
        if root is None:
            return data
        linked = _linked(root)
        parents = _parent_arrays(root.ParentTree)
        changed = False
        for page in pdf.pages:
            key = page.obj.get("/StructParents")
            elements = parents.get(int(key)) if key is not None else None
            if elements is None:
                continue
            unlinked = {mcid for mcid, element in enumerate(elements)
                        if isinstance(element, pikepdf.Dictionary) and element.objgen not in linked}
            if not unlinked:
                continue
            page.Contents = pikepdf.Stream(pdf, pikepdf.unparse_content_stream(
                [_as_artifact(operands, operator, unlinked) for operands, operator in
                 pikepdf.parse_content_stream(page)]))
            for mcid in unlinked:
                elements[mcid] = None
            changed = True
        if not changed:
            return data
        return deterministic_bytes(pdf)


def _as_artifact(operands, operator, unlinked: set[int]):
    if str(operator) == "BDC" and len(operands) == 2 and isinstance(operands[1], pikepdf.Dictionary):
        mcid = operands[1].get("/MCID")
        if mcid is not None and int(mcid) in unlinked:
            return pikepdf.ContentStreamInstruction([pikepdf.Name.Artifact, PAGINATION], operator)
    return pikepdf.ContentStreamInstruction(operands, operator)


def _linked(root) -> set[tuple[int, int]]:
    """The object ids of every structure element reachable from the root."""
    seen: set[tuple[int, int]] = set()
    stack = [root]
    while stack:
        element = stack.pop()
        kids = element.get("/K")
        if kids is None:
            continue
        for kid in (kids if isinstance(kids, pikepdf.Array) else [kids]):
            if isinstance(kid, pikepdf.Dictionary) and "/S" in kid and kid.objgen not in seen:
                seen.add(kid.objgen)
                stack.append(kid)
    return seen


def _parent_arrays(tree) -> dict[int, pikepdf.Array]:
    """ParentTree number tree -> {StructParents key: array of elements by MCID} (Nums and Kids both read)."""
    out: dict[int, pikepdf.Array] = {}
    stack = [tree]
    while stack:
        node = stack.pop()
        nums = node.get("/Nums")
        if nums is not None:
            for i in range(0, len(nums) - 1, 2):
                if isinstance(nums[i + 1], pikepdf.Array):
                    out[int(nums[i])] = nums[i + 1]
        stack.extend(node.get("/Kids", []))
    return out
