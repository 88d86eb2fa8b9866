"""Channel scope (issue 17, item 10) over signed HTTP through the Slack stand-in: a channel
bound to a region and/or tag answers the commands typed in it about those customers only,
with a footer saying so; only full admins bind; every bind and unbind is audited; DMs and
unbound channels are unscoped.

Data: tests/bot/feature_world.py. Acme Corp (EU, Meetings, tagged Gold), Acme Labs (US,
Calling trial) and Globex (US, Calling): the headline KPIs over Meetings and Calling count
3 customers unscoped, 1 in an EU channel, 2 in a US channel.
"""
from __future__ import annotations

import time

import pytest
from sqlmodel import select

from partnerhub_core.models import AuditEvent, ChannelScope
from tests.bot.feature_world import add_customers, blocks_text, buttons

EU_CHANNEL = "C_EUROPE"
FOOTER_EU = "Scoped to this channel: region European Union"


@pytest.fixture
def world(session, linked):
    return add_customers(session, linked)


def ask(slack, fake_slack, text, user="U_FULL", channel=EU_CHANNEL):
    return fake_slack.wait_for_response(slack.command(text, user=user, channel=channel))


def bind(slack, fake_slack, words, channel=EU_CHANNEL, user="U_FULL"):
    return ask(slack, fake_slack, f"channel scope {words}", user=user, channel=channel)


def total_customers(answer) -> str:
    # the first KPI field of the headline is the number of customers it counts
    for block in answer["blocks"]:
        for f in block.get("fields") or []:
            return f["text"].partition("\n")[2]
    raise AssertionError(f"no KPI fields in {answer}")


def audit_events(session, action):
    session.expire_all()
    return session.exec(select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id)).all()


def test_a_full_admin_binds_a_channel_and_it_is_audited(slack, fake_slack, session, world):
    answer = bind(slack, fake_slack, 'region:eu tag:"gold"')
    assert "Scoped to this channel: region European Union, tag Gold" in blocks_text(answer)
    session.expire_all()
    [row] = session.exec(select(ChannelScope)).all()
    assert (row.channel_id, row.region, row.tag, row.bound_by) == (EU_CHANNEL, "EU", "Gold", "slack:U_FULL")
    [event] = audit_events(session, "channel_scope.bind")
    assert (event.actor, event.target_type, event.target_id) == ("slack:U_FULL", "channel", EU_CHANNEL)
    assert event.before is None and event.after == {"region": "EU", "tag": "Gold"}

    bind(slack, fake_slack, "region:US")  # re-binding says what it was
    events = audit_events(session, "channel_scope.bind")
    assert [e.after for e in events] == [{"region": "EU", "tag": "Gold"}, {"region": "US", "tag": None}]
    assert events[1].before == {"region": "EU", "tag": "Gold"}

    text = blocks_text(ask(slack, fake_slack, "channel"))
    assert "Scoped to this channel: region United States" in text


@pytest.mark.parametrize("user", ["U_ADMIN", "U_SALES", "U_READ"])
def test_only_a_full_admin_binds_or_unbinds(slack, fake_slack, session, world, user):
    refused = blocks_text(bind(slack, fake_slack, "region:EU", user=user))
    assert "You need the full partner admin role to do this" in refused
    bind(slack, fake_slack, "region:EU")
    refused = blocks_text(ask(slack, fake_slack, "channel scope off", user=user))
    assert "You need the full partner admin role to do this" in refused
    session.expire_all()
    assert len(session.exec(select(ChannelScope)).all()) == 1
    assert len(audit_events(session, "channel_scope.bind")) == 1 and audit_events(session, "channel_scope.unbind") == []


