"""Customers for the bot feature tests, on the partner that ``linked`` ties to T001.

As of 2026-11-25 (``conftest.AS_OF``):
- "Acme Corp" (org-acme, EU, assigned to U_ADMIN and U_SALES): a paid Meetings
  subscription SUB-ACME of 100 licenses renewing 2027-01-15 (auto-renew), 80 assigned,
  60 used, invoice INV-77, two orders; tagged "Gold".
- "Acme Labs" (org-labs, US): a Calling trial TRIAL-LABS of 20 licenses ending 2026-12-05,
  25 assigned (5 short).
- "Globex" (org-globex, US): a paid Calling subscription of 50 licenses ending
  2027-02-01 without auto-renew, 10 assigned, 5 used.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from partnerhub_core.models import Customer, Region
from tests.factories import assign_admin, make_customer, make_order, make_snapshot, make_subscription, make_tag

WEEK = date(2026, 11, 21)  # the Saturday before AS_OF


@dataclass
class Customers:
    acme: Customer
    labs: Customer
    globex: Customer


def add_customers(session, linked, partner=None) -> Customers:
    from partnerhub_core.models import Partner, PartnerAdmin

    partner = partner or session.get(Partner, linked.partner_id)
    acme = make_customer(session, partner, "Acme Corp", org_id="org-acme", region=Region.EU,
                         added_on=date(2025, 1, 15))
    labs = make_customer(session, partner, "Acme Labs", org_id="org-labs", added_on=date(2026, 11, 5))
    globex = make_customer(session, partner, "Globex", org_id="org-globex", added_on=date(2025, 2, 1))
    sub = make_subscription(session, acme, product="meetings", total=100, start=date(2025, 1, 15),
                            end=date(2027, 1, 15), auto_renew=True, subscription_id="SUB-ACME",
                            invoice_ref="INV-77")
    make_snapshot(session, sub, WEEK, assigned=80, used_7d=60)
    make_order(session, sub, ordered_on=date(2025, 1, 10), quantity=80, order_ref="ORD-1")
    make_order(session, sub, ordered_on=date(2026, 3, 2), quantity=20, order_ref="ORD-2")
    trial = make_subscription(session, labs, product="calling", total=20, start=date(2026, 11, 5),
                              end=date(2026, 12, 5), is_trial=True, subscription_id="TRIAL-LABS")
    make_snapshot(session, trial, WEEK, assigned=25, used_7d=12)
    gsub = make_subscription(session, globex, product="calling", total=50, start=date(2025, 2, 1),
                             end=date(2027, 2, 1), subscription_id="SUB-GLOBEX")
    make_snapshot(session, gsub, WEEK, assigned=10, used_7d=5)
    make_tag(session, partner, "Gold", customers=[acme])
    for slack_id in ("U_ADMIN", "U_SALES"):
        admin = session.get(PartnerAdmin, linked.admins[slack_id])
        assign_admin(session, admin, acme)
    session.commit()
    return Customers(acme, labs, globex)


def blocks_text(message: dict) -> str:
    """Every text a person reads in a message or view, joined (for assertions)."""
    out: list[str] = [message.get("text") or ""]

    def walk(node):
        if isinstance(node, dict):
            if node.get("type") in ("plain_text", "mrkdwn") and isinstance(node.get("text"), str):
                out.append(node["text"])
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(message.get("blocks") or [])
    return "\n".join(out)


def buttons(message: dict) -> list[dict]:
    found: list[dict] = []

    def walk(node):
        if isinstance(node, dict):
            if node.get("type") == "button":
                found.append(node)
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(message.get("blocks") or [])
    return found
