from __future__ import annotations

import pytest

from partnerhub_core.errors import BadInput, Conflict, NotAllowed, NotFound
from partnerhub_core.models import CustomerAdmin, Role
from partnerhub_core.services import admins
from tests.core.service_world import NOW, audit_rows, build


@pytest.fixture
def world(session):
    return build(session)


def test_customer_admins_lists_the_assigned_admins_strongest_role_first(session, world):
    listed = admins.customer_admins(session=session, actor=world.actor(Role.READ_ONLY), customer_id=world.acme.id)
    assert [(a.display_name, a.role, a.role_in_customer) for a in listed] == [
        ("Adam Admin", Role.ADMIN, "id_full_admin"),
        ("Sally Sales", Role.SALES_ADMIN, "id_full_admin"),
        ("Rita Reader", Role.READ_ONLY, "id_full_admin"),
    ]
    assert admins.customer_admins(session=session, actor=world.actor(Role.FULL_ADMIN), customer_id=world.globex.id) == []


def test_a_plain_admin_cannot_list_admins_of_a_customer_not_assigned_to_them(session, world):
    with pytest.raises(NotFound):
        admins.customer_admins(session=session, actor=world.actor(Role.ADMIN), customer_id=world.globex.id)


def test_full_admin_assigns_and_unassigns_with_audit(session, world):
    full = world.actor(Role.FULL_ADMIN)
    reader = world.admins[Role.READ_ONLY]
    link = admins.assign_admin(session=session, actor=full, customer_id=world.globex.id, admin_id=reader.id, now=NOW)
    assert (link.role_in_customer, link.partner_id, link.assigned_at) == ("id_readonly_admin", world.partner.id, NOW)
    with pytest.raises(Conflict) as err:
        admins.assign_admin(session=session, actor=full, customer_id=world.globex.id, admin_id=reader.id, now=NOW)
    assert err.value.render() == "Rita Reader is already assigned to Globex."
    admins.unassign_admin(session=session, actor=full, customer_id=world.acme.id, admin_id=reader.id, now=NOW)
    with pytest.raises(NotFound) as err:
        admins.unassign_admin(session=session, actor=full, customer_id=world.acme.id, admin_id=reader.id, now=NOW)
    assert err.value.render() == "Rita Reader is not assigned to Acme Corp."
    [assigned] = audit_rows(session, "admin.assign")
    assert (assigned.target_type, assigned.target_id) == ("customer", str(world.globex.id))
    assert (assigned.before, assigned.after) == ({"admins": []}, {"admins": ["rita@northwind.example"]})
    [unassigned] = audit_rows(session, "admin.unassign")
    assert unassigned.before == {"admins": ["adam@northwind.example", "rita@northwind.example", "sally@northwind.example"]}
    assert unassigned.after == {"admins": ["adam@northwind.example", "sally@northwind.example"]}


@pytest.mark.parametrize("role", [Role.ADMIN, Role.SALES_ADMIN, Role.READ_ONLY])
def test_only_full_admins_manage_admins(session, world, role):
    actor, target = world.actor(role), world.admins[Role.READ_ONLY]
    with pytest.raises(NotAllowed) as err:
        admins.assign_admin(session=session, actor=actor, customer_id=world.acme.id, admin_id=target.id, now=NOW)
    assert err.value.render().startswith("You need the full partner admin role to do this")
    with pytest.raises(NotAllowed):
        admins.unassign_admin(session=session, actor=actor, customer_id=world.acme.id, admin_id=target.id, now=NOW)
    with pytest.raises(NotAllowed):
        admins.set_role(session=session, actor=actor, admin_id=target.id, role="full", now=NOW)
    assert audit_rows(session) == []


