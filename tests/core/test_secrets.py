"""Tokens at rest: Fernet keyring from settings, the EncryptedString column, rotation."""
from __future__ import annotations

import pytest
import sqlalchemy as sa
from cryptography.fernet import Fernet
from pydantic import SecretStr

from partnerhub_core import secrets
from partnerhub_core.settings import Settings

TOKEN = "xoxb-1111-2222-abcdefABCDEF"


@pytest.fixture(autouse=True)
def _fresh_keyring():
    secrets.reset()
    yield
    secrets.reset()


def _settings(keys: str | None = None, environment: str = "development") -> Settings:
    return Settings(secret_keys=SecretStr(keys) if keys else None, environment=environment)


def test_production_without_keys_refuses_with_one_line():
    with pytest.raises(secrets.SecretsNotConfigured) as err:
        secrets.configure(_settings(environment="production"))
    message = err.value.render()
    assert "\n" not in message
    assert message.startswith("PARTNERHUB_SECRET_KEYS is not set: production mode")
    assert "partnerhub secrets generate-key" in message


def test_development_without_keys_uses_a_throwaway_key():
    assert secrets.configure(_settings()) is True
    assert secrets.is_ephemeral()
    assert secrets.decrypt(secrets.encrypt(TOKEN)) == TOKEN


def test_malformed_key_names_its_position_but_not_the_key():
    good = Fernet.generate_key().decode()
    with pytest.raises(secrets.SecretsNotConfigured) as err:
        secrets.configure(_settings(f"{good},not-a-key-at-all", environment="production"))
    assert "entry 2" in err.value.render()
    assert "not-a-key-at-all" not in err.value.render()


def test_newest_key_encrypts_and_every_key_decrypts():
    old, new = Fernet.generate_key(), Fernet.generate_key()
    secrets.configure(_settings(old.decode()))
    under_old = secrets.encrypt(TOKEN)
    secrets.configure(_settings(f"{new.decode()}, {old.decode()}"))
    assert secrets.decrypt(under_old) == TOKEN
    under_new = secrets.encrypt(TOKEN)
    assert Fernet(new).decrypt(under_new.encode()).decode() == TOKEN
    with pytest.raises(Exception):
        Fernet(old).decrypt(under_new.encode())


def test_value_from_a_removed_key_is_a_typed_error():
    secrets.configure(_settings(Fernet.generate_key().decode()))
    token = secrets.encrypt(TOKEN)
    secrets.configure(_settings(Fernet.generate_key().decode()))
    with pytest.raises(secrets.SecretUnreadable):
        secrets.decrypt(token)


def test_generated_key_is_a_valid_fernet_key():
    key = secrets.generate_key()
    assert len(key) == 44
    assert Fernet(key.encode()).decrypt(Fernet(key.encode()).encrypt(b"x")) == b"x"


# --- the column type and rotation, on both backends ---------------------------------
_md = sa.MetaData()
_vault = sa.Table(
    "test_vault",
    _md,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("label", sa.String(20)),
    sa.Column("token", secrets.EncryptedString()),
)
_foreign = sa.Table(  # a table defined elsewhere with a plain column holding ciphertext
    "test_foreign_store",
    _md,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("bot_token", sa.String(400)),
)


@pytest.fixture
def vault(engine):
    _md.create_all(engine)
    secrets.register_metadata(_md)
    secrets.register_encrypted_columns(_foreign, "bot_token")
    yield engine
    secrets._external_metadata.remove(_md)
    secrets._external_columns.clear()
    _md.drop_all(engine)


def test_column_stores_ciphertext_and_reads_plain_text(vault):
    secrets.configure(_settings(Fernet.generate_key().decode()))
    with vault.begin() as conn:
        conn.execute(_vault.insert(), [{"id": 1, "label": "a", "token": TOKEN}, {"id": 2, "label": "b", "token": None}])
    with vault.connect() as conn:
        raw = dict(conn.execute(sa.text("SELECT id, token FROM test_vault")).all())
        typed = dict(conn.execute(sa.select(_vault.c.id, _vault.c.token)).all())
    assert raw[2] is None
    assert TOKEN not in raw[1] and secrets.looks_encrypted(raw[1])
    assert typed == {1: TOKEN, 2: None}


def test_rotate_reencrypts_every_column_with_the_newest_key(vault):
    old, new = Fernet.generate_key(), Fernet.generate_key()
    secrets.configure(_settings(old.decode()))
    with vault.begin() as conn:
        conn.execute(_vault.insert(), [{"id": 1, "label": "a", "token": TOKEN}, {"id": 2, "label": "b", "token": "xoxp-9"}, {"id": 3, "label": "c", "token": None}])
        conn.execute(_foreign.insert(), [{"id": 7, "bot_token": secrets.encrypt("xoxb-77")}])

    secrets.configure(_settings(f"{new.decode()},{old.decode()}"))
    from sqlmodel import Session

    with Session(vault) as session:
        counts = secrets.rotate(session)
        session.commit()
    assert counts["test_vault.token"] == 2
    assert counts["test_foreign_store.bot_token"] == 1

    # Readable with the new key alone: the old one can now be dropped.
    secrets.configure(_settings(new.decode()))
    with vault.connect() as conn:
        assert dict(conn.execute(sa.select(_vault.c.id, _vault.c.token)).all()) == {1: TOKEN, 2: "xoxp-9", 3: None}
        raw = conn.execute(sa.text("SELECT bot_token FROM test_foreign_store")).scalar_one()
    assert secrets.decrypt(raw) == "xoxb-77"


def test_rotate_with_an_unreadable_value_changes_nothing(vault):
    first = Fernet.generate_key()
    secrets.configure(_settings(first.decode()))
    with vault.begin() as conn:
        conn.execute(_vault.insert(), [{"id": 1, "label": "a", "token": TOKEN}])
        before = conn.execute(sa.text("SELECT token FROM test_vault")).scalar_one()
    secrets.configure(_settings(Fernet.generate_key().decode()))  # the old key is lost
    from sqlmodel import Session

    with Session(vault) as session:
        with pytest.raises(secrets.SecretUnreadable):
            secrets.rotate(session)
        session.rollback()
    with vault.connect() as conn:
        assert conn.execute(sa.text("SELECT token FROM test_vault")).scalar_one() == before


def test_unknown_environment_is_refused_rather_than_treated_as_development():
    with pytest.raises(secrets.SecretsNotConfigured) as err:
        secrets.configure(_settings(environment="prod"))
    assert err.value.render() == "PARTNERHUB_ENVIRONMENT must be development or production, not prod."
    secrets.configure(_settings(Fernet.generate_key().decode(), environment="Production"))
