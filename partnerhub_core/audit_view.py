"""Reading the audit trail (``audit.py`` writes it): who changed what, when, newest first.

Scope, by role (docs/rules.md, "Audit trail"):
- full partner admins (and the CLI, which acts as the partner's operator) see the whole
  trail of their partner;
- every other role sees the events about customers visible to them
  (``auth.visible_customer_ids``: a customer's tags, admins, trials, alerts) and the
  events they did themselves. Partner-wide changes by others (tags created, roles set,
  schedules) stay with the full admins.

Rows carry English msgids for the action and field names, and the person's display name
(never an internal id); renderers translate with ``*_text(gettext)``.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time
from typing import Any, Callable

from sqlalchemy import and_, false, func, or_
from sqlmodel import Session, select

from partnerhub_core import auth
from partnerhub_core.auth import Actor, Permission
from partnerhub_core.errors import BadInput, NotFound
from partnerhub_core.i18n import N_
from partnerhub_core.models import AlertState, AuditEvent, Customer, PartnerAdmin, Role, search_key
from partnerhub_core.settings import Settings

MAX_LIMIT = 5000  # a CSV of the trail; the chat shows far fewer

ACTION_LABELS = {
    "admin.add": N_("added a partner admin"),
    "admin.link_slack": N_("linked a partner admin to Slack"),
    "admin.assign": N_("assigned an admin to the customer"),
    "admin.unassign": N_("removed an admin from the customer"),
    "admin.set_role": N_("changed a partner admin's role"),
    "admin.language": N_("changed their language"),
    "alert.acknowledge": N_("acknowledged an alert"),
    "alert.snooze": N_("snoozed an alert"),
    "alert.assign_owner": N_("named an alert's owner"),
    "channel_scope.bind": N_("scoped a channel"),
    "channel_scope.unbind": N_("removed a channel's scope"),
    "digest.subscribe": N_("subscribed a channel to a digest"),
    "digest.unsubscribe": N_("unsubscribed a channel from a digest"),
    "schedule.create": N_("scheduled a report"),
    "schedule.delete": N_("deleted a scheduled report"),
    "schedule.disable": N_("paused a scheduled report"),
    "tag.create": N_("created a tag"),
    "tag.rename": N_("renamed a tag"),
    "tag.delete": N_("deleted a tag"),
    "tag.add": N_("put a tag on the customer"),
    "tag.remove": N_("took a tag off the customer"),
    "trial.request": N_("asked for a trial"),
    "trial.started": N_("saw the trial start in Webex"),
    "report_template.save": N_("saved a report template"),
    "report_template.delete": N_("deleted a report template"),
    "subscriptions.import": N_("imported subscriptions"),
    "partner_hub_export.import": N_("imported a Partner Hub export"),
    "webex_token.set": N_("stored a Webex token"),
    "webex_token.forget": N_("removed a Webex token"),
    "workspace.link": N_("linked the Slack workspace"),
    "workspace.region": N_("changed the workspace's region"),
    "workspace.language": N_("changed the workspace's language"),
}

FIELD_LABELS = {
    "admins": N_("Admins"), "all_customers": N_("All customers"), "days": N_("Days"),
    "default_language": N_("Language"), "description": N_("Description"), "language": N_("Language"),
    "licenses": N_("Licenses"), "name": N_("Name"), "product": N_("Product"), "role": N_("Role"),
    "state": N_("State"), "tags": N_("Tags"), "trials_in_progress": N_("Trials in progress"),
}

WHO_CLI = N_("Command line")
WHO_SYSTEM = N_("Partner Hub (automatic)")
WHO_SLACK = N_("Someone in Slack")


@dataclass(frozen=True)
class Change:
    field: str  # a key of before/after; FIELD_LABELS names it
    before: str
    after: str


@dataclass(frozen=True)
class AuditRow:
    at: datetime
    who: str  # a display name, or a msgid (who_is_name False)
    who_is_name: bool
    action: str  # the stored action ("tag.add")
    customer: str | None  # the customer's name, when the event is about one
    changes: list[Change]

    def who_text(self, gettext: Callable[[str], str]) -> str:
        return self.who if self.who_is_name else gettext(self.who)

    def action_text(self, gettext: Callable[[str], str]) -> str:
        label = ACTION_LABELS.get(self.action)
        return gettext(label) if label else self.action

    def change_text(self, gettext: Callable[[str], str]) -> str:
        return "; ".join(
            f"{gettext(FIELD_LABELS[c.field]) if c.field in FIELD_LABELS else c.field}: {c.before} → {c.after}"
            for c in self.changes)


@dataclass
class AuditPage:
    rows: list[AuditRow]
    total: int  # events matching, before the limit
    limit: int
    customer: str | None = None  # the customer filter, resolved to its name
    person: str | None = None  # the person filter, resolved to their display name
    since: date | None = None
    whole_trail: bool = True  # False: scoped to the viewer's customers and own actions
    filters: list[str] = field(default_factory=list)

    @property
    def cut(self) -> bool:
        return self.total > len(self.rows)


@dataclass(frozen=True)
class AuditQuery:
    customer: str = ""  # a name fragment or org id (the customer lookup's rules)
    person: str = ""  # a partner admin's name or email, or a fragment of one
    since: date | None = None
    bare: str = ""  # words without a key: a person when they name one exactly, else a customer

    @classmethod
    def parse(cls, tokens: list[str]) -> "AuditQuery":
        """``[customer:NAME] [person:NAME] [NAME…] [since:YYYY-MM-DD]``."""
        customer, person, words, since = "", "", [], None
        for token in tokens:
            key, sep, value = token.partition(":")
            key = key.casefold()
            if sep and key == "since":
                since = parse_since(value)
            elif sep and key == "customer":
                customer = value.strip()
            elif sep and key == "person":
                person = value.strip()
            else:
                words.append(token)
        return cls(customer=customer, person=person, since=since, bare=" ".join(words).strip())


def parse_since(value: str) -> date:
    try:
        return date.fromisoformat((value or "").strip())
    except ValueError:
        raise BadInput(N_("{value} is not a date: write since:YYYY-MM-DD, e.g. since:2026-01-31."),
                       value=(value or "")[:40]) from None


def read_trail(*, session: Session, actor: Actor, query: AuditQuery, as_of: date, settings: Settings,
               limit: int = 20) -> AuditPage:
    """The events the actor may read, filtered, newest first, at most ``limit`` rows."""
    auth.require(actor, Permission.VIEW)
    limit = max(1, min(int(limit), MAX_LIMIT))
    pid = actor.partner_id
    admins = session.exec(select(PartnerAdmin).where(PartnerAdmin.partner_id == pid)).all()
    conds = [AuditEvent.partner_id == pid]
    whole = actor.role == Role.FULL_ADMIN
    if not whole:
        visible = auth.visible_customer_ids(session, actor)
        me = next((a for a in admins if a.id == actor.admin_id), None)
        scope = [AuditEvent.actor.in_(_labels(me) if me else [actor.label or "-"])]
        scope.append(_about_customers(session, pid, visible))
        conds.append(or_(*scope))
    page = AuditPage(rows=[], total=0, limit=limit, since=query.since, whole_trail=whole)
    text = query.customer
    person = _find_person(admins, query.person) if query.person else None
    if query.bare:
        # Words that name a person exactly are that person; anything else is a customer.
        exact = [a for a in admins if search_key(query.bare) in (search_key(a.display_name), search_key(a.email))]
        if len(exact) == 1 and person is None:
            person = exact[0]
        else:  # "customer:sao paulo" arrives as two words: the rest continues the name
            text = f"{text} {query.bare}".strip()
    if person is not None:
        conds.append(AuditEvent.actor.in_(_labels(person)))
        page.person = person.display_name
    if text:
        from partnerhub_core.customers import lookup_customer

        card = lookup_customer(session=session, actor=actor, query=text, as_of=as_of, settings=settings)
        conds.append(_about_customers(session, pid, {card.id}))
        page.customer = card.name
    if query.since is not None:
        conds.append(AuditEvent.at >= datetime.combine(query.since, time.min))
    where = and_(*conds)
    page.total = session.exec(select(func.count()).select_from(AuditEvent).where(where)).one()
    events = session.exec(select(AuditEvent).where(where).order_by(AuditEvent.at.desc(), AuditEvent.id.desc())
                          .limit(limit)).all()
    page.rows = _rows(session, pid, events, admins)
    return page


def _labels(admin: PartnerAdmin) -> list[str]:
    """The actor strings one person's actions were written with (audit.record)."""
    out = [f"admin:{admin.id}"]
    if admin.slack_user_id:
        out.append(f"slack:{admin.slack_user_id}")
    return out


