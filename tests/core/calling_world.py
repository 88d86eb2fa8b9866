"""Small hand-made calling fixtures shared by the calling and report tests."""
from __future__ import annotations

from datetime import date, datetime, timezone

from sqlmodel import Session

from partnerhub_core.models import Customer, Partner


def make_partner(session: Session, name: str = "Acme Partners") -> Partner:
    partner = Partner(name=name)
    session.add(partner)
    session.flush()
    return partner


def make_customer(session: Session, partner: Partner, org_id: str, name: str, *,
                  region: str = "US", external_id: str | None = None) -> Customer:
    customer = Customer(partner_id=partner.id, org_id=org_id, name=name, name_key=name.casefold(),
                        region=region, external_id=external_id, added_on=date(2026, 1, 5))
    session.add(customer)
    session.flush()
    return customer


def at(day: date, hour: int = 10) -> datetime:
    return datetime(day.year, day.month, day.day, hour, tzinfo=timezone.utc)
