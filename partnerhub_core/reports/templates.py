"""Custom report templates (F21): a partner admin's saved choice of columns and filters
over one of the default reports, under a name. Run by name (``partnerhub report
"<name>"``, ``/partnerhub report <name>``) or scheduled as ``template:<id>``.

Saving or deleting one is setup work like a schedule: full admins and partner admins
(``Permission.MANAGE_SCHEDULES``); everyone who may run reports may run it.
"""
from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlmodel import Session, select

from partnerhub_core import audit
from partnerhub_core.auth import Actor, Permission, require
from partnerhub_core.errors import BadInput, Conflict, NotFound, RegionNames
from partnerhub_core.i18n import N_
from partnerhub_core.models import Region, ReportTemplate, search_key
from partnerhub_core.reports.definitions import REPORTS

MAX_NAME = 80
TEMPLATE_PREFIX = "template:"
RESERVED_WORDS = {"save", "delete"}  # /partnerhub report save|delete …


def normalise_region(region: str | None) -> str | None:
    if region is None or not str(region).strip():
        return None
    value = str(region).strip().upper()
    if value not in {r.value for r in Region}:
        raise BadInput(N_("{value} is not a region: {allowed}."), value=region, allowed=RegionNames())
    return value


def _snapshot(t: ReportTemplate) -> dict:
    return {"name": t.name, "base_report": t.base_report, "columns": list(t.columns or []),
            "filters": dict(t.filters or {})}


def save_template(
    *,
    session: Session,
    actor: Actor,
    name: str,
    base_report: str,
    columns: Iterable[str] | None = None,
    region: str | None = None,
    tag: str | None = None,
    now: datetime,
    replace: bool = False,
) -> ReportTemplate:
    """Create (or with ``replace`` overwrite) a custom template. ``columns`` are column
    keys or SPEC header names of the base report, in the order wanted; empty = all."""
    require(actor, Permission.MANAGE_SCHEDULES)
    name = " ".join((name or "").split())
    if not name:
        raise BadInput(N_("Give the report template a name."))
    if len(name) > MAX_NAME:
        raise BadInput(N_("A template name has at most {limit} characters."), limit=MAX_NAME)
    if search_key(name) in RESERVED_WORDS:
        raise BadInput(N_("{name} is a command word; choose another name for the template."), name=name)
    if search_key(name) in {search_key(k) for k in REPORTS} | {
        search_key(r.name) for r in REPORTS.values()
    }:
        raise Conflict(N_("{name} is the name of a default report; choose another."), name=name)
    base = REPORTS.get((base_report or "").strip().lower())
    if base is None:
        raise BadInput(N_("Unknown report {report}. Reports: {choices}."), report=base_report,
                       choices=", ".join(REPORTS))
    keys: list[str] = []
    for wanted in columns or []:
        column = base.column(wanted)
        if column is None:
            raise BadInput(N_("The {report} report has no column {column}."), report=base.key,
                           column=wanted)
        if column.key not in keys:
            keys.append(column.key)
    filters = {}
    if normalise_region(region):
        filters["region"] = normalise_region(region)
    if tag and tag.strip():
        filters["tag"] = tag.strip()

    existing = find_template(session, actor.partner_id, name, missing_ok=True)
    before = None
    if existing is not None:
        if not replace:
            raise Conflict(N_("A report template named {name} already exists."), name=existing.name)
        before = _snapshot(existing)
        template = existing
    else:
        template = ReportTemplate(partner_id=actor.partner_id, name=name, name_key=search_key(name),
                                  base_report=base.key, created_by=actor.label, created_at=now)
        session.add(template)
    template.name, template.name_key, template.base_report = name, search_key(name), base.key
    template.columns, template.filters, template.updated_at = keys, filters, now
    session.flush()
    audit.record(session, actor=actor, action="report_template.save", target_type="report_template",
                 target_id=template.id, before=before, after=_snapshot(template), at=now)
    return template


def delete_template(*, session: Session, actor: Actor, name: str, now: datetime) -> None:
    require(actor, Permission.MANAGE_SCHEDULES)
    template = find_template(session, actor.partner_id, name)
    audit.record(session, actor=actor, action="report_template.delete", target_type="report_template",
                 target_id=template.id, before=_snapshot(template), at=now)
    session.delete(template)
    session.flush()


def list_templates(*, session: Session, partner_id: int) -> list[ReportTemplate]:
    return list(session.exec(
        select(ReportTemplate).where(ReportTemplate.partner_id == partner_id).order_by(ReportTemplate.name_key)
    ).all())


def custom_template_keys(*, session: Session, partner_id: int) -> list[str]:
    """``template:<id>`` keys a schedule may name."""
    return [f"{TEMPLATE_PREFIX}{t.id}" for t in list_templates(session=session, partner_id=partner_id)]


def find_template(session: Session, partner_id: int, name: str, *, missing_ok: bool = False):
    """By name (case/accent-insensitive) or ``template:<id>``."""
    text = (name or "").strip()
    template = None
    if text.startswith(TEMPLATE_PREFIX) and text[len(TEMPLATE_PREFIX):].isdigit():
        found = session.get(ReportTemplate, int(text[len(TEMPLATE_PREFIX):]))
        template = found if found is not None and found.partner_id == partner_id else None
    else:
        template = session.exec(select(ReportTemplate).where(
            ReportTemplate.partner_id == partner_id, ReportTemplate.name_key == search_key(text)
        )).first()
    if template is None and not missing_ok:
        names = [t.name for t in list_templates(session=session, partner_id=partner_id)]
        import difflib

        raise NotFound(N_("There is no report named {report}. Reports: {choices}."),
                       suggestions=difflib.get_close_matches(text, names, n=3, cutoff=0.5),
                       report=text, choices=", ".join([*REPORTS, *names]))
    return template
