"""/partnerhub calling … and /partnerhub report … over signed HTTP: the views, their PNG
charts and CSVs arriving through files.getUploadURLExternal / files.completeUploadExternal."""
from __future__ import annotations

import csv
import io
import json
import re
from datetime import date, datetime, timezone

import pytest

from partnerhub_core.calling import ROLLUP_SUMS
from partnerhub_core.models import CallRollup, Device
from partnerhub_core.timeutil import week_ending
from tests.bot.conftest import message_fields as fields
from tests.bot.feature_world import add_customers, blocks_text, buttons

PNG = b"\x89PNG\r\n\x1a\n"


def _rollup(session, customer, day, endpoint, **sums):
    row = CallRollup(partner_id=customer.partner_id, customer_id=customer.id, day=day, week_ending=week_ending(day),
                     location_id="loc-1", location_name="HQ", endpoint_type=endpoint,
                     **{k: 0 for k in ROLLUP_SUMS})
    for k, v in sums.items():
        setattr(row, k, v)
    session.add(row)


@pytest.fixture
def world(session, linked):
    """As of 2026-11-25 the last completed week ends 2026-11-21. Globex and Acme Labs (US),
    Acme Corp (EU, assigned to U_ADMIN)."""
    found = add_customers(session, linked)
    _rollup(session, found.globex, date(2026, 11, 16), "desk_phone", calls=30, legs=40, legs_with_media=40,
            poor_legs=4, duration_s=2400, queue_calls=20, queue_answered=15, queue_abandoned=5,
            queue_answer_wait_s=450.0, queue_abandon_wait_s=300.0)
    _rollup(session, found.labs, date(2026, 11, 17), "room_device", calls=10, legs=10, legs_with_media=10)
    _rollup(session, found.acme, date(2026, 11, 18), "webex_app", calls=5, legs=5)
    session.add(Device(partner_id=linked.partner_id, customer_id=found.acme.id, device_id="d1",
                       product="Cisco 8851", mac="AABBCC000001", user_id="=cmd@acme.example"))
    session.commit()
    return found


def ask(slack, fake_slack, text, user="U_FULL", channel="C_GENERAL"):
    return fake_slack.wait_for_response(slack.command(text, user=user, channel=channel))




def _uploaded(fake_slack, complete):
    return [(f["title"], fake_slack.uploads[f["id"]]) for f in complete.params["files"]]


def test_quality_view_with_kpis_and_two_png_charts(slack, fake_slack, world):
    answer = ask(slack, fake_slack, "calling quality")
    assert fields(answer) == {"Call legs with media figures": "50", "Poor-quality call legs": "4",
                              "Poor-quality share": "8.0%", "Customers with poor-quality calls": "1"}
    text = blocks_text(answer)
    assert "Week ending Nov 21, 2026" in text
    assert "jitter is above 150 ms, its latency above 400 ms or its packet loss above 5%" in text
    assert "Desk phone · Call legs with media figures: 40 · Poor-quality call legs: 4 · Poor-quality share: 10.0%" in text
    assert "*Globex* · Region: United States · Call legs with media figures: 40 · Poor-quality call legs: 4" in text
    [complete] = fake_slack.wait_for("files.completeUploadExternal")
    names = [c.params["filename"] for c in fake_slack.calls("files.getUploadURLExternal")]
    assert names == ["call-quality-trend.png", "call-quality-by-endpoint.png"]
    assert complete.params["channel_id"] == "D_FULL"  # private: the asker's DM (test_share.py)
    assert all(data.startswith(PNG) for _, data in _uploaded(fake_slack, complete))


def test_queues_view_and_its_csv_download(slack, fake_slack, world):
    answer = ask(slack, fake_slack, "calling queues")
    assert fields(answer) == {"Queue calls": "20", "Average answer time (s)": "30.0",
                              "Average wait before abandoning (s)": "60.0", "Abandoned-call rate": "25.0%"}
    fake_slack.wait_for("files.completeUploadExternal")  # the trend chart
    [csv_button] = [b for b in buttons(answer) if b["action_id"] == "ph_calling_csv"]
    assert json.loads(csv_button["value"]) == {"k": "queues", "r": None, "t": None}
    slack.action("ph_calling_csv", csv_button["value"], channel="C_REPORTS")
    complete = fake_slack.wait_for("files.completeUploadExternal", count=2)[1]
    assert complete.params["channel_id"] == "D_FULL"  # private: the asker's DM (test_share.py)
    [(title, data)] = _uploaded(fake_slack, complete)
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    assert rows[0][:6] == ["Customer", "Region", "Queue calls", "Answered", "Abandoned", "Abandoned rate (%)"]
    assert rows[1][:6] == ["Globex", "United States", "20", "15", "5", "25.0"]
    asked = fake_slack.calls("files.getUploadURLExternal")[-1]
    assert re.fullmatch(r"Call queue insights_[A-Za-z0-9]+_2026-11-25\.csv", asked.params["filename"])