def _find_person(admins: list[PartnerAdmin], text: str) -> PartnerAdmin:
    key = search_key(text)
    exact = [a for a in admins if key in (search_key(a.display_name), search_key(a.email))]
    hits = exact or [a for a in admins if key and (key in search_key(a.display_name) or key in search_key(a.email))]
    if len(hits) == 1:
        return hits[0]
    if hits:
        raise BadInput(N_("{count} people match {query}: {candidates}. Be more specific."), count=len(hits),
                       query=text[:80], candidates="; ".join(sorted(a.display_name for a in hits)[:10]))
    raise NotFound(N_("No partner admin matches {query}."), query=text[:80])


def _about_customers(session: Session, partner_id: int, ids: set[int] | None):
    """Events about these customers (None: any customer): their own, and their alerts'."""
    if ids is None:
        return AuditEvent.target_type.in_(["customer", "alert"])
    if not ids:
        return false()
    alerts = session.exec(select(AlertState.id).where(AlertState.partner_id == partner_id,
                                                      AlertState.customer_id.in_(sorted(ids)))).all()
    return or_(and_(AuditEvent.target_type == "customer", AuditEvent.target_id.in_([str(i) for i in ids])),
               and_(AuditEvent.target_type == "alert", AuditEvent.target_id.in_([str(i) for i in alerts] or ["-"])))


