"""partnerhub_core/channel_scope.py: parsing, who may bind, audit, the customers inside a
scope, and auth.visible_customer_ids intersecting with them (SQLite and PostgreSQL)."""
from __future__ import annotations

from datetime import datetime, timezone

import pytest
from sqlmodel import select

from partnerhub_core import auth, channel_scope
from partnerhub_core.auth import Actor
from partnerhub_core.channel_scope import Scope
from partnerhub_core.errors import BadInput, NotAllowed, NotFound
from partnerhub_core.models import AuditEvent, Region, Role, Workspace
from tests.factories import assign_admin, make_admin, make_customer, make_partner, make_tag

NOW = datetime(2026, 11, 25, 9, 0, tzinfo=timezone.utc)


@pytest.fixture
def world(session):
    partner = make_partner(session)
    eu = make_customer(session, partner, "Berlin GmbH", region=Region.EU)
    eu2 = make_customer(session, partner, "Lisboa SA", region=Region.EU)
    us = make_customer(session, partner, "Austin Inc", region=Region.US)
    make_tag(session, partner, "At risk", customers=[eu, us])
    workspace = Workspace(partner_id=partner.id, team_id="T1")
    session.add(workspace)
    full = make_admin(session, partner, role=Role.FULL_ADMIN)
    limited = make_admin(session, partner, "Sam", role=Role.ADMIN, customers=[])
    assign_admin(session, limited, eu2)
    assign_admin(session, limited, us)
    session.commit()
    return partner, workspace, full, limited, (eu.id, eu2.id, us.id)


@pytest.mark.parametrize(("words", "expected"), [
    (["region:eu"], Scope(region="EU")),
    (['tag:At  risk'], Scope(tag="At risk")),
    (["--region", "UAE", "tag:Gold"], Scope(region="UAE", tag="Gold")),
    (["--region=ca"], Scope(region="CA")),
])
def test_parse_scope(words, expected):
    assert channel_scope.parse_scope(words) == expected


@pytest.mark.parametrize("words", [[], ["region:MARS"], ["planet:earth"], ["tag:"]])
def test_parse_scope_refuses(words):
    with pytest.raises(BadInput):
        channel_scope.parse_scope(words)


def test_customers_inside_a_scope(session, world):
    partner, _ws, _full, _limited, (eu, eu2, us) = world
    ids = lambda **kw: channel_scope.customer_ids(session, partner_id=partner.id, scope=Scope(**kw))
    assert ids(region="EU") == {eu, eu2}
    assert ids(tag="at risk") == {eu, us}
    assert ids(region="EU", tag="At risk") == {eu}
    assert ids(tag="Gone") == frozenset()  # a deleted tag matches nobody, never everybody


def test_visible_customers_are_intersected_with_the_scope(session, world):
    partner, _ws, full, limited, (eu, eu2, us) = world
    within = channel_scope.customer_ids(session, partner_id=partner.id, scope=Scope(region="EU"))
    assert auth.visible_customer_ids(session, Actor.for_admin(full)) is None
    assert auth.visible_customer_ids(session, Actor(**{**Actor.for_admin(full).__dict__, "within": within})) == {eu, eu2}
    limited_actor = Actor.for_admin(limited)
    assert auth.visible_customer_ids(session, limited_actor) == {eu2, us}
    scoped = Actor(**{**limited_actor.__dict__, "within": within})
    assert auth.visible_customer_ids(session, scoped) == {eu2}


def test_bind_rebind_unbind_are_audited_and_full_admin_only(session, world):
    partner, ws, full, limited, _ids = world
    with pytest.raises(NotAllowed):
        channel_scope.bind_channel(session=session, actor=Actor.for_admin(limited), workspace_id=ws.id,
                                   channel_id="C1", scope=Scope(region="EU"), now=NOW)
    with pytest.raises(NotFound):
        channel_scope.bind_channel(session=session, actor=Actor.for_admin(full), workspace_id=ws.id,
                                   channel_id="C1", scope=Scope(tag="Nope"), now=NOW)
    actor = Actor.for_admin(full, label="slack:U1")
    bound = channel_scope.bind_channel(session=session, actor=actor, workspace_id=ws.id, channel_id="C1",
                                       scope=Scope(region="EU", tag="at RISK"), now=NOW)
    assert bound == Scope(region="EU", tag="At risk")  # the tag's own spelling
    channel_scope.bind_channel(session=session, actor=actor, workspace_id=ws.id, channel_id="C1",
                               scope=Scope(region="US"), now=NOW)
    assert channel_scope.scope_of(session, partner_id=partner.id, workspace_id=ws.id, channel_id="C1") == Scope("US")
    assert channel_scope.scope_of(session, partner_id=partner.id, workspace_id=ws.id, channel_id="C2") is None
    with pytest.raises(NotAllowed):
        channel_scope.unbind_channel(session=session, actor=Actor.for_admin(limited), workspace_id=ws.id,
                                     channel_id="C1", now=NOW)
    assert channel_scope.unbind_channel(session=session, actor=actor, workspace_id=ws.id, channel_id="C1",
                                        now=NOW) == Scope("US")
    assert channel_scope.unbind_channel(session=session, actor=actor, workspace_id=ws.id, channel_id="C1",
                                        now=NOW) is None
    events = session.exec(select(AuditEvent).order_by(AuditEvent.id)).all()
    assert [(e.action, e.target_id, e.before, e.after) for e in events] == [
        ("channel_scope.bind", "C1", None, {"region": "EU", "tag": "At risk"}),
        ("channel_scope.bind", "C1", {"region": "EU", "tag": "At risk"}, {"region": "US", "tag": None}),
        ("channel_scope.unbind", "C1", {"region": "US", "tag": None}, None),
    ]
    assert {e.actor for e in events} == {"slack:U1"}


def test_outside():
    assert channel_scope.outside(Scope(region="EU"), "us") == "US"
    assert channel_scope.outside(Scope(region="EU"), "eu") is None
    assert channel_scope.outside(Scope(region="EU"), "MARS") is None  # the command's own check names it
    assert channel_scope.outside(Scope(tag="Gold"), "US") is None
    assert channel_scope.outside(None, "US") is None
