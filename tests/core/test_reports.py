"""Reports F20–F25: headers word for word against SPEC, hand-computed rows, F21 file
names, region filter, custom templates, formula neutralisation and the BOM."""
from __future__ import annotations

import csv
import io
import re
from datetime import date, datetime, timezone

import pandas as pd
import pytest

from partnerhub_core import reports
from partnerhub_core.analytics.common import FLOAT, INT, PERCENT, Column, Kpi, Section
from partnerhub_core.auth import Actor
from partnerhub_core.calling import ROLLUP_SUMS
from partnerhub_core.errors import BadInput, Conflict, NotAllowed, NotFound
from partnerhub_core.models import (
    AuditEvent, CallRollup, CustomerTag, Device, Location, PhoneNumber, Role, Tag,
)
from partnerhub_core.timeutil import week_ending
from tests.core.calling_world import make_customer, make_partner

AS_OF = date(2026, 11, 25)  # last completed week: 2026-11-15 .. 2026-11-21
NOW = datetime(2026, 11, 25, 9, tzinfo=timezone.utc)

SPEC_CALL_USAGE = [
    "Customer Name", "Org ID", "Location", "Total Calls", "Total Call Legs",
    "Total Poor Quality Call Legs", "Call Minutes", "Call Minutes - Video", "Call Legs - Audio",
    "Call Legs - Video", "Call Legs - Desk Phone", "Call Legs - Room Device",
    "Call Legs - Other Devices", "Calls - Hunt Group Calls", "Calls - Auto Attendant Calls",
    "Call Queue - Total Calls", "Call Queue - Timed Out Calls", "Call Queue - Overflow Calls",
    "Call Queue - Transferred Calls", "Call Queue - Abandoned Calls",
]
SPEC_DEVICES = [
    "External ID", "Customer", "Customer Org ID", "Location ID", "Location Name", "Product", "MAC",
    "Firmware", "Phone Number", "Extension", "User ID", "User UUID",
]
SPEC_NUMBERS = [
    "External ID", "Customer", "Customer Org ID", "Location ID", "Location Name", "Country",
    "Phone Number", "Extension", "PSTN Connection", "Active", "User Type", "Number Type", "User ID",
    "User UUID",
]
FILE_NAME = re.compile(r"^(?P<name>.+)_(?P<token>[A-Za-z0-9]+)_(?P<date>\d{4}-\d{2}-\d{2})\.csv$")


def _rollup(session, p, c, day, endpoint, location, name, **sums):
    row = CallRollup(partner_id=p.id, customer_id=c.id, day=day, week_ending=week_ending(day),
                     location_id=location, location_name=name, endpoint_type=endpoint,
                     **{k: 0 for k in ROLLUP_SUMS})
    for k, v in sums.items():
        setattr(row, k, v)
    session.add(row)


