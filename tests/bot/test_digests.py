"""/partnerhub digest … and schedule …, and the alert menu, over real signed HTTP."""
from __future__ import annotations

import json

import pytest
from sqlmodel import select

from bot.ids import ActionId, BlockId, CallbackId
from partnerhub_core import alerts
from partnerhub_core.models import AlertState, AuditEvent, Delivery, DigestSnapshot, Schedule
from partnerhub_core.settings import Settings
from tests.bot.conftest import AS_OF
from tests.bot.feature_world import add_customers, blocks_text


@pytest.fixture
def world(session, linked):
    return add_customers(session, linked)


def ask(slack, fake_slack, text, user="U_FULL", channel="C_GENERAL"):
    return fake_slack.wait_for_response(slack.command(text, user=user, channel=channel))


def test_partner_admin_subscribes_a_channel_with_options(slack, fake_slack, session, world):
    answer = ask(slack, fake_slack, "digest subscribe <#C_DIGEST|digest> at:08:30 tz:America/Sao_Paulo "
                                    "alerts:expiring,overage region:EU", user="U_ADMIN")
    text = blocks_text(answer)
    assert "gets the digest weekly on Monday at 08:30 (America/Sao_Paulo)" in text
    assert "Next: 2026-11-30 08:30 (America/Sao_Paulo)." in text
    sched = session.exec(select(Schedule)).one()
    assert (sched.target_id, sched.alerts, sched.region, sched.hour, sched.minute, sched.created_by) == (
        "C_DIGEST", ["expiring", "overage"], "EU", 8, 30, "slack:U_ADMIN")
    assert session.exec(select(AuditEvent.action)).all() == ["digest.subscribe"]
    listing = blocks_text(ask(slack, fake_slack, "digest list", user="U_READ"))
    assert "C_DIGEST" in listing and "expiring, overage" in listing


def test_time_zone_defaults_to_the_callers_slack_time_zone(slack, fake_slack, session, world):
    ask(slack, fake_slack, "digest subscribe", channel="C_HERE")  # the stand-in's users are in São Paulo
    sched = session.exec(select(Schedule)).one()
    assert (sched.target_id, sched.timezone, sched.weekday, sched.hour) == ("C_HERE", "America/Sao_Paulo", 0, 9)


@pytest.mark.parametrize("user", ["U_READ", "U_SALES"])
def test_only_full_and_partner_admins_change_schedules(slack, fake_slack, session, world, user):
    for text in ("digest subscribe <#C_DIGEST>", "schedule report devices me", "digest send-now <#C_DIGEST>"):
        answer = ask(slack, fake_slack, text, user=user)
        assert "You need the full partner admin or partner admin role to do this" in blocks_text(answer)
    assert session.exec(select(Schedule)).all() == []


def test_bad_options_get_a_clear_message(slack, fake_slack, world):
    assert "Unknown time zone Mars/Base" in blocks_text(ask(slack, fake_slack, "digest subscribe tz:Mars/Base"))
    assert "Unknown alert weather" in blocks_text(ask(slack, fake_slack, "digest subscribe alerts:weather"))
    assert "Usage: /partnerhub digest" in blocks_text(ask(slack, fake_slack, "digest"))


def test_preview_shows_only_the_callers_customers_and_no_action_menu(slack, fake_slack, session, world):
    ask(slack, fake_slack, "digest subscribe <#C_DIGEST>")
    full = ask(slack, fake_slack, "digest preview <#C_DIGEST>")
    assert full["response_type"] == "ephemeral"
    text = blocks_text(full)
    assert "Preview" in text and "Acme Labs" in text and "TRIAL-LABS" in text
    assert "overflow" not in json.dumps(full["blocks"])
    # U_ADMIN is assigned Acme Corp only: Acme Labs' alerts are not theirs to see
    assert "Acme Labs" not in blocks_text(ask(slack, fake_slack, "digest preview <#C_DIGEST>", user="U_ADMIN"))
    assert fake_slack.calls("chat.postMessage") == []


def test_send_now_posts_to_the_channel_with_the_csvs_and_keeps_the_weekly_base(slack, fake_slack, session, world):
    ask(slack, fake_slack, "digest subscribe <#C_DIGEST> alerts:expiring,overage")
    answer = ask(slack, fake_slack, "digest send-now <#C_DIGEST>")
    assert "Posted the digest to" in blocks_text(answer)
    (post,) = fake_slack.calls("chat.postMessage")
    assert post.params["channel"] == "C_DIGEST"
    assert "Acme Labs" in json.dumps(post.params["blocks"])
    uploads = fake_slack.calls("files.completeUploadExternal")
    # expiring + overage CSVs, and the licence trend chart of each product
    assert len(uploads) == 4
    assert [u.params["files"][0]["title"] for u in uploads][2:] == ["Meetings: licenses per week",
                                                                   "Calling: licenses per week"]
    session.expire_all()
    (d,) = session.exec(select(Delivery)).all()
    assert d.status == "posted" and d.period.startswith("m")
    assert session.exec(select(DigestSnapshot)).all() == []  # send-now does not move the comparison base


