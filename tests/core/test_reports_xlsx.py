"""Reports as XLSX (issue 17, item 6): the same rows as the CSV, read back with openpyxl:
header row, typed numbers, formula-like text kept as text, F21 name ending .xlsx, and
memory that does not grow with the rows."""
from __future__ import annotations

import io
import tracemalloc
from datetime import date

import pytest
from openpyxl import load_workbook

from partnerhub_core import reports
from partnerhub_core.reports.xlsxout import XlsxWriter
from tests.core.test_reports import AS_OF, SPEC_CALL_USAGE, SPEC_DEVICES, world  # noqa: F401 (fixture)


def _xlsx(session, p, report, **kw):
    buf = io.BytesIO()
    written = reports.write_report(session=session, partner_id=p.id, report=report, as_of=AS_OF, out=buf,
                                   fmt="xlsx", **kw)
    sheet = load_workbook(io.BytesIO(buf.getvalue())).active
    return written, sheet


def test_call_usage_xlsx_header_typed_numbers_and_inert_text(session, world):  # noqa: F811
    written, sheet = _xlsx(session, world, "call-usage", token="abc123")
    assert written.filename == "Call Usage Details_abc123_2026-11-25.xlsx"
    assert written.rows == 3
    rows = [[c.value for c in r] for r in sheet.iter_rows()]
    assert rows[0] == SPEC_CALL_USAGE
    assert sheet.title == "Call Usage Details"
    assert sheet.freeze_panes == "A2"
    # HQ: calls 10+2+1+5 = 18, legs 25, minutes (1800+600+61+300)/60 = 46.02: numbers, not text
    assert rows[2] == ["Alpha Ltda", "org-alpha", "São Paulo HQ", 18, 25, 2, 46.02, 7.5,
                       23, 2, 16, 3, 1, 3, 4, 9, 1, 2, 1, 3]
    assert [c.data_type for c in sheet[3][3:7]] == ["n", "n", "n", "n"]
    # The "=A1+HYPERLINK…" customer stays the text itself: a string cell, no apostrophe, quote prefix
    evil = sheet["A2"]
    assert evil.value == "=A1+HYPERLINK(\"http://x\")" and evil.data_type == "s" and evil.quotePrefix
    assert sheet["C2"].value == "+Sede\tNorte" and sheet["C2"].data_type == "s"
    assert rows[1][5] == "—"  # unknown stays "—", not zero


def test_devices_xlsx_and_csv_default_unchanged(session, world):  # noqa: F811
    written, sheet = _xlsx(session, world, "devices")
    assert written.filename.startswith("Devices_") and written.filename.endswith(".xlsx")
    rows = [[c.value for c in r] for r in sheet.iter_rows()]
    assert rows[0] == SPEC_DEVICES
    assert rows[1][5] == "-cmd|calc" and sheet["F2"].data_type == "s"
    # E.164 stays a text cell holding the number as written (dialled and matched as is)
    assert rows[3][8] == "+551130001000" and sheet["I4"].data_type == "s" and not sheet["I4"].quotePrefix
    assert len(rows) == 4
    buf = io.BytesIO()
    name = reports.run_report(session=session, partner_id=world.id, report="devices", as_of=AS_OF, out=buf)
    assert name.endswith(".csv") and buf.getvalue().startswith(b"\xef\xbb\xbf")


def test_unknown_format_refused(session, world):  # noqa: F811
    with pytest.raises(ValueError):
        reports.write_report(session=session, partner_id=world.id, report="devices", as_of=AS_OF,
                             out=io.BytesIO(), fmt="pdf")
    assert reports.file_name("Devices", date(2026, 11, 25), "tok1", "xlsx") == "Devices_tok1_2026-11-25.xlsx"


def _peak(rows: int) -> int:
    sink = io.BytesIO()
    tracemalloc.start()
    writer = XlsxWriter(sink, title="Big")
    writer.header(["Name", "Calls", "Minutes", "Day"])
    writer.many(([f"Customer {i}", i, i / 4, date(2026, 11, 1)] for i in range(rows)))
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    writer.close()
    assert writer.rows == rows
    return peak


def test_xlsx_writer_memory_stays_flat():
    XlsxWriter(io.BytesIO()).close()  # lazy imports are a one-off cost
    small, big = _peak(1_000), _peak(20_000)
    # Rows go to a temporary file: 20 times the rows may not need much more memory.
    assert big < small + 2_000_000, (small, big)
