"""A PDF file written object by object: numbering, streams, a classic cross-reference table.

Deterministic by construction: the bytes depend only on the objects added, in order; the file
identifier is derived from them.
"""

from __future__ import annotations

import hashlib
import zlib

from clickproof.export.pdf_objects import ObjectTemplate

HEADER = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n"


def pdf_text(text: str) -> bytes:
    """A text string (ISO 32000 §7.9.2): UTF-16BE with a byte order mark, as hex."""
    return b"<FEFF" + text.encode("utf-16-be").hex().upper().encode() + b">"


def pdf_name(name: str) -> bytes:
    """A name object; bytes outside the regular ASCII range written as #XX."""
    out = bytearray(b"/")
    for byte in name.encode("utf-8"):
        if 0x21 <= byte <= 0x7E and chr(byte) not in "#()<>[]{}/%":
            out.append(byte)
        else:
            out += b"#%02X" % byte
    return bytes(out)


def stream_object(dictionary: bytes, data: bytes, *, compress: bool = True) -> bytes:
    """A stream object's body; `dictionary` is the entries between << and >>, without /Length."""
    if compress:
        data = zlib.compress(data, 6)
        dictionary += b"/Filter/FlateDecode"
    return b"<<%s/Length %d>>\nstream\n%s\nendstream" % (dictionary, len(data), data)


class PdfWriter:
    def __init__(self) -> None:
        self._bodies: list[bytes | None] = []

    def reserve(self) -> int:
        """A number for an object whose body is set later."""
        self._bodies.append(None)
        return len(self._bodies)

    def set(self, number: int, body: bytes) -> None:
        self._bodies[number - 1] = body

    def add(self, body: bytes) -> int:
        self._bodies.append(body)
        return len(self._bodies)

    def add_stream(self, dictionary: bytes, data: bytes, *, compress: bool = True) -> int:
        """A stream object; `dictionary` is the entries between << and >>, without /Length."""
        return self.add(stream_object(dictionary, data, compress=compress))

    def add_template(self, template: ObjectTemplate, parent: int | None = None) -> list[int]:
        """Copies the template's objects in; returns the numbers of its roots."""
        base = len(self._bodies) + 1
        self._bodies.extend(template.numbered(base, parent))
        return list(range(base, base + template.root_count))

    def to_bytes(self, *, root: int, info: int) -> bytes:
        out = bytearray(HEADER)
        offsets: list[int] = []
        digest = hashlib.sha256()
        for number, body in enumerate(self._bodies, start=1):
            if body is None:
                raise ValueError(f"object {number} was reserved and never set")
            offsets.append(len(out))
            out += b"%d 0 obj\n" % number
            out += body
            out += b"\nendobj\n"
            digest.update(body)
        xref = len(out)
        out += b"xref\n0 %d\n0000000000 65535 f\r\n" % (len(offsets) + 1)
        out += b"".join(b"%010d 00000 n\r\n" % offset for offset in offsets)
        identifier = digest.hexdigest()[:32].upper().encode()
        out += b"trailer\n<</Size %d/Root %d 0 R/Info %d 0 R/ID[<%s><%s>]>>\nstartxref\n%d\n%%%%EOF\n" % (
            len(offsets) + 1,
            root,
            info,
            identifier,
            identifier,
            xref,
        )
        return bytes(out)
