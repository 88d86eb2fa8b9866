"""Languages: formatting, locale resolution, the glossary, and the catalogs' completeness."""
from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog
from babel.messages.pofile import read_po
from sqlmodel import select

from partnerhub_core.auth import Actor
from partnerhub_core.errors import BadInput, NotAllowed, NotFound
from partnerhub_core.i18n import (
    format_date, format_number, format_percent, gettext, is_supported, normalize_locale, pgettext,
    to_bcp47, translations,
)
from partnerhub_core.i18n import catalogs, glossary, preferences, resolve
from partnerhub_core.i18n.templatecheck import check_source
from partnerhub_core.models import AuditEvent, CustomerStatus, Partner, PartnerAdmin, Role, Workspace

ROOT = Path(__file__).resolve().parents[2]
NOW = datetime(2026, 11, 22, 12, 0, tzinfo=timezone.utc)


# --------------------------------------------------------------------------------------
# Formatting
# --------------------------------------------------------------------------------------
@pytest.mark.parametrize("locale, number, day, percent", [
    ("pt_BR", "1.234,5", "22/11/2026", "12,3%"),
    ("es", "1.234,5", "22/11/2026", "12,3%"),
    ("en", "1,234.5", "Nov 22, 2026", "12.3%"),
])
def test_numbers_dates_and_percentages_follow_the_locale(locale, number, day, percent):
    assert format_number(1234.5, locale) == number
    assert format_date(date(2026, 11, 22), locale) == day
    assert format_percent(0.123, locale) == percent


def test_fixed_digits_and_missing_values():
    assert format_number(1234567.891, "pt_BR", digits=2) == "1.234.567,89"
    assert format_number(1234567, "en", digits=0) == "1,234,567"
    assert format_percent(0.5, "es", digits=0) == "50%"
    assert format_number(None, "pt_BR") == "—"
    assert format_date(None, "es") == "—"


@pytest.mark.parametrize("tag, expected", [
    ("pt-BR", "pt_BR"), ("pt_br", "pt_BR"), ("pt", "pt_BR"), ("pt-PT", "pt_BR"),
    ("es", "es"), ("es-MX", "es"), ("en-GB", "en"), ("fr-FR", "en"), (None, "en"), ("", "en"),
])
def test_normalize_locale(tag, expected):
    assert normalize_locale(tag) == expected


def test_supported_and_bcp47():
    assert is_supported("es-419") and is_supported("pt-BR") and is_supported("en-US")
    assert not is_supported("fr-FR") and not is_supported(None) and not is_supported("")
    assert to_bcp47("pt_BR") == "pt-BR" and to_bcp47("es") == "es"


# --------------------------------------------------------------------------------------
# Who speaks what
# --------------------------------------------------------------------------------------
@pytest.mark.parametrize("override, slack, workspace, expected", [
    ("es", "pt-BR", "en", ("es", "user")),  # the person's own choice wins
    (None, "pt-BR", "es", ("pt_BR", "slack")),  # then their Slack locale
    (None, "en-US", "pt_BR", ("en", "slack")),  # an English Slack user in a Brazilian team
    (None, "fr-FR", "pt_BR", ("pt_BR", "workspace")),  # a locale we do not speak is skipped
    (None, None, "es", ("es", "workspace")),
    (None, None, None, ("en", "default")),
    ("de", "ja-JP", "it", ("en", "default")),
])
def test_reply_language_precedence(override, slack, workspace, expected):
    choice = resolve.choose_locale(user_override=override, slack_locale=slack, workspace_default=workspace)
    assert (choice.locale, choice.source) == expected
    assert resolve.resolve_locale(user_override=override, slack_locale=slack, workspace_default=workspace) == expected[0]


def test_digests_use_the_subscription_language_then_the_workspace():
    assert resolve.digest_locale(subscription_language="es", workspace_default="pt_BR") == "es"
    assert resolve.digest_locale(subscription_language=None, workspace_default="pt_BR") == "pt_BR"
    assert resolve.digest_locale(subscription_language="fr", workspace_default=None) == "en"


