"""`partnerhub import subscriptions FILE.csv`: every row checked, all or nothing."""
from __future__ import annotations

import io
import time
from datetime import date, datetime, timezone

import pytest
from sqlmodel import Session, select

from partnerhub_core import db
from partnerhub_core.auth import Actor
from partnerhub_core.errors import BadInput, NotAllowed
from partnerhub_core.models import AuditEvent, Customer, OrderLine, Partner, Role, Subscription
from partnerhub_core.sources.subscription_import import ImportRejected, import_subscriptions

NOW = datetime(2026, 11, 25, 9, 30, tzinfo=timezone.utc)

GOOD = """customer_org_id,customer_name,subscription_id,product,licenses,start_date,end_date,auto_renew,status,invoice,region,order_ref,order_date,order_quantity
org-a,Acme Ltda,SUB-1,calling,100,2025-01-01,2026-12-31,yes,active,INV-9,EU,ORD-1,2025-01-01,80
org-a,Acme Ltda,SUB-1,meetings,50,2025-01-01,2026-12-31,yes,active,INV-9,EU,ORD-1,2025-01-01,
org-b,"Bravo, Inc.",TRIAL-7,Webex Calling,10,2026-11-01,2026-12-01,no,trial,,US,,,
org-c,Charlie SA,SUB-3,messaging,5,2024-06-01,,,suspended,,,,,
org-c,Charlie SA,SUB-4,calling,20,2024-06-01,2025-06-01,no,cancelled,,,,,
org-d,Delta,SUB-5,meetings,30,2026-10-01,,false,pending,,CA,,,
"""


@pytest.fixture
def partner_id(engine):
    with Session(engine) as s:
        p = Partner(name="Partner", default_region="EU")
        s.add(p)
        s.commit()
        return p.id


def run(engine, partner_id, data: bytes, role=Role.FULL_ADMIN, name="subs.csv"):
    """Like the CLI: one transaction, committed on success, rolled back on error."""
    with db.session_scope(engine) as s:
        return import_subscriptions(session=s, actor=Actor(partner_id=partner_id, role=role, label="cli"),
                                    source=io.BytesIO(data), now=NOW, file_name=name)


def subs(engine):
    with Session(engine) as s:
        return {(x.subscription_id, x.product): x for x in s.exec(select(Subscription))}


def test_good_file_imports_every_row(engine, partner_id):
    result = run(engine, partner_id, GOOD.encode())
    assert (result.rows, result.subscriptions_created, result.subscriptions_updated,
            result.customers_created, result.order_lines_added) == (6, 6, 0, 4, 2)
    with Session(engine) as s:
        customers = {c.org_id: c for c in s.exec(select(Customer))}
        assert {k: (c.name, c.name_key, c.region, c.added_on) for k, c in customers.items()} == {
            "org-a": ("Acme Ltda", "acme ltda", "EU", date(2025, 1, 1)),
            "org-b": ("Bravo, Inc.", "bravo, inc.", "US", date(2026, 11, 1)),
            "org-c": ("Charlie SA", "charlie sa", "EU", date(2024, 6, 1)),  # no region: the partner's
            "org-d": ("Delta", "delta", "CA", date(2026, 10, 1)),
        }
        got = {k: (customers_by_id(customers)[x.customer_id], x.total_licenses, x.start_date, x.end_date,
                   x.auto_renew, x.is_trial, x.provisioning_state, x.payment_state, x.invoice_ref, x.cancelled_on)
               for k, x in subs(engine).items()}
        assert got == {
            ("SUB-1", "calling"): ("org-a", 100, date(2025, 1, 1), date(2026, 12, 31), True, False,
                                   "provisioned", "paid", "INV-9", None),
            ("SUB-1", "meetings"): ("org-a", 50, date(2025, 1, 1), date(2026, 12, 31), True, False,
                                    "provisioned", "paid", "INV-9", None),
            ("TRIAL-7", "calling"): ("org-b", 10, date(2026, 11, 1), date(2026, 12, 1), False, True,
                                     "provisioned", "paid", None, None),
            ("SUB-3", "messaging"): ("org-c", 5, date(2024, 6, 1), None, False, False,
                                     "provisioned", "unpaid", None, None),
            ("SUB-4", "calling"): ("org-c", 20, date(2024, 6, 1), date(2025, 6, 1), False, False,
                                   "provisioned", "paid", None, date(2025, 6, 1)),
            ("SUB-5", "meetings"): ("org-d", 30, date(2026, 10, 1), None, False, False,
                                    "pending_setup", "paid", None, None),
        }
        orders = sorted((o.order_ref, o.ordered_on, o.quantity) for o in s.exec(select(OrderLine)))
        assert orders == [("ORD-1", date(2025, 1, 1), 50), ("ORD-1", date(2025, 1, 1), 80)]
        event = s.exec(select(AuditEvent)).one()
        assert (event.action, event.actor, event.target_id, event.after["rows"], event.after["subscriptions_created"]) == \
            ("subscriptions.import", "cli", "subs.csv", 6, 6)