def test_a_plain_admin_sees_only_assigned_customers_and_view_buttons_switch(slack, fake_slack, world):
    answer = ask(slack, fake_slack, "calling usage", user="U_ADMIN")
    assert fields(answer)["Calls placed by users"] == "5"  # Acme Corp only
    assert "*Acme Corp*" in blocks_text(answer) and "Globex" not in blocks_text(answer)
    [to_queues] = [b for b in buttons(answer) if b["action_id"].startswith("ph_calling_view")
                   and json.loads(b["value"])["k"] == "queues"]
    key = slack.action(to_queues["action_id"], to_queues["value"], user="U_FULL")
    switched = fake_slack.wait_for_response(key)
    assert switched["replace_original"] is True and "Call queue insights" in switched["text"]
    # Acme Corp is the plain admin's only customer: one region, so no region choice.
    assert not [b for b in buttons(answer) if b["text"]["text"].startswith("Only ")]


def test_region_choice_offered_when_calling_data_spans_regions(slack, fake_slack, world):
    answer = ask(slack, fake_slack, "calling usage")
    regions = [b for b in buttons(answer) if b["text"]["text"].startswith("Only ")]
    assert [b["text"]["text"] for b in regions] == ["Only United States", "Only European Union"]
    key = slack.action(regions[1]["action_id"], regions[1]["value"])
    only_eu = fake_slack.wait_for_response(key)
    assert fields(only_eu)["Calls placed by users"] == "5" and "Region: European Union" in blocks_text(only_eu)


def test_charts_that_cannot_be_posted_still_show_the_view(slack, fake_slack, world):
    fake_slack.fail_next("files.completeUploadExternal", status=200, error="not_in_channel")
    answer = ask(slack, fake_slack, "calling usage", channel="C_PRIVATE")
    assert fields(answer)["Calls placed by users"] == "45"
    assert "invite me to it" in blocks_text(answer)


def test_bad_calling_words_get_the_usage(slack, fake_slack, world):
    answer = ask(slack, fake_slack, "calling volume")
    assert "Usage: /partnerhub calling [usage|quality|features|queues]" in blocks_text(answer)


def test_report_call_usage_uploads_the_csv_and_offers_regions(slack, fake_slack, world):
    answer = ask(slack, fake_slack, "report call-usage", channel="C_REPORTS")
    [complete] = fake_slack.wait_for("files.completeUploadExternal")
    asked = fake_slack.calls("files.getUploadURLExternal")[0]
    assert re.fullmatch(r"Call Usage Details_[A-Za-z0-9]{10}_2026-11-25\.csv", asked.params["filename"])
    assert complete.params["channel_id"] == "D_FULL"  # private: the asker's DM (test_share.py)
    [(_, data)] = _uploaded(fake_slack, complete)
    assert data.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    assert rows[0][:4] == ["Customer Name", "Org ID", "Location", "Total Calls"]
    assert [r[:4] for r in rows[1:]] == [["Acme Corp", "org-acme", "HQ", "5"], ["Acme Labs", "org-labs", "HQ", "10"],
                                         ["Globex", "org-globex", "HQ", "30"]]
    text = blocks_text(answer)
    assert "Nov 15, 2026 to Nov 21, 2026" in text
    offers = [b for b in buttons(answer) if b["action_id"].startswith("ph_report_run")]
    assert [b["text"]["text"] for b in offers] == ["Only United States", "Only European Union"]
    slack.action(offers[1]["action_id"], offers[1]["value"], channel="C_REPORTS")
    second = fake_slack.wait_for("files.completeUploadExternal", count=2)[1]
    [(_, eu)] = _uploaded(fake_slack, second)
    assert [r[0] for r in csv.reader(io.StringIO(eu.decode("utf-8-sig")))] == ["Customer Name", "Acme Corp"]


