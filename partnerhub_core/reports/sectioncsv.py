"""The CSV of an analytics table (F30), written column by column.

A digest's five CSVs hold ~100,000 rows at a 100,000-customer partner; formatting them
cell by cell (a dict per row, then unknown / percent / bool / region checks per cell)
took 3–4 s. Here each column is formatted once: its values are listed once
(``plain_values``: the values ``Section.rows`` gives), a column of plain integers is
written as it is, and every other cell goes through ``cell_rule`` — exactly the per-cell
rule of the old writer — once per *distinct* value of the column (most repeat: dates,
regions, products, rounded percentages). The rows are then written by the csv module in
one call and encoded once. ``tests/core/test_section_csv_columns.py`` compares the bytes
with the per-cell path over every column kind in every language.
"""
from __future__ import annotations

import csv
import io
from collections.abc import Callable
from typing import Any

from partnerhub_core.i18n import N_, decimal_symbol, translations
from partnerhub_core.i18n.glossary import named
from partnerhub_core.reports.csvout import BOM, FORMULA_STARTS, _inert, _with_mark, neutralise
from partnerhub_core.rounding import displayed
from partnerhub_core.unknown import UNKNOWN, note_lines

# Kinds whose cell of a plain int is the int itself (percent, float and bool reword it).
_INT_AS_IS = frozenset({"text", "int", "date", "region", "product"})
_MISSING = object()


def header_label(label: str, kind: str) -> str:
    return label + " (%)" if kind == "percent" and "%" not in label else label


def cell_rule(column, gettext, decimal: str) -> Callable[[Any], Any]:
    """One cell of ``column`` as written: unknown "—" where its source gave no figure,
    percentages in points and decimals half-up (rounding.py), Yes/No, region and product
    names, then neutralised (csvout) with the language's decimal mark."""
    kind, source = column.kind, column.source
    yes, no = gettext(N_("Yes")), gettext(N_("No"))

    def rule(value: Any) -> Any:
        if value is None and source:  # unknown, not empty: its source gave no figure
            value = UNKNOWN
        elif kind == "percent" and value is not None:
            value = displayed(value, "percent")  # the points people read, half-up
        elif kind == "float" and value is not None:
            value = displayed(value, "float")
        elif kind == "bool" and value is not None:
            value = yes if value else no
        else:
            value = named(value, kind, gettext)  # region and product names, not codes
        value = neutralise(value)
        return value if decimal == "." else _with_mark(value, decimal)

    return rule


def column_cells(series, column, gettext, decimal: str) -> list:
    """Every cell of one column, in table order."""
    import numpy as np  # here: reports is imported by paths that load no numpy (a lookup)
    import pandas as pd
    from pandas.core.arrays.masked import BaseMaskedArray

    from partnerhub_core.plain_values import plain_values

    values = plain_values(series)
    dtype = series.dtype
    numpy_kind = dtype.kind if isinstance(dtype, np.dtype) else ""
    masked = isinstance(series.array, BaseMaskedArray)
    text = isinstance(dtype, pd.StringDtype)  # str values, missing ones None
    rule = cell_rule(column, gettext, decimal)
    if column.kind in _INT_AS_IS and (numpy_kind in ("i", "u") or (masked and dtype.kind in "iu")):
        # Plain ints (neutralise leaves an int as it is), a missing one empty or unknown.
        empty = rule(None)
        return values if numpy_kind else [empty if v is None else v for v in values]
    if column.kind == "text" and text:  # the text itself, made inert when formula-like
        empty = rule(None)
        return [empty if v is None else (_inert(v) if v.startswith(FORMULA_STARTS) else v) for v in values]
    seen: dict = {}
    out = []
    append = out.append
    if text or masked or numpy_kind in ("i", "u", "b", "f", "M"):
        # One type of value (or None): the value is the key; 0.0 and -0.0 are equal keys
        # but different cells ("-0.0"), so zero floats are not kept.
        for value in values:
            cell = seen.get(value, _MISSING)
            if cell is _MISSING:
                cell = rule(value)
                if not (value == 0 and value.__class__ is float):
                    seen[value] = cell
            append(cell)
        return out
    for value in values:
        # Any mix of values: keyed by type too (1, 1.0 and True are equal keys but
        # different cells).
        key = (value.__class__, value)
        try:
            cell = seen.get(key, _MISSING)
        except TypeError:  # unhashable (a list in an object column)
            append(rule(value))
            continue
        if cell is _MISSING:
            cell = rule(value)
            if not (key[0] is float and value == 0):
                seen[key] = cell
        append(cell)
    return out


def section_csv(section, locale: str = "en") -> bytes:
    """The CSV of an analytics table (F30): the section's columns, translated headers.

    Percentages are written as percentage points (12.5 for 12.5%; 12,5 in pt-BR and es),
    rounded half-up to the shown decimals (rounding.py), with "(%)" added to a header that
    does not already say "%" ("Assigned %" stays as it is), so a spreadsheet gets a number,
    not text."""
    gettext = translations(locale).gettext
    decimal = decimal_symbol(locale)
    columns = list(section.columns)
    text = io.StringIO()
    writer = csv.writer(text, lineterminator="\r\n")
    writer.writerow([neutralise(header_label(gettext(c.label), c.kind)) for c in columns])
    if len(section.table) and columns:  # no columns: no rows either, as Section.rows gives
        cells = [column_cells(section.table[c.key], c, gettext, decimal) for c in columns]
        writer.writerows(zip(*cells))
    notes = note_lines(getattr(section, "notes", []), gettext, locale)
    if notes:  # after a blank row, one line per missing source: which, and how to connect it
        writer.writerow([])
        mark = (lambda v: v) if decimal == "." else (lambda v: _with_mark(v, decimal))
        for line in notes:
            writer.writerow([mark(neutralise(line))])
    return BOM + text.getvalue().encode("utf-8")
