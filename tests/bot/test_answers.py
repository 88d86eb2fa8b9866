"""Answers made in answer processes (bot/answers.py), as ``partnerhub serve`` runs them:
real signed HTTP in, the Slack stand-in out, children spawned for real."""
from __future__ import annotations

import os

import pytest

from bot.answers import ProcessAnswers, ThreadAnswers, for_settings
from bot.app import build_app
from bot.commands import subcommand
from bot.context import Modal, Runtime, runtime
from bot.server import build_asgi
from tests.bot.conftest import SlackSender, serve

FACTORY = "tests.bot.test_answers:app_with_probes"


def app_with_probes(settings, engine):
    """The real app plus three hidden subcommands; the children build it too (FACTORY)."""
    app = build_app(settings, engine)

    @subcommand(app, "probe-pid", usage="probe-pid", help="test", hidden=True)
    def probe_pid(ctx, args):
        return ctx.render("notice.json.j2", text=f"answered by {os.getpid()}")

    @subcommand(app, "probe-modal", usage="probe-modal", help="test", hidden=True)
    def probe_modal(ctx, args):
        return Modal(view={"type": "modal", "callback_id": "probe", "title": {"type": "plain_text", "text": "Probe"},
                           "blocks": [{"type": "section", "text": {"type": "mrkdwn", "text": f"pid {os.getpid()}"}}]})

    @subcommand(app, "probe-die", usage="probe-die", help="test", hidden=True)
    def probe_die(ctx, args):
        os._exit(3)  # an answer process killed mid-answer (out of memory, kill -9)

    return app


@pytest.fixture
def processes(bot_settings, engine, fake_slack, linked):
    app = app_with_probes(bot_settings, engine)
    runner = ProcessAnswers(bot_settings, 1, factory=FACTORY)
    runtime(app).answers = runner
    pids = runner.start()
    served, stop = serve(build_asgi(bot_settings, engine, app=app))
    sender = SlackSender(served.url, fake_slack)
    yield sender, runner, pids
    sender.http.close()
    stop()
    runner.close()


def _pid_of(answer: dict) -> int:
    return int(answer["text"].rsplit(" ", 1)[1])


def test_a_command_is_answered_by_an_answer_process_not_the_web_process(processes, fake_slack):
    slack, runner, pids = processes
    answer = fake_slack.wait_for_response(slack.command("probe-pid"), timeout=30)
    assert _pid_of(answer) in pids and _pid_of(answer) != os.getpid()
    assert answer["response_type"] == "ephemeral"


def test_real_features_answer_from_the_child_with_their_database_and_language(processes, fake_slack):
    slack, _runner, _pids = processes
    answer = fake_slack.wait_for_response(slack.command("help", user="U_READ"), timeout=30)
    assert "/partnerhub customer" in str(answer)
    typo = fake_slack.wait_for_response(slack.command("custmer acme"), timeout=30)
    assert "Did you mean" in str(typo) and "/partnerhub customer" in str(typo)


def test_a_modal_made_in_a_child_opens_with_the_requests_trigger(processes, fake_slack):
    slack, _runner, pids = processes
    key = slack.command("probe-modal")
    opened = fake_slack.wait_for("views.open", timeout=30)[0]
    assert opened.params["trigger_id"] == f"trigger-{key}"
    assert int(opened.params["view"]["blocks"][0]["text"]["text"].split()[1]) in pids


def test_a_dead_answer_process_is_answered_politely_and_replaced(processes, fake_slack):
    slack, runner, pids = processes
    sorry = fake_slack.wait_for_response(slack.command("probe-die"), timeout=30)
    assert sorry["text"].startswith("Sorry, something went wrong")
    assert "reference" in str(sorry)
    again = fake_slack.wait_for_response(slack.command("probe-pid"), timeout=60)
    assert _pid_of(again) not in pids  # a new pool, a new child


def test_handlers_get_the_same_keys_in_every_process_and_closures_are_told_apart():
    rt = Runtime(settings=None, engine=None)

    def make(n):
        def handler(ctx):
            return n
        return handler

    first, second = make(1), make(2)
    keys = [rt.register_handler(first), rt.register_handler(second), rt.register_handler(first)]
    assert keys[0] == f"{__name__}:test_handlers_get_the_same_keys_in_every_process_and_closures_are_told_apart" \
                      ".<locals>.make.<locals>.handler"
    assert keys[1] == keys[0] + "#2" and keys[2] == keys[0]
    assert rt.handlers[keys[1]] is second and rt.handler_key(make(3)) is None


def test_two_builds_of_the_app_register_the_same_handlers(bot_settings, engine):
    one, two = runtime(build_app(bot_settings, engine)), runtime(build_app(bot_settings, engine))
    assert list(one.handlers) == list(two.handlers) and len(one.handlers) > 20


def test_serve_uses_processes_unless_set_to_zero(bot_settings):
    assert isinstance(for_settings(bot_settings), ProcessAnswers)
    assert for_settings(bot_settings).nice == 10
    assert isinstance(for_settings(bot_settings.model_copy(update={"answer_processes": 0})), ThreadAnswers)
