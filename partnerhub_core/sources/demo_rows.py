"""The demo partner's rows beyond partner, customers and subscriptions: orders, 52 weeks of
license snapshots, tags and per-customer admin assignments, and the inventory (locations,
devices, phone numbers), inserted in bulk with ``insert_rows``. The draws continue the
plan's ``random.Random`` in a fixed order."""
from __future__ import annotations

import random
from datetime import timedelta

import sqlalchemy as sa
from sqlmodel import Session

from partnerhub_core.models import (
    CustomerAdmin,
    CustomerTag,
    Device,
    Location,
    PhoneNumber,
    ProvisioningState,
    Tag,
    search_key,
)
from partnerhub_core.sources.demo_data import (
    ADMINS,
    CISCO_OUIS,
    CITIES,
    COUNTRIES,
    DESK_PHONES,
    FIRST,
    HISTORY_WEEKS,
    LAST,
    PSTN,
    ROOM_DEVICES,
    TAGS,
    VERTICAL,
)
from partnerhub_core.sources.demo_plan import Cust, Gen, Line, add_months, at
from partnerhub_core.timeutil import last_completed_week_ending

def insert_rows(session: Session, model, rows: list[dict], returning: bool = False) -> list[int]:
    if not rows:
        return []
    table = model.__table__
    keys = rows[0].keys()
    if any(r.keys() != keys for r in rows):  # executemany takes the first row's columns only
        raise ValueError(f"rows for {table.name} do not all have the same columns")
    if returning:
        result = session.execute(sa.insert(table).returning(table.c.id, sort_by_parameter_order=True), rows)
        return [r[0] for r in result]
    session.execute(sa.insert(table), rows)
    return []


def order_rows(gen: Gen, pid: int, sub_ids: list[int], lines: list[Line]) -> list[dict]:
    rng = gen.rng
    rows = []
    for spk, line in zip(sub_ids, lines):
        if line.is_trial:
            continue
        label = line.product.replace("_", " ").title()
        rows.append(dict(partner_id=pid, subscription_pk=spk, ordered_on=line.start - timedelta(days=rng.randrange(2, 15)),
                         order_ref=f"ORD-{rng.randrange(10**7, 10**8)}", description=f"Webex {label} — initial order",
                         quantity=line.total - line.addon))
        if line.addon:
            rows.append(dict(partner_id=pid, subscription_pk=spk, ordered_on=line.addon_on,
                             order_ref=f"ORD-{rng.randrange(10**7, 10**8)}",
                             description=f"Webex {label} — add-on licenses", quantity=line.addon))
        # One order per renewal that already happened (term after term, before as_of).
        k = 1
        while line.end is not None and (renewed := add_months(line.start, line.term_months * k)) < line.end \
                and renewed <= gen.as_of:
            kind = "automatic renewal" if line.auto_renew else "renewal"
            rows.append(dict(partner_id=pid, subscription_pk=spk,
                             ordered_on=renewed - timedelta(days=0 if line.auto_renew else rng.randrange(1, 20)),
                             order_ref=f"ORD-{rng.randrange(10**7, 10**8)}",
                             description=f"Webex {label} — {kind}", quantity=line.total))
            k += 1
    return rows


