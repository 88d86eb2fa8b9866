"""reports.section_csv writes column by column (reports/sectioncsv.py); its bytes must be
those of the per-cell writer it replaced (kept below verbatim as the reference), for every
column kind, missing values, unknowns, formula-like text and the three languages."""
from __future__ import annotations

from datetime import date, datetime, timezone
from decimal import Decimal

import numpy as np
import pandas as pd
import pytest

from partnerhub_core import reports
from partnerhub_core.analytics.common import Column, Kpi, Section
from partnerhub_core.i18n import N_, decimal_symbol, translations
from partnerhub_core.i18n.glossary import named
from partnerhub_core.reports.csvout import CsvWriter
from partnerhub_core.rounding import displayed
from partnerhub_core.unknown import UNKNOWN, SourceNote, note_lines

LOCALES = ("en", "pt_BR", "es")


def per_cell_csv(section, locale: str = "en") -> bytes:
    """The writer before the column-wise one (reports/__init__.py up to 2026-12-05)."""
    from io import BytesIO

    def _header(label: str, kind: str) -> str:
        return label + " (%)" if kind == "percent" and "%" not in label else label

    gettext = translations(locale).gettext
    buf = BytesIO()
    writer = CsvWriter(buf, decimal=decimal_symbol(locale))
    columns = list(section.columns)
    writer.header(_header(gettext(c.label), c.kind) for c in columns)
    for record in section.rows():
        values = []
        for c in columns:
            value = record.get(c.key)
            if value is None and c.source:
                value = UNKNOWN
            elif c.kind == "percent" and value is not None:
                value = displayed(value, "percent")
            elif c.kind == "float" and value is not None:
                value = displayed(value, "float")
            elif c.kind == "bool" and value is not None:
                value = gettext(N_("Yes")) if value else gettext(N_("No"))
            else:
                value = named(value, c.kind, gettext)
            values.append(value)
        writer.row(values)
    notes = note_lines(getattr(section, "notes", []), gettext, locale)
    if notes:
        writer.row([])
        for line in notes:
            writer.row([line])
    return buf.getvalue()


TEXTS = ['=HYPERLINK("http://evil","click")', "@SUM(A1)", "+97123739364", "-0.5", "1,234.5",
         'Plain, with "quotes"', "two\nlines", "\ttab", "\rcr", "+1 (555) 010", "São Paulo — Ñandú", "",
         "-", "=", None]
N = 3 * len(TEXTS)  # every text several times: the column path formats each value once


def _cycle(values: list, n: int = N) -> list:
    return [values[i % len(values)] for i in range(n)]


