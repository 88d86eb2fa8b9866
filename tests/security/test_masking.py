"""Tokens never reach the log, at any level: not the Slack ones, not a Webex token a person
typed into a command (logged with the command text at DEBUG)."""
import base64
import io
import json
import logging

import pytest

from partnerhub_core.logging import configure_logging
from tests.bot.conftest import BOT_TOKEN, SIGNING_SECRET

WEBEX_TOKEN = ("NmY3ZTk0ZTgtMDI3Yy00YmI0LWFkOTItYzU5YjQ2NGI0ZjY0ZTc1ZjY0ZTgtMDI3"
               "_PF84_1eb65fdf-9643-417f-9974-ad72cae0e10f")
BARE_TOKEN = "ZTc1ZjY0ZTgtMDI3Yy00YmI0LWFkOTItYzU5YjQ2NGI0ZjY0NmY3ZTk0ZTgtMDI3Yy00YmI0"
ORG_ID = base64.b64encode(b"ciscospark://us/ORGANIZATION/a1b2c3d4-e5f6-7890-abcd-ef1234567890").decode().rstrip("=")


@pytest.fixture
def debug_log(bot_settings):
    stream = io.StringIO()
    handler = configure_logging(bot_settings.model_copy(update={"log_level": "DEBUG"}), stream=stream)
    yield stream
    logging.getLogger().removeHandler(handler)


def test_a_webex_token_typed_into_a_command_is_masked_at_debug(slack, fake_slack, linked, debug_log):
    key = slack.command(f"setup token {WEBEX_TOKEN} {BARE_TOKEN}")
    fake_slack.wait_for_response(key)
    out = debug_log.getvalue()
    typed = [json.loads(line) for line in out.splitlines() if '"request_text"' in line]
    assert [line["text"] for line in typed] == ["setup token *** ***"]  # logged at DEBUG, masked
    assert WEBEX_TOKEN not in out and BARE_TOKEN not in out and WEBEX_TOKEN[:40] not in out
    assert SIGNING_SECRET not in out and BOT_TOKEN not in out


@pytest.mark.parametrize("level", [logging.DEBUG, logging.INFO, logging.WARNING, logging.ERROR])
def test_tokens_are_masked_at_every_level_in_messages_fields_and_tracebacks(debug_log, level):
    log = logging.getLogger("partnerhub.test")
    try:
        raise RuntimeError(f"Webex said no to Bearer {WEBEX_TOKEN}")
    except RuntimeError:
        log.log(level, "calling with %s and xoxb-1-2-abc", WEBEX_TOKEN, exc_info=True,
                extra={"token": BARE_TOKEN, "org": ORG_ID, "nested": {"t": [WEBEX_TOKEN]}})
    out = debug_log.getvalue()
    assert WEBEX_TOKEN not in out and BARE_TOKEN not in out and "xoxb-1-2-abc" not in out
    assert WEBEX_TOKEN[:40] not in out
    line = json.loads(out.splitlines()[-1])
    assert line["org"] == ORG_ID  # a Webex id is not a secret: operators need it
