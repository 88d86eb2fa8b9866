"""The language sweep (issue 17, item 4): everything a person reads in pt-BR or es — every
template over its fixtures, every CSV (analytics sections, the licence trend, calling
sections, the three reports, the customer / admin / endpoint tables, the digest's alert
files) and the digest message over the demo partner — holds no English word and no decimal written with a point.

**The stop-list** is built from our own catalog, so it grows with the product: every word
of three or more ASCII letters in an English msgid, minus
- words that also occur in that locale's own translations (``total``, ``local``, ``real``,
  ``email``, ``status``…: identical in the target language, or used there on purpose),
- ``ALLOWED``: proper nouns and product names the catalogs keep as they are (Webex,
  Meetings, Calling, Slack, Partner Hub, Control Hub, CSV, XLSX…) and technical words
  that are data or identifiers (MAC, UUID, URL, SIP, PSTN, RoomOS…).
Region codes (US, CA, EU, UAE, in capitals) and lowercase product keys (``meetings``,
``calling``) are added to it: a person reads region and product names.

**Decimals**: any ``\\d\\.\\d`` whose part after the point is not a group of three digits
(pt-BR and es group thousands with a point: ``1.234`` is fine, ``27.0`` and ``42.6%`` are not).

**What is not checked** (scrubbed before scanning): the words of the fixtures' own strings
(customer names, hostile text: data, not our words; codes excepted), URLs, Slack mentions and links, ``:emoji:``
codes, ISO dates, org ids and e-mail addresses.
"""
from __future__ import annotations

import dataclasses
import importlib
import io
import re
from datetime import date
from enum import Enum
from pathlib import Path

import pytest

from partnerhub_core.i18n import LOCALE_DIR

LOCALES = ("pt_BR", "es")
FIXTURES = Path(__file__).resolve().parent / "template_fixtures"
AS_OF = date(2026, 11, 25)

ALLOWED = {
    # proper nouns and product names kept in every language
    "webex", "meetings", "calling", "messaging", "slack", "partner", "hub", "control", "contact", "center",
    "cisco", "partnerhub", "google", "excel", "microsoft", "teams", "zoom", "roomos", "apple", "android",
    "windows", "linux", "ios", "macos", "chrome", "firefox", "safari", "jabber", "okta", "oauth", "api",
    "english",  # a language's own name in the language picker
    # formats, protocols, identifiers: data, or the same word in every language
    "csv", "xlsx", "png", "json", "mac", "uuid", "url", "sip", "pstn", "utc", "kpi", "kpis", "org", "ids",
    "cdr", "cdrs", "http", "https", "www", "slash", "token", "app", "home", "bot", "dm",
}
CODES = {"us", "ca", "eu", "uae"}  # region codes: a person reads region names (checked in capitals)


PRODUCT_KEYS = {"meetings", "calling", "messaging"}  # lowercase keys: a person reads "Webex Meetings"
RAW_PRODUCT = re.compile(r"(?<![\w/-])(meetings|calling|messaging)(?![\w-])")


def _words(text: str) -> set[str]:
    return {w.lower() for w in re.findall(r"(?<![\w{%])[A-Za-z]{3,}(?![\w}])", text)}


def _strip_placeholders(text: str) -> str:
    return strip_code(re.sub(r"\{[^{}]*\}|%\([^)]*\)[sdf]|<[^>]*>|:[a-z0-9_+-]+:", " ", text))


# What a person types is the same in every language: `code`, command lines
# (``/partnerhub customers list``), ``key:value`` words and ``a|b`` choices.
_CODE = [
    re.compile(r"`[^`]*`"),
    re.compile(r"/?partnerhub(?: [a-z][\w-]*){0,2}"),
    re.compile(r"\S*[:|\[\]=]\S*"),
    re.compile(r"--[\w-]+"),
    re.compile(r"\b\w+_\w+\b"),  # snake_case keys and file columns (``start_date``, ``low_assignment``)
    # what to type, named beside its name or as a choice: "Estados Unidos (US)", "use meetings ou calling"
    re.compile(r"\((?:US|CA|EU|UAE)\)"),
    re.compile(r"\bmeetings (?:or|ou|o) calling\b"),
]


def strip_code(text: str) -> str:
    for pattern in _CODE:
        text = pattern.sub(" ", text)
    return text