def every_kind_frame() -> tuple[pd.DataFrame, list[Column]]:
    ratios = [0.0725, 0.125, 1 / 3, 0.0, -0.0, 1.0, 2.5, float("nan"), -0.0005, 0.99995, 1e-9, 12345.678]
    floats = [7.25, 128.25, 0.05, -0.05, 0.0, -0.0, float("nan"), 1e20, 3.0, 2.675]
    dates = [date(2027, 1, 15), None, date(2026, 12, 31)]
    stamps = [pd.Timestamp("2026-11-25"), pd.NaT, pd.Timestamp("2027-02-01 13:45")]
    frame = pd.DataFrame({
        "customer_id": np.arange(N, dtype="int64"),
        "text": _cycle(TEXTS),
        "text_str": pd.Series(_cycle(TEXTS), dtype="str"),
        "ints": np.array(_cycle([0, -3, 12, 2**40, 7]), dtype="int64"),
        "ints_na": pd.array(_cycle([1, None, 0, -2]), dtype="Int64"),
        "ints_as_float": _cycle([1.0, float("nan"), 30.0, -0.0]),
        "percent": _cycle(ratios),
        "percent_na": pd.array(_cycle([0.25, None, 0.0725]), dtype="Float64"),
        "decimal": _cycle([Decimal("7.25"), None, Decimal("0.125")]),
        "average": _cycle(floats),
        "when": _cycle(dates),
        "stamp": pd.Series(_cycle(stamps), dtype="datetime64[ns]"),
        "stamp_tz": pd.Series(_cycle(stamps)).dt.tz_localize("UTC"),
        "moment": _cycle([datetime(2026, 11, 25, 8, 30, tzinfo=timezone.utc), None]),
        "flag": np.array(_cycle([True, False, True]), dtype=bool),
        "flag_na": _cycle([True, None, False]),
        "flag_as_text": np.array(_cycle([True, False]), dtype=bool),
        "region": _cycle(["EU", "US", "APAC", "XX", None, "=EU"]),
        "product": pd.Series(_cycle(["meetings", "calling", "webinars", "other", None]), dtype="str"),
        "region_int": np.array(_cycle([1, 2]), dtype="int64"),
        "used_known": _cycle([0.5, None, 0.0]),
        "count_known": pd.array(_cycle([3, None, 0]), dtype="Int64"),
        "text_known": _cycle(["x", None, "=y"]),
        "text_na": pd.Series(_cycle(TEXTS), dtype="string"),
        "flag_masked": pd.array(_cycle([True, None, False]), dtype="boolean"),
        "ints_small": np.array(_cycle([0, 1, 255]), dtype="uint8"),
        "mixed": _cycle([1, 1.0, True, "1", Decimal("1.0"), None, 0, -0.0, False, date(2026, 1, 1)]),
    })
    columns = [
        Column("text", N_("Customer")), Column("text_str", "Name"), Column("ints", N_("Total licenses"), "int"),
        Column("ints_na", "Count", "int"), Column("ints_as_float", "Count as float", "int"),
        Column("percent", N_("Assigned %"), "percent"), Column("percent_na", "Used", "percent"),
        Column("decimal", "Share", "percent"), Column("average", "Average", "float"),
        Column("when", N_("Ends on"), "date"), Column("stamp", "Stamp", "date"),
        Column("stamp_tz", "Stamp tz", "date"), Column("moment", "Moment", "date"),
        Column("flag", N_("Trial"), "bool"), Column("flag_na", N_("Auto-renew"), "bool"),
        Column("flag_as_text", "Flag", "text"),
        Column("region", N_("Region"), "region"), Column("product", N_("Product"), "product"),
        Column("region_int", "Region code", "region"),
        Column("used_known", "Used (known)", "percent", source="license_usage"),
        Column("count_known", "Active users", "int", source="license_usage"),
        Column("text_known", "Last sign-in", "text", source="admin_sign_in"),
        Column("text_na", "Text (NA)"), Column("text_na", "Text known", "text", source="admin_sign_in"),
        Column("text_str", "Region as str", "region"), Column("flag_masked", "Flag (NA)", "bool"),
        Column("flag_masked", "Flag as text", "text"), Column("ints_na", "Count as percent", "percent"),
        Column("ints", "Ints as float", "float"), Column("ints", "Ints as bool", "bool"),
        Column("ints_small", "Small", "int"), Column("ints_small", "Small percent", "percent"),
        Column("mixed", "Mixed", "text"), Column("mixed", "Mixed as percent", "percent"),
    ]
    return frame, columns


def _section(frame, columns, notes=()) -> Section:
    return Section("test", "Test", [Kpi("customers", "Customers", len(frame))], frame, columns,
                   as_of=date(2026, 11, 25), notes=list(notes))


@pytest.mark.parametrize("locale", LOCALES)
def test_column_wise_csv_is_byte_identical_to_the_per_cell_writer(locale):
    frame, columns = every_kind_frame()
    notes = [SourceNote("license_usage", 2, N, "subscriptions"), SourceNote("admin_sign_in", 5, 5, "customers")]
    section = _section(frame, columns, notes)
    data = reports.section_csv(section, locale)
    assert data == per_cell_csv(section, locale)
    assert data.startswith(b"\xef\xbb\xbf") and b"'=HYPERLINK" in data and UNKNOWN.encode() in data


@pytest.mark.parametrize("locale", LOCALES)
def test_edge_tables_are_byte_identical(locale):
    frame, columns = every_kind_frame()
    cases = [
        _section(frame.iloc[0:0], columns),  # header only
        _section(frame.iloc[:1], columns),
        _section(frame.iloc[:4], []),  # rows without columns
        _section(frame.iloc[::-1].reset_index(drop=True), columns[:5]),
        _section(frame.iloc[:0], columns, [SourceNote("license_usage", 0, 3, "rows")]),
    ]
    for section in cases:
        assert reports.section_csv(section, locale) == per_cell_csv(section, locale)


def test_the_formatting_of_a_few_cells_is_as_people_read_it():
    frame, columns = every_kind_frame()
    section = _section(frame.iloc[:3], columns[:8])
    en = reports.section_csv(section, "en").decode("utf-8-sig").split("\r\n")
    assert en[0] == "Customer,Name,Total licenses,Count,Count as float,Assigned %,Used (%),Share (%)"
    assert en[1].startswith("\"'=HYPERLINK(\"\"http://evil\"\",\"\"click\"\")\"")
    assert en[1].endswith(",0,1,1.0,7.3,25.0,725.0")  # 0.0725 is the tie 7.25%: half-up
    pt = reports.section_csv(section, "pt_BR").decode("utf-8-sig").split("\r\n")
    assert pt[1].endswith(',0,1,"1,0","7,3","25,0","725,0"')  # the language's decimal mark
