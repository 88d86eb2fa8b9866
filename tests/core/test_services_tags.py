from __future__ import annotations

import pytest
from sqlmodel import select

from partnerhub_core.errors import BadInput, Conflict, NotAllowed, NotFound
from partnerhub_core.models import CustomerTag, Role, Tag
from partnerhub_core.services import tags
from tests.core.service_world import NOW, audit_rows, build


@pytest.fixture
def world(session):
    return build(session)


def names(session, customer):
    return [t.name for t in tags.tags_of_customer(session=session, partner_id=customer.partner_id, customer_id=customer.id)]


def test_full_admin_creates_a_tag_and_the_audit_row_has_before_and_after(session, world):
    tag = tags.create_tag(session=session, actor=world.actor(Role.FULL_ADMIN), name="  Gold   Tier ", description="top", now=NOW)
    assert (tag.name, tag.name_key, tag.description, tag.partner_id) == ("Gold Tier", "gold tier", "top", world.partner.id)
    [row] = audit_rows(session, "tag.create")
    assert (row.actor, row.target_type, row.target_id) == (f"admin:{world.admins[Role.FULL_ADMIN].id}", "tag", str(tag.id))
    assert row.before is None
    assert row.after == {"name": "Gold Tier", "description": "top"}
    assert row.partner_id == world.partner.id


@pytest.mark.parametrize("role", [Role.READ_ONLY, Role.SALES_ADMIN])
def test_only_full_and_partner_admins_edit_tags(session, world, role):
    tags.create_tag(session=session, actor=world.actor(Role.ADMIN), name="VIP", now=NOW)
    actor = world.actor(role)
    with pytest.raises(NotAllowed) as err:
        tags.create_tag(session=session, actor=actor, name="Other", now=NOW)
    assert "full partner admin or partner admin" in err.value.render()
    for call in (
        lambda: tags.rename_tag(session=session, actor=actor, name="VIP", new_name="V", now=NOW),
        lambda: tags.delete_tag(session=session, actor=actor, name="VIP", now=NOW),
        lambda: tags.add_tag(session=session, actor=actor, customer_id=world.acme.id, tag="VIP", now=NOW),
        lambda: tags.remove_tag(session=session, actor=actor, customer_id=world.acme.id, tag="VIP", now=NOW),
    ):
        with pytest.raises(NotAllowed):
            call()
    assert [r.action for r in audit_rows(session)] == ["tag.create"]
    # ...but they can look.
    assert [(i.name, i.customers) for i in tags.list_tags(session=session, actor=actor)] == [("VIP", 0)]


def test_tag_names_are_unique_regardless_of_case_and_accents(session, world):
    actor = world.actor(Role.FULL_ADMIN)
    tags.create_tag(session=session, actor=actor, name="Educação", now=NOW)
    with pytest.raises(Conflict) as err:
        tags.create_tag(session=session, actor=actor, name="EDUCACAO", now=NOW)
    assert err.value.render() == 'A tag named “Educação” already exists.'
    # The other partner may use the same name.
    other = world.actor(Role.FULL_ADMIN).__class__(partner_id=world.other_partner.id, role=Role.FULL_ADMIN, label="x")
    tags.create_tag(session=session, actor=other, name="educação", now=NOW)


@pytest.mark.parametrize(
    "name, message",
    [
        ("", "The tag name cannot be empty."),
        ("   ", "The tag name cannot be empty."),
        ("x" * 26, "A tag name can have at most 25 characters; “" + "x" * 26 + "” has 26."),
        ("a,b", "A tag name cannot contain a comma."),
        ("bad\x00name", "The tag name contains characters that are not allowed."),
        ("evil\u202etxt", "The tag name contains characters that are not allowed."),
        ("x" * 5000, "The tag name can have at most 200 characters (5000 given)."),
    ],
)
def test_bad_tag_names_get_clear_messages(session, world, name, message):
    with pytest.raises(BadInput) as err:
        tags.create_tag(session=session, actor=world.actor(Role.ADMIN), name=name, now=NOW)
    assert err.value.render() == message


def test_twenty_five_characters_and_injection_like_text_are_just_a_name(session, world):
    actor = world.actor(Role.ADMIN)
    assert tags.create_tag(session=session, actor=actor, name="y" * 25, now=NOW).name == "y" * 25
    tag = tags.create_tag(session=session, actor=actor, name="'; DROP TABLE tag;--", now=NOW)
    assert session.get(Tag, tag.id).name == "'; DROP TABLE tag;--"


def test_rename_keeps_customers_and_refuses_a_taken_name(session, world):
    actor = world.actor(Role.ADMIN)
    tags.create_tag(session=session, actor=actor, name="Gold", now=NOW)
    tags.create_tag(session=session, actor=actor, name="Silver", now=NOW)
    tags.add_tag(session=session, actor=actor, customer_id=world.acme.id, tag="gold", now=NOW)
    with pytest.raises(Conflict):
        tags.rename_tag(session=session, actor=actor, name="Gold", new_name="SILVER", now=NOW)
    # Changing only the case of its own name is fine.
    tags.rename_tag(session=session, actor=actor, name="gold", new_name="GOLD", now=NOW)
    tag = tags.rename_tag(session=session, actor=actor, name="gold", new_name="Platinum", description="best", now=NOW)
    assert names(session, world.acme) == ["Platinum"]
    row = audit_rows(session, "tag.rename")[-1]
    assert (row.before, row.after) == ({"name": "GOLD", "description": ""}, {"name": "Platinum", "description": "best"})
    assert row.target_id == str(tag.id)


