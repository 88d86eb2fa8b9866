"""The round trip: a partner's subscriptions exported in the import's layout and imported
into an empty tenant give the same statuses and the same analytics rows."""
from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime

from sqlmodel import Session, select

from partnerhub_core import db
from partnerhub_core.analytics import subscriptions as analytics
from partnerhub_core.auth import Actor
from partnerhub_core.models import Customer, OrderLine, Partner, Role, Subscription
from partnerhub_core.settings import Settings
from partnerhub_core.sources.subscription_export import export_subscriptions
from partnerhub_core.sources.subscription_import import import_subscriptions
from partnerhub_core.statuses import customer_statuses

AS_OF = date(2026, 11, 25)
NOW = datetime(2026, 11, 25, 9, tzinfo=UTC)


def _sub(p, c, sid, product, licenses, start, end=None, **kw):
    return Subscription(partner_id=p.id, customer_id=c.id, subscription_id=sid, product=product,
                        total_licenses=licenses, start_date=start, end_date=end, **kw)


def _original(engine) -> int:
    with Session(engine) as s:
        p = Partner(name="Original", default_region="US")
        s.add(p)
        s.flush()
        names = {"org-a": "Acme Ltda", "org-b": "=Bravo, Inc.", "org-c": "Charlie SA", "org-d": "Delta"}
        cs = {}
        for org, name in names.items():
            cs[org] = Customer(partner_id=p.id, org_id=org, name=name, name_key=name.lower(), region="EU",
                               external_id="W-1" if org == "org-a" else None, added_on=date(2025, 1, 1))
            s.add(cs[org])
        s.flush()
        subs = [
            _sub(p, cs["org-a"], "S-1", "meetings", 100, date(2025, 1, 1), date(2026, 12, 31), auto_renew=True,
                 invoice_ref="INV-1"),
            _sub(p, cs["org-a"], "S-1", "calling", 40, date(2025, 1, 1), date(2026, 12, 31), auto_renew=True),
            _sub(p, cs["org-a"], "T-1", "calling", 10, date(2026, 11, 1), date(2026, 12, 1), is_trial=True,
                 auto_renew=True),
            _sub(p, cs["org-b"], "S-2", "meetings", 25, date(2026, 9, 1), date(2027, 1, 15)),
            _sub(p, cs["org-b"], "S-3", "calling", 5, date(2026, 10, 1), None, provisioning_state="pending_setup",
                 payment_state="unpaid"),
            _sub(p, cs["org-c"], "S-4", "meetings", 8, date(2024, 1, 1), date(2026, 6, 30),
                 cancelled_on=date(2026, 3, 1)),
            _sub(p, cs["org-c"], "T-2", "meetings", 3, date(2026, 11, 20), date(2026, 12, 20), is_trial=True,
                 provisioning_state="pending_setup"),
            _sub(p, cs["org-d"], "S-5", "calling", 12, date(2026, 2, 1), date(2027, 2, 1), auto_renew=True,
                 payment_state="unpaid"),
        ]
        s.add_all(subs)
        s.flush()
        s.add_all([OrderLine(partner_id=p.id, subscription_pk=subs[0].id, ordered_on=date(2025, 1, 1),
                             order_ref="O-1", description="meetings × 80", quantity=80),
                   OrderLine(partner_id=p.id, subscription_pk=subs[0].id, ordered_on=date(2026, 2, 1),
                             order_ref="O-2", description="meetings × 20", quantity=20)])
        s.commit()
        return p.id


def _picture(engine, partner_id):
    """Statuses by org id, and every section's rows (both products) and the headline."""
    settings = Settings(as_of=AS_OF)
    with Session(engine) as s:
        orgs = {c.id: c.org_id for c in s.exec(select(Customer).where(Customer.partner_id == partner_id))}
        statuses = {orgs[cid]: [st.value for st in found if st.value != "no_recent_activity"]
                    for cid, found in customer_statuses(session=s, partner_id=partner_id, as_of=AS_OF,
                                                        settings=settings).items()}
        sections = {}
        for product in ("meetings", "calling"):
            headline, parts = analytics.overview(session=s, partner_id=partner_id, as_of=AS_OF, settings=settings,
                                                 product=product)
            sections["kpis"] = [(k.key, k.value) for k in headline.kpis]
            for key, section in parts.items():
                sections[product, key] = ([(k.key, k.value) for k in section.kpis], section.rows())
        orders = sorted((o.order_ref, o.ordered_on, o.quantity) for o in s.exec(
            select(OrderLine).where(OrderLine.partner_id == partner_id)))
    return statuses, sections, orders


def test_export_then_import_into_an_empty_tenant_gives_the_same_statuses_and_rows(engine):
    original = _original(engine)
    buf = io.BytesIO()
    with Session(engine) as s:
        assert export_subscriptions(session=s, partner_id=original, out=buf) == 9  # S-1 meetings twice (2 orders)
    raw = buf.getvalue()
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"), newline="")))
    assert rows[0][:10] == ["customer_org_id", "customer_name", "subscription_id", "product", "licenses",
                            "start_date", "end_date", "auto_renew", "status", "provisioned"]
    # sorted by customer name: "=Bravo, Inc." first, written inert
    assert rows[1][:12] == ["org-b", "'=Bravo, Inc.", "S-2", "meetings", "25", "2026-09-01", "2027-01-15", "no",
                            "active", "yes", "yes", ""]
    assert rows[2][8:12] == ["pending", "no", "no", ""]  # S-3: pending and unpaid

    with Session(engine) as s:
        empty = Partner(name="Empty", default_region="US")
        s.add(empty)
        s.commit()
        empty_id = empty.id
    with db.session_scope(engine) as s:
        result = import_subscriptions(session=s, actor=Actor(partner_id=empty_id, role=Role.FULL_ADMIN, label="t"),
                                      source=io.BytesIO(raw), now=NOW, file_name="export.csv")
    assert (result.rows, result.subscriptions_created, result.customers_created, result.order_lines_added) == \
        (9, 8, 4, 2)

    before, after = _picture(engine, original), _picture(engine, empty_id)
    assert after == before
    statuses, sections, orders = after
    assert statuses == {  # hand-checked against the lines above on 2026-11-25
        "org-a": ["trial", "active", "expiring_soon"],
        "org-b": ["active", "ready_for_order_setup", "suspended"],
        "org-c": ["trial", "expiring_soon", "ready_for_order_setup"],
        "org-d": ["suspended"],
    }
    assert [r["subscription_id"] for r in sections["meetings", "expiring"][1]] == ["T-2", "S-1", "S-2"]
    assert orders == [("O-1", date(2025, 1, 1), 80), ("O-2", date(2026, 2, 1), 20)]
