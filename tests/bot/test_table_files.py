"""Download CSV / Download XLSX on every table answer (issue 17, item 8), over signed HTTP
through the Slack stand-in: the customer list (filters, a tag's customers), the partner
admins, calling quality by endpoint type, the audit trail. Files arrive only in the
asker's DM, with the whole table as the presser may see it; an empty table says "no rows"
and nothing is uploaded."""
from __future__ import annotations

import csv
import io
import json
from datetime import date

import pytest
from openpyxl import load_workbook

from partnerhub_core.calling import ROLLUP_SUMS
from partnerhub_core.models import CallRollup, PartnerAdmin
from partnerhub_core.timeutil import week_ending
from tests.bot.feature_world import add_customers, blocks_text, buttons
from tests.factories import make_customer


@pytest.fixture
def world(session, linked):
    return add_customers(session, linked)


def ask(slack, fake_slack, text, user="U_FULL", channel="C_GENERAL"):
    return fake_slack.wait_for_response(slack.command(text, user=user, channel=channel))


def file_buttons(message) -> dict[str, dict]:
    return {b["action_id"]: b for b in buttons(message) if b["action_id"].rsplit(":", 1)[-1] in ("csv", "xlsx")}


def press(slack, fake_slack, button, user="U_FULL", channel="C_GENERAL"):
    """Press a file button; the (filename, bytes, conversation) of the one file that arrives."""
    before = len(fake_slack.calls("files.completeUploadExternal"))
    slack.action(button["action_id"], button["value"], user=user, channel=channel)
    complete = fake_slack.wait_for("files.completeUploadExternal", count=before + 1)[before]
    [uploaded] = complete.params["files"]
    name = fake_slack.calls("files.getUploadURLExternal")[-1].params["filename"]
    return name, fake_slack.uploads[uploaded["id"]], complete.params["channel_id"]


def csv_rows(data: bytes) -> list[list[str]]:
    assert data.startswith("\ufeff".encode())
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))


def xlsx_rows(data: bytes):
    sheet = load_workbook(io.BytesIO(data)).active
    return sheet, [[c.value for c in row] for row in sheet.iter_rows()]


def test_customer_list_csv_and_xlsx_arrive_in_the_askers_dm_only(slack, fake_slack, world):
    answer = ask(slack, fake_slack, "customers")
    found = file_buttons(answer)
    assert list(found) == ["ph_customers_file:csv", "ph_customers_file:xlsx"]
    assert [b["text"]["text"] for b in found.values()] == ["Download CSV", "Download XLSX"]

    name, data, where = press(slack, fake_slack, found["ph_customers_file:csv"])
    assert where == "D_FULL" and name.startswith("Customers_") and name.endswith("_2026-11-25.csv")
    assert csv_rows(data) == [
        ["Customer", "Customer Org ID", "Region", "Statuses", "Products", "Tags", "Next end date"],
        ["Acme Corp", "org-acme", "European Union", "Active, No recent activity", "Meetings", "Gold", "2027-01-15"],
        ["Acme Labs", "org-labs", "United States", "Trial, Expiring soon, License overage, No recent activity",
         "Calling", "", "2026-12-05"],
        ["Globex", "org-globex", "United States", "Active, No recent activity", "Calling", "", "2027-02-01"],
    ]
    # The same statuses the answer shows for each customer.
    assert "Trial, Expiring soon, License overage, No recent activity" in blocks_text(answer)
    name, data, where = press(slack, fake_slack, found["ph_customers_file:xlsx"])
    assert where == "D_FULL" and name.endswith(".xlsx")
    sheet, rows = xlsx_rows(data)
    assert sheet.title == "Customers"
    assert rows[0][0] == "Customer" and [r[0] for r in rows[1:]] == ["Acme Corp", "Acme Labs", "Globex"]
    assert rows[1][6].date() == date(2027, 1, 15)  # a date cell, not text
    assert fake_slack.files_in("C_GENERAL") == []


def test_the_file_follows_the_filters_and_the_pressers_scope(slack, fake_slack, world):
    answer = ask(slack, fake_slack, "customers region:US")
    _, data, _ = press(slack, fake_slack, file_buttons(answer)["ph_customers_file:csv"])
    assert [r[0] for r in csv_rows(data)[1:]] == ["Acme Labs", "Globex"]
    # A sales admin sees only the customers assigned to them, in the list and in its file.
    answer = ask(slack, fake_slack, "customers", user="U_SALES")
    _, data, where = press(slack, fake_slack, file_buttons(answer)["ph_customers_file:csv"], user="U_SALES")
    assert where == "D_SALES" and [r[0] for r in csv_rows(data)[1:]] == ["Acme Corp"]


