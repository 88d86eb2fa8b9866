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
