"""Recovering from a lost key: a stored Webex token no configured key can read is replaced
with `secrets set-webex-token --replace` or deleted with `secrets forget-webex-token`,
without SQL; plain `set-webex-token` refuses and says how."""
from __future__ import annotations

import pytest
import sqlalchemy as sa
from cryptography.fernet import Fernet
from pydantic import SecretStr
from sqlmodel import Session, select
from typer.testing import CliRunner

from bot.cli import app
from partnerhub_core import credentials, secrets
from partnerhub_core.models import AuditEvent, Partner, WebexCredential, utcnow
from partnerhub_core.settings import Settings

runner = CliRunner()
LOST, CURRENT = Fernet.generate_key().decode(), Fernet.generate_key().decode()


@pytest.fixture(autouse=True)
def _fresh_keyring():
    secrets.reset()
    yield
    secrets.reset()


@pytest.fixture
def lost_token(engine):
    """Partner 1's token, encrypted with a key that is no longer configured; partner 2 has none."""
    secrets.configure(Settings(secret_keys=SecretStr(LOST)))
    with Session(engine) as s:
        s.add(Partner(id=1, name="One"))
        s.add(Partner(id=2, name="Two"))
        s.flush()
        credentials.set_webex_token(s, partner_id=1, token="wx-old", now=utcnow())
        s.commit()
    secrets.reset()
    return ciphertext(engine)


def ciphertext(engine) -> str | None:
    with engine.connect() as conn:
        return conn.execute(sa.text("SELECT access_token FROM webexcredential WHERE partner_id = 1")).scalar()


def run(args, db_url, input=None):
    return runner.invoke(app, ["secrets", *args], input=input,
                         env={"PARTNERHUB_DATABASE_URL": db_url, "PARTNERHUB_SECRET_KEYS": CURRENT})


def audit_actions(engine) -> list[tuple[str, str]]:
    with Session(engine) as s:
        return [(e.action, str(e.target_id)) for e in s.exec(select(AuditEvent).order_by(AuditEvent.id)).all()]


def test_set_without_replace_refuses_an_unreadable_token_and_says_how(engine, db_url, lost_token):
    result = run(["set-webex-token", "--partner", "1"], db_url, input="wx-new\n")
    assert result.exit_code != 0
    message = str(result.exception)
    assert "cannot be decrypted" in message and "--replace" in message and "partner 1" in message
    assert ciphertext(engine) == lost_token  # untouched
    assert audit_actions(engine) == []


def test_set_with_replace_overwrites_the_unreadable_token(engine, db_url, lost_token):
    result = run(["set-webex-token", "--partner", "1", "--replace"], db_url, input="wx-new\n")
    assert result.exit_code == 0, result.output
    assert "Stored the Webex token of partner 1" in result.output
    stored = ciphertext(engine)
    assert stored != lost_token and "wx-new" not in stored
    secrets.configure(Settings(secret_keys=SecretStr(CURRENT)))
    with Session(engine) as s:
        assert credentials.webex_token_for(s, 1) == "wx-new"
        assert len(s.exec(select(WebexCredential)).all()) == 1  # replaced, not added
    assert audit_actions(engine) == [("webex_token.set", "1")]


def test_forget_deletes_the_unreadable_token(engine, db_url, lost_token):
    result = run(["forget-webex-token", "--partner", "1"], db_url)
    assert result.exit_code == 0, result.output
    assert result.output.strip() == "Forgot the stored Webex token of partner 1."
    assert ciphertext(engine) is None
    secrets.configure(Settings(secret_keys=SecretStr(CURRENT)))
    with Session(engine) as s:
        assert credentials.webex_token_for(s, 1) is None  # the sync falls back to PARTNERHUB_WEBEX_TOKEN
    assert audit_actions(engine) == [("webex_token.forget", "1")]
    # then a new token is stored the ordinary way
    result = run(["set-webex-token", "--partner", "1"], db_url, input="wx-fresh\n")
    assert result.exit_code == 0, result.output
    with Session(engine) as s:
        assert credentials.webex_token_for(s, 1) == "wx-fresh"


def test_forget_when_nothing_is_stored_and_for_an_unknown_partner(engine, db_url, lost_token):
    result = run(["forget-webex-token", "--partner", "2"], db_url)
    assert result.exit_code == 0, result.output
    assert result.output.strip() == "Partner 2 has no stored Webex token; nothing to forget."
    result = run(["forget-webex-token", "--partner", "9"], db_url)
    assert result.exit_code != 0
    assert "There is no partner with id 9." in str(result.exception)
    assert ciphertext(engine) == lost_token
    assert audit_actions(engine) == []


def test_set_replaces_a_readable_token_without_replace(engine, db_url):
    secrets.configure(Settings(secret_keys=SecretStr(CURRENT)))
    with Session(engine) as s:
        s.add(Partner(id=1, name="One"))
        s.flush()
        credentials.set_webex_token(s, partner_id=1, token="wx-one", now=utcnow())
        s.commit()
    secrets.reset()
    result = run(["set-webex-token", "--partner", "1"], db_url, input="wx-two\n")
    assert result.exit_code == 0, result.output
    secrets.configure(Settings(secret_keys=SecretStr(CURRENT)))
    with Session(engine) as s:
        assert credentials.webex_token_for(s, 1) == "wx-two"
