"""Errors outside the happy path: one line on stderr, no traceback, a documented exit
code (docs/cli.md), nothing created by accident, and no password shown. Each case runs
the real `partnerhub` executable."""
from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

PARTNERHUB = str(Path(sys.executable).parent / "partnerhub")
DOWN = "postgresql://bob:s3cret-pw@127.0.0.1:1/hub"  # nothing listens on port 1


def run(tmp_path, *args, **env):
    base = {k: v for k, v in os.environ.items() if not k.startswith(("PARTNERHUB_", "SLACK_")) and k != "DATABASE_URL"}
    done = subprocess.run([PARTNERHUB, *args], cwd=tmp_path, env={**base, **env}, capture_output=True, text=True,
                          timeout=120)
    return done.returncode, done.stdout, done.stderr


def one_line(err: str) -> str:
    assert "Traceback" not in err, err
    lines = [line for line in err.splitlines() if line.strip()]
    assert len(lines) == 1, err
    assert lines[0].startswith("error: ")
    return lines[0]


def test_a_bad_setting_names_the_variable_and_the_expected_value(tmp_path):
    code, _, err = run(tmp_path, "kpis", PARTNERHUB_AS_OF="2026-13-01")
    assert code == 2
    assert one_line(err) == "error: PARTNERHUB_AS_OF=2026-13-01 is not valid: expected a date, YYYY-MM-DD."


def test_unknown_environment_and_language_are_refused(tmp_path):
    code, _, err = run(tmp_path, "kpis", PARTNERHUB_ENVIRONMENT="prod")
    assert code == 2 and "PARTNERHUB_ENVIRONMENT=prod is not valid: expected development or production" in one_line(err)
    code, _, err = run(tmp_path, "kpis", "--lang", "fr")
    assert code == 2 and "'fr' is not a language partnerhub speaks: use en, pt-BR or es" in one_line(err)
    code, _, err = run(tmp_path, "demo", "--lang", "fr")
    assert code == 2 and not (tmp_path / "demo-output").exists() and not (tmp_path / "partnerhub-demo.db").exists()


def test_a_bad_url_says_what_a_database_url_looks_like(tmp_path):
    for args in (("kpis", "--database-url", "notaurl"), ("db", "upgrade", "--database-url", "notaurl"),
                 ("demo", "--database-url", "mysql://x@y/z")):
        code, _, err = run(tmp_path, *args)
        assert code == 2, args
        assert "is not a database URL: expected sqlite:///FILE.db or postgresql://" in one_line(err)


@pytest.mark.parametrize("args", [("kpis",), ("worker",), ("serve",), ("jobs", "status"), ("db", "upgrade")])
def test_an_unreachable_database_is_named_with_its_password_masked(tmp_path, args):
    code, _, err = run(tmp_path, *args, DATABASE_URL=DOWN)
    line = one_line(err)
    assert code == 5, err
    assert line.startswith("error: cannot connect to postgresql+psycopg://bob:***@127.0.0.1:1/hub: connection refused")
    assert "s3cret-pw" not in err


@pytest.mark.parametrize("args", [("customers", "list"), ("worker",), ("serve",), ("report", "devices")])
def test_a_missing_database_file_is_not_created(tmp_path, args):
    code, _, err = run(tmp_path, *args, PARTNERHUB_DATABASE_URL="sqlite:///missing.db")
    assert code == 6, err
    assert "There is no database at sqlite:///missing.db: run `partnerhub db upgrade`" in one_line(err)
    assert not (tmp_path / "missing.db").exists()


@pytest.mark.parametrize("args", [("kpis",), ("worker",), ("serve",), ("sync", "status"), ("jobs", "run", "tick")])
def test_an_unmigrated_database_says_run_db_upgrade(tmp_path, args):
    with sqlite3.connect(tmp_path / "old.db") as conn:
        conn.execute("CREATE TABLE unrelated (x int)")
    code, _, err = run(tmp_path, *args, PARTNERHUB_DATABASE_URL="sqlite:///old.db")
    assert code == 6, err
    assert one_line(err).endswith("has no partnerhub schema yet: run `partnerhub db upgrade`.")
    with sqlite3.connect(tmp_path / "old.db") as conn:  # nothing was written to it
        assert [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")] == ["unrelated"]


def test_help_version_and_the_exit_codes(tmp_path):
    code, out, _ = run(tmp_path, "-h")
    assert code == 0 and "Commands:" in out
    code, out, _ = run(tmp_path, "--version")
    assert code == 0 and out.startswith("partnerhub ")
    code, _, err = run(tmp_path, "kpis", "--no-such-option")
    assert code == 2 and "No such option" in one_line(err)
