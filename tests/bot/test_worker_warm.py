"""The worker's ``warm`` job: after a change, the overview of both products, unfiltered and
over each digest's scope, is computed before anyone asks (in the worker's own cache)."""
from __future__ import annotations

from datetime import date, datetime, timezone

import pytest
from sqlmodel import Session, select

from bot import worker
from partnerhub_core.analytics import cache, subscriptions
from partnerhub_core.models import CustomerAdmin, JobRun, PartnerAdmin, Region, Role, Schedule, Subscription
from tests.factories import make_customer, make_partner, make_snapshot, make_subscription

AS_OF = date(2026, 11, 23)
NOW = datetime(2026, 11, 23, 12, 0, tzinfo=timezone.utc)
CREATED = datetime(2026, 11, 1, tzinfo=timezone.utc)


@pytest.fixture
def cfg(settings):
    return settings.model_copy(update={"as_of": AS_OF})


@pytest.fixture
def world(engine):
    """Alpha (US) and Beta (EU); a digest over region EU, and one scoped to an admin who
    sees only Alpha. Two scopes besides the whole partner."""
    with Session(engine, expire_on_commit=False) as s:
        p = make_partner(s, "Partner")
        a = make_customer(s, p, "Alpha", region=Region.US)
        b = make_customer(s, p, "Beta", region=Region.EU)
        sa_ = make_subscription(s, a, subscription_id="SUB-A", end=date(2026, 12, 3))
        sb = make_subscription(s, b, subscription_id="SUB-B", end=date(2027, 6, 1))
        make_snapshot(s, sa_, date(2026, 11, 21), assigned=40)
        make_snapshot(s, sb, date(2026, 11, 21), assigned=130)
        scoped = PartnerAdmin(partner_id=p.id, display_name="Scoped", email="scoped@x.example",
                              slack_user_id="U_SCOPED", role=Role.READ_ONLY)
        s.add(scoped)
        s.flush()
        s.add(CustomerAdmin(partner_id=p.id, partner_admin_id=scoped.id, customer_id=a.id))
        for target, extra in (("C_EU", {"region": Region.EU.value}), ("C_MINE", {"scope_admin_id": scoped.id})):
            s.add(Schedule(partner_id=p.id, target_id=target, alerts=["expiring"], timezone="UTC",
                           created_at=CREATED, updated_at=CREATED, **extra))
        s.commit()
        return {"partner_id": p.id, "alpha": a.id, "beta": b.id}


SCOPES = [
    {"region": None, "tag": None, "customer_ids": None},
    {"region": "EU", "tag": None, "customer_ids": None},
    {"region": None, "tag": None, "customer_ids": "alpha"},
]


def _ask(engine, cfg, world, product, scope, view=subscriptions.overview):
    ids = [world["alpha"]] if scope["customer_ids"] == "alpha" else None
    with Session(engine) as s:
        return view(session=s, partner_id=world["partner_id"], as_of=AS_OF, settings=cfg, product=product,
                    region=scope["region"], tag=scope["tag"], customer_ids=ids)


def _rows(result):
    headline, sections = result
    return ([(k.key, k.value) for k in headline.kpis], {key: sec.rows() for key, sec in sections.items()})


def test_warm_fills_both_products_for_the_whole_partner_and_each_digest_scope(engine, cfg, world):
    cache.clear()
    worker._warmed.clear()
    outcomes = worker.run_job("warm", cfg, engine, now=NOW)
    assert [(o.period, o.status) for o in outcomes] == [(str(world["partner_id"]), "posted")]
    # 3 scopes x 2 products x (overview + trend), all computed once
    assert cache.stats() == {"entries": 12, "hits": 0, "misses": 12}
    for scope in SCOPES:
        for product in subscriptions.PRODUCTS:
            _ask(engine, cfg, world, product, scope)
            _ask(engine, cfg, world, product, scope, view=subscriptions.license_trend)
    assert cache.stats()["misses"] == 12 and cache.stats()["hits"] == 12  # nothing recomputed
    # the scopes are really different: EU holds Beta's 130 licences, the scoped admin Alpha's 40
    eu = _rows(_ask(engine, cfg, world, "meetings", SCOPES[1]))[1]["overage"]
    assert [r["customer"] for r in eu] == ["Beta"]
    mine = _rows(_ask(engine, cfg, world, "meetings", SCOPES[2]))[1]["expiring"]
    assert [r["customer"] for r in mine] == ["Alpha"]


def test_warm_does_nothing_until_a_write_changes_the_version_then_warms_the_new_figures(engine, cfg, world):
    cache.clear()
    worker._warmed.clear()
    worker.run_job("warm", cfg, engine, now=NOW)
    assert worker.run_job("warm", cfg, engine, now=NOW) == []  # nothing changed: no run at all
    with Session(engine) as s:
        assert len(s.exec(select(JobRun).where(JobRun.job == "warm")).all()) == 1
        sub = s.exec(select(Subscription).where(Subscription.subscription_id == "SUB-A")).one()
        sub.end_date = date(2027, 3, 1)  # no longer expiring within the window
        s.commit()
    misses = cache.stats()["misses"]
    assert len(worker.run_job("warm", cfg, engine, now=NOW)) == 1
    assert cache.stats()["misses"] == misses + 12  # the new version's figures, computed again
    hits = cache.stats()["hits"]
    mine = _rows(_ask(engine, cfg, world, "meetings", SCOPES[2]))[1]["expiring"]
    assert mine == [] and cache.stats()["hits"] == hits + 1  # the change, served warm


def test_a_warmed_answer_is_the_same_as_an_uncached_one(engine, cfg, world):
    cache.clear()
    worker._warmed.clear()
    worker.run_job("warm", cfg, engine, now=NOW)
    for scope in SCOPES:
        for product in subscriptions.PRODUCTS:
            warm = _rows(_ask(engine, cfg, world, product, scope))
            with cache.disabled():
                fresh = _rows(_ask(engine, cfg, world, product, scope))
            assert warm == fresh


def test_an_answer_that_leaves_the_filters_out_is_served_from_the_warm_up(engine, cfg, world):
    # The Home tab and `kpis` pass no region/tag; the warm-up passes them as None: one entry.
    cache.clear()
    worker._warmed.clear()
    worker.run_job("warm", cfg, engine, now=NOW)
    with Session(engine) as s:
        subscriptions.overview(session=s, partner_id=world["partner_id"], as_of=AS_OF, settings=cfg)
    assert cache.stats()["hits"] == 1 and cache.stats()["misses"] == 12


def test_refresh_warms_right_after_it_instead_of_a_minute_later(engine, cfg, world):
    cache.clear()
    worker._warmed.clear()
    worker.run_job("refresh", cfg.model_copy(update={"webex_token": None}), engine, now=NOW)
    with Session(engine) as s:
        assert [r.job for r in s.exec(select(JobRun).order_by(JobRun.id)).all()] == ["refresh", "warm"]
    assert cache.stats()["entries"] == 12