def _rows(session: Session, partner_id: int, events: list[AuditEvent], admins: list[PartnerAdmin]) -> list[AuditRow]:
    by_label = {label: a.display_name for a in admins for label in _labels(a)}
    alert_ids = [int(e.target_id) for e in events if e.target_type == "alert" and e.target_id.isdigit()]
    alert_customer = dict(session.exec(select(AlertState.id, AlertState.customer_id).where(
        AlertState.partner_id == partner_id, AlertState.id.in_(alert_ids or [-1]))).all())
    customer_of = {}
    for e in events:
        if e.target_type == "customer" and e.target_id.isdigit():
            customer_of[e.id] = int(e.target_id)
        elif e.target_type == "alert" and e.target_id.isdigit() and int(e.target_id) in alert_customer:
            customer_of[e.id] = alert_customer[int(e.target_id)]
    names = dict(session.exec(select(Customer.id, Customer.name).where(
        Customer.partner_id == partner_id, Customer.id.in_(sorted(set(customer_of.values())) or [-1]))).all())
    rows = []
    for e in events:
        who, is_name = _who(e.actor, by_label)
        rows.append(AuditRow(at=e.at, who=who, who_is_name=is_name, action=e.action,
                             customer=names.get(customer_of.get(e.id)), changes=changes(e.before, e.after)))
    return rows


def _who(label: str, by_label: dict[str, str]) -> tuple[str, bool]:
    if label in by_label:
        return by_label[label], True
    if label.startswith("cli"):
        return WHO_CLI, False
    if label.startswith("slack:"):
        return WHO_SLACK, False
    return WHO_SYSTEM, False


def changes(before: dict[str, Any] | None, after: dict[str, Any] | None) -> list[Change]:
    """What changed, field by field; internal ids (``*_id``) are left out."""
    before, after = before or {}, after or {}
    out = []
    for key in list(dict.fromkeys([*before, *after])):
        if key.endswith("_id") or key == "id":
            continue
        old, new = _value(before.get(key)), _value(after.get(key))
        if old != new:  # "" and None read the same
            out.append(Change(key, old, new))
    return out


def _value(value: Any) -> str:
    if value is None or value == [] or value == "":
        return "—"
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    if isinstance(value, bool):
        return "✓" if value else "✗"
    return str(value)


HEADERS = (N_("When (UTC)"), N_("Who"), N_("What"), N_("Customer"), N_("Change"))


def when_text(at: datetime) -> str:
    """Stored times are UTC (SQLite gives them back naive): one form for chat, CLI and CSV."""
    return at.strftime("%Y-%m-%d %H:%M")


def cells(row: AuditRow, gettext: Callable[[str], str]) -> list[str]:
    """One row as people read it, in the order of ``HEADERS``."""
    return [when_text(row.at), row.who_text(gettext), row.action_text(gettext), row.customer or "—",
            row.change_text(gettext) or "—"]


def trail_csv(page: AuditPage, locale: str = "en") -> bytes:
    """The rows as CSV (UTF-8 with BOM; formula triggers neutralised by CsvWriter)."""
    from io import BytesIO

    from partnerhub_core.i18n import translations
    from partnerhub_core.reports.csvout import CsvWriter

    gettext = translations(locale).gettext
    buf = BytesIO()
    writer = CsvWriter(buf)
    writer.header(gettext(h) for h in HEADERS)
    for row in page.rows:
        writer.row(cells(row, gettext))
    return buf.getvalue()
