"""``partnerhub demo`` — the product end to end on a synthetic partner, no Slack or Webex
account needed.

It builds the demo partner into a local database (``settings.demo_database_url``, a SQLite
file by default; schema through the Alembic migrations), then prints what a partner admin
would see and writes each table as CSV into the output folder. Running it again rebuilds
the demo partner in place.

The run is a list of small steps (``STEPS``), each ``step(run: DemoRun) -> None``; other
parts of the product add theirs (the bot's answers, calling analytics) as separate
functions in that list.
"""
from __future__ import annotations

import importlib
import logging
import os
import tempfile
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import typer
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DBAPIError
from sqlmodel import Session

from bot.cli.common import settings as load_settings
from bot.cli.options import check_lang
from bot.cli.customers import STATUS_LABELS, render_card
from bot.cli.tables import ReadContext, parse_day, render_section, text_table
from partnerhub_core import i18n, migrate, partners
from partnerhub_core.analytics import subscriptions
from partnerhub_core.auth import Actor
from partnerhub_core.customers import lookup_customer
from partnerhub_core.db import mask_url, session_scope
from partnerhub_core.errors import BadInput
from partnerhub_core.i18n import N_
from partnerhub_core.models import Partner
from partnerhub_core.settings import Settings
from partnerhub_core.sources.demo import DEMO_PARTNER_ORG_ID, MAX_CUSTOMERS, build_demo_partner
from partnerhub_core.statuses import count_by_status, customer_statuses

ROWS_SHOWN = 10  # per table on screen; the CSV holds every row


@dataclass
class DemoRun:
    settings: Settings
    url: str
    out: Path
    as_of: date
    seed: int
    customers: int
    locale: str = "en"
    engine: Engine | None = None
    partner_id: int | None = None
    files: list[Path] = field(default_factory=list)

    def _(self, message: str, **params) -> str:
        text = i18n.translations(self.locale).gettext(message)
        return text.format(**params) if params else text

    def session(self) -> Session:
        return Session(self.engine, expire_on_commit=False)

    def read_context(self) -> ReadContext:
        return ReadContext(self.settings, self.engine, self.partner_id, "", self.as_of, self.locale)

    def write(self, name: str, data: bytes) -> Path:
        path = self.out / name
        path.write_bytes(data)
        self.files.append(path)
        return path


def heading(text: str) -> None:
    typer.echo("")
    typer.echo(f"### {text}")
    typer.echo("")


# ---------------------------------------------------------------------------------
# Steps
# ---------------------------------------------------------------------------------
def check_output_folder(run: DemoRun) -> None:
    """Fail before any work when the output folder cannot be written."""
    if run.out.exists() and not run.out.is_dir():
        raise BadInput(N_("Cannot write to the output folder {path}: it is a file."), path=str(run.out))
    try:
        run.out.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=run.out, prefix=".write-test-"):
            pass
    except OSError as exc:
        raise BadInput(N_("Cannot write to the output folder {path}: {reason}."), path=str(run.out),
                       reason=exc.strerror or str(exc)) from None


def prepare_database(run: DemoRun) -> None:
    """Create or migrate the demo database's schema (Alembic), and open it."""
    from partnerhub_core.db import connection_problem, mask_url, open_engine, sqlite_file
    from partnerhub_core.errors import DatabaseUnavailable

    path = sqlite_file(run.url)  # a bad URL stops here, in one line
    if path is not None:
        folder = path.resolve().parent
        if not folder.is_dir() or not os.access(folder, os.W_OK):
            raise BadInput(N_("Cannot create the demo database in {path}: the folder is missing or not writable."),
                           path=str(folder))
    try:
        run.engine = open_engine(run.url, create=True)
        migrate.upgrade(run.url)
        missing = partners.missing_tables(run.engine)
    except DBAPIError as exc:
        raise DatabaseUnavailable(N_("cannot connect to {url}: {reason}. Check that the database server is running "
                                     "and the URL is right."), url=mask_url(run.url),
                                  reason=connection_problem(exc)) from None
    if missing:
        raise BadInput(N_("The demo database {url} holds an older schema (missing {tables}): delete it and run "
                          "the demo again."), url=mask_url(run.url), tables=", ".join(sorted(missing)[:5]))


