"""Appends pages rendered once to a freshly rendered PDF, as a PDF incremental update.

The contract text of a version is the same for every acceptance with the same render values, so
its pages are rendered once, cut into serialized objects (`PageTemplate`), and appended to each
certificate as an incremental update (ISO 32000 §7.5.6): the certificate's bytes stay as typst
wrote them, followed by the shared objects renumbered after its last one, a new page tree and a
new cross-reference section. Copying bytes costs microseconds where a merge through pikepdf cost
about 5 ms per PDF (docs/adr/0007).
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass

import pikepdf

_REF = re.compile(rb"(?<![\w.])(\d+) (\d+) R\b")
_TRAILER = re.compile(rb"trailer\s*<<(.*?)>>\s*startxref\s*(\d+)\s*%%EOF\s*$", re.S)
_SKIPPED_PAGE_KEYS = ("/Parent", "/StructParents")


class SpliceError(Exception):
    """The document is not in the shape the splicer expects (it was not written by typst)."""


@dataclass(frozen=True)
class PageTemplate:
    """Serialized objects of some pages; pieces are bytes or indexes of objects in the template."""

    page_count: int
    objects: tuple[tuple[bytes | int, ...], ...]  # objects[0:page_count] are the page dictionaries

    @classmethod
    def from_pdf(cls, data: bytes) -> PageTemplate:
        with pikepdf.open(io.BytesIO(data)) as pdf:
            order: list[tuple[int, int]] = []
            index: dict[tuple[int, int], int] = {}
            queue: list[pikepdf.Object] = []
            for page in pdf.pages:
                obj: pikepdf.Object = page.obj
                index[obj.objgen] = len(order)
                order.append(obj.objgen)
                queue.append(obj)
            serialized: list[tuple[bytes | int, ...]] = []
            cursor = 0
            while cursor < len(queue):
                obj = queue[cursor]
                is_page = cursor < len(pdf.pages)
                cursor += 1
                raw = _serialize(obj, is_page)
                pieces: list[bytes | int] = []
                last = 0
                for match in _REF.finditer(raw[0]):
                    target = (int(match.group(1)), int(match.group(2)))
                    if target not in index:
                        index[target] = len(order)
                        order.append(target)
                        queue.append(pdf.get_object(target))
                    pieces.append(raw[0][last : match.start()])
                    pieces.append(index[target])
                    last = match.end()
                pieces.append(raw[0][last:] + raw[1])
                serialized.append(tuple(pieces))
            return cls(page_count=len(pdf.pages), objects=tuple(serialized))


def _serialize(obj: pikepdf.Object, is_page: bool) -> tuple[bytes, bytes]:
    """(the object's dictionary or value with references, the stream part after it)."""
    if isinstance(obj, pikepdf.Stream):
        raw = obj.read_raw_bytes()
        head = pikepdf.Dictionary({k: v for k, v in obj.stream_dict.items() if k != "/Length"})
        head["/Length"] = len(raw)
        return head.unparse(resolved=False), b"\nstream\n" + raw + b"\nendstream"
    if is_page:
        kept = pikepdf.Dictionary({k: v for k, v in obj.items() if k not in _SKIPPED_PAGE_KEYS})
        return kept.unparse(resolved=False), b""
    return obj.unparse(resolved=True), b""


def _object_body(data: bytes, xref: int, number: int) -> bytes:
    """Object `number` located through the classic cross-reference table at offset `xref`."""
    header = re.match(rb"xref\s+(\d+)\s+(\d+)\s*?\r?\n", data[xref : xref + 64])
    if header is None:
        raise SpliceError("no classic cross-reference table")
    first, count = int(header.group(1)), int(header.group(2))
    if not first <= number < first + count:
        raise SpliceError(f"object {number} is not in the cross-reference table")
    entry = xref + header.end() + 20 * (number - first)
    offset = int(data[entry : entry + 10])
    if not data.startswith(b"%d 0 obj" % number, offset):
        raise SpliceError(f"object {number} is not where the cross-reference table says")
    end = data.find(b"endobj", offset)
    return data[offset:end]


def _int(pattern: bytes, text: bytes) -> int:
    match = re.search(pattern, text)
    if match is None:
        raise SpliceError(f"{pattern!r} not found")
    return int(match.group(1))


def append_pages(document: bytes, template: PageTemplate) -> bytes:
    """`document` with the template's pages appended after its own, as one incremental update."""
    trailer = _TRAILER.search(document[-1024:])
    if trailer is None:
        raise SpliceError("no classic trailer at the end of the document")
    fields = trailer.group(1)
    previous_xref = int(trailer.group(2))
    size = _int(rb"/Size (\d+)", fields)
    root = _int(rb"/Root (\d+) 0 R", fields)
    pages = _int(rb"/Pages (\d+) 0 R", _object_body(document, previous_xref, root))
    tree = _object_body(document, previous_xref, pages)
    kids_match = re.search(rb"/Kids\s*\[([^\]]*)\]", tree)
    if kids_match is None or b"/Parent" in tree:
        raise SpliceError("the page tree is not flat")
    kids = kids_match.group(1).strip()
    count = _int(rb"/Count (\d+)", tree)

    out = bytearray(document)
    if not out.endswith(b"\n"):
        out += b"\n"
    offsets: list[int] = []
    for local, pieces in enumerate(template.objects):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % (size + local)
        for piece in pieces:
            out += piece if isinstance(piece, bytes) else b"%d 0 R" % (size + piece)
        if local < template.page_count:
            out[-2:] = b""  # drop the dictionary's closing ">>" to add the parent
            out += b"/Parent %d 0 R>>" % pages
        out += b"\nendobj\n"
    tree_offset = len(out)
    new_kids = b" ".join([kids, *(b"%d 0 R" % (size + i) for i in range(template.page_count))])
    out += b"%d 0 obj\n<</Type/Pages/Count %d/Kids[%s]>>\nendobj\n" % (
        pages,
        count + template.page_count,
        new_kids.strip(),
    )
    xref_offset = len(out)
    out += b"xref\n%d 1\n%010d 00000 n\r\n%d %d\n" % (pages, tree_offset, size, len(offsets))
    out += b"".join(b"%010d 00000 n\r\n" % o for o in offsets)
    kept = re.sub(rb"/Size \d+|/Prev \d+", b"", fields)
    out += b"trailer\n<</Size %d%s/Prev %d>>\nstartxref\n%d\n%%%%EOF\n" % (
        size + len(offsets),
        kept,
        previous_xref,
        xref_offset,
    )
    return bytes(out)
