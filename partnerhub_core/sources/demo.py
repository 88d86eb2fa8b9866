"""The demo partner: a deterministic synthetic partner organization for ``partnerhub demo``.

Same ``seed``, ``customers`` and ``as_of`` → the same rows, byte for byte. The data
exercises every F1 status, the four regions, Meetings / Calling / Messaging-only
customers, trials, auto-renew and not, overage, low assignment, customers added in the
last 90 days, 52 weeks of weekly license snapshots, tags, partner admins of every role
(Slack users ``U0DEMO01`` … ``U0DEMO06``) with per-customer assignments, locations,
devices and phone numbers.

The first customers are hand-picked so that every status and every analytics section
shows up even in a tiny demo (``--customers 12``); the rest are drawn at random.

Loading twice does not duplicate anything: the demo partner (natural key: its
``webex_org_id``, ``DEMO_PARTNER_ORG_ID``) is purged with every row it owns and built
again, in the caller's transaction. Rows go in with bulk inserts.
"""
from __future__ import annotations

import math
import random
import uuid
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, timezone

import sqlalchemy as sa
from sqlmodel import Session, select

from partnerhub_core.errors import BadInput
from partnerhub_core.i18n import N_
from partnerhub_core.models import (
    Customer,
    CustomerAdmin,
    CustomerTag,
    Device,
    LicenseSnapshot,
    Location,
    ManagedBy,
    OrderLine,
    Partner,
    PartnerAdmin,
    PaymentState,
    PhoneNumber,
    ProvisioningState,
    Role,
    Subscription,
    Tag,
    search_key,
)
from partnerhub_core.provenance import SourceFamily, record_refresh
from partnerhub_core.timeutil import last_completed_week_ending

DEMO_PARTNER_ORG_ID = "demo-partner-0000-4000-8000-000000000001"
DEMO_PARTNER_NAME = "Northwind Cloud Communications (demo)"
MAX_CUSTOMERS = 100_000
HISTORY_WEEKS = 52

ADMINS = [
    # slack user, name, email local part, role, all customers, language
    ("U0DEMO01", "Fernanda Lima", "fernanda.lima", Role.FULL_ADMIN, True, "pt_BR"),
    ("U0DEMO02", "Carlos Ortega", "carlos.ortega", Role.ADMIN, False, "es"),
    ("U0DEMO03", "Priya Natarajan", "priya.natarajan", Role.SALES_ADMIN, False, "en"),
    ("U0DEMO04", "Jordan Blake", "jordan.blake", Role.READ_ONLY, True, "en"),
    ("U0DEMO05", "Amélie Tremblay", "amelie.tremblay", Role.ADMIN, True, None),
    ("U0DEMO06", "Omar Haddad", "omar.haddad", Role.READ_ONLY, False, None),
]
TAGS = [
    ("Enterprise", "More than 250 licenses"),
    ("SMB", "Small and medium business"),
    ("Healthcare", ""),
    ("Education", ""),
    ("Government", ""),
    ("Renewal focus", "Renewal in the next quarter"),
    ("At risk", "Low assignment or inactive admins"),
    ("Wholesale", "Wholesale route-to-market"),
]

NAME_PARTS = {
    "US": (["Acme", "Blue Ridge", "Summit", "Lakeside", "Granite", "Pioneer", "Redwood", "Harbor", "Liberty",
            "Canyon", "Evergreen", "Keystone", "Silver Creek", "Ironwood", "Bayview", "Prospect"],
           ["Inc.", "LLC", "Group", "Co.", "Partners"]),
    "CA": (["Maple", "Laurentian", "Québec", "Montréal", "Fraser", "Algonquin", "Prairie", "Niagara", "Rideau",
            "Okanagan", "Saguenay", "Gatineau"],
           ["Ltd.", "Inc.", "Corp.", "Ltée"]),
    "EU": (["Zürich", "München", "Málaga", "Lisboa", "Kraków", "Göteborg", "Nîmes", "Århus", "Köln", "Córdoba",
            "Łódź", "Génova", "Sevilla", "Porto", "Ålesund", "Bruxelles"],
           ["GmbH", "S.A.", "S.L.", "AG", "B.V.", "Lda.", "S.p.A.", "AB"]),
    "UAE": (["Dubai", "Abu Dhabi", "Sharjah", "Al Ain", "Ajman", "Fujairah", "Ras Al Khaimah", "Jumeirah"],
            ["LLC", "FZE", "FZ-LLC", "Group"]),
}
TRADES = ["Health", "Logistics", "Legal", "Bank", "Foods", "Energy", "Dental", "Schools", "Realty", "Motors",
          "Clinic", "Software", "Insurance", "Retail", "Hotels", "Construction", "University", "Municipal",
          "Pharma", "Media", "Trading", "Airlines", "Consulting", "Manufacturing"]