def snapshot_rows(gen: Gen, pid: int, sub_ids: list[int], lines: list[Line]) -> list[dict]:
    """52 weeks of weekly license counts; the newest week lands on each line's ratio."""
    rng = gen.rng
    newest = last_completed_week_ending(gen.as_of)
    weeks = [newest - timedelta(weeks=k) for k in range(HISTORY_WEEKS - 1, -1, -1)]
    rows = []
    for spk, line in zip(sub_ids, lines):
        if line.provisioning == ProvisioningState.PENDING_SETUP:
            continue  # nothing to assign before the order is set up
        first_week = line.start + timedelta(days=(5 - line.start.weekday()) % 7)
        for week in weeks:
            if week < first_week or (line.end is not None and week > line.end + timedelta(days=6)):
                continue
            age = (week - line.start).days / 7
            to_newest = (newest - week).days / 7
            ramp = min(1.0, 0.35 + 0.65 * age / 10)  # assignment grows over the first ten weeks
            drift = 1.0 - 0.12 * to_newest / HISTORY_WEEKS  # and a little over the year
            total = line.total - (line.addon if line.addon_on and week < line.addon_on else 0)
            target = line.total * line.ratio * ramp * drift
            if week != newest:
                target *= rng.uniform(0.97, 1.02)
            assigned = max(0, min(int(round(target)), int(total * 1.3)))
            used = int(round(assigned * line.usage * (rng.uniform(0.9, 1.05) if week != newest else 1.0)))
            used = min(used, assigned)
            used_90d = min(assigned, int(round(used * rng.uniform(1.05, 1.3))) + 1 if used else 0)
            rows.append(dict(partner_id=pid, subscription_pk=spk, week_ending=week, total=total,
                             assigned=assigned, used_7d=used, used_90d=used_90d))
    return rows


def add_tags_and_admins(session: Session, gen: Gen, pid: int, cust_ids: list[int], plan: list[Cust],
                     admin_ids: list[int]) -> None:
    rng = gen.rng
    tag_ids = dict(zip([name for name, _ in TAGS], insert_rows(session, Tag, [
        dict(partner_id=pid, name=name, name_key=search_key(name), description=desc,
             created_at=at(gen.as_of - timedelta(days=400)))
        for name, desc in TAGS
    ], returning=True)))
    links = []
    for cid, c in zip(cust_ids, plan):
        names: list[str] = []
        size = sum(line.total for line in c.lines if not line.is_trial)
        if size > 250:
            names.append("Enterprise")
        elif rng.random() < 0.6:
            names.append("SMB")
        if c.trade in VERTICAL:
            names.append(VERTICAL[c.trade])
        if c.external_id:
            names.append("Wholesale")
        low = any(line.ratio < 0.3 for line in c.lines)
        if (low or c.sign_in_days is None or (c.sign_in_days or 0) > 30) and rng.random() < 0.7:
            names.append("At risk")
        if any(line.end and 0 <= (line.end - gen.as_of).days <= 90 and not line.is_trial for line in c.lines) \
                and rng.random() < 0.5:
            names.append("Renewal focus")
        links.extend(dict(customer_id=cid, tag_id=tag_ids[n], partner_id=pid) for n in names)
    insert_rows(session, CustomerTag, links)

    # Per-customer assignments: the admins without "all customers" need them to see
    # anything; the full admin is also named on some customers (shown on the card).
    by_slack = dict(zip([a[0] for a in ADMINS], admin_ids))
    shares = [("U0DEMO02", 0.35, "id_full_admin"), ("U0DEMO03", 0.2, "id_full_admin"),
              ("U0DEMO06", 0.1, "id_readonly_admin"), ("U0DEMO01", 0.15, "id_full_admin")]
    rows = []
    for i, (cid, c) in enumerate(zip(cust_ids, plan)):
        for slack, share, role in shares:
            # The first customers always have someone assigned, so the demo card shows it.
            if (i < 3 and slack in ("U0DEMO02", "U0DEMO03")) or rng.random() < share \
                    or (slack == "U0DEMO06" and c.region == "UAE"):
                rows.append(dict(customer_id=cid, partner_admin_id=by_slack[slack], partner_id=pid,
                                 role_in_customer=role, assigned_at=at(gen.as_of - timedelta(days=30 + i % 200))))
    insert_rows(session, CustomerAdmin, rows)


