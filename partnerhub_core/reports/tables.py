"""A table a person was shown, as a file: CSV or XLSX (issue 17, items 6 and 8).

One model for every downloadable table (customer list, a tag's customers, partner
admins, calling endpoint types, the audit trail, and whatever the CLI prints as rows):

    table = Table(title, [TableColumn("Name"), TableColumn("Licenses", INT), ...], rows)
    data = export_table(table, "csv" | "xlsx", locale)        # bytes
    name = table_file_name(table.title, as_of, "xlsx")         # F21 name, right extension

``TableColumn.label`` is the header as people read it (already translated); ``kind`` says
how a cell is written, the same rules as every report CSV (``reports.section_csv``):

- ``int``: the count; ``float``: half-up to the shown decimals (``rounding.py``);
- ``percent``: the cell holds a ratio (0.125) and is written in points (12.5), rounded
  half-up as shown; the header gets " (%)" unless it already says "%";
- ``date``: ISO in CSV, a real date in XLSX; ``bool``: "Yes"/"No" in the locale;
- ``text`` (default): the text as given (callers translate statuses, regions, products).

``None`` is an empty cell; a figure that is unknown is the caller's ``UNKNOWN`` ("—").

CSV is UTF-8 with a BOM, text made inert against formulas except plain numbers such as
E.164 (``csvout``). XLSX keeps numbers and dates as typed cells; no text cell is ever
written as a formula (openpyxl would store "=…" as one): every text cell is a string
cell, and one that starts like a formula (the same rule as the CSV) also carries Excel's
quote prefix, so editing it in Excel or LibreOffice keeps it text. Its value is the text
itself, with no apostrophe added, so it can still be matched.
"""
from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timezone
from decimal import Decimal
from io import BytesIO
from typing import Any

from partnerhub_core.i18n import N_, decimal_symbol, translations
from partnerhub_core.i18n.glossary import named
from partnerhub_core.reports.csvout import FORMULA_STARTS, PLAIN_NUMBER, CsvWriter
from partnerhub_core.rounding import displayed

TEXT, INT, FLOAT, PERCENT, DATE, BOOL = "text", "int", "float", "percent", "date", "bool"
REGION, PRODUCT = "region", "product"  # codes written by name in the file's language (glossary.named)
KINDS = frozenset({TEXT, INT, FLOAT, PERCENT, DATE, BOOL, REGION, PRODUCT})
FORMATS = ("csv", "xlsx")
MEDIA_TYPES = {
    "csv": "text/csv",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
_UNSAFE_NAME = re.compile(r'[\\/:*?"<>|\x00-\x1f]+')
_SHEET_UNSAFE = re.compile(r"[\[\]:*?/\\\x00-\x1f]+")
_XML_ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")
MAX_WIDTH = 60  # XLSX column width, in characters


@dataclass(frozen=True)
class TableColumn:
    label: str  # the header as shown (translated)
    kind: str = TEXT

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"unknown column kind {self.kind!r}")

    @property
    def header(self) -> str:
        if self.kind == PERCENT and "%" not in self.label:
            return self.label + " (%)"
        return self.label


@dataclass
class Table:
    title: str  # shown title (translated): names the file and the XLSX sheet
    columns: list[TableColumn]
    rows: list[list[Any]]  # one value per column, raw (see the module doc for kinds)
    notes: list[str] = field(default_factory=list)  # lines after the rows (unknown figures…)

    @property
    def empty(self) -> bool:
        return not self.rows

    @property
    def headers(self) -> list[str]:
        return [c.header for c in self.columns]


def from_rows(title: str, headers: Sequence[str], rows: Iterable[Sequence[Any]],
              kinds: Sequence[str] | None = None, notes: Sequence[str] = ()) -> Table:
    """A table from shown headers and raw rows (``kinds`` per column, text by default)."""
    kinds = list(kinds or [TEXT] * len(headers))
    if len(kinds) != len(headers):
        raise ValueError("one kind per header")
    return Table(title, [TableColumn(h, k) for h, k in zip(headers, kinds)], [list(r) for r in rows], list(notes))


def from_section(section, locale: str = "en", *, columns=None, records: list[dict] | None = None) -> Table:
    """An analytics ``Section`` (or its ``breakdown``: pass ``columns`` and ``records``) as a
    table: translated headers, unknown figures of a sourced column as "—", the section's
    notes after the rows."""
    from partnerhub_core.unknown import UNKNOWN, note_lines

    gettext = translations(locale).gettext
    columns = list(section.columns if columns is None else columns)
    records = section.rows() if records is None else records
    rows = []
    for record in records:
        row = []
        for c in columns:
            value = record.get(c.key)
            if value is None and getattr(c, "source", None):
                value = UNKNOWN
            row.append(value)
        rows.append(row)
    notes = note_lines(getattr(section, "notes", []) or [], gettext, locale)
    return Table(section.heading(gettext), [TableColumn(gettext(c.label), c.kind) for c in columns], rows, notes)


# ---------------------------------------------------------------------------------
# Cells
# ---------------------------------------------------------------------------------
def _plain(value: Any) -> Any:
    if hasattr(value, "item") and not isinstance(value, (str, bytes)):  # numpy / pandas scalars
        try:
            value = value.item()
        except (TypeError, ValueError):
            return value
    if isinstance(value, float) and value != value:  # NaN
        return None
    return value


