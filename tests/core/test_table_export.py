"""reports/tables.py (a shown table as CSV or XLSX) and reports/views.py (the five
downloadable tables), without Slack."""
from __future__ import annotations

import csv
import io
from datetime import date, datetime, timezone
from decimal import Decimal

import pytest
from openpyxl import load_workbook

from partnerhub_core.auth import Actor
from partnerhub_core.customers import CustomerFilters
from partnerhub_core.models import Role
from partnerhub_core.reports.tables import (
    BOOL,
    DATE,
    FLOAT,
    INT,
    PERCENT,
    TEXT,
    Table,
    TableColumn,
    export_table,
    from_rows,
    sheet_title,
    table_csv,
    table_file_name,
    table_xlsx,
)
from partnerhub_core.reports.views import admins_table, customers_table
from tests.factories import make_admin, make_customer, make_partner, make_subscription, make_tag

KINDS = [TEXT, TEXT, INT, FLOAT, PERCENT, DATE, BOOL]
HEADERS = ["Name", "Phone", "Licenses", "Average", "Assigned", "Renewal", "Auto-renew"]
ROWS = [
    ['=HYPERLINK("http://evil","click")', "+97123739364", 12, 2.25, 0.1256, date(2027, 1, 15), True],
    ["@SUM(A1)", "-0.5", -3, 7.0, 0.5, None, False],
    ["Plain, with \"quotes\"", "+1 (555) 010", 0, None, None, date(2026, 12, 31), None],
]


def table(rows=ROWS, notes=()):
    return from_rows("Licenses: EU/US [test]", HEADERS, rows, KINDS, notes)


def read_csv(data: bytes) -> list[list[str]]:
    assert data.startswith(b"\xef\xbb\xbf")  # BOM: Excel reads accents right
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))


def test_csv_header_values_and_formula_guard():
    rows = read_csv(table_csv(table(notes=["Usage is unknown for 2 customers."]), "en"))
    assert rows == [
        ["Name", "Phone", "Licenses", "Average", "Assigned (%)", "Renewal", "Auto-renew"],
        ["'=HYPERLINK(\"http://evil\",\"click\")", "+97123739364", "12", "2.3", "12.6", "2027-01-15", "Yes"],
        ["'@SUM(A1)", "-0.5", "-3", "7.0", "50.0", "", "No"],
        ["Plain, with \"quotes\"", "'+1 (555) 010", "0", "", "", "2026-12-31", ""],
        [],
        ["Usage is unknown for 2 customers."],
    ]


def test_csv_words_and_decimal_marks_follow_the_locale():
    rows = read_csv(table_csv(table(), "pt_BR"))
    assert rows[1][2:] == ["12", "2,3", "12,6", "2027-01-15", "Sim"]  # csvout: the language's decimal mark
    assert rows[2][6] == "Não"
    assert read_csv(table_csv(table(), "es"))[1][6] == "Sí"


def test_xlsx_keeps_numbers_and_dates_typed_and_never_writes_a_formula():
    book = load_workbook(io.BytesIO(table_xlsx(table(), "es")))
    sheet = book.active
    assert sheet.title == "Licenses EU US test"
    assert sheet.freeze_panes == "A2"
    header = [c.value for c in sheet[1]]
    assert header == ["Name", "Phone", "Licenses", "Average", "Assigned (%)", "Renewal", "Auto-renew"]
    assert all(c.font.bold for c in sheet[1])
    a2, b2, c2, d2, e2, f2, g2 = sheet[2]
    assert (a2.value, a2.data_type, a2.quotePrefix) == ('=HYPERLINK("http://evil","click")', "s", True)
    assert (b2.value, b2.data_type, b2.quotePrefix) == ("+97123739364", "s", False)  # E.164 untouched
    assert (c2.value, c2.data_type) == (12, "n")
    assert (d2.value, e2.value) == (2.3, 12.6) and d2.data_type == e2.data_type == "n"
    assert f2.value == datetime(2027, 1, 15) and f2.is_date
    assert g2.value == "Sí"
    a3, b3, c3 = sheet[3][:3]
    assert (a3.value, a3.data_type, a3.quotePrefix) == ("@SUM(A1)", "s", True)
    assert (b3.value, b3.quotePrefix) == ("-0.5", False) and c3.value == -3
    assert sheet["D4"].value is None and sheet["F4"].value == datetime(2026, 12, 31)
    assert sheet.max_row == 4
    assert not any(c.data_type == "f" for row in sheet.iter_rows() for c in row)


def test_xlsx_takes_what_a_database_or_pandas_gives():
    import numpy as np

    odd = [["ctrl\x01\x02chars", np.int64(7), Decimal("1.5"), np.float64("nan"),
            0.25, datetime(2026, 11, 25, 13, 0, tzinfo=timezone.utc), np.bool_(True)]]
    sheet = load_workbook(io.BytesIO(table_xlsx(table(odd, notes=["=note"]), "en"))).active
    assert [c.value for c in sheet[2]] == ["ctrlchars", 7, 1.5, None, 25.0, datetime(2026, 11, 25, 13, 0), "Yes"]
    assert sheet["A4"].value == "=note" and sheet["A4"].data_type == "s" and sheet["A4"].quotePrefix


