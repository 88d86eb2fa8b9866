"""Parameters that are words are read in the person's language too (issue 17 item 4):
products, sections, filter keys and values, regions, typed in pt-BR or es, accents and
case optional, answer as the English words do; English keeps working in every language;
an unknown word is still named, with the valid words in the reader's language."""
from __future__ import annotations

import json

import pytest

from partnerhub_core.customers import CustomerFilters
from partnerhub_core.errors import BadInput
from partnerhub_core.i18n import translations, words
from tests.bot.feature_world import add_customers, blocks_text

SLACK_LOCALE = {"en": "en-US", "pt_BR": "pt-BR", "es": "es-LA"}


@pytest.fixture
def world(session, linked):
    return add_customers(session, linked)


def ask(slack, fake_slack, text: str) -> str:
    answer = fake_slack.wait_for_response(slack.command(text, user="U_FULL"))
    return blocks_text(answer).replace("&lt;", "<").replace("&gt;", ">")


@pytest.mark.parametrize("locale, typed, english", [
    ("pt_BR", "kpis chamadas", "kpis calling"),
    ("pt_BR", "kpis CHAMADAS região:Europa", "kpis calling region:EU"),
    ("pt_BR", "vencendo reuniões", "expiring meetings"),
    ("pt_BR", "Vencendo reunioes", "expiring meetings"),
    ("es", "kpis llamadas", "kpis calling"),
    ("es", "vencen reuniones región:\"unión europea\"", "expiring meetings region:EU"),
    ("es", "excedentes llamadas", "overage calling"),
    ("pt_BR", "chamadas qualidade Europa", "calling quality EU"),
])
def test_slack_words_in_the_persons_language_answer_as_the_english_ones(slack, fake_slack, world, locale,
                                                                         typed, english):
    fake_slack.add_user("U_FULL", locale=SLACK_LOCALE[locale])
    assert ask(slack, fake_slack, typed) == ask(slack, fake_slack, english)


@pytest.mark.parametrize("locale, text, shown, hidden", [
    ("pt_BR", "customers região:Europa", "Acme Corp", "Globex"),
    ("pt_BR", "customers region:europa", "Acme Corp", "Globex"),
    ("pt_BR", "customers status:teste", "Acme Labs", "Globex"),
    ("pt_BR", 'customers status:"Expira em breve"', "Acme Labs", "Globex"),
    ("pt_BR", "customers tipo:avaliação", "Acme Labs", "Globex"),
    ("es", "customers región:Europa", "Acme Corp", "Globex"),
    ("es", "customers estado:prueba", "Acme Labs", "Globex"),
    ("es", "customers tipo:suscripcion producto:reuniones", "Acme Corp", "Globex"),
    ("en", "customers region:EU", "Acme Corp", "Globex"),
    ("en", "customers status:trial", "Acme Labs", "Globex"),
])
def test_customer_filters_in_the_persons_words(slack, fake_slack, world, locale, text, shown, hidden):
    fake_slack.add_user("U_FULL", locale=SLACK_LOCALE[locale])
    answer = ask(slack, fake_slack, text)
    assert shown in answer and hidden not in answer, (text, answer)


def test_english_words_work_in_every_language(slack, fake_slack, world):
    fake_slack.add_user("U_FULL", locale="pt-BR")
    pt = ask(slack, fake_slack, "customers region:EU status:active type:subscription")
    assert "Acme Corp" in pt and "Globex" not in pt


@pytest.mark.parametrize("locale, text, expected", [
    ("pt_BR", "kpis teams", "Produto desconhecido teams: use reuniões ou chamadas."),
    ("es", "kpis teams", "Producto desconocido teams: use reuniones o llamadas."),
    ("en", "kpis teams", "Unknown product teams: use meetings or calling."),
    ("pt_BR", "customers status:banana", "Valor desconhecido banana para status: use um destes: teste, ativo,"),
    ("es", "customers tipo:banana", "Valor desconocido banana para subscription_type: use uno de estos: "
                                    "suscripción, prueba."),
    ("en", "customers managed:banana", "Unknown value banana for managed_by: use one of external, partner."),
    ("pt_BR", "customers região:Marte", "Valor desconhecido Marte para region: use um destes: US, CA, EU, UAE."),
    ("pt_BR", "kpis chamadas ???", "Não entendi “???”. Uso: /partnerhub kpis [reuniões|chamadas] [região:"),
])
def test_an_unknown_word_is_named_with_the_valid_words_in_the_readers_language(slack, fake_slack, world, locale,
                                                                               text, expected):
    fake_slack.add_user("U_FULL", locale=SLACK_LOCALE[locale])
    assert expected in ask(slack, fake_slack, text)


