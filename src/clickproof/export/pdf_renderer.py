"""Evidence PDFs: the certificate pages written directly (export/certificate_layout.py), the
contract text pages typeset by typst once per distinct (version, render values) and copied in.

One PDF/A-3b file per activity: embedded font subsets, an sRGB output intent, XMP metadata, the
exact values attached as `activity.json` (the printed fingerprint is its SHA-256) and
`context.json`, the version's HTML as presented as `presented.html` (its SHA-256 printed on the
accepted text page). Typst reads nothing but its assets directory (templates, fonts shipped in the
package); system fonts are ignored and the templates import no packages, so rendering touches no
network and no other file. Record data enters typst as JSON strings through `sys.inputs`, never
as markup, and the certificate writer only ever turns it into glyph ids.
"""

from __future__ import annotations

import hashlib
import io
import json
from datetime import UTC, datetime
from functools import cache
from typing import Final
from xml.sax.saxutils import escape

import pikepdf

from clickproof import __version__
from clickproof.evidence.pdf_seal import FIELD_NAME, PLACEHOLDER_RANGE, SEAL_REASON, SUB_FILTER, PdfSealer
from clickproof.evidence.record import EvidenceRecord
from clickproof.export.bounded_cache import BoundedCache
from clickproof.export.certificate_layout import (
    FONT_NAMES,
    FONT_ROLES,
    PAGE_HEIGHT,
    PAGE_WIDTH,
    CertificateLayout,
    FontRole,
    LaidOut,
)
from clickproof.export.font_coverage import drawable_codes
from clickproof.export.pdf_fonts import EmbeddedFont, embedded_font, plain_codes
from clickproof.export.pdf_objects import ObjectTemplate, object_body
from clickproof.export.pdf_snippets import DEFAULT_SNIPPET_CACHE, TypstSnippets
from clickproof.export.pdf_writer import PdfWriter, pdf_name, pdf_text, stream_object
from clickproof.export.typst_pdf import FONTS, compile_pdf, compiler

FONT_FILES: Final[dict[FontRole, str]] = {
    "regular": "DejaVuSans.ttf",
    "bold": "DejaVuSans-Bold.ttf",
    "mono": "DejaVuSansMono.ttf",
}
DEFAULT_TEXT_CACHE = 256
FONT_CACHE = 64
ACTIVITY_NOTE = (
    "The activity's exact values with the signer record as of the activity, canonical JSON; "
    "its SHA-256 is printed on this page."
)
CONTEXT_NOTE = "Site, contract, version and group as printed on this page."
HTML_NOTE = "The accepted version's HTML as presented, render data merged; its SHA-256 is printed."


