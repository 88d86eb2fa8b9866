"""Large, hostile values shared by the fixtures of the customer, tag, trial, admin and
analytics templates: every text at or past Slack's limits, mentions and odd Unicode."""
from datetime import date, datetime, timezone

from partnerhub_core.customers import (
    AdminView,
    CustomerCard,
    CustomerFilters,
    CustomerPage,
    CustomerRow,
    OrderView,
    SubscriptionView,
)
from partnerhub_core.models import Customer, Product, Subscription

LONG = "Ünïcödé «ação» <!channel> *bold* & " * 120  # ~4,300 characters
NAME = ("Companhia Geral de Telecomunicações Ltda <!here> " * 8)[:300]
AS_OF = date(2026, 11, 25)


def sub_view(i: int, *, trial: bool = False, state: str = "in_force") -> SubscriptionView:
    return SubscriptionView(
        subscription_id=f"SUB-{i:04d}-" + "9" * 150, product="real_time_translations", is_trial=trial, state=state,
        start_date=date(2024, 1, 1), end_date=date(2027, 1, 1), days_left=37, auto_renew=i % 2 == 0,
        total=1_000_000, assigned=1_200_000, used=999_999, used_90d=999_999, available=0, excess=0,
        short=200_000, license_balance="short", invoice_ref="INV-" + "7" * 95, provisioning_state="provisioned",
        payment_state="paid",
        orders=[OrderView(date(2025, 1, d), "ORD-" + "1" * 90, LONG[:300], 123456) for d in range(1, 29)],
    )


def card(n_subs: int = 40, n_trials: int = 12, n_admins: int = 60, tags: int = 5) -> CustomerCard:
    return CustomerCard(
        id=123456, org_id="org-" + "a" * 196, name=NAME, region="UAE", managed_by="partner_org",
        external_id="EXT-1", added_on=date(2020, 2, 29), last_admin_sign_in=datetime(2026, 1, 1, tzinfo=timezone.utc),
        statuses=["trial", "active", "expiring_soon", "license_overage", "no_recent_activity",
                  "ready_for_order_setup", "suspended"],
        products=[p.value for p in Product],
        subscriptions=[sub_view(i, state=("in_force", "upcoming", "ended")[i % 3]) for i in range(n_subs)],
        trials=[sub_view(i, trial=True) for i in range(n_trials)],
        past_trials=[],
        tags=["T" * 25] * tags,
        admins=[AdminView(i, NAME[:200], "a" * 300 + "@x.example", ("full_admin", "admin", "sales_admin", "read_only")[i % 4],
                          "id_full_admin", "U123") for i in range(n_admins)],
        control_hub_url="https://admin.webex.com/overview?orgId=" + "a" * 200,
        as_of=AS_OF,
    )


def customer() -> Customer:
    return Customer(id=99, partner_id=1, org_id="org-" + "z" * 196, name=NAME, name_key="x", region="EU",
                    added_on=date(2025, 1, 1))


def trial() -> Subscription:
    return Subscription(id=5, partner_id=1, customer_id=99, subscription_id="TRIAL-ABCDEF123456", is_trial=True,
                        product="contact_center", total_licenses=1000, start_date=AS_OF, end_date=date(2027, 2, 23))


def page(n: int = 40) -> CustomerPage:
    rows = [CustomerRow(id=i, org_id=f"org-{i}", name=NAME, region="CA", managed_by="external_admin",
                        products=[p.value for p in Product], statuses=["trial", "license_overage"],
                        tags=["T" * 25] * 5, next_end_date=date(2026, 12, 1)) for i in range(n)]
    return CustomerPage(items=rows, total=987654, page=3, pages=49383, page_size=20,
                        filters=CustomerFilters(tag=LONG[:200], search=LONG[:200]))
