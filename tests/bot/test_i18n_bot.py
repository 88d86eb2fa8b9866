"""One command, one digest and one report in each of English, Portuguese and Spanish,
through the local Slack stand-in. Expected words are the catalogs' (and, for statuses
and report columns, the Partner Hub guide's), written out here by hand."""
from __future__ import annotations

import csv
import io
from datetime import date, datetime, timedelta, timezone

import pytest
from pydantic import SecretStr
from sqlmodel import Session

from bot import worker
from partnerhub_core.models import Device, Frequency, Location, PartnerAdmin, Role, Schedule, ScheduleKind
from tests.bot.feature_world import add_customers, blocks_text
from tests.factories import make_customer, make_partner, make_snapshot, make_subscription

SLACK_LOCALE = {"en": "en-US", "pt_BR": "pt-BR", "es": "es-LA"}

# --------------------------------------------------------------------------------------
# A command: the customer card of Acme Labs (a Calling trial of 20 licenses ending
# 2026-12-05 with 25 assigned, as of 2026-11-25 — see feature_world.py)
# --------------------------------------------------------------------------------------
CARD = {
    "en": ["Trial, Expiring soon, License overage", "Dec 5, 2026", "Trial in progress", "Open in Control Hub"],
    "pt_BR": ["Teste, Expira em breve, Excesso de licenças", "05/12/2026", "Teste em andamento",
              "Abrir no Control Hub"],
    "es": ["Prueba, Vence pronto, Exceso de licencia", "05/12/2026", "Prueba en curso", "Abrir en Control Hub"],
}


@pytest.mark.parametrize("locale", ["en", "pt_BR", "es"])
def test_customer_card_speaks_the_users_slack_language(slack, fake_slack, session, linked, locale):
    add_customers(session, linked)
    fake_slack.add_user("U_FULL", locale=SLACK_LOCALE[locale])
    key = slack.command("customer Acme Labs", user="U_FULL")
    text = blocks_text(fake_slack.wait_for_response(key))
    for expected in CARD[locale]:
        assert expected in text, (expected, text)
    if locale != "en":
        assert "Trial in progress" not in text and "Expiring soon" not in text


# --------------------------------------------------------------------------------------
# A digest: a weekly channel subscription whose language is set on the subscription
# --------------------------------------------------------------------------------------
DUE = datetime(2026, 11, 23, 12, 0, tzinfo=timezone.utc)  # Monday 09:00 in São Paulo
NOW = DUE + timedelta(seconds=30)
CREATED = datetime(2026, 11, 1, tzinfo=timezone.utc)
RECENT = datetime(2026, 11, 20, tzinfo=timezone.utc)

DIGEST = {
    "en": ["Partner Hub digest · Nov 23, 2026", "Expiring subscriptions and trials", "Over the license limit"],
    "pt_BR": ["Resumo do Partner Hub · 23/11/2026", "Assinaturas e testes prestes a expirar",
              "Clientes acima do limite de licenças"],
    "es": ["Resumen de Partner Hub · 23/11/2026", "Suscripciones y pruebas por vencer",
           "Clientes que superan el límite de licencias"],
}
DIGEST_CSV_FIRST = {"en": "Customer", "pt_BR": "Cliente", "es": "Cliente"}
DIGEST_CSV_HEADER_WORD = {"en": "Days left", "pt_BR": "Dias restantes", "es": "Días restantes"}


@pytest.fixture
def cfg(settings, fake_slack):
    return settings.model_copy(update={
        "slack_api_url": fake_slack.base_url, "slack_bot_token": SecretStr("xoxb-worker"),
        "slack_client_id": None, "as_of": None,
    })


