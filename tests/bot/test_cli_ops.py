"""Operator commands: purge with confirmation, secrets rotate, jobs status."""
from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone

import pytest
import sqlalchemy as sa
from cryptography.fernet import Fernet
from pydantic import SecretStr
from sqlmodel import Session, select
from typer.testing import CliRunner

from bot.cli import app
from partnerhub_core import credentials, jobs, secrets
from partnerhub_core.errors import BadInput
from partnerhub_core.models import Customer, Partner, SlackInstallation, Workspace, utcnow
from partnerhub_core.settings import Settings

runner = CliRunner()


@pytest.fixture(autouse=True)
def _fresh_keyring():
    secrets.reset()
    yield
    secrets.reset()


def _run(args, db_url, input=None, **env):
    return runner.invoke(app, args, input=input, env={"PARTNERHUB_DATABASE_URL": db_url, **env})


def _seed(session: Session) -> None:
    for pid, team in ((1, "TKEEP"), (2, "TGONE")):
        session.add(Partner(id=pid, name=f"Partner {pid}"))
        session.flush()
        session.add(Workspace(partner_id=pid, team_id=team))
        for n in range(2):
            session.add(Customer(partner_id=pid, org_id=f"org-{pid}-{n}", name=f"Customer {pid}-{n}",
                                 added_on=datetime(2026, 1, 1).date()))
        session.add(SlackInstallation(client_id="C", team_id=team, user_id="U1", bot_token=f"xoxb-{team}"))
    session.commit()


def test_purge_asks_first_and_does_nothing_on_no(engine, db_url):
    with Session(engine) as s:
        _seed(s)
    result = _run(["purge", "--partner", "2"], db_url, input="n\n")
    assert result.exit_code == 1
    assert "Partner 2 (Partner 2) has 5 rows in 4 tables:" in result.output
    assert "Nothing deleted." in result.output
    with Session(engine) as s:
        assert len(s.exec(select(Customer)).all()) == 4


def test_purge_with_yes_deletes_and_prints_the_summary(engine, db_url):
    with Session(engine) as s:
        _seed(s)
    result = _run(["purge", "--partner", "2", "--yes"], db_url)
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0] == "Deleted partner 2 (Partner 2): 5 rows in 4 tables."
    assert [l.split() for l in lines[1:]] == [["customer", "2"], ["partner", "1"], ["slackinstallation", "1"],
                                              ["workspace", "1"]]
    with Session(engine) as s:
        assert {c.partner_id for c in s.exec(select(Customer)).all()} == {1}
        assert [i.team_id for i in s.exec(select(SlackInstallation)).all()] == ["TKEEP"]


def test_purge_of_an_unknown_partner_is_one_line_and_exit_2(engine, db_url, monkeypatch, capsys):
    from bot.cli import main

    monkeypatch.setenv("PARTNERHUB_DATABASE_URL", db_url)
    monkeypatch.setattr("sys.argv", ["partnerhub", "purge", "--partner", "9", "--yes"])
    with pytest.raises(SystemExit) as exit_:
        main()
    assert exit_.value.code == 2
    assert capsys.readouterr().err.strip() == "error: There is no partner with id 9."


def test_rotate_keeps_every_token_readable_under_the_new_key(engine, db_url):
    old, new = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    secrets.configure(Settings(secret_keys=SecretStr(old)))
    with Session(engine) as s:
        _seed(s)
        credentials.set_webex_token(s, partner_id=1, token="wx-partner-one", now=utcnow())
        s.commit()
    with engine.connect() as conn:
        before = conn.execute(sa.text("SELECT access_token FROM webexcredential")).scalar_one()
    result = _run(["secrets", "rotate"], db_url, PARTNERHUB_SECRET_KEYS=f"{new},{old}")
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0] == "Re-encrypted 3 values with the newest key."
    assert ["slackinstallation.bot_token", "2"] in [l.split() for l in lines[1:]]
    assert ["webexcredential.access_token", "1"] in [l.split() for l in lines[1:]]

    secrets.configure(Settings(secret_keys=SecretStr(new)))  # the old key is gone now
    with Session(engine) as s:
        assert sorted(i.bot_token for i in s.exec(select(SlackInstallation)).all()) == ["xoxb-TGONE", "xoxb-TKEEP"]
        assert credentials.webex_token_for(s, 1) == "wx-partner-one"
    with engine.connect() as conn:
        raw = [r[0] for r in conn.execute(sa.text("SELECT bot_token FROM slackinstallation"))]
        after = conn.execute(sa.text("SELECT access_token FROM webexcredential")).scalar_one()
    assert all(secrets.looks_encrypted(v) and "xoxb" not in v for v in raw)
    assert after != before and "wx-partner-one" not in after