VERTICAL = {"Health": "Healthcare", "Dental": "Healthcare", "Clinic": "Healthcare", "Pharma": "Healthcare",
            "Schools": "Education", "University": "Education", "Municipal": "Government"}
COUNTRIES = {"US": ["US"], "CA": ["CA"], "EU": ["DE", "FR", "ES", "PT", "NL", "IT", "PL", "SE", "CH", "DK"],
             "UAE": ["AE"]}
CITIES = {
    "US": ["New York", "Austin", "Chicago", "Denver", "Miami", "Seattle", "Atlanta", "Boston"],
    "CA": ["Toronto", "Montréal", "Vancouver", "Calgary", "Ottawa", "Québec City"],
    "DE": ["Berlin", "München", "Köln"], "FR": ["Paris", "Lyon", "Nîmes"], "ES": ["Madrid", "Sevilla", "Málaga"],
    "PT": ["Lisboa", "Porto"], "NL": ["Amsterdam", "Utrecht"], "IT": ["Milano", "Roma"],
    "PL": ["Kraków", "Warszawa"], "SE": ["Göteborg", "Stockholm"], "CH": ["Zürich", "Genève"],
    "DK": ["Århus", "København"], "AE": ["Dubai", "Abu Dhabi", "Sharjah"],
}
# Country code, national prefix choices, subscriber digits: realistic E.164 shapes.
E164 = {
    "US": ("1", ["212", "512", "312", "303", "305", "206", "404", "617"], 7),
    "CA": ("1", ["416", "514", "604", "403", "613", "418"], 7),
    "DE": ("49", ["30", "89", "221"], 8), "FR": ("33", ["1", "4"], 8), "ES": ("34", ["91", "95"], 7),
    "PT": ("351", ["21", "22"], 7), "NL": ("31", ["20", "30"], 7), "IT": ("39", ["02", "06"], 8),
    "PL": ("48", ["12", "22"], 7), "SE": ("46", ["31", "8"], 7), "CH": ("41", ["44", "22"], 7),
    "DK": ("45", ["86", "33"], 6), "AE": ("971", ["4", "2", "6"], 7),
}
PSTN = ["Cisco Calling Plan", "Cloud Connected PSTN - IntelePeer", "Cloud Connected PSTN - Tata", "Local Gateway"]
DESK_PHONES = [
    ("Cisco 8845", "sip88xx.14-2-1MPP0001-273"), ("Cisco 8865", "sip88xx.14-2-1MPP0001-273"),
    ("Cisco 6871", "sip68xx.12-0-5MPP0001-14"), ("Cisco 7841", "sip78xx.14-2-1MPP0001-273"),
    ("Cisco 9861", "PHONEOS.3-2-1-0001-77"), ("Cisco 9871", "PHONEOS.3-2-1-0001-77"),
    ("Poly VVX 450", "UCS 6.4.3.2025"),  # a third-party device ("Other Devices")
]
ROOM_DEVICES = [("Webex Room Kit", "RoomOS 11.17.3.2 9d5c4a1b3e2"), ("Webex Desk Pro", "RoomOS 11.17.3.2 9d5c4a1b3e2"),
                ("Webex Board Pro 75", "RoomOS 11.17.3.2 9d5c4a1b3e2"), ("Webex Room Bar", "RoomOS 11.17.3.2 9d5c4a1b3e2")]