@contextmanager
def _spinner(text: str):
    """A spinner on stderr while the partner is built (tens of seconds for thousands of
    customers), only on a terminal: pipes, files and tests see the plain output."""
    import sys

    if not sys.stderr.isatty():
        yield lambda _text: None
        return
    from rich.console import Console

    with Console(stderr=True).status(text) as live:
        yield live.update


def build(run: DemoRun) -> None:
    heading(run._(N_("Building the demo partner")))
    # Rebuilding purges the previous demo partner; that is not an operator's purge worth a
    # warning line in the middle of the demo.
    logging.getLogger("partnerhub.purge").setLevel(logging.ERROR)
    calling = _demo_calling_module()
    with _spinner(run._(N_("Building the demo partner"))) as status, session_scope(run.engine) as session:
        partner = build_demo_partner(session, customers=run.customers, as_of=run.as_of, seed=run.seed)
        run.partner_id = partner.id
        if calling is not None:
            status(run._(N_("Generating the calling history")))
            calling.load_demo_calling(session, partner_id=partner.id, as_of=run.as_of, seed=run.seed)
    with run.session() as session:
        counts = partners.headline_counts(session, run.partner_id)
        name = session.get(Partner, run.partner_id).name
    typer.echo(run._(N_("{name}: {customers} customers, {lines} subscription and trial lines, {snapshots} weekly "
                        "license snapshots, as of {as_of} (seed {seed})."),
                     name=name, as_of=run.as_of.isoformat(), seed=run.seed, **counts))
    typer.echo(run._(N_("Database: {url}"), url=mask_url(run.url)))


def _demo_calling_module():
    """The calling data generator, when that part of the product is installed."""
    name = "partnerhub_core.sources.demo_calling"
    try:
        return importlib.import_module(name)
    except ImportError as exc:
        if exc.name != name:  # the module exists but is broken: let that show
            raise
        return None


def show_headline(run: DemoRun) -> None:
    heading(run._(N_("Headline KPIs (Webex Meetings and Webex Calling)")))
    with run.session() as session:
        section = subscriptions.headline_kpis(session=session, partner_id=run.partner_id, as_of=run.as_of,
                                              settings=run.settings)
    typer.echo(render_section(section, run.locale))


def show_customer(run: DemoRun) -> None:
    query = "sao paulo"  # typed without accents: finds "São Paulo Logística"
    heading(run._(N_("One customer's details (lookup \"{query}\")"), query=query))
    with run.session() as session:
        card = lookup_customer(session=session, actor=Actor.system(run.partner_id, label="demo"), query=query,
                               as_of=run.as_of, settings=run.settings)
    typer.echo(render_card(card, run.read_context()))


def show_statuses(run: DemoRun) -> None:
    heading(run._(N_("Customers by status")))
    with run.session() as session:
        found = customer_statuses(session=session, partner_id=run.partner_id, as_of=run.as_of,
                                  settings=run.settings)
    counts = count_by_status(found)
    rows = [[run._(STATUS_LABELS[s.value]), s.value, i18n.format_number(n, run.locale)] for s, n in counts.items()]
    typer.echo(text_table([run._(N_("Status")), run._(N_("Key")), run._(N_("Customers"))], rows,
                          [False, False, True]))
    typer.echo(run._(N_("A customer can hold several statuses; {total} customers in all."), total=len(found)))


def show_subscription_sections(run: DemoRun) -> None:
    from partnerhub_core.reports import section_csv

    for product in subscriptions.PRODUCTS:
        label = run._(N_("Webex Meetings") if product == "meetings" else N_("Webex Calling"))
        heading(run._(N_("Subscription analytics — {product}"), product=label))
        with run.session() as session:
            _, sections = subscriptions.overview(session=session, partner_id=run.partner_id, as_of=run.as_of,
                                                 settings=run.settings, product=product)
            trend = subscriptions.license_trend(session=session, partner_id=run.partner_id, as_of=run.as_of,
                                                settings=run.settings, product=product)
        typer.echo(render_section(_last_weeks(trend, 8), run.locale))
        run.write(f"{product}-trend.csv", section_csv(trend, run.locale))
        for key, section in sections.items():
            typer.echo("")
            typer.echo(render_section(section, run.locale, limit=ROWS_SHOWN))
            path = run.write(f"{product}-{key}.csv", section_csv(section, run.locale))
            typer.echo(run._(N_("All {count} rows: {path}"), count=len(section.table), path=str(path)))


