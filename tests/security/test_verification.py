"""Nothing runs before verification: every way a request can fail it gets a bare 401.

The body of each forged request names a response_url on the Slack stand-in (as an attacker
would name an internal address): nothing may arrive there, nor at the Web API."""
import time
from urllib.parse import urlencode

import pytest
from slack_sdk.signature import SignatureVerifier

from tests.security.conftest import SIGNING_SECRET, raw_http, settle


def _form(fake_slack, key="forged"):
    return urlencode({"team_id": "T001", "user_id": "U_FULL", "channel_id": "C1", "command": "/partnerhub",
                      "text": "help", "response_url": fake_slack.response_url(key), "trigger_id": "t"})


def _sign(body: str, ts: str) -> str:
    return SignatureVerifier(SIGNING_SECRET).generate_signature(timestamp=ts, body=body)


NOW = lambda: str(int(time.time()))  # noqa: E731

# (name, timestamp header or None, signature header or None given the good one)
HEADER_VARIANTS = [
    ("no headers", None, None),
    ("no timestamp", None, "good"),
    ("no signature", "now", None),
    ("timestamp abc", "abc", "good"),
    ("timestamp empty", "", "good"),
    ("timestamp 1.5", "1.5", "good"),
    ("timestamp negative", "-now", "good"),
    ("timestamp with plus", "+now", "good"),
    ("timestamp exponent", "1e9", "good"),
    ("timestamp arabic digits", "١٧٦٤٠٠٠٠٠٠", "good"),
    ("timestamp huge", "9" * 40, "good"),
    ("timestamp stale", "stale", "good"),
    ("timestamp future", "future", "good"),
    ("signature empty", "now", ""),
    ("signature without v0", "now", "bare"),
    ("signature v1", "now", "v1"),
    ("signature upper hex", "now", "upper"),
    ("signature short", "now", "short"),
    ("signature zero", "now", "v0=" + "0" * 64),
    ("signature of another secret", "now", "other"),
]


def _headers(body: str, ts_kind, sig_kind) -> dict:
    now = int(time.time())
    ts = {None: None, "now": str(now), "-now": f"-{now}", "+now": f"+{now}", "stale": str(now - 301),
          "future": str(now + 301)}.get(ts_kind, ts_kind)
    signed_ts = ts if ts and ts.isascii() and ts.lstrip("+-").isdigit() else str(now)
    good = _sign(body, signed_ts)
    sig = {None: None, "good": good, "bare": good[3:], "v1": "v1=" + good[3:], "upper": "v0=" + good[3:].upper(),
           "short": good[:-2],
           "other": SignatureVerifier("another-secret").generate_signature(timestamp=str(now), body=body),
           }.get(sig_kind, sig_kind)
    headers = {"Content-Type": "application/x-www-form-urlencoded"}
    if ts is not None:
        headers["X-Slack-Request-Timestamp"] = ts
    if sig is not None:
        headers["X-Slack-Signature"] = sig
    return {k: v.encode("utf-8") for k, v in headers.items()}  # bytes: non-ASCII goes out as sent


@pytest.mark.parametrize("name,ts,sig", HEADER_VARIANTS, ids=[v[0] for v in HEADER_VARIANTS])
def test_every_failed_verification_is_a_bare_401_and_nothing_goes_out(slack, fake_slack, records, name, ts, sig):
    body = _form(fake_slack)
    response = slack.http.post("/slack/events", content=body.encode(), headers=_headers(body, ts, sig))
    assert response.status_code == 401, name
    assert response.content == b""
    settle(fake_slack)
    assert fake_slack.requests == []
    assert records.tracebacks() == []


def test_the_reported_ssrf_timestamp_abc_reaches_nothing(slack, fake_slack, linked, records):
    # The repro: the body's response_url named an internal address; now nothing is posted.
    body = _form(fake_slack, "internal")
    response = slack.http.post("/slack/events", content=body.encode(), headers={
        "Content-Type": "application/x-www-form-urlencoded", "X-Slack-Request-Timestamp": "abc",
        "X-Slack-Signature": _sign(body, NOW())})
    assert response.status_code == 401
    settle(fake_slack, 0.5)
    assert fake_slack.requests == []
    assert records.tracebacks() == []


def test_repeated_signature_headers_are_refused(bot_server, fake_slack, records):
    body = _form(fake_slack)
    ts = NOW()
    head = ("POST /slack/events HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\n"
            f"X-Slack-Request-Timestamp: {ts}\r\nX-Slack-Request-Timestamp: {ts}\r\n"
            f"X-Slack-Signature: {_sign(body, ts)}\r\nContent-Length: {len(body)}\r\nConnection: close\r\n\r\n")
    status, _ = raw_http(bot_server.url, head, body.encode())
    assert status == 401
    settle(fake_slack)
    assert fake_slack.requests == []


def test_a_tampered_body_with_valid_headers_is_refused_after_reading_it(slack, fake_slack, records):
    body = _form(fake_slack)
    ts = NOW()
    response = slack.post(body.replace("help", "setup"), "application/x-www-form-urlencoded",
                          timestamp=int(ts), signature=_sign(body, ts))
    assert response.status_code == 401
    settle(fake_slack)
    assert fake_slack.requests == []
    [line] = records.requests()
    assert line.status == 401 and line.reason == "signature does not match"


def test_the_error_handler_never_answers_an_unverified_request(bot_server, fake_slack):
    """Second lock: even if a request got into bolt unverified (here: handed to bolt
    directly, past the gate), the error handler neither responds nor calls Slack."""
    import asyncio

    from slack_bolt.async_app import AsyncBoltRequest

    body = _form(fake_slack, "second-lock")
    request = AsyncBoltRequest(body=body, headers={
        "content-type": "application/x-www-form-urlencoded", "x-slack-request-timestamp": "abc",
        "x-slack-signature": "v0=" + "0" * 64})
    response = asyncio.run(bot_server.bolt.async_dispatch(request))
    assert response.status == 401
    settle(fake_slack)
    assert fake_slack.requests == []


def test_a_signed_fresh_command_still_gets_in(slack, fake_slack, linked):
    key = slack.command("help")
    assert fake_slack.wait_for_response(key)["text"] == "Partner Hub help"
