"""Options many commands share, defined once so their names and help agree everywhere.
Light on purpose: importing this module loads nothing but Typer."""
from __future__ import annotations

import typer

LANGUAGES = ("en", "pt-BR", "es")


def check_lang(value: str | None) -> str | None:
    """``--lang`` takes a language we speak; anything else is refused, not English."""
    if value is None:
        return value
    from partnerhub_core.i18n import is_supported

    if not is_supported(value) or value.replace("_", "-").lower() not in ("en", "pt-br", "pt", "es"):
        raise typer.BadParameter(f"{value!r} is not a language partnerhub speaks: use en, pt-BR or es")
    return value


PARTNER_OPT = typer.Option(None, "--partner", help="Partner id (default: the only partner in the database).",
                           metavar="ID")
AS_OF_OPT = typer.Option(None, "--as-of", help="Day to report on, YYYY-MM-DD (default: PARTNERHUB_AS_OF or today).",
                         metavar="DAY")
DB_OPT = typer.Option(None, "--database-url", help="Database URL (default: PARTNERHUB_DATABASE_URL, else DATABASE_URL).",
                      metavar="URL", show_default=False)
JSON_OPT = typer.Option(False, "--json", help="Print JSON instead of text.")
LANG_OPT = typer.Option("en", "--lang", help="Language of the text: en, pt-BR or es.", metavar="LANG",
                        callback=check_lang)

# --- output ----------------------------------------------------------------------------
FORMAT_OPT = typer.Option(None, "--format", help="table (default), json, csv (UTF-8 with BOM) or xlsx (needs "
                          "--output). --json is --format json.", metavar="FORMAT", show_default=False)

# --- filters: the words of Slack, and the older options as aliases (bot/cli/filters.py) -----
FILTER_HELP = 'Filters as in Slack: {keys}. The options below are aliases of these words.'


def filters_arg(keys: str) -> typer.models.ArgumentInfo:
    """The FILTER words of a command (``keys`` lists those that apply, as help shows them)."""
    return typer.Argument(None, help=FILTER_HELP.format(keys=keys), metavar="FILTER", show_default=False)


REGION_OPT = typer.Option(None, "--region", help="Same as region:REGION (US, CA, EU or UAE).", metavar="REGION",
                          show_default=False)
TAG_OPT = typer.Option(None, "--tag", help='Same as tag:"NAME": only customers with this tag.', metavar="NAME",
                       show_default=False)
PRODUCT_OPT = typer.Option(None, "--product", help="Same as product:PRODUCT (meetings or calling).",
                           metavar="PRODUCT", show_default=False)
STATUS_OPT = typer.Option(None, "--status", help="Same as status:STATUS (active, trial, expiring_soon, …).",
                          metavar="STATUS", show_default=False)
ANY_PRODUCT_OPT = typer.Option(None, "--product", help="Same as product:PRODUCT (meetings, calling, messaging, "
                               "webinars, contact_center, real_time_translations).", metavar="PRODUCT",
                               show_default=False)
