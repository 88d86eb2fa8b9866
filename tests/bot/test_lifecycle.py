"""Install lifecycle over signed HTTP: `app_uninstalled` and `tokens_revoked` remove the
workspace's tokens and stop its schedules; the partner's data stays; nothing is posted
there afterwards."""
from __future__ import annotations

import time
from datetime import datetime, timedelta, timezone

import pytest
import sqlalchemy as sa
from pydantic import SecretStr
from slack_sdk.oauth.installation_store import Installation
from sqlmodel import Session, select

from bot import worker
from bot.installation import DatabaseInstallationStore
from bot.lifecycle import BOT_REVOKED, UNINSTALLED
from bot.server import build_asgi
from partnerhub_core.models import AuditEvent, Customer, Schedule, SlackInstallation, Workspace
from tests.bot.conftest import OTHER_TEAM, TEAM, SlackSender, link_partner, serve

CLIENT_ID = "111.222"
CREATED = datetime(2026, 11, 1, tzinfo=timezone.utc)
DUE = datetime(2026, 11, 23, 9, 0, tzinfo=timezone.utc)  # daily 09:00 UTC schedules are due


def wait_until(predicate, timeout: float = 10.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.05)
    raise AssertionError("condition not met in time")


def _install(engine, team: str, bot_token: str, user_token: str) -> None:
    DatabaseInstallationStore(engine, CLIENT_ID).save(Installation(
        app_id="A_PARTNERHUB", team_id=team, team_name=f"Team {team}", user_id="U_FULL",
        bot_token=bot_token, bot_id="BBOT", bot_user_id="UBOT", bot_scopes="commands,chat:write",
        user_token=user_token, user_scopes="users:read", installed_at=CREATED.timestamp(),
    ))


def _schedule(session, partner_id: int, workspace_id: int | None, channel: str) -> int:
    row = Schedule(partner_id=partner_id, workspace_id=workspace_id, target_id=channel, alerts=["expiring"],
                   frequency="daily", hour=9, timezone="UTC", created_at=CREATED, updated_at=CREATED)
    session.add(row)
    session.commit()
    return row.id


@pytest.fixture
def oauth_settings(bot_settings):
    return bot_settings.model_copy(update={
        "slack_client_id": CLIENT_ID, "slack_client_secret": SecretStr("client-secret"), "slack_bot_token": None,
    })


@pytest.fixture
def two_workspaces(session, engine, fake_slack):
    """T001 (partner "Acme Partners") and T002 (partner "Other"), each installed, each
    with a daily digest; Acme also has a schedule that names no workspace."""
    mine = link_partner(session, team=TEAM)
    other = link_partner(session, team=OTHER_TEAM, name="Other", prefix="O_")
    session.add(Customer(partner_id=mine.partner_id, org_id="org-1", name="Kept Customer", added_on=CREATED.date()))
    session.commit()
    _install(engine, TEAM, "xoxb-mine-bot", "xoxp-mine-user")
    _install(engine, OTHER_TEAM, "xoxb-other-bot", "xoxp-other-user")
    ids = {
        "mine": _schedule(session, mine.partner_id, mine.workspace_id, "C_MINE"),
        "mine_unbound": _schedule(session, mine.partner_id, None, "C_MINE_2"),
        "other": _schedule(session, other.partner_id, other.workspace_id, "C_OTHER"),
    }
    return mine, other, ids


@pytest.fixture
def oauth_slack(oauth_settings, engine, fake_slack):
    served, stop = serve(build_asgi(oauth_settings, engine))
    sender = SlackSender(served.url, fake_slack)
    yield sender
    sender.http.close()
    stop()


def _rows(engine, team):
    with Session(engine) as s:
        return s.exec(select(SlackInstallation).where(SlackInstallation.team_id == team)).all()


def _schedules(engine):
    with Session(engine) as s:
        return {r.id: r for r in s.exec(select(Schedule)).all()}


def test_tokens_are_not_stored_in_clear_text(engine, two_workspaces):
    with engine.connect() as conn:
        raw = conn.execute(sa.text("SELECT bot_token, user_token FROM slackinstallation")).all()
    values = [v for row in raw for v in row]
    assert len(values) == 4
    assert not any(v.startswith("xox") or "mine" in v or "other" in v for v in values)
    found = DatabaseInstallationStore(engine, CLIENT_ID).find_installation(enterprise_id=None, team_id=TEAM)
    assert (found.bot_token, found.user_token) == ("xoxb-mine-bot", "xoxp-mine-user")


