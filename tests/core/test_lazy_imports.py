"""Heavy libraries load on first use (partnerhub_core/lazy.py): a customer lookup reads one
customer with plain objects and must not pay for importing pandas (issue 18: a read
command under 1 s of CPU). Checked in fresh interpreters, since this test process has
pandas loaded already."""
from __future__ import annotations

import json
import math
import os
import subprocess
import sys
from datetime import date

import pandas as pd
import pytest
from sqlmodel import Session, SQLModel, select

from partnerhub_core.db import make_engine
from partnerhub_core.lazy import LazyModule, is_instance, is_missing, lazy_module
from partnerhub_core.models import Customer, Subscription
from partnerhub_core.sources.demo import build_demo_partner

AS_OF = date(2026, 11, 25)


def _python(code: str, **env: str) -> dict:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("PARTNERHUB_")}
    done = subprocess.run([sys.executable, "-c", code], env={**clean, **env}, capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_importing_the_lookup_path_imports_no_pandas():
    out = _python(
        "import json, sys\n"
        "import partnerhub_core.customers, partnerhub_core.statuses, partnerhub_core.analytics.common\n"
        "print(json.dumps({'pandas': 'pandas' in sys.modules, 'numpy': 'numpy' in sys.modules}))"
    )
    assert out == {"pandas": False, "numpy": False}


def test_a_lookup_of_a_customer_with_a_line_ending_soon_runs_without_pandas(tmp_path):
    url = f"sqlite:///{tmp_path / 'demo.db'}"
    engine = make_engine(url)
    SQLModel.metadata.create_all(engine)
    with Session(engine, expire_on_commit=False) as session:
        partner = build_demo_partner(session, customers=12, as_of=AS_OF)
        session.commit()
        # A paid line ending within 60 days: statuses_of asks counts_as_expiring with plain bools.
        ending = session.exec(
            select(Customer.name).join(Subscription, Subscription.customer_id == Customer.id)
            .where(Customer.partner_id == partner.id, Subscription.end_date >= AS_OF,
                   Subscription.end_date <= date(2027, 1, 24))
            .order_by(Customer.name)
        ).first()
        partner_id = partner.id
    engine.dispose()
    assert ending is not None
    out = _python(
        "import json, sys\n"
        "from datetime import date\n"
        "from sqlmodel import Session\n"
        "from partnerhub_core.auth import Actor\n"
        "from partnerhub_core.customers import lookup_customer\n"
        "from partnerhub_core.db import make_engine\n"
        "from partnerhub_core.settings import Settings\n"
        f"settings = Settings(database_url={url!r}, webex_token=None)\n"
        "with Session(make_engine(settings.database_url)) as session:\n"
        f"    card = lookup_customer(session=session, actor=Actor.system({partner_id}, label='test'),\n"
        f"                           query={ending!r}, as_of=date(2026, 11, 25), settings=settings)\n"
        "print(json.dumps({'name': card.name, 'statuses': [str(s) for s in card.statuses],\n"
        "                  'pandas': 'pandas' in sys.modules}))",
    )
    assert out["name"] == ending
    assert "expiring_soon" in out["statuses"]
    assert out["pandas"] is False


def test_lazy_module_imports_on_first_attribute_only():
    out = _python(
        "import json, sys\n"
        "from partnerhub_core.lazy import lazy_module\n"
        "wave = lazy_module('wave')\n"
        "before = 'wave' in sys.modules\n"
        "opener = wave.open\n"
        "print(json.dumps({'before': before, 'after': 'wave' in sys.modules,\n"
        "                  'same': opener is sys.modules['wave'].open, 'kept': 'open' in vars(wave)}))"
    )
    assert out == {"before": False, "after": True, "same": True, "kept": True}


def test_lazy_module_of_a_loaded_module_is_the_module():
    assert lazy_module("pandas") is pd
    assert isinstance(LazyModule("not_a_module_anywhere"), LazyModule)
    with pytest.raises(ModuleNotFoundError):
        LazyModule("not_a_module_anywhere").thing  # noqa: B018


def test_is_instance_and_is_missing():
    assert is_instance(pd.Series([1]), "pandas", "Series") is True
    assert is_instance([1], "pandas", "Series") is False
    assert is_instance(1, "a_module_never_imported", "Thing") is False
    for value in (None, math.nan, float("nan"), pd.NaT, pd.NA, pd.Series([1.5, None]).iloc[1]):
        assert is_missing(value) is True, value
    for value in (0, 0.0, "", "x", [1, None], date(2026, 1, 1), pd.Timestamp("2026-01-01")):
        assert is_missing(value) is False, value


def test_defining_the_tables_builds_no_pydantic_validators():
    """models.Table sets defer_build: no table class has its validator built at import, and
    one is built on first use (a table model still dumps and validates when asked)."""
    out = _python(
        "import json\n"
        "from datetime import date\n"
        "from sqlmodel import SQLModel\n"
        "import partnerhub_core.models as m\n"
        "tables = [c for c in vars(m).values() if isinstance(c, type) and issubclass(c, m.Table) and c is not m.Table]\n"
        "built = sorted(c.__name__ for c in tables if c.__pydantic_complete__)\n"
        "tag = m.Tag(partner_id=1, name='At risk', name_key='at risk', created_at=m.utcnow())\n"
        "dumped = tag.model_dump(include={'name', 'partner_id'})\n"
        "print(json.dumps({'tables': len(tables), 'mapped': len(SQLModel.metadata.tables), 'built': built,\n"
        "                  'dumped': dumped, 'tag_built': m.Tag.__pydantic_complete__}))"
    )
    assert out["tables"] == out["mapped"] >= 33
    assert out["built"] == []
    assert out["dumped"] == {"partner_id": 1, "name": "At risk"}
    assert out["tag_built"] is True