def test_a_tags_customers_as_a_file(slack, fake_slack, world):
    answer = ask(slack, fake_slack, "tags show Gold")
    name, data, where = press(slack, fake_slack, file_buttons(answer)["ph_customers_file:csv"])
    assert where == "D_FULL" and name.startswith("Customers tagged Gold_")
    assert [r[:2] for r in csv_rows(data)] == [["Customer", "Customer Org ID"], ["Acme Corp", "org-acme"]]


def test_every_page_goes_into_the_file(slack, fake_slack, session, linked, world):
    from partnerhub_core.models import Partner

    partner = session.get(Partner, linked.partner_id)
    for i in range(25):
        make_customer(session, partner, f"Zeta {i:02d}", org_id=f"org-zeta-{i}")
    session.commit()
    answer = ask(slack, fake_slack, "customers zeta")
    assert "Page 1 of 2" in blocks_text(answer)
    _, data, _ = press(slack, fake_slack, file_buttons(answer)["ph_customers_file:csv"])
    assert [r[0] for r in csv_rows(data)[1:]] == [f"Zeta {i:02d}" for i in range(25)]


def test_empty_list_offers_no_file_and_a_stale_button_says_no_rows(slack, fake_slack, world):
    answer = ask(slack, fake_slack, "customers nobody-is-called-this")
    assert "No customer matches." in blocks_text(answer)
    assert file_buttons(answer) == {}
    key = slack.action("ph_customers_file:xlsx", json.dumps({"f": {"search": "nobody-is-called-this"}}))
    assert blocks_text(fake_slack.wait_for_response(key)).startswith("Customers: no rows, so no file.")
    assert fake_slack.calls("files.getUploadURLExternal") == []
    assert fake_slack.calls("files.completeUploadExternal") == []


def test_a_forged_format_or_filter_runs_nothing(slack, fake_slack, world):
    key = slack.action("ph_customers_file:pdf", json.dumps({"f": {}}))
    fake_slack.wait_for(lambda r: r.path == f"/response/{key}" or r.api == "files.getUploadURLExternal")
    key = slack.action("ph_customers_file:csv", json.dumps({"f": "x"}))
    assert "out of date" in blocks_text(fake_slack.wait_for_response(key))
    assert fake_slack.calls("files.getUploadURLExternal") == []


def test_formula_text_is_neutralised_and_numbers_stay_numbers(slack, fake_slack, session, linked, world):
    from partnerhub_core.models import Partner

    make_customer(session, session.get(Partner, linked.partner_id), '=HYPERLINK("http://x","y")',
                  org_id="+97123739364")
    session.commit()
    answer = ask(slack, fake_slack, "customers hyperlink")
    _, data, _ = press(slack, fake_slack, file_buttons(answer)["ph_customers_file:csv"])
    assert csv_rows(data)[1][:2] == ["'=HYPERLINK(\"http://x\",\"y\")", "+97123739364"]
    _, data, _ = press(slack, fake_slack, file_buttons(answer)["ph_customers_file:xlsx"])
    sheet, rows = xlsx_rows(data)
    formula, phone = sheet["A2"], sheet["B2"]
    assert formula.value == '=HYPERLINK("http://x","y")' and formula.data_type == "s" and formula.quotePrefix
    assert phone.value == "+97123739364" and phone.data_type == "s" and not phone.quotePrefix


def test_admins_list_as_csv_and_xlsx(slack, fake_slack, world):
    answer = ask(slack, fake_slack, "admins")
    found = file_buttons(answer)
    assert list(found) == ["ph_admins_file:csv", "ph_admins_file:xlsx"]
    name, data, where = press(slack, fake_slack, found["ph_admins_file:csv"], user="U_READ")
    assert where == "D_READ" and name.startswith("Partner admins_")
    assert csv_rows(data) == [
        ["Name", "Email", "Role", "All customers", "Assigned customers"],
        ["U_FULL", "u_full@t001.example", "full partner admin", "Yes", "0"],
        ["U_ADMIN", "u_admin@t001.example", "partner admin", "No", "1"],
        ["U_SALES", "u_sales@t001.example", "sales admin", "No", "1"],
        ["U_READ", "u_read@t001.example", "read-only partner admin", "No", "0"],
    ]
    _, data, _ = press(slack, fake_slack, found["ph_admins_file:xlsx"])
    sheet, rows = xlsx_rows(data)
    assert [r[4] for r in rows] == ["Assigned customers", 0, 1, 1, 0]
    assert sheet["E3"].data_type == "n"  # a number cell


