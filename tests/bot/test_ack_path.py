"""Issue 19: what an ack waits on. Signed /partnerhub commands reach the real routes
(guard, request log line, bolt, the router) with the answers held back, and the database
made to hang: every ack still comes back at once. The log line's partner lookup runs after
the response, once however many requests miss its cache. In OAuth mode bolt's lookup of
the installation before every ack is answered from memory (bot/installation.py), and a
write through the store empties that memory."""
from __future__ import annotations

import asyncio
import io
import json
import logging
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timezone

import pytest
from slack_sdk.oauth.installation_store import Installation
from sqlalchemy import event

from bot.context import runtime
from bot.installation import DatabaseInstallationStore
from bot.server import build_asgi
from partnerhub_core.logging import configure_logging
from tests.bot.conftest import SlackSender, serve

COMMANDS = ["customer sao paulo", "kpis", "expiring calling"]


class HeldAnswers:
    """An answer runner that keeps what it is handed (nothing is answered)."""

    def __init__(self):
        self.handed: list = []

    async def run(self, rt, handler, info, args, replace_original):
        self.handed.append((info.team_id, info.user_id, args))

    def close(self, cancel_pending=False):
        pass


@pytest.fixture
def held(bot_settings, engine, fake_slack, linked):
    asgi = build_asgi(bot_settings, engine)
    answers = runtime(asgi.state.bolt).answers = HeldAnswers()
    served, stop = serve(asgi)
    sender = SlackSender(served.url, fake_slack)
    yield sender, answers
    sender.http.close()
    stop()


@pytest.fixture
def hung_database(engine):
    """Every statement waits until ``release`` is set (at most 20 s); ``seen`` counts them."""
    release = threading.Event()
    seen: list[str] = []

    def hang(_conn, _cursor, statement, *_args):
        seen.append(statement)
        release.wait(20)

    event.listen(engine, "before_cursor_execute", hang)
    yield release, seen
    release.set()
    event.remove(engine, "before_cursor_execute", hang)


def _log_lines(stream: io.StringIO) -> list[dict]:
    return [line for line in map(json.loads, stream.getvalue().splitlines()) if line["event"] == "request"]


def test_acks_wait_on_no_query_and_the_log_line_asks_once_after_them(held, hung_database, bot_settings, linked):
    sender, answers = held
    release, seen = hung_database
    stream = io.StringIO()
    handler = configure_logging(bot_settings, stream=stream)
    try:
        sender.command("help")  # warm: bolt's auth.test, first imports (no database either)
        with ThreadPoolExecutor(20) as pool:
            started = time.monotonic()
            keys = list(pool.map(lambda i: sender.command(COMMANDS[i % 3]), range(40)))
            took = time.monotonic() - started
        # 41 acks while every query would wait 20 s: none of them asked the database.
        assert len(keys) == 40 and took < 15, took
        deadline = time.monotonic() + 10
        while len(answers.handed) < 41 and time.monotonic() < deadline:
            time.sleep(0.02)
        assert len(answers.handed) == 41
        # The log lines' partner: one lookup for all of them, still waiting on the database.
        assert len(seen) == 1 and "workspace" in seen[0].lower()
        assert _log_lines(stream) == []
        release.set()
        deadline = time.monotonic() + 10
        while len(_log_lines(stream)) < 41 and time.monotonic() < deadline:
            time.sleep(0.02)
    finally:
        logging.getLogger().removeHandler(handler)
    lines = _log_lines(stream)
    assert len(lines) == 41 and {line["partner"] for line in lines} == {linked.partner_id}
    assert {line["status"] for line in lines} == {200}
    assert len(seen) == 1  # then cached: the next minute's requests ask nothing


def test_a_refused_request_still_gets_its_status_and_a_log_line_without_a_query(held, hung_database, bot_settings):
    sender, _answers = held
    _release, seen = hung_database
    stream = io.StringIO()
    handler = configure_logging(bot_settings, stream=stream)
    try:
        response = sender.post_form({"team_id": "T001", "command": "/partnerhub", "text": "help"},
                                    signature="v0=" + "0" * 64)
    finally:
        logging.getLogger().removeHandler(handler)
    assert response.status_code == 401
    assert [line["outcome"] for line in _log_lines(stream)] == ["refused"] and seen == []