def test_region_and_product_columns_are_written_by_name_and_every_section_kind_is_a_table_kind():
    from partnerhub_core.analytics import common
    from partnerhub_core.reports.tables import KINDS, PRODUCT, REGION

    t = from_rows("x", ["Region", "Product"], [["EU", "calling"]], [REGION, PRODUCT])
    assert read_csv(table_csv(t, "pt_BR"))[1] == ["União Europeia", "Webex Calling"]
    section_kinds = {v for k, v in vars(common).items() if k.isupper() and isinstance(v, str) and k in (
        "TEXT", "INT", "PERCENT", "DATE", "BOOL", "FLOAT", "REGION", "PRODUCT")}
    assert section_kinds <= KINDS


def test_empty_table_formats_and_file_names():
    empty = Table("Customers", [TableColumn("Name")], [])
    assert empty.empty and read_csv(export_table(empty, "csv")) == [["Name"]]
    assert load_workbook(io.BytesIO(export_table(empty, "XLSX"))).active.max_row == 1
    with pytest.raises(ValueError):
        export_table(empty, "pdf")
    with pytest.raises(ValueError):
        TableColumn("x", "money")
    assert table_file_name("Customers tagged Gold/EU", date(2026, 12, 5), "xlsx", "abc123") == \
        "Customers tagged Gold-EU_abc123_2026-12-05.xlsx"
    assert table_file_name("Partner admins", date(2026, 12, 5), "csv", "abc123") == \
        "Partner admins_abc123_2026-12-05.csv"
    assert sheet_title("x" * 40) == "x" * 31 and sheet_title("[]") == "Sheet1"


@pytest.fixture
def world(session):
    p = make_partner(session)
    acme = make_customer(session, p, "Acme", region="EU", org_id="ORG-ACME")
    make_subscription(session, acme, subscription_id="S1", product="meetings", total=10,
                      start=date(2025, 1, 1), end=date(2027, 3, 1))
    zed = make_customer(session, p, "Zürich Finanz", region="US", org_id="ORG-ZED")
    make_subscription(session, zed, subscription_id="S2", product="calling", total=5,
                      start=date(2025, 1, 1), end=date(2026, 12, 20))
    beta = make_customer(session, p, "Beta", region="US", org_id="ORG-BETA")
    make_tag(session, p, "Key accounts", customers=[acme, zed])
    sales = make_admin(session, p, "Sam Sales", role=Role.SALES_ADMIN, customers=[zed], email="sam@x.example")
    session.commit()
    return {"partner": p, "acme": acme, "zed": zed, "beta": beta, "sales": sales}


def test_customers_table_reads_every_page_in_the_locale(session, settings, world, monkeypatch):
    import partnerhub_core.customers as customers

    monkeypatch.setattr(customers, "MAX_PAGE_SIZE", 2)  # three customers: two pages
    actor = Actor.system(world["partner"].id, label="test")
    t = customers_table(session=session, actor=actor, filters=CustomerFilters(), as_of=date(2026, 11, 25),
                        settings=settings, locale="pt_BR")
    assert t.title == "Clientes"
    assert t.headers[:3] == ["Cliente", "ID da organização do cliente", "Região"]
    assert [r[0] for r in t.rows] == ["Acme", "Beta", "Zürich Finanz"]
    assert t.rows[0][2] == "União Europeia" and t.rows[0][4] == "Meetings" and t.rows[0][6] == date(2027, 3, 1)
    assert t.rows[1][4] == "" and t.notes == []
    tagged = customers_table(session=session, actor=actor, filters=CustomerFilters(tag="Key accounts"),
                             as_of=date(2026, 11, 25), settings=settings, locale="es", max_rows=1)
    assert tagged.title == "Clientes con la etiqueta Key accounts"
    assert [r[0] for r in tagged.rows] == ["Acme"]
    assert tagged.notes == ["El archivo se detiene en 1 de 2 clientes: acote los filtros."]


def test_customers_table_is_scoped_to_what_the_person_sees(session, settings, world):
    actor = Actor.for_admin(world["sales"], label="test")
    t = customers_table(session=session, actor=actor, filters=CustomerFilters(), as_of=date(2026, 11, 25),
                        settings=settings)
    assert [r[0] for r in t.rows] == ["Zürich Finanz"]


def test_admins_table(session, world):
    actor = Actor.system(world["partner"].id, label="test")
    t = admins_table(session=session, actor=actor, locale="es")
    assert t.headers == ["Nombre", "Correo electrónico", "Rol", "Todos los clientes", "Clientes asignados"]
    assert t.rows == [["Sam Sales", "sam@x.example", "administrador de ventas", False, 1]]
    assert read_csv(table_csv(t, "es"))[1] == ["Sam Sales", "sam@x.example", "administrador de ventas", "No", "1"]