def test_files_speak_the_persons_language(slack, fake_slack, session, linked, world):
    admin = session.get(PartnerAdmin, linked.admins["U_FULL"])
    admin.language = "pt_BR"
    session.commit()
    answer = ask(slack, fake_slack, "admins")
    found = file_buttons(answer)
    assert [b["text"]["text"] for b in found.values()] == ["Baixar CSV", "Baixar XLSX"]
    _, data, _ = press(slack, fake_slack, found["ph_admins_file:csv"])
    rows = csv_rows(data)
    assert rows[0] == ["Nome", "E-mail", "Função", "Todos os clientes", "Clientes designados"]
    assert rows[1][3] == "Sim" and rows[3][3] == "Não"
    answer = ask(slack, fake_slack, "customers region:EU")
    _, data, _ = press(slack, fake_slack, file_buttons(answer)["ph_customers_file:xlsx"])
    sheet, rows = xlsx_rows(data)
    assert rows[0][:3] == ["Cliente", "ID da organização do cliente", "Região"]
    assert rows[1][:3] == ["Acme Corp", "org-acme", "União Europeia"]


def _rollup(session, customer, day, endpoint, **sums):
    row = CallRollup(partner_id=customer.partner_id, customer_id=customer.id, day=day, week_ending=week_ending(day),
                     location_id="loc-1", location_name="HQ", endpoint_type=endpoint,
                     **{k: 0 for k in ROLLUP_SUMS})
    for k, v in sums.items():
        setattr(row, k, v)
    session.add(row)


def test_calling_quality_by_endpoint_type_as_a_file(slack, fake_slack, session, world):
    _rollup(session, world.globex, date(2026, 11, 16), "desk_phone", calls=30, legs=40, legs_with_media=40,
            poor_legs=4)
    _rollup(session, world.labs, date(2026, 11, 17), "room_device", calls=10, legs=10, legs_with_media=10)
    session.commit()
    answer = ask(slack, fake_slack, "calling quality")
    found = file_buttons(answer)
    assert "ph_calling_endpoints_file:csv" in found and "ph_calling_endpoints_file:xlsx" in found
    assert found["ph_calling_endpoints_file:csv"]["text"]["text"] == "Endpoint types CSV"
    fake_slack.wait_for("files.completeUploadExternal")  # the charts, first
    name, data, where = press(slack, fake_slack, found["ph_calling_endpoints_file:csv"])
    assert where == "D_FULL" and name.startswith("Call quality by endpoint type_")
    rows = csv_rows(data)
    assert rows[0] == ["Endpoint type", "Call legs with media figures", "Poor-quality call legs", "Poor-quality share (%)"]
    by_type = {r[0]: r[1:] for r in rows[1:] if r}
    assert by_type["Desk phone"] == ["40", "4", "10.0"]
    assert by_type["Room device"] == ["10", "0", "0.0"]
    _, data, _ = press(slack, fake_slack, found["ph_calling_endpoints_file:xlsx"])
    _, rows = xlsx_rows(data)
    by_type = {r[0]: r[1:] for r in rows[1:] if r[0]}
    assert by_type["Desk phone"] == [40, 4, 10.0]
    # Usage has no endpoint table: no such buttons.
    assert not any(a.startswith("ph_calling_endpoints_file") for a in file_buttons(ask(slack, fake_slack, "calling")))


def test_audit_trail_as_xlsx_and_empty_says_no_rows(slack, fake_slack, world):
    ask(slack, fake_slack, "tags add Gold Globex")
    answer = ask(slack, fake_slack, "audit")
    found = file_buttons(answer)
    assert list(found) == ["ph_audit_file:csv", "ph_audit_file:xlsx"]
    name, data, where = press(slack, fake_slack, found["ph_audit_file:xlsx"])
    assert where == "D_FULL" and name.startswith("Audit trail_") and name.endswith(".xlsx")
    _, rows = xlsx_rows(data)
    assert rows[0] == ["When (UTC)", "Who", "What", "Customer", "Change"]
    assert rows[1][1:4] == ["U_FULL", "put a tag on the customer", "Globex"]
    uploads = len(fake_slack.calls("files.getUploadURLExternal"))
    key = slack.action("ph_audit_file:csv", "since:2999-01-01")
    assert blocks_text(fake_slack.wait_for_response(key)).startswith("Audit trail: no rows, so no file.")
    assert len(fake_slack.calls("files.getUploadURLExternal")) == uploads


