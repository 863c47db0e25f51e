"""The real type of a file, from its bytes; never from its name or its declared type.

A tight sniffer for the four types dossiers use (JPEG, PNG, PDF, DOCX) rather than a general
library: ``filetype`` 1.2.0 (tried on tests/documents/samples.py) calls a plain ZIP holding
``word/readme.txt`` and a macro-enabled ``.docm`` "docx", since it looks at the first entry
names only. Here DOCX is a ZIP whose directory lists ``[Content_Types].xml`` and entries under
``word/`` and no VBA project; only the directory is read (no entry is decompressed), so a ZIP
bomb costs nothing.
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Iterable
from enum import StrEnum

from chalicelib.documents.rejection import DocumentRejected, RejectionReason
from chalicelib.domain.procedure import Component


class FileType(StrEnum):
    JPEG = "jpeg"
    PNG = "png"
    PDF = "pdf"
    DOCX = "docx"

    @property
    def content_type(self) -> str:
        return _CONTENT_TYPES[self]

    @property
    def extension(self) -> str:
        return "jpg" if self is FileType.JPEG else self.value


_CONTENT_TYPES = {
    FileType.JPEG: "image/jpeg",
    FileType.PNG: "image/png",
    FileType.PDF: "application/pdf",
    FileType.DOCX: "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
}

# What a component accepts when the catalogue does not say.
DEFAULT_TYPES = frozenset(FileType)

# The words the national catalogue uses in DINHDANG (Component.accepted_file_types), lower case.
_CATALOGUE_WORDS = {
    "jpg": FileType.JPEG,
    "jpeg": FileType.JPEG,
    "png": FileType.PNG,
    "pdf": FileType.PDF,
    "docx": FileType.DOCX,
}

# Declared types (Zalo's attachment type, the ``type`` of a file payload such as "pdf", a
# Content-Type) and the real types each may stand for. "file" and application/octet-stream say
# nothing, so they contradict nothing.
_DECLARED = {
    **{word: {kind} for word, kind in _CATALOGUE_WORDS.items()},
    "image": {FileType.JPEG, FileType.PNG},
    "photo": {FileType.JPEG, FileType.PNG},
    "image/jpeg": {FileType.JPEG},
    "image/jpg": {FileType.JPEG},
    "image/pjpeg": {FileType.JPEG},
    "image/png": {FileType.PNG},
    "application/pdf": {FileType.PDF},
    FileType.DOCX.content_type: {FileType.DOCX},
}
_SAYS_NOTHING = {"", "file", "application/octet-stream", "binary/octet-stream"}


def detect(data: bytes) -> FileType | None:
    """The type of ``data`` among :class:`FileType`, or None. Pure."""
    if data.startswith(b"\xff\xd8\xff"):
        return FileType.JPEG
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return FileType.PNG
    if data.startswith(b"%PDF-"):
        return FileType.PDF
    if data.startswith(b"PK\x03\x04") and _is_docx(data):
        return FileType.DOCX
    return None


def _is_docx(data: bytes) -> bool:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            names = archive.namelist()
    except (zipfile.BadZipFile, ValueError, OSError):
        return False
    if any(n.lower().endswith("vbaproject.bin") for n in names):
        return False  # a macro-enabled document (.docm) renamed: never accepted
    return "[Content_Types].xml" in names and any(n.startswith("word/") for n in names)


def accepted_types(catalogue_words: Iterable[str]) -> frozenset[FileType]:
    """The types a component accepts, from its ``accepted_file_types`` (``("pdf", "jpg")``).

    Words we cannot check (``doc``, ``xls``…) are ignored; when none is left, or the list is
    empty, :data:`DEFAULT_TYPES`."""
    found = {
        _CATALOGUE_WORDS[w]
        for w in (word.strip().lower().lstrip(".") for word in catalogue_words)
        if w in _CATALOGUE_WORDS
    }
    return frozenset(found) or DEFAULT_TYPES


def allowed_for(component: Component) -> frozenset[FileType]:
    """The types one component of a procedure accepts (:func:`accepted_types` of its
    ``accepted_file_types``)."""
    return accepted_types(component.accepted_file_types)


def check(data: bytes, allowed: frozenset[FileType], declared: str = "") -> FileType:
    """The real type of ``data`` when it is acceptable, else raises DocumentRejected.

    Reasons: ``empty``; ``unknown_type`` (a script renamed ``.jpg`` lands here); ``type_mismatch``
    when ``declared`` (Zalo's attachment type or a Content-Type) names another type;
    ``type_not_allowed`` when the component does not accept the real type."""
    if not data:
        raise DocumentRejected(RejectionReason.EMPTY)
    real = detect(data)
    if real is None:
        raise DocumentRejected(RejectionReason.UNKNOWN_TYPE)
    if contradicts(declared, real):
        raise DocumentRejected(RejectionReason.TYPE_MISMATCH, f"declared {declared}, is {real}")
    if real not in allowed:
        raise DocumentRejected(RejectionReason.TYPE_NOT_ALLOWED, str(real))
    return real


def contradicts(declared: str, real: FileType, *, unknown_contradicts: bool = True) -> bool:
    """True when ``declared`` names a type other than ``real``. A declaration that says nothing
    (``file``, ``application/octet-stream``, empty) never contradicts; one we do not know (say
    ``video``) does, unless ``unknown_contradicts`` is False (for a CDN's Content-Type, which
    may be anything for files it does not recognise)."""
    said = declared.split(";", 1)[0].strip().lower()
    if said in _SAYS_NOTHING:
        return False
    if said not in _DECLARED:
        return unknown_contradicts
    return real not in _DECLARED[said]