# --- OAuth mode: the installation bolt reads before every ack -------------------------------
def _installation(team, user, bot_token, user_token=None):
    return Installation(app_id="A1", team_id=team, user_id=user, bot_token=bot_token, user_token=user_token,
                        bot_id="B1",
                        bot_user_id="UB", bot_scopes=["commands"],
                        installed_at=datetime(2026, 11, 1, tzinfo=timezone.utc).timestamp())


def _counting(engine):
    seen: list[str] = []
    event.listen(engine, "before_cursor_execute", lambda _c, _cur, statement, *_a: seen.append(statement))
    return seen


def test_installation_lookups_before_acks_come_from_memory_until_a_write(engine):
    store = DatabaseInstallationStore(engine, "111.222")
    store.save(_installation("T1", "U_A", "xoxb-1", user_token="xoxp-a"))
    seen = _counting(engine)

    async def scenario():
        first = await store.async_find_installation(enterprise_id=None, team_id="T1")
        asked = len(seen)
        first.user_token = None  # bolt edits what it is given (another user's token): the cache keeps its own
        again = await store.async_find_installation(enterprise_id=None, team_id="T1")
        await store.async_find_bot(enterprise_id=None, team_id="T1")
        bot_again = await store.async_find_bot(enterprise_id=None, team_id="T1")
        assert asked == 1  # one query: without a user, the newest row is the row
        assert len(seen) == asked + 1  # the bot once; the second of each from memory
        assert again.user_token == "xoxp-a" and again.bot_token == bot_again.bot_token == "xoxb-1"
        await store.async_save(_installation("T1", "U_B", "xoxb-2"))
        after = await store.async_find_installation(enterprise_id=None, team_id="T1")
        assert after.bot_token == "xoxb-2"
        await store.async_delete_bot(enterprise_id=None, team_id="T1")
        assert await store.async_find_bot(enterprise_id=None, team_id="T1") is None
        await store.async_delete_installation(enterprise_id=None, team_id="T1")
        assert await store.async_find_installation(enterprise_id=None, team_id="T1") is None

    asyncio.run(scenario())


def test_a_lookup_that_began_before_a_write_is_not_kept(engine):
    store = DatabaseInstallationStore(engine, "111.222")
    store.save(_installation("T1", "U_A", "xoxb-1"))
    found = store.find_installation(enterprise_id=None, team_id="T1")
    generation = store._generation  # noqa: SLF001 - the guard under test
    store.forget()  # a write finished meanwhile
    store._remember(("installation", None, "T1", None, False), found, generation)  # noqa: SLF001
    assert store._cached(("installation", None, "T1", None, False)) == (False, None)  # noqa: SLF001


def test_the_cache_expires(engine):
    store = DatabaseInstallationStore(engine, "111.222", cache_seconds=0.0)
    store.save(_installation("T1", "U_A", "xoxb-1"))
    seen = _counting(engine)

    async def twice():
        await store.async_find_bot(enterprise_id=None, team_id="T1")
        await store.async_find_bot(enterprise_id=None, team_id="T1")

    asyncio.run(twice())
    assert len(seen) == 2


def test_oauth_acks_after_the_first_ask_neither_the_database_nor_slack(bot_settings, engine, fake_slack, linked):
    from pydantic import SecretStr

    settings = bot_settings.model_copy(update={
        "slack_client_id": "111.222", "slack_client_secret": SecretStr("client-secret"), "slack_bot_token": None})
    asgi = build_asgi(settings, engine)
    answers = runtime(asgi.state.bolt).answers = HeldAnswers()
    DatabaseInstallationStore(engine, "111.222").save(_installation("T001", "U_INSTALLER", "xoxb-test-token"))
    served, stop = serve(asgi)
    sender = SlackSender(served.url, fake_slack)
    try:
        sender.command("help")  # cold: the installation is read, auth.test asked once
        seen = _counting(engine)
        auth_tests = len(fake_slack.calls("auth.test"))
        for text in COMMANDS * 3:
            sender.command(text)
        deadline = time.monotonic() + 10
        while len(answers.handed) < 10 and time.monotonic() < deadline:
            time.sleep(0.02)
    finally:
        sender.http.close()
        stop()
    assert len(answers.handed) == 10
    assert [s for s in seen if "slackinstallation" in s.lower()] == []
    assert len(seen) <= 1  # at most the first log line's partner lookup, after its response
    assert len(fake_slack.calls("auth.test")) == auth_tests
