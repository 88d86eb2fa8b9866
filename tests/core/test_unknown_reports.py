"""Report CSVs: a figure whose source gave nothing ("" in the database) is "—", while a
cell that does not apply stays empty. One customer, one location, three numbers and a
device, as of 2026-11-25:
  +5511 3000 1000  PSTN unknown, owned by a person whose email is unknown
  +5511 3000 2000  PSTN "Local Gateway", owned by a person ana@alpha.example
  extension 3000   an auto attendant's (no PSTN, no email: neither applies)
The location's country is unknown (the locations source has not read it).
"""
import csv
import io
from datetime import date

from partnerhub_core import reports
from partnerhub_core.models import Device, Location, PhoneNumber
from tests.factories import make_customer, make_partner

AS_OF = date(2026, 11, 25)


def _rows(session, p, report):
    buf = io.BytesIO()
    reports.run_report(session=session, partner_id=p.id, report=report, as_of=AS_OF, out=buf)
    return list(csv.reader(io.StringIO(buf.getvalue().decode("utf-8-sig"), newline="")))


def test_unknown_country_pstn_and_email_are_a_dash(session):
    p = make_partner(session)
    c = make_customer(session, p, "Alpha Ltda", org_id="org-alpha")
    session.add(Location(partner_id=p.id, customer_id=c.id, location_id="loc-hq", name="HQ", country=""))
    session.add_all([
        PhoneNumber(partner_id=p.id, customer_id=c.id, number_key="+551130001000", location_id="loc-hq",
                    phone_number="+551130001000", pstn_connection="", active=True, user_type="People",
                    number_type="Primary", user_id="", user_uuid="u-1"),
        PhoneNumber(partner_id=p.id, customer_id=c.id, number_key="+551130002000", location_id="loc-hq",
                    phone_number="+551130002000", pstn_connection="Local Gateway", active=True,
                    user_type="People", number_type="Primary", user_id="ana@alpha.example", user_uuid="u-2"),
        PhoneNumber(partner_id=p.id, customer_id=c.id, number_key="x3000", location_id="loc-hq",
                    extension="3000", active=True, user_type="Auto Attendant", user_uuid="aa-1"),
        Device(partner_id=p.id, customer_id=c.id, device_id="d-1", location_id="loc-hq", product="Cisco 8851",
               mac="AABBCCDDEEFF", user_id="", user_uuid="u-1"),
    ])
    session.flush()
    header, *rows = _rows(session, p, "numbers")
    col = {name: header.index(name) for name in ("Country", "PSTN Connection", "User ID", "Extension")}
    got = [[r[col["Country"]], r[col["PSTN Connection"]], r[col["User ID"]]] for r in rows]
    # sorted by number: the extension (no number) first
    assert got == [["—", "", ""], ["—", "—", "—"], ["—", "Local Gateway", "ana@alpha.example"]]
    header, device = _rows(session, p, "devices")
    assert device[header.index("User ID")] == "—" and device[header.index("User UUID")] == "u-1"
