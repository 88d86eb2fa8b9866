"""Headline KPIs (F9) over a loaded ``Frame``, and ``headline_kpis`` (cached)."""
from __future__ import annotations

from collections.abc import Iterable
from datetime import date

import pandas as pd
from sqlmodel import Session

from partnerhub_core.analytics.cache import cached
from partnerhub_core.analytics.common import Kpi, Section
from partnerhub_core.analytics.hints import Pct, ProductPcts
from partnerhub_core.analytics.subscription_frame import (
    PRODUCTS,
    Frame,
    _expiring_mask,
    _low_mask,
    _renewing_mask,
    _window,
    check_product,
    load_frame,
)
from partnerhub_core.analytics.subscription_sections import _num
from partnerhub_core.i18n import N_
from partnerhub_core.settings import Settings


# Each headline count says what it counts, in the same words wherever it is shown (Slack,
# App Home, CLI, CSV): only Meetings and Calling lines count here, so these are not the
# digest's "All customers (any product)" nor its over-the-limit status count (alerts.py).
TOTAL_LABELS = {
    None: N_("Customers with Meetings or Calling"),
    "meetings": N_("Customers with Webex Meetings"),
    "calling": N_("Customers with Webex Calling"),
}
OVER_LABELS = {
    None: N_("Customers over the license limit in Meetings or Calling"),
    "meetings": N_("Customers over the license limit in Webex Meetings"),
    "calling": N_("Customers over the license limit in Webex Calling"),
}


def _headline(frame: Frame, settings: Settings) -> Section:
    w = _window(settings)
    lines = frame.lines
    cur = frame.in_force
    total = int(lines.loc[lines["started"], "customer_id"].nunique())
    expiring = int(cur.loc[_expiring_mask(cur, settings), "customer_id"].nunique())
    renewing = int(cur.loc[_renewing_mask(cur, settings), "customer_id"].nunique())
    low = int(cur.loc[_low_mask(cur, frame), "customer_id"].nunique())
    over = int(cur.loc[cur["assigned"] > cur["total_licenses"], "customer_id"].nunique())
    thresholds = ProductPcts(tuple(sorted(frame.thresholds.items())))
    product = frame.products[0] if len(frame.products) == 1 else None
    kpis = [
        Kpi("total_customers", TOTAL_LABELS[product], total),
        Kpi("expiring", N_("Approaching expiration"), expiring,
            hint=N_("Customers with a subscription or trial ending in the next {days} days."),
            hint_params={"days": w}),
        Kpi("renewing", N_("Upcoming renewal"), renewing,
            hint=N_("Customers with a subscription set to auto-renew in the next {days} days."),
            hint_params={"days": w}),
        Kpi("low_assignment", N_("Low license assignment"), low,
            hint=N_("Assignment ratio at or below the {percentile}th percentile of this partner's customers "
                    "({threshold}) and below {max_ratio}."),
            hint_params={"percentile": _num(settings.low_assignment_percentile), "threshold": thresholds,
                         "max_ratio": Pct(settings.low_assignment_max_ratio, 0)}),
        Kpi("overage", OVER_LABELS[product], over,
            hint=N_("Customers that assigned more licenses than they bought, today.")),
    ]
    empty = pd.DataFrame({"key": pd.Series(dtype="str")})
    return Section("kpis", N_("Headline KPIs"), kpis, empty, [], product=product, as_of=frame.as_of)


@cached("kpis")
def headline_kpis(
    *,
    session: Session,
    partner_id: int,
    as_of: date,
    settings: Settings,
    product: str | None = None,
    region: str | None = None,
    tag: str | None = None,
    customer_ids: Iterable[int] | None = None,
) -> Section:
    """F9. Over Meetings and Calling together unless ``product`` is given."""
    product = check_product(product, allow_none=True)
    frame = load_frame(session=session, partner_id=partner_id, as_of=as_of, settings=settings,
                       products=(product,) if product else PRODUCTS, region=region, tag=tag,
                       customer_ids=customer_ids)
    return _headline(frame, settings)

