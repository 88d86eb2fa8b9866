"""CSV writing shared by every report and table: UTF-8 with a BOM (Excel then reads
accents right) and formula neutralisation.

A spreadsheet runs a cell that starts with ``=``, ``+``, ``-``, ``@``, a tab or a
carriage return as a formula (CSV injection). Following OWASP's CSV-injection guidance,
every *text* cell starting with one of those gets a leading apostrophe, which Excel and
LibreOffice show as plain text; the csv module quotes cells holding separators or quotes
and doubles embedded quotes. A cell that is a plain number (``+97123739364``, ``-3``,
``-0.5``, ``1,234.5``) is left as it is: a sign, digits and decimal or group marks cannot
call a function, and an apostrophe would stop the number being matched or dialled.
Numbers are written as numbers: a negative count is data, not a formula. A decimal is
written with the decimal mark of the file's language (``CsvWriter(out, decimal=",")`` for
pt-BR and es, ``i18n.decimal_symbol``): ``12,5`` there, quoted by the csv module, which a
spreadsheet in that language reads as a number; integers carry no group marks.
"""
from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable
from datetime import date, datetime
from decimal import Decimal
from typing import Any, BinaryIO

BOM = "\ufeff".encode("utf-8")
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
# A plain number: an optional sign, then digits with "." or "," marks between them (E.164
# "+97123739364", "-12", "-0.5", "1,234.56"); nothing else may follow.
PLAIN_NUMBER = re.compile(r"[+-]?(?:\d+(?:[.,]\d+)*|[.,]\d+)")


def _inert(text: str) -> str:
    if text.startswith(FORMULA_STARTS) and not PLAIN_NUMBER.fullmatch(text):
        return "'" + text
    return text


def neutralise(value: Any) -> Any:
    """The cell as written: text made inert, dates ISO, None empty, numbers as they are."""
    kind = type(value)  # the common cases first: a report writes millions of cells
    if kind is str:
        return _inert(value)
    if kind is int:
        return value
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float, Decimal)):
        if value != value:  # NaN
            return ""
        return value
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    if hasattr(value, "item"):  # numpy scalars
        return neutralise(value.item())
    return _inert(str(value))


class _Utf8Sink:
    """Lets ``csv.writer`` write text straight into a binary file, row by row."""

    def __init__(self, out: BinaryIO):
        self.out = out

    def write(self, text: str) -> int:
        return self.out.write(text.encode("utf-8"))


def _with_mark(value: Any, decimal: str) -> Any:
    """A neutralised cell with its decimal point replaced by ``decimal``."""
    if isinstance(value, (float, Decimal)):
        return str(value).replace(".", decimal)
    return value


class CsvWriter:
    """Writes the BOM, then one neutralised row at a time (nothing is held in memory).

    ``decimal``: the decimal mark of the file's language ("." or ",")."""

    def __init__(self, out: BinaryIO, decimal: str = "."):
        out.write(BOM)
        self._sink = _Utf8Sink(out)
        self._writer = csv.writer(self._sink, lineterminator="\r\n")
        self.rows = 0
        self._cell = neutralise if decimal == "." else (lambda v: _with_mark(neutralise(v), decimal))

    def header(self, labels: Iterable[str]) -> None:
        self._writer.writerow([neutralise(label) for label in labels])

    def row(self, values: Iterable[Any]) -> None:
        self._writer.writerow([self._cell(v) for v in values])
        self.rows += 1

    def many(self, rows: Iterable[Iterable[Any]], batch: int = 500) -> None:
        """Write every row of ``rows``, ``batch`` rows per write to the file (one
        encode and one write call per batch instead of per row; memory stays flat)."""
        buf = io.StringIO()
        writer = csv.writer(buf, lineterminator="\r\n")
        cell = self._cell
        pending = 0
        for values in rows:
            writer.writerow([cell(v) for v in values])
            pending += 1
            if pending == batch:
                self._flush(buf)
                self.rows += pending
                pending = 0
        self._flush(buf)
        self.rows += pending

    def _flush(self, buf: io.StringIO) -> None:
        text = buf.getvalue()
        if text:
            self._sink.write(text)
        buf.seek(0)
        buf.truncate()