def test_set_role_in_one_place_updates_the_role_shown_in_customers(session, world):
    full = world.actor(Role.FULL_ADMIN)
    reader = world.admins[Role.READ_ONLY]
    admins.set_role(session=session, actor=full, admin_id=reader.id, role="sales", all_customers=True, now=NOW)
    assert (reader.role, reader.all_customers) == ("sales_admin", True)
    admins.set_role(session=session, actor=full, admin_id=world.admins[Role.ADMIN].id, role="read-only", now=NOW)
    link = session.get(CustomerAdmin, (world.acme.id, world.admins[Role.ADMIN].id))
    assert link.role_in_customer == "id_readonly_admin"
    first = audit_rows(session, "admin.set_role")[0]
    assert (first.before, first.after) == (
        {"role": "read_only", "all_customers": False}, {"role": "sales_admin", "all_customers": True}
    )
    assert first.target_type == "partner_admin"
    listed = admins.list_partner_admins(session=session, actor=world.actor(Role.READ_ONLY))
    assert [(a.display_name, a.role, a.all_customers, a.customers) for a in listed] == [
        ("Fiona Full", Role.FULL_ADMIN, False, 0),
        ("Rita Reader", Role.SALES_ADMIN, True, 1),
        ("Sally Sales", Role.SALES_ADMIN, False, 1),
        ("Adam Admin", Role.READ_ONLY, False, 1),
    ]


def test_the_last_full_admin_cannot_be_demoted(session, world):
    full = world.actor(Role.FULL_ADMIN)
    fiona = world.admins[Role.FULL_ADMIN]
    with pytest.raises(Conflict) as err:
        admins.set_role(session=session, actor=full, admin_id=fiona.id, role="admin", now=NOW)
    assert err.value.render() == "Fiona Full is the last full partner admin; make someone else a full admin first."
    admins.set_role(session=session, actor=full, admin_id=world.admins[Role.ADMIN].id, role="full", now=NOW)
    admins.set_role(session=session, actor=full, admin_id=fiona.id, role="admin", now=NOW)
    assert fiona.role == "admin"


def test_unknown_role_words_are_refused(session, world):
    with pytest.raises(BadInput) as err:
        admins.set_role(session=session, actor=world.actor(Role.FULL_ADMIN), admin_id=world.admins[Role.ADMIN].id,
                        role="superuser", now=NOW)
    assert err.value.render() == 'Unknown role "superuser". Choose one of: full, admin, sales, read-only.'


@pytest.mark.parametrize(
    "ref, name",
    [("<@U0SALLY>", "Sally Sales"), ("<@U0RITA|rita>", "Rita Reader"), ("U0ADAM", "Adam Admin"),
     ("FIONA@northwind.example", "Fiona Full"), ("sally", "Sally Sales"), ("@rita reader", "Rita Reader")],
)
def test_find_admin_by_mention_id_email_or_name(session, world, ref, name):
    assert admins.find_admin(session=session, partner_id=world.partner.id, ref=ref).display_name == name


def test_find_admin_explains_misses_and_ambiguity(session, world):
    with pytest.raises(NotFound) as err:
        admins.find_admin(session=session, partner_id=world.partner.id, ref="Sallly Sales")
    assert err.value.suggestions == ["Sally Sales"]
    with pytest.raises(BadInput) as err:
        admins.find_admin(session=session, partner_id=world.partner.id, ref="a")
    assert err.value.render().startswith('"a" matches several partner admins: Adam Admin <adam@northwind.example>, ')
    # Another partner's admins are never found.
    with pytest.raises(NotFound):
        admins.find_admin(session=session, partner_id=world.other_partner.id, ref="fiona")


def test_admins_of_another_partner_cannot_be_assigned(session, world):
    rival = world.actor(Role.FULL_ADMIN).__class__(partner_id=world.other_partner.id, role=Role.FULL_ADMIN, label="r")
    with pytest.raises(NotFound):
        admins.assign_admin(session=session, actor=rival, customer_id=world.foreign.id,
                            admin_id=world.admins[Role.ADMIN].id, now=NOW)
