"""XLSX writing for reports (issue 17, item 6): the same interface as ``csvout.CsvWriter``
(``header(labels)``, ``row(values)``, ``many(rows)``, ``rows``) plus ``close()``, which
finishes the file.

openpyxl's write-only workbook streams rows to a temporary file and zips it into ``out``
on ``close()``: memory stays flat however many rows a report has. Cells follow the table
files' rules (``tables.cell``, ``tables.value_cell``): numbers and dates are typed cells,
a text cell is always a string (never a formula), and text that starts like a formula
also carries Excel's quote prefix. The header row is bold and frozen.
"""
from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any, BinaryIO

from partnerhub_core.reports.tables import TEXT, cell, sheet_title, text_cell, value_cell

MIN_WIDTH, MAX_WIDTH = 10, 40  # column widths in characters (rows are not known up front)


class XlsxWriter:
    """One sheet named ``title``; ``gettext`` says "Yes"/"No" for a true/false cell."""

    def __init__(self, out: BinaryIO, title: str = "Report", gettext: Callable[[str], str] = str):
        from openpyxl import Workbook

        self._out = out
        self._book = Workbook(write_only=True)
        self._sheet = self._book.create_sheet(sheet_title(title))
        self._gettext = gettext
        self.rows = 0

    def header(self, labels: Iterable[str]) -> None:
        from openpyxl.styles import Font
        from openpyxl.utils import get_column_letter

        labels = [str(label) for label in labels]
        sheet = self._sheet
        sheet.freeze_panes = "A2"  # written with the sheet's start: set before the first row
        for i, label in enumerate(labels, start=1):
            sheet.column_dimensions[get_column_letter(i)].width = min(max(len(label), MIN_WIDTH) + 2, MAX_WIDTH)
        bold = Font(bold=True)
        sheet.append([text_cell(sheet, label, bold) for label in labels])

    def _cells(self, values: Iterable[Any]) -> list:
        sheet, gettext = self._sheet, self._gettext
        return [value_cell(sheet, cell(v, TEXT, gettext)) for v in values]

    def row(self, values: Iterable[Any]) -> None:
        self._sheet.append(self._cells(values))
        self.rows += 1

    def many(self, rows: Iterable[Iterable[Any]]) -> None:
        append, cells = self._sheet.append, self._cells
        for values in rows:
            append(cells(values))
            self.rows += 1

    def close(self) -> None:
        """Write the finished workbook into ``out`` (call once, after the last row)."""
        self._book.save(self._out)
