"""`partnerhub import subscriptions FILE.csv`: every row checked, all or nothing."""
from __future__ import annotations

import io
import time
from datetime import UTC, date, datetime

import pytest
from sqlmodel import Session, select

from partnerhub_core import db
from partnerhub_core.auth import Actor
from partnerhub_core.errors import BadInput, NotAllowed
from partnerhub_core.models import (
    AuditEvent,
    Customer,
    OrderLine,
    Partner,
    Role,
    Subscription,
)
from partnerhub_core.sources.subscription_import import (
    ImportRejected,
    import_subscriptions,
)

NOW = datetime(2026, 11, 25, 9, 30, tzinfo=UTC)

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
        'line 3: licenses "ten" is not a whole number from 0 to 10000000',
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
    from sqlalchemy import event

    data = _huge(100_000)
    statements = []
    listener = lambda *args, **kw: statements.append(1)  # noqa: E731
    event.listen(engine, "before_cursor_execute", listener)
    try:
        result = run(engine, partner_id, data, name="huge.csv")
    finally:
        event.remove(engine, "before_cursor_execute", listener)
    assert (result.rows, result.subscriptions_created, result.customers_created) == (100_000, 100_000, 50_000)
    with Session(engine) as s:
        from sqlalchemy import func
        assert s.exec(select(func.count()).select_from(Subscription)).one() == 100_000
        assert s.exec(select(func.sum(Subscription.total_licenses))).one() == 200 * sum(range(500))
    # Chunked, set-based writes: a row-by-row regression would run 100,000+ statements.
    # (Speed itself is a benchmark's business, not a unit test's.)
    assert len(statements) < 5_000, len(statements)


def test_a_bad_last_row_of_a_big_file_rolls_back_the_chunks_already_written(engine, partner_id):
    with pytest.raises(ImportRejected) as err:
        run(engine, partner_id, _huge(3_000, bad_last=True), name="big.csv")
    assert [str(e) for e in err.value.errors] == ['line 3002: licenses "-4" is not a whole number from 0 to 10000000']
    assert subs(engine) == {}


HEADER = "customer_org_id,customer_name,subscription_id,product,licenses,start_date,end_date,auto_renew,status"


def test_provisioned_and_paid_say_what_one_status_cannot(engine, partner_id):
    data = (HEADER + ",provisioned,paid,cancelled_on\n"
            "org-t,Trial Co,T-1,meetings,10,2026-11-01,2026-12-01,no,trial,no,,\n"  # a trial not yet provisioned
            "org-p,Pending Co,P-1,calling,20,2026-10-01,,no,pending,,no,\n"  # pending and unpaid
            "org-s,Suspended Co,S-1,calling,5,2026-01-01,2027-01-01,yes,active,yes,no,\n"  # active word, unpaid
            "org-c,Cancelled Co,C-1,calling,5,2025-01-01,2026-12-31,no,cancelled,,,2026-06-30\n")
    run(engine, partner_id, data.encode())
    got = {k: (x.is_trial, x.provisioning_state, x.payment_state, x.cancelled_on) for k, x in subs(engine).items()}
    assert got == {
        ("T-1", "meetings"): (True, "pending_setup", "paid", None),
        ("P-1", "calling"): (False, "pending_setup", "unpaid", None),
        ("S-1", "calling"): (False, "provisioned", "unpaid", None),
        ("C-1", "calling"): (False, "provisioned", "paid", date(2026, 6, 30)),  # not the end date
    }
    from partnerhub_core.settings import Settings
    from partnerhub_core.statuses import customer_statuses
    with Session(engine) as s:
        names = {c.id: c.org_id for c in s.exec(select(Customer))}
        found = customer_statuses(session=s, partner_id=partner_id, as_of=date(2026, 11, 25),
                                  settings=Settings(as_of=date(2026, 11, 25)))
    shown = {names[cid]: [st.value for st in sts if st.value != "no_recent_activity"] for cid, sts in found.items()}
    assert shown == {
        "org-t": ["trial", "expiring_soon", "ready_for_order_setup"],
        "org-p": ["ready_for_order_setup", "suspended"],
        "org-s": ["suspended"],
        "org-c": ["expired"],
    }