def test_a_shared_list_still_sends_each_presser_their_own_file_privately(slack, fake_slack, world):
    answer = ask(slack, fake_slack, "customers")
    [share] = [b for b in buttons(answer) if b["action_id"] == "ph_share"]
    shared = fake_slack.wait_for_response(slack.action("ph_share", share["value"]))
    assert shared["response_type"] == "in_channel"
    csv_button = file_buttons(shared)["ph_customers_file:csv"]
    # Someone else in the channel presses the shared message's button: their DM, their customers.
    key = slack.action(csv_button["action_id"], csv_button["value"], user="U_SALES")
    complete = fake_slack.wait_for("files.completeUploadExternal")[0]
    assert complete.params["channel_id"] == "D_SALES"
    [f] = complete.params["files"]
    assert [r[0] for r in csv_rows(fake_slack.uploads[f["id"]])[1:]] == ["Acme Corp"]
    assert "I sent the files to our direct message, so only you see them." in blocks_text(
        fake_slack.wait_for_response(key))
    assert fake_slack.files_in("C_GENERAL") == []


def test_endpoint_types_speak_the_persons_language_in_the_answer_and_the_file(slack, fake_slack, session, linked,
                                                                               world):
    _rollup(session, world.globex, date(2026, 11, 16), "desk_phone", calls=30, legs=40, legs_with_media=40,
            poor_legs=4)
    session.get(PartnerAdmin, linked.admins["U_FULL"]).language = "es"
    session.commit()
    answer = ask(slack, fake_slack, "calling quality")
    assert "Teléfono de escritorio · " in blocks_text(answer)
    button = file_buttons(answer)["ph_calling_endpoints_file:csv"]
    assert button["text"]["text"] == "CSV de tipos de punto final"
    fake_slack.wait_for("files.completeUploadExternal")  # the charts, first
    name, data, _ = press(slack, fake_slack, button)
    assert name.endswith(".csv") and "por tipo de punto final_" in name
    rows = csv_rows(data)
    assert rows[0][0] == "Tipo de punto final"
    assert ["Teléfono de escritorio", "40", "4"] in [r[:3] for r in rows]


def test_an_empty_calling_table_says_no_rows_and_uploads_nothing(slack, fake_slack, world):
    answer = ask(slack, fake_slack, "calling queues")  # no calling data at all
    [csv_button] = [b for b in buttons(answer) if b["action_id"] == "ph_calling_csv"]
    assert not any(a.startswith("ph_calling_endpoints_file") for a in file_buttons(answer))
    key = slack.action(csv_button["action_id"], csv_button["value"])
    assert blocks_text(fake_slack.wait_for_response(key)).startswith("Call queue insights: no rows, so no file.")
    assert [c.params["filename"] for c in fake_slack.calls("files.getUploadURLExternal")] == ["call-queues-trend.png"]


def test_analytics_and_calling_sections_offer_xlsx_beside_csv(slack, fake_slack, session, world):
    answer = ask(slack, fake_slack, "expiring calling")
    ids = [b["action_id"] for b in buttons(answer)]
    assert ids[:2] == ["ph_analytics_csv", "ph_analytics_xlsx"]
    [xlsx_button] = [b for b in buttons(answer) if b["action_id"] == "ph_analytics_xlsx"]
    assert xlsx_button["text"]["text"] == "Download XLSX"
    name, data, where = press(slack, fake_slack, xlsx_button)
    assert where == "D_FULL" and name.startswith("Expiring in the next 90 days_") and name.endswith(".xlsx")
    sheet, rows = xlsx_rows(data)
    assert rows[0][:3] == ["Customer", "Subscription ID", "Days until expiry"]
    assert [r[:3] for r in rows[1:3]] == [["Acme Labs", "TRIAL-LABS", 10], ["Globex", "SUB-GLOBEX", 68]]
    assert sheet["C2"].data_type == "n"

    _rollup(session, world.globex, date(2026, 11, 16), "desk_phone", calls=30, legs=40, queue_calls=20,
            queue_answered=15, queue_abandoned=5, queue_answer_wait_s=450.0, queue_abandon_wait_s=300.0)
    session.commit()
    answer = ask(slack, fake_slack, "calling queues")
    fake_slack.wait_for("files.completeUploadExternal", count=2)  # the xlsx above, then the trend chart
    [xlsx_button] = [b for b in buttons(answer) if b["action_id"] == "ph_calling_xlsx"]
    name, data, where = press(slack, fake_slack, xlsx_button)
    assert where == "D_FULL" and name.startswith("Call queue insights_") and name.endswith(".xlsx")
    _, rows = xlsx_rows(data)
    assert rows[0][:6] == ["Customer", "Region", "Queue calls", "Answered", "Abandoned", "Abandoned rate (%)"]
    assert rows[1][:6] == ["Globex", "United States", 20, 15, 5, 25.0]


def test_an_empty_report_says_no_rows_and_uploads_nothing(slack, fake_slack, world):
    answer = ask(slack, fake_slack, "report numbers")  # no phone numbers synced
    assert blocks_text(answer).startswith("Phone Numbers: no rows, so no file.")
    assert fake_slack.calls("files.getUploadURLExternal") == []
    assert fake_slack.calls("files.completeUploadExternal") == []