@pytest.mark.parametrize("argv, env, expected", [
    (["customers", "list", "--lang", "pt-BR"], {}, "pt_BR"),
    (["customers", "list", "--lang=es"], {"PARTNERHUB_LANGUAGE": "pt-BR"}, "es"),
    (["demo"], {"PARTNERHUB_LANGUAGE": "es-MX"}, "es"),
    (["demo"], {"LANG": "pt_BR.UTF-8"}, "en"),  # the shell's locale does not change script output
    (["demo", "--lang"], {}, "en"),
])
def test_cli_locale(argv, env, expected):
    assert resolve.cli_locale(argv, env) == expected


@pytest.mark.parametrize("typed, expected", [
    ("pt-BR", "pt_BR"), ("PT_BR", "pt_BR"), ("pt", "pt_BR"), ("português", "pt_BR"),
    ("es", "es"), ("ES-mx", "es"), ("Español", "es"), ("en", "en"), ("en-GB", "en"), ("English", "en"),
    ("auto", None), (" Reset ", None),
])
def test_parse_language(typed, expected):
    assert resolve.parse_language(typed) == expected


@pytest.mark.parametrize("typed", ["fr", "klingon", "", "pt-BR; DROP TABLE x"])
def test_parse_language_refuses_what_we_do_not_speak(typed):
    with pytest.raises(BadInput) as err:
        resolve.parse_language(typed)
    assert err.value.params["choices"] == "en, pt-BR, es"
    assert err.value.render().endswith("Choose one of: en, pt-BR, es.")


def test_locale_cache_expires_and_remembers_none():
    cache = resolve.LocaleCache(ttl=timedelta(hours=1), max_entries=2)
    key = ("T1", "U1")
    assert cache.get(key, now=NOW) == (False, None)
    cache.put(key, "pt-BR", now=NOW)
    assert cache.get(key, now=NOW + timedelta(minutes=59)) == (True, "pt-BR")
    assert cache.get(key, now=NOW + timedelta(hours=1)) == (False, None)  # expired, dropped
    cache.put(("T1", "U2"), None, now=NOW)  # "Slack gave no locale" is worth remembering too
    assert cache.get(("T1", "U2"), now=NOW) == (True, None)


def test_locale_cache_is_bounded_and_evicts_the_least_recent():
    cache = resolve.LocaleCache(ttl=timedelta(hours=1), max_entries=2)
    cache.put(("T", "a"), "es", now=NOW)
    cache.put(("T", "b"), "es", now=NOW)
    cache.get(("T", "a"), now=NOW)  # a is now the most recent
    cache.put(("T", "c"), "es", now=NOW)
    assert len(cache) == 2
    assert cache.get(("T", "b"), now=NOW) == (False, None)
    assert cache.get(("T", "a"), now=NOW) == (True, "es")
    cache.forget(("T", "a"))
    assert cache.get(("T", "a"), now=NOW) == (False, None)


# --------------------------------------------------------------------------------------
# The glossary: Partner Hub's wording from the guide
# --------------------------------------------------------------------------------------
@pytest.mark.parametrize("status, en, pt, es", [
    (CustomerStatus.TRIAL, "Trial", "Teste", "Prueba"),
    (CustomerStatus.ACTIVE, "Active", "Assinatura", "Suscripción"),
    (CustomerStatus.EXPIRING_SOON, "Expiring soon", "Expira em breve", "Vence pronto"),
    (CustomerStatus.LICENSE_OVERAGE, "License overage", "Excesso de licenças", "Exceso de licencia"),
    (CustomerStatus.NO_RECENT_ACTIVITY, "No recent activity", "Nenhuma atividade recente", "Sin actividad reciente"),
    (CustomerStatus.READY_FOR_ORDER_SETUP, "Ready for order setup", "Pronto para configuração do pedido",
     "Listo para configurar el pedido"),
    (CustomerStatus.SUSPENDED, "Suspended", "Suspenso", "Suspendido"),
    (CustomerStatus.EXPIRED, "Expired", "Expirado", "Vencido"),
])
def test_status_names_are_the_guides(status, en, pt, es):
    assert glossary.status_label(status, "en") == en
    assert glossary.status_label(status, "pt-BR") == pt
    assert glossary.status_label(str(status), "es") == es


