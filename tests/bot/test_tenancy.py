"""A second workspace never sees the first partner's customers: not through a command,
not by replaying the first partner's buttons, not by submitting its modals, not on Home.

Partner A ("Acme Partners", workspace T001) has the customers of feature_world.py.
Partner B ("Bravo Partners", workspace T002, users XU_FULL…) has one customer, "Bravo Co".
Everything Slack receives while B's people act is scanned for A's names and ids.
"""
import json
import time
from datetime import date

import pytest
from sqlmodel import Session, select

from bot.ids import ActionId, CallbackId
from partnerhub_core.models import Partner, Subscription
from tests.bot.conftest import OTHER_TEAM, link_partner
from tests.bot.feature_world import add_customers
from tests.factories import make_customer, make_snapshot, make_subscription

A_SECRETS = ("Acme Corp", "Acme Labs", "Acme Partners", "Globex", "org-labs", "org-globex", "SUB-ACME",
             "TRIAL-LABS", "SUB-GLOBEX", "INV-77", "ORD-1")
B_USERS = ("XU_FULL", "XU_ADMIN", "XU_SALES", "XU_READ")
PROBES = ("", "Acme", "org-acme", "glob", "tag:Gold region:EU calling", "show Gold",
          "start Acme calling 10 30", "assign XU_FULL Acme")


@pytest.fixture
def tenants(session, linked, fake_slack):
    add_customers(session, linked)
    b = link_partner(session, team=OTHER_TEAM, name="Bravo Partners", prefix="X")
    partner_b = session.get(Partner, b.partner_id)
    bravo = make_customer(session, partner_b, "Bravo Co", org_id="org-bravo", added_on=date(2025, 3, 1))
    sub = make_subscription(session, bravo, product="calling", total=30, start=date(2025, 3, 1),
                            end=date(2026, 12, 20), subscription_id="SUB-BRAVO")
    make_snapshot(session, sub, date(2026, 11, 21), assigned=12, used_7d=6)
    session.commit()
    for user in B_USERS:
        fake_slack.add_user(user, team_id=OTHER_TEAM)
    return linked, b


def _leaks(fake_slack, since: int) -> list[str]:
    found = []
    for r in fake_slack.requests[since:]:
        text = json.dumps(r.params, ensure_ascii=False) + r.raw.decode("utf-8", "replace")
        found += [f"{r.api or r.path}: {s}" for s in A_SECRETS if s in text]
    return found


def _wait_answer(fake_slack, key):
    return fake_slack.wait_for(lambda r: r.path == f"/response/{key}"
                               or r.params.get("trigger_id") == f"trigger-{key}", timeout=20)


def test_commands_from_another_workspace_never_show_the_first_partners_customers(slack, fake_slack, tenants, bot_server):
    names = sorted(s.name for s in bot_server.bolt._partnerhub_runtime.router.all(include_hidden=True))
    since = len(fake_slack.requests)
    answered = 0
    for name in names:
        for probe in PROBES:
            key = slack.command(f"{name} {probe}".strip(), user="XU_FULL", team=OTHER_TEAM, channel="C_B")
            _wait_answer(fake_slack, key)
            answered += 1
    assert answered == len(names) * len(PROBES)
    assert _leaks(fake_slack, since) == []
    # and B does see its own customer
    key = slack.command("customer Bravo", user="XU_FULL", team=OTHER_TEAM, channel="C_B")
    assert "Bravo Co" in json.dumps(fake_slack.wait_for_response(key))


def _clickables(payload: dict):
    """Every button / select / overflow option of a message or view: (action_id, value, selected)."""
    for block in payload.get("blocks") or []:
        elements = list(block.get("elements") or []) + ([block["accessory"]] if block.get("accessory") else [])
        for el in elements:
            if not isinstance(el, dict) or "action_id" not in el:
                continue
            if el.get("type") == "button" and not el.get("url"):
                yield el["action_id"], el.get("value", ""), None
            for opt in el.get("options") or []:
                yield el["action_id"], "", opt.get("value")


