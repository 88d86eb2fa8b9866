"""Bot test fixtures: the Slack stand-in, the app served by uvicorn on a free port, and a
client that sends signed Slack requests to it.

    def test_help_lists_commands(slack, fake_slack, linked):
        key = slack.command("help", user=linked.full_admin_slack)
        answer = fake_slack.wait_for_response(key)
        assert "customer" in answer["text"]

``slack.command/action/view_submission/event`` return the response key (or the HTTP
response for events); the app's answer arrives at ``fake_slack`` — wait for it with
``fake_slack.wait_for_response(key)`` or ``fake_slack.wait_for("views.publish")``.
Data goes in through the ``session`` fixture and must be committed (the app reads it
from its own connections).
"""
from __future__ import annotations

import json
import socket
import threading
import time
import uuid
from dataclasses import dataclass
from datetime import date
from urllib.parse import urlencode

import httpx
import pytest
import uvicorn
from pydantic import SecretStr
from slack_sdk.signature import SignatureVerifier

from bot.server import build_asgi, uvicorn_config
from partnerhub_core.models import Partner, PartnerAdmin, Role, Workspace
from tests.fakes.slack import FakeSlack

SIGNING_SECRET = "test-signing-secret"
BOT_TOKEN = "xoxb-test-token"
AS_OF = date(2026, 11, 25)
TEAM = "T001"
OTHER_TEAM = "T002"


@pytest.fixture
def fake_slack():
    with FakeSlack(team_id=TEAM) as fake:
        yield fake


@pytest.fixture
def bot_settings(settings, fake_slack):
    return settings.model_copy(update={
        "slack_api_url": fake_slack.base_url,
        "slack_bot_token": SecretStr(BOT_TOKEN),
        "slack_signing_secret": SecretStr(SIGNING_SECRET),
        "slack_client_id": None,
        "slack_client_secret": None,
        "as_of": AS_OF,
    })


@dataclass
class Served:
    url: str
    asgi: object

    @property
    def bolt(self):
        return self.asgi.state.bolt


def serve(asgi) -> tuple[Served, callable]:
    """Run an ASGI app with uvicorn in a thread on a free port; returns (served, stop)."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    server = uvicorn.Server(uvicorn_config(asgi, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("uvicorn did not start")
        time.sleep(0.01)

    def stop():
        server.should_exit = True
        thread.join(10)
        sock.close()

    return Served(url=f"http://127.0.0.1:{port}", asgi=asgi), stop


@pytest.fixture
def bot_server(bot_settings, engine):
    served, stop = serve(build_asgi(bot_settings, engine))
    yield served
    stop()


class SlackSender:
    """Sends what Slack sends: signed slash commands, interactivity payloads and events."""

    def __init__(self, base_url: str, fake: FakeSlack, secret: str = SIGNING_SECRET):
        self.base_url = base_url
        self.fake = fake
        self.verifier = SignatureVerifier(secret)
        self.http = httpx.Client(base_url=base_url, timeout=15)

    # --- raw --------------------------------------------------------------------------
    def post(self, body: str, content_type: str, *, timestamp: int | None = None,
             signature: str | None = None, sign: bool = True, headers: dict | None = None) -> httpx.Response:
        ts = str(timestamp if timestamp is not None else int(time.time()))
        headers = {"Content-Type": content_type, **(headers or {})}
        if sign:
            headers["X-Slack-Request-Timestamp"] = ts
            headers["X-Slack-Signature"] = signature or self.verifier.generate_signature(timestamp=ts, body=body)
        return self.http.post("/slack/events", content=body.encode("utf-8"), headers=headers)

    def post_form(self, fields: dict, **kw) -> httpx.Response:
        return self.post(urlencode(fields), "application/x-www-form-urlencoded", **kw)

    # --- what Slack sends -------------------------------------------------------------
    def command(self, text: str, *, user: str = "U_FULL", team: str = TEAM, channel: str = "C_GENERAL",
                command: str = "/partnerhub", enterprise: str = "", expect_status: int = 200) -> str:
        """A slash command; returns the key of its response_url on the stand-in."""
        key = uuid.uuid4().hex[:10]
        fields = {
            "token": "legacy", "team_id": team, "team_domain": team.lower(), "enterprise_id": enterprise,
            "channel_id": channel, "channel_name": "general", "user_id": user, "user_name": user.lower(),
            "command": command, "text": text, "api_app_id": "A_PARTNERHUB", "is_enterprise_install": "false",
            "response_url": self.fake.response_url(key), "trigger_id": f"trigger-{key}",
        }
        response = self.post_form(fields)
        assert response.status_code == expect_status, (response.status_code, response.text)
        return key

    def _interactive(self, payload: dict) -> httpx.Response:
        return self.post_form({"payload": json.dumps(payload)})

    def action(self, action_id: str, value: str = "", *, user: str = "U_FULL", team: str = TEAM,
               channel: str | None = "C_GENERAL", selected: str | None = None, view: dict | None = None,
               block_id: str = "b1", expect_status: int = 200) -> str:
        """A block_actions click (button, or a static select with ``selected``); returns the
        response key (answers from a Home view have no response_url: use wait_for)."""
        key = uuid.uuid4().hex[:10]
        action = {"action_id": action_id, "block_id": block_id, "type": "button", "value": value,
                  "action_ts": str(time.time())}
        if selected is not None:
            action = {"action_id": action_id, "block_id": block_id, "type": "static_select",
                      "selected_option": {"text": {"type": "plain_text", "text": selected}, "value": selected},
                      "action_ts": str(time.time())}
        payload = {
            "type": "block_actions", "team": {"id": team, "domain": team.lower()},
            "user": {"id": user, "username": user.lower(), "team_id": team},
            "api_app_id": "A_PARTNERHUB", "trigger_id": f"trigger-{key}", "actions": [action],
            "container": {"type": "message"} if view is None else {"type": "view", "view_id": view.get("id", "V1")},
        }
        if channel is not None:
            payload["channel"] = {"id": channel, "name": "general"}
            payload["response_url"] = self.fake.response_url(key)
            payload["message"] = {"ts": "1760000000.000001", "text": "earlier"}
        if view is not None:
            payload["view"] = view
        response = self._interactive(payload)
        assert response.status_code == expect_status, (response.status_code, response.text)
        return key

    def view_submission(self, callback_id: str, values: dict, *, user: str = "U_FULL", team: str = TEAM,
                        private_metadata: str = "") -> httpx.Response:
        """``values`` in Slack's shape: {block_id: {action_id: {"type": ..., "value": ...}}}."""
        payload = {
            "type": "view_submission", "team": {"id": team, "domain": team.lower()},
            "user": {"id": user, "username": user.lower(), "team_id": team},
            "api_app_id": "A_PARTNERHUB", "trigger_id": "trigger-view",
            "view": {"id": "V_SUBMIT", "type": "modal", "callback_id": callback_id,
                     "private_metadata": private_metadata, "state": {"values": values},
                     "team_id": team},
        }
        return self._interactive(payload)

    def event(self, event: dict, *, team: str = TEAM, event_id: str | None = None,
              retry: int | None = None) -> httpx.Response:
        """An Events API delivery; ``event_id`` and ``retry`` (X-Slack-Retry-Num) send a retry."""
        body = {"token": "legacy", "team_id": team, "api_app_id": "A_PARTNERHUB", "type": "event_callback",
                "event_id": event_id or f"Ev{uuid.uuid4().hex[:8]}", "event_time": int(time.time()), "event": event,
                "authorizations": [{"team_id": team, "user_id": "UBOT", "is_bot": True}]}
        headers = {"X-Slack-Retry-Num": str(retry), "X-Slack-Retry-Reason": "http_timeout"} if retry else None
        return self.post(json.dumps(body), "application/json", headers=headers)