def test_rotate_without_keys_refuses(engine, db_url):
    result = _run(["secrets", "rotate"], db_url)
    assert result.exit_code != 0
    assert "Set PARTNERHUB_SECRET_KEYS" in str(result.exception)


def test_jobs_status_shows_runs_and_says_when_the_heartbeat_is_stale(engine, db_url):
    now = utcnow()
    with Session(engine) as s:
        jobs.record_job_run(s, job="digests", started_at=now - timedelta(hours=2),
                            finished_at=now - timedelta(hours=2) + timedelta(seconds=30), outcome="ok")
        jobs.heartbeat(s, worker_id="web-1:42", now=now - timedelta(minutes=10),
                       next_runs={"digests": datetime(2030, 1, 6, 9, 0, tzinfo=timezone.utc)})
        s.commit()
    result = _run(["jobs", "status"], db_url)
    assert result.exit_code == 1
    lines = result.output.splitlines()
    assert lines[0].split() == ["job", "last", "run", "outcome", "last", "success", "next", "run"]
    assert lines[1].startswith("digests") and " ok " in lines[1] and "2030-01-06 09:00 UTC" in lines[1]
    assert lines[-1].startswith("worker: web-1:42 last heartbeat 10m ago (more than 120s) — STALE")

    as_json = _run(["jobs", "status", "--json"], db_url)
    data = json.loads(as_json.output)
    assert data["healthy"] is False and data["worker"]["stale"] is True
    assert data["jobs"][0]["job"] == "digests" and data["jobs"][0]["last_outcome"] == "ok"


def test_jobs_status_with_a_fresh_heartbeat_exits_0(engine, db_url):
    with Session(engine) as s:
        jobs.heartbeat(s, worker_id="w:1", now=utcnow(), running_job="digests")
        s.commit()
    result = _run(["jobs", "status"], db_url)
    assert result.exit_code == 0, result.output
    rows = [l.split() for l in result.output.splitlines()[1:5]]
    assert rows == [["prune-calls", "-", "-", "-", "-"], ["refresh", "-", "-", "-", "-"], ["tick", "-", "-", "-", "-"],
                    ["warm", "-", "-", "-", "-"]]
    assert "worker: w:1 alive" in result.output and "running digests" in result.output


def test_set_webex_token_reads_stdin_and_stores_it_encrypted(engine, db_url):
    with Session(engine) as s:
        _seed(s)
    result = _run(["secrets", "set-webex-token", "--partner", "1"], db_url, input="wx-own-token-42\n",
                  PARTNERHUB_SECRET_KEYS=Fernet.generate_key().decode())
    assert result.exit_code == 0, result.output
    assert result.output.strip() == "Stored the Webex token of partner 1 (encrypted)."
    with engine.connect() as conn:
        raw = conn.execute(sa.text("SELECT access_token FROM webexcredential")).scalar_one()
    assert "wx-own-token-42" not in raw
    from partnerhub_core.credentials import webex_token_for

    with Session(engine) as s:
        assert webex_token_for(s, 1) == "wx-own-token-42"


def test_set_webex_token_refuses_a_throwaway_key_and_stores_nothing(engine, db_url, monkeypatch):
    monkeypatch.delenv("PARTNERHUB_SECRET_KEYS", raising=False)
    with Session(engine) as s:
        _seed(s)
    result = _run(["secrets", "set-webex-token", "--partner", "1"], db_url, input="wx-own-token-42\n")
    assert isinstance(result.exception, BadInput)  # exit 2 through main()
    assert "PARTNERHUB_SECRET_KEYS is not set, so the token could never be read back" in str(result.exception)
    with engine.connect() as conn:
        assert conn.execute(sa.text("SELECT count(*) FROM webexcredential")).scalar_one() == 0


def test_the_throwaway_key_warning_comes_once_and_only_when_a_token_is_stored(caplog):
    secrets.configure(Settings(secret_keys=None, environment="development"))
    assert not [r for r in caplog.records if "throwaway" in r.getMessage()]  # configuring alone is quiet
    secrets.encrypt("xoxb-one")
    secrets.encrypt("xoxb-two")
    assert len([r for r in caplog.records if "throwaway" in r.getMessage()]) == 1
