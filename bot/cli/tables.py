"""What the CLI's read commands share: which partner and day they read, and plain-text
tables for sections and lists (the same numbers the bot shows, formatted by ``i18n``)."""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy.engine import Engine
from sqlmodel import Session

from bot.cli.common import read_settings, ready_engine
from bot.cli.options import AS_OF_OPT, DB_OPT, JSON_OPT, LANG_OPT, PARTNER_OPT  # noqa: F401  (re-exported)
from partnerhub_core import i18n
from partnerhub_core.analytics.common import BOOL, DATE, FLOAT, INT, PERCENT, Section
from partnerhub_core.analytics.hints import kpi_hint
from partnerhub_core.db import mask_url
from partnerhub_core.errors import BadInput
from partnerhub_core.partners import resolve_partner  # bot.cli.sync imports it from here too
from partnerhub_core.i18n import N_
from partnerhub_core.i18n.glossary import named
from partnerhub_core.lazy import is_missing
from partnerhub_core.rounding import DECIMALS
from partnerhub_core.settings import Settings
from partnerhub_core.unknown import note_lines


@dataclass
class ReadContext:
    settings: Settings
    engine: Engine
    partner_id: int
    partner_name: str
    as_of: date
    locale: str

    def session(self) -> Session:
        return Session(self.engine, expire_on_commit=False)

    def _(self, message: str, **params) -> str:
        text = i18n.translations(self.locale).gettext(message)
        return text.format(**params) if params else text


def parse_day(value: str | None, default: date) -> date:
    if value is None or value == "":
        return default
    try:
        return date.fromisoformat(value.strip())
    except ValueError:
        raise BadInput(N_("{value} is not a date: use YYYY-MM-DD."), value=value) from None


def read_context(partner: int | None, as_of: str | None, database_url: str | None, lang: str = "en") -> ReadContext:
    cfg = read_settings(database_url)
    url = cfg.database_url
    # A missing SQLite file is refused (not created), a server that does not answer and
    # a schema that is missing or old each end in one line saying what to do.
    engine = ready_engine(url)
    with Session(engine) as session:
        found = resolve_partner(session, partner, mask_url(url))
        pid, name = found.id, found.name
    return ReadContext(cfg, engine, pid, name, parse_day(as_of, cfg.today()), i18n.normalize_locale(lang))


# ---------------------------------------------------------------------------------
# Text rendering
# ---------------------------------------------------------------------------------
def format_value(value: Any, kind: str, locale: str) -> str:
    if is_missing(value):  # None, NaN, or pandas' NA/NaT (without importing pandas)
        return "—"
    if kind == PERCENT:
        return i18n.format_percent(float(value), locale, digits=DECIMALS[PERCENT])
    if kind == INT:
        return i18n.format_number(int(value), locale)
    if kind == FLOAT:
        return i18n.format_number(float(value), locale, digits=DECIMALS[FLOAT])
    if kind == DATE:
        return i18n.format_date(value, locale)
    if kind == BOOL:
        return i18n.translations(locale).gettext(N_("Yes") if value else N_("No"))
    if kind in ("region", "product"):  # names, not codes
        return str(named(value, kind, i18n.translations(locale).gettext))
    return str(value)


def terminal_width() -> int | None:
    """The terminal's width when stdout is one; None for pipes and files (whole cells)."""
    import shutil
    import sys

    if not sys.stdout.isatty():
        return None
    return shutil.get_terminal_size((120, 24)).columns


def fit_widths(widths: list[int], right: Sequence[bool], limit: int | None, minimum: int = 8) -> list[int]:
    """Column widths that fit ``limit`` characters (two spaces between columns): the
    widest text column gives way first, down to ``minimum``; numbers are never cut."""
    widths = list(widths)
    if limit is None:
        return widths
    while sum(widths) + 2 * (len(widths) - 1) > limit:
        text_cols = [i for i, w in enumerate(widths) if not right[i] and w > minimum]
        if not text_cols:
            break
        widest = max(text_cols, key=lambda i: widths[i])
        widths[widest] -= 1
    return widths


def text_table(headers: Sequence[str], rows: Sequence[Sequence[str]], right: Sequence[bool] | None = None) -> str:
    """A plain table with a header rule; ``right`` marks right-aligned (numeric) columns."""
    right = list(right or [False] * len(headers))
    widths = [len(h) for h in headers]
    for row in rows:
        for i, cell in enumerate(row):
            widths[i] = max(widths[i], len(cell))
    widths = fit_widths(widths, right, terminal_width())

    def clip(text: str, width: int) -> str:
        return text if len(text) <= width else text[: max(width - 1, 0)] + "…"

    def line(cells: Sequence[str]) -> str:
        parts = [clip(c, widths[i]).rjust(widths[i]) if right[i] else clip(c, widths[i]).ljust(widths[i])
                 for i, c in enumerate(cells)]
        return "  ".join(parts).rstrip()

    out = [line(headers), "  ".join("-" * w for w in widths)]
    out.extend(line(r) for r in rows)
    return "\n".join(out)


def kpi_lines(section: Section, locale: str) -> list[str]:
    gettext = i18n.translations(locale).gettext
    lines = []
    for k in section.kpis:
        value = format_value(k.value, k.kind if k.kind != "int" else INT, locale)
        hint = ""
        if k.hint:
            hint = f"  ({kpi_hint(k, gettext, locale)})"
        lines.append(f"  {gettext(k.label)}: {value}{hint}")
    return lines


def render_section(section: Section, locale: str = "en", limit: int | None = None) -> str:
    """Title, KPIs and the table of a section as text (``limit`` rows at most)."""
    gettext = i18n.translations(locale).gettext
    title = section.heading(gettext)
    if section.product:
        title += f" — {gettext(_PRODUCT_LABELS.get(section.product, section.product))}"
    out = [title, "=" * len(title), *kpi_lines(section, locale)]
    if section.columns:
        rows = section.rows()
        shown = rows if limit is None else rows[:limit]
        if not rows:
            out.append("")
            out.append("  " + gettext(N_("No rows.")))
        else:
            out.append("")
            out.append(text_table(
                [gettext(c.label) for c in section.columns],
                [[format_value(r.get(c.key), c.kind, locale) for c in section.columns] for r in shown],
                [c.kind in (INT, PERCENT, FLOAT) for c in section.columns],
            ))
            if len(rows) > len(shown):
                out.append(gettext(N_("… and {count} more rows.")).format(count=len(rows) - len(shown)))
    notes = note_lines(section.notes, gettext, locale)  # unknown figures: which source, how to connect
    if notes:
        out += ["", *notes]
    return "\n".join(out)


_PRODUCT_LABELS = {"meetings": N_("Webex Meetings"), "calling": N_("Webex Calling")}
