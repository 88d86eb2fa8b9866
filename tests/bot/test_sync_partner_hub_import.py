"""A file downloaded from Partner Hub, shared with the bot through the sync import form:
its kind read from the header row, all or nothing."""
from __future__ import annotations

import json
from pathlib import Path

from sqlmodel import select

from partnerhub_core.models import AuditEvent, Customer, PhoneNumber
from tests.bot.feature_world import blocks_text
from tests.bot.test_sync import FileHost, file_host  # noqa: F401  (the fixture)

EXAMPLES = Path(__file__).resolve().parents[2] / "docs" / "examples"


def upload(slack, host: FileHost, name: str):
    values = {"ph_sync_import_file": {"file": {"type": "file_input", "files": [
        {"id": "F1", "name": name, "size": len(host.data), "url_private_download": host.url}]}}}
    return slack.view_submission("ph_sync_import", values, user="U_FULL",
                                 private_metadata=json.dumps({"channel": "C_OPS"}))


def test_a_customer_list_then_a_numbers_report_shared_with_the_bot(slack, fake_slack, session, linked, file_host):
    host = file_host((EXAMPLES / "partner-hub-customers.csv").read_bytes())
    assert upload(slack, host, "customers.csv").status_code == 200
    [said] = fake_slack.wait_for("chat.postEphemeral")
    assert "2 rows of customers.csv (customer list): 2 customers, 2 new and 0 updated; 0 devices or numbers." \
        in said.params["text"]
    host = file_host((EXAMPLES / "partner-hub-numbers.csv").read_bytes())
    upload(slack, host, "numbers.csv")
    said = fake_slack.wait_for("chat.postEphemeral", count=2)[-1]
    assert "4 rows of numbers.csv (phone numbers report): 2 customers, 0 new and 0 updated; 4 devices or numbers." \
        in said.params["text"]
    session.expire_all()
    mine = {c.org_id for c in session.exec(select(Customer).where(Customer.partner_id == linked.partner_id))}
    assert {"org-acme", "org-bravo"} <= mine
    assert sorted(n.number_key for n in session.exec(select(PhoneNumber))) == [
        "+12125550100", "+551130000001", "+551130000002", "loc-sp/1099"]
    actions = [a.action for a in session.exec(select(AuditEvent).where(AuditEvent.actor == "slack:U_FULL"))]
    assert actions == ["partner_hub_export.import", "partner_hub_export.import"]


def test_a_bad_row_is_listed_by_line_and_an_odd_header_named(slack, fake_slack, session, linked, file_host):
    host = file_host(b"Customer,Customer Org ID,Product,MAC\nNobody,org-nobody,Cisco 8845,001A2B3C4D5E\n")
    upload(slack, host, "devices.csv")
    [said] = fake_slack.wait_for("chat.postEphemeral")
    text = blocks_text(said.params)
    assert "1 of 1 rows of devices.csv are wrong, so nothing was imported:" in text
    assert "line 2: customer org-nobody is not known to partnerhub" in text
    host = file_host(b"Name,Amount\nx,1\n")
    upload(slack, host, "sales.csv")
    said = fake_slack.wait_for("chat.postEphemeral", count=2)[-1]
    assert ("its header row matches none of the kinds it knows (customer list, devices report, phone numbers "
            "report, subscriptions)") in blocks_text(said.params)
