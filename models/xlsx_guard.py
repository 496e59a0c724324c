"""Opening an uploaded workbook safely: whatever is not a plain, sane .xlsx is refused with an Italian message.

Checks run from the cheapest to the most expensive, and all of them before openpyxl parses anything:
1. the size of the upload (MAX_UPLOAD_BYTES);
2. the kind of file, by content and never by name: a zip (`PK\\x03\\x04`) goes on; an OLE2 compound file is either
   a password-protected .xlsx (it holds an "EncryptionInfo" stream) or an old .xls; anything else is refused;
3. the zip's central directory, read without decompressing anything: not too many entries, a declared
   uncompressed total under MAX_UNCOMPRESSED_BYTES (a zip bomb is refused here), no encrypted entries, and the
   parts every workbook has. Python's zipfile never inflates an entry beyond its declared size (a lie in the
   directory ends as a CRC error), so the declared total bounds what openpyxl may inflate;
4. the work inside the parts (check_work), by streaming each part through zlib and counting markers with
   bytes.count (about 0,2 s per 100 MB, stopping at the first limit passed): rows and cells per worksheet,
   strings in the shared-strings table (openpyxl loads that table whole, even in read-only mode: 3,6 million
   strings took 1,27 GB), elements in every other part, and no part bigger than MAX_PART_BYTES. The limits are
   far above any real template (the whole real plan: 141 rows and 2.538 cells in its biggest sheet; the size-100
   benchmark: 6.265 rows) and keep any file within the size limits under 5 s and 100 MB of memory;
5. openpyxl itself, in read-only mode (memory stays flat however many rows), with defusedxml installed so that
   an XML bomb (entity declarations, a "billion laughs" DOCTYPE) is refused at the declaration, never expanded.
   read_rows also stops at MAX_SHEET_ROWS rows, counting the empty rows openpyxl makes up for gaps in the
   numbering (a single row numbered 1.048.576 is a million rows to iterate).

Worksheets are parsed lazily in read-only mode: read them through `read_rows`, which turns the same parsing
failures into WorkbookRefused.
"""

from __future__ import annotations

import io
import zipfile
import zlib
from collections.abc import Iterator
from typing import Any
from xml.etree.ElementTree import ParseError

import openpyxl
from openpyxl.workbook.workbook import Workbook

from models.errors import DomainError

try:
    from defusedxml.common import DefusedXmlException
except ImportError:  # without defusedxml every import is refused (open_workbook), the app still starts

    class DefusedXmlException(ValueError):  # type: ignore[no-redef]
        pass


MAX_UPLOAD_BYTES = 10 * 1024 * 1024  # the whole plan's template is well under 1 MB: room for Excel's extras
MAX_UNCOMPRESSED_BYTES = 100 * 1024 * 1024  # what openpyxl may inflate: ~100 times a 5,000-row template
MAX_ZIP_ENTRIES = 1000  # a workbook saved by Excel has a few dozen parts; thousands means something else
ZIP_MAGIC = b"PK\x03\x04"
OLE2_MAGIC = bytes.fromhex("D0CF11E0A1B11AE1")  # compound file: old .xls, or an encrypted .xlsx
ENCRYPTION_STREAM = "EncryptionInfo".encode("utf-16-le")  # stream names in an OLE2 directory are UTF-16
REQUIRED_PARTS = ("[Content_Types].xml", "xl/workbook.xml")
# Work limits (check_work). Counts are upper bounds: "<c" also matches <col>, <cfRule>..., ":row" a closing tag
# with a namespace prefix; a real template stays far below them anyway.
MAX_SHEET_ROWS = 20_000  # real plan: 141 rows in the biggest sheet; size-100 benchmark template: 6.265 rows
# All worksheets together: openpyxl costs ~10-40 us per cell, so this keeps a file under ~5 s. The real plan's
# whole template has ~4.000 cells; the size-100 benchmark's 6.265-row template ~100.000.
MAX_CELLS = 100_000  # the size-100 benchmark template (6.265 rows) has ~75.000
MAX_SHARED_STRINGS = 100_000  # loaded whole by openpyxl: ~300 bytes of Python objects each
MAX_PART_ELEMENTS = 200_000  # any other part (styles, workbook, rels...): Excel writes a few thousand at most
MAX_PART_BYTES = 30 * 1024 * 1024  # one part, uncompressed: a single huge string is held whole in memory
CHUNK_BYTES = 1024 * 1024

# Without defusedxml openpyxl would expand XML entities: every import is then refused (see open_workbook).
XML_DEFUSED: bool = openpyxl.DEFUSEDXML is True

