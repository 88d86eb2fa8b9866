"""Channel scope over the calling views and reports (issue 17, item 10), through the Slack
stand-in. Data: tests/bot/test_calling.py's world — call rollups for Globex (30 calls, 4
poor-quality legs) and Acme Labs (10 calls), both US, and Acme Corp (5 calls, EU)."""
from __future__ import annotations

import csv
import io

from tests.bot.feature_world import blocks_text, buttons
from tests.bot.test_calling import _uploaded, fields, world  # noqa: F401 - the calling fixture

EU = "C_EUROPE"


def ask(slack, fake_slack, text, channel=EU, user="U_FULL"):
    return fake_slack.wait_for_response(slack.command(text, user=user, channel=channel))


def test_calling_views_and_reports_in_an_eu_channel_leave_the_us_customers_out(slack, fake_slack, world):  # noqa: F811
    ask(slack, fake_slack, "channel scope region:EU")
    quality = ask(slack, fake_slack, "calling quality")
    # Globex's 4 poor legs are outside the scope; Acme Corp's legs reported no media figures
    assert fields(quality)["Poor-quality call legs"] == "—"
    text = blocks_text(quality)
    assert "Globex" not in text and "Scoped to this channel: region European Union" in text
    fake_slack.wait_for("files.completeUploadExternal")

    report = ask(slack, fake_slack, "report call-usage")
    assert "Scoped to this channel: region European Union" in blocks_text(report)
    # no "Only United States" offer: the scope has one region
    assert [b["text"]["text"] for b in buttons(report) if b["action_id"].startswith("ph_report_run")] == []
    complete = fake_slack.wait_for("files.completeUploadExternal", count=2)[1]
    [(_, data)] = _uploaded(fake_slack, complete)
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    assert [r[:4] for r in rows[1:]] == [["Acme Corp", "org-acme", "HQ", "5"]]

    for words in ("report call-usage US", "calling usage us", "calling quality region:US"):
        refused = blocks_text(ask(slack, fake_slack, words))
        assert "This channel only answers about European Union, so United States is outside it." in refused, words
    assert len(fake_slack.calls("files.completeUploadExternal")) == 2  # nothing more was sent


def test_the_same_views_in_an_unbound_channel_see_every_customer(slack, fake_slack, world):  # noqa: F811
    ask(slack, fake_slack, "channel scope region:EU")
    quality = ask(slack, fake_slack, "calling quality", channel="C_GENERAL")
    assert fields(quality)["Poor-quality call legs"] == "4"
    assert "Scoped to this channel" not in blocks_text(quality)
