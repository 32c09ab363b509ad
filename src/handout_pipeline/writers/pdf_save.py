"""The one way the PDF passes after WeasyPrint (artifacts, list repair) write a changed PDF back to bytes."""

from __future__ import annotations

import io

import pikepdf


def deterministic_bytes(pdf: pikepdf.Pdf) -> bytes:
    """`pdf` saved so the same handout gives the same bytes: the file identifier follows the content
    (deterministic_id), streams compressed, objects in object streams."""
    out = io.BytesIO()
    pdf.save(out, deterministic_id=True, compress_streams=True,
             object_stream_mode=pikepdf.ObjectStreamMode.generate)
    return out.getvalue()