_NOT_XLSX = (
    "Il file non è un file Excel .xlsx: scaricare il modello dalla pagina «Report ed Excel», compilarlo "
    "e salvarlo in formato .xlsx."
)
_CORRUPTED = (
    "Il file .xlsx è danneggiato o incompleto e non si può leggere: salvarlo di nuovo con Excel "
    "(o scaricare un nuovo modello) e riprovare."
)
_XML_BOMB = (
    "Il file contiene costrutti XML non ammessi (dichiarazioni di entità o DTD) e non viene letto: "
    "salvarlo di nuovo con Excel in formato .xlsx e riprovare."
)
_UNREADABLE = "Il file .xlsx non si può leggere ({detail}): salvarlo di nuovo con Excel e riprovare."
# What openpyxl and zipfile raise on a damaged or hand-made file (openpyxl has no exception hierarchy of its own).
_READ_ERRORS = (
    zipfile.BadZipFile,
    zlib.error,
    EOFError,
    ParseError,
    KeyError,
    ValueError,
    TypeError,
    IndexError,
    AttributeError,
    OSError,
)


class WorkbookRefused(DomainError, ValueError):
    """An upload that is not read; the message (Italian) says why and what to do."""


def open_workbook(content: bytes) -> Workbook:
    """The upload as a read-only workbook (close it when done), or WorkbookRefused."""
    if not XML_DEFUSED:
        raise WorkbookRefused(
            "Importazione da Excel non disponibile su questo server: manca la protezione contro "
            "i file XML malevoli (pacchetto defusedxml). Rivolgersi all'amministratore."
        )
    check_size(content)
    check_kind(content)
    check_archive(content)
    check_work(content)
    try:
        return openpyxl.load_workbook(io.BytesIO(content), read_only=True, data_only=False)
    except _READ_ERRORS as exc:
        raise _refusal(exc) from None


def read_rows(ws: Any, *, min_row: int = 1, max_col: int) -> Iterator[tuple[Any, ...]]:
    """Rows of a read-only worksheet, each exactly max_col cells wide, at most MAX_SHEET_ROWS of them (the rest is
    refused, not read); parsing failures become WorkbookRefused."""
    try:
        ws.reset_dimensions()  # a wrong <dimension> in the file must not hide rows
        for number, row in enumerate(ws.iter_rows(min_row=min_row, max_col=max_col), start=min_row):
            if number > MAX_SHEET_ROWS:
                raise WorkbookRefused(_too_many(f"righe nel foglio «{ws.title}»", MAX_SHEET_ROWS))
            yield row
    except WorkbookRefused:
        raise
    except _READ_ERRORS as exc:
        raise _refusal(exc) from None


def _too_many(what: str, limit: int) -> str:
    return (
        f"Il file contiene troppe {what} (più di {limit:,}".replace(",", ".")
        + "): non è un modello di inserimento compilato e non viene letto. Scaricare un nuovo modello."
    )


def _part_limits(name: str) -> list[tuple[tuple[bytes, ...], int, str, str]]:
    """(markers, limit, what, counter) for one zip entry: what check_work counts in it, and in which counter
    (per part, or shared by all worksheets for the cells)."""
    if name.startswith("xl/worksheets/") and name.endswith(".xml"):
        return [
            ((b"<row", b":row"), MAX_SHEET_ROWS, "righe in un foglio", f"rows {name}"),
            ((b"<c", b":c"), MAX_CELLS, "celle", "cells"),
        ]
    if name == "xl/sharedStrings.xml":
        return [((b"<si", b":si"), MAX_SHARED_STRINGS, "stringhe condivise", "strings")]
    if name.endswith((".xml", ".rels")):
        return [((b"<",), MAX_PART_ELEMENTS, f"voci XML in una parte ({name[:60]})", f"elements {name}")]
    return []


def check_work(content: bytes) -> None:
    """Bound the work openpyxl would do: count rows, cells, shared strings and elements part by part, streaming.

    Each part is inflated 1 MB at a time and its markers counted with bytes.count (straddling a chunk boundary
    counted once, in the window around it); the first limit passed refuses the file without reading further.
    """
    counts: dict[str, int] = {}
    try:
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            for info in archive.infolist():
                if info.file_size > MAX_PART_BYTES:
                    size_mb = info.file_size / 1024 / 1024
                    raise WorkbookRefused(
                        f"Il file contiene una parte troppo grande ({size_mb:.0f} MB decompressa, "
                        f"massimo {MAX_PART_BYTES // (1024 * 1024)} MB): non è un modello di "
                        "inserimento compilato."
                    )
                limits = _part_limits(info.filename)
                if limits:
                    _count_part(archive, info, limits, counts)
    except WorkbookRefused:
        raise
    except (zipfile.BadZipFile, zlib.error, EOFError, ValueError, OSError):
        raise WorkbookRefused(_CORRUPTED) from None


