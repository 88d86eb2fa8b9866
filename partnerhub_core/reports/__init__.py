"""Reports (SPEC F20–F25, F30): the default templates, custom templates, CSV and XLSX files.

- ``REPORTS``: ``call-usage``, ``devices``, ``numbers`` (see ``definitions.py``).
- ``run_report(...)`` streams one report as CSV into a binary file and returns its F21
  file name ``<Template Name>_<alphanumeric>_<Download Date>.csv``; ``write_report(...)``
  the same, returning the name and the number of rows (``WrittenReport``).
- ``section_csv(section, locale)``: the CSV behind any analytics table (F30), written
  column by column (``sectioncsv``).
- ``report_regions(...)``: the regions a report's data spans; offer a region choice
  only when there are two or more (F8, F22).

Every CSV is UTF-8 with a BOM, with formula-like text cells neutralised (``csvout``).
``fmt="xlsx"`` writes the same rows as XLSX instead (``xlsxout``: streamed, numbers and
dates typed, text never a formula) and the file name ends in ``.xlsx``.
"""
from __future__ import annotations

import re
import secrets
import string
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from typing import BinaryIO

from sqlalchemy import select
from sqlmodel import Session

from partnerhub_core.errors import BadInput
from partnerhub_core.i18n import N_, decimal_symbol, translations
from partnerhub_core.models import CustomerTag, Region
from partnerhub_core.reports.csvout import BOM, CsvWriter, neutralise
from partnerhub_core.reports.definitions import (
    REPORTS,
    ReportColumn,
    ReportDef,
    ReportFilter,
    iter_values,
    select_columns,
)
from partnerhub_core.reports.sectioncsv import section_csv
from partnerhub_core.reports.xlsxout import XlsxWriter
from partnerhub_core.reports.templates import (
    TEMPLATE_PREFIX,
    custom_template_keys,
    delete_template,
    find_template,
    list_templates,
    normalise_region,
    save_template,
)
from partnerhub_core.timeutil import last_completed_week_ending

__all__ = [
    "REPORTS", "FORMATS", "BOM", "ReportColumn", "ReportDef", "ResolvedReport", "run_report", "write_report", "WrittenReport",
    "section_csv",
    "file_name", "report_regions", "resolve_report", "default_range", "save_template",
    "delete_template", "list_templates", "custom_template_keys", "neutralise", "TEMPLATE_PREFIX",
]

STREAM_ROWS = 500  # rows fetched per round trip while streaming (bounds memory)
FORMATS = ("csv", "xlsx")  # report files: CSV (default) or XLSX
_ALNUM = string.ascii_letters + string.digits
_UNSAFE = re.compile(r'[\\/:*?"<>|\x00-\x1f]+')


@dataclass(frozen=True)
class ResolvedReport:
    """A default report, or a custom template over one, ready to run."""

    definition: ReportDef
    name: str  # template name shown and used in the file name (a msgid for defaults)
    columns: list[int]  # indexes into definition.columns
    region: str | None = None
    tag: str | None = None
    custom: bool = False

    @property
    def header(self) -> list[ReportColumn]:
        return [self.definition.columns[i] for i in self.columns]


def resolve_report(session: Session, partner_id: int, report: str) -> ResolvedReport:
    """``call-usage`` / ``devices`` / ``numbers``, a custom template's name, or ``template:<id>``."""
    key = (report or "").strip()
    if not key:
        raise BadInput(N_("Say which report: {choices}."), choices=", ".join(REPORTS))
    definition = REPORTS.get(key.lower())
    if definition is not None:
        return ResolvedReport(definition, definition.name, select_columns(definition, None))
    template = find_template(session, partner_id, key)
    definition = REPORTS[template.base_report]
    filters = template.filters or {}
    return ResolvedReport(
        definition, template.name, select_columns(definition, template.columns),
        region=filters.get("region"), tag=filters.get("tag"), custom=True,
    )


def default_range(as_of: date) -> tuple[date, date]:
    """The last completed week, Sunday..Saturday (calling data is weekly)."""
    end = last_completed_week_ending(as_of)
    return end - timedelta(days=6), end


def file_name(template_name: str, as_of: date, token: str | None = None, fmt: str = "csv") -> str:
    """F21: ``<Template Name>_<alphanumeric characters>_<Download Date>.csv`` (``.xlsx``
    when ``fmt`` is "xlsx")."""
    if fmt not in FORMATS:
        raise ValueError(f"unknown report format {fmt!r}")
    token = token or "".join(secrets.choice(_ALNUM) for _ in range(10))
    if not token.isalnum() or not token.isascii():
        raise BadInput(N_("A file token is letters and digits only."))
    safe = _UNSAFE.sub("-", template_name).strip(" .-") or "Report"
    return f"{safe}_{token}_{as_of.isoformat()}.{fmt}"


