"""/partnerhub report … then "Download XLSX" (issue 17, item 6), over signed HTTP through
the Slack stand-in: the same report, dates and region as XLSX, typed numbers, formula-like
text kept as text, sent only to the presser's DM."""
from __future__ import annotations

import io
import json
import re

from openpyxl import load_workbook

from tests.bot.feature_world import blocks_text, buttons
from tests.bot.test_calling import ask, world  # noqa: F401 (fixture)
from tests.bot.test_table_files import press


def _xlsx_button(answer) -> dict:
    [button] = [b for b in buttons(answer) if b["action_id"] == "ph_report_file:xlsx"]
    assert button["text"]["text"] == "Download XLSX"
    return button


def test_report_download_xlsx_same_report_in_the_dm_only(slack, fake_slack, world):  # noqa: F811
    answer = ask(slack, fake_slack, "report call-usage US 2026-11-16..2026-11-16", channel="C_REPORTS")
    fake_slack.wait_for("files.completeUploadExternal")
    button = _xlsx_button(answer)
    assert json.loads(button["value"]) == {"n": "call-usage", "r": "US", "s": "2026-11-16", "e": "2026-11-16"}
    name, data, channel = press(slack, fake_slack, button, channel="C_REPORTS")
    assert channel == "D_FULL"  # private: the presser's DM, never the channel
    assert re.fullmatch(r"Call Usage Details_[A-Za-z0-9]{10}_2026-11-25\.xlsx", name)
    sheet = load_workbook(io.BytesIO(data)).active
    rows = [[c.value for c in r] for r in sheet.iter_rows()]
    assert rows[0][:4] == ["Customer Name", "Org ID", "Location", "Total Calls"]
    assert [r[:5] for r in rows[1:]] == [["Globex", "org-globex", "HQ", 30, 40]]  # US, the 16th only
    uploads = fake_slack.calls("files.completeUploadExternal")
    assert [u.params["channel_id"] for u in uploads] == ["D_FULL", "D_FULL"]


def test_report_xlsx_keeps_formula_text_as_text_and_last_week_pinned(slack, fake_slack, world):  # noqa: F811
    answer = ask(slack, fake_slack, "report devices")
    fake_slack.wait_for("files.completeUploadExternal")
    button = _xlsx_button(answer)
    assert json.loads(button["value"]) == {"n": "devices", "r": None, "s": None, "e": None}
    name, data, channel = press(slack, fake_slack, button)
    assert name.startswith("Devices_") and name.endswith(".xlsx") and channel == "D_FULL"
    sheet = load_workbook(io.BytesIO(data)).active
    user = sheet.cell(row=2, column=11)
    assert user.value == "=cmd@acme.example" and user.data_type == "s"
    usage = ask(slack, fake_slack, "report call-usage US")
    value = json.loads(_xlsx_button(usage)["value"])
    assert (value["s"], value["e"]) == ("2026-11-15", "2026-11-21")  # the week the CSV held


def test_a_crafted_report_format_is_stale(slack, fake_slack, world):  # noqa: F811
    for action_id, value, said in (("ph_report_run", {"n": "devices", "f": "pdf"}, "That button is out of date"),
                                   ("ph_report_file:pdf", {"n": "devices"}, "no longer works")):  # not registered
        answer = fake_slack.wait_for_response(slack.action(action_id, json.dumps(value), user="U_FULL"))
        text = blocks_text(answer)
        assert said in text and "something went wrong" not in text, answer
    assert fake_slack.calls("files.getUploadURLExternal") == []
