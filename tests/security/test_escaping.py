"""Every template, rendered with a hostile name in every string it is given, shows the
name inert: no mention, no broadcast, no link of the name's own making, in any mrkdwn
text or the top-level ``text`` fallback (which Slack also reads as mrkdwn, and shows in
notifications)."""
from __future__ import annotations

import dataclasses
import re
from datetime import date, datetime
from enum import Enum

import pytest

from bot.render import TEMPLATES_DIR, render
from tests.bot.test_templates import _cases

# The name, with a broadcast no fixture uses, so that only what we put in is looked for.
HOSTILE = "<!everyone> <@UHOSTILE> <https://hostile.example|y> & *bold*"
RAW = ("<!everyone>", "<@UHOSTILE>", "<https://hostile.example|y>", "& *bold*")
TEMPLATES = sorted(p.name for p in TEMPLATES_DIR.glob("*.json.j2"))

# Strings a template compares or looks up (keys, codes, ids, urls), not text for people.
# Values that are mrkdwn already by contract: lines the listener built, escaping the data
# it put in (bot/listeners/*), and our own wording with its links and formatting.
_MRKDWN = {"line", "lines", "admin_line", "admins", "usage", "help", "how", "lead", "done", "links", "text_lines",
           "thresholds", "hint", "topics", "attention", "link",
           # our static resource catalog (bot/listeners/help.py), links included
           "quick", "featured", "helpdesk"}

_SNAKE_CODE = re.compile(r"[a-z][a-z0-9_]*")  # "license_overage": a code, not a name
_CODES = {"key", "kind", "status", "product", "region", "type", "url", "value", "id", "level", "verb",
          "code", "action_id", "block_id", "callback_id", "section", "state", "tab", "format", "unit",
          "language", "locale", "currency", "column", "columns", "trigger", "channel", "target_type",
          "target_id", "tz", "timezone", "role", "category", "source", "metric", "slack_user_id",
          "user", "owner", "cmd", "command", "icon", "style", "period", "frequency", "managed_by",
          "products", "family", "families", "sources", "current", "selected"}


def hostile(value, key: str | None = None):
    """``value`` with the hostile name put into every string meant for people."""
    if isinstance(value, str) and not isinstance(value, Enum):
        if _SNAKE_CODE.fullmatch(value) or key in _CODES or key in _MRKDWN or key and (key.endswith(("_id", "_url", "_key", "_kind", "_code")) or key.startswith("is_")):
            return value
        return f"{HOSTILE} {value}"
    if isinstance(value, (date, datetime, bool, int, float, Enum)) or value is None:
        return value
    if isinstance(value, dict):
        return {k: hostile(v, k if isinstance(k, str) else key) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return type(value)(hostile(v, key) for v in value)
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        changes = {f.name: hostile(getattr(value, f.name), f.name) for f in dataclasses.fields(value) if f.init}
        try:
            return dataclasses.replace(value, **changes)
        except (TypeError, ValueError):
            return value
    return value


def _mrkdwn_texts(node, out: list[str], top: bool = True) -> list[str]:
    if isinstance(node, dict):
        if node.get("type") == "mrkdwn" and isinstance(node.get("text"), str):
            out.append(node["text"])
        if top and isinstance(node.get("text"), str):
            out.append(node["text"])  # the message's fallback text
        for v in node.values():
            _mrkdwn_texts(v, out, False)
    elif isinstance(node, list):
        for v in node:
            _mrkdwn_texts(v, out, False)
    return out


@pytest.mark.parametrize("template", TEMPLATES)
def test_a_hostile_name_is_inert_in_every_template(template):
    rendered_with_the_name = 0
    for case, values in _cases(template).items():
        try:
            payload = render(template, locale="en", **hostile(values))
        except Exception as exc:  # noqa: BLE001 - a template that needs exact codes: say which
            pytest.fail(f"{template} [{case}] did not render with the hostile name: {exc!r}")
        texts = _mrkdwn_texts(payload, [])
        for text in texts:
            for raw in RAW:
                at = text.find(raw)
                assert at < 0, f"{template} [{case}]: {raw!r} left raw in …{text[max(0, at - 120):at + 40]!r}"
        rendered_with_the_name += sum("&lt;!everyone&gt;" in t for t in texts)
    # The name shows somewhere (escaped), unless the template has no mrkdwn text from data.
    assert rendered_with_the_name or template in NO_NAMES, f"{template}: the name never appears"


# Templates with no text from data in mrkdwn (fixed wording, or plain_text only).
NO_NAMES = {"help.json.j2", "language.json.j2", "setup_prompt.json.j2", "setup_link_modal.json.j2",
            "setup_defaults_modal.json.j2", "alert_owner_modal.json.j2", "alert_snooze_modal.json.j2",
            "sync_import_modal.json.j2", "setup_admin_modal.json.j2", "digest_disabled.json.j2",
            "trials_modal.json.j2", "trials_requested.json.j2",
            # fixed wording; the only value is a Slack user id, shown as a mention on purpose
            "share_offer.json.j2", "shared_by.json.j2"}


def test_the_customer_card_of_a_hostile_name_pings_nobody(slack, fake_slack, session, linked):
    from tests.bot.feature_world import add_customers

    world = add_customers(session, linked)
    world.acme.name = HOSTILE
    session.add(world.acme)
    session.commit()
    answer = fake_slack.wait_for_response(slack.command("customer org-acme"))
    texts = _mrkdwn_texts(answer, [])
    assert "&lt;!everyone&gt;" in answer["text"]
    for text in texts:
        for raw in RAW:
            assert raw not in text, text
