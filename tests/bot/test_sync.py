"""/partnerhub sync status, and a subscription CSV uploaded from Slack (sync import)."""
from __future__ import annotations

import json
import threading
from datetime import datetime, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from sqlmodel import select

from partnerhub_core.models import AuditEvent, Subscription, SyncState
from tests.bot.conftest import BOT_TOKEN
from tests.bot.feature_world import blocks_text


def ask(slack, fake_slack, text, user="U_READ"):
    return fake_slack.wait_for_response(slack.command(text, user=user))


def test_status_before_any_sync(slack, fake_slack, linked):
    text = blocks_text(ask(slack, fake_slack, "sync"))
    assert "No sync has run yet." in text
    assert "*Licenses* — never succeeded" in text


def test_status_shows_last_success_and_what_failed(slack, fake_slack, session, linked):
    ok = datetime(2026, 11, 22, 0, 30, tzinfo=timezone.utc)
    bad = datetime(2026, 11, 24, 9, 15, tzinfo=timezone.utc)
    pid = linked.partner_id
    session.add(SyncState(partner_id=pid, part="organizations", last_success_at=ok, items=3))
    session.add(SyncState(partner_id=pid, part="licenses", last_success_at=ok, last_error_at=bad,
                          last_error="1 organizations failed; first: org-b: Webex GET /v1/licenses failed (500)",
                          cursor=bad.isoformat()))
    session.add(SyncState(partner_id=pid, part="licenses", org_id="org-a", last_success_at=bad))
    session.add(SyncState(partner_id=pid, part="licenses", org_id="org-b", last_error_at=bad, last_error="500"))
    session.commit()
    text = blocks_text(ask(slack, fake_slack, "sync status"))
    assert ":white_check_mark: *Customer organizations* — last success: Nov 22, 2026 00:30 UTC" in text
    assert ":warning: *Licenses* — last success: Nov 22, 2026 00:30 UTC" in text
    assert ("1 organizations failing · last error Nov 24, 2026 09:15 UTC · the next run resumes where this "
            "one stopped") in text
    assert "`1 organizations failed; first: org-b: Webex GET /v1/licenses failed (500)`" in text
    assert ":white_circle: *Devices* — never succeeded" in text


def test_status_speaks_the_users_language(slack, fake_slack, linked):
    fake_slack.add_user("U_READ", locale="pt-BR")
    text = blocks_text(ask(slack, fake_slack, "sync status"))
    assert "Licenças" in text or "Licencas" in text


def test_bad_words_get_the_usage(slack, fake_slack, linked):
    text = blocks_text(ask(slack, fake_slack, "sync now please"))
    assert "Usage: /partnerhub sync [status], or sync import to upload a subscription CSV" in text


def test_only_full_admins_open_the_import_form(slack, fake_slack, linked):
    denied = blocks_text(ask(slack, fake_slack, "sync import", user="U_ADMIN"))
    assert "You need the full partner admin role to do this" in denied
    assert fake_slack.calls("views.open") == []
    slack.command("sync import", user="U_FULL", channel="C_OPS")
    [opened] = fake_slack.wait_for("views.open")
    view = opened.params["view"]
    assert view["callback_id"] == "ph_sync_import"
    assert json.loads(view["private_metadata"]) == {"channel": "C_OPS"}
    [file_input] = [b["element"] for b in view["blocks"] if b["type"] == "input"]
    assert (file_input["type"], file_input["filetypes"], file_input["max_files"]) == ("file_input", ["csv"], 1)


class FileHost:
    """Plays files.slack.com: serves one file and records the Authorization header."""

    def __init__(self, data: bytes):
        self.data, self.auth = data, []
        host = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *a):
                pass

            def do_GET(self):
                host.auth.append(self.headers.get("Authorization"))
                self.send_response(200)
                self.send_header("Content-Length", str(len(host.data)))
                self.end_headers()
                self.wfile.write(host.data)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/files-pri/T001-F1/download/subs.csv"

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def file_host():
    hosts = []

    def make(data: bytes) -> FileHost:
        hosts.append(FileHost(data))
        return hosts[-1]

    yield make
    for h in hosts:
        h.close()