def test_every_status_has_a_name_and_a_description():
    assert set(glossary.STATUS_TERMS) == set(CustomerStatus)
    assert set(glossary.STATUS_DESCRIPTIONS) == set(CustomerStatus)
    assert glossary.status_description("suspended", "es") == "Una de las suscripciones del cliente aún no se ha pagado."


def test_a_status_name_written_without_context_reads_the_same():
    # alerts.py writes N_("Expiring soon") for its digest KPI: same words as the status.
    assert gettext("pt_BR", "Expiring soon") == glossary.status_label("expiring_soon", "pt_BR") == "Expira em breve"
    assert gettext("es", "No recent activity") == glossary.status_label("no_recent_activity", "es")


def test_the_status_active_and_the_report_column_active_are_told_apart():
    # Same English word, two meanings: the context keeps their translations apart.
    assert glossary.status_label("active", "pt_BR") == "Assinatura"
    assert gettext("pt_BR", "Active") == "Ativo"
    assert pgettext("es", glossary.STATUS_CONTEXT, "Active") == "Suscripción"
    assert translations("es").gettext("Active") == "Activo"


def test_report_headers_in_each_language_in_spec_order():
    assert glossary.report_headers("devices", "en") == [
        "External ID", "Customer", "Customer Org ID", "Location ID", "Location Name", "Product", "MAC",
        "Firmware", "Phone Number", "Extension", "User ID", "User UUID",
    ]
    assert glossary.report_headers("numbers", "pt_BR") == [
        "ID externa", "Cliente", "ID da organização do cliente", "ID de localização", "Nome da localização",
        "País", "Número de telefone", "Ramal", "Conexão PSTN", "Ativo", "Tipo de usuário", "Tipo de número",
        "ID do usuário", "UUID do usuário",
    ]
    es = glossary.report_headers("call-usage", "es")
    assert len(es) == 20
    assert es[:4] == ["Nombre del cliente", "ID de la organización", "Ubicación", "Total de llamadas"]
    assert es[16] == "Cola de llamadas: llamadas con tiempo de espera agotado"


def test_report_columns_match_spec_word_for_word():
    spec = (ROOT.parent / "shared" / "SPEC.md")
    if not spec.exists():
        pytest.skip("SPEC.md is not next to the repository")
    text = " ".join(spec.read_text(encoding="utf-8").split())
    f23 = text.split("Columns, in order: ")[1].split(". (Total Calls")[0]
    assert [t.msgid for t in glossary.CALL_USAGE_COLUMNS] == [c.strip() for c in f23.split("·")]


def test_region_labels():
    assert glossary.region_label("US", "es") == "Estados Unidos"
    assert glossary.region_label("eu", "pt_BR") == "União Europeia"
    assert glossary.region_label("UAE", "en") == "United Arab Emirates"
    assert glossary.region_label("XX", "es") == "XX"


def test_glossary_never_gives_one_msgid_two_translations():
    seen: dict[tuple, tuple[str, str]] = {}
    groups = [glossary.STATUS_TERMS.values(), glossary.STATUS_PLAIN_TERMS, glossary.FILTER_TERMS, glossary.KPI_TERMS,
              glossary.SECTION_TERMS, glossary.TABLE_COLUMN_TERMS, glossary.CALLING_TERMS,
              glossary.CALL_USAGE_COLUMNS, glossary.DEVICES_COLUMNS, glossary.NUMBERS_COLUMNS,
              glossary.NUMBER_VALUE_TERMS, glossary.REGION_TERMS.values(), glossary.REPORT_NAME_TERMS.values()]
    for group in groups:
        for term in group:
            key = (term.context, term.msgid)
            assert seen.setdefault(key, (term.pt_BR, term.es)) == (term.pt_BR, term.es), key