def test_help_shows_the_words_of_the_readers_language(slack, fake_slack, world):
    fake_slack.add_user("U_FULL", locale="pt-BR")
    pt = ask(slack, fake_slack, "help")
    assert "kpis [reuniões|chamadas] [região:..]" in pt
    assert "vencendo [reuniões|chamadas]" in pt
    fake_slack.add_user("U_ES", locale="es-LA")
    es = blocks_text(fake_slack.wait_for_response(slack.command("help", user="U_ES")))
    assert "vencen [reuniones|llamadas] [región:..]" in es
    assert "llamadas [uso|calidad|funciones|colas]" in es


def test_every_shown_word_is_read_back():
    """What the help and the errors show a reader is a word the parsers accept."""
    for kind, entries in words.TABLE.items():
        for value in entries:
            for lang in words.LANGS:
                assert words.canonical(kind, words.shown(kind, value, lang)) == value, (kind, value, lang)
    for lang in ("pt_BR", "es"):
        said = words.Choices("product", ["meetings", "calling"]).in_language(translations(lang).gettext)
        assert words.locale_of(translations(lang).gettext) == lang
        assert [words.canonical("product", w) for w in said.split(", ")] == ["meetings", "calling"]


def test_core_filters_fold_case_and_accents():
    assert CustomerFilters.parse(["REGIÃO:união-europeia", "Produto:Chamadas", "tipo:Suscripción",
                                  "gerenciado:Externo"]) == CustomerFilters(
        region="EU", product="calling", subscription_type="subscription", managed_by="external_admin")
    assert CustomerFilters.parse(["region:Emiratos Árabes Unidos".replace(" ", "_")]).region == "UAE"
    assert CustomerFilters.parse(['region:"Estados Unidos"']).region == "US"
    assert CustomerFilters.parse(["região:Canadá"]).region == "CA"
    with pytest.raises(BadInput):
        CustomerFilters.parse(["status:banana"])


def _cli(capsys, monkeypatch, db_url, linked):
    """``partnerhub ARGS`` on the test partner: (exit code, stdout, stderr)."""
    from tests.cli.test_demo_and_read_commands import run as run_cli

    return lambda *args: run_cli(capsys, monkeypatch, *args, "--database-url", db_url,
                                 "--partner", str(linked.partner_id))


def test_cli_reads_the_words_with_lang_pt_br(capsys, monkeypatch, db_url, linked, world):
    run = _cli(capsys, monkeypatch, db_url, linked)

    code, typed, err = run("kpis", "chamadas", "Europa", "--lang", "pt-BR", "--json")
    assert code == 0, err
    code, english, err = run("kpis", "calling", "EU", "--lang", "pt-BR", "--json")
    assert code == 0, err
    assert json.loads(typed) == json.loads(english)
    assert json.loads(typed)["product"] == "calling"
    code, out, err = run("kpis", "produto:banana", "--lang", "pt-BR")
    assert code == 2 and "Produto desconhecido banana: use reuniões ou chamadas." in err


def test_a_scoped_channel_refuses_a_region_asked_for_in_other_words(slack, fake_slack, world):
    bound = blocks_text(fake_slack.wait_for_response(
        slack.command("channel scope região:Europa", user="U_FULL", channel="C_EU_WORDS")))
    assert "European Union" in bound, bound
    for text in ('kpis região:"Estados Unidos"', "customers región:usa", "calling Canadá"):
        answer = blocks_text(fake_slack.wait_for_response(slack.command(text, user="U_FULL", channel="C_EU_WORDS")))
        assert "This channel only answers about European Union, so" in answer, (text, answer)
        assert "Globex" not in answer


def test_cli_section_names_in_the_readers_words(capsys, monkeypatch, db_url, linked, world):
    run = _cli(capsys, monkeypatch, db_url, linked)

    typed = run("section", "vencen", "llamadas", "--lang", "es", "--json")
    english = run("section", "expiring", "calling", "--lang", "es", "--json")
    assert typed[0] == 0, typed[2]
    assert json.loads(typed[1]) == json.loads(english[1])
    code, _, err = run("section", "banana", "--lang", "pt-BR")
    assert code == 2 and "banana" in err and "recentes, vencendo, renovando, baixa, excedentes, tendência" in err, err