def add_inventory(session: Session, gen: Gen, pid: int, cust_ids: list[int], plan: list[Cust]) -> None:
    """Locations for Meetings and Calling customers; desk phones and numbers for Calling;
    room devices for Meetings."""
    rng = gen.rng
    locations, devices, numbers = [], [], []
    for cid, c in zip(cust_ids, plan):
        products = {line.product for line in c.lines}
        calling, meetings = "calling" in products, "meetings" in products
        if not (calling or meetings):
            continue
        domain = "".join(ch for ch in search_key(c.name).split()[0] if ch.isascii() and ch.isalnum()) or "customer"
        domain += ".example"
        n_loc = rng.randint(1, 4) if calling else 1
        for k in range(n_loc):
            country = rng.choice(COUNTRIES[c.region])
            loc_id = gen.uuid()
            city = rng.choice(CITIES[country])
            locations.append(dict(partner_id=pid, customer_id=cid, location_id=loc_id,
                                  name=f"{city} {'HQ' if k == 0 else 'Office'}" if k < 2 else f"{city} Branch {k}",
                                  country=country))
            if meetings:
                for _ in range(rng.randint(0, 2)):
                    model, fw = rng.choice(ROOM_DEVICES)
                    devices.append(dict(partner_id=pid, customer_id=cid, device_id=gen.uuid(), location_id=loc_id,
                                        product=model, mac=_mac(rng), firmware=fw, phone_number="", extension="",
                                        user_id="", user_uuid=""))  # a shared room device: no user
            if not calling:
                continue
            ext_base = rng.choice([1000, 2000, 3000, 4000, 5000]) + 100 * k
            pstn = rng.choice(PSTN)
            for u in range(rng.randint(1, 6)):
                person = f"{rng.choice(FIRST)} {rng.choice(LAST)}"
                local = "".join(ch for ch in search_key(person).replace(" ", ".") if ch.isascii())
                email = f"{local}.{u + 1}@{domain}"
                user_uuid = gen.uuid()
                ext = str(ext_base + u + 1)
                if rng.random() < 0.8:
                    number = gen.phone(country)
                    numbers.append(_num(pid, cid, loc_id, number, ext, pstn, "People", "Primary", email, user_uuid,
                                        active=rng.random() > 0.03))
                    if rng.random() < 0.15:
                        numbers.append(_num(pid, cid, loc_id, gen.phone(country), "", pstn, "People", "Secondary",
                                            email, user_uuid))
                else:  # extension only
                    number = ""
                    numbers.append(_num(pid, cid, loc_id, "", ext, "", "People", "", email, user_uuid))
                model, fw = rng.choice(DESK_PHONES)
                devices.append(dict(partner_id=pid, customer_id=cid, device_id=gen.uuid(), location_id=loc_id,
                                    product=model, mac=_mac(rng), firmware=fw, phone_number=number, extension=ext,
                                    user_id=email, user_uuid=user_uuid))
            numbers.append(_num(pid, cid, loc_id, gen.phone(country), str(ext_base), pstn, "Auto Attendant", "Primary",
                                "", gen.uuid()))
            if rng.random() < 0.4:
                numbers.append(_num(pid, cid, loc_id, gen.phone(country), str(ext_base + 90), pstn, "Virtual Line",
                                    "Primary", "", gen.uuid()))
            for _ in range(rng.randint(0, 3)):  # spare numbers, not assigned yet
                numbers.append(_num(pid, cid, loc_id, gen.phone(country), "", pstn, "", "", "", "",
                                    active=rng.random() < 0.5))
    insert_rows(session, Location, locations)
    insert_rows(session, Device, devices)
    insert_rows(session, PhoneNumber, numbers)


def _num(pid, cid, loc_id, number, ext, pstn, user_type, number_type, email, user_uuid, active=True) -> dict:
    return dict(partner_id=pid, customer_id=cid, number_key=number or f"{loc_id}/{ext}", location_id=loc_id,
                # F25: a row is a number (extension column empty) or a bare extension.
                phone_number=number, extension="" if number else ext,
                pstn_connection=pstn if number else "", active=active, user_type=user_type,
                number_type=number_type if number and user_type else "", user_id=email, user_uuid=user_uuid)


def _mac(rng: random.Random) -> str:
    return rng.choice(CISCO_OUIS) + f"{rng.getrandbits(24):06X}"