def customers_by_id(customers):
    return {c.id: org for org, c in customers.items()}


def test_importing_again_updates_in_place(engine, partner_id):
    run(engine, partner_id, GOOD.encode())
    again = GOOD.replace("SUB-1,calling,100,", "SUB-1,calling,120,").replace("Acme Ltda", "Acme Brasil")
    result = run(engine, partner_id, again.encode())
    assert (result.subscriptions_created, result.subscriptions_updated, result.customers_created,
            result.order_lines_added) == (0, 6, 0, 0)
    assert subs(engine)["SUB-1", "calling"].total_licenses == 120
    with Session(engine) as s:
        assert len(s.exec(select(Subscription)).all()) == 6
        assert len(s.exec(select(OrderLine)).all()) == 2
        assert s.exec(select(Customer.name).where(Customer.org_id == "org-a")).one() == "Acme Brasil"


def test_bom_semicolons_and_spelled_out_headers(engine, partner_id):
    data = ("Customer Org ID;Customer Name;Subscription ID;Product;Licenses;Start Date;End Date;Auto-Renew;Status\n"
            "org-x;São Paulo Ltda;SUB-9;calling;7;2026-01-01;2027-01-01;sim;active\n").encode("utf-8-sig")
    assert data.startswith(b"\xef\xbb\xbf")
    result = run(engine, partner_id, data)
    assert (result.rows, result.subscriptions_created) == (1, 1)
    sub = subs(engine)["SUB-9", "calling"]
    assert (sub.total_licenses, sub.auto_renew) == (7, True)
    with Session(engine) as s:
        assert s.exec(select(Customer.name)).one() == "São Paulo Ltda"


def test_bad_rows_are_reported_by_line_and_nothing_is_imported(engine, partner_id):
    data = (
        "customer_org_id,customer_name,subscription_id,product,licenses,start_date,end_date,auto_renew,status\n"
        "org-a,Acme,SUB-1,calling,10,2026-01-01,2027-01-01,yes,active\n"  # line 2: good
        "org-b,,SUB-2,calling,ten,2026-01-01,2025-01-01,maybe,expired\n"  # line 3
        'org-c,"Charlie\nwith a line break",SUB-3,video,5,01/02/2026,,no,active\n'  # lines 4-5
        "org-a,Acme,SUB-1,calling,10,2026-01-01,2027-01-01,yes,active\n"  # line 6: duplicate
        "org-d,Delta,SUB-4,meetings,3,2026-01-01,,no,trial,surplus\n"  # line 7: a value too many
    )
    with pytest.raises(ImportRejected) as err:
        run(engine, partner_id, data.encode())
    assert [str(e) for e in err.value.errors] == [
        "line 3: customer_name is needed for a customer partnerhub does not know yet",
        'line 3: licenses "ten" is not a whole number ≥ 0',
        "line 3: end_date is before start_date",
        'line 3: auto_renew "maybe" is not yes or no',
        'line 3: status "expired" is not one of active, trial, pending, suspended, cancelled',
        'line 4: product "video" is not one of meetings, calling, messaging, real_time_translations, '
        "contact_center, webinars",
        'line 4: start_date "01/02/2026" is not a date (YYYY-MM-DD)',
        "line 6: subscription SUB-1 (calling) is already on line 2",
        "line 7: more values than columns (a comma inside a value needs quotes)",
    ]
    assert str(err.value).startswith("4 of 5 rows of subs.csv are wrong, so nothing was imported:\nline 3: ")
    assert subs(engine) == {}
    with Session(engine) as s:
        assert s.exec(select(Customer)).all() == [] and s.exec(select(AuditEvent)).all() == []