def _labs_fingerprint(session, world, kind):
    digest = alerts.build_digest(session=session, partner_id=world.acme.partner_id, as_of=AS_OF,
                                 settings=Settings(),
                                 alerts=[kind])
    return next(r.fingerprint for r in digest.alerts[0].rows if r.customer == "Acme Labs")


def test_acknowledge_from_the_alert_menu(slack, fake_slack, session, world):
    fp = _labs_fingerprint(session, world, "overage")
    key = slack.action(f"{ActionId.ALERT_MENU}:overage:1", selected=f"ack|overage|{world.labs.id}|{fp}")
    assert "Acknowledged" in blocks_text(fake_slack.wait_for_response(key))
    session.expire_all()
    state = session.exec(select(AlertState)).one()
    assert (state.kind, state.customer_id, state.muted_fingerprint) == ("overage", world.labs.id, fp)
    assert session.exec(select(AuditEvent.actor).where(AuditEvent.action == "alert.acknowledge")).all() == [
        "slack:U_FULL"]


def test_snooze_opens_a_date_picker_and_saves_the_day(slack, fake_slack, session, world):
    fp = _labs_fingerprint(session, world, "expiring")
    slack.action(f"{ActionId.ALERT_MENU}:expiring:1", selected=f"snooze|expiring|{world.labs.id}|{fp}")
    (opened,) = fake_slack.wait_for("views.open")
    view = opened.params["view"]
    assert view["callback_id"] == CallbackId.ALERT_SNOOZE
    assert view["blocks"][0]["element"]["initial_date"] == "2026-12-02"
    response = slack.view_submission(
        CallbackId.ALERT_SNOOZE,
        {BlockId.ALERT_SNOOZE_UNTIL: {"until": {"type": "datepicker", "selected_date": "2026-12-01"}}},
        private_metadata=view["private_metadata"])
    assert response.status_code == 200
    fake_slack.wait_for(lambda r: r.api == "chat.postEphemeral" and "Snoozed until 2026-12-01" in json.dumps(r.params))
    session.expire_all()
    state = session.exec(select(AlertState)).one()
    assert (state.snoozed_until.isoformat(), state.muted_fingerprint) == ("2026-12-01", fp)


def test_assign_an_owner_with_the_user_picker(slack, fake_slack, session, world):
    slack.action(f"{ActionId.ALERT_MENU}:overage:1", selected=f"owner|overage|{world.labs.id}|abc")
    (opened,) = fake_slack.wait_for("views.open")
    slack.view_submission(
        CallbackId.ALERT_OWNER,
        {BlockId.ALERT_OWNER_USER: {"owner": {"type": "users_select", "selected_user": "U_SALES"}}},
        private_metadata=opened.params["view"]["private_metadata"])
    fake_slack.wait_for(lambda r: r.api == "chat.postEphemeral" and "follows this alert up" in json.dumps(r.params))
    session.expire_all()
    assert session.exec(select(AlertState.owner_slack_user_id)).one() == "U_SALES"


def test_schedule_a_report_to_me_list_and_delete_it(slack, fake_slack, session, world):
    answer = ask(slack, fake_slack, "schedule report devices me monthly on:31 at:06:00 tz:Europe/Madrid")
    assert "Report devices goes to" in blocks_text(answer)
    sched = session.exec(select(Schedule)).one()
    assert (sched.kind, sched.target_type, sched.target_id, sched.day_of_month) == ("report", "dm", "U_FULL", 31)
    assert "Report devices" in blocks_text(ask(slack, fake_slack, "schedule list"))
    assert "There is no report named weather" in blocks_text(ask(slack, fake_slack, "schedule report weather"))
    assert f"Deleted schedule {sched.id}." in blocks_text(ask(slack, fake_slack, f"schedule delete {sched.id}"))
    session.expire_all()
    assert session.exec(select(Schedule)).all() == []


def test_report_scheduled_from_a_dm_comes_back_to_the_dm(slack, fake_slack, session, world):
    ask(slack, fake_slack, "schedule report numbers daily at:07:00", channel="D_APP")
    sched = session.exec(select(Schedule)).one()
    assert (sched.target_type, sched.target_id, sched.frequency, sched.hour) == ("dm", "U_FULL", "daily", 7)
    answer = ask(slack, fake_slack, "digest subscribe", channel="D_APP")
    assert "Say which channel" in blocks_text(answer)
