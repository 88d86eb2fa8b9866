"""The demo partner's customers before they become rows: ``Gen`` draws them from one seeded
``random.Random`` (the hand-picked ``featured`` customers first, then ``random_customer``),
each a ``Cust`` with its subscription ``Line``s. The order of the draws is the demo's
determinism: the same seed gives the same customers."""
from __future__ import annotations

import math
import random
import uuid
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, timezone

from partnerhub_core.models import ManagedBy, PaymentState, ProvisioningState
from partnerhub_core.sources.demo_data import E164, NAME_PARTS, TRADES

@dataclass
class Line:
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
class Cust:
    name: str
    region: str
    lines: list[Line] = field(default_factory=list)
    sign_in_days: int | None = 3  # days before as_of; None = never
    managed_by: str = ManagedBy.EXTERNAL_ADMIN
    external_id: str | None = None
    trade: str = ""


class Gen:
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
             term_months: int | None = None, auto_renew: bool | None = None, **kw) -> Line:
        rng = self.rng
        term = term_months or rng.choice([12, 12, 24, 36])
        start = self.days_ago(start_days_ago if start_days_ago is not None else rng.randrange(95, 1500))
        end = add_months(start, term)
        while end < self.as_of:  # renewed term after term
            end = add_months(end, term)
        total = kw.pop("total", None) or self.licenses(product)
        line = Line(sub_id or self.sub_id(), product, total, start, end, term_months=term,
                     auto_renew=rng.random() < 0.65 if auto_renew is None else auto_renew,
                     ratio=kw.pop("ratio", None) or rng.betavariate(6, 2),
                     usage=kw.pop("usage", None) or rng.betavariate(5, 2), **kw)
        if line.addon == 0 and rng.random() < 0.3 and total >= 20:
            line.addon = max(1, total // rng.choice([4, 5, 10]))
            line.addon_on = self.days_ago(rng.randrange(7, 330))
            if line.addon_on <= start:
                line.addon, line.addon_on = 0, None
        return line

    def trial(self, product: str, *, start_days_ago: int | None = None, length: int | None = None, **kw) -> Line:
        rng = self.rng
        length = length or rng.choice([30, 60, 90])
        ago = start_days_ago if start_days_ago is not None else rng.randrange(0, length)
        start = self.days_ago(ago)
        return Line(self.trial_id(), product, kw.pop("total", None) or rng.choice([25, 50, 75, 100]), start,
                     start + timedelta(days=length), is_trial=True, auto_renew=False,
                     ratio=kw.pop("ratio", None) or rng.uniform(0.2, 0.9),
                     usage=kw.pop("usage", None) or rng.uniform(0.3, 0.9), **kw)

    # -- the hand-picked customers: every status and section, whatever the size ----------
    def featured(self) -> list[Cust]:
        p, t = self.paid, self.trial
        sid = self.sub_id
        both = sid()
        cs = [
            # renewing (auto-renew in 45 days) on Calling, Meetings active for longer
            Cust("São Paulo Logística", "US", [
                p("calling", sub_id=both, start_days_ago=320, term_months=12, auto_renew=True, total=240, ratio=0.92),
                p("meetings", sub_id=both, start_days_ago=320, term_months=24, auto_renew=False, total=300, ratio=0.81),
            ], trade="Logistics"),
            # a Meetings trial started 48 days ago, ending in 12: trial + expiring soon, recently added
            Cust("Café Montréal Ltée", "CA", [t("meetings", start_days_ago=48, length=60, total=50, ratio=0.64)],
                  sign_in_days=1, trade="Foods"),
            # Calling over the license limit
            Cust("Zürich Finanz AG", "EU", [
                p("calling", start_days_ago=700, term_months=36, auto_renew=True, total=180, ratio=1.14, usage=0.8),
            ], trade="Bank"),
            # low assignment and inactive admins
            Cust("Dubai Marina Hotels LLC", "UAE", [
                p("meetings", start_days_ago=400, term_months=24, auto_renew=False, total=400, ratio=0.06, usage=0.5),
            ], sign_in_days=75, trade="Hotels"),
            # a new order waiting for setup
            Cust("Lisboa Clínica Lda.", "EU", [
                p("meetings", start_days_ago=6, term_months=12, auto_renew=True, total=60,
                  provisioning=ProvisioningState.PENDING_SETUP, ratio=0.05, usage=0.2),
            ], trade="Clinic"),
            # not paid: suspended
            Cust("Granite Legal LLC", "US", [
                p("calling", start_days_ago=210, term_months=12, auto_renew=False, total=35,
                  payment=PaymentState.UNPAID, ratio=0.7),
            ], trade="Legal"),
            # everything ended 40 days ago: expired (and nobody signs in)
            Cust("Prairie Schools Ltd.", "CA", [
                Line(sid(), "meetings", 120, self.days_ago(40 + 365), self.days_ago(40), ratio=0.5),
            ], sign_in_days=61, trade="Schools"),
            # Messaging only: left out of the analytics
            Cust("Harbor Dental Group", "US", [p("messaging", start_days_ago=500, total=40)], trade="Dental"),
            # expiring in 20 days without auto-renew, Meetings and Calling
            Cust("Kraków Software S.A.", "EU", [
                Line(sid(), "meetings", 150, self.days_ago(345), self.as_of + timedelta(days=20), ratio=0.77),
                Line(sid(), "calling", 80, self.days_ago(345), self.as_of + timedelta(days=20), ratio=0.9),
            ], trade="Software"),
            # brand new (20 days) and barely assigned
            Cust("Sharjah Trading FZE", "UAE", [
                p("meetings", start_days_ago=20, term_months=12, auto_renew=True, total=200, ratio=0.1),
                p("calling", start_days_ago=20, term_months=12, auto_renew=True, total=120, ratio=0.15),
            ], trade="Trading"),
            # Meetings with Real-Time Translations, managed inside the partner organization;
            # renewing in about two months and a little over its Meetings licenses
            Cust("Redwood Realty Inc.", "US", [
                p("meetings", start_days_ago=300, term_months=12, auto_renew=True, total=90, ratio=1.08),
                p("real_time_translations", start_days_ago=150, total=90, ratio=0.3),
            ], managed_by=ManagedBy.PARTNER_ORG, trade="Realty"),
            # wholesale customer with a Calling trial on top of Meetings
            Cust("Niagara Insurance Corp.", "CA", [
                p("meetings", start_days_ago=800, total=500, ratio=0.7),
                t("calling", start_days_ago=10, length=30, total=25, ratio=0.4),
            ], external_id="WS-100042", trade="Insurance"),
        ]
        for c in cs:
            self.names.add(c.name)
        return cs

    def random_customer(self) -> Cust:
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
        lines: list[Line] = []
        if kind < 0.08 and products != ["messaging"]:  # trial only
            lines.append(self.trial(products[0], ratio=ratio))
        elif kind < 0.14:  # expired: the last term ended a while ago
            ended = rng.randrange(1, 300)
            start = self.days_ago(ended + 365)
            for prod in products:
                lines.append(Line(self.sub_id(), prod, self.licenses(prod), start, self.days_ago(ended),
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
        return Cust(name, region, lines, sign_in_days=sign_in,
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


def add_months(day: date, months: int) -> date:
    y, m = divmod(day.month - 1 + months, 12)
    year, month = day.year + y, m + 1
    last = [31, 29 if year % 4 == 0 and (year % 100 != 0 or year % 400 == 0) else 28, 31, 30, 31, 30, 31, 31, 30,
            31, 30, 31][month - 1]
    return date(year, month, min(day.day, last))


def at(day: date, hour: int = 9) -> datetime:
    return datetime.combine(day, time(hour), tzinfo=timezone.utc)
