"""Random text at every registered subcommand: always a 200, always a readable answer.

A "readable answer" is a post to the response_url with a non-empty text that is not the
"something went wrong on our side" apology (which would mean an unexpected exception),
or a modal opened with the command's trigger id.
"""
import json

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from tests.bot.feature_world import add_customers

UNEXPECTED = "something went wrong on our side"

NASTY = [
    "", " ", "\t\n", "'; DROP TABLE customer; --", "<!channel> <@U_FULL> <#C123|x>", "{{ 7*7 }} {% raw %}",
    "%(x)s {0} {name} %s", '"unbalanced', "‘curly’ “quotes”", "\u202egnp.exe\u200b\ufeff", "🚀" * 50,
    "a" * 1200, "x:y:z key: :value region:MARS tag:", "-- --help -h /partnerhub help",
    "customer " + "Ñandú São Paulo Zürich", "\x00\x01\x02", "page:0 page:-1 page:999999999999",
]


@pytest.fixture
def words(bot_server):
    router = bot_server.bolt._partnerhub_runtime.router
    return sorted(w for sub in router.all(include_hidden=True) for w in sub.words)


@pytest.fixture
def world(session, linked):
    add_customers(session, linked)
    return linked


def _answer(fake_slack, key: str) -> str:
    hit = fake_slack.wait_for(
        lambda r: r.path == f"/response/{key}"
        or (r.api == "views.open" and r.params.get("trigger_id") == f"trigger-{key}"),
        timeout=20,
    )[0]
    if hit.api == "views.open":
        view = hit.params["view"]
        assert view["type"] == "modal" and view["title"]["text"]
        return view["title"]["text"]
    body = hit.json
    assert isinstance(body.get("text"), str) and body["text"].strip(), body
    return body["text"] + json.dumps(body.get("blocks"), ensure_ascii=False)


def test_every_subcommand_answers_nasty_input_politely(slack, fake_slack, world, bot_server):
    names = sorted(sub.name for sub in bot_server.bolt._partnerhub_runtime.router.all(include_hidden=True))
    assert {"help", "resources", "setup"} <= set(names)
    for word in names:
        for text in NASTY[:6] + NASTY[11:13]:
            key = slack.command(f"{word} {text}", user="U_FULL")
            answer = _answer(fake_slack, key)
            assert UNEXPECTED not in answer, (word, text, answer)
            assert "Traceback" not in answer


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                  HealthCheck.too_slow])
@given(data=st.data())
@example(data=None)
def test_random_text_at_random_subcommands(slack, fake_slack, world, words, data):
    if data is None:
        word, text, user = "help", "", "U_READ"
    else:
        word = data.draw(st.sampled_from(words + ["", "nosuchcommand"]))
        text = data.draw(st.one_of(st.text(max_size=120), st.sampled_from(NASTY),
                                   st.lists(st.sampled_from(["meetings", "calling", "region:EU", "tag:Gold",
                                                             "status:trial", "Acme", "\"Acme Corp\"", "page:2",
                                                             "start", "add", "Gold", "100", "30"]),
                                            max_size=6).map(" ".join)))
        user = data.draw(st.sampled_from(["U_FULL", "U_ADMIN", "U_SALES", "U_READ", "U_STRANGER"]))
    key = slack.command(f"{word} {text}".strip(), user=user)
    answer = _answer(fake_slack, key)
    assert UNEXPECTED not in answer, (word, text, user, answer)
