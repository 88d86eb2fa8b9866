"""Reading the audit trail: role scoping, filters, since, order, limit (both databases)."""
from __future__ import annotations

from datetime import date, datetime, timezone

import pytest

from partnerhub_core.audit_view import AuditQuery, read_trail
from partnerhub_core.auth import Actor
from partnerhub_core.errors import BadInput, NotFound
from partnerhub_core.models import AuditEvent, Role
from partnerhub_core.services import tags
from tests.core.service_world import AS_OF, build


def at(day: int) -> datetime:
    return datetime(2026, 11, day, 9, 0, tzinfo=timezone.utc)


@pytest.fixture
def world(session):
    w = build(session)
    fiona = w.actor(Role.FULL_ADMIN)
    # Adam acts from Slack: his events carry his Slack user id, not his admin id.
    adam = Actor.for_admin(w.admins[Role.ADMIN], label="slack:U0ADAM")
    tags.create_tag(session=session, actor=fiona, name="VIP", now=at(1))
    tags.add_tag(session=session, actor=fiona, customer_id=w.globex.id, tag="VIP", now=at(2))
    tags.add_tag(session=session, actor=adam, customer_id=w.acme.id, tag="VIP", now=at(3))
    tags.add_tag(session=session, actor=fiona, customer_id=w.sao.id, tag="VIP", now=at(4))
    tags.create_tag(session=session, actor=adam, name="Key accounts", now=at(5))
    tags.create_tag(session=session, actor=fiona, name="Gold", now=at(6))
    session.add(AuditEvent(partner_id=w.other_partner.id, actor="cli", action="tag.create", target_type="tag",
                           target_id="1", after={"name": "Rival"}, at=at(7)))
    session.flush()
    return w


def read(session, settings, actor, tokens=(), limit=20):
    return read_trail(session=session, actor=actor, query=AuditQuery.parse(list(tokens)), as_of=AS_OF,
                      settings=settings, limit=limit)


def brief(page):
    return [(r.at.day, r.who, r.action, r.customer) for r in page.rows]


def test_full_admin_reads_the_whole_trail_newest_first(session, settings, world):
    page = read(session, settings, world.actor(Role.FULL_ADMIN))
    assert brief(page) == [
        (6, "Fiona Full", "tag.create", None),
        (5, "Adam Admin", "tag.create", None),
        (4, "Fiona Full", "tag.add", "São Paulo Táxi"),
        (3, "Adam Admin", "tag.add", "Acme Corp"),
        (2, "Fiona Full", "tag.add", "Globex"),
        (1, "Fiona Full", "tag.create", None),
    ]
    assert (page.total, page.cut, page.whole_trail) == (6, False, True)
    gettext = lambda s: s  # noqa: E731
    assert page.rows[3].change_text(gettext) == "Tags: — → VIP"
    assert page.rows[3].action_text(gettext) == "put a tag on the customer"
    assert page.rows[0].change_text(gettext) == "Name: — → Gold"


def test_other_roles_see_their_customers_and_their_own_actions(session, settings, world):
    # Adam: his own "Key accounts" and Acme (assigned to him); not Fiona's partner-wide tags.
    assert brief(read(session, settings, world.actor(Role.ADMIN))) == [
        (5, "Adam Admin", "tag.create", None),
        (3, "Adam Admin", "tag.add", "Acme Corp"),
    ]
    for role in (Role.SALES_ADMIN, Role.READ_ONLY):
        page = read(session, settings, world.actor(role))
        assert brief(page) == [(3, "Adam Admin", "tag.add", "Acme Corp")]
        assert page.whole_trail is False


def test_filters_customer_person_since(session, settings, world):
    fiona = world.actor(Role.FULL_ADMIN)
    page = read(session, settings, fiona, ["acme"])
    assert (brief(page), page.customer) == ([(3, "Adam Admin", "tag.add", "Acme Corp")], "Acme Corp")
    # accents folded, via the customer lookup's rules
    assert brief(read(session, settings, fiona, ["customer:sao", "paulo"]))[0][3] == "São Paulo Táxi"
    page = read(session, settings, fiona, ["Adam", "Admin"])  # names a person exactly
    assert ([r[0] for r in brief(page)], page.person) == ([5, 3], "Adam Admin")
    assert [r[0] for r in brief(read(session, settings, fiona, ["person:adam@northwind"]))] == [5, 3]
    assert [r[0] for r in brief(read(session, settings, fiona, ["since:2026-11-04"]))] == [6, 5, 4]
    assert brief(read(session, settings, fiona, ["person:fiona", "since:2026-11-04", "customer:globex"])) == []


def test_limit_says_when_the_list_is_cut(session, settings, world):
    page = read(session, settings, world.actor(Role.FULL_ADMIN), limit=2)
    assert ([r[0] for r in brief(page)], page.total, page.cut) == ([6, 5], 6, True)


def test_bad_date_and_unknown_names_are_polite_errors(session, settings, world):
    with pytest.raises(BadInput) as err:
        AuditQuery.parse(["since:31/12/2026"])
    assert err.value.render() == "31/12/2026 is not a date: write since:YYYY-MM-DD, e.g. since:2026-01-31."
    with pytest.raises(NotFound):
        read(session, settings, world.actor(Role.FULL_ADMIN), ["person:zed"])
    # a customer Rita cannot see is not found for her
    with pytest.raises(NotFound):
        read(session, settings, world.actor(Role.READ_ONLY), ["globex"])


def test_the_cli_operator_sees_every_event_of_its_partner_only(session, settings, world):
    page = read(session, settings, Actor.system(world.partner.id, label="cli"), ["since:2026-11-01"])
    assert page.total == 6
    assert date(2026, 11, 7) not in [r.at.date() for r in page.rows]