def _customer_scope(session: Session, partner_id: int, tag: str | None,
                    customer_ids: Iterable[int] | None) -> frozenset[int] | None:
    scope = None if customer_ids is None else frozenset(customer_ids)
    if tag:
        from partnerhub_core.analytics.common import resolve_tag

        tag_row = resolve_tag(session, partner_id, tag)
        tagged = frozenset(session.execute(select(CustomerTag.customer_id).where(
            CustomerTag.partner_id == partner_id, CustomerTag.tag_id == tag_row.id)).scalars())
        scope = tagged if scope is None else scope & tagged
    return scope


@dataclass(frozen=True)
class WrittenReport:
    filename: str  # F21
    rows: int  # data rows, header not counted


def run_report(
    *,
    session: Session,
    partner_id: int,
    report: str,
    as_of: date,
    region: str | None = None,
    start: date | None = None,
    end: date | None = None,
    locale: str = "en",
    out: BinaryIO,
    customer_ids: Iterable[int] | None = None,
    token: str | None = None,
    fmt: str = "csv",
) -> str:
    """Stream one report as CSV into ``out``; return its F21 file name (``write_report``
    also says how many rows it wrote)."""
    return write_report(session=session, partner_id=partner_id, report=report, as_of=as_of, region=region,
                        start=start, end=end, locale=locale, out=out, customer_ids=customer_ids,
                        token=token, fmt=fmt).filename


def write_report(
    *,
    session: Session,
    partner_id: int,
    report: str,
    as_of: date,
    region: str | None = None,
    start: date | None = None,
    end: date | None = None,
    locale: str = "en",
    out: BinaryIO,
    customer_ids: Iterable[int] | None = None,
    token: str | None = None,
    fmt: str = "csv",
) -> "WrittenReport":
    """Stream one report as CSV (``fmt`` "csv") or XLSX ("xlsx": typed numbers and dates,
    text never a formula, ``xlsxout``) into ``out``; return its F21 file name (extension
    as ``fmt``) and how many rows it holds (0: only the header, which a person should hear
    as "no rows", not get as a file).

    ``customer_ids`` limits it to the customers a partner admin may see (None: all).
    Dated reports (call usage) default to the last completed week; inventories take no
    dates. ``region`` overrides a custom template's saved region."""
    if fmt not in FORMATS:
        raise ValueError(f"unknown report format {fmt!r}")
    resolved = resolve_report(session, partner_id, report)
    definition = resolved.definition
    region = normalise_region(region) or resolved.region
    if definition.dated:
        start, end = _range(as_of, start, end)
    elif start or end:
        raise BadInput(N_("The {report} report is a point-in-time inventory: it takes no dates."),
                       report=definition.key)
    flt = ReportFilter(start=start, end=end, region=region,
                       customer_ids=_customer_scope(session, partner_id, resolved.tag, customer_ids))
    gettext = translations(locale).gettext
    name = gettext(resolved.name) if not resolved.custom else resolved.name
    filename = file_name(name, as_of, token, fmt)

    if fmt == "xlsx":
        writer = XlsxWriter(out, title=name, gettext=gettext)
    else:
        writer = CsvWriter(out, decimal=decimal_symbol(locale))
    writer.header(gettext(c.label) for c in resolved.header)
    stmt = definition.query(partner_id, flt).execution_options(yield_per=STREAM_ROWS)
    writer.many(iter_values(session.execute(stmt), definition, resolved.columns, gettext))
    if fmt == "xlsx":
        writer.close()
    return WrittenReport(filename, writer.rows)


def _range(as_of: date, start: date | None, end: date | None) -> tuple[date, date]:
    if start is None and end is None:
        return default_range(as_of)
    if end is None:
        end = as_of - timedelta(days=1)  # through yesterday: today is not complete
    if start is None:
        start = end - timedelta(days=6)
    if start > end:
        raise BadInput(N_("The start date {start} is after the end date {end}."),
                       start=start.isoformat(), end=end.isoformat())
    return start, end


def report_regions(*, session: Session, partner_id: int, report: str) -> list[str]:
    """Regions of the customers the report has data for, in Region order (F22)."""
    definition = resolve_report(session, partner_id, report).definition
    found = set(session.execute(definition.region_query(partner_id)).scalars())
    return [r.value for r in Region if r.value in found]