@pytest.fixture
def world(session):
    p = make_partner(session)
    alpha = make_customer(session, p, "org-alpha", "Alpha Ltda", region="US")
    evil = make_customer(session, p, "org-evil", "=A1+HYPERLINK(\"http://x\")", region="EU",
                         external_id="@W-77")
    session.add_all([
        Location(partner_id=p.id, customer_id=alpha.id, location_id="loc-hq", name="São Paulo HQ", country="BR"),
        Location(partner_id=p.id, customer_id=alpha.id, location_id="loc-rj", name="Rio", country="BR"),
        Location(partner_id=p.id, customer_id=evil.id, location_id="loc-ev", name="+Sede\tNorte", country="ES"),
    ])
    # Alpha / HQ in the last completed week: desk phone, room device, other; one row
    # the week before and one after must not count.
    # Only HQ's legs reported media figures: its poor/video/audio cells are known, Rio's and
    # the EU customer's are "—" (the call history feed alone does not carry them).
    _rollup(session, p, alpha, date(2026, 11, 16), "desk_phone", "loc-hq", "São Paulo HQ", calls=10, legs=16,
            legs_with_media=16, poor_legs=2, duration_s=1800, audio_legs=16, hunt_group_calls=3, auto_attendant_calls=4,
            queue_calls=9, queue_timed_out=1, queue_overflowed=2, queue_transferred=1, queue_abandoned=3)
    _rollup(session, p, alpha, date(2026, 11, 21), "room_device", "loc-hq", "São Paulo HQ", calls=2, legs=3,
            legs_with_media=3, duration_s=600, video_s=450, audio_legs=1, video_legs=2)
    _rollup(session, p, alpha, date(2026, 11, 18), "other", "loc-hq", "", calls=1, legs=1, duration_s=61,
            audio_legs=1)
    _rollup(session, p, alpha, date(2026, 11, 19), "webex_app", "loc-hq", "São Paulo HQ", calls=5, legs=5,
            duration_s=300, audio_legs=5)
    _rollup(session, p, alpha, date(2026, 11, 14), "desk_phone", "loc-hq", "São Paulo HQ", calls=100, legs=100)
    _rollup(session, p, alpha, date(2026, 11, 22), "desk_phone", "loc-hq", "São Paulo HQ", calls=100, legs=100)
    # Alpha / Rio, and the EU customer
    _rollup(session, p, alpha, date(2026, 11, 17), "desk_phone", "loc-rj", "Rio", calls=1, legs=2,
            duration_s=90, audio_legs=2)
    _rollup(session, p, evil, date(2026, 11, 20), "desk_phone", "loc-ev", "+Sede\tNorte", calls=4, legs=4,
            duration_s=240, audio_legs=4)
    session.add_all([
        Device(partner_id=p.id, customer_id=alpha.id, device_id="d1", location_id="loc-hq",
               product="Cisco 8851", mac="AABBCC000001", firmware="sip88xx.14-2", phone_number="+551130001000",
               extension="1000", user_id="ana@alpha.example", user_uuid="u-ana"),
        Device(partner_id=p.id, customer_id=alpha.id, device_id="d2", location_id="loc-rj",
               product="Webex Room Kit", mac="AABBCC000002", firmware="RoomOS 11"),
        Device(partner_id=p.id, customer_id=evil.id, device_id="d3", location_id="loc-ev",
               product="-cmd|calc", mac="AABBCC000003", firmware="1.0", user_id="@evil"),
        PhoneNumber(partner_id=p.id, customer_id=alpha.id, number_key="+551130001000", location_id="loc-hq",
                    phone_number="+551130001000", extension="1000", pstn_connection="Cloud Connected PSTN",
                    active=True, user_type="People", number_type="Primary", user_id="ana@alpha.example",
                    user_uuid="u-ana"),
        PhoneNumber(partner_id=p.id, customer_id=alpha.id, number_key="loc-hq/2000", location_id="loc-hq",
                    extension="2000", pstn_connection="ignored for extensions", active=True,
                    user_type="Auto Attendant", number_type="Primary", user_uuid="aa-1"),
        PhoneNumber(partner_id=p.id, customer_id=alpha.id, number_key="+551130009999", location_id="loc-hq",
                    phone_number="+551130009999", pstn_connection="Local Gateway", active=False,
                    number_type="Secondary"),
    ])
    session.flush()
    return p


def _run(session, p, report, **kw):
    buf = io.BytesIO()
    name = reports.run_report(session=session, partner_id=p.id, report=report, as_of=AS_OF, out=buf, **kw)
    raw = buf.getvalue()
    assert raw.startswith(b"\xef\xbb\xbf")  # UTF-8 BOM
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"), newline="")))
    return name, rows


def test_call_usage_report_last_completed_week(session, world):
    name, rows = _run(session, world, "call-usage")
    m = FILE_NAME.match(name)
    assert m and m["name"] == "Call Usage Details" and m["date"] == "2026-11-25" and len(m["token"]) == 10
    assert rows[0] == SPEC_CALL_USAGE
    # Sorted by customer name: "=HYPERLINK…" sorts before "Alpha Ltda".
    assert rows[1] == ["'=A1+HYPERLINK(\"http://x\")", "org-evil", "'+Sede\tNorte", "4", "4", "—", "4.0", "—",
                       "—", "—", "4", "0", "0", "0", "0", "0", "0", "0", "0", "0"]
    # HQ: calls 10+2+1+5, legs 16+3+1+5, minutes (1800+600+61+300)/60 = 46.02, video 450/60 = 7.5
    assert rows[2] == ["Alpha Ltda", "org-alpha", "São Paulo HQ", "18", "25", "2", "46.02", "7.5",
                       "23", "2", "16", "3", "1", "3", "4", "9", "1", "2", "1", "3"]
    assert rows[3] == ["Alpha Ltda", "org-alpha", "Rio", "1", "2", "—", "1.5", "—",
                       "—", "—", "2", "0", "0", "0", "0", "0", "0", "0", "0", "0"]
    assert len(rows) == 4


def test_call_usage_report_date_range_and_region(session, world):
    _, rows = _run(session, world, "call-usage", start=date(2026, 11, 14), end=date(2026, 11, 16), region="us")
    assert [r[:5] for r in rows[1:]] == [["Alpha Ltda", "org-alpha", "São Paulo HQ", "110", "116"]]
    with pytest.raises(BadInput):
        _run(session, world, "call-usage", start=date(2026, 11, 20), end=date(2026, 11, 10))
    with pytest.raises(BadInput):
        _run(session, world, "call-usage", region="Mars")


