"""Partner Hub's own CSV exports: the kind recognised from the header row, every row
checked, all or nothing, errors by line."""
from __future__ import annotations

import io
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from sqlmodel import Session, select

from partnerhub_core import db
from partnerhub_core.auth import Actor
from partnerhub_core.errors import BadInput, NotAllowed
from partnerhub_core.models import (
    AuditEvent,
    Customer,
    Device,
    Location,
    Partner,
    PhoneNumber,
    Role,
    SourceRefresh,
    SyncState,
)
from partnerhub_core.sources.partner_hub_exports import file_kind, import_partner_hub_export
from partnerhub_core.sources.subscription_import import ImportRejected

NOW = datetime(2026, 11, 25, 9, 30, tzinfo=UTC)
EXAMPLES = Path(__file__).resolve().parents[2] / "docs" / "examples"


@pytest.fixture
def partner_id(engine):
    with Session(engine) as s:
        p = Partner(name="Partner", default_region="EU")
        s.add(p)
        s.commit()
        return p.id


def run(engine, partner_id, data: bytes | Path, role=Role.FULL_ADMIN, name="export.csv"):
    """Like the CLI: one transaction, committed on success, rolled back on error."""
    source = data if isinstance(data, Path) else io.BytesIO(data)
    with db.session_scope(engine) as s:
        return import_partner_hub_export(session=s, actor=Actor(partner_id=partner_id, role=role, label="cli"),
                                         source=source, now=NOW, file_name=name)


def families(engine) -> dict[str, int]:
    with Session(engine) as s:
        return {r.family: r.rows for r in s.exec(select(SourceRefresh))}


def test_the_customer_list_creates_customers(engine, partner_id):
    result = run(engine, partner_id, EXAMPLES / "partner-hub-customers.csv")
    assert (result.kind, result.rows, result.customers_created) == ("customer list", 2, 2)
    assert result.ignored_columns == ["status"]
    with Session(engine) as s:
        got = {c.org_id: (c.name, c.region, c.external_id, c.added_on) for c in s.exec(select(Customer))}
        actions = [a.action for a in s.exec(select(AuditEvent))]
    assert got == {"org-acme": ("Acme Ltda", "EU", None, date(2026, 11, 25)),
                   "org-bravo": ("Bravo, Inc.", "US", "WS-42", date(2026, 11, 25))}
    assert actions == ["partner_hub_export.import"]
    assert families(engine) == {"organizations": 2}


def test_the_customer_list_never_renames_a_customer_a_sync_named(engine, partner_id):
    run(engine, partner_id, EXAMPLES / "partner-hub-customers.csv")
    with Session(engine) as s:
        s.add(SyncState(partner_id=partner_id, part="organizations", org_id="org-acme", last_success_at=NOW, items=1))
        s.commit()
    result = run(engine, partner_id, b"Customer Name,Customer Org ID\nAcme Renamed,org-acme\nBravo SA,org-bravo\n")
    assert (result.customers_created, result.customers_updated) == (0, 1)
    with Session(engine) as s:
        assert {c.org_id: c.name for c in s.exec(select(Customer))} == {"org-acme": "Acme Ltda",
                                                                        "org-bravo": "Bravo SA"}


def test_the_devices_report_replaces_each_named_customers_devices(engine, partner_id):
    run(engine, partner_id, EXAMPLES / "partner-hub-customers.csv")
    with Session(engine) as s:
        acme = s.exec(select(Customer).where(Customer.org_id == "org-acme")).one()
        # A device a sync knows by Webex's id (same MAC as the report's Room Kit), and one
        # the report no longer lists.
        s.add(Device(partner_id=partner_id, customer_id=acme.id, device_id="wx-1", mac="AABBCCDDEEFF", firmware="ce9"))
        s.add(Device(partner_id=partner_id, customer_id=acme.id, device_id="wx-gone", mac="FFFFFFFFFFFF"))
        s.commit()
    result = run(engine, partner_id, EXAMPLES / "partner-hub-devices.csv")
    assert (result.kind, result.rows, result.customers, result.items) == ("devices report", 3, 2, 3)
    with Session(engine) as s:
        got = {d.device_id: (d.mac, d.firmware, d.phone_number, d.extension, d.user_id, d.location_id)
               for d in s.exec(select(Device))}
        locations = {x.location_id: x.name for x in s.exec(select(Location))}
    assert got == {
        "mac:001A2B3C4D5E": ("001A2B3C4D5E", "sip88xx.14-2-1", "+551130000001", "1001", "ana@acme.example", "loc-sp"),
        "wx-1": ("AABBCCDDEEFF", "ce11.8", "", "", "", "loc-sp"),
        "mac:112233445566": ("112233445566", "sip68xx.12-0-1", "+12125550100", "200", "bob@bravo.example", "loc-ny"),
    }
    assert locations == {"loc-sp": "São Paulo", "loc-ny": "New York"}
    assert families(engine) == {"organizations": 2, "devices": 3}


