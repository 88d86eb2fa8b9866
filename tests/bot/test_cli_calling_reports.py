"""``partnerhub calling …`` and ``partnerhub report …`` against a small database."""
from __future__ import annotations

import csv
import io
import json
from datetime import date

from sqlmodel import Session
from typer.testing import CliRunner

from bot.cli import app
from partnerhub_core.calling import ROLLUP_SUMS
from partnerhub_core.errors import BadInput, NotFound
from partnerhub_core.models import CallRollup, Device
from partnerhub_core.timeutil import week_ending
from tests.core.calling_world import make_customer, make_partner

runner = CliRunner()


def _seed(engine) -> None:
    with Session(engine) as s:
        p = make_partner(s)
        alpha = make_customer(s, p, "org-alpha", "Alpha", region="US")
        beta = make_customer(s, p, "org-beta", "Beta", region="EU")
        for cust, day, calls, queue, abandoned in ((alpha, date(2026, 11, 16), 40, 20, 4),
                                                   (beta, date(2026, 11, 18), 7, 0, 0)):
            row = CallRollup(partner_id=p.id, customer_id=cust.id, day=day, week_ending=week_ending(day),
                             location_id="loc-1", location_name="HQ", endpoint_type="desk_phone",
                             **{k: 0 for k in ROLLUP_SUMS})
            row.calls, row.legs, row.queue_calls, row.queue_abandoned = calls, calls, queue, abandoned
            s.add(row)
        s.add(Device(partner_id=p.id, customer_id=alpha.id, device_id="d1", product="Cisco 8851",
                     mac="AABBCC000001"))
        s.commit()


def _run(args, db_url):
    return runner.invoke(app, args, env={"PARTNERHUB_DATABASE_URL": db_url, "PARTNERHUB_AS_OF": "2026-11-25"})


def test_calling_queues_json_and_table(engine, db_url, tmp_path):
    _seed(engine)
    result = _run(["calling", "queues", "--json", "--charts", str(tmp_path / "png")], db_url)
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    kpis = {k["key"]: k["value"] for k in data["kpis"]}
    assert kpis["queue_calls"] == 20 and kpis["abandon_rate"] == 0.2
    assert [r["customer"] for r in data["rows"]] == ["Alpha"]
    assert (tmp_path / "png" / "call-queues-trend.png").read_bytes()[:4] == b"\x89PNG"
    table = _run(["calling", "usage", "--region", "eu"], db_url)
    assert table.exit_code == 0, table.output
    assert "Week ending Nov 21, 2026" in table.output and "Beta" in table.output and "Alpha" not in table.output


def test_report_writes_the_file_and_prints_its_path(engine, db_url, tmp_path):
    _seed(engine)
    result = _run(["report", "call-usage", "--out", str(tmp_path), "--from", "2026-11-15", "--to", "2026-11-21"],
                  db_url)
    assert result.exit_code == 0, result.output
    path = result.output.strip()
    assert path.startswith(str(tmp_path / "Call Usage Details_")) and path.endswith("_2026-11-25.csv")
    with open(path, encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.reader(fh))
    assert [r[:5] for r in rows[1:]] == [["Alpha", "org-alpha", "HQ", "40", "40"], ["Beta", "org-beta", "HQ", "7", "7"]]
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []  # no partial file left


def test_report_templates_from_the_cli(engine, db_url, tmp_path):
    _seed(engine)
    saved = _run(["report-template", "save", "Only devices", "--report", "devices", "--columns", "Customer,MAC"],
                 db_url)
    assert saved.exit_code == 0, saved.output
    listed = _run(["report-template", "list", "--json"], db_url)
    assert json.loads(listed.output)[0]["columns"] == ["customer", "mac"]
    result = _run(["report", "only devices", "--out", str(tmp_path)], db_url)
    with open(result.output.strip(), encoding="utf-8-sig", newline="") as fh:
        assert list(csv.reader(io.StringIO(fh.read()))) == [["Customer", "MAC"], ["Alpha", "AABBCC000001"]]


def test_bad_report_input_is_a_typed_error(engine, db_url, tmp_path):
    _seed(engine)
    result = _run(["report", "devices", "--from", "2026-11-01", "--out", str(tmp_path)], db_url)
    assert isinstance(result.exception, BadInput)
    result = _run(["report", "nope", "--out", str(tmp_path)], db_url)
    assert isinstance(result.exception, NotFound)
    result = _run(["calling", "usage", "--region", "Mars"], db_url)
    assert isinstance(result.exception, BadInput)


def test_an_empty_report_says_no_rows_and_writes_no_file(engine, db_url, tmp_path):
    _seed(engine)
    out = tmp_path / "reports"
    result = _run(["report", "devices", "EU", "--out", str(out)], db_url)  # Beta (EU) has no device
    assert result.exit_code == 0, result.output
    assert result.output.strip() == "No rows: no file written."
    assert list(out.iterdir()) == []
    as_json = _run(["report", "devices", "EU", "--out", str(out), "--json"], db_url)
    assert json.loads(as_json.output) == {"report": "devices", "path": None, "region": "EU", "rows": 0}


def test_report_format_xlsx_writes_an_xlsx_file(engine, db_url, tmp_path):
    from openpyxl import load_workbook

    _seed(engine)
    result = _run(["report", "call-usage", "--format", "xlsx", "--out", str(tmp_path), "--from", "2026-11-15",
                   "--to", "2026-11-21", "--json"], db_url)
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["rows"] == 2 and data["format"] == "xlsx" and data["path"].endswith("_2026-11-25.xlsx")
    sheet = load_workbook(data["path"]).active
    rows = [[c.value for c in r] for r in sheet.iter_rows()]
    assert rows[0][:4] == ["Customer Name", "Org ID", "Location", "Total Calls"]
    assert [r[:5] for r in rows[1:]] == [["Alpha", "org-alpha", "HQ", 40, 40], ["Beta", "org-beta", "HQ", 7, 7]]
    assert [p.name for p in tmp_path.iterdir() if p.name.endswith(".xlsx") or p.name.startswith(".")] == [
        data["path"].rsplit("/", 1)[1]]  # one file, no partial file left
    bad = _run(["report", "devices", "--format", "pdf", "--out", str(tmp_path)], db_url)
    assert bad.exit_code != 0 and "csv or xlsx" in bad.output
