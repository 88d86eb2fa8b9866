"""Languages: English (source), Portuguese (Brazil) and Spanish.

Catalogs are gettext ``.po`` files under ``i18n/locale/<lang>/LC_MESSAGES/messages.po``,
managed with Babel (``make i18n-update``, ``make i18n-compile``). A compiled ``.mo`` is
used when present; otherwise the ``.po`` is compiled in memory, so a fresh checkout
speaks every language without a build step.

Core code marks text with ``N_("…")`` (extraction only) and the outer layers translate
with ``translations(locale).gettext``. Numbers and dates go through ``format_*``.
"""
from __future__ import annotations

import gettext as _gettext
import io
import logging
import struct
from datetime import date
from functools import lru_cache
from pathlib import Path

from babel import Locale, UnknownLocaleError
from babel import dates as babel_dates
from babel import numbers as babel_numbers
from babel.messages.pofile import PoFileError

log = logging.getLogger("partnerhub.i18n")

LOCALE_DIR = Path(__file__).resolve().parent / "locale"
DEFAULT_LOCALE = "en"
SUPPORTED = ("en", "pt_BR", "es")


LANGUAGE_NAMES = {"en": "English", "pt_BR": "Português (Brasil)", "es": "Español"}


def N_(message: str) -> str:
    """Mark a string for extraction; translated later, where the language is known."""
    return message


def pN_(context: str, message: str) -> str:
    """Like ``N_`` for a message with a gettext context (translate with ``pgettext``)."""
    return message


def normalize_locale(tag: str | None) -> str:
    """"pt-BR", "pt_br", "pt" -> "pt_BR"; "es-MX" -> "es"; unknown -> "en"."""
    if not tag:
        return DEFAULT_LOCALE
    tag = tag.replace("-", "_").strip()
    lang = tag.split("_")[0].lower()
    if lang == "pt":
        return "pt_BR"
    if lang == "es":
        return "es"
    return DEFAULT_LOCALE


def is_supported(tag: str | None) -> bool:
    return bool(tag) and tag.replace("-", "_").split("_")[0].lower() in ("en", "pt", "es")


@lru_cache(maxsize=8)
def translations(locale: str | None) -> _gettext.NullTranslations:
    locale = normalize_locale(locale)
    if locale == DEFAULT_LOCALE:
        return _gettext.NullTranslations()
    try:
        return _load(locale)
    except (OSError, ValueError, LookupError, struct.error, PoFileError) as exc:
        # A damaged catalog must not stop the bot from answering: say it in English.
        log.error("the %s message catalog cannot be read (%s); answering in English", locale, exc)
        return _gettext.NullTranslations()


def _load(locale: str) -> _gettext.NullTranslations:
    folder = LOCALE_DIR / locale / "LC_MESSAGES"
    mo = folder / "messages.mo"
    po = folder / "messages.po"
    if mo.exists() and (not po.exists() or mo.stat().st_mtime >= po.stat().st_mtime):
        with mo.open("rb") as fh:
            return _gettext.GNUTranslations(fh)
    if po.exists():
        from babel.messages.mofile import write_mo
        from babel.messages.pofile import read_po

        with po.open("rb") as fh:
            catalog = read_po(fh, locale=locale, abort_invalid=True)
        buf = io.BytesIO()
        write_mo(buf, catalog, use_fuzzy=False)
        buf.seek(0)
        return _gettext.GNUTranslations(buf)
    return _gettext.NullTranslations()


def _format(text: str, message: str, params: dict) -> str:
    if not params:
        return text
    try:
        return text.format(**params)
    except (KeyError, IndexError, ValueError):
        # A translation with a broken placeholder: the English text is better than nothing.
        return message.format(**params)


def gettext(locale: str | None, message: str, **params) -> str:
    return _format(translations(locale).gettext(message), message, params)


def pgettext(locale: str | None, context: str, message: str, **params) -> str:
    return _format(translations(locale).pgettext(context, message), message, params)


def to_bcp47(locale: str | None) -> str:
    """"pt_BR" -> "pt-BR", the spelling people type and Slack uses."""
    return normalize_locale(locale).replace("_", "-")


@lru_cache(maxsize=32)
def babel_locale(locale: str | None) -> Locale:
    """Parsed once per locale: every number of every answer goes through here (Locale.parse
    was about a tenth of a section answer's CPU)."""
    try:
        return Locale.parse(normalize_locale(locale))
    except (UnknownLocaleError, ValueError):
        return Locale.parse(DEFAULT_LOCALE)


def format_number(value, locale: str | None, digits: int | None = None) -> str:
    """``digits`` decimals, rounded half-up (``rounding.py``: Babel alone rounds half to even)."""
    if value is None:
        return "—"
    if digits is not None:
        from partnerhub_core.rounding import round_half_up

        fmt = "#,##0" + ("." + "0" * digits if digits else "")
        rounded = round_half_up(value, digits)
        if rounded is None:
            return "—"
        return babel_numbers.format_decimal(rounded, format=fmt, locale=babel_locale(locale))
    return babel_numbers.format_decimal(value, locale=babel_locale(locale))


def decimal_symbol(locale: str | None) -> str:
    """The decimal mark of ``locale``: "." (en), "," (pt_BR, es) — CSV cells use it."""
    return babel_numbers.get_decimal_symbol(babel_locale(locale))


def format_percent(ratio, locale: str | None, digits: int = 1) -> str:
    """0.123 -> "12.3%" (en), "12,3%" (pt_BR); ties half-up (0.0725 -> "7.3%", rounding.py)."""
    from partnerhub_core.rounding import shown_ratio

    points = shown_ratio(ratio, digits)
    if points is None:
        return "—"
    fmt = "#,##0" + ("." + "0" * digits if digits else "") + "%"
    return babel_numbers.format_percent(points.scaleb(-2), format=fmt, locale=babel_locale(locale))


def format_date(value: date | None, locale: str | None) -> str:
    """22/11/2026 in pt_BR and es; Nov 22, 2026 in en."""
    if value is None:
        return "—"
    if normalize_locale(locale) == DEFAULT_LOCALE:
        return babel_dates.format_date(value, format="medium", locale=babel_locale(locale))
    return babel_dates.format_date(value, format="dd/MM/yyyy", locale=babel_locale(locale))
