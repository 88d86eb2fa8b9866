"""Private by default, shared on purpose, over signed HTTP through the Slack stand-in: files
go to the asker's DM with the bot (D_<user> on the stand-in) until "Share in channel" is
pressed; the share runs the command again with the presser's current role and customers."""
from __future__ import annotations

import json

import pytest
from sqlmodel import select

from partnerhub_core.models import CustomerAdmin, PartnerAdmin
from tests.bot.feature_world import blocks_text, buttons
from tests.bot.test_calling import world  # noqa: F401 - the calling fixture (Globex, Acme Labs, Acme Corp)

WHERE = "I sent the files to our direct message, so only you see them."


def ask(slack, fake_slack, text, user="U_FULL", channel="C_GENERAL"):
    return fake_slack.wait_for_response(slack.command(text, user=user, channel=channel))


def share_button(answer) -> dict:
    [button] = [b for b in buttons(answer) if b["action_id"] == "ph_share"]
    return button


def test_charts_stay_in_the_dm_until_shared_then_the_channel_gets_a_copy_with_them(slack, fake_slack, world):  # noqa: F811
    answer = ask(slack, fake_slack, "calling quality")
    fake_slack.wait_for("files.completeUploadExternal")
    charts = fake_slack.files_in("D_FULL")
    assert charts[0] == "Poor-quality share of call legs (last 8 weeks)" and len(charts) == 2
    assert fake_slack.files_in("C_GENERAL") == []
    assert answer["response_type"] == "ephemeral"
    text = blocks_text(answer)
    assert WHERE in text and "Only you can see this answer." in text
    button = share_button(answer)
    assert json.loads(button["value"]) == {"c": "calling quality", "t": "T001", "u": "U_FULL"}

    key = slack.action("ph_share", button["value"], user="U_FULL", channel="C_GENERAL")
    shared = fake_slack.wait_for_response(key)
    assert shared["response_type"] == "in_channel" and shared["replace_original"] is False
    shared_text = blocks_text(shared)
    assert "<@U_FULL> shared this answer." in shared_text
    assert "Poor-quality call legs" in shared_text
    assert WHERE not in shared_text and not [b for b in buttons(shared) if b["action_id"] == "ph_share"]
    fake_slack.wait_for("files.completeUploadExternal", count=2)
    assert fake_slack.files_in("C_GENERAL") == charts
    assert fake_slack.files_in("D_FULL") == charts  # the private copy was not posted again


def test_a_report_csv_goes_to_the_dm_and_is_shared_with_its_file(slack, fake_slack, world):  # noqa: F811
    answer = ask(slack, fake_slack, "report call-usage", channel="C_REPORTS")
    fake_slack.wait_for("files.completeUploadExternal")
    assert fake_slack.files_in("D_FULL") == ["Call Usage Details"] and fake_slack.files_in("C_REPORTS") == []
    assert WHERE in blocks_text(answer)
    shared = fake_slack.wait_for_response(slack.action("ph_share", share_button(answer)["value"], channel="C_REPORTS"))
    assert shared["response_type"] == "in_channel"
    fake_slack.wait_for("files.completeUploadExternal", count=2)
    assert fake_slack.files_in("C_REPORTS") == ["Call Usage Details"]


def test_a_csv_download_button_sends_the_file_to_the_dm_and_says_so(slack, fake_slack, world):  # noqa: F811
    answer = ask(slack, fake_slack, "calling queues")
    [csv_button] = [b for b in buttons(answer) if b["action_id"] == "ph_calling_csv"]
    said = fake_slack.wait_for_response(slack.action("ph_calling_csv", csv_button["value"], channel="C_REPORTS"))
    assert WHERE in blocks_text(said)
    fake_slack.wait_for("files.completeUploadExternal", count=2)  # the chart, then the CSV
    assert fake_slack.files_in("C_REPORTS") == [] and len(fake_slack.files_in("D_FULL")) == 2


def test_in_the_dm_files_come_in_the_conversation_and_nothing_is_offered(slack, fake_slack, world):  # noqa: F811
    answer = ask(slack, fake_slack, "calling quality", channel="D_FULL")
    fake_slack.wait_for("files.completeUploadExternal")
    assert len(fake_slack.files_in("D_FULL")) == 2
    text = blocks_text(answer)
    assert WHERE not in text and not [b for b in buttons(answer) if b["action_id"] == "ph_share"]


def test_answers_that_change_something_are_never_offered_or_shared(slack, fake_slack, world):  # noqa: F811
    answer = ask(slack, fake_slack, 'report save "Weekly" devices')
    assert not [b for b in buttons(answer) if b["action_id"] == "ph_share"]
    # A forged value that would change something is refused, and nothing reaches the channel.
    forged = json.dumps({"c": 'report delete "Weekly"', "t": "T001", "u": "U_FULL"})
    refused = fake_slack.wait_for_response(slack.action("ph_share", forged))
    assert refused["response_type"] == "ephemeral" and "out of date" in blocks_text(refused)


def test_only_the_asker_can_share_their_answer(slack, fake_slack, world):  # noqa: F811
    button = share_button(ask(slack, fake_slack, "kpis"))
    refused = fake_slack.wait_for_response(slack.action("ph_share", button["value"], user="U_READ"))
    assert "out of date" in blocks_text(refused) and refused["response_type"] == "ephemeral"


@pytest.mark.parametrize("loses", ["the role", "the customer"])
def test_the_share_button_refuses_a_person_who_lost_access_since_asking(slack, fake_slack, session, world, loses):  # noqa: F811
    answer = ask(slack, fake_slack, "customer Acme Corp", user="U_ADMIN")
    assert "Acme Corp" in blocks_text(answer)
    button = share_button(answer)
    admin = session.exec(select(PartnerAdmin).where(PartnerAdmin.slack_user_id == "U_ADMIN")).one()
    for link in session.exec(select(CustomerAdmin).where(CustomerAdmin.partner_admin_id == admin.id)).all():
        session.delete(link)
    if loses == "the role":
        session.flush()
        session.delete(admin)
    session.commit()

    refused = fake_slack.wait_for_response(slack.action("ph_share", button["value"], user="U_ADMIN"))
    assert refused["response_type"] == "ephemeral"
    text = blocks_text(refused)
    assert "shared this answer" not in text and "SUB-ACME" not in text
    if loses == "the role":
        assert "You are not a partner admin of Acme Partners yet." in text
    assert not [r for r in fake_slack.responses() if (r.json or {}).get("response_type") == "in_channel"]