def test_app_uninstalled_removes_the_installation_and_stops_its_schedules(
        oauth_slack, oauth_settings, engine, fake_slack, two_workspaces):
    mine, other, ids = two_workspaces
    response = oauth_slack.event({"type": "app_uninstalled"}, team=TEAM)
    assert response.status_code == 200
    wait_until(lambda: not _rows(engine, TEAM) and not _schedules(engine)[ids["mine_unbound"]].enabled)

    assert [r.bot_token for r in _rows(engine, OTHER_TEAM)] == ["xoxb-other-bot"]
    schedules = _schedules(engine)
    assert (schedules[ids["mine"]].enabled, schedules[ids["mine"]].disabled_reason) == (False, UNINSTALLED)
    assert (schedules[ids["mine_unbound"]].enabled, schedules[ids["mine_unbound"]].disabled_reason) == (False, UNINSTALLED)
    assert (schedules[ids["other"]].enabled, schedules[ids["other"]].disabled_reason) == (True, None)
    with Session(engine) as s:  # the partner's own data stays
        assert s.exec(select(Customer.name)).all() == ["Kept Customer"]
        assert s.exec(select(Workspace.team_id).order_by(Workspace.team_id)).all() == [TEAM, OTHER_TEAM]
        audit = s.exec(select(AuditEvent.actor, AuditEvent.action, AuditEvent.target_id)
                       .where(AuditEvent.partner_id == mine.partner_id).order_by(AuditEvent.id)).all()
    assert audit == [("system:app_uninstalled", "schedule.disable", str(ids["mine"])),
                     ("system:app_uninstalled", "schedule.disable", str(ids["mine_unbound"]))]

    # The worker's next tick posts for the other workspace only, with its own token.
    worker.run_job("tick", oauth_settings, engine, now=DUE + timedelta(seconds=30), worker_id="w1")
    posted = fake_slack.calls("chat.postMessage")
    assert [(p.params.get("channel"), p.token) for p in posted] == [("C_OTHER", "xoxb-other-bot")]


def test_revoked_user_token_is_cleared_and_the_bot_keeps_posting(
        oauth_slack, engine, two_workspaces):
    _mine, _other, ids = two_workspaces
    response = oauth_slack.event({"type": "tokens_revoked", "tokens": {"oauth": ["U_FULL"], "bot": []}}, team=TEAM)
    assert response.status_code == 200
    wait_until(lambda: _rows(engine, TEAM)[0].user_token is None)
    assert _rows(engine, TEAM)[0].bot_token == "xoxb-mine-bot"
    assert _rows(engine, OTHER_TEAM)[0].user_token == "xoxp-other-user"
    assert all(s.enabled for s in _schedules(engine).values())


def test_revoked_bot_token_is_cleared_and_its_schedules_stop(oauth_slack, engine, two_workspaces):
    _mine, _other, ids = two_workspaces
    response = oauth_slack.event({"type": "tokens_revoked", "tokens": {"bot": ["UBOT"]}}, team=TEAM)
    assert response.status_code == 200
    wait_until(lambda: not _schedules(engine)[ids["mine_unbound"]].enabled)
    assert [r.bot_token for r in _rows(engine, TEAM)] == [None]
    schedules = _schedules(engine)
    assert schedules[ids["mine"]].disabled_reason == BOT_REVOKED
    assert schedules[ids["other"]].enabled


def test_single_workspace_mode_stops_the_schedules_too(slack, engine, session, linked):
    sid = _schedule(session, linked.partner_id, linked.workspace_id, "C_MINE")
    assert slack.event({"type": "app_uninstalled"}).status_code == 200
    wait_until(lambda: not _schedules(engine)[sid].enabled)
    assert _schedules(engine)[sid].disabled_reason == UNINSTALLED


def test_installed_but_not_set_up_workspace_gets_the_setup_prompt(slack, fake_slack):
    key = slack.command("customers")
    answer = fake_slack.wait_for_response(key)
    assert answer["text"] == "Partner Hub is not set up in this workspace yet."


def test_org_wide_uninstall_stops_every_workspace_of_the_org(session, engine):
    from bot.lifecycle import stop_workspace_schedules
    from partnerhub_core.models import Partner

    session.add(Partner(id=1, name="Org partner"))
    session.flush()
    for team in ("TA", "TB"):
        session.add(Workspace(partner_id=1, team_id=team, enterprise_id="E1"))
    session.add(Workspace(partner_id=1, team_id="TC", enterprise_id=""))
    session.commit()
    ws = {w.team_id: w.id for w in session.exec(select(Workspace)).all()}
    ids = [_schedule(session, 1, ws[t], f"C_{t}") for t in ("TA", "TB", "TC")]
    stopped = stop_workspace_schedules(session, team_id="", enterprise_id="E1", reason=UNINSTALLED,
                                       now=CREATED, label="system:app_uninstalled")
    session.commit()
    assert stopped == ids[:2]
    after = _schedules(engine)
    assert [after[i].enabled for i in ids] == [False, False, True]