CISCO_OUIS = ["00EBD5", "AC7A56", "70708B", "F87B20", "CC5A53"]
FIRST = ["Ana", "Bruno", "Chen", "Diego", "Elif", "Fatima", "Gabriel", "Hana", "Igor", "Julia", "Kwame", "Lucía",
         "Mateus", "Nadia", "Oscar", "Paula", "Rafael", "Sofia", "Tomás", "Uma", "Victor", "Yara", "Zoe", "Léa"]
LAST = ["Silva", "García", "Müller", "Dubois", "Rossi", "Kowalski", "Haddad", "Smith", "Tremblay", "Nguyen",
        "Santos", "Jensen", "Costa", "Novak", "Khan", "Moreau", "Fernández", "Andersson", "Lopes", "Brown"]


@dataclass
class _Line:
    subscription_id: str
    product: str
    total: int
    start: date
    end: date | None
    is_trial: bool = False
    auto_renew: bool = False
    provisioning: str = ProvisioningState.PROVISIONED
    payment: str = PaymentState.PAID
    ratio: float = 0.75  # assigned / total on the newest week
    usage: float = 0.6  # used (7 days) / assigned
    addon: int = 0  # licenses added by a later order, within the history window
    addon_on: date | None = None
    cancelled_on: date | None = None
    term_months: int = 12


@dataclass
class _Cust:
    name: str
    region: str
    lines: list[_Line] = field(default_factory=list)
    sign_in_days: int | None = 3  # days before as_of; None = never
    managed_by: str = ManagedBy.EXTERNAL_ADMIN
    external_id: str | None = None
    trade: str = ""