class EvidencePdfRenderer:
    """Not thread-safe: used by one thread at a time.

    `shared=False` renders every PDF from scratch: the contract text and every typeset snippet
    are compiled again for each PDF (the baseline the benchmark compares against).
    """

    def __init__(self, *, shared: bool = True) -> None:
        self.texts = compiler("contract_text.typ")
        self._texts: BoundedCache[str, ObjectTemplate] = BoundedCache(DEFAULT_TEXT_CACHE if shared else 0)
        self._html_files: BoundedCache[str, bytes] = BoundedCache(DEFAULT_TEXT_CACHE if shared else 0)
        # Bold and mono text is nearly always the same glyphs: their font objects are made once.
        self._fonts: BoundedCache[
            tuple[FontRole, tuple[int, ...]], tuple[bytes, bytes, bytes, bytes, bytes]
        ] = BoundedCache(FONT_CACHE if shared else 0)
        self.text_renders = 0
        self.fonts: dict[FontRole, EmbeddedFont] = {
            role: embedded_font(FONTS / name) for role, name in FONT_FILES.items()
        }
        self.snippets = TypstSnippets(
            compiler("snippet.typ"), cache_size=DEFAULT_SNIPPET_CACHE if shared else 0
        )
        self.layout = CertificateLayout(
            self.fonts, {role: plain_codes(font) for role, font in self.fonts.items()}, self.snippets
        )
        # Pass to build_record: characters outside it are printed as ⟨U+XXXX⟩ markers.
        self.drawable = drawable_codes(FONTS)

    def render(self, record: EvidenceRecord, *, timestamp: int, sealer: PdfSealer | None = None) -> bytes:
        """The evidence PDF: certificate page(s), then the accepted text (none for an activity
        about no contract); with `sealer`, sealed by its key (evidence/pdf_seal.py). Same inputs,
        same bytes."""
        text_pages = None if record.contract_text is None else self._text_pages(record, timestamp)
        laid = self.layout.layout(record.certificate)
        writer = PdfWriter()
        catalog, pages = writer.reserve(), writer.reserve()
        seal_field = writer.reserve() if sealer is not None else None
        resources = writer.add(self._resources(writer, laid))
        kids: list[int] = []
        for content in laid.pages:
            stream = writer.add_stream(b"", content)
            annotations = b"/Annots[%d 0 R]" % seal_field if seal_field is not None and not kids else b""
            kids.append(
                writer.add(
                    b"<</Type/Page/Parent %d 0 R/MediaBox[0 0 %.3f %.3f]/Resources %d 0 R/Contents %d 0 R%s>>"
                    % (pages, PAGE_WIDTH, PAGE_HEIGHT, resources, stream, annotations)
                )
            )
        if text_pages is not None:
            kids += writer.add_template(text_pages, parent=pages)
        writer.set(
            pages, b"<</Type/Pages/Count %d/Kids[%s]>>" % (len(kids), b" ".join(b"%d 0 R" % k for k in kids))
        )

        moment = datetime.fromtimestamp(timestamp, UTC)
        pdf_date = moment.strftime("D:%Y%m%d%H%M%SZ").encode()
        files = [
            _attachment(writer, "activity.json", record.activity_json, "Data", ACTIVITY_NOTE, pdf_date),
            _attachment(writer, "context.json", record.context_json, "Supplement", CONTEXT_NOTE, pdf_date),
        ]
        if record.contract_text is not None:  # a signer record change presents no text
            files.append(self._html_attachment(writer, record, pdf_date))
        title = str(record.certificate["doc_title"])
        metadata = writer.add_stream(b"/Type/Metadata/Subtype/XML", _xmp(title, moment), compress=False)
        profile = writer.add(_srgb_profile())
        producer = pdf_text(f"clickproof {__version__}")
        info = writer.add(
            b"<</Title %s/Author %s/Creator %s/Producer %s/CreationDate (%s)/ModDate (%s)>>"
            % (pdf_text(title), pdf_text("clickproof"), producer, producer, pdf_date, pdf_date)
        )
        names = b" ".join(b"%s %d 0 R" % (pdf_text(name), number) for name, number in files)
        refs = b" ".join(b"%d 0 R" % number for _, number in files)
        form = b""
        if sealer is not None and seal_field is not None:
            signature = writer.add(seal_dictionary(sealer, pdf_date))
            writer.set(seal_field, seal_widget(signature, kids[0]))
            form = b"/AcroForm<</Fields[%d 0 R]/SigFlags 3>>" % seal_field
        writer.set(
            catalog,
            b"<</Type/Catalog/Pages %d 0 R/Metadata %d 0 R/Lang (en)"
            b"/OutputIntents[<</Type/OutputIntent/S/GTS_PDFA1/OutputConditionIdentifier (sRGB)"
            b"/Info (sRGB IEC61966-2.1)/DestOutputProfile %d 0 R>>]"
            b"/Names<</EmbeddedFiles<</Names[%s]>>>>/AF[%s]%s>>"
            % (pages, metadata, profile, names, refs, form),
        )
        pdf = writer.to_bytes(root=catalog, info=info)
        return pdf if sealer is None else sealer.seal(pdf)

    def _resources(self, writer: PdfWriter, laid: LaidOut) -> bytes:
        fonts = b"".join(
            b"%s %d 0 R" % (FONT_NAMES[role], self._font(writer, role, sorted(laid.glyphs[role])))
            for role in FONT_ROLES
            if laid.glyphs[role]
        )
        forms = b"".join(
            b"/S%d %d 0 R" % (index, writer.add_template(snippet)[0])
            for index, snippet in enumerate(laid.snippets)
        )
        return b"<</Font<<%s>>/XObject<<%s>>>>" % (fonts, forms)

    def _font(self, writer: PdfWriter, role: FontRole, gids: list[int]) -> int:
        """A Type 0 font with the subset of `role`'s face drawing `gids`; glyph ids are CIDs."""
        key = (role, tuple(gids))
        objects = self._fonts.get(key) or self._fonts.put(key, _font_objects(self.fonts[role], gids))
        program, descriptor, descendant, to_unicode, font = objects
        file = writer.add(program)
        descriptor_number = writer.add(descriptor % file)
        descendant_number = writer.add(descendant % descriptor_number)
        to_unicode_number = writer.add(to_unicode)
        return writer.add(font % (descendant_number, to_unicode_number))

    def _html_attachment(self, writer: PdfWriter, record: EvidenceRecord, pdf_date: bytes) -> tuple[str, int]:
        """`presented.html`: the same for every PDF with the same text pages, compressed once."""
        key = f"{record.text_key}:{pdf_date.decode()}"
        stream = self._html_files.get(key) or self._html_files.put(
            key, _embedded_file(record.presented_html, pdf_date, "text/html")
        )
        name = "presented.html"
        return name, _file_spec(writer, name, writer.add(stream), "Source", HTML_NOTE)

    def _text_pages(self, record: EvidenceRecord, timestamp: int) -> ObjectTemplate:
        key = f"{record.text_key}:{timestamp}"
        cached = self._texts.get(key)
        if cached is not None:
            return cached
        rendered = compile_pdf(
            self.texts,
            {"data": json.dumps(record.contract_text, ensure_ascii=False)},
            timestamp=timestamp,
            pdf_a=True,
        )
        self.text_renders += 1
        return self._texts.put(key, ObjectTemplate.pages(rendered))