# --------------------------------------------------------------------------------------
# The catalogs: complete, placeholders intact, guide wording kept
# --------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def extracted(tmp_path_factory) -> Catalog:
    """Extract the messages of today's code into a temp .pot (Babel's API) and read it back."""
    path = tmp_path_factory.mktemp("i18n") / "messages.pot"
    catalogs.write_pot(catalogs.extract(ROOT), path)
    with path.open("rb") as fh:
        return read_po(fh)


def test_extraction_finds_core_marks_contexts_and_templates(extracted):
    assert extracted.get("Total Calls") is not None  # N_ in the glossary
    assert extracted.get("Expiring soon", context="customer status") is not None  # pN_
    assert extracted.get("Unknown language \u201c{language}\u201d. Choose one of: {choices}.") is not None


@pytest.mark.parametrize("locale", catalogs.TRANSLATED)
def test_every_message_is_translated(extracted, locale):
    """Fails when someone adds a msgid and nobody has translated it yet: run
    `make i18n-update`, translate the empty entries (`make i18n-check` lists them)."""
    missing = catalogs.untranslated(extracted, catalogs.read_catalog(locale))
    assert missing == [], f"{len(missing)} untranslated in {locale}, e.g. {missing[:5]}"


@pytest.mark.parametrize("locale", catalogs.TRANSLATED)
def test_translations_keep_the_placeholders(locale):
    assert catalogs.placeholder_mismatches(catalogs.read_catalog(locale)) == []


@pytest.mark.parametrize("locale", catalogs.TRANSLATED)
def test_translations_keep_slack_markup(locale):
    assert catalogs.markup_mismatches(catalogs.read_catalog(locale)) == []


@pytest.mark.parametrize("locale", catalogs.TRANSLATED)
def test_template_messages_have_no_lone_percent_sign(locale):
    assert catalogs.template_percent_signs(catalogs.extract(ROOT), catalogs.read_catalog(locale)) == []


def test_markup_and_percent_checks_catch_mistakes():
    pot = Catalog()
    pot.add("Usage %(n)s, 5%% off", locations=[("templates/a.json.j2", 1)])
    pot.add("100% sure", locations=[("templates/b.json.j2", 1)])
    pot.add("50% in Python", locations=[("partnerhub_core/x.py", 1)])
    po = Catalog(locale="pt_BR")
    po.add("Usage %(n)s, 5%% off", "Uso %(n)s, 5% de desconto")
    po.add("50% in Python", "50% em Python")
    po.add("*Bold* name", "Nome em negrito")
    assert catalogs.template_percent_signs(pot, po) == [
        "pt_BR: a lone % in 'Uso %(n)s, 5% de desconto' (template message 'Usage %(n)s, 5%% off'); write %%",
        "pt_BR: a lone % in '100% sure' (template message '100% sure'); write %%",
    ]
    assert catalogs.markup_mismatches(po) == ["pt_BR: Slack markup of '*Bold* name' differs in 'Nome em negrito'"]


def test_catalogs_use_the_guide_wording():
    found = catalogs.glossary_mismatches({loc: catalogs.read_catalog(loc) for loc in catalogs.TRANSLATED})
    assert found == []


def test_clipped_texts_fit_slacks_limits_in_every_language():
    # A modal title is cut at 24 characters: "Adicionar um administrador de parceiro" would read
    # "Adicionar um administra…".
    found = catalogs.too_long({loc: catalogs.read_catalog(loc) for loc in catalogs.TRANSLATED}, ROOT / "templates")
    assert found == []