def test_devices_report_columns_and_neutralisation(session, world):
    name, rows = _run(session, world, "devices", token="abc123XYZ")
    assert name == "Devices_abc123XYZ_2026-11-25.csv"
    assert rows[0] == SPEC_DEVICES
    assert rows[1:] == [
        ["'@W-77", "'=A1+HYPERLINK(\"http://x\")", "org-evil", "loc-ev", "'+Sede\tNorte", "'-cmd|calc",
         "AABBCC000003", "1.0", "", "", "'@evil", ""],
        ["", "Alpha Ltda", "org-alpha", "loc-rj", "Rio", "Webex Room Kit", "AABBCC000002", "RoomOS 11",
         "", "", "", ""],
        ["", "Alpha Ltda", "org-alpha", "loc-hq", "São Paulo HQ", "Cisco 8851", "AABBCC000001", "sip88xx.14-2",
         "+551130001000", "1000", "ana@alpha.example", "u-ana"],
    ]
    with pytest.raises(BadInput):  # an inventory takes no dates
        _run(session, world, "devices", start=date(2026, 11, 1))


def test_numbers_report_empty_cells_by_kind(session, world):
    name, rows = _run(session, world, "numbers")
    assert name.startswith("Phone Numbers_")
    assert rows[0] == SPEC_NUMBERS
    assert rows[1:] == [
        # extension only: no number, no PSTN connection, no number type
        ["", "Alpha Ltda", "org-alpha", "loc-hq", "São Paulo HQ", "BR", "", "2000", "", "Active",
         "Auto Attendant", "", "", "aa-1"],
        # a number: Extension empty although Webex lists 1000 beside it (the guide)
        ["", "Alpha Ltda", "org-alpha", "loc-hq", "São Paulo HQ", "BR", "+551130001000", "",
         "Cloud Connected PSTN", "Active", "People", "Primary", "ana@alpha.example", "u-ana"],
        # unassigned number: no user type, so no number type either
        ["", "Alpha Ltda", "org-alpha", "loc-hq", "São Paulo HQ", "BR", "+551130009999", "",
         "Local Gateway", "Inactive", "", "", "", ""],
    ]


@pytest.mark.parametrize("locale", ["en", "pt_BR", "es"])
def test_numbers_report_extension_empty_on_number_rows_in_every_language_and_template(session, world, locale):
    _, rows = _run(session, world, "numbers", locale=locale)
    number, extension = 6, 7  # SPEC order: Phone Number, Extension
    # (phone number, extension) per row: the extension row keeps 2000, the numbers show none
    assert [(r[number], r[extension]) for r in rows[1:]] == [
        ("", "2000"), ("+551130001000", ""), ("+551130009999", "")]
    reports.save_template(session=session, actor=_admin(world), name=f"Ext {locale}", base_report="numbers",
                          columns=["extension", "phone_number"], now=NOW)
    _, rows = _run(session, world, f"Ext {locale}", locale=locale)
    assert rows[1:] == [["2000", ""], ["", "+551130001000"], ["", "+551130009999"]]


def test_formula_neutralisation_of_every_trigger():
    for text in ("=1+1", "+1+1", "-1-cmd", "-2+3", "+A1", "-SUM(A1)", "@SUM(A1)", "\tx", "\rx",
                 "\t1", "=1", "+1e5", "-1 ", " ", "+", "-", "+.", "1.2.3x"):
        assert reports.neutralise(text) == ("'" + text if text[0] in "=+-@\t\r" else text), text
    assert reports.neutralise("Plain") == "Plain"
    # OWASP: plain numbers are data, not formulas; an apostrophe would break dialling/matching
    for number in ("+97123739364", "-12", "-0.5", "+1.25", "-1,234.56", "-.5", "0.5", "5"):
        assert reports.neutralise(number) == number
    assert reports.neutralise(-3) == -3  # numbers are data
    assert reports.neutralise(None) == ""


def test_report_regions_offered_only_when_data_spans_several(session, world):
    assert reports.report_regions(session=session, partner_id=world.id, report="call-usage") == ["US", "EU"]
    assert reports.report_regions(session=session, partner_id=world.id, report="numbers") == ["US"]


def test_visible_customers_limit_a_report(session, world):
    alpha_id = session.get(Location, 1).customer_id
    _, rows = _run(session, world, "devices", customer_ids=[alpha_id])
    assert {r[1] for r in rows[1:]} == {"Alpha Ltda"}


def test_unknown_report_is_not_found_with_choices(session, world):
    with pytest.raises(NotFound) as err:
        _run(session, world, "devicez")
    assert "call-usage, devices, numbers" in err.value.render()


def _admin(p, role=Role.ADMIN):
    return Actor(partner_id=p.id, role=role, admin_id=None, label="cli")


