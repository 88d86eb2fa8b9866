"""Customer lookup, card and filtered list (F1, F2, F4, F6) on hand-made customers."""
from datetime import date, datetime, timezone

import pytest

from partnerhub_core.auth import Actor
from partnerhub_core.customers import CustomerFilters, customer_card, list_customers, lookup_customer
from partnerhub_core.errors import Ambiguous, BadInput, NotFound
from partnerhub_core.models import Role
from tests.factories import (
    assign_admin,
    make_admin,
    make_customer,
    make_order,
    make_partner,
    make_snapshot,
    make_subscription,
    make_tag,
)

AS_OF = date(2026, 3, 14)
RECENT = datetime(2026, 3, 12, tzinfo=timezone.utc)


@pytest.fixture
def world(session):
    p = make_partner(session)
    sp = make_customer(session, p, "São Paulo Logística", region="US", org_id="ORG-SP", last_admin_sign_in=RECENT)
    paid = make_subscription(session, sp, subscription_id="Sub100", product="calling", total=50,
                             start=date(2025, 5, 1), end=date(2026, 5, 1), auto_renew=True, invoice_ref="INV-7")
    make_snapshot(session, paid, date(2026, 3, 14), assigned=40, used_7d=30, used_90d=35)
    make_order(session, paid, ordered_on=date(2025, 4, 20), quantity=40, order_ref="ORD-1", description="Initial")
    make_order(session, paid, ordered_on=date(2025, 10, 2), quantity=10, order_ref="ORD-2", description="Add-on")
    make_subscription(session, sp, subscription_id="Trial9", product="meetings", total=25, is_trial=True,
                      start=date(2026, 3, 1), end=date(2026, 4, 1))
    acme = make_customer(session, p, "Acme", region="EU", org_id="ORG-ACME", last_admin_sign_in=None,
                         managed_by="partner_org")
    over = make_subscription(session, acme, subscription_id="Sub200", product="meetings", total=10)
    make_snapshot(session, over, date(2026, 3, 14), assigned=12, used_7d=9)
    labs = make_customer(session, p, "Acme Labs", region="EU", org_id="ORG-LABS", last_admin_sign_in=RECENT)
    make_subscription(session, labs, subscription_id="Sub300", product="messaging", total=5,
                      start=date(2024, 1, 1), end=date(2025, 1, 1))  # expired
    zed = make_customer(session, p, "Zürich Finanz", region="UAE", org_id="ORG-ZED", last_admin_sign_in=RECENT)
    make_subscription(session, zed, subscription_id="Sub400", product="calling", total=20, payment_state="unpaid")
    make_tag(session, p, "Key accounts", customers=[sp, acme])
    sales = make_admin(session, p, "Sam Sales", role=Role.SALES_ADMIN, customers=[sp], slack_user_id="U0SAM")
    make_admin(session, p, "Olga Other", role=Role.READ_ONLY, customers=[acme])
    other = make_partner(session, "Other partner")
    make_customer(session, other, "Acme Elsewhere", org_id="ORG-ELSE")
    return {"partner": p, "sp": sp, "acme": acme, "labs": labs, "zed": zed, "sales": sales}


def full(world):
    return Actor.system(world["partner"].id, label="test")


def look(session, settings, actor, query):
    return lookup_customer(session=session, actor=actor, query=query, as_of=AS_OF, settings=settings)


def test_lookup_ignores_case_and_accents(session, settings, world):
    card = look(session, settings, full(world), "sao PAULO")
    assert card.name == "São Paulo Logística" and card.org_id == "ORG-SP"


def test_lookup_by_org_id(session, settings, world):
    assert look(session, settings, full(world), "org-labs").name == "Acme Labs"


def test_exact_name_wins_over_partial_matches(session, settings, world):
    assert look(session, settings, full(world), "acme").name == "Acme"


def test_exact_name_wins_even_among_many(session, settings, world):
    make_customer(session, world["partner"], "Acme Cargo", org_id="ORG-CARGO")
    assert look(session, settings, full(world), " ACME ").org_id == "ORG-ACME"