def test_replaying_the_first_partners_buttons_from_another_workspace_leaks_nothing(slack, fake_slack, tenants):
    a_commands = ("customers", "customer Acme Corp", "customer Acme Labs", "tags", "tags show Gold", "kpis",
                  "expiring calling", "overage calling", "recent meetings", "admins", "help", "setup")
    clicks = set()
    for text in a_commands:
        key = slack.command(text, user="U_FULL")
        hit = _wait_answer(fake_slack, key)[0]
        if hit.path.startswith("/response/"):
            clicks.update(_clickables(hit.json))
    slack.event({"type": "app_home_opened", "user": "U_FULL", "tab": "home", "channel": "D1"})
    clicks.update(_clickables(fake_slack.wait_for("views.publish")[0].params["view"]))
    assert any(a.startswith(ActionId.CUSTOMER_OPEN) for a, _, _ in clicks), clicks
    since = len(fake_slack.requests)
    t0 = time.monotonic()
    for action_id, value, selected in sorted(clicks, key=str):
        # the strongest role of B: whatever it cannot see, nobody in B can
        slack.action(action_id, value, user="XU_FULL", team=OTHER_TEAM, channel="C_B", selected=selected)
    # every replayed click is answered (politely refused or B's own data), none with A's data
    answers = ("views.open", "views.publish", "views.update", "chat.postMessage", "chat.postEphemeral",
               "files.completeUploadExternal")
    fake_slack.wait_for(lambda r: r.at > t0 and (r.path.startswith("/response/") or r.api in answers),
                        count=len(clicks), timeout=20)
    assert _leaks(fake_slack, since) == []


def test_submitting_the_first_partners_trial_modal_from_another_workspace_changes_nothing(
        slack, fake_slack, tenants, engine):
    linked, _b = tenants
    with Session(engine) as s:
        labs_id = s.exec(select(Subscription.customer_id).where(Subscription.subscription_id == "TRIAL-LABS")).one()
        before = len(s.exec(select(Subscription)).all())
    slack.action(f"{ActionId.TRIAL_OPEN}:1", str(labs_id), user="U_FULL")
    view = fake_slack.wait_for("views.open")[0].params["view"]
    assert view["callback_id"] == CallbackId.TRIAL_START
    values = {}
    for block in view["blocks"]:
        el = block.get("element")
        if not el:
            continue
        if el.get("options"):
            values[block["block_id"]] = {el["action_id"]: {"type": el["type"],
                                                           "selected_option": {"value": el["options"][0]["value"]}}}
        else:
            values[block["block_id"]] = {el["action_id"]: {"type": el["type"], "value": "10"}}
    since = len(fake_slack.requests)
    response = slack.view_submission(CallbackId.TRIAL_START, values, user="XU_FULL", team=OTHER_TEAM,
                                     private_metadata=view.get("private_metadata", ""))
    assert response.status_code == 200
    fake_slack.wait_for(lambda r: r.api in ("chat.postEphemeral", "chat.postMessage"), timeout=20)
    with Session(engine) as s:
        assert len(s.exec(select(Subscription)).all()) == before
    assert _leaks(fake_slack, since) == []


def test_home_of_another_workspace_shows_only_its_own_partner(slack, fake_slack, tenants):
    since = len(fake_slack.requests)
    slack.event({"type": "app_home_opened", "user": "XU_FULL", "tab": "home", "channel": "D2"}, team=OTHER_TEAM)
    view = fake_slack.wait_for("views.publish")[0].params["view"]
    fields = next(b["fields"] for b in view["blocks"] if b.get("fields"))
    assert fields[0]["text"] == "*Customers with Meetings or Calling*\n1"
    assert _leaks(fake_slack, since) == []


def test_another_workspaces_full_admin_cannot_change_the_first_partners_customers(slack, fake_slack, tenants, engine):
    from partnerhub_core.models import AuditEvent, CustomerAdmin, CustomerTag

    def counts():
        with Session(engine) as s:
            return tuple(len(s.exec(select(m)).all()) for m in (Subscription, CustomerTag, CustomerAdmin, AuditEvent))

    before = counts()
    since = len(fake_slack.requests)
    for text in ("tags add Gold org-acme", "tags remove Gold org-acme", "tags delete Gold",
                 "trial start org-acme calling 10 30", "trial start org-acme", "admins assign <@U_READ> org-acme",
                 "admins unassign <@U_ADMIN> org-acme", "admins role <@U_ADMIN> read-only", "admins org-acme"):
        key = slack.command(text, user="XU_FULL", team=OTHER_TEAM, channel="C_B")
        _wait_answer(fake_slack, key)
    assert counts() == before
    assert fake_slack.calls("views.open") == []
    assert _leaks(fake_slack, since) == []