def test_kpis_and_lists_in_a_scoped_channel_stay_inside_the_scope_with_the_footer(slack, fake_slack, world):
    bind(slack, fake_slack, "region:EU")
    kpis = ask(slack, fake_slack, "kpis")
    assert total_customers(kpis) == "1"
    assert FOOTER_EU in blocks_text(kpis)

    listed = blocks_text(ask(slack, fake_slack, "customers"))
    assert "Acme Corp" in listed and "Globex" not in listed and "Acme Labs" not in listed
    assert FOOTER_EU in listed

    calling = blocks_text(ask(slack, fake_slack, "kpis calling"))  # Labs and Globex are US
    assert FOOTER_EU in calling
    assert total_customers(ask(slack, fake_slack, "kpis calling")) == "0"

    lookup = blocks_text(ask(slack, fake_slack, "customer globex"))
    assert "Globex" not in lookup.replace("globex", "")  # not found: nothing of Globex shown

    # the same commands in another channel, unbound: every customer, no footer
    unscoped = ask(slack, fake_slack, "kpis", channel="C_GENERAL")
    assert total_customers(unscoped) == "3" and "Scoped to this channel" not in blocks_text(unscoped)


def test_a_tag_scope_narrows_to_the_tagged_customers(slack, fake_slack, world):
    bind(slack, fake_slack, "tag:Gold", channel="C_GOLD")
    answer = ask(slack, fake_slack, "kpis", channel="C_GOLD")
    assert total_customers(answer) == "1"
    assert "Scoped to this channel: tag Gold" in blocks_text(answer)
    listed = blocks_text(ask(slack, fake_slack, "customers region:US", channel="C_GOLD"))
    assert "Globex" not in listed and "Acme Labs" not in listed  # the intersection: Gold and US is nobody


def test_another_region_asked_for_in_a_scoped_channel_is_a_clear_error(slack, fake_slack, world):
    bind(slack, fake_slack, "region:EU")
    for words in ("kpis region:US", "kpis --region US", "customers region:us"):
        text = blocks_text(ask(slack, fake_slack, words))
        assert "This channel only answers about European Union, so United States is outside it." in text, words
        assert "Globex" not in text
    same = ask(slack, fake_slack, "kpis region:EU")
    assert total_customers(same) == "1" and FOOTER_EU in blocks_text(same)


def test_unbinding_is_audited_and_the_channel_sees_everything_again(slack, fake_slack, session, world):
    bind(slack, fake_slack, "region:EU")
    answer = blocks_text(ask(slack, fake_slack, "channel scope off"))
    assert "This channel is no longer scoped (it was: region European Union)." in answer
    [event] = audit_events(session, "channel_scope.unbind")
    assert event.before == {"region": "EU", "tag": None} and event.after is None
    kpis = ask(slack, fake_slack, "kpis")
    assert total_customers(kpis) == "3" and "Scoped to this channel" not in blocks_text(kpis)
    again = blocks_text(ask(slack, fake_slack, "channel scope off"))  # nothing bound: nothing audited
    assert "This channel was not scoped; nothing changed." in again
    assert len(audit_events(session, "channel_scope.unbind")) == 1


def test_a_dm_is_never_scoped(slack, fake_slack, session, world):
    refused = blocks_text(ask(slack, fake_slack, "channel scope region:EU", channel="D_FULL"))
    assert "A DM with me is never scoped" in refused
    session.expire_all()
    assert session.exec(select(ChannelScope)).all() == []

    bind(slack, fake_slack, "region:EU")  # a bound channel does not reach into the DM
    event = {"type": "message", "channel_type": "im", "channel": "D_FULL", "user": "U_FULL", "text": "kpis",
             "ts": f"{time.time():.6f}", "event_ts": f"{time.time():.6f}"}
    assert slack.event(event).status_code == 200
    [posted] = [r.params for r in fake_slack.wait_for(
        lambda r: r.api == "chat.postMessage" and r.params.get("channel") == "D_FULL")]
    assert total_customers(posted) == "3" and "Scoped to this channel" not in blocks_text(posted)


def test_a_shared_answer_keeps_the_scope_and_its_footer(slack, fake_slack, world):
    bind(slack, fake_slack, "region:EU")
    answer = ask(slack, fake_slack, "kpis")
    [button] = [b for b in buttons(answer) if b["action_id"] == "ph_share"]
    shared = fake_slack.wait_for_response(slack.action("ph_share", button["value"], channel=EU_CHANNEL))
    assert shared["response_type"] == "in_channel"
    assert total_customers(shared) == "1" and FOOTER_EU in blocks_text(shared)