def stop_words(locale: str) -> set[str]:
    from babel.messages.pofile import read_po

    with (LOCALE_DIR / locale / "LC_MESSAGES" / "messages.po").open("rb") as fh:
        catalog = read_po(fh)
    english: set[str] = set()
    target: set[str] = set()
    for message in catalog:
        if not message.id:
            continue
        ids = message.id if isinstance(message.id, (tuple, list)) else (message.id,)
        strs = message.string if isinstance(message.string, (tuple, list)) else (message.string,)
        for text in ids:
            english |= _words(_strip_placeholders(text))
        if any("[" in text for text in ids):
            continue  # a usage line: command syntax, typed as is
        for text in strs:
            # lowercase hyphenated keywords (``read-only``) are typed as is too
            target |= _words(re.sub(r"\b[a-z]+-[a-z]+\b", " ", _strip_placeholders(text or "")))
    return english - target - ALLOWED - CODES


_SCRUB = [
    re.compile(r"https?://\S+"),
    re.compile(r"<[^<>]*>"),  # mrkdwn links, mentions
    re.compile(r":[a-z0-9_+-]+:"),  # emoji codes
    re.compile(r"\S+@\S+"),  # e-mail addresses
    re.compile(r"\borg-[\w-]+"),
    re.compile(r"\b\d{4}-\d{2}-\d{2}\b"),
    re.compile(r"Real-Time Translations"),  # the guide keeps this product's name in es
]
DECIMAL = re.compile(r"\d\.(\d+)")


def problems(text: str, locale: str, *, data: list[str] = (), stop: set[str] | None = None) -> list[str]:
    # Data (names, hostile fixture text) is escaped and clipped on its way into a message:
    # its words, not its exact strings, are left out of the check.
    data_words = {w.lower() for value in data for w in re.findall(r"[A-Za-z]+", value)}
    for pattern in _SCRUB:
        text = pattern.sub(" ", text)
    text = strip_code(text)
    stop = stop_words(locale) if stop is None else stop
    found = []
    for token in re.findall(r"[A-Za-z]+", text):
        word = token.lower()
        listed = word in stop or (word in CODES and token.isupper())
        if listed and word not in data_words and not _inside_word(text, token):
            found.append(token)
    found += RAW_PRODUCT.findall(text)
    english = sorted({w for w in found})
    decimals = sorted({m.group(0) for m in DECIMAL.finditer(text) if len(m.group(1)) != 3})
    out = []
    if english:
        out.append(f"English words {english}")
    if decimals:
        out.append(f"decimals with a point {decimals}")
    return [o + f" in: {_context(text, english, decimals)}" for o in out]


def _inside_word(text: str, token: str) -> bool:
    # a token glued to non-ASCII letters (``Ünïcödé``) is part of another word
    for m in re.finditer(re.escape(token), text):
        before = text[m.start() - 1] if m.start() else " "
        after = text[m.end()] if m.end() < len(text) else " "
        if not (before.isalpha() or after.isalpha() or before.isdigit() or after.isdigit()):
            return False
    return True


def _context(text: str, words: list[str], decimals: list[str]) -> str:
    probes = list(words) + list(decimals)
    for probe in probes:
        i = text.find(probe)
        if i >= 0:
            return repr(text[max(0, i - 60): i + 60])
    return ""


def _strings(value, seen=None) -> list[str]:
    """Every string inside a fixture value (dataclasses, dicts, lists, objects)."""
    seen = set() if seen is None else seen
    if id(value) in seen:
        return []
    seen.add(id(value))
    if isinstance(value, Enum):
        return []  # codes the template must name: not data
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [s for k, v in value.items() for s in _strings(k, seen) + _strings(v, seen)]
    if isinstance(value, (list, tuple, set, frozenset)):
        return [s for v in value for s in _strings(v, seen)]
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return [s for f in dataclasses.fields(value) for s in _strings(getattr(value, f.name), seen)]
    if hasattr(value, "__dict__") and not callable(value):
        return [s for v in vars(value).values() for s in _strings(v, seen)]
    return []


def _data_strings(values: dict) -> list[str]:
    # Codes (regions, products, statuses) are not data: the template must translate them.
    codes = {c.upper() for c in CODES}
    return [s for s in _strings(values) if s not in codes and s not in PRODUCT_KEYS]


