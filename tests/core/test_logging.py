"""Structured logs: JSON lines, no tokens, no secrets, no customer data at INFO."""
from __future__ import annotations

import io
import json
import logging

import pytest
from pydantic import SecretStr

from partnerhub_core.logging import configure_logging, event, redact
from partnerhub_core.settings import Settings

SIGNING = "8f742231b10e8888abcd99yyyzzz85a5"


@pytest.fixture
def captured():
    stream = io.StringIO()
    settings = Settings(slack_signing_secret=SecretStr(SIGNING), log_level="INFO")
    handler = configure_logging(settings, stream=stream)
    yield stream
    logging.getLogger().removeHandler(handler)


def _lines(stream):
    return [json.loads(line) for line in stream.getvalue().splitlines()]


def test_one_json_line_per_event_with_its_fields(captured):
    event(logging.getLogger("partnerhub.test"), "request", workspace="T1", partner=4,
          command="/partnerhub", outcome="ok", latency_ms=12, slack_request_id="Ev123")
    (line,) = _lines(captured)
    assert line["event"] == "request" and line["level"] == "info" and line["logger"] == "partnerhub.test"
    assert {k: line[k] for k in ("workspace", "partner", "command", "outcome", "latency_ms", "slack_request_id")} == {
        "workspace": "T1", "partner": 4, "command": "/partnerhub", "outcome": "ok", "latency_ms": 12,
        "slack_request_id": "Ev123"}


def test_tokens_and_the_signing_secret_are_masked_everywhere(captured):
    log = logging.getLogger("partnerhub.test")
    log.warning("posting with xoxb-123-456-abcDEF and %s", "Bearer NmY3ZTk0ZTgtMDI3", extra={"auth": f"secret={SIGNING}", "app": ["xapp-1-A0-xyz"]})
    try:
        raise RuntimeError("token xoxp-999-888 refused")
    except RuntimeError:
        log.exception("failed")
    text = captured.getvalue()
    for leaked in ("123-456-abcDEF", "NmY3ZTk0ZTgtMDI3", SIGNING, "1-A0-xyz", "999-888"):
        assert leaked not in text
    first, second = _lines(captured)
    assert first["event"] == "posting with xoxb-*** and Bearer ***"
    assert first["auth"] == "secret=***" and first["app"] == ["xapp-***"]
    assert "xoxp-***" in second["exc"]


def test_customer_data_fields_only_at_debug(captured):
    log = logging.getLogger("partnerhub.test")
    event(log, "request", command="/partnerhub", text="lookup Acme Brasil", customer_name="Acme Brasil")
    logging.getLogger().setLevel(logging.DEBUG)
    event(log, "request", level=logging.DEBUG, command="/partnerhub", text="lookup Acme Brasil")
    info, debug = _lines(captured)
    assert "Acme" not in json.dumps(info)
    assert debug["text"] == "lookup Acme Brasil"


def test_level_comes_from_settings():
    stream = io.StringIO()
    handler = configure_logging(Settings(log_level="WARNING"), stream=stream)
    try:
        logging.getLogger("partnerhub.test").info("quiet")
        logging.getLogger("partnerhub.test").warning("loud")
    finally:
        logging.getLogger().removeHandler(handler)
        logging.getLogger().setLevel(logging.WARNING)
    assert [l["event"] for l in _lines(stream)] == ["loud"]


def test_redact_leaves_ordinary_text_alone():
    assert redact("customer T1 has 12 licenses, box-like words stay") == "customer T1 has 12 licenses, box-like words stay"


def test_third_party_records_are_normalised_and_url_passwords_masked():
    import io

    # A test that ran uvicorn with its default logging config leaves "uvicorn" with its own
    # handler and no propagation; the product runs uvicorn with log_config=None.
    for name in ("uvicorn", "uvicorn.error"):
        lg = logging.getLogger(name)
        lg.handlers.clear()
        lg.propagate, lg.disabled = True, False
        lg.setLevel(logging.NOTSET)
    stream = io.StringIO()
    configure_logging(Settings(log_level="INFO"), stream=stream)
    logging.getLogger("uvicorn.error").info("Started \x1b[1mserver\x1b[0m", extra={"color_message": "\x1b[32mx\x1b[0m"})
    logging.getLogger("partnerhub.test").warning("cannot reach postgresql://app:hunter22@db/hub")
    logging.getLogger("apscheduler.executors.default").info("Job executed successfully")
    lines = [json.loads(line) for line in stream.getvalue().splitlines()]
    assert [line["event"] for line in lines] == ["Started server", "cannot reach postgresql://app:***@db/hub"]
    assert "color_message" not in lines[0]


def test_a_terminal_in_development_gets_readable_lines():
    import io

    from partnerhub_core.logging import TextFormatter

    class Tty(io.StringIO):
        def isatty(self):
            return True

    handler = configure_logging(Settings(log_level="INFO", environment="development"), stream=Tty())
    assert isinstance(handler.formatter, TextFormatter)
    assert not isinstance(configure_logging(Settings(log_level="INFO", environment="production"),
                                            stream=Tty()).formatter, TextFormatter)