def test_ambiguous_fragment_carries_candidate_rows_and_no_org_id_in_the_text(session, settings, world):
    with pytest.raises(Ambiguous) as err:
        look(session, settings, full(world), "ac")
    assert isinstance(err.value, BadInput) and err.value.total == 2
    assert [(c.name, c.region) for c in err.value.candidates] == [("Acme", "EU"), ("Acme Labs", "EU")]
    assert [c.id for c in err.value.candidates] == [world["acme"].id, world["labs"].id]
    assert err.value.render() == "2 customers match ac. Pick one, or type more of the name (or the org id)."


def test_nothing_found_suggests_close_names(session, settings, world):
    with pytest.raises(NotFound) as err:
        look(session, settings, full(world), "Sao Paolo")
    assert err.value.suggestions == ["São Paulo Logística"]
    assert [c.name for c in err.value.candidates] == ["São Paulo Logística"]
    assert err.value.render() == "No customer matches Sao Paolo."


def test_other_partners_and_unassigned_customers_are_not_found(session, settings, world):
    with pytest.raises(NotFound):
        look(session, settings, full(world), "ORG-ELSE")
    sales = Actor.for_admin(world["sales"])
    assert look(session, settings, sales, "paulo").org_id == "ORG-SP"
    with pytest.raises(NotFound) as err:
        look(session, settings, sales, "Acme")
    assert err.value.suggestions == []  # names outside the scope are never suggested


def test_empty_query_is_bad_input(session, settings, world):
    with pytest.raises(BadInput):
        look(session, settings, full(world), "   ")


def test_card_shows_subscriptions_trial_tags_admins_and_control_hub(session, settings, world):
    card = customer_card(session=session, actor=full(world), customer_id=world["sp"].id, as_of=AS_OF,
                         settings=settings)
    # Trial ends 2026-04-01, 18 days away: expiring soon. Paid line auto-renews.
    assert card.statuses == ["trial", "active", "expiring_soon"]
    assert card.products == ["calling", "meetings"]
    assert card.region == "US"
    assert card.tags == ["Key accounts"]
    assert card.control_hub_url == "https://admin.webex.com/overview?orgId=ORG-SP"
    [sub] = card.subscriptions
    assert (sub.subscription_id, sub.end_date, sub.days_left, sub.auto_renew) == ("Sub100", date(2026, 5, 1), 48, True)
    assert (sub.total, sub.assigned, sub.used, sub.used_90d, sub.available) == (50, 40, 30, 35, 10)
    assert (sub.excess, sub.short, sub.license_balance, sub.invoice_ref) == (10, 0, "excess", "INV-7")
    assert [(o.order_ref, o.quantity) for o in sub.orders] == [("ORD-1", 40), ("ORD-2", 10)]
    [trial] = card.trials
    assert (trial.subscription_id, trial.total, trial.days_left) == ("Trial9", 25, 18)
    assert [(a.name, a.role, a.slack_user_id) for a in card.admins] == [("Sam Sales", "sales_admin", "U0SAM")]


def test_card_reports_short_licenses(session, settings, world):
    card = customer_card(session=session, actor=full(world), customer_id=world["acme"].id, as_of=AS_OF,
                         settings=settings)
    assert card.statuses == ["active", "license_overage", "no_recent_activity"]
    [sub] = card.subscriptions
    assert (sub.excess, sub.short, sub.license_balance) == (0, 2, "short")
    assert card.trials == []


def names(page):
    return [r.name for r in page.items]


def listed(session, settings, world, tokens, actor=None, **kw):
    return list_customers(session=session, actor=actor or full(world), filters=CustomerFilters.parse(tokens),
                          as_of=AS_OF, settings=settings, **kw)


