"""/partnerhub sources: per source family, connected or not, last refresh, rows, coverage,
last error, missing scopes and how to connect it. As of 2026-11-25 (conftest.AS_OF)."""
from __future__ import annotations

from datetime import datetime, timezone

from partnerhub_core.provenance import SourceFamily, record_failure, record_refresh
from tests.bot.feature_world import blocks_text


def ask(slack, fake_slack, text, user="U_READ"):
    return fake_slack.wait_for_response(slack.command(text, user=user))


def test_nothing_read_yet_says_how_to_connect_each_source(slack, fake_slack, linked):
    text = blocks_text(ask(slack, fake_slack, "sources"))
    assert "0 of 13 sources connected and up to date" in text
    assert ":white_circle: *License usage* — not connected" in text
    assert ("— License usage: not connected. To connect it, give the partner's Webex token "
            "spark-admin:reports_read, spark-admin:reports_write and sync") in text


def test_connected_stale_and_failing_sources(slack, fake_slack, session, linked):
    pid = linked.partner_id
    read = datetime(2026, 11, 24, 3, 0, tzinfo=timezone.utc)
    record_refresh(session, partner_id=pid, family=SourceFamily.ORGANIZATIONS, now=read, rows=1980,
                   covered=1980, total=1980)
    record_refresh(session, partner_id=pid, family=SourceFamily.LICENSE_USAGE, now=read, rows=412,
                   covered=412, total=1980)
    # 10 days before as_of: older than source_stale_days (7)
    record_refresh(session, partner_id=pid, family=SourceFamily.DEVICES,
                   now=datetime(2026, 11, 15, 3, 0, tzinfo=timezone.utc), rows=5)
    record_failure(session, partner_id=pid, family=SourceFamily.ADMIN_SIGN_IN, now=read,
                   error="403 on /v1/adminAudit/events", missing_scopes=["audit:events_read"])
    session.commit()
    text = blocks_text(ask(slack, fake_slack, "sources"))
    assert "2 of 13 sources connected and up to date" in text
    assert (":white_check_mark: *License usage* — connected · last refresh Nov 24, 2026 03:00 UTC · 412 rows · "
            "coverage 412 of 1,980") in text
    assert ":warning: *Devices* — stale · last refresh Nov 15, 2026 03:00 UTC · 5 rows" in text
    assert "— Devices: last read on Nov 15, 2026, too long ago." in text
    assert ":warning: *Admin sign-in* — not connected" in text
    assert "Missing scopes: audit:events_read" in text
    assert "Last error: 403 on /v1/adminAudit/events" in text
    assert "— Admin sign-in: the Webex token lacks audit:events_read." in text


def test_sync_status_points_to_sources(slack, fake_slack, linked):
    assert "`/partnerhub sources`" in blocks_text(ask(slack, fake_slack, "sync status"))


def test_sources_speaks_the_users_language(slack, fake_slack, linked):
    fake_slack.add_user("U_READ", locale="pt-BR")
    text = blocks_text(ask(slack, fake_slack, "sources"))
    assert "Uso de licença" in text