def seal_dictionary(sealer: PdfSealer, pdf_date: bytes) -> bytes:
    """The signature dictionary with the sealer's placeholders; `/M` is the document's date."""
    return (
        b"<</Type/Sig/Filter/Adobe.PPKLite/SubFilter/%s/ByteRange%s/Contents%s/M(%s)/Name %s/Reason %s>>"
        % (
            SUB_FILTER.encode(),
            PLACEHOLDER_RANGE,
            sealer.placeholder_contents(),
            pdf_date,
            pdf_text(sealer.signer_name),
            pdf_text(SEAL_REASON),
        )
    )


def seal_widget(signature: int, page: int) -> bytes:
    """The seal's field and its widget in one: invisible (no area), printed and locked (PDF/A)."""
    return b"<</Type/Annot/Subtype/Widget/FT/Sig/T %s/V %d 0 R/F 132/Rect[0 0 0 0]/P %d 0 R>>" % (
        pdf_text(FIELD_NAME),
        signature,
        page,
    )


def _font_objects(font: EmbeddedFont, gids: list[int]) -> tuple[bytes, bytes, bytes, bytes, bytes]:
    """Bodies of a font's five objects; references to each other left as %d to fill in order:
    font program, descriptor (program), CID font (descriptor), ToUnicode, Type 0 (CID font, ToUnicode)."""
    scale = 1000 / font.metrics.units_per_em
    m = font.metrics
    name = pdf_name(f"{font.subset_tag(gids)}+{font.postscript_name}")
    program = font.subset_program(gids)
    descriptor = (
        b"<</Type/FontDescriptor/FontName%s/Flags 32/FontBBox[%d %d %d %d]/ItalicAngle 0"
        b"/Ascent %d/Descent %d/CapHeight %d/StemV 80/FontFile2 "
        % (
            name,
            round(m.bbox[0] * scale),
            round(m.bbox[1] * scale),
            round(m.bbox[2] * scale),
            round(m.bbox[3] * scale),
            round(m.ascent * scale),
            round(m.descent * scale),
            round(m.cap_height * scale),
        )
    ) + b"%d 0 R>>"
    widths = b"".join(b"%d[%d]" % (gid, round(font.advances[gid] * scale)) for gid in gids)
    descendant = (
        b"<</Type/Font/Subtype/CIDFontType2/BaseFont%s/CIDSystemInfo<</Registry (Adobe)"
        b"/Ordering (Identity)/Supplement 0>>/DW 1000/W[%s]/CIDToGIDMap/Identity/FontDescriptor "
        % (name, widths)
    ) + b"%d 0 R>>"
    font_dict = (b"<</Type/Font/Subtype/Type0/BaseFont%s/Encoding/Identity-H" % name) + (
        b"/DescendantFonts[%d 0 R]/ToUnicode %d 0 R>>"
    )
    return (
        stream_object(b"/Length1 %d" % len(program), program),
        descriptor,
        descendant,
        stream_object(b"", font.to_unicode(gids)),
        font_dict,
    )