def _count_part(
    archive: zipfile.ZipFile,
    info: zipfile.ZipInfo,
    limits: list[tuple[tuple[bytes, ...], int, str, str]],
    counts: dict[str, int],
) -> None:
    tail = b""
    with archive.open(info) as part:
        while chunk := part.read(CHUNK_BYTES):
            for markers, limit, what, counter in limits:
                for marker in markers:
                    edge = len(marker) - 1  # a marker across the boundary lies wholly in this window
                    across = (tail[-edge:] + chunk[:edge]).count(marker) if edge else 0
                    counts[counter] = counts.get(counter, 0) + chunk.count(marker) + across
                if counts[counter] > limit:
                    raise WorkbookRefused(_too_many(what, limit))
            tail = chunk[-8:]


def _refusal(exc: BaseException) -> WorkbookRefused:
    """The message for a parsing failure; openpyxl wraps the real cause in a ValueError of its own."""
    chain: list[BaseException] = []
    cause: BaseException | None = exc
    while cause is not None and cause not in chain:
        chain.append(cause)
        cause = cause.__cause__ or cause.__context__
    if any(isinstance(e, DefusedXmlException) for e in chain):
        return WorkbookRefused(_XML_BOMB)
    if any(isinstance(e, (zipfile.BadZipFile, zlib.error, EOFError, ParseError, KeyError)) for e in chain):
        return WorkbookRefused(_CORRUPTED)
    return WorkbookRefused(_UNREADABLE.format(detail=type(chain[-1]).__name__))


def check_size(content: bytes) -> None:
    if len(content) > MAX_UPLOAD_BYTES:
        raise WorkbookRefused(
            f"Il file è troppo grande ({len(content) / 1024 / 1024:.1f} MB, massimo "
            f"{MAX_UPLOAD_BYTES // (1024 * 1024)} MB): il modello compilato pesa molto meno, "
            "controllare di aver scelto il file giusto."
        )
    if not content:
        raise WorkbookRefused("Il file è vuoto.")


def check_kind(content: bytes) -> None:
    """By content, never by name: a renamed PDF or .xls is not an .xlsx."""
    if content.startswith(ZIP_MAGIC):
        return
    if content.startswith(OLE2_MAGIC):
        if ENCRYPTION_STREAM in content:
            raise WorkbookRefused(
                "Il file è protetto da password: aprirlo in Excel, togliere la password "
                "(File > Informazioni > Proteggi cartella di lavoro) e salvarlo di nuovo in .xlsx."
            )
        raise WorkbookRefused(
            "Il file è nel vecchio formato Excel .xls: aprirlo in Excel e salvarlo come "
            "«Cartella di lavoro di Excel (.xlsx)»."
        )
    raise WorkbookRefused(_NOT_XLSX)


def check_archive(content: bytes) -> None:
    """The zip's central directory only: nothing is decompressed here."""
    try:
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            entries = archive.infolist()
    except (zipfile.BadZipFile, zlib.error, EOFError, ValueError, OSError):
        raise WorkbookRefused(_CORRUPTED) from None
    if len(entries) > MAX_ZIP_ENTRIES:
        raise WorkbookRefused(
            f"Il file contiene troppe parti ({len(entries)}, massimo {MAX_ZIP_ENTRIES}): "
            "non è un modello di inserimento."
        )
    declared = sum(e.file_size for e in entries)
    if declared > MAX_UNCOMPRESSED_BYTES:
        raise WorkbookRefused(
            f"Il file, una volta decompresso, occuperebbe {declared / 1024 / 1024:.0f} MB "
            f"(massimo {MAX_UNCOMPRESSED_BYTES // (1024 * 1024)} MB): non viene letto. "
            "Un modello compilato ne occupa pochi."
        )
    if any(e.flag_bits & 0x1 for e in entries):  # bit 0: the entry is encrypted
        raise WorkbookRefused("Il file contiene parti cifrate: salvarlo senza password in formato .xlsx.")
    names = {e.filename for e in entries}
    if not all(part in names for part in REQUIRED_PARTS):
        raise WorkbookRefused(_NOT_XLSX)


__all__ = [
    "MAX_PART_BYTES",
    "MAX_PART_ELEMENTS",
    "MAX_SHARED_STRINGS",
    "MAX_CELLS",
    "MAX_SHEET_ROWS",
    "MAX_UNCOMPRESSED_BYTES",
    "MAX_UPLOAD_BYTES",
    "MAX_ZIP_ENTRIES",
    "WorkbookRefused",
    "XML_DEFUSED",
    "check_archive",
    "check_kind",
    "check_size",
    "check_work",
    "open_workbook",
    "read_rows",
]