@pytest.mark.parametrize("tokens, expected", [
    ([], ["Acme", "Acme Labs", "São Paulo Logística", "Zürich Finanz"]),
    (["managed:partner"], ["Acme"]),
    (["managed_by:external"], ["Acme Labs", "São Paulo Logística", "Zürich Finanz"]),
    (["product:calling"], ["São Paulo Logística", "Zürich Finanz"]),
    (["product:messaging"], []),  # Acme Labs' messaging line ended
    (["status:expired"], ["Acme Labs"]),
    (["status:suspended"], ["Zürich Finanz"]),
    (["status:license-overage"], ["Acme"]),
    (["type:trial"], ["São Paulo Logística"]),
    (["subscription_type:subscription"], ["Acme", "São Paulo Logística", "Zürich Finanz"]),
    (['tag:"key ACCOUNTS"'], ["Acme", "São Paulo Logística"]),
    (["region:eu"], ["Acme", "Acme Labs"]),
    (["zurich"], ["Zürich Finanz"]),
    (["region:EU", "labs"], ["Acme Labs"]),
    (["tag:Key accounts", "status:active", "region:US"], ["São Paulo Logística"]),
])
def test_list_filters(session, settings, world, tokens, expected):
    assert names(listed(session, settings, world, tokens)) == expected


def test_list_rows_and_pages(session, settings, world):
    page = listed(session, settings, world, [], page=2, page_size=3)
    assert (page.total, page.page, page.pages) == (4, 2, 2)
    [row] = page.items
    assert (row.name, row.region, row.products, row.statuses, row.tags) == (
        "Zürich Finanz", "UAE", ["calling"], ["suspended"], [])
    first = listed(session, settings, world, [], page=1, page_size=3).items[2]
    assert (first.name, first.statuses, first.tags, first.next_end_date) == (
        "São Paulo Logística", ["trial", "active", "expiring_soon"], ["Key accounts"], date(2026, 4, 1))
    with pytest.raises(BadInput):
        listed(session, settings, world, [], page=3, page_size=3)
    with pytest.raises(BadInput):
        listed(session, settings, world, [], page=0)


def test_list_respects_the_actors_scope(session, settings, world):
    sales = Actor.for_admin(world["sales"])
    assert names(listed(session, settings, world, [], actor=sales)) == ["São Paulo Logística"]
    assign_admin(session, world["sales"], world["zed"])
    assert names(listed(session, settings, world, [], actor=sales)) == ["São Paulo Logística", "Zürich Finanz"]


def test_filters_parse_quoted_values_split_on_spaces():
    f = CustomerFilters.parse(['tag:"Key', 'accounts"', "region:EU", "acme"])
    assert (f.tag, f.region, f.search) == ("Key accounts", "EU", "acme")
    assert CustomerFilters.parse(["tag:“At", "risk”"]).tag == "At risk"


def test_filters_parse_aliases_and_words():
    f = CustomerFilters.parse(["region:uae", "status:Expiring-Soon", "type:paid", "product:RTT", "acme", "labs"])
    assert (f.region, f.status, f.subscription_type, f.product, f.search) == (
        "UAE", "expiring_soon", "subscription", "real_time_translations", "acme labs")
    assert CustomerFilters.parse([]).is_empty()


@pytest.mark.parametrize("tokens, needle", [
    (["colour:red"], "Unknown filter colour"),
    (["status:sleepy"], "Unknown value sleepy for status"),
    (["region:Mars"], "Unknown value Mars for region"),
    (["managed:someone"], "Unknown value someone for managed_by"),
    (["type:forever"], "Unknown value forever for subscription_type"),
    (["product:fax"], "Unknown value fax for product"),
    (["region:"], "needs a value"),
    (["region:EU", "region:US"], "given twice"),
])
def test_filters_reject_bad_words(tokens, needle):
    with pytest.raises(BadInput) as err:
        CustomerFilters.parse(tokens)
    assert needle in err.value.render()


def test_unknown_tag_in_list_is_not_found(session, settings, world):
    with pytest.raises(NotFound) as err:
        listed(session, settings, world, ["tag:Key acounts"])
    assert err.value.suggestions == ["Key accounts"]
