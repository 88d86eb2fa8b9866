"""What a read command loads (issue 18: a read command under 1 s of CPU): the real entry
point in a fresh interpreter, on a small demo database. A lookup reads one customer with
plain objects (no pandas, no numpy); the analytics commands need pandas but never
matplotlib (charts only with --chart), Alembic, Jinja or Slack."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import date

import pytest
from sqlmodel import Session, SQLModel

from partnerhub_core.db import make_engine
from partnerhub_core.sources.demo import build_demo_partner

HEAVY = ("pandas", "numpy", "matplotlib", "alembic", "jinja2", "slack_bolt", "slack_sdk")


@pytest.fixture(scope="module")
def demo_url(tmp_path_factory):
    url = f"sqlite:///{tmp_path_factory.mktemp('cli-imports') / 'demo.db'}"
    engine = make_engine(url)
    SQLModel.metadata.create_all(engine)
    with Session(engine, expire_on_commit=False) as session:
        build_demo_partner(session, customers=12, as_of=date(2026, 11, 25))
        session.commit()
    engine.dispose()
    return url


def _loaded(url: str, *args: str) -> dict:
    code = ("import json, sys\n"
            "from bot.cli import main\n"
            f"sys.argv = ['partnerhub', *{list(args)!r}]\n"
            "try:\n    main()\nexcept SystemExit as exc:\n    code = exc.code\nelse:\n    code = 0\n"
            f"print(json.dumps({{'code': code, 'loaded': [n for n in {HEAVY!r} if n in sys.modules]}}))")
    env = {k: v for k, v in os.environ.items() if not k.startswith("PARTNERHUB_")}
    env.update(PARTNERHUB_DATABASE_URL=url, PARTNERHUB_AS_OF="2026-11-25")
    done = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_a_customer_lookup_loads_no_pandas(demo_url):
    out = _loaded(demo_url, "customers", "lookup", "zurich finanz")
    assert out == {"code": 0, "loaded": []}


@pytest.mark.parametrize("args", [("kpis",), ("section", "low", "--product", "meetings")])
def test_analytics_commands_load_pandas_and_nothing_else_heavy(demo_url, args):
    out = _loaded(demo_url, *args)
    assert out == {"code": 0, "loaded": ["pandas", "numpy"]}
