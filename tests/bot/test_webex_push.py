"""Tag and partner admin changes made in Slack reach Webex right after the commit.

Slack requests go over signed HTTP to the app (Slack stand-in), the app speaks to the
local Webex stand-in; assertions are on what each stand-in received and on the database.
"""
from __future__ import annotations

import logging
from datetime import datetime, timezone
from functools import partial

import pytest
from pydantic import SecretStr
from sqlmodel import select

from partnerhub_core.db import session_scope
from partnerhub_core.models import CustomerAdmin, CustomerTag, PartnerAdmin, SyncState, Tag
from partnerhub_core.sources import sync
from tests.bot.feature_world import add_customers, blocks_text
from tests.fakes.webex import FakeWebex

TOKEN = "wx-token-push"
NOW = datetime(2026, 11, 25, 12, 0, tzinfo=timezone.utc)
NOT_PUSHED = "Saved here, but Webex could not be updated just now"


@pytest.fixture
def wx():
    with FakeWebex(token=TOKEN) as fake:
        for org, name in (("org-acme", "Acme Corp"), ("org-labs", "Acme Labs"), ("org-globex", "Globex")):
            fake.add_org(org, name)
        fake.org_tags["org-acme"] = [{"name": "Gold", "description": ""}]
        yield fake


@pytest.fixture
def bot_settings(bot_settings, wx):
    # The app of these tests has a Webex connection (PARTNERHUB_WEBEX_TOKEN); quick retries.
    return bot_settings.model_copy(update=dict(
        webex_api_url=wx.url, webex_token=SecretStr(TOKEN), webex_backoff_s=0.001,
        webex_max_retries=1, webex_retry_after_default_s=0.001, webex_concurrency=2,
    ))


@pytest.fixture
def world(session, linked):
    return add_customers(session, linked)


def ask(slack, fake_slack, text, user="U_FULL"):
    return blocks_text(fake_slack.wait_for_response(slack.command(text, user=user)))


def posted_tags(wx):
    """{org: tags sent} of every assignTags call, in order of arrival."""
    return [(r.path.split("/")[-2], r.body["tags"]) for r in wx.calls("/assignTags", method="POST")]


def test_adding_and_removing_a_tag_sends_the_customers_whole_list(slack, fake_slack, wx, world):
    ask(slack, fake_slack, 'tags create Silver "second tier"')
    assert wx.calls("/assignTags") == []  # a tag on nobody changes nothing in Webex
    text = ask(slack, fake_slack, "tags add Silver acme corp")
    assert "Tagged Acme Corp with “Silver”." in text and NOT_PUSHED not in text
    [post] = wx.calls("/assignTags", method="POST")
    assert post.path == "/v1/partner/tags/organizations/org-acme/assignTags"
    assert post.body == {"tags": [{"name": "Gold", "description": ""},
                                  {"name": "Silver", "description": "second tier"}]}
    assert post.headers["Authorization"] == f"Bearer {TOKEN}"
    ask(slack, fake_slack, "tags remove gold org-acme")
    assert posted_tags(wx)[-1] == ("org-acme", [{"name": "Silver", "description": "second tier"}])
    assert wx.org_tags["org-acme"] == [{"name": "Silver", "description": "second tier"}]


def test_renaming_or_deleting_a_tag_pushes_every_customer_that_has_it(slack, fake_slack, session, wx, world):
    ask(slack, fake_slack, "tags add Gold Globex")
    ask(slack, fake_slack, "tags add Gold acme labs")
    assert len(wx.calls("/assignTags")) == 2
    text = ask(slack, fake_slack, "tags rename Gold Platinum")
    assert "Renamed the tag “Gold” to “Platinum”." in text and NOT_PUSHED not in text
    platinum = [{"name": "Platinum", "description": ""}]
    assert sorted(posted_tags(wx)[2:]) == [("org-acme", platinum), ("org-globex", platinum),
                                           ("org-labs", platinum)]
    text = ask(slack, fake_slack, "tags delete platinum")
    assert "Deleted the tag “Platinum”; 3 customers no longer have it." in text
    assert sorted(posted_tags(wx)[5:]) == [("org-acme", []), ("org-globex", []), ("org-labs", [])]
    assert {org: wx.org_tags[org] for org in ("org-acme", "org-globex", "org-labs")} == {
        "org-acme": [], "org-globex": [], "org-labs": []}


def test_webex_down_keeps_the_change_says_so_and_the_next_sync_pushes_it(
        slack, fake_slack, session, engine, bot_settings, wx, world, linked, caplog):
    ask(slack, fake_slack, "tags create Silver")
    wx.fail_next(503, path_contains="assignTags", times=2)  # the call and its one retry
    with caplog.at_level(logging.WARNING, logger="partnerhub_core.sources.push"):
        text = ask(slack, fake_slack, "tags add Silver Globex")
    assert "Tagged Globex with “Silver”." in text
    assert ("Saved here, but Webex could not be updated just now (1 customers); the next sync will send it."
            in text)
    [failed] = [r for r in caplog.records if r.getMessage() == "webex_push_failed"]
    assert (failed.org, failed.what) == ("org-globex", "tags")
    assert failed.tracking_id and failed.tracking_id in failed.error
    assert wx.org_tags.get("org-globex") is None  # Webex never got it...
    silver = session.exec(select(Tag).where(Tag.name == "Silver")).one()
    assert session.get(CustomerTag, (world.globex.id, silver.id)) is not None  # ...we kept it
    report = sync.sync_partner(session_factory=partial(session_scope, engine), partner_id=linked.partner_id,
                               settings=bot_settings, now=NOW, parts=["organizations", "tags"])
    assert report.ok
    assert posted_tags(wx)[-1] == ("org-globex", [{"name": "Silver", "description": ""}])
    assert wx.org_tags["org-globex"] == [{"name": "Silver", "description": ""}]
    session.expire_all()
    assert session.get(CustomerTag, (world.globex.id, silver.id)) is not None