def test_clipped_msgids_and_too_long_translations_are_found(tmp_path):
    from partnerhub_core.i18n.templatecheck import clipped_msgids

    (tmp_path / "m.json.j2").write_text(
        '{"title": {"type": "plain_text", "text": {{ _("Add a partner admin")|clip(24)|tojson }}},'
        ' "x": {{ _(\'Hi %(n)s\')|clip(10)|tojson }}}', encoding="utf-8")
    assert clipped_msgids(tmp_path) == [("Add a partner admin", 24, "m.json.j2"), ("Hi %(n)s", 10, "m.json.j2")]
    po = Catalog(locale="pt_BR")
    po.add("Add a partner admin", "Adicionar um administrador de parceiro")
    po.add("Hi %(n)s", "Olá, muito prazer %(n)s")  # placeholders: the length depends on the value
    assert catalogs.too_long({"pt_BR": po}, tmp_path) == [
        "pt_BR: 'Adicionar um administrador de parceiro' ('Add a partner admin' in m.json.j2) is longer than 24 characters"
    ]


def test_catalogs_compile_and_translate_in_memory():
    for locale in catalogs.TRANSLATED:
        assert translations(locale).gettext("Total Calls") == {"pt_BR": "Total de chamadas",
                                                                "es": "Total de llamadas"}[locale]
    assert translations("en").gettext("Total Calls") == "Total Calls"


def test_a_damaged_catalog_means_english_not_a_crash(tmp_path, monkeypatch, caplog):
    import partnerhub_core.i18n as i18n

    folder = tmp_path / "es" / "LC_MESSAGES"
    folder.mkdir(parents=True)
    (folder / "messages.mo").write_bytes(b"not a catalog at all")  # e.g. a truncated copy
    monkeypatch.setattr(i18n, "LOCALE_DIR", tmp_path)
    i18n.translations.cache_clear()
    try:
        assert i18n.translations("es").gettext("Total Calls") == "Total Calls"
        assert "the es message catalog cannot be read" in caplog.text
    finally:
        i18n.translations.cache_clear()


def test_a_translation_with_a_broken_placeholder_falls_back_to_english(monkeypatch):
    import gettext as std_gettext

    import partnerhub_core.i18n as i18n

    class Broken(std_gettext.NullTranslations):
        def gettext(self, message):
            return "Hola {nombre}"

    monkeypatch.setattr(i18n, "translations", lambda locale: Broken())
    assert i18n.gettext("es", "Hello {name}", name="Ana") == "Hello Ana"


def test_placeholders_are_read_in_both_styles():
    assert catalogs.placeholders("{count} of {total:,} at %(rate)s, 5%%") == ["%%", "%(rate)s", "{count}", "{total:,}"]
    assert catalogs.placeholders("no placeholders, 50% off") == []


def test_the_checks_catch_missing_fuzzy_and_broken_translations():
    pot = Catalog()
    pot.add("Hello {name}")
    pot.add("Bye")
    pot.add("Later")
    pot.add("Open", context="verb")
    po = Catalog(locale="es")
    po.add("Hello {name}", "Hola {nombre}")  # placeholder translated: broken at run time
    po.add("Bye", "Adiós", flags=["fuzzy"])  # fuzzy: not used
    po.add("Open", "Abierto")  # no context: not the same message
    assert catalogs.untranslated(pot, po) == [(None, "Bye"), (None, "Later"), ("verb", "Open")]
    assert catalogs.placeholder_mismatches(po) == [
        "es: placeholders of 'Hello {name}' are ['{name}'], the translation 'Hola {nombre}' has ['{nombre}']"
    ]