def test_custom_template_runs_its_columns_and_filters(session, world):
    t = reports.save_template(session=session, actor=_admin(world), name="Weekly EU calls",
                              base_report="call-usage", columns=["Customer Name", "total_calls", "Location"],
                              region="eu", now=NOW)
    assert (t.columns, t.filters) == (["customer_name", "total_calls", "location"], {"region": "EU"})
    name, rows = _run(session, world, "weekly eu CALLS")
    assert FILE_NAME.match(name)["name"] == "Weekly EU calls"
    assert rows == [["Customer Name", "Total Calls", "Location"],
                    ["'=A1+HYPERLINK(\"http://x\")", "4", "'+Sede\tNorte"]]
    # by schedule key, and a region given at run time overrides the saved one
    assert reports.custom_template_keys(session=session, partner_id=world.id) == [f"template:{t.id}"]
    _, rows = _run(session, world, f"template:{t.id}", region="US")
    assert [r[0] for r in rows[1:]] == ["Alpha Ltda", "Alpha Ltda"]
    assert session.query(AuditEvent).filter_by(action="report_template.save").count() == 1


def test_custom_template_with_tag_filter(session, world):
    tag = Tag(partner_id=world.id, name="Gold", name_key="gold")
    session.add(tag)
    session.flush()
    alpha_id = session.get(Location, 1).customer_id
    session.add(CustomerTag(customer_id=alpha_id, tag_id=tag.id, partner_id=world.id))
    session.flush()
    reports.save_template(session=session, actor=_admin(world), name="Gold devices", base_report="devices",
                          tag="Gold", now=NOW)
    _, rows = _run(session, world, "Gold devices")
    assert rows[0] == SPEC_DEVICES and {r[1] for r in rows[1:]} == {"Alpha Ltda"}


def test_custom_template_rules(session, world):
    admin = _admin(world)
    with pytest.raises(NotAllowed):
        reports.save_template(session=session, actor=_admin(world, Role.READ_ONLY), name="X",
                              base_report="devices", now=NOW)
    with pytest.raises(BadInput):
        reports.save_template(session=session, actor=admin, name="X", base_report="devices",
                              columns=["Colour"], now=NOW)
    with pytest.raises(BadInput):
        reports.save_template(session=session, actor=admin, name="X", base_report="faxes", now=NOW)
    with pytest.raises(Conflict):
        reports.save_template(session=session, actor=admin, name="devices", base_report="devices", now=NOW)
    with pytest.raises(BadInput):
        reports.save_template(session=session, actor=admin, name="Save", base_report="devices", now=NOW)
    reports.save_template(session=session, actor=admin, name="Mine", base_report="devices", now=NOW)
    with pytest.raises(Conflict):
        reports.save_template(session=session, actor=admin, name="MINE", base_report="numbers", now=NOW)
    reports.save_template(session=session, actor=admin, name="MINE", base_report="numbers", now=NOW,
                          replace=True)
    assert [(t.name, t.base_report) for t in reports.list_templates(session=session, partner_id=world.id)] == [
        ("MINE", "numbers")]
    reports.delete_template(session=session, actor=admin, name="mine", now=NOW)
    assert reports.list_templates(session=session, partner_id=world.id) == []


def test_section_csv_headers_percent_points_and_neutralisation():
    table = pd.DataFrame({"customer": ["-Acme", "Beta"], "calls": [3, 0], "rate": [0.125, None],
                          "assigned": [0.0725, 1 / 3], "avg": [1.5, 5.178919927453785]})
    section = Section("x", "X", [Kpi("k", "K", 1)], table,
                      [Column("customer", "Customer"), Column("calls", "Calls", INT),
                       Column("rate", "Abandoned rate", PERCENT), Column("assigned", "Assigned %", PERCENT),
                       Column("avg", "Average", FLOAT)])
    raw = reports.section_csv(section, "en")
    assert raw.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"), newline="")))
    assert rows == [["Customer", "Calls", "Abandoned rate (%)", "Assigned %", "Average"],
                    ["'-Acme", "3", "12.5", "7.3", "1.5"], ["Beta", "0", "", "33.3", "5.2"]]


def test_file_name_pattern_and_unsafe_characters():
    assert reports.file_name("Call Usage Details", date(2026, 1, 2), "A1b2") == "Call Usage Details_A1b2_2026-01-02.csv"
    assert reports.file_name("EU/UAE: calls?", date(2026, 1, 2), "Z9") == "EU-UAE- calls_Z9_2026-01-02.csv"
    assert FILE_NAME.match(reports.file_name("Devices", date(2026, 1, 2)))
    with pytest.raises(BadInput):
        reports.file_name("Devices", date(2026, 1, 2), "no_way")