# --------------------------------------------------------------------------------------
# Templates over their fixtures
# --------------------------------------------------------------------------------------
TEMPLATES = sorted(p.name for p in (Path(__file__).resolve().parents[2] / "templates").glob("*.json.j2"))


@pytest.mark.parametrize("locale", LOCALES)
@pytest.mark.parametrize("template", TEMPLATES)
def test_every_template_speaks_the_language(template, locale):
    from bot.render import blocks_to_text, render

    name = template[: -len(".json.j2")]
    if not (FIXTURES / f"{name}.py").exists():
        pytest.skip(f"{template} has no fixtures yet (test_templates.py fails on that)")
    module = importlib.import_module(f"tests.bot.template_fixtures.{name}")
    cases = module.CASES() if callable(module.CASES) else module.CASES
    stop = stop_words(locale)
    found = []
    for case, values in cases.items():
        payload = render(template, locale=locale, **values)
        text = blocks_to_text(payload) + "\n" + _view_text(payload)
        found += [f"[{case}] {p}" for p in problems(text, locale, data=_data_strings(values), stop=stop)]
    assert found == [], f"{template} in {locale}:\n" + "\n".join(found[:8])


def _view_text(payload: dict) -> str:
    """Titles, labels, placeholders and options of modals and buttons (blocks_to_text reads blocks)."""
    out = []

    def walk(node):
        if isinstance(node, dict):
            for key, value in node.items():
                if key == "text" and isinstance(value, str):
                    out.append(value)
                elif key in ("action_id", "block_id", "callback_id", "value", "url", "private_metadata",
                             "image_url", "type", "style", "initial_value"):
                    continue
                else:
                    walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    walk(payload)
    return "\n".join(out)


# --------------------------------------------------------------------------------------
# CSVs and tables over the demo partner
# --------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    """The demo partner (40 customers: every status, section, report) in a SQLite file."""
    from sqlmodel import Session, SQLModel, create_engine

    from partnerhub_core.sources.demo import build_demo_partner

    engine = create_engine(f"sqlite:///{tmp_path_factory.mktemp('sweep') / 'demo.db'}")
    SQLModel.metadata.create_all(engine)
    with Session(engine) as session:
        partner = build_demo_partner(session, customers=40, as_of=AS_OF)
        session.commit()
        pid = partner.id
    yield engine, pid
    engine.dispose()


def _csv_text(data: bytes) -> str:
    return data.decode("utf-8-sig")


