"""/partnerhub admins — list, per customer, assign, unassign, roles — over signed HTTP."""
from __future__ import annotations

import pytest
from sqlmodel import select

from partnerhub_core.models import AuditEvent, CustomerAdmin, PartnerAdmin
from tests.bot.feature_world import add_customers, blocks_text


@pytest.fixture
def world(session, linked):
    return add_customers(session, linked)


def ask(slack, fake_slack, text, user="U_FULL"):
    return fake_slack.wait_for_response(slack.command(text, user=user))


def test_list_every_partner_admin_with_role_and_scope(slack, fake_slack, world):
    text = blocks_text(ask(slack, fake_slack, "admins", user="U_READ"))
    assert "4 partner admins" in text
    lines = [line for line in text.splitlines() if line.startswith("• ")]
    assert lines == [
        "• *U_FULL* (<@U_FULL>) · full partner admin · all customers",
        "• *U_ADMIN* (<@U_ADMIN>) · partner admin · 1 assigned customer",
        "• *U_SALES* (<@U_SALES>) · sales admin · 1 assigned customer",
        "• *U_READ* (<@U_READ>) · read-only partner admin · 0 assigned customers",
    ]


def test_admins_of_a_customer(slack, fake_slack, world):
    text = blocks_text(ask(slack, fake_slack, "admins acme corp"))
    assert "• *U_ADMIN* · u_admin@t001.example · partner admin" in text
    assert "• *U_SALES* · u_sales@t001.example · sales admin" in text
    text = blocks_text(ask(slack, fake_slack, "admins globex"))
    assert "No partner admin is assigned to this customer" in text


def test_full_admin_assigns_by_mention_and_unassigns_by_email(slack, fake_slack, session, linked, world):
    # Slack sends a typed mention as <@U_READ|u_read>.
    text = blocks_text(ask(slack, fake_slack, "admins assign <@U_READ|u_read> Globex"))
    assert "Assigned U_READ to Globex." in text
    assert "• *U_READ* · u_read@t001.example · read-only partner admin" in text
    link = session.get(CustomerAdmin, (world.globex.id, linked.admins["U_READ"]))
    assert link.role_in_customer == "id_readonly_admin"
    text = blocks_text(ask(slack, fake_slack, "admins unassign u_read@t001.example Globex"))
    assert "U_READ is no longer assigned to Globex." in text
    session.expire_all()
    assert session.get(CustomerAdmin, (world.globex.id, linked.admins["U_READ"])) is None
    actions = [e.action for e in session.exec(select(AuditEvent).order_by(AuditEvent.id)).all()]
    assert actions == ["admin.assign", "admin.unassign"]


def test_role_changes_in_one_place(slack, fake_slack, session, linked, world):
    text = blocks_text(ask(slack, fake_slack, "admins role <@U_READ> sales all"))
    assert "U_READ is now a sales admin (all customers)." in text
    session.expire_all()
    admin = session.get(PartnerAdmin, linked.admins["U_READ"])
    assert (admin.role, admin.all_customers) == ("sales_admin", True)
    text = blocks_text(ask(slack, fake_slack, "admins role <@U_FULL> read-only"))
    assert "U_FULL is the last full partner admin; make someone else a full admin first." in text


def test_only_full_admins_assign_and_change_roles(slack, fake_slack, session, world):
    for user in ["U_ADMIN", "U_SALES", "U_READ"]:
        for text in ("admins assign <@U_READ> Acme Corp", "admins unassign <@U_ADMIN> Acme Corp",
                     "admins role <@U_READ> full"):
            assert "You need the full partner admin role to do this" in blocks_text(ask(slack, fake_slack, text, user=user))
        assert session.exec(select(AuditEvent)).all() == []


BAD_INPUT = [
    ("admins assign <@U_READ>", "Usage: /partnerhub admins assign"),
    ("admins role <@U_READ>", "Usage: /partnerhub admins role"),
    ("admins role <@U_READ> full everywhere", "Usage: /partnerhub admins role"),
    ("admins role <@U_READ> superuser", 'Unknown role "superuser".'),
    ("admins assign <@U_NOBODY> Globex", 'No partner admin matches "<@U_NOBODY>".'),
    ("admins assign <@U_ADMIN> Acme Corp", "U_ADMIN is already assigned to Acme Corp."),
    ("admins Globx", "Did you mean one of these?\n*Globex* · United States"),
]


def test_bad_input_gets_a_short_message(slack, fake_slack, world):
    # One server for every case: each answer is a short ephemeral message, never a stack trace.
    for text, expected in BAD_INPUT:
        answer = ask(slack, fake_slack, text)
        assert answer["response_type"] == "ephemeral"
        assert expected in blocks_text(answer).replace("&lt;", "<").replace("&gt;", ">"), text
