"""``partnerhub audit``: text, --json, --csv and a bad date, against a small database (both databases)."""
from __future__ import annotations

import json
from datetime import datetime, timezone
from pathlib import Path

from sqlmodel import Session
from typer.testing import CliRunner

from bot.cli import app
from partnerhub_core.models import Role
from partnerhub_core.services import tags
from tests.core.service_world import build

runner = CliRunner()


def _run(args, db_url):
    return runner.invoke(app, ["audit", *args, "--database-url", db_url, "--as-of", "2026-11-25", "--partner", "1"])


def _seed(engine):
    with Session(engine) as s:
        w = build(s)
        fiona = w.actor(Role.FULL_ADMIN)
        tags.create_tag(session=s, actor=fiona, name="VIP", now=datetime(2026, 11, 1, 9, 0, tzinfo=timezone.utc))
        tags.add_tag(session=s, actor=fiona, customer_id=w.acme.id, tag="VIP",
                     now=datetime(2026, 11, 2, 10, 30, tzinfo=timezone.utc))
        s.commit()


def test_text_json_and_csv(engine, db_url, tmp_path):
    _seed(engine)
    result = _run([], db_url)
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert "2026-11-02 10:30" in lines[2] and "Fiona Full" in lines[2] and "Acme Corp" in lines[2]
    assert "Tags: — → VIP" in lines[2]
    assert "created a tag" in lines[3] and "Name: — → VIP" in lines[3]
    data = json.loads(_run(["acme", "--json"], db_url).output)
    assert data["customer"] == "Acme Corp" and data["total"] == 1 and data["cut"] is False
    assert data["events"] == [{"at": "2026-11-02 10:30", "who": "Fiona Full", "action": "tag.add",
                               "what": "put a tag on the customer", "customer": "Acme Corp",
                               "changes": [{"field": "tags", "before": "—", "after": "VIP"}]}]
    cut = _run(["--limit", "1"], db_url).output
    assert "Showing the 1 newest of 2 events" in cut
    path = Path(_run(["--csv", "--out", str(tmp_path), "--lang", "es"], db_url).output.strip())
    text = path.read_bytes().decode("utf-8-sig").splitlines()
    assert path.name.startswith("Audit trail_") and len(text) == 3
    assert text[1].startswith("2026-11-02 10:30,Fiona Full,")


def test_bad_date_names_the_form(engine, db_url):
    _seed(engine)
    result = _run(["since:yesterday"], db_url)
    assert result.exit_code != 0
    assert "since:YYYY-MM-DD" in str(result.exception or result.output)
