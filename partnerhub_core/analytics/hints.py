"""Figures inside a KPI's hint (``Kpi.hint_params``), shown in the reader's language.

The core never writes a figure as text: a hint parameter that is a percentage is a ``Pct``,
the low-assignment thresholds per product are ``ProductPcts``. ``kpi_hint(kpi, gettext,
locale)`` translates the hint and formats those through ``i18n.format_percent`` (Babel,
half-up from ``rounding.py``) with product names, so pt-BR reads "Webex Calling 42,6%",
never "calling 42.6%". ``str()`` of either gives the English form (``--json``).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from partnerhub_core import i18n
from partnerhub_core.i18n import N_

PRODUCT_NAMES = {"meetings": N_("Webex Meetings"), "calling": N_("Webex Calling")}


@dataclass(frozen=True)
class Pct:
    """A ratio (0.426) shown as a percentage with ``digits`` decimals."""

    value: float | None
    digits: int = 1

    def shown(self, locale: str | None) -> str:
        return i18n.format_percent(self.value, locale, self.digits)

    def __str__(self) -> str:
        return self.shown("en")

    def __format__(self, spec: str) -> str:
        return format(str(self), spec)


@dataclass(frozen=True)
class ProductPcts:
    """One percentage per product ("Webex Calling 42.6%, Webex Meetings 50.0%"); "—" when none."""

    items: tuple[tuple[str, float], ...]

    def shown(self, gettext, locale: str | None) -> str:
        return ", ".join(f"{gettext(PRODUCT_NAMES.get(p, p))} {Pct(v).shown(locale)}" for p, v in self.items) or "—"

    def __str__(self) -> str:
        return self.shown(lambda s: s, "en")

    def __format__(self, spec: str) -> str:
        return format(str(self), spec)


def localize(value: Any, gettext, locale: str | None) -> Any:
    if isinstance(value, Pct):
        return value.shown(locale)
    if isinstance(value, ProductPcts):
        return value.shown(gettext, locale)
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return i18n.format_number(value, locale)
    return value


def kpi_hint(kpi, gettext, locale: str | None) -> str:
    """The KPI's hint in ``locale``, its figures formatted there; "" without a hint."""
    if not kpi.hint:
        return ""
    text = gettext(kpi.hint)
    params = {k: localize(v, gettext, locale) for k, v in (kpi.hint_params or {}).items()}
    try:
        return text.format(**params)
    except (KeyError, IndexError, ValueError):
        return text
