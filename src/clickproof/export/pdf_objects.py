"""Objects of a PDF written elsewhere (typst), cut out to be copied into the PDFs we write.

The contract text of a version is the same for every acceptance with the same render values, and
a value that needs shaping (CJK, right-to-left) is the same wherever it appears: typst renders
each once; `ObjectTemplate` keeps the objects that draw it, serialized, with references between
them as indexes, so that copying them into a new document is byte arithmetic (renumbered after
the document's own objects) instead of a parse and merge per PDF (pikepdf: about 5 ms).
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass
from decimal import Decimal

import pikepdf

from clickproof.export.pdf_text_layer import correct_text_layer

_REF = re.compile(rb"(?<![\w.])(\d+) (\d+) R\b")
_SKIPPED_PAGE_KEYS = ("/Parent", "/StructParents")


@dataclass(frozen=True)
class ObjectTemplate:
    """Serialized objects; pieces are bytes or indexes of other objects in the template.

    objects[0:root_count] are the roots: page dictionaries (their closing `>>` left for the
    writer to add `/Parent`) or one form XObject.
    """

    root_count: int
    objects: tuple[tuple[bytes | int, ...], ...]
    width: float = 0.0
    height: float = 0.0

    @classmethod
    def pages(cls, data: bytes) -> ObjectTemplate:
        """Every page of `data`, with what they use."""
        with pikepdf.open(io.BytesIO(data)) as pdf:
            correct_text_layer(pdf)
            return cls._collect(pdf, [page.obj for page in pdf.pages], pages=True)

    @classmethod
    def form(cls, data: bytes) -> ObjectTemplate:
        """The first page of `data` as a form XObject, with its size in points."""
        with pikepdf.open(io.BytesIO(data)) as pdf:
            correct_text_layer(pdf)
            page = pdf.pages[0]
            box = [Decimal(str(v)) for v in page.mediabox]
            form = page.as_form_xobject()
            collected = cls._collect(pdf, [form], pages=False)
            return cls(
                root_count=1,
                objects=collected.objects,
                width=float(box[2] - box[0]),
                height=float(box[3] - box[1]),
            )

    @classmethod
    def _collect(cls, pdf: pikepdf.Pdf, roots: list[pikepdf.Object], *, pages: bool) -> ObjectTemplate:
        index: dict[tuple[int, int], int] = {}
        queue: list[pikepdf.Object] = []
        for root in roots:
            index[root.objgen] = len(queue)
            queue.append(root)
        serialized: list[tuple[bytes | int, ...]] = []
        cursor = 0
        while cursor < len(queue):
            obj = queue[cursor]
            raw = _serialize(obj, is_page=pages and cursor < len(roots))
            cursor += 1
            pieces: list[bytes | int] = []
            last = 0
            for match in _REF.finditer(raw[0]):
                target = (int(match.group(1)), int(match.group(2)))
                if target not in index:
                    index[target] = len(queue)
                    queue.append(pdf.get_object(target))
                pieces.append(raw[0][last : match.start()])
                pieces.append(index[target])
                last = match.end()
            pieces.append(raw[0][last:] + raw[1])
            serialized.append(tuple(pieces))
        return cls(root_count=len(roots), objects=tuple(serialized))

    def numbered(self, base: int, parent: int | None = None) -> list[bytes]:
        """The objects' bodies with this template's object `i` numbered `base + i`; page roots
        get `/Parent parent`."""
        bodies: list[bytes] = []
        for local, pieces in enumerate(self.objects):
            body = b"".join(p if isinstance(p, bytes) else b"%d 0 R" % (base + p) for p in pieces)
            if parent is not None and local < self.root_count:
                body = body[:-2] + b"/Parent %d 0 R>>" % parent
            bodies.append(body)
        return bodies


def object_body(obj: pikepdf.Object) -> bytes:
    """An object without references, serialized as the body of an indirect object."""
    head, stream = _serialize(obj, is_page=False)
    return head + stream


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