def test_report_devices_with_date_range_is_refused_politely(slack, fake_slack, world):
    answer = ask(slack, fake_slack, "report devices 2026-11-01..2026-11-07")
    assert "point-in-time inventory" in blocks_text(answer)
    assert fake_slack.calls("files.getUploadURLExternal") == []


def test_report_devices_neutralises_formulas(slack, fake_slack, world):
    ask(slack, fake_slack, "report devices")
    [complete] = fake_slack.wait_for("files.completeUploadExternal")
    [(_, data)] = _uploaded(fake_slack, complete)
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    assert rows[1][10] == "'=cmd@acme.example"


def test_report_without_a_name_lists_reports_and_unknown_names_say_so(slack, fake_slack, world):
    listing = ask(slack, fake_slack, "report")
    assert [b["text"]["text"] for b in buttons(listing)] == ["Call Usage Details", "Devices", "Phone Numbers"]
    missing = ask(slack, fake_slack, "report faxes")
    assert "There is no report named faxes" in blocks_text(missing)


def test_custom_report_template_saved_run_and_deleted_in_slack(slack, fake_slack, world):
    refused = ask(slack, fake_slack, 'report save "Gold kit" devices columns:Customer,MAC', user="U_READ")
    assert "You need the full partner admin or partner admin role" in blocks_text(refused)
    saved = ask(slack, fake_slack, 'report save "Gold kit" devices columns:Customer,MAC', user="U_ADMIN")
    assert 'Saved the report template Gold kit: run it with /partnerhub report "Gold kit".' in blocks_text(saved)
    listing = ask(slack, fake_slack, "report")
    assert [b["text"]["text"] for b in buttons(listing)][-1] == "Gold kit"
    ask(slack, fake_slack, "report gold kit", channel="C_REPORTS")
    [complete] = fake_slack.wait_for("files.completeUploadExternal")
    assert fake_slack.calls("files.getUploadURLExternal")[0].params["filename"].startswith("Gold kit_")
    [(_, data)] = _uploaded(fake_slack, complete)
    assert list(csv.reader(io.StringIO(data.decode("utf-8-sig")))) == [["Customer", "MAC"],
                                                                     ["Acme Corp", "AABBCC000001"]]
    deleted = ask(slack, fake_slack, 'report delete "Gold kit"')
    assert "Deleted the report template Gold kit." in blocks_text(deleted)
    assert "There is no report named gold kit" in blocks_text(ask(slack, fake_slack, "report gold kit"))


def test_report_with_region_and_date_range_words(slack, fake_slack, world):
    answer = ask(slack, fake_slack, "report call-usage US 2026-11-16..2026-11-16")
    [complete] = fake_slack.wait_for("files.completeUploadExternal")
    [(_, data)] = _uploaded(fake_slack, complete)
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    assert [r[:4] for r in rows[1:]] == [["Globex", "org-globex", "HQ", "30"]]  # Labs' calls were on the 17th
    text = blocks_text(answer)
    assert "Nov 16, 2026 to Nov 16, 2026" in text and "Region: United States" in text
    assert not [b for b in buttons(answer) if b["action_id"].startswith("ph_report_run")]
    bad = ask(slack, fake_slack, "report call-usage 2026-11-20..2026-11-01")
    assert "The start date 2026-11-20 is after the end date 2026-11-01." in blocks_text(bad)


def test_quality_from_call_history_alone_is_unknown_with_a_footnote(slack, fake_slack, session, linked):
    # Rollups from the CDR feed carry no media figures, and no quality source could be read.
    from partnerhub_core import provenance
    from partnerhub_core.provenance import SourceFamily

    found = add_customers(session, linked)
    _rollup(session, found.globex, date(2026, 11, 16), "desk_phone", calls=30, legs=40, duration_s=2400)
    provenance.record_failure(session, partner_id=linked.partner_id, family=SourceFamily.CALL_QUALITY,
                              now=datetime(2026, 11, 25, 6, tzinfo=timezone.utc), error="quality not readable")
    session.commit()
    answer = ask(slack, fake_slack, "calling quality")
    assert fields(answer) == {"Call legs with media figures": "—", "Poor-quality call legs": "—",
                              "Poor-quality share": "—", "Customers with poor-quality calls": "—"}
    text = blocks_text(answer)
    assert "*Globex* · Region: United States · Call legs with media figures: — · Poor-quality call legs: — · " \
           "Poor-quality share: —" in text
    assert "Call quality known for 0 of 1 customers." in text
    assert "— Call quality: its last read failed (quality not readable)." in text