def test_the_numbers_report_writes_numbers_pstn_and_country(engine, partner_id):
    run(engine, partner_id, EXAMPLES / "partner-hub-customers.csv")
    result = run(engine, partner_id, EXAMPLES / "partner-hub-numbers.csv")
    assert (result.kind, result.rows, result.items) == ("phone numbers report", 4, 4)
    with Session(engine) as s:
        got = {n.number_key: (n.active, n.pstn_connection, n.user_type, n.number_type, n.user_id)
               for n in s.exec(select(PhoneNumber))}
        countries = {x.location_id: x.country for x in s.exec(select(Location))}
    assert got == {
        "+551130000001": (True, "Cisco PSTN", "People", "Primary", "ana@acme.example"),
        "+551130000002": (False, "Cisco PSTN", "", "", ""),
        "loc-sp/1099": (True, "", "Auto Attendant", "", ""),
        "+12125550100": (True, "Local Gateway", "People", "Primary", "bob@bravo.example"),
    }
    assert countries == {"loc-sp": "BR", "loc-ny": "US"}
    assert families(engine) == {"organizations": 2, "numbers": 4, "pstn": 4}


def test_a_numbers_report_in_portuguese_is_recognised(engine, partner_id):
    run(engine, partner_id, EXAMPLES / "partner-hub-customers.csv")
    data = ("ID externa;Cliente;ID da organização do cliente;ID de localização;Nome da localização;País;"
            "Número de telefone;Ramal;Conexão PSTN;Ativo;Tipo de usuário;Tipo de número;ID do usuário;UUID do usuário\n"
            ";Acme Ltda;org-acme;loc-sp;São Paulo;BR;+551130000009;;Cisco PSTN;Inativo;Pessoas;Principal;;u-9\n")
    result = run(engine, partner_id, data.encode())
    assert (result.kind, result.items) == ("phone numbers report", 1)
    with Session(engine) as s:
        n = s.exec(select(PhoneNumber)).one()
    assert (n.number_key, n.active, n.user_type, n.number_type) == ("+551130000009", False, "People", "Primary")


def test_bad_rows_are_listed_by_line_and_nothing_is_written(engine, partner_id):
    run(engine, partner_id, EXAMPLES / "partner-hub-customers.csv")
    data = (b"Customer,Customer Org ID,Product,MAC\n"
            b"Acme Ltda,org-acme,Cisco 8845,00:1A:2B:3C:4D:5E\n"   # line 2: good
            b"Zulu,org-zulu,Cisco 8845,001A2B3C4D00\n"             # line 3: unknown customer
            b"Acme Ltda,org-acme,Cisco 8845,not-a-mac\n"           # line 4: bad MAC
            b"Acme Ltda,org-acme,Cisco 8865,001a2b3c4d5e\n")       # line 5: same device as line 2
    with pytest.raises(ImportRejected) as caught:
        run(engine, partner_id, data)
    assert [(e.line, e.message) for e in caught.value.errors] == [
        (3, "customer org-zulu is not known to partnerhub: run partnerhub sync or import the customer list first"),
        (4, 'MAC "not-a-mac" is not 12 hexadecimal digits'),
        (5, "device 001A2B3C4D5E is already on line 2"),
    ]
    assert "3 of 4 rows" in str(caught.value)
    with Session(engine) as s:
        assert s.exec(select(Device)).all() == []
        assert [a.action for a in s.exec(select(AuditEvent))] == ["partner_hub_export.import"]  # the list only
    assert families(engine) == {"organizations": 2}


def test_an_unknown_header_is_refused_naming_the_kinds_known(engine, partner_id):
    with pytest.raises(BadInput) as caught:
        run(engine, partner_id, b"name,amount\nx,1\n", name="sales.csv")
    assert str(caught.value) == (
        "sales.csv is not a file partnerhub can import: its header row matches none of the kinds it knows "
        "(customer list, devices report, phone numbers report, subscriptions). Import the file as Partner Hub "
        "wrote it, header row included.")


def test_a_call_usage_report_is_recognised_and_refused(engine, partner_id):
    with pytest.raises(BadInput, match="is a call usage report"):
        run(engine, partner_id, b"Customer Name,Org ID,Location,Total Calls\nAcme,org-acme,SP,10\n")


def test_only_full_admins_import(engine, partner_id):
    with pytest.raises(NotAllowed):
        run(engine, partner_id, EXAMPLES / "partner-hub-customers.csv", role=Role.READ_ONLY)


def test_the_kind_of_each_example_file():
    kinds = {name: file_kind(open(EXAMPLES / name, "rb"), name) for name in (
        "partner-hub-customers.csv", "partner-hub-devices.csv", "partner-hub-numbers.csv", "subscriptions.csv")}
    assert kinds == {"partner-hub-customers.csv": "customer list", "partner-hub-devices.csv": "devices report",
                     "partner-hub-numbers.csv": "phone numbers report", "subscriptions.csv": "subscriptions"}
