"""``partnerhub tags …`` against a small database: changes are committed and audited as ``cli``."""
from __future__ import annotations

import json

from sqlmodel import Session, select
from typer.testing import CliRunner

from bot.cli import app
from partnerhub_core.errors import BadInput, NotFound
from partnerhub_core.models import AuditEvent, CustomerTag, Tag
from tests.factories import make_customer, make_partner

runner = CliRunner()


def _run(args, db_url):
    return runner.invoke(app, args, env={"PARTNERHUB_DATABASE_URL": db_url, "PARTNERHUB_AS_OF": "2026-11-25"})


def _seed(engine):
    with Session(engine) as s:
        partner = make_partner(s)
        make_customer(s, partner, "Acme Corp", org_id="org-acme")
        make_customer(s, partner, "Globex", org_id="org-globex")
        s.commit()


def test_create_add_show_remove_delete(engine, db_url):
    _seed(engine)
    result = _run(["tags", "create", "Key accounts", "--description", "Top 50"], db_url)
    assert result.exit_code == 0, result.output
    assert result.output == "created tag Key accounts\n"
    assert _run(["tags", "add", "key accounts", "org-acme"], db_url).output == \
        "tagged Acme Corp (org-acme): Key accounts\n"
    listed = json.loads(_run(["tags", "list", "--json"], db_url).output)
    assert listed == [{"name": "Key accounts", "description": "Top 50", "customers": 1}]
    shown = json.loads(_run(["tags", "show", "KEY ACCOUNTS", "--json"], db_url).output)
    assert shown == {"tag": "Key accounts", "customers": [{"org_id": "org-acme", "name": "Acme Corp", "region": "US"}]}
    assert _run(["tags", "remove", "Key accounts", "Acme"], db_url).exit_code == 0
    assert _run(["tags", "delete", "Key accounts"], db_url).output == "deleted tag Key accounts; 0 customer(s) had it\n"
    with Session(engine) as s:
        assert s.exec(select(Tag)).all() == []
        assert s.exec(select(CustomerTag)).all() == []
        events = s.exec(select(AuditEvent).order_by(AuditEvent.id)).all()
        assert [(e.actor, e.action) for e in events] == [
            ("cli", "tag.create"), ("cli", "tag.add"), ("cli", "tag.remove"), ("cli", "tag.delete")]


def test_errors_are_the_cores_typed_errors(engine, db_url):
    # bot.cli.main turns these into one line on stderr and exit codes 2 (BadInput), 3 (NotFound).
    _seed(engine)
    result = _run(["tags", "create", "x" * 26], db_url)
    assert isinstance(result.exception, BadInput)
    assert result.exception.render().startswith("A tag name can have at most 25 characters")
    result = _run(["tags", "add", "Nope", "org-acme"], db_url)
    assert isinstance(result.exception, NotFound)
    assert result.exception.render() == 'There is no tag named “Nope”.'