def _last_weeks(trend, weeks: int):
    """The trend on screen shows its last weeks; the CSV keeps all 52."""
    from dataclasses import replace

    return replace(trend, table=trend.table.tail(weeks).reset_index(drop=True))


def show_calling(run: DemoRun) -> None:
    """Calling analytics (F16–F19) with their charts, and the three default reports (F23–F25)."""
    from bot.cli.calling import render_calling
    from partnerhub_core import charts, reports
    from partnerhub_core.analytics.calling import CALLING_SECTIONS

    for key, fn in CALLING_SECTIONS.items():
        with run.session() as session:
            section = fn(session=session, partner_id=run.partner_id, as_of=run.as_of, settings=run.settings)
        heading(run._(section.title))
        typer.echo(render_calling(section, run.locale, limit=ROWS_SHOWN))
        run.write(f"calling-analytics-{key}.csv", reports.section_csv(section, run.locale))
        for chart in charts.calling_charts(section, run.locale):
            run.write(chart.name, chart.png)
    heading(run._(N_("Reports")))
    for key in reports.REPORTS:
        partial = run.out / f".{key}.part"
        with run.session() as session, partial.open("wb") as fh:
            # A fixed token keeps the demo's file names stable from run to run.
            name = reports.run_report(session=session, partner_id=run.partner_id, report=key, as_of=run.as_of,
                                      locale=run.locale, out=fh, token=f"demo{run.seed}")
        path = run.out / name
        partial.replace(path)
        run.files.append(path)
        typer.echo(f"  {path}")


def show_files(run: DemoRun) -> None:
    heading(run._(N_("Files")))
    typer.echo(run._(N_("Wrote {count} files to {path}:"), count=len(run.files), path=str(run.out.resolve())))
    for path in run.files:
        typer.echo(f"  {path.name}")
    typer.echo("")
    typer.echo(run._(N_("Explore further, e.g.: partnerhub customers list status:expired --database-url {url}"),
                     url=mask_url(run.url)))


# The Slack half lives in its own module; it needs DemoRun and heading from above.
from bot.cli.demo_slack import show_bot_answers, show_dm_conversation, show_weekly_digest  # noqa: E402

# The demo, in order. Add a step as a function taking the run.
def show_sources(run: DemoRun) -> None:
    from bot.cli.sources import render_sources
    from partnerhub_core.provenance import source_states

    heading(run._(N_("Data sources (every one connected in the demo)")))
    with run.session() as session:
        states = source_states(session, partner_id=run.partner_id, as_of=run.as_of, settings=run.settings)
    typer.echo(render_sources(states, run.locale))


STEPS = [build, show_sources, show_headline, show_customer, show_statuses, show_subscription_sections, show_calling,
         show_bot_answers, show_dm_conversation, show_weekly_digest, show_files]


def demo(
    customers: int = typer.Option(300, "--customers", min=1, max=MAX_CUSTOMERS, help="How many customers."),
    out: Path = typer.Option(None, "--out", help="Folder for the CSV files (default: PARTNERHUB_DEMO_OUTPUT_DIR)."),
    database_url: str = typer.Option(None, "--database-url",
                                     help="Where to build it (default: PARTNERHUB_DEMO_DATABASE_URL)."),
    as_of: str = typer.Option(None, "--as-of", help="The demo's today, YYYY-MM-DD (default: PARTNERHUB_AS_OF "
                                                    "or today)."),
    seed: int = typer.Option(7, "--seed", help="Random seed: the same seed gives the same partner."),
    lang: str = typer.Option("en", "--lang", help="Language of the text and CSV headers: en, pt-BR or es.",
                             metavar="LANG", callback=check_lang),
) -> None:
    """Build the demo partner in a local database, print what partner admins see, write the CSVs."""
    cfg = load_settings()
    url = Settings(database_url=database_url).database_url if database_url else cfg.demo_database_url
    run = DemoRun(settings=cfg, url=url, out=out or cfg.demo_output_dir, as_of=parse_day(as_of, cfg.today()),
                  seed=seed, customers=customers, locale=i18n.normalize_locale(lang))
    check_output_folder(run)
    prepare_database(run)
    try:
        for step in STEPS:
            step(run)
    finally:
        run.engine.dispose()


def register(app: typer.Typer) -> None:
    app.command("demo")(demo)


__all__ = ["DemoRun", "STEPS", "demo", "register", "DEMO_PARTNER_ORG_ID"]