def _outputs(engine, pid, locale):
    """(name, text) of every file and table a person downloads."""
    from sqlmodel import Session

    from bot.render import blocks_to_text, render
    from partnerhub_core import alerts, reports
    from partnerhub_core.analytics import calling, subscriptions
    from partnerhub_core.models import Schedule
    from partnerhub_core.analytics.hints import kpi_hint
    from partnerhub_core.i18n import translations
    from partnerhub_core.auth import Actor
    from partnerhub_core.customers import CustomerFilters
    from partnerhub_core.models import Role
    from partnerhub_core.reports import tables, views
    from partnerhub_core.settings import Settings

    settings = Settings(_env_file=None)
    gettext = translations(locale).gettext

    def kpi_lines(section) -> str:  # what Slack, the App Home and the CLI show of each KPI
        return "\n".join(f"{gettext(k.label)}: {kpi_hint(k, gettext, locale)}" for k in section.kpis)

    with Session(engine) as session:
        for product in (None, *subscriptions.PRODUCTS):
            headline = subscriptions.headline_kpis(session=session, partner_id=pid, as_of=AS_OF, settings=settings,
                                                   product=product)
            yield f"headline {product}", kpi_lines(headline)
        for product in subscriptions.PRODUCTS:
            for key, fn in subscriptions.SECTIONS.items():
                section = fn(session=session, partner_id=pid, as_of=AS_OF, settings=settings, product=product)
                yield f"section {key} {product} KPIs", section.heading(gettext) + "\n" + kpi_lines(section)
            for key, fn in subscriptions.SECTIONS.items():
                section = fn(session=session, partner_id=pid, as_of=AS_OF, settings=settings, product=product)
                yield f"section {key} {product}", _csv_text(reports.section_csv(section, locale))
            trend = subscriptions.license_trend(session=session, partner_id=pid, as_of=AS_OF, settings=settings,
                                                product=product)
            yield f"trend {product}", _csv_text(reports.section_csv(trend, locale))
        for key, fn in calling.CALLING_SECTIONS.items():
            section = fn(session=session, partner_id=pid, as_of=AS_OF, settings=settings)
            yield f"calling {key}", _csv_text(reports.section_csv(section, locale))
            table = views.endpoint_table(section, locale)
            if table is not None:
                yield f"endpoint table {key}", _csv_text(tables.table_csv(table, locale))
        for key in reports.REPORTS:
            out = io.BytesIO()
            reports.run_report(session=session, partner_id=pid, report=key, as_of=AS_OF, locale=locale, out=out)
            yield f"report {key}", _without_data_columns(_csv_text(out.getvalue()), locale)
        digest = alerts.build_digest(session=session, partner_id=pid, as_of=AS_OF, settings=settings,
                                     alerts=["expiring", "overage", "low_assignment", "abandoned_spike"])
        for alert in digest.alerts:
            if not alert.section.table.empty:
                yield f"digest alert {alert.kind}", _csv_text(reports.section_csv(alert.section, locale))
        schedule = Schedule(id=1, partner_id=pid, target_id="C1", language=locale)
        payload = render("digest.json.j2", locale=locale, digest=digest, schedule=schedule, rows_per_alert=8,
                         preview=False, status_label=lambda s, locale=None: s)
        yield "digest message", blocks_to_text(payload)
        actor = Actor(partner_id=pid, role=Role.FULL_ADMIN, label="test")
        table = views.customers_table(session=session, actor=actor, filters=CustomerFilters(), as_of=AS_OF,
                                      settings=settings, locale=locale)
        yield "customers table", _csv_text(tables.table_csv(table, locale))
        yield "admins table", _csv_text(tables.table_csv(views.admins_table(session=session, actor=actor,
                                                                            locale=locale), locale))


# Columns whose cells are Webex's own data, written as Webex gives them: an ISO country code
# (as Partner Hub's report), a device model and its firmware ("Webex Desk Pro", "RoomOS
# 11.17.3.2"), the PSTN provider's name.
DATA_COLUMNS = ("Country", "Product", "Firmware", "PSTN Connection")


def _without_data_columns(text: str, locale: str) -> str:
    import csv

    from partnerhub_core.i18n import translations

    gettext = translations(locale).gettext
    rows = list(csv.reader(io.StringIO(text)))
    if not rows:
        return text
    drop = {i for i, h in enumerate(rows[0]) if h in {gettext(c) for c in DATA_COLUMNS}}
    return "\n".join(",".join(c for i, c in enumerate(row) if i not in drop) for row in rows)


def _names(engine, pid) -> list[str]:
    """Data from the demo: customer, location, queue, admin and device names."""
    from sqlalchemy import text

    out = []
    with engine.connect() as conn:
        for sql in ("select name from customer", "select name from location", "select display_name from partneradmin",
                    "select name from tag", "select model from device", "select name from call_queue",
                    "select description from orderline"):
            try:
                out += [r[0] for r in conn.execute(text(sql)) if r[0]]
            except Exception:  # noqa: BLE001 — a table the demo does not fill
                continue
    return out


@pytest.mark.parametrize("locale", LOCALES)
def test_every_csv_speaks_the_language(demo, locale):
    engine, pid = demo
    stop = stop_words(locale)
    names = _names(engine, pid)
    found = []
    for name, text in _outputs(engine, pid, locale):
        found += [f"{name}: {p}" for p in problems(text, locale, data=names, stop=stop)]
    assert found == [], f"{len(found)} in {locale}:\n" + "\n".join(found[:30])


def test_the_sweep_itself_catches_english_and_points():
    stop = stop_words("pt_BR")
    assert {"customers", "the", "only", "people", "primary"} <= stop and "webex" not in stop and "total" not in stop
    assert problems("Clientes: 1.234 de 2.345,5", "pt_BR", stop=stop) == []
    assert problems("Somente UAE", "pt_BR", stop=stop)
    assert problems("Limiar (calling 42.6%)", "pt_BR", stop=stop)
    assert problems("Expiring customers", "pt_BR", stop=stop)
    assert problems("Produto: calling", "pt_BR", stop=stop)
    assert problems("Produto: Webex Calling", "pt_BR", stop=stop) == []
    assert problems("Acme Expiring Ltd", "pt_BR", data=["Acme Expiring Ltd"], stop=stop) == []