def test_apply_writes_translations_into_a_catalog(tmp_path, monkeypatch):
    monkeypatch.setattr(catalogs, "LOCALE_DIR", tmp_path)
    pot = Catalog()
    pot.add("Hello {name}")
    pot.add(("%(num)s tag", "%(num)s tags"))
    pot.add("Open", context="verb")
    written = catalogs.apply({"es": {"Hello {name}": "Hola, {name}", "%(num)s tag": ["%(num)s etiqueta", "%(num)s etiquetas"],
                                     "verb\x04Open": "Abrir", "Gone": "Ido"}}, pot=pot)
    assert written == {"es": 3}  # "Gone" is not in the code any more: not added
    po = catalogs.read_catalog("es")
    assert catalogs.untranslated(pot, po) == []
    forms = po.get("%(num)s tag").string
    assert forms[:2] == ("%(num)s etiqueta", "%(num)s etiquetas")
    assert len(forms) == po.num_plurals and set(forms[2:]) <= {"%(num)s etiquetas"}  # CLDR's "many" = "other"
    assert po.get("Open", context="verb").string == "Abrir"
    assert not po.fuzzy and (tmp_path / "es" / "LC_MESSAGES" / "messages.po").exists()


def test_makefile_extracts_with_the_same_keywords():
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    line = makefile.split("pybabel extract", 1)[1].split("-o ", 1)[0]
    assert "-k lazy_gettext" in line and "-k pN_:1c,2" in line and "$(foreach e,$(I18N_ERRORS),-k $(e))" in line
    errors = makefile.split("I18N_ERRORS := ", 1)[1].split("\n", 1)[0].split()
    assert set(catalogs.EXTRA_KEYWORDS) == {"lazy_gettext", "pN_", *errors}
    assert set(errors) == set(catalogs.ERROR_CLASSES)


# --------------------------------------------------------------------------------------
# Templates: no literal human text
# --------------------------------------------------------------------------------------
def test_no_template_has_untranslated_literal_text():
    from partnerhub_core.i18n.templatecheck import template_literals

    assert template_literals(ROOT / "templates") == []


@pytest.mark.parametrize("source", [
    '{"type": "section", "text": {"type": "mrkdwn", "text": "Customers"}}',
    '{"type": "input", "label": {"type": "plain_text", "text": {{ _("Tag")|tojson }}},'
    ' "element": {"type": "plain_text_input", "placeholder": {"type": "plain_text", "text": "Pick a name"}}}',
    '{"text": "*{{ name }}* expires soon"}',
    '{"text": {{ ("Page " ~ page)|tojson }}}',
    '{"text": {{ (n ~ " customers")|tojson }}}',
    '{"text": {{ "Open in Control Hub"|tojson }}}',
    '{% set close = {"type": "plain_text", "text": "Close"} %}{"close": {{ close|tojson }}}',
    '{% macro button(label) %}{"type": "button", "text": {{ label|tojson }}}{% endmacro %}{{ button("Open") }}',
    '{"text": "{% if ok %}Done{% else %}{{ _("Failed") }}{% endif %}"}',
    '{% set title %}Weekly digest{% endset %}{"text": {{ title|tojson }}}',
])
def test_template_check_flags_literal_text(source):
    assert check_source(source, "x.json.j2") != []


@pytest.mark.parametrize("source", [
    '{"type": "section", "text": {"type": "mrkdwn", "text": {{ _("Customers")|tojson }}}}',
    '{"type": "actions", "elements": [{"type": "button", "action_id": "customer_open", "style": "primary",'
    ' "url": {{ url|tojson }}, "text": {"type": "plain_text", "text": {{ _("Open")|tojson }}, "emoji": true}}]}',
    '{"text": {{ (":warning: *" ~ name ~ "* · " ~ _("expires soon"))|tojson }}}',
    '{"text": "{% trans count=n %}{{ count }} customer{% pluralize %}{{ count }} customers{% endtrans %}"}',
    '{"text": {{ _("%(n)s licenses", n=fmt(n))|tojson }}, "type": {{ ("mrkdwn" if md else "plain_text")|tojson }}}',
    '{"text": "<@{{ user }}> :tada: {{ x }}"}',
    '{"text": {{ ("/partnerhub " ~ usage)|tojson }}}',
    '{% set b = {"type": "divider"} %}{{ b|tojson }}{{ fmt_date(d, "dd/MM/yyyy") }}',
])
def test_template_check_accepts_translated_text(source):
    assert check_source(source, "x.json.j2") == []