def _digest_world(engine, language: str) -> int:
    with Session(engine, expire_on_commit=False) as s:
        p = make_partner(s, "Partner")
        alpha = make_customer(s, p, "Alpha", last_admin_sign_in=RECENT)
        beta = make_customer(s, p, "Beta", last_admin_sign_in=RECENT)
        make_subscription(s, alpha, subscription_id="SUB-A", end=date(2026, 12, 3))  # 10 days left
        sub = make_subscription(s, beta, subscription_id="SUB-B", end=date(2027, 6, 1))
        make_snapshot(s, sub, date(2026, 11, 21), assigned=130)  # 30 over the limit
        s.add(PartnerAdmin(partner_id=p.id, display_name="Full", email="full@x.example",
                           slack_user_id="U_FULL", role=Role.FULL_ADMIN))
        schedule = Schedule(partner_id=p.id, target_id="C_DIGEST", alerts=["expiring", "overage"],
                            timezone="America/Sao_Paulo", weekday=0, hour=9, language=language,
                            created_at=CREATED, updated_at=CREATED)
        s.add(schedule)
        s.commit()
        return schedule.id


def _csvs(fake_slack) -> list[list[list[str]]]:
    out = []
    for content in fake_slack.uploads.values():
        if content.startswith(b"\x89PNG"):  # the digest's charts
            continue
        text = content.decode("utf-8-sig")
        if text:
            out.append(list(csv.reader(io.StringIO(text))))
    return out


@pytest.mark.parametrize("locale", ["en", "pt_BR", "es"])
def test_weekly_digest_speaks_the_subscriptions_language(cfg, engine, fake_slack, locale):
    _digest_world(engine, locale)
    outcomes = worker.run_job("tick", cfg, engine, now=NOW, worker_id="w1")
    assert [o.status for o in outcomes] == ["posted"]
    (message,) = [r for r in fake_slack.calls("chat.postMessage") if r.params.get("channel") == "C_DIGEST"]
    text = blocks_text({"text": message.params.get("text"), "blocks": message.params["blocks"]})
    for expected in DIGEST[locale]:
        assert expected in text, (expected, text)
    headers = [rows[0] for rows in _csvs(fake_slack)]
    assert headers and all(h[0] == DIGEST_CSV_FIRST[locale] for h in headers)
    assert any(DIGEST_CSV_HEADER_WORD[locale] in h for h in headers), headers


# --------------------------------------------------------------------------------------
# A report: the devices report, scheduled to a channel, in each language
# --------------------------------------------------------------------------------------
DEVICE_HEADERS = {
    "en": ["External ID", "Customer", "Customer Org ID", "Location ID", "Location Name", "Product", "MAC",
           "Firmware", "Phone Number", "Extension", "User ID", "User UUID"],
    "pt_BR": ["ID externa", "Cliente", "ID da organização do cliente", "ID de localização", "Nome da localização",
              "Produto", "MAC", "Firmware", "Número de telefone", "Ramal", "ID do usuário", "UUID do usuário"],
    "es": ["ID externo", "Cliente", "ID de la organización del cliente", "ID de ubicación", "Nombre de la ubicación",
           "Producto", "MAC", "Firmware", "Número de teléfono", "Extensión", "ID de usuario", "UUID del usuario"],
}
REPORT_NAME = {"en": "Devices", "pt_BR": "Dispositivos", "es": "Dispositivos"}
REPORT_MESSAGE = {"en": "Scheduled report: Devices", "pt_BR": "Relatório agendado: Dispositivos",
                  "es": "Informe programado: Dispositivos"}


