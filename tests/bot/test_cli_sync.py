"""`partnerhub sync`, `partnerhub sync status` and `partnerhub import subscriptions`."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest
from sqlmodel import Session, SQLModel, select
from typer.testing import CliRunner

from bot.cli import app
from partnerhub_core import secrets
from partnerhub_core.analytics import subscriptions
from partnerhub_core.db import make_engine
from partnerhub_core.models import Customer, LicenseSnapshot, Partner, Subscription
from partnerhub_core.sources.subscription_import import ImportRejected
from tests.fakes.webex import FakeWebex

runner = CliRunner()
TOKEN = "cli-token-77"


@pytest.fixture(autouse=True)
def _fresh_keyring():
    secrets.reset()
    yield
    secrets.reset()


@pytest.fixture
def wx():
    with FakeWebex(token=TOKEN) as fake:
        fake.add_org("org-a", "Acme")
        fake.add_org("org-b", "Bravo")
        fake.licenses["org-a"] = [{"id": "L1", "name": "Webex Calling - Professional", "totalUnits": 10,
                                   "consumedUnits": 4, "subscriptionId": "SUB-1"}]
        yield fake


def _env(db_url, wx):
    return {"PARTNERHUB_DATABASE_URL": db_url, "PARTNERHUB_WEBEX_API_URL": wx.url,
            "PARTNERHUB_WEBEX_CDR_URL": wx.cdr_url("us"), "PARTNERHUB_WEBEX_TOKEN": TOKEN,
            "PARTNERHUB_WEBEX_BACKOFF_S": "0.001", "PARTNERHUB_WEBEX_MAX_RETRIES": "1",
            "PARTNERHUB_WEBEX_RETRY_AFTER_DEFAULT_S": "0.001"}


@pytest.fixture
def partner(engine):
    with Session(engine) as s:
        s.add(Partner(id=1, name="Partner"))
        s.commit()
    return 1


def test_sync_then_status(engine, db_url, wx, partner):
    result = runner.invoke(app, ["sync", "--parts", "organizations,licenses", "--json"], env=_env(db_url, wx))
    assert result.exit_code == 0, result.output
    body = json.loads(result.output)
    assert body["ok"] is True
    assert [(p["part"], p["organizations_ok"], p["items"]) for p in body["parts"]] == [
        ("organizations", 1, 2), ("licenses", 2, 1)]
    with Session(engine) as s:
        assert sorted(c.org_id for c in s.exec(select(Customer))) == ["org-a", "org-b"]
        assert [x.total_licenses for x in s.exec(select(Subscription))] == [10]

    status = runner.invoke(app, ["sync", "status", "--json"], env=_env(db_url, wx))
    assert status.exit_code == 0, status.output
    parts = {p["part"]: p for p in json.loads(status.output)["parts"]}
    assert parts["licenses"]["last_success_at"] is not None and parts["licenses"]["organizations_ok"] == 2
    assert parts["devices"]["last_success_at"] is None

    table = runner.invoke(app, ["sync", "status"], env=_env(db_url, wx))
    assert table.output.splitlines()[0].split() == ["part", "last", "success", "last", "error", "orgs", "ok",
                                                    "failed", "error"]


def test_a_failing_sync_exits_1_and_status_shows_the_failure(engine, db_url, wx, partner):
    wx.fail_after_orgs = 0
    result = runner.invoke(app, ["sync", "--parts", "organizations,devices"], env=_env(db_url, wx))
    assert result.exit_code == 1
    assert "devices" in result.output and "trackingId" in result.output
    status = runner.invoke(app, ["sync", "status", "--json"], env=_env(db_url, wx))
    devices = {p["part"]: p for p in json.loads(status.output)["parts"]}["devices"]
    assert (devices["organizations_failed"], devices["resuming"]) == (2, True)
    assert devices["last_error"].startswith("2 organizations failed; first: org-a: Webex GET /v1/devices")


def test_unknown_part_is_refused(db_url, wx, partner):
    result = runner.invoke(app, ["sync", "--parts", "licences"], env=_env(db_url, wx))
    assert "Unknown sync part licences" in str(result.exception)


def test_import_subscriptions(engine, db_url, wx, partner, tmp_path):
    good = tmp_path / "subs.csv"
    good.write_text("customer_org_id,customer_name,subscription_id,product,licenses,start_date,status\n"
                    "org-a,Acme,SUB-1,calling,12,2026-01-01,active\n", encoding="utf-8")
    result = runner.invoke(app, ["import", "subscriptions", str(good)], env=_env(db_url, wx))
    assert result.exit_code == 0, result.output
    assert result.output.strip() == ("Imported 1 rows from subs.csv: 1 new and 0 updated subscriptions, "
                                     "1 new customers, 0 order lines.")
    bad = tmp_path / "bad.csv"
    bad.write_text("customer_org_id,customer_name,subscription_id,product,licenses,start_date,status\n"
                   "org-a,Acme,SUB-2,calling,x,2026-01-01,active\n", encoding="utf-8")
    result = runner.invoke(app, ["import", "subscriptions", str(bad)], env=_env(db_url, wx))
    assert isinstance(result.exception, ImportRejected)
    with Session(engine) as s:
        assert [x.subscription_id for x in s.exec(select(Subscription))] == ["SUB-1"]


def test_export_subscriptions_writes_what_import_reads(engine, db_url, wx, partner, tmp_path):
    good = tmp_path / "subs.csv"
    good.write_text("customer_org_id,customer_name,subscription_id,product,licenses,start_date,status,paid\n"
                    "org-a,Acme,SUB-1,translations,12,2026-01-01,pending,no\n", encoding="utf-8")
    assert runner.invoke(app, ["import", "subscriptions", str(good)], env=_env(db_url, wx)).exit_code == 0
    out = tmp_path / "out.csv"
    result = runner.invoke(app, ["export", "subscriptions", str(out)], env=_env(db_url, wx))
    assert result.exit_code == 0, result.output
    assert result.output.strip() == f"Exported 1 rows to {out}."
    assert out.read_text(encoding="utf-8-sig").splitlines() == [
        "customer_org_id,customer_name,subscription_id,product,licenses,start_date,end_date,auto_renew,status,"
        "provisioned,paid,cancelled_on,invoice,region,external_id,order_ref,order_date,order_quantity",
        "org-a,Acme,SUB-1,real_time_translations,12,2026-01-01,,no,pending,no,no,,,US,,,,"]
    again = runner.invoke(app, ["import", "subscriptions", str(out)], env=_env(db_url, wx))
    assert again.exit_code == 0, again.output
    assert "0 new and 1 updated subscriptions" in again.output


def test_the_real_command_prints_one_error_line_per_problem(tmp_path):
    # Through `main`, as an operator runs it: no traceback, the bad lines, exit code 2.
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    engine = make_engine(url)
    SQLModel.metadata.create_all(engine)
    with Session(engine) as s:
        s.add(Partner(id=1, name="Partner"))
        s.commit()
    engine.dispose()
    bad = tmp_path / "bad.csv"
    bad.write_bytes("customer_org_id,customer_name,subscription_id,product,licenses,start_date,status\n"
                    "org-a,Comércio,SUB-2,calling,1,2026-01-01,active\n".encode("latin-1"))
    env = {**os.environ, "PARTNERHUB_DATABASE_URL": url}
    proc = subprocess.run([sys.executable, "-c", "from bot.cli import main; main()", "import", "subscriptions",
                           str(bad)], capture_output=True, text=True, env=env, cwd=Path(__file__).parents[2])
    assert proc.returncode == 2, proc.stderr
    assert proc.stderr == ('error: bad.csv is not UTF-8 text: line 2 holds bytes of another encoding (Latin-1?). '
                           'Save it as "CSV UTF-8" and import it again.\n')
    assert "Traceback" not in proc.stderr


@pytest.mark.parametrize(("frozen", "week"), [("2026-11-21", "2026-11-21"), ("2026-11-18", "2026-11-14")])
def test_a_sync_under_a_frozen_date_reads_back_at_that_date(engine, db_url, wx, partner, settings, frozen, week):
    """PARTNERHUB_AS_OF freezes today for the sync too: its snapshot is dated in the week
    ending on the last Saturday on or before that day (a Wednesday the 18th writes the
    Saturday the 14th), and a read at that date sees the 10 licences and 4 assigned."""
    env = {**_env(db_url, wx), "PARTNERHUB_AS_OF": frozen}
    synced = runner.invoke(app, ["sync", "--parts", "organizations,licenses", "--json"], env=env)
    assert synced.exit_code == 0, synced.output
    with Session(engine) as s:
        assert [str(x.week_ending) for x in s.exec(select(LicenseSnapshot))] == [week]
    with Session(engine) as s:
        trend = subscriptions.license_trend(session=s, partner_id=partner, as_of=date.fromisoformat(frozen),
                                            settings=settings, product="calling").to_dict()
    assert [(str(r["week_ending"]), r["total_licenses"], r["assigned"]) for r in trend["rows"]
            if r["total_licenses"]] == [(week, 10, 4)]