def upload(slack, host: FileHost, user="U_FULL", url=None):
    values = {"ph_sync_import_file": {"file": {"type": "file_input", "files": [
        {"id": "F1", "name": "subs.csv", "size": len(host.data), "url_private_download": url or host.url}]}}}
    return slack.view_submission("ph_sync_import", values, user=user, private_metadata=json.dumps({"channel": "C_OPS"}))


HEADER = "customer_org_id,customer_name,subscription_id,product,licenses,start_date,end_date,auto_renew,status\n"


def test_an_uploaded_csv_is_imported(slack, fake_slack, session, linked, file_host):
    host = file_host((HEADER + "org-a,Acme,SUB-1,calling,40,2026-01-01,2027-01-01,yes,active\n"
                      "org-b,Bravo,SUB-2,meetings,5,2026-02-01,,no,trial\n").encode("utf-8-sig"))
    assert upload(slack, host).status_code == 200
    [said] = fake_slack.wait_for("chat.postEphemeral")
    assert (said.params["channel"], said.params["user"]) == ("C_OPS", "U_FULL")
    assert "2 rows of subs.csv: 2 new and 0 updated subscriptions, 2 new customers." in said.params["text"]
    assert host.auth == [f"Bearer {BOT_TOKEN}"]
    session.expire_all()
    assert sorted((s.subscription_id, s.total_licenses) for s in session.exec(select(Subscription))) == [
        ("SUB-1", 40), ("SUB-2", 5)]
    event = session.exec(select(AuditEvent).where(AuditEvent.action == "subscriptions.import")).one()
    assert event.actor == "slack:U_FULL"


def test_an_uploaded_csv_with_bad_rows_imports_nothing_and_lists_them(slack, fake_slack, session, linked, file_host):
    host = file_host((HEADER + "org-a,Acme,SUB-1,calling,40,2026-01-01,2027-01-01,yes,active\n"
                      "org-b,Bravo,SUB-2,meetings,lots,2026-02-01,,no,trial\n").encode())
    upload(slack, host)
    [said] = fake_slack.wait_for("chat.postEphemeral")
    text = blocks_text(said.params)
    assert "1 of 2 rows of subs.csv are wrong, so nothing was imported:" in text
    assert 'line 3: licenses "lots" is not a whole number from 0 to 10000000' in text
    session.expire_all()
    assert session.exec(select(Subscription)).all() == []


def test_the_token_only_goes_to_slacks_file_host(slack, fake_slack, session, linked, file_host):
    host = file_host(HEADER.encode())
    upload(slack, host, url="https://evil.example.com/steal.csv")
    [said] = fake_slack.wait_for("chat.postEphemeral")
    assert "That file did not come from Slack; upload it again." in said.params["text"]
    assert host.auth == []


def test_a_plain_admin_cannot_submit_the_form(slack, fake_slack, session, linked, file_host):
    host = file_host((HEADER + "org-a,Acme,SUB-1,calling,40,2026-01-01,,yes,active\n").encode())
    upload(slack, host, user="U_ADMIN")
    [said] = fake_slack.wait_for("chat.postEphemeral")
    assert "You need the full partner admin role to do this" in said.params["text"]
    assert host.auth == []


def test_status_says_a_source_without_its_scope_is_not_connected_in_one_line(slack, fake_slack, session, linked):
    bad = datetime(2026, 11, 24, 9, 15, tzinfo=timezone.utc)
    pid = linked.partner_id
    session.add(SyncState(partner_id=pid, part="sign_in", last_error_at=bad,
                          last_error="not connected: missing scope audit:events_read"))
    session.add(SyncState(partner_id=pid, part="sign_in", org_id="org-a", last_error_at=bad, last_error="403"))
    session.commit()
    text = blocks_text(ask(slack, fake_slack, "sync status"))
    assert (":white_circle: *Admin sign-in* — not connected: the Webex token lacks audit:events_read; see "
            "`/partnerhub sources`") in text
    assert "organizations failing" not in text  # not a failure: no failing count, no error block