@pytest.mark.parametrize("locale", ["en", "pt_BR", "es"])
def test_scheduled_devices_report_has_headers_and_file_name_in_its_language(cfg, engine, fake_slack, locale):
    with Session(engine, expire_on_commit=False) as s:
        p = make_partner(s, "Partner")
        acme = make_customer(s, p, "Acme", org_id="org-acme")
        s.add(Location(partner_id=p.id, customer_id=acme.id, location_id="loc-1", name="São Paulo HQ",
                       country="BR"))
        s.add(Device(partner_id=p.id, customer_id=acme.id, device_id="dev-1", location_id="loc-1",
                     product="Cisco 8865", mac="AABBCCDDEEFF", firmware="sip88xx.14-2", phone_number="+5511999990000",
                     extension="1001", user_id="ana@acme.example", user_uuid="uuid-ana"))
        s.add(Schedule(partner_id=p.id, kind=ScheduleKind.REPORT, report_key="devices", target_id="C_REPORTS",
                       frequency=Frequency.WEEKLY, timezone="America/Sao_Paulo", weekday=0, hour=9,
                       language=locale, created_at=CREATED, updated_at=CREATED))
        s.commit()
    outcomes = worker.run_job("tick", cfg, engine, now=NOW, worker_id="w1")
    assert [o.status for o in outcomes] == ["posted"]
    (message,) = [r for r in fake_slack.calls("chat.postMessage") if r.params.get("channel") == "C_REPORTS"]
    text = blocks_text({"text": message.params.get("text"), "blocks": message.params["blocks"]})
    assert REPORT_MESSAGE[locale] in text, text
    (upload,) = fake_slack.calls("files.getUploadURLExternal")
    assert upload.params["filename"].startswith(REPORT_NAME[locale] + "_")
    assert upload.params["filename"].endswith("_2026-11-23.csv")
    (rows,) = _csvs(fake_slack)
    assert rows[0] == DEVICE_HEADERS[locale]
    assert rows[1][1:3] == ["Acme", "org-acme"] and rows[1][4] == "São Paulo HQ"


# --------------------------------------------------------------------------------------
# An error: a read-only admin tries to create a tag
# --------------------------------------------------------------------------------------
DENIED = {
    "en": ["Not allowed", "You need the full partner admin or partner admin role to do this "
           "(you are a read-only partner admin)."],
    "pt_BR": ["Não permitido", "Você precisa da função administrador completo de parceiro ou administrador de "
              "parceiro para fazer isso (você é administrador somente leitura de parceiro)."],
    "es": ["No permitido", "Necesita el rol administrador completo de socios o administrador de socios para hacer "
           "esto (usted es administrador de solo lectura de socios)."],
}


@pytest.mark.parametrize("locale", ["en", "pt_BR", "es"])
def test_a_refusal_is_explained_in_the_users_language(slack, fake_slack, linked, locale):
    fake_slack.add_user("U_READ", locale=SLACK_LOCALE[locale])
    text = blocks_text(fake_slack.wait_for_response(slack.command("tags create Silver", user="U_READ")))
    for expected in DENIED[locale]:
        assert expected in text, (expected, text)


# --------------------------------------------------------------------------------------
# A report on demand: /partnerhub report devices, uploaded to the conversation
# --------------------------------------------------------------------------------------
@pytest.mark.parametrize("locale", ["en", "pt_BR", "es"])
def test_report_command_uploads_the_csv_in_the_users_language(slack, fake_slack, session, linked, locale):
    from partnerhub_core.models import Partner

    partner = session.get(Partner, linked.partner_id)
    acme = make_customer(session, partner, "Acme", org_id="org-acme")
    session.add(Device(partner_id=partner.id, customer_id=acme.id, device_id="dev-1", product="Cisco 8865",
                       mac="AABBCCDDEEFF"))
    session.commit()
    fake_slack.add_user("U_FULL", locale=SLACK_LOCALE[locale])
    slack.command("report devices", user="U_FULL")
    (upload,) = fake_slack.wait_for("files.getUploadURLExternal")
    assert upload.params["filename"].startswith(REPORT_NAME[locale] + "_")
    assert upload.params["filename"].endswith("_2026-11-25.csv")
    fake_slack.wait_for("files.completeUploadExternal")
    (rows,) = _csvs(fake_slack)
    assert rows[0] == DEVICE_HEADERS[locale]
    assert rows[1][1:3] == ["Acme", "org-acme"]
