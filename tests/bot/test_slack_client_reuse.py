"""Cheap per answer (issue 19 item 3): answers reuse one Slack client per (process, token,
base URL) and one TLS context per process; a forked child builds its own."""
import os
import ssl
import threading

import pytest
from pydantic import SecretStr

from bot import slack_client
from bot.replying import deliver
from bot.request import RequestInfo
from bot.runtime import Runtime
from partnerhub_core.settings import Settings
from tests.fakes.slack import FakeSlack


@pytest.fixture
def fake():
    with FakeSlack() as f:
        yield f


@pytest.fixture
def counted(monkeypatch):
    """Counts WebClient constructions and TLS contexts built by bot.slack_client, from empty."""
    made = {"clients": 0, "contexts": 0}
    real_client, real_context = slack_client.WebClient, ssl.create_default_context

    class Counting(real_client):
        def __init__(self, *args, **kwargs):
            made["clients"] += 1
            super().__init__(*args, **kwargs)

    def context(*args, **kwargs):
        made["contexts"] += 1
        return real_context(*args, **kwargs)

    monkeypatch.setattr(slack_client, "WebClient", Counting)
    monkeypatch.setattr(slack_client.ssl, "create_default_context", context)
    slack_client._forget_inherited()
    yield made
    slack_client._forget_inherited()


def _runtime(fake) -> Runtime:
    return Runtime(settings=Settings(slack_api_url=fake.base_url, slack_bot_token=SecretStr("xoxb-ci")),
                   engine=None)


def _info(channel: str | None = "C1", response_url: str | None = None, token: str | None = None) -> RequestInfo:
    return RequestInfo(team_id="T001", enterprise_id="", user_id="U1", channel_id=channel, bot_token=token,
                       slack_user={}, body={}, response_url=response_url)


def test_many_answers_build_one_client_and_one_tls_context(fake, counted):
    rt = _runtime(fake)
    for n in range(12):
        deliver({"text": f"answer {n}"}, rt=rt, info=_info())
    for n in range(5):
        deliver({"text": f"hook {n}"}, rt=rt, info=_info(response_url=fake.response_url(f"r{n}")))
    assert counted == {"clients": 1, "contexts": 1}
    posted = [c.params["text"] for c in fake.calls("chat.postEphemeral")]
    assert posted == [f"answer {n}" for n in range(12)]
    assert [fake.responses(f"r{n}")[0].json["text"] for n in range(5)] == [f"hook {n}" for n in range(5)]


def test_each_token_and_base_url_has_its_own_client(fake, counted):
    rt = _runtime(fake)
    deliver({"text": "a"}, rt=rt, info=_info(token="xoxb-one"))
    deliver({"text": "b"}, rt=rt, info=_info(token="xoxb-two"))
    deliver({"text": "c"}, rt=rt, info=_info(token="xoxb-one"))
    with FakeSlack() as other:
        deliver({"text": "d"}, rt=_runtime(other), info=_info(token="xoxb-one"))
        assert [c.token for c in other.calls("chat.postEphemeral")] == ["xoxb-one"]
    assert [(c.params["text"], c.token) for c in fake.calls("chat.postEphemeral")] == [
        ("a", "xoxb-one"), ("b", "xoxb-two"), ("c", "xoxb-one")]
    assert counted == {"clients": 3, "contexts": 1}


def test_the_cache_is_bounded(fake, counted, monkeypatch):
    monkeypatch.setattr(slack_client, "CLIENT_CACHE_SIZE", 3)
    settings = _runtime(fake).settings
    first = slack_client.web_client(settings, "xoxb-0")
    for n in range(1, 5):
        slack_client.web_client(settings, f"xoxb-{n}")
    assert len(slack_client._clients) == 3
    assert slack_client.web_client(settings, "xoxb-4") is slack_client.web_client(settings, "xoxb-4")
    assert slack_client.web_client(settings, "xoxb-0") is not first  # the oldest was dropped
    assert counted["clients"] == 6


def test_threads_share_one_client(fake, counted):
    settings = _runtime(fake).settings
    seen, barrier = [], threading.Barrier(8)

    def work():
        barrier.wait()
        seen.append(slack_client.web_client(settings))

    threads = [threading.Thread(target=work) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len({id(c) for c in seen}) == 1


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs fork")
def test_a_forked_child_builds_its_own_client_and_context(fake, counted):
    rt = _runtime(fake)
    parent_client = slack_client.web_client(rt.settings)
    parent_context = slack_client.ssl_context()
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: answers with its own client, built after the fork
        try:
            client = slack_client.web_client(rt.settings)
            fresh = client is not parent_client and slack_client.ssl_context() is not parent_context
            deliver({"text": "from the child"}, rt=rt, info=_info())
            again = slack_client.web_client(rt.settings) is client
            os.write(write, b"ok" if fresh and again else b"reused")
        finally:
            os._exit(0)
    os.close(write)
    answer = os.read(read, 16)
    os.waitpid(pid, 0)
    assert answer == b"ok"
    assert fake.wait_for(lambda c: c.params.get("text") == "from the child")
    assert slack_client.web_client(rt.settings) is parent_client  # the parent keeps its own