@cache
def _srgb_profile() -> bytes:
    """The sRGB ICC profile stream of the output intent: the one typst embeds in its PDF/A files,
    so the certificate and the text pages declare the same colour space."""
    blank = compile_pdf(
        compiler("contract_text.typ"), {"data": json.dumps(_BLANK_TEXT)}, timestamp=0, pdf_a=True
    )
    with pikepdf.open(io.BytesIO(blank)) as pdf:
        return object_body(pdf.Root.OutputIntents[0].DestOutputProfile)


_BLANK_TEXT = {
    "doc_title": "-",
    "header_left": "",
    "header_right": "",
    "footer_left": "",
    "footer_part": "",
    "preamble": "",
    "html_note": "",
    "html_sha256": "",
    "blocks": [],
}


def _attachment(
    writer: PdfWriter, name: str, data: bytes, relationship: str, description: str, pdf_date: bytes
) -> tuple[str, int]:
    """An embedded JSON file and its file specification (PDF/A-3 associated file)."""
    stream = writer.add(_embedded_file(data, pdf_date, "application/json"))
    return name, _file_spec(writer, name, stream, relationship, description)


def _embedded_file(data: bytes, pdf_date: bytes, media_type: str) -> bytes:
    checksum = hashlib.md5(data, usedforsecurity=False).hexdigest().encode()
    return stream_object(
        b"/Type/EmbeddedFile/Subtype%s/Params<</Size %d/ModDate (%s)/CheckSum <%s>>>"
        % (pdf_name(media_type), len(data), pdf_date, checksum),
        data,
    )


def _file_spec(writer: PdfWriter, name: str, stream: int, relationship: str, description: str) -> int:
    return writer.add(
        b"<</Type/Filespec/F %s/UF %s/Desc %s/AFRelationship/%s/EF<</F %d 0 R/UF %d 0 R>>>>"
        % (pdf_text(name), pdf_text(name), pdf_text(description), relationship.encode(), stream, stream)
    )


def _xmp(title: str, moment: datetime) -> bytes:
    when = moment.strftime("%Y-%m-%dT%H:%M:%SZ")
    tool = escape(f"clickproof {__version__}")
    return (
        '<?xpacket begin="\ufeff" id="W5M0MpCehiHzreSzNTczkc9d"?>\n'
        '<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">\n'
        '<rdf:Description rdf:about="" xmlns:pdfaid="http://www.aiim.org/pdfa/ns/id/"'
        ' xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:xmp="http://ns.adobe.com/xap/1.0/"'
        ' xmlns:pdf="http://ns.adobe.com/pdf/1.3/">\n'
        "<pdfaid:part>3</pdfaid:part><pdfaid:conformance>B</pdfaid:conformance>\n"
        f'<dc:title><rdf:Alt><rdf:li xml:lang="x-default">{escape(title)}</rdf:li></rdf:Alt></dc:title>\n'
        "<dc:creator><rdf:Seq><rdf:li>clickproof</rdf:li></rdf:Seq></dc:creator>\n"
        f"<xmp:CreateDate>{when}</xmp:CreateDate><xmp:ModifyDate>{when}</xmp:ModifyDate>"
        f"<xmp:CreatorTool>{tool}</xmp:CreatorTool><pdf:Producer>{tool}</pdf:Producer>\n"
        "</rdf:Description></rdf:RDF></x:xmpmeta>\n"
        '<?xpacket end="w"?>'
    ).encode()
