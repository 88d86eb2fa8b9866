"""Warm the analytics cache after a partner's figures change (a sync, an import, any write).

``warm_partner`` computes what the first person (or digest) after a change asks for: the
overview (headline KPIs and five sections) and licence trend of both products with no filter,
and the same over every enabled digest schedule's scope (region, tag, scoping admin's
customers). Each result goes through the ``@cached`` functions, so it lands in ``analytics/cache.py`` under the partner's current data
version, as any answer would.

What this shares: every result also lands in the database level of the cache
(``analytics/shared_cache.py``), so the worker's ``warm`` job (``bot/worker.py``) computes
the overview once after a sync and the web and answer processes read it from there instead
of computing it: the first person after a change is answered from the warm-up too. Before
computing, the partner's rows of older data versions are deleted (nothing can read them).

``stale_partners`` tells which partners changed since a process last warmed them: the
``last`` map (partner id -> data version warmed) belongs to the caller and lives in memory.
"""
from __future__ import annotations

from collections.abc import Mapping
from datetime import date

import sqlalchemy as sa
from sqlalchemy.orm import Session

from partnerhub_core.analytics import shared_cache, subscriptions
from partnerhub_core.models import Partner, Schedule, ScheduleKind
from partnerhub_core.schedules import schedule_scope
from partnerhub_core.settings import Settings


def stale_partners(session: Session, last: Mapping[int, int]) -> dict[int, int]:
    """Partner id -> current data version, for the partners whose version is not ``last``'s."""
    rows = session.execute(sa.select(Partner.id, Partner.data_version)).all()
    return {int(pid): int(version or 0) for pid, version in rows if last.get(int(pid)) != int(version or 0)}


def scopes(session: Session, partner_id: int) -> list[tuple[str | None, str | None, frozenset[int] | None]]:
    """(region, tag, customer ids) of the partner's enabled digests, without repeats; the
    whole partner (None, None, None) first."""
    found: list[tuple[str | None, str | None, frozenset[int] | None]] = [(None, None, None)]
    schedules = session.execute(sa.select(Schedule).where(
        Schedule.partner_id == partner_id, Schedule.kind == ScheduleKind.DIGEST.value,
        Schedule.enabled.is_(True)).order_by(Schedule.id)).scalars().all()
    for schedule in schedules:
        ids = schedule_scope(session, schedule)
        scope = (schedule.region, schedule.tag, None if ids is None else frozenset(ids))
        if scope not in found:
            found.append(scope)
    return found


def warm_partner(*, session: Session, partner_id: int, as_of: date, settings: Settings) -> int:
    """Compute the partner's overview for every product and scope (see the module doc);
    returns how many results were computed or found cached."""
    shared_cache.prune(session, partner_id)
    done = 0
    for region, tag, ids in scopes(session, partner_id):
        customer_ids = None if ids is None else sorted(ids)
        for product in subscriptions.PRODUCTS:
            subscriptions.overview(session=session, partner_id=partner_id, as_of=as_of, settings=settings,
                                   product=product, region=region, tag=tag, customer_ids=customer_ids)
        # the digest's licence-trend charts over its scope (bot/digest_posts.py), and `trend`:
        # each product's license_trend, both from one aggregate
        subscriptions.license_trends(session=session, partner_id=partner_id, as_of=as_of, settings=settings,
                                     products=subscriptions.PRODUCTS, region=region, tag=tag,
                                     customer_ids=customer_ids)
        done += 2 * len(subscriptions.PRODUCTS)
    return done