def cell(value: Any, kind: str, gettext) -> Any:
    """The value written for a cell of ``kind``: numbers stay numbers, text stays text."""
    value = _plain(value)
    if value is None:
        return None
    if kind in (REGION, PRODUCT):  # a code a person reads by name: "EU" -> "União Europeia"
        return named(value, kind, gettext)
    if isinstance(value, str):
        return value  # "—" (unknown) or a text the caller chose, in any column
    if kind == PERCENT and isinstance(value, (int, float, Decimal)):
        return displayed(value, "percent")
    if kind == FLOAT and isinstance(value, (int, float, Decimal)):
        return displayed(value, "float")
    if kind == INT and isinstance(value, float) and value.is_integer():
        return int(value)  # a count from a float column (pandas) is still a count
    if kind == BOOL or isinstance(value, bool):
        return gettext(N_("Yes")) if value else gettext(N_("No"))
    if isinstance(value, (int, float, Decimal, date)):
        return value
    return str(value)


def _cells(table: Table, gettext) -> Iterable[list[Any]]:
    kinds = [c.kind for c in table.columns]
    for row in table.rows:
        yield [cell(v, k, gettext) for v, k in zip(row, kinds)]


def formula_like(text: str) -> bool:
    """A text a spreadsheet would run as a formula (a plain number such as E.164 is not)."""
    return text.startswith(FORMULA_STARTS) and not PLAIN_NUMBER.fullmatch(text)


# ---------------------------------------------------------------------------------
# Files
# ---------------------------------------------------------------------------------
def table_csv(table: Table, locale: str = "en") -> bytes:
    """UTF-8 with a BOM, header row, the rows, then a blank row and the notes (if any)."""
    gettext = translations(locale).gettext
    buf = BytesIO()
    writer = CsvWriter(buf, decimal=decimal_symbol(locale))
    writer.header(table.headers)
    writer.many(_cells(table, gettext))
    if table.notes:
        writer.row([])
        for line in table.notes:
            writer.row([line])
    return buf.getvalue()


def sheet_title(title: str) -> str:
    """Excel's rules: at most 31 characters, none of []:*?/\\."""
    return " ".join(_SHEET_UNSAFE.sub(" ", title).split()).strip("'")[:31].strip() or "Sheet1"


def text_cell(sheet, text: str, font=None):
    """A write-only string cell: never a formula, whatever it starts with; one that starts
    like a formula also carries Excel's quote prefix (the value keeps no apostrophe)."""
    from openpyxl.cell import WriteOnlyCell

    text = _XML_ILLEGAL.sub("", text)
    c = WriteOnlyCell(sheet, value=text)
    c.data_type = "s"
    if formula_like(text):
        c.quotePrefix = True
    if font is not None:
        c.font = font
    return c


def value_cell(sheet, value: Any):
    """A write-only cell for a value from ``cell``: text as ``text_cell``, dates and times
    typed with a date format (aware times in UTC), numbers as numbers, None empty."""
    from openpyxl.cell import WriteOnlyCell

    if value is None:
        return None
    if isinstance(value, str):
        return text_cell(sheet, value)
    if isinstance(value, datetime):
        if value.tzinfo is not None:
            value = value.astimezone(timezone.utc).replace(tzinfo=None)
        c = WriteOnlyCell(sheet, value=value)
        c.number_format = "yyyy-mm-dd hh:mm"
        return c
    if isinstance(value, date):
        c = WriteOnlyCell(sheet, value=value)
        c.number_format = "yyyy-mm-dd"
        return c
    return WriteOnlyCell(sheet, value=value)


def table_xlsx(table: Table, locale: str = "en") -> bytes:
    """One sheet named after the table: a bold, frozen header row, typed cells."""
    from openpyxl import Workbook
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    gettext = translations(locale).gettext
    rows = list(_cells(table, gettext))
    book = Workbook(write_only=True)
    sheet = book.create_sheet(sheet_title(table.title))
    sheet.freeze_panes = "A2"
    widths = [len(h) for h in table.headers]
    for row in rows:
        for i, value in enumerate(row[:len(widths)]):
            widths[i] = max(widths[i], len(str(value)) if value is not None else 0)
    for i, width in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(i)].width = min(max(width, 6) + 2, MAX_WIDTH)
    bold = Font(bold=True)

    sheet.append([text_cell(sheet, h, bold) for h in table.headers])
    for row in rows:
        sheet.append([value_cell(sheet, v) for v in row])
    if table.notes:
        sheet.append([])
        for line in table.notes:
            sheet.append([text_cell(sheet, line)])
    out = BytesIO()
    book.save(out)
    return out.getvalue()


def export_table(table: Table, fmt: str, locale: str = "en") -> bytes:
    """``fmt`` "csv" or "xlsx"."""
    fmt = (fmt or "").lower()
    if fmt == "csv":
        return table_csv(table, locale)
    if fmt == "xlsx":
        return table_xlsx(table, locale)
    raise ValueError(f"unknown table format {fmt!r}")


def table_file_name(title: str, as_of: date, fmt: str = "csv", token: str | None = None) -> str:
    """F21 ``<Title>_<alphanumeric>_<Download Date>.<csv|xlsx>``."""
    from partnerhub_core.reports import file_name

    name = file_name(title, as_of, token)
    if fmt == "csv":
        return name
    if fmt not in FORMATS:
        raise ValueError(f"unknown table format {fmt!r}")
    return name[: -len(".csv")] + "." + fmt


__all__ = [
    "TEXT", "INT", "FLOAT", "PERCENT", "DATE", "BOOL", "REGION", "PRODUCT", "KINDS", "FORMATS", "MEDIA_TYPES", "TableColumn", "Table",
    "from_rows", "from_section", "cell", "formula_like", "table_csv", "table_xlsx", "export_table",
    "table_file_name", "sheet_title", "text_cell", "value_cell",
]