class _Gen:
    def __init__(self, rng: random.Random, as_of: date):
        self.rng = rng
        self.as_of = as_of
        self.sub_seq = 4_100_000 + rng.randrange(100_000)
        self.trial_seq = 700_000 + rng.randrange(100_000)
        self.names: set[str] = set()
        self.numbers: set[str] = set()

    def uuid(self) -> str:
        return str(uuid.UUID(int=self.rng.getrandbits(128), version=4))

    def sub_id(self) -> str:
        self.sub_seq += self.rng.randrange(1, 40)
        return f"Sub{self.sub_seq}"

    def trial_id(self) -> str:
        self.trial_seq += self.rng.randrange(1, 40)
        return f"Trial{self.trial_seq}"

    def name(self, region: str, trade: str | None = None) -> tuple[str, str]:
        places, suffixes = NAME_PARTS[region]
        for _ in range(50):
            t = trade or self.rng.choice(TRADES)
            candidate = f"{self.rng.choice(places)} {t} {self.rng.choice(suffixes)}"
            if candidate not in self.names:
                self.names.add(candidate)
                return candidate, t
        n = len(self.names) + 1
        candidate = f"{self.rng.choice(places)} {trade or 'Holdings'} {n}"
        self.names.add(candidate)
        return candidate, trade or "Holdings"

    def days_ago(self, n: int) -> date:
        return self.as_of - timedelta(days=n)

    def licenses(self, product: str) -> int:
        mu = 3.4 if product == "meetings" else 3.0
        return max(5, min(5000, int(math.exp(self.rng.gauss(mu, 1.0)))))

    def paid(self, product: str, *, sub_id: str | None = None, start_days_ago: int | None = None,
             term_months: int | None = None, auto_renew: bool | None = None, **kw) -> _Line:
        rng = self.rng
        term = term_months or rng.choice([12, 12, 24, 36])
        start = self.days_ago(start_days_ago if start_days_ago is not None else rng.randrange(95, 1500))
        end = _add_months(start, term)
        while end < self.as_of:  # renewed term after term
            end = _add_months(end, term)
        total = kw.pop("total", None) or self.licenses(product)
        line = _Line(sub_id or self.sub_id(), product, total, start, end, term_months=term,
                     auto_renew=rng.random() < 0.65 if auto_renew is None else auto_renew,
                     ratio=kw.pop("ratio", None) or rng.betavariate(6, 2),
                     usage=kw.pop("usage", None) or rng.betavariate(5, 2), **kw)
        if line.addon == 0 and rng.random() < 0.3 and total >= 20:
            line.addon = max(1, total // rng.choice([4, 5, 10]))
            line.addon_on = self.days_ago(rng.randrange(7, 330))
            if line.addon_on <= start:
                line.addon, line.addon_on = 0, None
        return line

    def trial(self, product: str, *, start_days_ago: int | None = None, length: int | None = None, **kw) -> _Line:
        rng = self.rng
        length = length or rng.choice([30, 60, 90])
        ago = start_days_ago if start_days_ago is not None else rng.randrange(0, length)
        start = self.days_ago(ago)
        return _Line(self.trial_id(), product, kw.pop("total", None) or rng.choice([25, 50, 75, 100]), start,
                     start + timedelta(days=length), is_trial=True, auto_renew=False,
                     ratio=kw.pop("ratio", None) or rng.uniform(0.2, 0.9),
                     usage=kw.pop("usage", None) or rng.uniform(0.3, 0.9), **kw)

    # -- the hand-picked customers: every status and section, whatever the size ----------
    def featured(self) -> list[_Cust]:
        p, t = self.paid, self.trial
        sid = self.sub_id
        both = sid()
        cs = [
            # renewing (auto-renew in 45 days) on Calling, Meetings active for longer
            _Cust("São Paulo Logística", "US", [
                p("calling", sub_id=both, start_days_ago=320, term_months=12, auto_renew=True, total=240, ratio=0.92),
                p("meetings", sub_id=both, start_days_ago=320, term_months=24, auto_renew=False, total=300, ratio=0.81),
            ], trade="Logistics"),
            # a Meetings trial started 48 days ago, ending in 12: trial + expiring soon, recently added
            _Cust("Café Montréal Ltée", "CA", [t("meetings", start_days_ago=48, length=60, total=50, ratio=0.64)],
                  sign_in_days=1, trade="Foods"),
            # Calling over the license limit
            _Cust("Zürich Finanz AG", "EU", [
                p("calling", start_days_ago=700, term_months=36, auto_renew=True, total=180, ratio=1.14, usage=0.8),
            ], trade="Bank"),
            # low assignment and inactive admins
            _Cust("Dubai Marina Hotels LLC", "UAE", [
                p("meetings", start_days_ago=400, term_months=24, auto_renew=False, total=400, ratio=0.06, usage=0.5),
            ], sign_in_days=75, trade="Hotels"),
            # a new order waiting for setup
            _Cust("Lisboa Clínica Lda.", "EU", [
                p("meetings", start_days_ago=6, term_months=12, auto_renew=True, total=60,
                  provisioning=ProvisioningState.PENDING_SETUP, ratio=0.05, usage=0.2),
            ], trade="Clinic"),
            # not paid: suspended
            _Cust("Granite Legal LLC", "US", [
                p("calling", start_days_ago=210, term_months=12, auto_renew=False, total=35,
                  payment=PaymentState.UNPAID, ratio=0.7),
            ], trade="Legal"),
            # everything ended 40 days ago: expired (and nobody signs in)
            _Cust("Prairie Schools Ltd.", "CA", [
                _Line(sid(), "meetings", 120, self.days_ago(40 + 365), self.days_ago(40), ratio=0.5),
            ], sign_in_days=61, trade="Schools"),
            # Messaging only: left out of the analytics
            _Cust("Harbor Dental Group", "US", [p("messaging", start_days_ago=500, total=40)], trade="Dental"),
            # expiring in 20 days without auto-renew, Meetings and Calling
            _Cust("Kraków Software S.A.", "EU", [
                _Line(sid(), "meetings", 150, self.days_ago(345), self.as_of + timedelta(days=20), ratio=0.77),
                _Line(sid(), "calling", 80, self.days_ago(345), self.as_of + timedelta(days=20), ratio=0.9),
            ], trade="Software"),
            # brand new (20 days) and barely assigned
            _Cust("Sharjah Trading FZE", "UAE", [
                p("meetings", start_days_ago=20, term_months=12, auto_renew=True, total=200, ratio=0.1),
                p("calling", start_days_ago=20, term_months=12, auto_renew=True, total=120, ratio=0.15),
            ], trade="Trading"),
            # Meetings with Real-Time Translations, managed inside the partner organization;
            # renewing in about two months and a little over its Meetings licenses
            _Cust("Redwood Realty Inc.", "US", [
                p("meetings", start_days_ago=300, term_months=12, auto_renew=True, total=90, ratio=1.08),
                p("real_time_translations", start_days_ago=150, total=90, ratio=0.3),
            ], managed_by=ManagedBy.PARTNER_ORG, trade="Realty"),
            # wholesale customer with a Calling trial on top of Meetings
            _Cust("Niagara Insurance Corp.", "CA", [
                p("meetings", start_days_ago=800, total=500, ratio=0.7),
                t("calling", start_days_ago=10, length=30, total=25, ratio=0.4),
            ], external_id="WS-100042", trade="Insurance"),
        ]
        for c in cs:
            self.names.add(c.name)
        return cs

    def random_customer(self) -> _Cust:
        rng = self.rng
        region = rng.choices(["US", "EU", "CA", "UAE"], weights=[45, 30, 15, 10])[0]
        name, trade = self.name(region)
        r = rng.random()
        products = ["meetings"] if r < 0.42 else ["calling"] if r < 0.62 else ["meetings", "calling"] if r < 0.9 \
            else ["messaging"]
        kind = rng.random()
        shape = rng.random()
        ratio = None
        if shape < 0.12:
            ratio = rng.uniform(0.02, 0.25)  # low assignment
        elif shape < 0.19:
            ratio = rng.uniform(1.02, 1.25)  # overage
        lines: list[_Line] = []
        if kind < 0.08 and products != ["messaging"]:  # trial only
            lines.append(self.trial(products[0], ratio=ratio))
        elif kind < 0.14:  # expired: the last term ended a while ago
            ended = rng.randrange(1, 300)
            start = self.days_ago(ended + 365)
            for prod in products:
                lines.append(_Line(self.sub_id(), prod, self.licenses(prod), start, self.days_ago(ended),
                                   ratio=ratio or rng.uniform(0.3, 0.9)))
        else:
            new = rng.random() < 0.12  # added in the last 90 days
            shared = self.sub_id() if len(products) > 1 and rng.random() < 0.6 else None
            start_ago = rng.randrange(1, 90) if new else None
            auto = rng.random() < 0.65
            for prod in products:
                lines.append(self.paid(prod, sub_id=shared, start_days_ago=start_ago, auto_renew=auto,
                                       ratio=ratio))
            extra = rng.random()
            if extra < 0.06:
                lines.append(self.paid("webinars", start_days_ago=rng.randrange(0, 30),
                                       provisioning=ProvisioningState.PENDING_SETUP, ratio=0.01))
            elif extra < 0.10:
                lines[0].payment = PaymentState.UNPAID
            elif extra < 0.18 and products != ["messaging"]:
                other = "calling" if "calling" not in products else "meetings"
                lines.append(self.trial(other))
            elif extra < 0.22 and "calling" in products:
                lines.append(self.paid("contact_center", total=rng.randrange(5, 40)))
        sign = rng.random()
        sign_in = rng.randrange(0, 26) if sign < 0.85 else (rng.randrange(31, 200) if sign < 0.95 else None)
        return _Cust(name, region, lines, sign_in_days=sign_in,
                     managed_by=ManagedBy.PARTNER_ORG if rng.random() < 0.18 else ManagedBy.EXTERNAL_ADMIN,
                     external_id=f"WS-{rng.randrange(100000, 999999)}" if rng.random() < 0.12 else None,
                     trade=trade)

    def phone(self, country: str) -> str:
        cc, prefixes, digits = E164[country]
        while True:
            num = f"+{cc}{self.rng.choice(prefixes)}{self.rng.randrange(10 ** (digits - 1), 10 ** digits)}"
            if num not in self.numbers:
                self.numbers.add(num)
                return num


def _add_months(day: date, months: int) -> date:
    y, m = divmod(day.month - 1 + months, 12)
    year, month = day.year + y, m + 1
    last = [31, 29 if year % 4 == 0 and (year % 100 != 0 or year % 400 == 0) else 28, 31, 30, 31, 30, 31, 31, 30,
            31, 30, 31][month - 1]
    return date(year, month, min(day.day, last))


def _at(day: date, hour: int = 9) -> datetime:
    return datetime.combine(day, time(hour), tzinfo=timezone.utc)


def _insert(session: Session, model, rows: list[dict], returning: bool = False) -> list[int]:
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


def _reset(session: Session) -> None:
    """Remove the previous demo partner with everything it owns (idempotent rebuild)."""
    from partnerhub_core.purge import purge_partner

    old = session.execute(select(Partner.id).where(Partner.webex_org_id == DEMO_PARTNER_ORG_ID)).scalars().all()
    for pid in old:
        purge_partner(session, pid)


def build_demo_partner(session: Session, *, customers: int = 300, as_of: date, seed: int = 7) -> Partner:
    """Build (or rebuild) the demo partner with ``customers`` customers, as seen on ``as_of``.

    Flushes but never commits: the caller owns the transaction.
    """
    if isinstance(customers, bool) or not isinstance(customers, int) or not 1 <= customers <= MAX_CUSTOMERS:
        raise BadInput(N_("The number of demo customers must be between 1 and {max}."), max=MAX_CUSTOMERS)
    rng = random.Random(f"partnerhub-demo:{seed}")
    gen = _Gen(rng, as_of)
    _reset(session)
    created = _at(as_of - timedelta(days=1500))
    partner = Partner(name=DEMO_PARTNER_NAME, webex_org_id=DEMO_PARTNER_ORG_ID, default_language="en",
                      default_region="US", created_at=created)
    session.add(partner)
    session.flush()
    pid = partner.id

    admin_ids = _insert(session, PartnerAdmin, [
        dict(partner_id=pid, display_name=name, email=f"{local}@northwind-demo.example",
             webex_person_id=gen.uuid(), slack_user_id=slack, role=role.value, all_customers=all_c,
             language=lang, created_at=created)
        for slack, name, local, role, all_c, lang in ADMINS
    ], returning=True)

    plan = gen.featured()[:customers]
    while len(plan) < customers:
        plan.append(gen.random_customer())

    cust_rows = []
    for i, c in enumerate(plan):
        added = min(line.start for line in c.lines) if c.lines else as_of
        cust_rows.append(dict(
            partner_id=pid, org_id=gen.uuid(), name=c.name, name_key=search_key(c.name), region=c.region,
            external_id=c.external_id, managed_by=str(c.managed_by),
            last_admin_sign_in=None if c.sign_in_days is None else _at(as_of - timedelta(days=c.sign_in_days),
                                                                        8 + i % 10),
            sign_in_checked_at=_at(as_of, 6),
            added_on=added, created_at=_at(added),
        ))
    cust_ids = _insert(session, Customer, cust_rows, returning=True)

    sub_rows, sub_lines = [], []
    for cid, c in zip(cust_ids, plan):
        for line in c.lines:
            sub_rows.append(dict(
                partner_id=pid, customer_id=cid, subscription_id=line.subscription_id, is_trial=line.is_trial,
                product=line.product, total_licenses=line.total, start_date=line.start, end_date=line.end,
                auto_renew=line.auto_renew, provisioning_state=str(line.provisioning),
                payment_state=str(line.payment),
                invoice_ref=None if line.is_trial else f"INV-{line.start.year}-{rng.randrange(10000, 99999)}",
                cancelled_on=line.cancelled_on,
            ))
            sub_lines.append(line)
    sub_ids = _insert(session, Subscription, sub_rows, returning=True)

    _insert(session, OrderLine, _orders(gen, pid, sub_ids, sub_lines))
    _insert(session, LicenseSnapshot, _snapshots(gen, pid, sub_ids, sub_lines))
    _tags_and_admins(session, gen, pid, cust_ids, plan, admin_ids)
    _inventory(session, gen, pid, cust_ids, plan)
    session.flush()
    _record_sources(session, pid, _at(as_of, 6))
    return partner


def _record_sources(session: Session, pid: int, now: datetime) -> None:
    """The demo fills every figure, so every source family counts as read just now, for
    every customer organization."""
    customers = session.execute(sa.select(Customer.id).where(Customer.partner_id == pid)).all()
    def count(model, *where) -> int:
        return session.execute(sa.select(sa.func.count()).select_from(model)
                               .where(model.partner_id == pid, *where)).scalar_one()

    rows = {
        SourceFamily.ORGANIZATIONS: count(Customer), SourceFamily.SUBSCRIPTIONS: count(Subscription),
        SourceFamily.LICENSE_USAGE: count(LicenseSnapshot), SourceFamily.ADMIN_SIGN_IN: count(Customer),
        SourceFamily.PARTNER_ADMINS: count(CustomerAdmin), SourceFamily.LOCATIONS: count(Location),
        SourceFamily.PSTN: count(Location), SourceFamily.PEOPLE: count(PhoneNumber, PhoneNumber.user_id != ""),
        SourceFamily.DEVICES: count(Device), SourceFamily.NUMBERS: count(PhoneNumber),
        SourceFamily.TRIALS: count(Subscription, Subscription.is_trial.is_(True)),
        # demo_calling.py records the calling families with its own row counts.
        SourceFamily.CALL_HISTORY: 0, SourceFamily.CALL_QUALITY: 0,
    }
    for family, n in rows.items():
        record_refresh(session, partner_id=pid, family=family, now=now, rows=n, covered=len(customers),
                       total=len(customers))


def _orders(gen: _Gen, pid: int, sub_ids: list[int], lines: list[_Line]) -> list[dict]:
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
        while line.end is not None and (renewed := _add_months(line.start, line.term_months * k)) < line.end \
                and renewed <= gen.as_of:
            kind = "automatic renewal" if line.auto_renew else "renewal"
            rows.append(dict(partner_id=pid, subscription_pk=spk,
                             ordered_on=renewed - timedelta(days=0 if line.auto_renew else rng.randrange(1, 20)),
                             order_ref=f"ORD-{rng.randrange(10**7, 10**8)}",
                             description=f"Webex {label} — {kind}", quantity=line.total))
            k += 1
    return rows


def _snapshots(gen: _Gen, pid: int, sub_ids: list[int], lines: list[_Line]) -> list[dict]:
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


def _tags_and_admins(session: Session, gen: _Gen, pid: int, cust_ids: list[int], plan: list[_Cust],
                     admin_ids: list[int]) -> None:
    rng = gen.rng
    tag_ids = dict(zip([name for name, _ in TAGS], _insert(session, Tag, [
        dict(partner_id=pid, name=name, name_key=search_key(name), description=desc,
             created_at=_at(gen.as_of - timedelta(days=400)))
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
    _insert(session, CustomerTag, links)

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
                                 role_in_customer=role, assigned_at=_at(gen.as_of - timedelta(days=30 + i % 200))))
    _insert(session, CustomerAdmin, rows)


def _inventory(session: Session, gen: _Gen, pid: int, cust_ids: list[int], plan: list[_Cust]) -> None:
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
    _insert(session, Location, locations)
    _insert(session, Device, devices)
    _insert(session, PhoneNumber, numbers)


def _num(pid, cid, loc_id, number, ext, pstn, user_type, number_type, email, user_uuid, active=True) -> dict:
    return dict(partner_id=pid, customer_id=cid, number_key=number or f"{loc_id}/{ext}", location_id=loc_id,
                # F25: a row is a number (extension column empty) or a bare extension.
                phone_number=number, extension="" if number else ext,
                pstn_connection=pstn if number else "", active=active, user_type=user_type,
                number_type=number_type if number and user_type else "", user_id=email, user_uuid=user_uuid)


def _mac(rng: random.Random) -> str:
    return rng.choice(CISCO_OUIS) + f"{rng.getrandbits(24):06X}"