def test_answers_in_the_dm_offer_no_share_button(slack, fake_slack, world):
    # item 3: sharing into the DM with the bot is meaningless, by slash command or by message
    answer = ask(slack, fake_slack, "kpis", channel="D_FULL")
    assert not [b for b in buttons(answer) if b["action_id"] == "ph_share"]
    event = {"type": "message", "channel_type": "im", "channel": "D_FULL", "user": "U_FULL", "text": "kpis calling",
             "ts": f"{time.time():.6f}", "event_ts": f"{time.time():.6f}"}
    assert slack.event(event).status_code == 200
    [posted] = [r.params for r in fake_slack.wait_for(
        lambda r: r.api == "chat.postMessage" and r.params.get("channel") == "D_FULL")]
    assert "Total customers" in blocks_text(posted) or posted["blocks"]
    assert not [b for b in buttons(posted) if b["action_id"] == "ph_share"]
    # the same command in a channel is offered
    assert [b for b in buttons(ask(slack, fake_slack, "kpis", channel="C_GENERAL")) if b["action_id"] == "ph_share"]


def test_a_channel_shared_with_another_partners_workspace_keeps_each_binding_to_its_workspace(
        slack, fake_slack, session, world):
    from partnerhub_core.models import Partner
    from tests.bot.conftest import OTHER_TEAM, link_partner
    from tests.factories import make_customer

    b = link_partner(session, team=OTHER_TEAM, name="Bravo Partners", prefix="X")
    make_customer(session, session.get(Partner, b.partner_id), "Bravo Co", org_id="org-bravo")
    session.commit()
    fake_slack.add_user("XU_FULL", team_id=OTHER_TEAM)
    bind(slack, fake_slack, "region:EU", channel="C_SHARED")  # Slack Connect: one channel id, two workspaces
    theirs = fake_slack.wait_for_response(slack.command("channel", user="XU_FULL", team=OTHER_TEAM,
                                                        channel="C_SHARED"))
    assert "This channel is not scoped" in blocks_text(theirs)
    bound = fake_slack.wait_for_response(slack.command("channel scope tag:Gold", user="XU_FULL", team=OTHER_TEAM,
                                                       channel="C_SHARED"))
    assert "There is no tag named" in blocks_text(bound)  # their tags, not ours
    ours = ask(slack, fake_slack, "channel", channel="C_SHARED")
    assert "Scoped to this channel: region European Union" in blocks_text(ours)


def test_a_button_pressed_in_a_scoped_channel_answers_within_the_scope_with_the_footer(slack, fake_slack, world):
    bind(slack, fake_slack, "region:EU")
    answer = ask(slack, fake_slack, "kpis")
    clickable = [b for b in buttons(answer) if b["action_id"].startswith("ph_analytics_view")]
    assert clickable, [b["action_id"] for b in buttons(answer)]
    button = clickable[0]
    pressed = fake_slack.wait_for_response(slack.action(button["action_id"], button["value"], channel=EU_CHANNEL))
    text = blocks_text(pressed)
    assert FOOTER_EU in text and "Globex" not in text and "Acme Labs" not in text
    assert text.count("Scoped to this channel") == 1


@pytest.mark.parametrize(("lang", "footer", "refusal"), [
    ("pt-BR", "Escopo deste canal: região União Europeia, tag Gold",
     "Este canal só responde sobre União Europeia, então Estados Unidos está fora dele."),
    ("es", "Ámbito de este canal: región Unión Europea, etiqueta Gold",
     "Este canal solo responde sobre Unión Europea, así que Estados Unidos queda fuera."),
])
def test_the_footer_and_the_refusal_speak_the_persons_language(slack, fake_slack, world, lang, footer, refusal):
    bind(slack, fake_slack, "region:EU tag:Gold")
    ask(slack, fake_slack, f"language {lang}", user="U_READ")
    assert footer in blocks_text(ask(slack, fake_slack, "kpis", user="U_READ"))
    assert refusal in blocks_text(ask(slack, fake_slack, "kpis region:US", user="U_READ"))


def test_the_audit_trail_names_binds_and_unbinds(slack, fake_slack, world):
    bind(slack, fake_slack, "region:EU")
    ask(slack, fake_slack, "channel scope off")
    text = blocks_text(ask(slack, fake_slack, "audit", channel="C_GENERAL"))
    assert "scoped a channel" in text and "removed a channel's scope" in text