# --------------------------------------------------------------------------------------
# Slack answers, as a pt-BR or es speaker gets them
# --------------------------------------------------------------------------------------
COMMANDS = (
    "kpis", "kpis calling", "recent", "expiring", "renewing", "low calling", "overage calling", "trend",
    "customers", "customer acme corp", "customers region:EU", "tags", "tags show Gold", "calling usage",
    "calling quality", "calling features", "calling queues", "report", "sources", "help", "language",
    "kpis teams", "kpis --region MARS", "expiring region:mars", "admins", "audit", "digest list", "trial",
    "customer zzqx", "tags add Gold", "report devices", "report numbers",
)
SLACK_LOCALE = {"pt_BR": "pt-BR", "es": "es-LA"}
WORLD_NAMES = ["Acme Corp", "Acme Labs", "Globex", "Gold", "SUB-ACME", "TRIAL-LABS", "SUB-GLOBEX", "INV-77",
               "ORD-1", "ORD-2", "org-acme", "org-labs", "org-globex", "Rita", "U_READ", "Acme Partners"]


@pytest.mark.parametrize("locale", LOCALES)
def test_every_slack_answer_speaks_the_language(slack, fake_slack, session, linked, locale):
    from tests.bot.feature_world import add_customers, blocks_text

    add_customers(session, linked)
    fake_slack.add_user("U_FULL", name="Rita", locale=SLACK_LOCALE[locale])
    stop = stop_words(locale)
    found = []
    for command in COMMANDS:
        answer = fake_slack.wait_for_response(slack.command(command, user="U_FULL"))
        text = blocks_text(answer) + "\n" + _view_text(answer)
        found += [f"/partnerhub {command}: {p}" for p in problems(text, locale, data=WORLD_NAMES, stop=stop)]
    slack.event({"type": "app_home_opened", "user": "U_FULL", "tab": "home", "channel": "D_FULL"})
    home = fake_slack.wait_for("views.publish")[0].params["view"]
    found += [f"App Home: {p}" for p in problems(blocks_text(home) + "\n" + _view_text(home), locale,
                                                 data=WORLD_NAMES, stop=stop)]
    assert found == [], f"{len(found)} in {locale}:\n" + "\n".join(found[:30])


# --------------------------------------------------------------------------------------
# The command line, with --lang pt-BR / es, over the demo partner
# --------------------------------------------------------------------------------------
CLI_COMMANDS = (
    ["kpis"], ["kpis", "calling"], ["kpis", "--format", "csv"], ["section", "recent"], ["section", "expiring"],
    ["section", "renewing"], ["section", "low", "calling"], ["section", "overage"], ["calling", "usage"],
    ["calling", "quality"], ["calling", "features"], ["calling", "queues"], ["customers", "list"],
    ["customers", "lookup", "Redwood"],
    ["sources"], ["audit"], ["kpis", "--region", "MARS"], ["kpis", "--product", "teams"],
)
CLI_LANG = {"pt_BR": "pt-BR", "es": "es"}


@pytest.mark.parametrize("locale", LOCALES)
def test_every_cli_answer_speaks_the_language(demo, locale, monkeypatch, capsys):
    import sys

    from bot.cli import main

    engine, pid = demo
    url = engine.url.render_as_string(hide_password=False)
    for name in ("PARTNERHUB_DATABASE_URL", "PARTNERHUB_AS_OF", "PARTNERHUB_LANGUAGE"):
        monkeypatch.delenv(name, raising=False)
    stop = stop_words(locale)
    names = _names(engine, pid)
    found = []
    for args in CLI_COMMANDS:
        monkeypatch.setattr(sys, "argv", ["partnerhub", *args, "--lang", CLI_LANG[locale], "--as-of", "2026-11-25",
                                          "--database-url", url])
        try:
            main()
        except SystemExit:
            pass
        out, err = capsys.readouterr()
        text = (out + "\n" + err).replace(url, " ")
        found += [f"partnerhub {' '.join(args)}: {p}" for p in problems(text, locale, data=names, stop=stop)]
    assert found == [], f"{len(found)} in {locale}:\n" + "\n".join(found[:30])
