"""/partnerhub audit over signed HTTP: role scoping, filters, the CSV in the asker's DM."""
from __future__ import annotations

import pytest

from tests.bot.feature_world import add_customers, blocks_text


@pytest.fixture
def world(session, linked):
    return add_customers(session, linked)


def ask(slack, fake_slack, text, user="U_FULL"):
    return fake_slack.wait_for_response(slack.command(text, user=user))


def events(message):
    return [line.split(" · ", 1)[1] for line in blocks_text(message).splitlines() if line.startswith("*20")]


@pytest.fixture
def changed(slack, fake_slack, world):
    assert "Created the tag" in blocks_text(ask(slack, fake_slack, "tags create Silver"))
    ask(slack, fake_slack, "tags add Gold Globex")
    ask(slack, fake_slack, "tags add Silver Acme Corp", user="U_ADMIN")


def test_full_admin_reads_every_change_newest_first(slack, fake_slack, changed):
    answer = ask(slack, fake_slack, "audit")
    assert events(answer) == [
        "U_ADMIN — put a tag on the customer · _Acme Corp_",
        "U_FULL — put a tag on the customer · _Globex_",
        "U_FULL — created a tag",
    ]
    text = blocks_text(answer)
    assert "Tags: Gold → Gold, Silver" in text and "Name: — → Silver" in text
    assert "your customers and your own changes" not in text
    [actions] = [b for b in answer["blocks"] if b["type"] == "actions"]
    assert [e["action_id"] for e in actions["elements"]] == ["ph_audit_file:csv", "ph_audit_file:xlsx"]


def test_other_roles_read_only_their_customers_and_own_changes(slack, fake_slack, changed):
    for user in ("U_SALES", "U_ADMIN"):
        answer = ask(slack, fake_slack, "audit", user=user)
        assert events(answer) == ["U_ADMIN — put a tag on the customer · _Acme Corp_"]
        assert "your customers and your own changes" in blocks_text(answer)
    assert "No audit events match." in blocks_text(ask(slack, fake_slack, "audit", user="U_READ"))


def test_filters_and_a_bad_date(slack, fake_slack, changed):
    answer = ask(slack, fake_slack, "audit globex")
    assert events(answer) == ["U_FULL — put a tag on the customer · _Globex_"]
    assert "Customer: Globex" in blocks_text(answer)
    assert len(events(ask(slack, fake_slack, "audit person:U_ADMIN"))) == 1
    assert events(ask(slack, fake_slack, "audit since:2999-01-01")) == []
    text = blocks_text(ask(slack, fake_slack, "audit since:yesterday"))
    assert "yesterday is not a date: write since:YYYY-MM-DD" in text


def test_download_csv_goes_to_the_askers_dm(slack, fake_slack, changed):
    slack.action("ph_audit_csv", "", channel="C_REPORTS")
    [complete] = fake_slack.wait_for("files.completeUploadExternal")
    assert complete.params["channel_id"] == "D_FULL"
    data = fake_slack.uploads[complete.params["files"][0]["id"]].decode("utf-8-sig").splitlines()
    assert data[0] == "When (UTC),Who,What,Customer,Change"
    assert [line.split(",")[1:4] for line in data[1:]] == [
        ["U_ADMIN", "put a tag on the customer", "Acme Corp"],
        ["U_FULL", "put a tag on the customer", "Globex"],
        ["U_FULL", "created a tag", "—"],
    ]
