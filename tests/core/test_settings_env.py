"""Settings from the environment and .env: DATABASE_URL, one-line errors naming the
variable, and .env.example listing every setting."""
from __future__ import annotations

import re
from pathlib import Path

import pytest

from partnerhub_core.errors import BadInput
from partnerhub_core.settings import Settings, env_name, load_settings

ROOT = Path(__file__).resolve().parents[2]
# Read straight from os.environ, not through Settings (documented in .env.example too).
NOT_IN_SETTINGS = {"DATABASE_URL", "PARTNERHUB_LANGUAGE", "PORT"}


@pytest.fixture
def clean_env(monkeypatch, tmp_path):
    for name in list(__import__("os").environ):
        if name.startswith(("PARTNERHUB_", "SLACK_")) or name == "DATABASE_URL":
            monkeypatch.delenv(name)
    monkeypatch.chdir(tmp_path)  # no .env of the checkout's
    return monkeypatch


def test_env_example_lists_every_setting_and_nothing_else():
    text = (ROOT / ".env.example").read_text(encoding="utf-8")
    listed = set(re.findall(r"^#?\s*([A-Z][A-Z0-9_]+)=", text, flags=re.MULTILINE))
    settings = {env_name(field) for field in Settings.model_fields}
    assert settings - listed == set(), "settings missing from .env.example"
    assert listed - settings - NOT_IN_SETTINGS == set(), ".env.example names settings that do not exist"


def test_database_url_is_read_when_ours_is_unset(clean_env):
    clean_env.setenv("DATABASE_URL", "postgres://app:pw@db.internal:5432/hub")
    assert load_settings().database_url == "postgresql+psycopg://app:pw@db.internal:5432/hub"
    clean_env.setenv("PARTNERHUB_DATABASE_URL", "sqlite:///ours.db")
    assert load_settings().database_url == "sqlite:///ours.db"


def test_dotenv_is_read_and_the_environment_wins(clean_env, tmp_path):
    (tmp_path / ".env").write_text("PARTNERHUB_EXPIRING_SOON_DAYS=45\nPARTNERHUB_LOG_LEVEL=DEBUG\n", encoding="utf-8")
    assert load_settings().expiring_soon_days == 45
    clean_env.setenv("PARTNERHUB_EXPIRING_SOON_DAYS", "10")
    cfg = load_settings()
    assert (cfg.expiring_soon_days, cfg.log_level) == (10, "DEBUG")


@pytest.mark.parametrize(("name", "value", "expected"), [
    ("PARTNERHUB_AS_OF", "2026-13-01", "PARTNERHUB_AS_OF=2026-13-01 is not valid: expected a date, YYYY-MM-DD."),
    ("PARTNERHUB_EXPIRING_SOON_DAYS", "0", "PARTNERHUB_EXPIRING_SOON_DAYS=0 is not valid: expected a number ≥ 1 and ≤ 365."),
    ("PARTNERHUB_WEBEX_MAX_RETRIES", "many", "PARTNERHUB_WEBEX_MAX_RETRIES=many is not valid: expected a whole number."),
    ("PARTNERHUB_ENVIRONMENT", "prod", "PARTNERHUB_ENVIRONMENT=prod is not valid: expected development or production."),
    ("PARTNERHUB_LOG_LEVEL", "LOUD", "PARTNERHUB_LOG_LEVEL=LOUD is not valid: expected DEBUG, INFO, WARNING or ERROR."),
])
def test_a_bad_setting_is_one_line_naming_the_variable(clean_env, name, value, expected):
    clean_env.setenv(name, value)
    with pytest.raises(BadInput) as err:
        load_settings()
    assert err.value.render() == expected


def test_environment_is_normalised(clean_env):
    clean_env.setenv("PARTNERHUB_ENVIRONMENT", " Production ")
    assert load_settings(secret_keys=None).environment == "production"