@pytest.fixture
def slack(bot_server, fake_slack):
    sender = SlackSender(bot_server.url, fake_slack)
    yield sender
    sender.http.close()


# ---------------------------------------------------------------------------------
# Data: a partner linked to the test workspace, with one admin per role
# ---------------------------------------------------------------------------------
@dataclass
class Linked:
    partner_id: int
    workspace_id: int
    admins: dict[str, int]  # slack user id -> PartnerAdmin id


ROLE_USERS = {"U_FULL": Role.FULL_ADMIN, "U_ADMIN": Role.ADMIN, "U_SALES": Role.SALES_ADMIN,
              "U_READ": Role.READ_ONLY}


def link_partner(session, *, team: str = TEAM, name: str = "Acme Partners", prefix: str = "",
                 language: str = "en") -> Linked:
    partner = Partner(name=name, webex_org_id=f"org-{team.lower()}", default_language=language)
    session.add(partner)
    session.flush()
    workspace = Workspace(partner_id=partner.id, team_id=team, default_language=language)
    session.add(workspace)
    admins = {}
    for user, role in ROLE_USERS.items():
        slack_id = prefix + user
        admin = PartnerAdmin(partner_id=partner.id, display_name=slack_id, email=f"{slack_id.lower()}@{team.lower()}.example",
                             slack_user_id=slack_id, role=role)
        session.add(admin)
        session.flush()
        admins[slack_id] = admin.id
    session.commit()
    return Linked(partner_id=partner.id, workspace_id=workspace.id, admins=admins)


@pytest.fixture
def linked(session, fake_slack) -> Linked:
    """The test workspace T001 linked to "Acme Partners" with U_FULL, U_ADMIN, U_SALES, U_READ."""
    for user in ROLE_USERS:
        fake_slack.add_user(user, name=user.title())
    return link_partner(session)


def message_fields(message) -> dict[str, str]:
    """A message's section fields as {bold label: value} ("*Customers*\n267" -> {"Customers": "267"})."""
    out = {}
    for block in message["blocks"]:
        for f in block.get("fields") or []:
            label, _, value = f["text"].partition("\n")
            out[label.strip("*")] = value
    return out
