"""What every sync part shares: the part descriptions the orchestrator (``sync.py``)
registers, their results, the ``SyncState`` bookkeeping and small parsing helpers for
Webex values. No HTTP here (that is ``webex.py``) and no part-specific logic."""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timezone
from typing import Any, NamedTuple

from sqlmodel import Session, select

from partnerhub_core.models import Customer, SyncState
from partnerhub_core.settings import Settings
from partnerhub_core.sources.webex import WebexClient

SessionFactory = Callable[[], Any]  # ``with factory() as session:``


@dataclass
class PartResult:
    part: str
    succeeded: int = 0  # organizations written (1 for a partner-level part)
    failed: int = 0
    skipped: int = 0  # already done in the interrupted pass being resumed
    items: int = 0
    errors: list[str] = field(default_factory=list)
    stopped: bool = False  # too many failures in a row
    # An optional source this token cannot read (Webex answers 403: a scope not granted):
    # "not connected: missing scope X", not a failure of the sync (recorded_walk.py).
    not_connected: str = ""

    @property
    def ok(self) -> bool:
        return (self.failed == 0 and not self.stopped) or bool(self.not_connected)


@dataclass(frozen=True)
class Progress:
    """Where a part stands: ``done`` of ``total`` organizations handled (written,
    failed or resumed past). A partner-level part reports 0/1 then 1/1."""
    part: str
    done: int
    total: int
    failed: int = 0


ProgressFn = Callable[[Progress], None]


def no_progress(_event: Progress) -> None:
    return None


class OrgRef(NamedTuple):
    """Plain (id, org id) pairs: they travel to fetch threads and outlive the session."""
    id: int
    org_id: str


@dataclass
class SyncContext:
    """Everything a part needs for one partner's sync run."""
    factory: SessionFactory
    client: WebexClient
    settings: Settings
    partner_id: int
    now: datetime
    progress: ProgressFn = no_progress


# fetch(client, customer, cursor, now, settings) -> data   (a worker thread: HTTP only, no session)
OrgFetch = Callable[[WebexClient, OrgRef, "str | None", datetime, Settings], Any]
# write(session, partner_id, customer, data, now, settings) -> (items written, new cursor or None)
OrgWrite = Callable[[Session, int, Customer, Any, datetime, Settings], "tuple[int, str | None]"]


@dataclass(frozen=True)
class OrgPart:
    """A part that reads each customer organization. ``fetch`` runs in a pool thread and
    only speaks to Webex; ``write`` runs in the organization's own transaction, committed
    with its ``SyncState`` row. ``calling_only`` walks only customers with Webex Calling."""
    name: str
    fetch: OrgFetch
    write: OrgWrite
    calling_only: bool = False


@dataclass(frozen=True)
class PartnerPart:
    """A part that reads once for the whole partner (the organizations listing, Partner
    Reports). ``essential``: when it fails, the parts after it are not run. ``walks``: it
    walks the organizations itself and reports them as its progress (recorded_walk.py)."""
    name: str
    run: Callable[[SyncContext], PartResult]
    essential: bool = False
    walks: bool = False


NOT_CONNECTED = "not connected: "  # how a part's SyncState.last_error starts when it is not connected


def not_connected_note(scopes) -> str:
    """"not connected: missing scope audit:events_read" (shown by sync, sync status, worker)."""
    return f"{NOT_CONNECTED}missing scope {', '.join(scopes)}"


def state_row(session: Session, partner_id: int, part: str, org_id: str = "") -> SyncState:
    """The ``SyncState`` row of a part (``org_id=""``: the partner-level row), created when missing."""
    row = session.exec(select(SyncState).where(
        SyncState.partner_id == partner_id, SyncState.part == part, SyncState.org_id == org_id
    )).first()
    if row is None:
        row = SyncState(partner_id=partner_id, part=part, org_id=org_id)
        session.add(row)
    return row


def record_failure(factory: SessionFactory, partner_id: int, part: str, org_id: str,
                   now: datetime, message: str) -> None:
    with factory() as session:
        row = state_row(session, partner_id, part, org_id)
        row.last_error_at, row.last_error = now, message[:2000]
        session.commit()


def as_utc(value: datetime | None) -> datetime | None:
    # SQLite hands instants back naive; they were stored as UTC.
    if value is not None and value.tzinfo is None:
        return value.replace(tzinfo=timezone.utc)
    return value


def text(value: Any, limit: int) -> str:
    """A Webex scalar as stripped text ("" when missing or not a scalar)."""
    return "" if value is None or isinstance(value, (dict, list)) else str(value).strip()[:limit]


def to_int(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.strip().isdigit():
        return int(value)
    return None


def to_date(value: Any) -> date | None:
    if not isinstance(value, str) or not value:
        return None
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00")).date()
    except ValueError:
        return None


def replace_customer_rows(session: Session, model, key: str, partner_id: int, customer: Customer,
                          rows: dict[str, dict]) -> None:
    """Make the customer's rows of ``model`` exactly ``rows`` (by natural key): delete the
    ones Webex no longer lists, update the others, add the new. A row keyed by a number or
    device that moved from another customer of the partner is moved, not duplicated."""
    key_col = getattr(model, key)
    existing = {getattr(r, key): r for r in session.exec(select(model).where(
        model.partner_id == partner_id,
        (model.customer_id == customer.id) | key_col.in_(sorted(rows) or [""])))}
    for k, row in existing.items():
        if k not in rows and row.customer_id == customer.id:
            session.delete(row)
    for k, values in rows.items():
        row = existing.get(k)
        if row is None:
            session.add(model(partner_id=partner_id, customer_id=customer.id, **{key: k}, **values))
        else:
            row.customer_id = customer.id
            for name, value in values.items():
                setattr(row, name, value)
