"""Per-partner Webex tokens: stored encrypted, used by the sync, never in clear in the table."""
from __future__ import annotations

from datetime import datetime, timezone
from functools import partial

import pytest
import sqlalchemy as sa
from pydantic import SecretStr
from sqlmodel import Session

from partnerhub_core import credentials, secrets
from partnerhub_core.db import session_scope
from partnerhub_core.errors import BadInput, NotFound
from partnerhub_core.models import Customer, Partner
from partnerhub_core.settings import Settings
from partnerhub_core.sources import sync
from tests.fakes.webex import FakeWebex

NOW = datetime(2026, 11, 25, 12, 0, tzinfo=timezone.utc)
OWN = "wx-partner-own-token-0001"


@pytest.fixture
def partners(session):
    session.add_all([Partner(id=1, name="One"), Partner(id=2, name="Two")])
    session.commit()


def test_token_is_stored_encrypted_and_read_back(session, engine, partners):
    credentials.set_webex_token(session, partner_id=1, token=OWN, now=NOW)
    session.commit()
    with engine.connect() as conn:
        raw = conn.execute(sa.text("SELECT access_token FROM webexcredential")).scalar_one()
    assert OWN not in raw and secrets.looks_encrypted(raw)
    assert credentials.webex_token_for(session, 1) == OWN
    assert credentials.webex_token_for(session, 2) is None


def test_setting_again_replaces_the_token(session, partners):
    credentials.set_webex_token(session, partner_id=1, token="first", now=NOW)
    credentials.set_webex_token(session, partner_id=1, token="second", now=NOW)
    session.commit()
    assert credentials.webex_token_for(session, 1) == "second"
    assert credentials.forget_webex_token(session, partner_id=1) is True
    assert credentials.webex_token_for(session, 1) is None


def test_bad_token_and_unknown_partner_are_typed_errors(session, partners):
    with pytest.raises(BadInput):
        credentials.set_webex_token(session, partner_id=1, token="two words", now=NOW)
    with pytest.raises(NotFound):
        credentials.set_webex_token(session, partner_id=9, token=OWN, now=NOW)


def test_sync_uses_the_partners_own_token_over_the_setting(engine, partners):
    with Session(engine) as s:
        credentials.set_webex_token(s, partner_id=1, token=OWN, now=NOW)
        s.commit()
    with FakeWebex(token=OWN) as wx:
        wx.add_org("ORG-A", "Acme Ltda")
        settings = Settings(webex_api_url=wx.url, webex_token=SecretStr("the-settings-token"),
                            webex_cdr_url=wx.cdr_url("us"), webex_max_retries=0)
        sync.sync_partner(session_factory=partial(session_scope, engine), partner_id=1, settings=settings,
                          now=NOW, parts=["organizations"])
        assert {c.headers.get("Authorization") for c in wx.calls()} == {f"Bearer {OWN}"}
    with Session(engine) as s:
        assert list(s.exec(sa.select(Customer.org_id, Customer.partner_id)).all()) == [("ORG-A", 1)]