def test_latin1_file_is_refused_with_a_clear_message(engine, partner_id):
    data = GOOD.replace("Acme Ltda", "Acme Comércio").encode("latin-1")
    with pytest.raises(BadInput, match=r'^subs.csv is not UTF-8 text: line 2 holds bytes of another encoding '
                                       r'\(Latin-1\?\). Save it as "CSV UTF-8" and import it again.$'):
        run(engine, partner_id, data)
    assert subs(engine) == {}


def test_missing_columns_empty_file_and_header_only(engine, partner_id):
    with pytest.raises(BadInput, match="lacks the column\\(s\\) licenses, status"):
        run(engine, partner_id, b"customer_org_id,subscription_id,product,start_date\nx,y,calling,2026-01-01\n")
    with pytest.raises(BadInput, match="is empty"):
        run(engine, partner_id, b"")
    with pytest.raises(BadInput, match="has a header but no rows"):
        run(engine, partner_id, GOOD.splitlines()[0].encode() + b"\n\n")


def test_only_full_admins_import(engine, partner_id):
    with pytest.raises(NotAllowed):
        run(engine, partner_id, GOOD.encode(), role=Role.ADMIN)


def _huge(rows: int, bad_last: bool = False) -> bytes:
    out = io.StringIO()
    out.write("customer_org_id,customer_name,subscription_id,product,licenses,start_date,end_date,auto_renew,status\n")
    for i in range(rows):
        out.write(f"org-{i // 2},Customer {i // 2},SUB-{i},{'calling' if i % 2 else 'meetings'},{i % 500},"
                  f"2026-01-01,2027-01-01,{'yes' if i % 3 else 'no'},active\n")
    if bad_last:
        out.write("org-z,Zulu,SUB-Z,calling,-4,2026-01-01,,no,active\n")
    return out.getvalue().encode()


def test_a_100000_row_file_imports_in_seconds(engine, partner_id):
    data = _huge(100_000)
    started = time.perf_counter()
    result = run(engine, partner_id, data, name="huge.csv")
    elapsed = time.perf_counter() - started
    assert (result.rows, result.subscriptions_created, result.customers_created) == (100_000, 100_000, 50_000)
    with Session(engine) as s:
        from sqlalchemy import func
        assert s.exec(select(func.count()).select_from(Subscription)).one() == 100_000
        assert s.exec(select(func.sum(Subscription.total_licenses))).one() == 200 * sum(range(500))
    assert elapsed < 120, elapsed  # seconds on an idle machine; the bound catches row-by-row regressions


def test_a_bad_last_row_of_a_big_file_rolls_back_the_chunks_already_written(engine, partner_id):
    with pytest.raises(ImportRejected) as err:
        run(engine, partner_id, _huge(3_000, bad_last=True), name="big.csv")
    assert [str(e) for e in err.value.errors] == ['line 3002: licenses "-4" is not a whole number ≥ 0']
    assert subs(engine) == {}