def test_template_check_reads_plain_text_templates_too():
    assert check_source("{{ name }} expires soon", "x.txt.j2") != []
    assert check_source("{{ name }} · {{ _('expires soon') }}", "x.txt.j2") == []


# --------------------------------------------------------------------------------------
# Stored choices (audited)
# --------------------------------------------------------------------------------------
@pytest.fixture
def people(session):
    partner = Partner(name="Acme Partner", default_language="es")
    session.add(partner)
    session.flush()
    ws = Workspace(partner_id=partner.id, team_id="T1", default_language="pt_BR")
    ana = PartnerAdmin(partner_id=partner.id, display_name="Ana", email="ana@example.com",
                       slack_user_id="U1", role=Role.READ_ONLY)
    boss = PartnerAdmin(partner_id=partner.id, display_name="Bia", email="bia@example.com",
                        slack_user_id="U2", role=Role.FULL_ADMIN)
    session.add_all([ws, ana, boss])
    session.flush()
    return partner, ws, ana, boss


def test_an_admin_sets_and_clears_their_language_with_an_audit_trail(session, people):
    partner, ws, ana, _ = people
    actor = Actor.for_admin(ana, label="slack:U1")
    preferences.set_my_language(session=session, actor=actor, language="es", now=NOW)
    preferences.set_my_language(session=session, actor=actor, language="es", now=NOW)  # no change, no event
    assert preferences.stored_languages(session, partner_id=partner.id, slack_user_id="U1", team_id="T1") \
        == preferences.StoredLanguages(user="es", workspace="pt_BR")
    preferences.set_my_language(session=session, actor=actor, language=None, now=NOW)
    events = session.exec(select(AuditEvent).order_by(AuditEvent.id)).all()
    assert [(e.action, e.actor, e.before, e.after) for e in events] == [
        ("admin.language", "slack:U1", {"language": None}, {"language": "es"}),
        ("admin.language", "slack:U1", {"language": "es"}, {"language": None}),
    ]
    assert session.get(PartnerAdmin, ana.id).language is None


def test_stored_languages_fall_back_to_the_partner_default(session, people):
    partner, *_ = people
    assert preferences.stored_languages(session, partner_id=partner.id, slack_user_id="U9", team_id="T-other") \
        == preferences.StoredLanguages(user=None, workspace="es")


def test_only_full_admins_set_the_workspace_language(session, people):
    _, ws, ana, boss = people
    with pytest.raises(NotAllowed):
        preferences.set_workspace_language(session=session, actor=Actor.for_admin(ana), workspace_id=ws.id,
                                           language="es", now=NOW)
    preferences.set_workspace_language(session=session, actor=Actor.for_admin(boss), workspace_id=ws.id,
                                       language="es", now=NOW)
    assert session.get(Workspace, ws.id).default_language == "es"
    event = session.exec(select(AuditEvent)).one()
    assert (event.action, event.before, event.after) == ("workspace.language", {"language": "pt_BR"},
                                                          {"language": "es"})


def test_bad_language_and_unknown_people_are_clear_errors(session, people):
    partner, ws, ana, boss = people
    with pytest.raises(BadInput):
        preferences.set_my_language(session=session, actor=Actor.for_admin(ana), language="fr", now=NOW)
    with pytest.raises(NotFound):
        preferences.set_my_language(session=session, actor=Actor.system(partner.id), language="es", now=NOW)
    with pytest.raises(NotFound):
        preferences.set_workspace_language(session=session, actor=Actor.for_admin(boss), workspace_id=ws.id + 99,
                                           language="es", now=NOW)


def test_the_babel_locale_is_parsed_once_per_locale():
    from partnerhub_core.i18n import babel_locale, format_number

    assert babel_locale("pt_BR") is babel_locale("pt_BR")  # cached: numbers are formatted per cell
    assert format_number(1234.5, "pt_BR", 1) == "1.234,5" and format_number(1234.5, "es", 1) == "1.234,5"
    assert str(babel_locale("xx_YY")) == "en"  # unknown: English, cached too
