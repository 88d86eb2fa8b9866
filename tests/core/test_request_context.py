"""partnerhub_core/request_context.py: a chat request's workspace, partner, admin and
channel scope in one query (issue 19), with every "not there" the four queries had."""
from __future__ import annotations

from contextlib import contextmanager

import pytest
from sqlalchemy import event

from partnerhub_core import request_context
from partnerhub_core.channel_scope import Scope
from partnerhub_core.models import ChannelScope, Role, Workspace
from tests.factories import make_admin, make_partner


@contextmanager
def statements(engine):
    seen: list[str] = []

    def count(_conn, _cursor, statement, *_args):
        seen.append(statement)

    event.listen(engine, "before_cursor_execute", count)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", count)


@pytest.fixture
def world(session):
    partner = make_partner(session, "Linked")
    other = make_partner(session, "Other")
    workspace = Workspace(partner_id=partner.id, team_id="T1", default_language="pt_BR")
    org_workspace = Workspace(partner_id=other.id, team_id="T1", enterprise_id="E1")
    session.add_all([workspace, org_workspace])
    session.flush()
    admin = make_admin(session, partner, "Ana", role=Role.ADMIN, slack_user_id="U1")
    make_admin(session, other, "Ana elsewhere", slack_user_id="U1")
    session.add(ChannelScope(partner_id=partner.id, workspace_id=workspace.id, channel_id="C_EU", region="EU",
                             tag="VIP"))
    session.commit()
    return {"partner": partner, "other": other, "workspace": workspace, "org": org_workspace, "admin": admin}


def test_one_query_finds_the_workspace_partner_admin_and_scope(engine, session, world):
    with statements(engine) as seen:
        found = request_context.load(session, team_id="T1", enterprise_id="", slack_user_id="U1", channel_id="C_EU")
    assert len(seen) == 1
    assert (found.workspace.id, found.partner.id, found.admin.id) == (
        world["workspace"].id, world["partner"].id, world["admin"].id)
    assert found.partner.name == "Linked" and found.workspace.default_language == "pt_BR"
    assert found.scope == Scope(region="EU", tag="VIP")


def test_the_enterprise_picks_the_workspace_and_its_own_partners_admin(session, world):
    found = request_context.load(session, team_id="T1", enterprise_id="E1", slack_user_id="U1", channel_id="C_EU")
    assert found.workspace.id == world["org"].id and found.partner.id == world["other"].id
    assert found.admin.partner_id == world["other"].id
    assert found.scope is None  # bound in the other workspace, not this one


def test_unknown_workspace_gives_nothing(session, world):
    assert request_context.load(session, team_id="T9", enterprise_id="", slack_user_id="U1",
                                channel_id="C_EU") == request_context.RequestContext()


@pytest.mark.parametrize("user", ["U_NOBODY", "", None])
def test_a_person_who_is_not_an_admin_has_no_admin(session, world, user):
    found = request_context.load(session, team_id="T1", enterprise_id="", slack_user_id=user, channel_id=None)
    assert found.partner.id == world["partner"].id and found.admin is None and found.scope is None


def test_no_scope_in_a_dm_an_unbound_channel_or_for_another_partners_binding(session, world):
    def scope(channel, dm=False):
        return request_context.load(session, team_id="T1", enterprise_id="", slack_user_id="U1",
                                    channel_id=channel, dm=dm).scope

    assert scope("C_EU", dm=True) is None
    assert scope("C_OTHER") is None
    session.add(ChannelScope(partner_id=world["other"].id, workspace_id=world["workspace"].id,
                             channel_id="C_STALE", region="US"))
    session.commit()
    assert scope("C_STALE") is None


def test_two_admins_with_one_slack_id_the_first_by_id_wins(session, world):
    later = make_admin(session, world["partner"], "Ana again", slack_user_id="U1", role=Role.READ_ONLY)
    session.commit()
    found = request_context.load(session, team_id="T1", enterprise_id="", slack_user_id="U1", channel_id=None)
    assert found.admin.id == min(world["admin"].id, later.id)


def test_partner_of_team_for_the_log_line(session, world):
    assert request_context.partner_of_team(session, "T1") == world["partner"].id
    assert request_context.partner_of_team(session, "T9") is None
