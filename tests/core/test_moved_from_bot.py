"""The queries issue 19 moved out of bot/ into the core, each tested where it now lives:
partnerhub_core/deliveries.py (claims and outcomes), installations.py (installation rows,
OAuth states), partners.py (the CLI's partner, counts, schema check, demo workspace) and
auth.partner_admins (the setup overview's list). bot/ tests cover them through Slack too."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from sqlmodel import select

from partnerhub_core import auth, deliveries, installations, partners
from partnerhub_core.errors import BadInput
from partnerhub_core.models import (
    Delivery,
    DeliveryStatus,
    PartnerAdmin,
    Role,
    Schedule,
    SlackInstallation,
    SlackOAuthState,
    Workspace,
)
from tests.factories import make_admin, make_customer, make_partner

NOW = datetime(2026, 11, 25, 9, 0, tzinfo=timezone.utc)


# --- deliveries -----------------------------------------------------------------------------
@pytest.fixture
def claimed(engine, session, settings):
    partner = make_partner(session)
    schedule = Schedule(partner_id=partner.id, target_id="C1")
    session.add(schedule)
    session.commit()
    row = deliveries.claim(engine, schedule_id=schedule.id, partner_id=partner.id, period="2026-W48", due_at=NOW,
                           now=NOW, worker_id="w1", settings=settings)
    return partner, schedule, row


def test_a_claim_is_won_once_and_records_only_while_it_is_ours(engine, session, settings, claimed):
    partner, schedule, row = claimed
    assert row.claimed_by == "w1" and row.attempts == 1
    assert deliveries.claim(engine, schedule_id=schedule.id, partner_id=partner.id, period="2026-W48",
                            due_at=NOW, now=NOW, worker_id="w2", settings=settings) is None
    assert deliveries.record(engine, row.id, "w1", message_ts="1.1", updated_at=NOW)
    assert not deliveries.record(engine, row.id, "w2", message_ts="2.2", updated_at=NOW)
    assert not deliveries.finish(engine, row, "w2", schedule, digest=None, now=NOW, remember=True,
                                 status=DeliveryStatus.POSTED)
    assert deliveries.finish(engine, row, "w1", schedule, digest=None, now=NOW, remember=True,
                             status=DeliveryStatus.POSTED)
    session.expire_all()
    stored = session.get(Delivery, row.id)
    assert (stored.status, stored.message_ts, stored.lease_until) == (DeliveryStatus.POSTED, "1.1", None)
    # Posted: no longer due, and nobody can record on it any more.
    assert not deliveries.record(engine, row.id, "w1", error="late", updated_at=NOW)


def test_due_now_leaves_out_what_was_posted(engine, session, settings, claimed):
    partner, schedule, row = claimed
    monday = datetime(2026, 11, 23, 9, 5, tzinfo=timezone.utc)
    schedule.created_at = monday - timedelta(days=30)
    session.add(schedule)
    session.commit()
    due = deliveries.due_now(session, now=monday, settings=settings)
    assert [(d.schedule_id, d.partner_id) for d in due] == [(schedule.id, partner.id)]
    assert deliveries.claim(engine, schedule_id=schedule.id, partner_id=partner.id, period=due[0].period,
                            due_at=due[0].due_at, now=monday, worker_id="w1", settings=settings) is not None
    session.expire_all()
    assert deliveries.due_now(session, now=monday, settings=settings)  # claimed, not posted: still due
    delivery = session.exec(select(Delivery).where(Delivery.period == due[0].period)).one()
    assert deliveries.finish(engine, delivery, "w1", schedule, digest=None, now=monday, remember=False,
                             status=DeliveryStatus.SKIPPED)
    session.expire_all()
    assert deliveries.due_now(session, now=monday, settings=settings) == []


def test_full_admins_on_slack_and_partner_ids(session):
    partner = make_partner(session)
    other = make_partner(session)
    full = make_admin(session, partner, "Fay", role=Role.FULL_ADMIN, slack_user_id="UF")
    make_admin(session, partner, "Ada", role=Role.ADMIN, slack_user_id="UA")
    no_slack = make_admin(session, partner, "Nil", role=Role.FULL_ADMIN)
    no_slack.slack_user_id = None
    make_admin(session, other, "Oz", role=Role.FULL_ADMIN, slack_user_id="UO")
    session.commit()
    assert [a.id for a in deliveries.full_admins_on_slack(session, partner.id)] == [full.id]
    assert deliveries.partner_ids(session) == sorted([partner.id, other.id])


# --- installations --------------------------------------------------------------------------
def _install(session, *, team="T1", user="U1", bot="xoxb-1", at=NOW, enterprise=""):
    row = SlackInstallation(client_id="C", team_id=team, enterprise_id=enterprise, user_id=user, bot_token=bot,
                            user_token=f"xoxp-{user}", installed_at=at)
    installations.add(session, row)
    session.commit()
    return row


def test_newest_installation_of_the_team_the_user_and_with_a_bot_token(session):
    first = _install(session, user="U1", bot="xoxb-old", at=NOW - timedelta(days=2))
    second = _install(session, user="U2", bot=None, at=NOW - timedelta(days=1))
    _install(session, team="T2", user="U1", bot="xoxb-t2", at=NOW)
    assert installations.newest(session, client_id="C", enterprise_id=None, team_id="T1").id == second.id
    assert installations.newest(session, client_id="C", enterprise_id=None, team_id="T1", user_id="U1").id == first.id
    assert installations.newest(session, client_id="C", enterprise_id=None, team_id="T1",
                                with_bot_token=True).id == first.id
    assert installations.newest(session, client_id="OTHER", enterprise_id=None, team_id="T1") is None


def test_clearing_tokens_and_deleting_rows_stay_within_the_team(session):
    a = _install(session, user="U1")
    b = _install(session, user="U2")
    other = _install(session, team="T2", user="U1")
    assert installations.clear_user_tokens(session, client_id="C", team_id="T1", enterprise_id="",
                                           user_ids=["U1"]) == 1
    assert installations.clear_bot_tokens(session, client_id="C", enterprise_id=None, team_id="T1") == 2
    session.commit()
    session.expire_all()
    assert (session.get(SlackInstallation, a.id).user_token, session.get(SlackInstallation, b.id).user_token) == (
        None, "xoxp-U2")
    assert session.get(SlackInstallation, b.id).bot_token is None
    assert session.get(SlackInstallation, other.id).bot_token == "xoxb-1"
    installations.delete_installations(session, client_id="C", enterprise_id=None, team_id="T1", user_id="U1")
    session.commit()
    assert session.get(SlackInstallation, a.id) is None and session.get(SlackInstallation, b.id) is not None
    installations.delete_installations(session, client_id="C", enterprise_id=None, team_id="T1")
    session.commit()
    assert session.get(SlackInstallation, b.id) is None and session.get(SlackInstallation, other.id) is not None


def test_an_oauth_state_is_consumed_once_and_never_after_it_expired(session):
    installations.issue_state(session, state="s1", now=NOW, expires_at=NOW + timedelta(minutes=10))
    installations.issue_state(session, state="s2", now=NOW, expires_at=NOW + timedelta(minutes=1))
    session.commit()
    assert installations.consume_state(session, state="s1", now=NOW)
    assert not installations.consume_state(session, state="s1", now=NOW)
    assert not installations.consume_state(session, state="s2", now=NOW + timedelta(minutes=2))
    session.commit()
    assert session.exec(select(SlackOAuthState)).all() == []  # the expired one is gone too


# --- partners (the CLI's) and the setup overview's admins -----------------------------------
def test_resolve_partner_by_id_or_the_only_one(session):
    with pytest.raises(BadInput):
        partners.resolve_partner(session, None, "db")
    first = make_partner(session, "One")
    session.commit()
    assert partners.resolve_partner(session, None, "db").id == first.id
    second = make_partner(session, "Two")
    session.commit()
    assert partners.resolve_partner(session, second.id, "db").name == "Two"
    with pytest.raises(BadInput):
        partners.resolve_partner(session, None, "db")
    with pytest.raises(BadInput):
        partners.resolve_partner(session, second.id + 100, "db")


def test_headline_counts_and_missing_tables(engine, session):
    partner = make_partner(session)
    other = make_partner(session)
    make_customer(session, partner)
    make_customer(session, other)
    session.commit()
    assert partners.headline_counts(session, partner.id) == {"customers": 1, "lines": 0, "snapshots": 0}
    assert partners.missing_tables(engine) == set()


def test_link_demo_workspace_links_once_and_relinks_a_rebuilt_partner(session):
    old = make_partner(session, "Old demo")
    new = make_partner(session, "New demo")
    full = make_admin(session, new, "Fay", role=Role.FULL_ADMIN, all_customers=True, slack_user_id="UF")
    make_admin(session, new, "Rita", role=Role.READ_ONLY, all_customers=True, slack_user_id="UR")
    session.add(Workspace(partner_id=old.id, team_id="T0DEMO"))
    session.commit()
    admins = partners.link_demo_workspace(session, team_id="T0DEMO", partner_id=new.id, language="es")
    session.commit()
    assert [a.id for a in admins] == [full.id]
    linked = session.exec(select(Workspace).where(Workspace.team_id == "T0DEMO")).all()
    assert [w.partner_id for w in linked] == [new.id]


def test_partner_admins_most_powerful_role_first_then_by_name(session):
    partner = make_partner(session)
    other = make_partner(session)
    read = make_admin(session, partner, "alice", role=Role.READ_ONLY)
    full_b = make_admin(session, partner, "Bea", role=Role.FULL_ADMIN)
    full_a = make_admin(session, partner, "ana", role=Role.FULL_ADMIN)
    admin = make_admin(session, partner, "Zed", role=Role.ADMIN)
    make_admin(session, other, "Aaron", role=Role.FULL_ADMIN)
    session.commit()
    assert [a.id for a in auth.partner_admins(session, partner.id)] == [full_a.id, full_b.id, admin.id, read.id]
    assert all(isinstance(a, PartnerAdmin) for a in auth.partner_admins(session, partner.id))
