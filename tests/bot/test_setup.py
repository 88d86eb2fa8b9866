"""F26 first-run setup through real signed requests; assertions on what Slack received."""
import json

from sqlmodel import Session, select

from bot.ids import ActionId, BlockId, CallbackId
from partnerhub_core.models import AuditEvent, Partner, PartnerAdmin, Role, Workspace


def _text_of(payload) -> str:
    return json.dumps(payload, ensure_ascii=False)


def _link_values(name="Nimbus Telecom", email="ana@nimbus.example", region="EU", language="pt_BR", org=""):
    def select_(v):
        return {"value": {"type": "static_select", "selected_option": {"value": v}}} if v else \
            {"value": {"type": "static_select", "selected_option": None}}
    return {
        BlockId.SETUP_PARTNER_NAME: {"value": {"type": "plain_text_input", "value": name}},
        BlockId.SETUP_WEBEX_ORG: {"value": {"type": "plain_text_input", "value": org}},
        BlockId.SETUP_EMAIL: {"value": {"type": "plain_text_input", "value": email}},
        BlockId.SETUP_REGION: select_(region),
        BlockId.SETUP_LANGUAGE: select_(language),
    }


def test_any_command_in_a_workspace_not_set_up_answers_with_the_setup_prompt(slack, fake_slack):
    key = slack.command("customers", team="T_NEW", user="U_ANA")
    answer = fake_slack.wait_for_response(key)
    assert answer["text"] == "Partner Hub is not set up in this workspace yet."
    buttons = [e for b in answer["blocks"] if b["type"] == "actions" for e in b["elements"]]
    assert [b["action_id"] for b in buttons] == [ActionId.SETUP_OPEN]


def test_setup_opens_the_link_modal_with_the_email_slack_knows(slack, fake_slack):
    fake_slack.add_user("U_ANA", name="Ana Souza", email="ana@nimbus.example", locale="pt-BR")
    slack.command("setup", team="T_NEW", user="U_ANA", channel="C_OPS")
    opened = fake_slack.wait_for("views.open")[0].params
    assert opened["trigger_id"].startswith("trigger-")
    view = opened["view"]
    assert view["callback_id"] == CallbackId.SETUP_LINK
    assert json.loads(view["private_metadata"]) == {"channel": "C_OPS"}
    email_block = next(b for b in view["blocks"] if b.get("block_id") == BlockId.SETUP_EMAIL)
    assert email_block["element"]["initial_value"] == "ana@nimbus.example"
    language_block = next(b for b in view["blocks"] if b.get("block_id") == BlockId.SETUP_LANGUAGE)
    assert language_block["element"]["initial_option"]["value"] == "pt_BR"  # from the Slack locale


def test_submitting_the_link_modal_creates_partner_workspace_and_full_admin(slack, fake_slack, engine):
    fake_slack.add_user("U_ANA", name="Ana Souza", email="ana@nimbus.example", locale="en-US")
    response = slack.view_submission(CallbackId.SETUP_LINK, _link_values(), team="T_NEW", user="U_ANA",
                                     private_metadata=json.dumps({"channel": "C_OPS"}))
    assert response.status_code == 200
    posted = fake_slack.wait_for("chat.postEphemeral")[0].params
    assert posted["channel"] == "C_OPS" and posted["user"] == "U_ANA"
    assert "Nimbus Telecom" in posted["text"]
    with Session(engine) as s:
        partner = s.exec(select(Partner)).one()
        assert (partner.name, partner.default_language, partner.default_region) == ("Nimbus Telecom", "pt_BR", "EU")
        workspace = s.exec(select(Workspace)).one()
        assert (workspace.team_id, workspace.partner_id, workspace.linked_by) == ("T_NEW", partner.id, "U_ANA")
        admin = s.exec(select(PartnerAdmin)).one()
        assert (admin.email, admin.role, admin.slack_user_id, admin.display_name) == (
            "ana@nimbus.example", Role.FULL_ADMIN, "U_ANA", "Ana Souza")
        event = s.exec(select(AuditEvent)).one()
        assert (event.action, event.actor, event.after["partner"]) == ("workspace.link", "slack:U_ANA", "Nimbus Telecom")


def test_link_modal_with_a_bad_email_stays_open_with_an_inline_error(slack, fake_slack, engine):
    response = slack.view_submission(CallbackId.SETUP_LINK, _link_values(email="not-an-email"),
                                     team="T_NEW", user="U_ANA")
    assert response.status_code == 200
    assert response.json() == {"response_action": "errors",
                               "errors": {BlockId.SETUP_EMAIL: "Type an email address, like name@example.com."}}
    with Session(engine) as s:
        assert s.exec(select(Partner)).all() == []


def test_setup_in_a_linked_workspace_shows_the_overview_with_admins(slack, fake_slack, linked):
    answer = fake_slack.wait_for_response(slack.command("setup", user="U_FULL"))
    text = _text_of(answer)
    assert answer["text"] == "Partner Hub is set up for Acme Partners."
    assert "<@U_FULL> — full partner admin" in text and "<@U_READ> — read-only partner admin" in text
    assert ActionId.SETUP_ADD_ADMIN in text
    digest = next(e for b in answer["blocks"] if b["type"] == "actions" for e in b["elements"]
                  if e["action_id"].startswith(ActionId.RUN_COMMAND))
    assert digest["value"] == "digest list"  # F26: digest channels are chosen there
    reply = fake_slack.wait_for_response(slack.action(digest["action_id"], digest["value"], user="U_FULL"))
    assert reply["text"] and "something went wrong" not in reply["text"]


