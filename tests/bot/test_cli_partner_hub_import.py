"""`partnerhub import partner-hub FILE.csv`: a file Partner Hub exports, its kind read from
the header row."""
from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlmodel import Session, select
from typer.testing import CliRunner

from bot.cli import app
from partnerhub_core.errors import BadInput
from partnerhub_core.models import Customer, Device, Partner
from partnerhub_core.sources.subscription_import import ImportRejected

runner = CliRunner()
EXAMPLES = Path(__file__).resolve().parents[2] / "docs" / "examples"


@pytest.fixture
def partner(engine):
    with Session(engine) as s:
        s.add(Partner(id=1, name="Partner", default_region="EU"))
        s.commit()
    return 1


def test_import_the_customer_list_then_the_devices_report(engine, db_url, partner, tmp_path):
    env = {"PARTNERHUB_DATABASE_URL": db_url}
    result = runner.invoke(app, ["import", "partner-hub", str(EXAMPLES / "partner-hub-customers.csv")], env=env)
    assert result.exit_code == 0, result.output
    assert result.output.splitlines() == [
        "Imported 2 rows of partner-hub-customers.csv (customer list): 2 customers, 2 new and 0 updated, "
        "0 devices or numbers.",
        "Ignored columns: status."]
    result = runner.invoke(app, ["import", "partner-hub", str(EXAMPLES / "partner-hub-devices.csv"), "--json"],
                           env=env)
    assert result.exit_code == 0, result.output
    got = json.loads(result.output)
    assert (got["kind"], got["rows"], got["customers"], got["items"]) == ("devices report", 3, 2, 3)

    bad = tmp_path / "bad.csv"
    bad.write_text("Customer,Customer Org ID,Product,MAC\nAcme Ltda,org-acme,Cisco 8845,zz\n", encoding="utf-8")
    result = runner.invoke(app, ["import", "partner-hub", str(bad)], env=env)
    assert isinstance(result.exception, ImportRejected)
    assert [(e.line, e.message) for e in result.exception.errors] == [(2, 'MAC "zz" is not 12 hexadecimal digits')]
    odd = tmp_path / "odd.csv"
    odd.write_text("Name,Amount\nx,1\n", encoding="utf-8")
    result = runner.invoke(app, ["import", "partner-hub", str(odd)], env=env)
    assert isinstance(result.exception, BadInput)
    assert "customer list, devices report, phone numbers report, subscriptions" in str(result.exception)
    with Session(engine) as s:
        assert len(s.exec(select(Customer)).all()) == 2
        assert len(s.exec(select(Device)).all()) == 3  # the bad file changed nothing