def test_assign_and_unassign_reach_webex(slack, fake_slack, session, wx, world, linked):
    person = session.get(PartnerAdmin, linked.admins["U_READ"])
    person.webex_person_id = "P-READ"
    session.commit()
    text = ask(slack, fake_slack, "admins assign <@U_READ> Globex")
    assert "Assigned U_READ to Globex." in text and NOT_PUSHED not in text
    ask(slack, fake_slack, "admins unassign <@U_READ> Globex")
    assert [(r.method, r.path) for r in wx.calls("/partnerAdmin/")] == [
        ("POST", "/v1/partner/organizations/org-globex/partnerAdmin/P-READ/assign"),
        ("DELETE", "/v1/partner/organizations/org-globex/partnerAdmin/P-READ/unassign"),
    ]
    assert wx.admins["org-globex"] == []


def test_an_assignment_webex_missed_is_kept_and_sent_by_the_next_sync(
        slack, fake_slack, session, engine, bot_settings, wx, world, linked):
    person = session.get(PartnerAdmin, linked.admins["U_READ"])
    person.webex_person_id = "P-READ"
    session.commit()
    wx.fail_next(500, path_contains="/partnerAdmin/", times=2)
    text = ask(slack, fake_slack, "admins assign <@U_READ> Globex")
    assert "Assigned U_READ to Globex." in text
    assert "Saved here, but Webex could not be updated just now; the next sync will send it." in text
    session.expire_all()
    assert session.get(CustomerAdmin, (world.globex.id, person.id)) is not None
    sync.sync_partner(session_factory=partial(session_scope, engine), partner_id=linked.partner_id,
                      settings=bot_settings, now=NOW, parts=["organizations", "admins"])
    assert [a["id"] for a in wx.admins["org-globex"]] == ["P-READ"]
    session.expire_all()
    assert session.get(CustomerAdmin, (world.globex.id, person.id)) is not None  # survived the listing
    row = session.exec(select(SyncState).where(SyncState.part == "admins", SyncState.org_id == "org-globex")).one()
    assert row.cursor == ""


def test_an_admin_webex_does_not_know_is_saved_here_with_the_reason(slack, fake_slack, session, wx, world):
    text = ask(slack, fake_slack, "admins assign <@U_READ> Globex")
    assert "Assigned U_READ to Globex." in text
    assert "Saved here only: U_READ has no Webex person id yet; run a sync first." in text
    assert wx.calls("/partnerAdmin/") == []


def test_a_refused_change_pushes_nothing(slack, fake_slack, wx, world):
    text = ask(slack, fake_slack, "tags add Gold acme corp")  # already there: Conflict, rolled back
    assert "Acme Corp already has the tag “Gold”." in text
    assert wx.calls("/assignTags") == []


def test_the_cli_pushes_its_tag_changes_too(engine, session, linked, world, wx, db_url):
    from typer.testing import CliRunner

    from bot.cli import app

    env = {"PARTNERHUB_DATABASE_URL": db_url, "PARTNERHUB_AS_OF": "2026-11-25",
           "PARTNERHUB_WEBEX_TOKEN": TOKEN, "PARTNERHUB_WEBEX_API_URL": wx.url,
           "PARTNERHUB_WEBEX_MAX_RETRIES": "1", "PARTNERHUB_WEBEX_BACKOFF_S": "0.001"}
    partner = ["--partner", str(linked.partner_id)]
    done = CliRunner().invoke(app, ["tags", "add", "Gold", "org-globex", *partner], env=env)
    assert done.exit_code == 0, done.output
    assert done.stdout == "tagged Globex (org-globex): Gold\nsent to Webex: 1 customer(s)\n"
    assert posted_tags(wx) == [("org-globex", [{"name": "Gold", "description": ""}])]
    wx.fail_next(503, path_contains="assignTags", times=4)
    done = CliRunner().invoke(app, ["tags", "rename", "Gold", "Platinum", *partner], env=env)
    assert done.exit_code == 0, done.output
    assert done.stdout == "renamed to Platinum\n"
    assert done.stderr == ("saved here, but Webex could not be updated just now for 2 customer(s); "
                           "the next sync will send it\n")
    session.expire_all()
    assert session.exec(select(Tag.name)).all() == ["Platinum"]
    rows = session.exec(select(SyncState.org_id, SyncState.cursor).where(SyncState.part == "tags")).all()
    assert sorted(rows) == [("org-acme", '{"pending": true}'), ("org-globex", '{"pending": true}')]
