"""Fuzz over raw request bodies and headers (hypothesis): whatever arrives, the answer is
never a 500; an unverified request makes no outbound call and logs no traceback; a signed
one, however odd, ends in an answer, not a crash."""
import hashlib
import hmac
import time

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.security.conftest import SIGNING_SECRET, raw_http

FUZZ = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                        HealthCheck.too_slow])

CONTENT_TYPES = st.sampled_from(["application/json", "application/x-www-form-urlencoded", "text/plain",
                                 "application/json; charset=utf-8", "multipart/form-data", ""])
JSONISH = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(
        st.sampled_from(["type", "team", "user", "channel", "actions", "view", "event", "state", "values",
                         "callback_id", "action_id", "value", "response_url", "team_id", "user_id", "id",
                         "authorizations", "private_metadata", "command", "text", "container", "message"]),
        inner, max_size=5),
    max_leaves=20)
BODIES = st.one_of(
    st.binary(max_size=2000),
    st.text(max_size=500).map(lambda s: s.encode("utf-8", "surrogatepass")),
    JSONISH.map(lambda v: __import__("json").dumps(v).encode()),
    JSONISH.map(lambda v: b"payload=" + __import__("urllib.parse").parse.quote(__import__("json").dumps(v)).encode()),
)
HEADER_TEXT = st.text(alphabet=st.characters(min_codepoint=32, max_codepoint=126), max_size=80)
TIMESTAMPS = st.one_of(HEADER_TEXT, st.integers(-10**12, 10**13).map(str),
                       st.just("now"), st.floats(allow_nan=True).map(str))


def _send(url: str, body: bytes, content_type: str, ts: str | None, sig: str | None,
          extra: list[tuple[str, str]]) -> int:
    lines = ["POST /slack/events HTTP/1.1", "Host: x", f"Content-Length: {len(body)}", "Connection: close"]
    if content_type:
        lines.append(f"Content-Type: {content_type}")
    if ts is not None:
        lines.append(f"X-Slack-Request-Timestamp: {ts}")
    if sig is not None:
        lines.append(f"X-Slack-Signature: {sig}")
    lines += [f"{k}: {v}" for k, v in extra]
    status, raw = raw_http(url, "\r\n".join(lines) + "\r\n\r\n", body)
    return status


def _sign(ts: str, body: bytes) -> str:
    return "v0=" + hmac.new(SIGNING_SECRET.encode(), b"v0:" + ts.encode() + b":" + body, hashlib.sha256).hexdigest()


@pytest.fixture
def backend():  # the server's database does not matter here: SQLite only
    return "sqlite"


@FUZZ
@given(body=BODIES, content_type=CONTENT_TYPES, ts=st.none() | TIMESTAMPS,
       sig=st.none() | HEADER_TEXT | st.just("almost"),
       extra=st.lists(st.tuples(st.sampled_from(["X-Slack-Retry-Num", "X-Slack-Retry-Reason", "X-Forwarded-For",
                                                 "X-Slack-Signature", "Content-Encoding"]), HEADER_TEXT),
                      max_size=3))
def test_unverified_requests_get_no_500_no_call_and_no_traceback(bot_server, fake_slack, records, body, content_type,
                                                                 ts, sig, extra):
    before_calls, before_records = len(fake_slack.requests), len(records.records)
    if ts == "now":
        ts = str(int(time.time()))
    if sig == "almost" and ts is not None:
        sig = _sign(ts, body + b" ")  # right form, wrong body
    status = _send(bot_server.url, body, content_type, ts, sig, extra)
    assert status in (400, 401, 413), status
    time.sleep(0.02)
    assert len(fake_slack.requests) == before_calls
    assert [r for r in records.tracebacks() if r in records.records[before_records:]] == []


@FUZZ
@given(body=BODIES, content_type=CONTENT_TYPES)
def test_signed_odd_bodies_get_no_500_and_no_traceback(bot_server, fake_slack, records, body, content_type):
    before = len(records.records)
    ts = str(int(time.time()))
    status = _send(bot_server.url, body, content_type, ts, _sign(ts, body), [])
    assert status != 500 and status != 0
    assert status in (200, 400, 404), status
    assert [r for r in records.records[before:] if r.exc_info or r.exc_text or r.levelno >= 40] == []
