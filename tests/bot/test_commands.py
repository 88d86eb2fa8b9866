"""The /partnerhub router: ack first, slow work after, answers through respond(); the
wrapper's transaction, and the typed errors said politely."""
import time

import pytest
from sqlmodel import Session, select

from bot.app import build_app
from bot.commands import parse, subcommand
from bot.server import build_asgi
from partnerhub_core.errors import BadInput, NotFound
from partnerhub_core.models import Partner
from tests.bot.conftest import SlackSender, serve


@pytest.fixture
def custom(bot_settings, engine, fake_slack):
    """The real app plus three test subcommands, served like the real one."""
    app = build_app(bot_settings, engine)

    @subcommand(app, "slowtest", usage="slowtest", help="sleeps", needs_partner=False, hidden=True)
    def slow(ctx, args):
        time.sleep(4)  # longer than Slack's 3 seconds
        return ctx.render("notice.json.j2", text="finally done")

    @subcommand(app, "busytest", usage="busytest", help="busy", needs_partner=False, hidden=True)
    def busy(ctx, args):
        time.sleep(0.3)  # worker threads are few (asyncio's default pool): acks must not wait for them
        return ctx.render("notice.json.j2", text=f"busy {args[0]}")

    @subcommand(app, "writetest", usage="writetest", help="writes", needs_partner=False, hidden=True)
    def write(ctx, args):
        ctx.session.add(Partner(name=f"written-{args[0]}"))
        if args[1:] == ["fail"]:
            raise NotFound("No customer matches “{query}”.", suggestions=["Acme Corp", "Acme Labs"], query="acm")
        if args[1:] == ["crash"]:
            raise RuntimeError("bug")
        return ctx.render("notice.json.j2", text="written")

    @app.action("ph_raw_test")  # a listener outside the wrapper: the one @app.error answers
    async def raw(ack):
        await ack()
        raise NotFound("No customer matches “{query}”.", suggestions=["Acme Corp"], query="zz")

    # build_app registered the catch-all fallback already; bolt tries listeners in order.
    app._async_listeners.insert(0, app._async_listeners.pop())

    served, stop = serve(build_asgi(bot_settings, engine, app=app))
    sender = SlackSender(served.url, fake_slack)
    yield sender
    sender.http.close()
    stop()


def test_ack_does_not_wait_for_slow_work(custom, fake_slack):
    started = time.monotonic()
    key = custom.command("slowtest")
    acked_in = time.monotonic() - started
    assert acked_in < 1.5, f"the ack took {acked_in:.2f}s"
    assert fake_slack.responses(key) == []
    assert fake_slack.wait_for_response(key)["text"] == "finally done"


def test_twenty_concurrent_commands_are_all_acknowledged_in_time(custom, fake_slack):
    from concurrent.futures import ThreadPoolExecutor

    def send(i):
        started = time.monotonic()
        key = custom.command(f"busytest {i}")
        return key, time.monotonic() - started

    with ThreadPoolExecutor(max_workers=20) as pool:
        sent = list(pool.map(send, range(20)))
    slowest = max(took for _, took in sent)
    assert slowest < 3, f"an ack took {slowest:.2f}s"
    for i, (key, _) in enumerate(sent):
        assert fake_slack.wait_for_response(key, timeout=30)["text"] == f"busy {i}"


def test_the_handlers_transaction_commits_on_success_and_rolls_back_on_error(custom, fake_slack, engine):
    assert fake_slack.wait_for_response(custom.command("writetest ok"))["text"] == "written"
    answer = fake_slack.wait_for_response(custom.command("writetest nf fail"))
    assert answer["text"] == "Not found: No customer matches “acm”."
    assert answer["blocks"][1]["elements"][0]["text"] == "Did you mean: Acme Corp, Acme Labs?"
    answer = fake_slack.wait_for_response(custom.command("writetest boom crash"))
    assert answer["text"] == "Sorry, something went wrong on our side. Please try again in a minute."
    assert "reference" in answer["blocks"][1]["elements"][0]["text"]
    with Session(engine) as s:
        assert s.exec(select(Partner.name)).all() == ["written-ok"]


def test_unknown_subcommand_gets_did_you_mean_and_help(slack, fake_slack, linked):
    answer = fake_slack.wait_for_response(slack.command("hlep"))
    assert answer["text"] == "I don't know “hlep”."
    assert answer["blocks"][1]["elements"][0]["text"] == "Did you mean: /partnerhub help?"


def test_empty_command_shows_help(slack, fake_slack, linked):
    assert fake_slack.wait_for_response(slack.command(""))["text"] == "Partner Hub help"


def test_answers_speak_the_users_slack_language(slack, fake_slack, linked):
    fake_slack.add_user("U_READ", locale="es-ES")
    answer = fake_slack.wait_for_response(slack.command("nada", user="U_READ"))
    assert answer["text"] == "No conozco “nada”."
    assert answer["blocks"][-2]["elements"][0]["text"] == "Escriba /partnerhub help para ver todo lo que puedo hacer."
    assert answer["blocks"][-1]["elements"][0]["text"]["text"] == "Mostrar ayuda"


def test_parse_groups_quoted_words_and_unescapes_slack_text():
    assert parse('tags add "Key accounts" Acme &amp; Co') == (
        "tags", ["add", "Key accounts", "Acme", "&", "Co"], 'add "Key accounts" Acme & Co')
    assert parse("tags add “Key accounts” x") == ("tags", ["add", "Key accounts", "x"], "add “Key accounts” x")
    assert parse('customer "unbalanced') == ("customer", ['"unbalanced'], '"unbalanced')
    assert parse("   ") == ("", [], "")
    with pytest.raises(BadInput, match="too long"):
        parse("a" * 1001)


def test_an_error_outside_the_wrapper_is_answered_by_the_error_handler(custom, fake_slack):
    answer = fake_slack.wait_for_response(custom.action("ph_raw_test", "x"))
    assert answer["text"] == "Not found: No customer matches “zz”."
    assert answer["response_type"] == "ephemeral"
