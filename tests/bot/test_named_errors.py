"""Errors name what was wrong, in the person's language, in Slack as in the CLI (the same
messages): a product that is not one, a region that is not one, a word not understood.
Also the section answer that carries a chart: the licence trend."""
from __future__ import annotations

import pytest

from tests.bot.feature_world import add_customers, blocks_text

CASES = {
    "en": [("kpis teams", "Unknown product teams: use meetings or calling."),
           ("kpis --region MARS", "MARS is not a region: United States (US), Canada (CA), European Union (EU), "
                                  "United Arab Emirates (UAE)."),
           ("expiring region:mars", "mars is not a region: United States (US), Canada (CA)"),
           ("low --product=teams", "Unknown product teams: use meetings or calling."),
           ("kpis calling ???", "I did not understand “???”. Usage: /partnerhub kpis")],
    "pt_BR": [("kpis teams", "Produto desconhecido teams: use reuniões ou chamadas."),
              ("kpis --region MARS", "MARS não é uma região: Estados Unidos (US), Canadá (CA), União Europeia (EU), "
                                     "Emirados Árabes Unidos (UAE)."),
              ("kpis region:MARS", "MARS não é uma região: Estados Unidos (US)"),
              ("kpis calling ???", "Não entendi “???”. Uso: /partnerhub kpis")],
    "es": [("kpis teams", "Producto desconocido teams: use reuniones o llamadas."),
           ("kpis --region MARS", "MARS no es una región: Estados Unidos (US), Canadá (CA), Unión Europea (EU), "
                                  "Emiratos Árabes Unidos (UAE)."),
           ("kpis calling ???", "No entendí “???”. Uso: /partnerhub kpis")],
}
SLACK_LOCALE = {"en": "en-US", "pt_BR": "pt-BR", "es": "es-LA"}


@pytest.fixture
def world(session, linked):
    return add_customers(session, linked)


@pytest.mark.parametrize("locale", list(CASES))
def test_slack_errors_name_the_wrong_word_in_every_language(slack, fake_slack, world, locale):
    fake_slack.add_user("U_READ", locale=SLACK_LOCALE[locale])
    for text, expected in CASES[locale]:
        answer = fake_slack.wait_for_response(slack.command(text, user="U_READ"))
        assert answer["response_type"] == "ephemeral"
        shown = blocks_text(answer).replace("&lt;", "<").replace("&gt;", ">")
        assert expected in shown, (text, shown)


@pytest.mark.parametrize("env, expected", [
    (None, "Unknown product teams: use meetings or calling."),
    ("pt-BR", "Produto desconhecido teams: use reuniões ou chamadas."),
    ("es", "Producto desconocido teams: use reuniones o llamadas."),
])
def test_the_cli_says_the_same(monkeypatch, capsys, db_url, linked, world, env, expected):
    from bot.cli import main

    if env is None:
        monkeypatch.delenv("PARTNERHUB_LANGUAGE", raising=False)
    else:
        monkeypatch.setenv("PARTNERHUB_LANGUAGE", env)
    monkeypatch.setattr("sys.argv", ["partnerhub", "kpis", "--product", "teams",
                                     "--database-url", db_url, "--partner", str(linked.partner_id)])
    with pytest.raises(SystemExit) as exit_:
        main()
    assert exit_.value.code == 2
    assert expected in capsys.readouterr().err


def test_the_trend_answer_sends_the_license_trend_chart_to_the_askers_dm(slack, fake_slack, world):
    answer = fake_slack.wait_for_response(slack.command("trend calling", user="U_FULL"))
    assert ":bar_chart: Calling: licenses per week" in blocks_text(answer)
    [asked] = fake_slack.calls("files.getUploadURLExternal")
    assert asked.params["filename"] == "license-trend-calling.png"
    [complete] = fake_slack.wait_for("files.completeUploadExternal")
    assert complete.params["channel_id"] == "D_FULL"  # private by default (test_share.py)
    assert fake_slack.uploads[complete.params["files"][0]["id"]][:4] == b"\x89PNG"