def test_unknown_tag_suggests_close_names(session, world):
    actor = world.actor(Role.ADMIN)
    tags.create_tag(session=session, actor=actor, name="Healthcare", now=NOW)
    tags.create_tag(session=session, actor=actor, name="Retail", now=NOW)
    with pytest.raises(NotFound) as err:
        tags.add_tag(session=session, actor=actor, customer_id=world.acme.id, tag="Helthcare", now=NOW)
    assert err.value.render() == 'There is no tag named “Helthcare”.'
    assert err.value.suggestions == ["Healthcare"]


def test_add_and_remove_on_a_customer_are_audited(session, world):
    actor = world.actor(Role.ADMIN)
    for n in ("Beta", "alpha"):
        tags.create_tag(session=session, actor=actor, name=n, now=NOW)
    tags.add_tag(session=session, actor=actor, customer_id=world.acme.id, tag="Beta", now=NOW)
    tags.add_tag(session=session, actor=actor, customer_id=world.acme.id, tag="ALPHA", now=NOW)
    assert names(session, world.acme) == ["alpha", "Beta"]
    with pytest.raises(Conflict) as err:
        tags.add_tag(session=session, actor=actor, customer_id=world.acme.id, tag="beta", now=NOW)
    assert err.value.render() == 'Acme Corp already has the tag “Beta”.'
    tags.remove_tag(session=session, actor=actor, customer_id=world.acme.id, tag="beta", now=NOW)
    with pytest.raises(NotFound) as err:
        tags.remove_tag(session=session, actor=actor, customer_id=world.acme.id, tag="beta", now=NOW)
    assert err.value.render() == 'Acme Corp does not have the tag “Beta”.'
    adds = audit_rows(session, "tag.add")
    assert [(r.before, r.after) for r in adds] == [
        ({"tags": []}, {"tags": ["Beta"]}),
        ({"tags": ["Beta"]}, {"tags": ["alpha", "Beta"]}),
    ]
    [removed] = audit_rows(session, "tag.remove")
    assert (removed.target_type, removed.target_id) == ("customer", str(world.acme.id))
    assert (removed.before, removed.after) == ({"tags": ["alpha", "Beta"]}, {"tags": ["alpha"]})


def test_a_customer_holds_at_most_five_tags(session, world):
    actor = world.actor(Role.FULL_ADMIN)
    for i in range(1, 7):
        tags.create_tag(session=session, actor=actor, name=f"T{i}", now=NOW)
    for i in range(1, 6):
        tags.add_tag(session=session, actor=actor, customer_id=world.globex.id, tag=f"T{i}", now=NOW)
    with pytest.raises(BadInput) as err:
        tags.add_tag(session=session, actor=actor, customer_id=world.globex.id, tag="T6", now=NOW)
    assert err.value.render() == (
        "Globex already has 5 tags, the most Webex allows. Remove one first: T1, T2, T3, T4, T5."
    )


def test_delete_removes_the_tag_from_every_customer(session, world):
    actor = world.actor(Role.FULL_ADMIN)
    tags.create_tag(session=session, actor=actor, name="Churn risk", now=NOW)
    tags.create_tag(session=session, actor=actor, name="Keep", now=NOW)
    for c in (world.acme, world.globex):
        tags.add_tag(session=session, actor=actor, customer_id=c.id, tag="churn risk", now=NOW)
    tags.add_tag(session=session, actor=actor, customer_id=world.acme.id, tag="keep", now=NOW)
    assert tags.delete_tag(session=session, actor=actor, name="CHURN RISK", now=NOW) == 2
    assert [t.name for t in session.exec(select(Tag)).all()] == ["Keep"]
    assert len(session.exec(select(CustomerTag)).all()) == 1
    [row] = audit_rows(session, "tag.delete")
    assert row.before == {"name": "Churn risk", "description": "", "customers": ["org-acme", "org-globex"]}
    assert row.after is None


def test_plain_admins_only_tag_and_see_their_assigned_customers(session, world):
    full, admin = world.actor(Role.FULL_ADMIN), world.actor(Role.ADMIN)
    tags.create_tag(session=session, actor=full, name="East", now=NOW)
    tags.add_tag(session=session, actor=full, customer_id=world.acme.id, tag="East", now=NOW)
    tags.add_tag(session=session, actor=full, customer_id=world.globex.id, tag="East", now=NOW)
    with pytest.raises(NotFound):
        tags.add_tag(session=session, actor=admin, customer_id=world.sao.id, tag="East", now=NOW)
    _, seen_by_admin = tags.customers_with_tag(session=session, actor=admin, tag="east")
    _, seen_by_full = tags.customers_with_tag(session=session, actor=full, tag="east")
    assert [c.name for c in seen_by_admin] == ["Acme Corp"]
    assert [c.name for c in seen_by_full] == ["Acme Corp", "Globex"]
    assert [(i.name, i.customers) for i in tags.list_tags(session=session, actor=admin)] == [("East", 1)]
    assert [(i.name, i.customers) for i in tags.list_tags(session=session, actor=full)] == [("East", 2)]


def test_another_partners_customer_and_tags_are_out_of_reach(session, world):
    full = world.actor(Role.FULL_ADMIN)
    tags.create_tag(session=session, actor=full, name="Mine", now=NOW)
    with pytest.raises(NotFound):
        tags.add_tag(session=session, actor=full, customer_id=world.foreign.id, tag="Mine", now=NOW)
    rival = full.__class__(partner_id=world.other_partner.id, role=Role.FULL_ADMIN, label="rival")
    with pytest.raises(NotFound):
        tags.delete_tag(session=session, actor=rival, name="Mine", now=NOW)
    assert tags.list_tags(session=session, actor=rival) == []


def test_services_do_not_commit(engine, session, world):
    tags.create_tag(session=session, actor=world.actor(Role.FULL_ADMIN), name="Draft", now=NOW)
    session.rollback()
    assert session.exec(select(Tag)).all() == []
