"""First-run setup services: linking, claiming an imported partner, mapping admins."""
from datetime import datetime, timezone

import pytest
from sqlmodel import select

from partnerhub_core.auth import Actor
from partnerhub_core.errors import BadInput, Conflict, NotAllowed
from partnerhub_core.models import AuditEvent, Partner, PartnerAdmin, Role, Workspace
from partnerhub_core.services import onboarding

NOW = datetime(2026, 11, 25, 12, 0, tzinfo=timezone.utc)


def _link(session, **kw):
    args = dict(session=session, team_id="T1", partner_name="  Nimbus   Telecom ", webex_org_id=None,
                default_region="eu", default_language="pt-BR", slack_user_id="U1", display_name="Ana",
                email="Ana@Nimbus.example", allow_claim=False, now=NOW)
    args.update(kw)
    return onboarding.link_workspace(**args)


def test_linking_creates_partner_workspace_and_first_full_admin(session):
    linked = _link(session)
    assert (linked.partner.name, linked.partner.default_region, linked.partner.default_language) == (
        "Nimbus Telecom", "EU", "pt_BR")
    assert (linked.workspace.team_id, linked.workspace.enterprise_id, linked.workspace.default_language) == (
        "T1", "", "pt_BR")
    assert (linked.admin.email, linked.admin.role, linked.admin.slack_user_id) == (
        "ana@nimbus.example", Role.FULL_ADMIN, "U1")
    assert linked.claimed_existing is False
    event = session.exec(select(AuditEvent)).one()
    assert (event.action, event.actor, event.partner_id) == ("workspace.link", "slack:U1", linked.partner.id)


def test_a_workspace_links_only_once(session):
    _link(session)
    with pytest.raises(Conflict, match="already linked to Nimbus Telecom"):
        _link(session, partner_name="Other")


@pytest.mark.parametrize("field,value", [("email", "nope"), ("default_region", "MARS"),
                                         ("default_language", "klingon"), ("partner_name", "   "),
                                         ("webex_org_id", "has spaces in it")])
def test_bad_input_is_refused(session, field, value):
    with pytest.raises(BadInput):
        _link(session, **{field: value})


def test_an_imported_partner_cannot_be_claimed_on_a_shared_server(session):
    session.add(Partner(name="Imported", webex_org_id="ORG-1"))
    session.flush()
    with pytest.raises(Conflict, match="already set up on this server"):
        _link(session, webex_org_id="ORG-1", allow_claim=False)


def test_an_imported_partner_is_claimed_by_one_of_its_full_admins_in_single_workspace_mode(session):
    partner = Partner(name="Imported", webex_org_id="ORG-1")
    session.add(partner)
    session.flush()
    session.add(PartnerAdmin(partner_id=partner.id, display_name="Boss", email="boss@imp.example",
                             role=Role.FULL_ADMIN))
    session.add(PartnerAdmin(partner_id=partner.id, display_name="Viewer", email="viewer@imp.example",
                             role=Role.READ_ONLY))
    session.flush()
    with pytest.raises(Conflict, match="not a full partner admin"):
        _link(session, webex_org_id="ORG-1", allow_claim=True, email="viewer@imp.example")
    linked = _link(session, webex_org_id="ORG-1", allow_claim=True, email="boss@imp.example")
    assert linked.claimed_existing is True and linked.partner.id == partner.id
    assert linked.partner.name == "Imported"  # the imported name stays
    assert (linked.admin.display_name, linked.admin.slack_user_id) == ("Boss", "U1")
    with pytest.raises(Conflict, match="already set up"):
        _link(session, team_id="T2", webex_org_id="ORG-1", allow_claim=True, email="boss@imp.example")


def test_mapping_adds_links_and_changes_roles_and_keeps_a_full_admin(session):
    linked = _link(session)
    actor = Actor.for_admin(linked.admin, label="slack:U1")
    added = onboarding.map_slack_user(session=session, actor=actor, slack_user_id="U2", display_name="Bruno",
                                      email="bruno@nimbus.example", role="sales", now=NOW)
    assert (added.role, added.all_customers, added.slack_user_id) == (Role.SALES_ADMIN, False, "U2")
    # an admin imported without Slack id is matched by email and linked
    session.add(PartnerAdmin(partner_id=linked.partner.id, display_name="Caio", email="caio@nimbus.example",
                             role=Role.READ_ONLY))
    session.flush()
    caio = onboarding.map_slack_user(session=session, actor=actor, slack_user_id="U3", display_name="Caio",
                                     email="CAIO@nimbus.example", role="admin", all_customers=True, now=NOW)
    assert (caio.slack_user_id, caio.role, caio.all_customers) == ("U3", Role.ADMIN, True)
    with pytest.raises(Conflict, match="last full partner admin"):
        onboarding.map_slack_user(session=session, actor=actor, slack_user_id="U1", display_name="Ana",
                                  email=None, role="read_only", now=NOW)
    with pytest.raises(BadInput, match="does not share this person's email"):
        onboarding.map_slack_user(session=session, actor=actor, slack_user_id="U9", display_name="X",
                                  email=None, role="admin", now=NOW)
    actions = [e.action for e in session.exec(select(AuditEvent).order_by(AuditEvent.id)).all()]
    assert actions == ["workspace.link", "admin.add", "admin.link_slack", "admin.set_role"]


def test_only_full_admins_map_users_and_set_defaults(session):
    linked = _link(session)
    reader = Actor(partner_id=linked.partner.id, role=Role.READ_ONLY, admin_id=999)
    with pytest.raises(NotAllowed):
        onboarding.map_slack_user(session=session, actor=reader, slack_user_id="U2", display_name="B",
                                  email="b@x.example", role="admin", now=NOW)
    with pytest.raises(NotAllowed):
        onboarding.set_default_region(session=session, actor=reader, workspace_id=linked.workspace.id,
                                      region="US", now=NOW)
    full = Actor.for_admin(linked.admin)
    workspace = onboarding.set_default_region(session=session, actor=full, workspace_id=linked.workspace.id,
                                              region=None, now=NOW)
    assert workspace.default_region is None
    assert session.exec(select(Workspace)).one().default_region is None
