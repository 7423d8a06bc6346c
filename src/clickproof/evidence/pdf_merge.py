"""One PDF from several evidence PDFs, in order: a session's or a signer's whole history.

Each part keeps its pages (certificate and the text shown) and its attached records, renamed
`<n>-<activity id>-activity.json` so that none replaces another; an outline entry per part leads
to its first page. The first part's PDF/A metadata and output intent carry over, and every
attachment stays an associated file of the document (PDF/A-3 `/AF`). Deterministic: the same
parts always give the same bytes.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass

import pikepdf

from clickproof.evidence.pdf_seal import FIELD_NAME, SEAL_REASON, SUB_FILTER, PdfSealer


@dataclass(frozen=True)
class MergePart:
    label: str  # the outline entry: e.g. "1. agreed · 2026-11-20 10:00:05 UTC"
    prefix: str  # attachments are renamed "<prefix>-<name>"
    pdf: bytes


def merge_evidence(parts: Sequence[MergePart], *, title: str, sealer: PdfSealer | None = None) -> bytes:
    if not parts:
        raise ValueError("nothing to merge")
    merged = pikepdf.Pdf.new()
    first = pikepdf.Pdf.open(io.BytesIO(parts[0].pdf))
    merged.Root.Metadata = merged.copy_foreign(first.Root.Metadata)
    merged.Root.OutputIntents = merged.copy_foreign(first.make_indirect(first.Root.OutputIntents))
    merged.Root.Lang = pikepdf.String("en")
    associated = pikepdf.Array()
    names = pikepdf.Array()
    starts: list[int] = []
    for part in parts:
        source = first if part is parts[0] else pikepdf.Pdf.open(io.BytesIO(part.pdf))
        starts.append(len(merged.pages))
        merged.pages.extend(source.pages)
        for spec in source.Root.get("/AF", pikepdf.Array()):
            copied = merged.copy_foreign(spec)
            name = f"{part.prefix}-{spec.UF}"
            copied.F = copied.UF = pikepdf.String(name)
            associated.append(copied)
            names.extend([pikepdf.String(name), copied])
    merged.Root.AF = associated
    merged.Root.Names = pikepdf.Dictionary(EmbeddedFiles=pikepdf.Dictionary(Names=names))
    with merged.open_outline() as outline:
        for part, start in zip(parts, starts, strict=True):
            outline.root.append(pikepdf.OutlineItem(part.label, start))
    info = merged.copy_foreign(first.make_indirect(first.docinfo))
    assert isinstance(info, pikepdf.Dictionary)
    merged.docinfo = info
    with merged.open_metadata(set_pikepdf_as_editor=False) as metadata:  # XMP and Info stay one title
        metadata["dc:title"] = title
    if sealer is not None:
        _add_seal_field(merged, sealer, info.get("/ModDate", pikepdf.String("")))
    out = io.BytesIO()
    merged.save(out, deterministic_id=True, compress_streams=True)
    return out.getvalue() if sealer is None else sealer.seal(out.getvalue())


def _add_seal_field(pdf: pikepdf.Pdf, sealer: PdfSealer, date: object) -> None:
    """The seal's placeholders, as the renderer writes them (export/pdf_renderer.seal_dictionary):
    an invisible, printed and locked signature widget on the first page."""
    signature = pdf.make_indirect(
        pikepdf.Dictionary(
            Type=pikepdf.Name.Sig,
            Filter=pikepdf.Name("/Adobe.PPKLite"),
            SubFilter=pikepdf.Name("/" + SUB_FILTER),
            ByteRange=pikepdf.Array([0, 1_000_000_000, 1_000_000_000, 1_000_000_000]),
            Contents=pikepdf.String(bytes(sealer.contents_length)),
            M=date,
            Name=pikepdf.String(sealer.signer_name),
            Reason=pikepdf.String(SEAL_REASON),
        )
    )
    first = pdf.pages[0]
    widget = pdf.make_indirect(
        pikepdf.Dictionary(
            Type=pikepdf.Name.Annot,
            Subtype=pikepdf.Name.Widget,
            FT=pikepdf.Name.Sig,
            T=pikepdf.String(FIELD_NAME),
            V=signature,
            F=132,
            Rect=pikepdf.Array([0, 0, 0, 0]),
            P=first.obj,
        )
    )
    first.obj.Annots = pikepdf.Array([widget])
    pdf.Root.AcroForm = pikepdf.Dictionary(Fields=pikepdf.Array([widget]), SigFlags=3)