def test_provisioned_and_paid_that_contradict_the_status_are_errors_by_line(engine, partner_id):
    data = (HEADER + ",provisioned,paid,cancelled_on\n"
            "org-a,A,A-1,calling,1,2026-01-01,,no,pending,yes,,\n"
            "org-b,B,B-1,calling,1,2026-01-01,,no,suspended,,yes,\n"
            "org-c,C,C-1,calling,1,2026-01-01,,no,active,perhaps,,2026-02-01\n")
    with pytest.raises(ImportRejected) as err:
        run(engine, partner_id, data.encode())
    assert [str(e) for e in err.value.errors] == [
        "line 2: status pending means not provisioned, but provisioned is yes",
        "line 3: status suspended means unpaid, but paid is yes",
        'line 4: provisioned "perhaps" is not yes or no',
        "line 4: cancelled_on needs status cancelled",
    ]


def test_product_synonyms_in_english_portuguese_and_spanish(engine, partner_id):
    words = ["translations", "Real-Time Translations", "real_time_translations", "Traduções em tempo real",
             "Traducciones en tiempo real", "Webex Calling", "Reuniões", "contact-center"]
    data = HEADER + "\n" + "".join(f"org-a,Acme,S-{i},{w},1,2026-01-01,,no,active\n" for i, w in enumerate(words))
    run(engine, partner_id, data.encode())
    assert sorted(k for k in subs(engine)) == [
        ("S-0", "real_time_translations"), ("S-1", "real_time_translations"), ("S-2", "real_time_translations"),
        ("S-3", "real_time_translations"), ("S-4", "real_time_translations"), ("S-5", "calling"),
        ("S-6", "meetings"), ("S-7", "contact_center")]


def test_a_customer_webex_named_keeps_its_name_and_one_not_synced_takes_the_files(engine, partner_id):
    from partnerhub_core.models import SyncState
    with Session(engine) as s:
        s.add(Customer(partner_id=partner_id, org_id="org-sync", name="  Espaços  Extras  ",
                       name_key="espacos extras", added_on=date(2025, 1, 1)))
        s.add(Customer(partner_id=partner_id, org_id="org-file", name="Old Name", name_key="old name",
                       added_on=date(2025, 1, 1)))
        s.add(SyncState(partner_id=partner_id, part="organizations", org_id="org-sync", last_success_at=NOW))
        s.commit()
    data = (HEADER + "\norg-sync,Espaços  Extras,X-1,calling,3,2026-01-01,,no,active\n"
            "org-file,New Name,X-2,calling,3,2026-01-01,,no,active\n")
    result = run(engine, partner_id, data.encode())
    assert (result.rows, result.subscriptions_created, result.customers_created) == (2, 2, 0)
    with Session(engine) as s:
        assert {c.org_id: c.name for c in s.exec(select(Customer))} == {
            "org-sync": "  Espaços  Extras  ", "org-file": "New Name"}


def test_two_names_for_one_org_id_name_both_lines(engine, partner_id):
    data = (HEADER + "\norg-a,Acme Ltda,A-1,calling,1,2026-01-01,,no,active\n"
            "org-a,,A-2,calling,1,2026-01-01,,no,active\n"  # no name: names nothing
            "org-a,ACME Brasil,A-3,calling,1,2026-01-01,,no,active\n")
    with pytest.raises(ImportRejected) as err:
        run(engine, partner_id, data.encode())
    assert [str(e) for e in err.value.errors] == [
        'line 4: customer org-a is named "ACME Brasil" here and "Acme Ltda" on line 2: one organization has one name']
    assert subs(engine) == {}