def test_full_admin_maps_a_slack_user_to_a_role(slack, fake_slack, linked, engine):
    fake_slack.add_user("U_NEW", name="Bruno Lima", email="bruno@acme.example")
    slack.action(ActionId.SETUP_ADD_ADMIN, "admin", user="U_FULL")
    view = fake_slack.wait_for("views.open")[0].params["view"]
    assert view["callback_id"] == CallbackId.SETUP_ADMIN
    values = {
        BlockId.SETUP_USER: {"value": {"type": "users_select", "selected_user": "U_NEW"}},
        BlockId.SETUP_ROLE: {"value": {"type": "static_select", "selected_option": {"value": "sales_admin"}}},
        BlockId.SETUP_ALL_CUSTOMERS: {"value": {"type": "checkboxes", "selected_options": [{"value": "all"}]}},
        BlockId.SETUP_EMAIL: {"value": {"type": "plain_text_input", "value": None}},
    }
    response = slack.view_submission(CallbackId.SETUP_ADMIN, values, user="U_FULL",
                                     private_metadata=view["private_metadata"])
    assert response.status_code == 200
    posted = fake_slack.wait_for("chat.postEphemeral")[0].params
    assert posted["text"] == "Bruno Lima is now a sales admin."
    with Session(engine) as s:
        admin = s.exec(select(PartnerAdmin).where(PartnerAdmin.slack_user_id == "U_NEW")).one()
        assert (admin.partner_id, admin.email, admin.role, admin.all_customers) == (
            linked.partner_id, "bruno@acme.example", Role.SALES_ADMIN, True)
        event = s.exec(select(AuditEvent).where(AuditEvent.action == "admin.add")).one()
        assert event.actor == "slack:U_FULL"


def test_read_only_admin_is_told_which_role_adds_admins(slack, fake_slack, linked):
    answer = fake_slack.wait_for_response(slack.action(ActionId.SETUP_ADD_ADMIN, "admin", user="U_READ"))
    assert "You need the full partner admin role to do this (you are a read-only partner admin)." in _text_of(answer)
    assert fake_slack.calls("views.open") == []


def test_someone_who_is_not_a_partner_admin_is_told_to_ask_a_full_admin(slack, fake_slack, linked):
    answer = fake_slack.wait_for_response(slack.command("setup", user="U_STRANGER"))
    assert "You are not a partner admin of Acme Partners yet." in _text_of(answer)


def test_defaults_modal_changes_region_and_language(slack, fake_slack, linked, engine):
    slack.action(ActionId.SETUP_OPEN, "defaults", user="U_FULL")
    view = fake_slack.wait_for("views.open")[0].params["view"]
    assert view["callback_id"] == CallbackId.SETUP_DEFAULTS
    values = {
        BlockId.SETUP_REGION: {"value": {"type": "static_select", "selected_option": {"value": "CA"}}},
        BlockId.SETUP_LANGUAGE: {"value": {"type": "static_select", "selected_option": {"value": "es"}}},
    }
    assert slack.view_submission(CallbackId.SETUP_DEFAULTS, values, user="U_FULL",
                                 private_metadata=view["private_metadata"]).status_code == 200
    fake_slack.wait_for("chat.postEphemeral")
    with Session(engine) as s:
        workspace = s.get(Workspace, linked.workspace_id)
        assert (workspace.default_region, workspace.default_language) == ("CA", "es")
        actions = sorted(e.action for e in s.exec(select(AuditEvent)).all())
        assert actions == ["workspace.language", "workspace.region"]


def test_an_answer_to_a_channel_the_bot_cannot_post_in_goes_to_the_users_dm(slack, fake_slack, linked):
    fake_slack.fail_next("chat.postEphemeral", status=200, error="channel_not_found")
    values = {
        BlockId.SETUP_REGION: {"value": {"type": "static_select", "selected_option": {"value": "US"}}},
        BlockId.SETUP_LANGUAGE: {"value": {"type": "static_select", "selected_option": {"value": "en"}}},
    }
    slack.view_submission(CallbackId.SETUP_DEFAULTS, values, user="U_FULL",
                          private_metadata=json.dumps({"channel": "C_PRIVATE"}))
    posted = fake_slack.wait_for("chat.postMessage")[0].params
    assert posted["channel"] == "U_FULL"
    assert posted["text"] == "Partner Hub is set up for Acme Partners."


def test_when_the_modal_cannot_open_in_time_the_user_is_told(slack, fake_slack):
    fake_slack.fail_next("views.open", status=200, error="expired_trigger_id")
    key = slack.command("setup", team="T_NEW", user="U_ANA")
    answer = fake_slack.wait_for_response(key)
    assert answer["text"] == "Slack closed the form before it could open. Please try again."
