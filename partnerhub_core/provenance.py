"""Where each family of figures comes from, and whether it is known ("unknown is not zero").

Every figure partnerhub shows belongs to one *source family* (licence usage, admin
sign-in, locations, ...). Each reader of a Webex source calls ``record_refresh`` after a
successful read and ``record_failure`` when it could not read (a missing scope, a product
the customer does not have). ``source_states`` answers, per family, whether it is
connected, when it was last read, how many rows it gave, its coverage and its last error.

A family is *known* when it was read successfully and not longer ago than
``Settings.source_stale_days``. Figures of a family that is not known are unknown: they are
shown as "—" with one footnote per family (``footnote``), never as 0, and statuses and
alerts that depend on them are not derived.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import select
from sqlalchemy.orm import Session

from partnerhub_core.i18n import N_
from partnerhub_core.models import SourceRefresh

UNKNOWN = "—"  # how an unknown figure is shown, in Slack, the CLI and CSVs


class SourceFamily(StrEnum):
    ORGANIZATIONS = "organizations"      # customer orgs: name, managed by, region/data location
    SUBSCRIPTIONS = "subscriptions"      # subscriptions and licence totals/assigned
    LICENSE_USAGE = "license_usage"      # used in last 7 days / 3 months (Partner Reports)
    ADMIN_SIGN_IN = "admin_sign_in"      # customer admins' Control Hub sign-ins (audit events)
    PARTNER_ADMINS = "partner_admins"    # partner admins and roleInCustomerOrg
    LOCATIONS = "locations"              # location name, country, address
    PSTN = "pstn"                        # PSTN connection per location
    PEOPLE = "people"                    # emails of device / number owners
    DEVICES = "devices"
    NUMBERS = "numbers"
    CALL_HISTORY = "call_history"        # CDR: usage, queues
    CALL_QUALITY = "call_quality"        # media quality (jitter/latency/loss)
    TRIALS = "trials"


LABELS: dict[SourceFamily, str] = {
    SourceFamily.ORGANIZATIONS: N_("Customer organizations"),
    SourceFamily.SUBSCRIPTIONS: N_("Subscriptions and licenses"),
    SourceFamily.LICENSE_USAGE: N_("License usage"),
    SourceFamily.ADMIN_SIGN_IN: N_("Admin sign-in"),
    SourceFamily.PARTNER_ADMINS: N_("Partner administrators"),
    SourceFamily.LOCATIONS: N_("Locations"),
    SourceFamily.PSTN: N_("PSTN connections"),
    SourceFamily.PEOPLE: N_("People"),
    SourceFamily.DEVICES: N_("Devices"),
    SourceFamily.NUMBERS: N_("Numbers"),
    SourceFamily.CALL_HISTORY: N_("Call history"),
    SourceFamily.CALL_QUALITY: N_("Call quality"),
    SourceFamily.TRIALS: N_("Trials"),
}

# The Webex scopes the partner's token needs for each family (docs/webex-sources.md has
# the endpoints). Shown in "how to connect" footnotes; a failed read names what it lacked.
SCOPES: dict[SourceFamily, tuple[str, ...]] = {
    SourceFamily.ORGANIZATIONS: ("spark-admin:organizations_read",),
    SourceFamily.SUBSCRIPTIONS: ("spark-admin:licenses_read",),
    SourceFamily.LICENSE_USAGE: ("spark-admin:reports_read", "spark-admin:reports_write"),
    SourceFamily.ADMIN_SIGN_IN: ("audit:events_read",),
    SourceFamily.PARTNER_ADMINS: ("spark-admin:organizations_read",),
    SourceFamily.LOCATIONS: ("spark-admin:locations_read",),
    SourceFamily.PSTN: ("spark-admin:telephony_pstn_read",),  # the PSTN API has its own scope
    SourceFamily.PEOPLE: ("spark-admin:people_read",),
    SourceFamily.DEVICES: ("spark-admin:devices_read",),
    SourceFamily.NUMBERS: ("spark-admin:telephony_config_read",),
    SourceFamily.CALL_HISTORY: ("spark-admin:calling_cdr_read",),
    SourceFamily.CALL_QUALITY: ("analytics:read_all",),
    SourceFamily.TRIALS: ("spark-admin:licenses_read",),
}

_ERROR_MAX = 500


@dataclass(frozen=True)
class SourceState:
    """What partnerhub knows about one source family of one partner on a day."""

    family: SourceFamily
    connected: bool  # read successfully at least once
    stale: bool  # connected, but the last success is older than source_stale_days
    last_refresh_at: datetime | None
    rows: int
    covered: int | None  # e.g. organizations with data ...
    total: int | None  # ... of the organizations read
    last_error: str | None
    last_error_at: datetime | None
    missing_scopes: list[str] = field(default_factory=list)

    @property
    def known(self) -> bool:
        """Its figures may be shown: connected and fresh."""
        return self.connected and not self.stale

    @property
    def coverage(self) -> float | None:
        if self.covered is None or not self.total:
            return None
        return self.covered / self.total

    @property
    def label(self) -> str:
        return LABELS[self.family]

    def to_dict(self) -> dict:
        """Plain values for ``--json`` (instants as ISO text, no secrets)."""
        return {
            "family": self.family.value, "connected": self.connected, "stale": self.stale,
            "known": self.known,
            "last_refresh_at": self.last_refresh_at.isoformat() if self.last_refresh_at else None,
            "rows": self.rows, "covered": self.covered, "total": self.total,
            "last_error": self.last_error,
            "last_error_at": self.last_error_at.isoformat() if self.last_error_at else None,
            "missing_scopes": list(self.missing_scopes),
        }


def _row(session: Session, partner_id: int, family: SourceFamily) -> SourceRefresh:
    row = session.execute(
        select(SourceRefresh).where(SourceRefresh.partner_id == partner_id,
                                    SourceRefresh.family == family.value)
    ).scalar_one_or_none()
    if row is None:
        row = SourceRefresh(partner_id=partner_id, family=family.value)
        session.add(row)
    return row


def record_refresh(session: Session, *, partner_id: int, family: SourceFamily, now: datetime,
                   rows: int, covered: int | None = None, total: int | None = None) -> None:
    """A successful read of ``family``. The caller commits. A later success clears the
    missing scopes of an earlier failure (the token has them now); the last error stays
    readable, with its time, until then."""
    row = _row(session, partner_id, SourceFamily(family))
    row.last_success_at = now
    row.rows = int(rows)
    row.covered = None if covered is None else int(covered)
    row.total = None if total is None else int(total)
    row.missing_scopes = []
    session.flush()


def record_failure(session: Session, *, partner_id: int, family: SourceFamily, now: datetime,
                   error: str, missing_scopes: list[str] | None = None) -> None:
    """A failed or impossible read (403 missing scope, 404 not licensed, ...). ``error`` is
    short, without tokens or names; ``missing_scopes`` names the Webex scopes precisely.
    An earlier success stays: its figures are known until they are stale."""
    row = _row(session, partner_id, SourceFamily(family))
    row.last_error_at = now
    row.last_error = (error or "")[:_ERROR_MAX]
    row.missing_scopes = sorted(set(missing_scopes or []))
    session.flush()


def source_states(session: Session, *, partner_id: int, as_of: date, settings) -> list[SourceState]:
    """One state per family, in ``SourceFamily`` order (families never read included)."""
    rows = {
        r.family: r
        for r in session.execute(select(SourceRefresh).where(SourceRefresh.partner_id == partner_id)).scalars()
    }
    out = []
    for family in SourceFamily:
        r = rows.get(family.value)
        success = _aware(r.last_success_at) if r else None
        stale = success is not None and (as_of - success.date()).days > settings.source_stale_days
        out.append(SourceState(
            family=family, connected=success is not None, stale=stale, last_refresh_at=success,
            rows=r.rows if r else 0, covered=r.covered if r else None, total=r.total if r else None,
            last_error=r.last_error if r else None, last_error_at=_aware(r.last_error_at) if r else None,
            missing_scopes=list(r.missing_scopes or []) if r else [],
        ))
    return out


def known_families(session: Session, *, partner_id: int, as_of: date, settings) -> frozenset[SourceFamily]:
    """The families whose figures may be shown on ``as_of``."""
    return frozenset(s.family for s in source_states(session, partner_id=partner_id, as_of=as_of,
                                                      settings=settings) if s.known)


def _aware(ts: datetime | None) -> datetime | None:
    # SQLite hands back naive instants; they were stored as UTC.
    if ts is None or ts.tzinfo is not None:
        return ts
    from datetime import timezone

    return ts.replace(tzinfo=timezone.utc)
