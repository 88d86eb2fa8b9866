"""CSV writing shared by every report and table: UTF-8 with a BOM (Excel then reads
accents right) and formula neutralisation.

A spreadsheet runs a cell that starts with ``=``, ``+``, ``-``, ``@``, a tab or a
carriage return as a formula (CSV injection). Every *text* cell starting with one of
those gets a leading apostrophe, which Excel and LibreOffice show as plain text.
Numbers are written as numbers: a negative count is data, not a formula.
"""
from __future__ import annotations

import csv
from collections.abc import Iterable
from datetime import date, datetime
from typing import Any, BinaryIO

BOM = "\ufeff".encode("utf-8")
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value: Any) -> Any:
    """The cell as written: text made inert, dates ISO, None empty, numbers as they are."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        if isinstance(value, float) and value != value:  # NaN
            return ""
        return value
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    if hasattr(value, "item"):  # numpy scalars
        return neutralise(value.item())
    text = str(value)
    if text.startswith(FORMULA_STARTS):
        return "'" + text
    return text


class _Utf8Sink:
    """Lets ``csv.writer`` write text straight into a binary file, row by row."""

    def __init__(self, out: BinaryIO):
        self.out = out

    def write(self, text: str) -> int:
        return self.out.write(text.encode("utf-8"))


class CsvWriter:
    """Writes the BOM, then one neutralised row at a time (nothing is held in memory)."""

    def __init__(self, out: BinaryIO):
        out.write(BOM)
        self._writer = csv.writer(_Utf8Sink(out), lineterminator="\r\n")
        self.rows = 0

    def header(self, labels: Iterable[str]) -> None:
        self._writer.writerow([neutralise(label) for label in labels])

    def row(self, values: Iterable[Any]) -> None:
        self._writer.writerow([neutralise(v) for v in values])
        self.rows += 1