def test_huge_counts_odd_digits_and_nul_are_errors_by_line_on_both_databases(engine, partner_id):
    data = (HEADER + ",order_ref,order_date,order_quantity\n"
            "org-a,Acme,A-1,calling,12345678901234567890,2026-01-01,,no,active,,,\n"
            "org-a,Acme,A-2,calling,²,2026-01-01,,no,active,,,\n"
            "org-a,Ac\x00me,A-3,calling,1,2026-01-01,,no,active,,,\n"
            "org-a,Acme,A-4,calling,10000001,2026-01-01,,no,active,O-1,2026-01-01,99999999999\n"
            "org-a,Acme,A-5,calling,10000000,2026-01-01,,no,active,,,\n")
    with pytest.raises(ImportRejected) as err:
        run(engine, partner_id, data.encode())
    assert [str(e) for e in err.value.errors] == [
        'line 2: licenses "12345678901234567890" is not a whole number from 0 to 10000000',
        'line 3: licenses "²" is not a whole number from 0 to 10000000',
        "line 4: customer_name holds a control character (NUL?): retype the value",
        'line 5: licenses "10000001" is not a whole number from 0 to 10000000',
        'line 5: order_quantity "99999999999" is not a whole number from 0 to 10000000',
    ]  # line 6 (the largest count allowed) is fine
    assert subs(engine) == {}


def test_a_subscription_repeats_only_to_add_order_lines(engine, partner_id):
    head = HEADER + ",order_ref,order_date,order_quantity\n"
    good = head + ("org-a,Acme,A-1,calling,50,2026-01-01,,no,active,O-1,2026-01-01,30\n"
                   "org-a,Acme,A-1,calling,50,2026-01-01,,no,active,O-2,2026-03-01,20\n")
    result = run(engine, partner_id, good.encode())
    assert (result.rows, result.subscriptions_created, result.subscriptions_updated, result.order_lines_added) == \
        (2, 1, 0, 2)
    bad = head + ("org-a,Acme,A-1,calling,50,2026-01-01,,no,active,O-1,2026-01-01,30\n"
                  "org-a,Acme,A-1,calling,60,2026-01-01,,no,active,O-3,2026-03-01,20\n"  # another licence count
                  "org-a,Acme,A-1,calling,50,2026-01-01,,no,active,O-1,2026-01-01,30\n")  # the same order again
    with pytest.raises(ImportRejected) as err:
        run(engine, partner_id, bad.encode())
    assert [str(e) for e in err.value.errors] == [
        "line 3: subscription A-1 (calling) is already on line 2",
        "line 4: subscription A-1 (calling) is already on line 2"]


def test_two_concurrent_imports_count_new_subscriptions_once(engine, partner_id):
    import threading

    data = _huge(3_000)
    results = {}

    def second():
        results["second"] = run(engine, partner_id, data, name="b.csv")

    with db.session_scope(engine) as first:
        results["first"] = import_subscriptions(
            session=first, actor=Actor(partner_id=partner_id, role=Role.FULL_ADMIN, label="cli"),
            source=io.BytesIO(data), now=NOW, file_name="a.csv")
        thread = threading.Thread(target=second)
        thread.start()
        time.sleep(1.0)
        assert "second" not in results  # it waits for the first import's transaction
    thread.join(60)
    assert (results["first"].subscriptions_created, results["first"].subscriptions_updated,
            results["first"].customers_created) == (3_000, 0, 1_500)
    assert (results["second"].subscriptions_created, results["second"].subscriptions_updated,
            results["second"].customers_created) == (0, 3_000, 0)


def test_the_documented_example_file_imports(engine, partner_id):
    from pathlib import Path

    example = Path(__file__).resolve().parents[2] / "docs" / "examples" / "subscriptions.csv"
    with db.session_scope(engine) as s:
        result = import_subscriptions(session=s, actor=Actor(partner_id=partner_id, role=Role.FULL_ADMIN,
                                                             label="cli"), source=example, now=NOW)
    assert (result.rows, result.subscriptions_created, result.subscriptions_updated, result.customers_created,
            result.order_lines_added, result.ignored_columns) == (6, 5, 0, 4, 2, [])
    got = {k: (x.total_licenses, x.auto_renew, x.is_trial, x.provisioning_state, x.payment_state, x.cancelled_on)
           for k, x in subs(engine).items()}
    assert got == {
        ("SUB-1001", "meetings"): (100, True, False, "provisioned", "paid", None),
        ("SUB-1001", "calling"): (40, True, False, "provisioned", "paid", None),
        ("TRIAL-7", "calling"): (10, True, True, "pending_setup", "paid", None),
        ("SUB-2001", "real_time_translations"): (5, False, False, "pending_setup", "unpaid", None),
        ("SUB-3001", "meetings"): (30, False, False, "provisioned", "paid", date(2026, 3, 15)),
    }
