"""/partnerhub language and the Slack side of locale resolution (bot/locale.py)."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from slack_sdk import WebClient
from sqlmodel import select

from bot import locale as bot_locale
from partnerhub_core.i18n.resolve import LocaleCache, LocaleChoice
from partnerhub_core.models import AuditEvent, PartnerAdmin, Workspace
from tests.bot.conftest import BOT_TOKEN, TEAM
from tests.bot.feature_world import blocks_text, buttons

NOW = datetime(2026, 11, 25, 12, 0, tzinfo=timezone.utc)


def ask(slack, fake_slack, text, user="U_READ"):
    return fake_slack.wait_for_response(slack.command(text, user=user))


def test_without_a_choice_the_reply_follows_the_slack_locale(slack, fake_slack, linked):
    fake_slack.add_user("U_READ", name="Rita", locale="pt-BR")
    answer = ask(slack, fake_slack, "language")
    text = blocks_text(answer)
    assert "Respondo a você em *Português (Brasil)*." in text
    assert "É o idioma da sua conta do Slack." in text
    assert "Padrão do workspace: English" in text
    assert [(b["text"]["text"], b["value"], b.get("style")) for b in buttons(answer)] == [
        ("English", "language en", None),
        ("Português (Brasil)", "language pt-BR", None),
        ("Español", "language es", None),
        ("Seguir o idioma do meu Slack", "language auto", "primary"),
    ]
    call = fake_slack.calls("users.info")[0]
    assert call.params["user"] == "U_READ" and str(call.params["include_locale"]).lower() in ("true", "1")


def test_a_personal_choice_wins_is_audited_and_is_answered_in_the_new_language(slack, fake_slack, session, linked):
    fake_slack.add_user("U_READ", locale="pt-BR")
    answer = ask(slack, fake_slack, "language es")
    assert ":white_check_mark: A partir de ahora le respondo en Español." in blocks_text(answer)
    assert "Lo eligió con /partnerhub language." in blocks_text(answer)
    session.expire_all()
    admin = session.get(PartnerAdmin, linked.admins["U_READ"])
    assert admin.language == "es"
    event = session.exec(select(AuditEvent).where(AuditEvent.action == "admin.language")).one()
    assert (event.actor, event.before, event.after) == ("slack:U_READ", {"language": None}, {"language": "es"})
    # The next command of that person is in Spanish although Slack says pt-BR.
    help_text = blocks_text(ask(slack, fake_slack, "help"))
    assert "Primeros pasos" in help_text


def test_auto_goes_back_to_the_slack_language(slack, fake_slack, session, linked):
    fake_slack.add_user("U_READ", locale="es-ES")
    ask(slack, fake_slack, "language en")
    answer = ask(slack, fake_slack, "language auto")
    assert "Vuelvo a seguir el idioma de su Slack: Español." in blocks_text(answer)
    session.expire_all()
    assert session.get(PartnerAdmin, linked.admins["U_READ"]).language is None


@pytest.mark.parametrize("typed", ["klingon", "fr", "pt-BR es"])
def test_a_language_we_do_not_speak_gets_a_short_message(slack, fake_slack, session, linked, typed):
    fake_slack.add_user("U_READ", locale="en-US")
    text = blocks_text(ask(slack, fake_slack, f"language {typed}"))
    assert "Choose one of: en, pt-BR, es." in text or "Usage: /partnerhub language" in text
    session.expire_all()
    assert session.get(PartnerAdmin, linked.admins["U_READ"]).language is None


def test_only_full_admins_change_the_workspace_default(slack, fake_slack, session, linked):
    fake_slack.add_user("U_READ", locale="fr-FR")  # a language we do not speak: workspace default applies
    fake_slack.add_user("U_FULL", locale="en-US")
    denied = blocks_text(ask(slack, fake_slack, "language workspace es", user="U_READ"))
    assert "You need the full partner admin role to do this" in denied
    done = blocks_text(ask(slack, fake_slack, "language workspace pt-BR", user="U_FULL"))
    assert "This workspace's default language is now Português (Brasil)." in done
    session.expire_all()
    assert session.get(Workspace, linked.workspace_id).default_language == "pt_BR"
    # The French-speaking admin now gets Portuguese: the workspace default.
    assert "É o idioma padrão deste workspace." in blocks_text(ask(slack, fake_slack, "language", user="U_READ"))


# --------------------------------------------------------------------------------------
# bot/locale.py against the Slack stand-in
# --------------------------------------------------------------------------------------
def test_slack_locale_asks_once_per_user_and_ttl(fake_slack):
    fake_slack.add_user("U1", locale="es-419")
    client = WebClient(token=BOT_TOKEN, base_url=fake_slack.base_url)
    cache = LocaleCache(ttl=timedelta(hours=6))
    assert bot_locale.slack_locale(client, team_id=TEAM, user_id="U1", now=NOW, cache=cache) == "es-419"
    assert bot_locale.slack_locale(client, team_id=TEAM, user_id="U1", now=NOW + timedelta(hours=5), cache=cache) == "es-419"
    assert len(fake_slack.calls("users.info")) == 1
    bot_locale.slack_locale(client, team_id=TEAM, user_id="U1", now=NOW + timedelta(hours=6), cache=cache)
    assert len(fake_slack.calls("users.info")) == 2


def test_a_slack_refusal_means_no_locale_and_is_not_asked_again_at_once(fake_slack):
    client = WebClient(token=BOT_TOKEN, base_url=fake_slack.base_url)
    cache = LocaleCache()
    assert bot_locale.slack_locale(client, team_id=TEAM, user_id="U_GONE", now=NOW, cache=cache) is None
    assert bot_locale.slack_locale(client, team_id=TEAM, user_id="U_GONE", now=NOW + timedelta(minutes=9),
                                   cache=cache) is None
    assert len(fake_slack.calls("users.info")) == 1  # user_not_found, remembered for 10 minutes
    bot_locale.slack_locale(client, team_id=TEAM, user_id="U_GONE", now=NOW + timedelta(minutes=10), cache=cache)
    assert len(fake_slack.calls("users.info")) == 2


def test_locale_for_user_outside_a_request(session, fake_slack, linked):
    fake_slack.add_user("U_SALES", locale="pt-BR")
    client = WebClient(token=BOT_TOKEN, base_url=fake_slack.base_url)
    cache = LocaleCache()
    choice = bot_locale.locale_for_user(session, client, partner_id=linked.partner_id, team_id=TEAM,
                                        user_id="U_SALES", now=NOW, cache=cache)
    assert choice == LocaleChoice("pt_BR", "slack")
    admin = session.get(PartnerAdmin, linked.admins["U_SALES"])
    admin.language = "es"
    session.flush()
    before = len(fake_slack.calls("users.info"))
    choice = bot_locale.locale_for_user(session, client, partner_id=linked.partner_id, team_id=TEAM,
                                        user_id="U_SALES", now=NOW, cache=LocaleCache())
    assert choice == LocaleChoice("es", "user")
    assert len(fake_slack.calls("users.info")) == before  # a stored choice needs no Slack call
    unknown = bot_locale.locale_for_user(session, client, partner_id=linked.partner_id, team_id=TEAM,
                                         user_id="U_NOBODY", now=NOW, cache=cache)
    assert unknown == LocaleChoice("en", "workspace")


# --------------------------------------------------------------------------------------
# The command line's own errors
# --------------------------------------------------------------------------------------
@pytest.mark.parametrize("env, expected", [
    (None, "error: Unknown job nosuchjob. Jobs: tick, refresh, prune-calls, warm."),
    ("pt-BR", "error: Tarefa desconhecida nosuchjob. Tarefas: tick, refresh, prune-calls, warm."),
    ("es", "error: Tarea desconocida nosuchjob. Tareas: tick, refresh, prune-calls, warm."),
])
def test_cli_errors_speak_partnerhub_language(monkeypatch, capsys, env, expected):
    from bot.cli import main

    if env is None:
        monkeypatch.delenv("PARTNERHUB_LANGUAGE", raising=False)
    else:
        monkeypatch.setenv("PARTNERHUB_LANGUAGE", env)
    monkeypatch.setattr("sys.argv", ["partnerhub", "jobs", "run", "nosuchjob"])
    with pytest.raises(SystemExit) as exit_:
        main()
    assert exit_.value.code == 2
    assert capsys.readouterr().err.strip() == expected
