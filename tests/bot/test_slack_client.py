"""The Slack clients the app makes: base_url from settings, retries on 429 (Retry-After)
and 5xx, and files_upload_v2 through the stand-in."""
import time

import pytest
from pydantic import SecretStr

from bot.slack_client import upload_file, web_client
from partnerhub_core.errors import UpstreamError
from partnerhub_core.settings import Settings
from tests.fakes.slack import FakeSlack


@pytest.fixture
def fake():
    with FakeSlack() as f:
        yield f


@pytest.fixture
def client(fake):
    return web_client(Settings(slack_api_url=fake.base_url, slack_bot_token=SecretStr("xoxb-ci")))


def test_client_calls_the_configured_base_url_with_the_bot_token(client, fake):
    client.chat_postMessage(channel="C1", text="hello")
    call = fake.calls("chat.postMessage")[0]
    assert (call.params["channel"], call.params["text"], call.token) == ("C1", "hello", "xoxb-ci")


def test_rate_limited_call_is_retried_after_retry_after(client, fake):
    fake.fail_next("chat.postMessage", status=429, retry_after=1)
    started = time.monotonic()
    response = client.chat_postMessage(channel="C1", text="hello")
    assert response["ok"] is True
    assert len(fake.calls("chat.postMessage")) == 2
    assert time.monotonic() - started >= 0.9  # waited as Slack asked


def test_server_error_is_retried(client, fake):
    fake.fail_next("chat.postMessage", status=503, error="service_unavailable")
    assert client.chat_postMessage(channel="C1", text="x")["ok"] is True
    assert len(fake.calls("chat.postMessage")) == 2


def test_upload_sends_the_bytes_and_completes_in_the_channel(client, fake):
    content = "Customer,Licenses\nAcme,10\n".encode("utf-8-sig")
    file = upload_file(client, channel="C_REPORTS", filename="Expiring_ab12_2026-11-25.csv", content=content,
                       title="Expiring", initial_comment="Here is the CSV")
    get_url = fake.calls("files.getUploadURLExternal")[0].params
    assert (get_url["filename"], int(get_url["length"])) == ("Expiring_ab12_2026-11-25.csv", len(content))
    assert fake.uploads[file["id"]] == content
    done = fake.calls("files.completeUploadExternal")[0].params
    assert done["channel_id"] == "C_REPORTS" and done["initial_comment"] == "Here is the CSV"
    assert done["files"] == [{"id": file["id"], "title": "Expiring"}]


def test_upload_to_a_channel_without_the_bot_says_what_to_do(client, fake):
    fake.fail_next("files.completeUploadExternal", status=200, error="not_in_channel")
    with pytest.raises(UpstreamError) as info:
        upload_file(client, channel="C_SECRET", filename="x.csv", content=b"a")
    assert info.value.render() == "Invite the Partner Hub app to that channel first (/invite @Partner Hub)."
