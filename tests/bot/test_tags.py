"""/partnerhub tags over real signed HTTP; answers asserted on the Slack stand-in."""
from __future__ import annotations

import pytest
from sqlmodel import select

from partnerhub_core.models import AuditEvent, CustomerTag, Tag
from tests.bot.feature_world import add_customers, blocks_text, buttons


@pytest.fixture
def world(session, linked):
    return add_customers(session, linked)


def ask(slack, fake_slack, text, user="U_FULL"):
    return fake_slack.wait_for_response(slack.command(text, user=user))


def test_full_admin_creates_a_tag_of_several_words_and_it_is_audited(slack, fake_slack, session, world):
    answer = ask(slack, fake_slack, 'tags create "Key accounts" Our fifty biggest')
    assert answer["response_type"] == "ephemeral"
    assert "Created the tag “Key accounts”." in blocks_text(answer)
    tag = session.exec(select(Tag).where(Tag.name == "Key accounts")).one()
    assert tag.description == "Our fifty biggest"
    event = session.exec(select(AuditEvent).where(AuditEvent.action == "tag.create")).one()
    assert (event.actor, event.after) == ("slack:U_FULL", {"name": "Key accounts", "description": "Our fifty biggest"})


def test_read_only_and_sales_admins_are_told_which_role_edits_tags(slack, fake_slack, session, world):
    for user in ["U_READ", "U_SALES"]:
        for text in ("tags create Silver", "tags add Gold Globex", "tags delete Gold", "tags rename Gold Platinum"):
            answer = ask(slack, fake_slack, text, user=user)
            assert answer["response_type"] == "ephemeral"
            assert "You need the full partner admin or partner admin role to do this" in blocks_text(answer)
        assert [t.name for t in session.exec(select(Tag)).all()] == ["Gold"]
        assert session.exec(select(AuditEvent)).all() == []


def test_tag_a_customer_by_name_and_see_its_tags(slack, fake_slack, session, world):
    ask(slack, fake_slack, "tags create Silver")
    answer = ask(slack, fake_slack, "tags add silver acme labs")
    text = blocks_text(answer)
    assert "Tagged Acme Labs with “Silver”." in text
    assert "Tags of Acme Labs: Silver" in text
    assert session.get(CustomerTag, (world.labs.id, session.exec(select(Tag.id).where(Tag.name == "Silver")).one()))
    answer = ask(slack, fake_slack, "tags remove Silver org-labs")
    assert "Removed the tag “Silver” from Acme Labs." in blocks_text(answer)
    assert "Tags of Acme Labs: none" in blocks_text(answer)


def test_several_matching_customers_are_listed_and_unknown_ones_get_suggestions(slack, fake_slack, world):
    text = blocks_text(ask(slack, fake_slack, "tags add Gold Acme"))
    # The candidates come as buttons that open each card (the org ids stay out of the text).
    assert "2 customers match Acme. Pick one" in text and "org-acme" not in text
    assert "*Acme Corp* · European Union" in text and "*Acme Labs* · United States" in text
    text = blocks_text(ask(slack, fake_slack, "tags add Gold Glbex"))
    assert "Did you mean one of these?\n*Globex* · United States" in text


def test_list_and_show_tags(slack, fake_slack, world):
    listing = ask(slack, fake_slack, "tags", user="U_SALES")
    assert "• *Gold* · 1 customer" in blocks_text(listing)
    shown = ask(slack, fake_slack, "tags show gold", user="U_SALES")
    text = blocks_text(shown)
    assert "*Acme Corp*" in text and "Globex" not in text
    assert [b["value"] for b in buttons(shown) if b["action_id"].startswith("ph_customer_open")] == [str(world.acme.id)]


BAD_INPUT = [
    ("tags create", "Usage: /partnerhub tags create <name> [description]"),
    ("tags add Gold", "Usage: /partnerhub tags add <tag> <customer>"),
    ("tags rename Gold", "Usage: /partnerhub tags rename <tag> <new name>"),
    ("tags frobnicate", "Usage: /partnerhub tags [show|create|rename|delete|add|remove]"),
    ("tags create " + "x" * 26, "A tag name can have at most 25 characters"),
    ("tags create Gold", 'A tag named “Gold” already exists.'),
    ("tags add Nope Globex", 'There is no tag named “Nope”.'),
]


def test_bad_input_gets_a_short_message(slack, fake_slack, world):
    # One server for every case: each answer is a short ephemeral message, never a stack trace.
    for text, expected in BAD_INPUT:
        answer = ask(slack, fake_slack, text)
        assert answer["response_type"] == "ephemeral"
        assert expected.replace("<", "&lt;").replace(">", "&gt;") in blocks_text(answer), text


def test_injection_like_and_odd_unicode_names_are_stored_verbatim_and_shown_escaped(slack, fake_slack, session, world):
    answer = ask(slack, fake_slack, 'tags create "<!channel> *x*"')
    assert "&lt;!channel&gt; *x*" in blocks_text(answer)
    assert "<!channel>" not in blocks_text(answer)
    assert session.exec(select(Tag).where(Tag.name == "<!channel> *x*")).one()
    # The router turns invisible control characters (here a right-to-left override) into spaces.
    answer = ask(slack, fake_slack, 'tags create "bad\u202ename"')
    assert "Created the tag “bad name”." in blocks_text(answer)
    answer = ask(slack, fake_slack, "tags create Ünïcödé✓")
    assert "Created the tag “Ünïcödé✓”." in blocks_text(answer)
