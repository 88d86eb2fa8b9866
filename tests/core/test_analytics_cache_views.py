"""Every cached analytics view answers exactly what it computes afresh, shown in en, pt_BR
and es (the CLI's text, the CSV behind the table, the JSON of --json): from this process's
memory and from the database level shared by processes."""
from __future__ import annotations

import json
from datetime import date

import pytest
from sqlmodel import Session

from bot.cli.tables import render_section
from partnerhub_core.analytics import cache
from partnerhub_core.analytics.calling import CALLING_SECTIONS
from partnerhub_core.analytics.subscriptions import SECTIONS, headline_kpis, license_trend, overview
from partnerhub_core.reports import section_csv
from partnerhub_core.sources.demo import build_demo_partner
from partnerhub_core.sources.demo_calling import load_demo_calling
from partnerhub_core.statuses import customer_statuses

AS_OF = date(2026, 6, 3)
LOCALES = ("en", "pt_BR", "es")


def _views(visible: list[int]):
    """(name, function, arguments) of every analytics view, unfiltered, and of a few scopes."""
    views = [(f"kpis {product}", headline_kpis, {"product": product}) for product in (None, "meetings", "calling")]
    for product in ("meetings", "calling"):
        views += [(f"{key} {product}", fn, {"product": product}) for key, fn in SECTIONS.items()]
        views.append((f"overview {product}", overview, {"product": product}))
        views.append((f"trend {product}", license_trend, {"product": product}))
    views += [(f"calling {key}", fn, {}) for key, fn in CALLING_SECTIONS.items()]
    views.append(("statuses", customer_statuses, {}))
    views += [  # filters and a person's visible customers (an iterator, read once)
        ("overview meetings US", overview, {"product": "meetings", "region": "US"}),
        ("kpis visible", headline_kpis, {"customer_ids": iter(visible)}),
        ("calling queues visible", CALLING_SECTIONS["queues"], {"customer_ids": visible}),
        ("statuses visible", customer_statuses, {"customer_ids": visible}),
    ]
    return views


def _shown(value) -> list[str]:
    """What people read of a view, in every language."""
    if isinstance(value, dict):  # statuses
        return [json.dumps({str(k): [str(s) for s in v] for k, v in sorted(value.items())})]
    sections = [value[0], *value[1].values()] if isinstance(value, tuple) else [value]
    out = []
    for section in sections:
        out.append(json.dumps(section.to_dict(), default=str, sort_keys=True))
        for locale in LOCALES:
            out.append(render_section(section, locale))
            if section.columns:
                out.append(section_csv(section, locale).decode())
    return out


@pytest.fixture
def demo(engine):
    with Session(engine, expire_on_commit=False) as s:
        partner = build_demo_partner(s, customers=40, as_of=AS_OF, seed=3)
        load_demo_calling(s, partner_id=partner.id, as_of=AS_OF, seed=3)
        s.commit()
        from partnerhub_core.analytics.common import load_customers
        ids = [int(c) for c in load_customers(s, partner_id=partner.id)["customer_id"]][:15]
        return partner.id, ids


def test_cached_and_uncached_answers_are_identical_for_every_view(engine, settings, demo):
    pid, visible = demo
    cache.clear()
    with Session(engine) as s:
        def answers(views) -> dict:
            return {name: fn(session=s, partner_id=pid, as_of=AS_OF, settings=settings, **kw) for name, fn, kw in views}

        with cache.disabled():
            fresh = {name: _shown(value) for name, value in answers(_views(visible)).items()}
        answers(_views(visible))  # computes and fills the cache
        again = answers(_views(visible))
    assert cache.stats()["hits"] == len(again)  # the second round came from the cache
    for name, value in again.items():
        assert _shown(value) == fresh[name], name
    # A process that computed nothing itself reads them from the database level (unpickled).
    cache.clear()
    with Session(engine) as s:
        shared = answers(_views(visible))
    assert cache.shared_stats() == {"shared_hits": len(shared), "computed": 0, "stored": 0}
    for name, value in shared.items():
        assert _shown(value) == fresh[name], name
    # The views are not trivially empty: the demo has expiring lines and calling figures.
    assert json.loads(fresh["expiring meetings"][0])["rows"]
    assert json.loads(fresh["calling usage"][0])["rows"]
