"""A devices report over 50,000 customers streams in bounded memory.

SQLite only (bulk inserts keep it quick); the PostgreSQL path uses the same
``yield_per`` streaming, which psycopg serves from a server-side cursor."""
from __future__ import annotations

import tracemalloc
from datetime import date

from sqlmodel import Session, SQLModel

from partnerhub_core import reports
from partnerhub_core.db import make_engine
from partnerhub_core.models import Customer, Device, Location, Partner

CUSTOMERS = 50_000


def test_devices_report_over_50000_customers_in_bounded_memory(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'big.db'}")
    SQLModel.metadata.create_all(engine)
    with Session(engine) as session:
        session.connection().execute(Partner.__table__.insert(), [{"id": 1, "name": "Big Partner"}])
        session.connection().execute(Customer.__table__.insert(), [
            {"id": i, "partner_id": 1, "org_id": f"org-{i:06d}", "name": f"Customer {i:06d}",
             "name_key": f"customer {i:06d}", "region": "US", "added_on": date(2026, 1, 1),
             "managed_by": "external_admin"}
            for i in range(1, CUSTOMERS + 1)
        ])
        session.connection().execute(Location.__table__.insert(), [
            {"partner_id": 1, "customer_id": i, "location_id": f"loc-{i:06d}", "name": f"Site {i}", "country": "US"}
            for i in range(1, CUSTOMERS + 1)
        ])
        session.connection().execute(Device.__table__.insert(), [
            {"partner_id": 1, "customer_id": i, "device_id": f"dev-{i:06d}-{k}", "location_id": f"loc-{i:06d}",
             "product": "Cisco 8851", "mac": f"00AA{i:06d}{k:02d}", "firmware": "sip88xx.14-2",
             "phone_number": f"+1555{i:07d}", "extension": f"{1000 + k}", "user_id": f"user{i}-{k}@example.com",
             "user_uuid": f"uuid-{i}-{k}"}
            for i in range(1, CUSTOMERS + 1) for k in range(1)
        ])
        session.commit()

        # A first run warms SQLAlchemy's statement cache and lazy imports, which are
        # one-off costs, not memory that grows with the data.
        with open(tmp_path / "warm.csv", "wb") as warm:
            reports.run_report(session=session, partner_id=1, report="devices",
                               as_of=date(2026, 11, 25), out=warm)
        out_path = tmp_path / "devices.csv"
        tracemalloc.start()
        with out_path.open("wb") as out:
            name = reports.run_report(session=session, partner_id=1, report="devices",
                                      as_of=date(2026, 11, 25), out=out)
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
    engine.dispose()

    size = out_path.stat().st_size
    with out_path.open(encoding="utf-8-sig") as fh:
        lines = sum(1 for _ in fh)
    assert name.startswith("Devices_")
    assert lines == 1 + CUSTOMERS
    assert size > 6_000_000  # the data: ~7 MB of CSV
    # Streaming holds a few thousand rows at most: far below the size of the data.
    assert peak < size / 6, f"peak {peak} bytes for {size} bytes of CSV"
