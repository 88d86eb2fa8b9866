"""Subscription analytics (SPEC F9–F15), with pandas, for Webex Meetings or Webex Calling.

Only Meetings and Calling lines are read, so Messaging-only customers are left out, as the
guide says. Every function is keyword-only
``(*, session, partner_id, as_of, settings, product, region=None, tag=None, customer_ids=None)``
and returns a ``Section``; the frame behind them comes from three queries (customers,
subscription lines, newest snapshots; the week before those for the few lines whose last
week lies there), never one query per customer.

Definitions (also in docs/rules.md, "Subscription analytics"), with W = ``settings.analytics_window_days`` (90):

* A line (a subscription or a trial of one product) is *in force* on ``as_of`` when it
  started on or before ``as_of``, its end date is ``as_of`` or later (or unset) and it
  was not cancelled (see ``statuses.py``). Sections only show lines in force.
* Licenses of a line: *total* = ``total_licenses`` (purchased); *assigned*, *used*
  (licensed users active in the last 7 days) and *used in the last 3 months* come from
  its newest weekly snapshot on or before ``as_of`` (at most 14 days old; none → 0);
  *available* = max(total − assigned, 0).
* *Weekly change* = this snapshot's value − the value in the snapshot 7 days earlier;
  a line that started after that earlier week counts from 0; otherwise a missing earlier
  snapshot leaves the change empty.
* *Recently added*: lines started 0..W days before ``as_of``. *Days since added* =
  ``as_of − start_date``.
* *Expiring* (the guide's reading): every subscription or trial line whose end date is
  0..W days after ``as_of``, auto-renew or not. *Renewing*: its auto-renew part ("which
  subscription about to expire is set to renew automatically"), trials included. A customer
  can be in both. With ``expiring_excludes_auto_renew`` (the earlier reading) they are
  disjoint: auto-renew paid lines only renew, trials never do (``statuses.counts_as_*``).
  *Days until* = ``end_date − as_of``.
* Assignment % = Σ assigned ÷ Σ total; usage % = Σ used (7 days) ÷ Σ total, over the
  section's lines. Usage when assigned (low assignment) = Σ used ÷ Σ assigned.
* **Low assignment.** Per product, a customer's assignment ratio is Σ assigned ÷ Σ total
  over its lines in force that have a weekly snapshot (a line added days ago, before its
  first snapshot, or waiting for order setup is not measured yet, so not "low").
  A customer has low assignment when its ratio is
  at or below the ``low_assignment_percentile``-th percentile (25 by default; linear
  interpolation between the closest ranks, as ``numpy.percentile``) of the ratios of
  the partner's customers of that product, **and** below ``low_assignment_max_ratio``
  (0.5): the first part makes it "far fewer than the other customers", the second keeps
  a partner whose customers all assign well from having a "low" quarter anyway. The
  percentile is taken over the whole partner (before region, tag or customer filters),
  so a filter narrows the list without changing who is low.
* *Overage*: lines in force with assigned > total; overage = assigned − total. Average
  overage = Σ overage ÷ customers with overage.
* *Months since added* / *months remaining*: completed calendar months between the
  start date and ``as_of`` / ``as_of`` and the end date (Jan 31 → Feb 28 is 0 months).
* Headline KPIs (F9) count customers over Meetings and Calling together unless a product
  is given: *total customers* = customers with any Meetings or Calling line started on or
  before ``as_of`` (ended ones included: the partner still manages them); the others count
  customers with at least one line in the matching section (low assignment: low in
  Meetings or in Calling).

The code is split by responsibility; every public name stays importable from here:
``subscription_frame`` (loading the lines, derived columns, the rules' masks),
``subscription_sections`` (F11–F15 builders), ``subscription_kpis`` (F9) and
``subscription_trend`` (F10). This module holds the public, cached section functions and
``overview``.
"""
from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import date

from sqlmodel import Session

from partnerhub_core.analytics.cache import cached
from partnerhub_core.analytics.common import Section
from partnerhub_core.analytics.subscription_frame import (
    PRODUCTS,
    Frame,
    _derive,
    _expiring_mask,
    _low_assignment,
    _low_mask,
    _renewing_mask,
    _selected,
    _share,
    _window,
    check_product,
    check_region,
    known_ratio,
    load_frame,
)
from partnerhub_core.analytics.subscription_kpis import _headline, headline_kpis
from partnerhub_core.analytics.subscription_sections import (
    _ending,
    _expiring,
    _low,
    _num,
    _overage,
    _recent,
    _renewing,
    _table,
    _usage_columns,
    _usage_kpis,
)
from partnerhub_core.analytics.subscription_trend import TREND_WEEKS, license_trend, license_trends
from partnerhub_core.analytics.usage import note_usage
from partnerhub_core.settings import Settings

__all__ = [
    "PRODUCTS", "SECTIONS", "TREND_WEEKS", "Frame", "check_product", "check_region", "expiring", "headline_kpis",
    "known_ratio", "license_trend", "license_trends", "load_frame", "low_assignment", "overage", "overview", "recently_added",
    "renewing",
    # Builders and helpers other core modules reuse (alerts.py reads ``_low`` over its own frame).
    "_derive", "_ending", "_expiring", "_expiring_mask", "_headline", "_low", "_low_assignment", "_low_mask",
    "_num", "_overage", "_recent", "_renewing", "_renewing_mask", "_selected", "_share", "_table",
    "_usage_columns", "_usage_kpis", "_window",
]


def _section_fn(builder: Callable[[Frame, str, Settings], Section], doc: str):
    def section(
        *,
        session: Session,
        partner_id: int,
        as_of: date,
        settings: Settings,
        product: str = "meetings",
        region: str | None = None,
        tag: str | None = None,
        customer_ids: Iterable[int] | None = None,
    ) -> Section:
        product = check_product(product)
        frame = load_frame(session=session, partner_id=partner_id, as_of=as_of, settings=settings,
                           products=(product,), region=region, tag=tag, customer_ids=customer_ids)
        return note_usage(builder(frame, product, settings), frame.usage)

    section.__doc__ = doc
    return cached(f"section{builder.__name__}")(section)


recently_added = _section_fn(_recent, "F11: lines added in the last W days (see the module doc).")
expiring = _section_fn(_expiring, "F12: lines that end in the next W days (see the module doc).")
renewing = _section_fn(_renewing, "F13: the auto-renew part of them (see the module doc).")
low_assignment = _section_fn(_low, "F14: lines of customers with low assignment (rule in the module doc).")
overage = _section_fn(_overage, "F15: lines with more licenses assigned than purchased.")
for _fn, _name in ((recently_added, "recently_added"), (expiring, "expiring"), (renewing, "renewing"),
                   (low_assignment, "low_assignment"), (overage, "overage")):
    _fn.__name__ = _fn.__qualname__ = _name

SECTIONS: dict[str, Callable[..., Section]] = {
    "recent": recently_added,
    "expiring": expiring,
    "renewing": renewing,
    "low": low_assignment,
    "overage": overage,
}
_BUILDERS = {"recent": _recent, "expiring": _expiring, "renewing": _renewing, "low": _low, "overage": _overage}


@cached("overview")
def overview(
    *,
    session: Session,
    partner_id: int,
    as_of: date,
    settings: Settings,
    product: str = "meetings",
    region: str | None = None,
    tag: str | None = None,
    customer_ids: Iterable[int] | None = None,
) -> tuple[Section, dict[str, Section]]:
    """Headline KPIs (Meetings and Calling) and the five sections of ``product``, from one
    load of the data: what the analytics page, a digest or the demo shows at once."""
    product = check_product(product)
    frame = load_frame(session=session, partner_id=partner_id, as_of=as_of, settings=settings,
                       products=PRODUCTS, region=region, tag=tag, customer_ids=customer_ids)
    sections = {key: note_usage(build(frame, product, settings), frame.usage) for key, build in _BUILDERS.items()}
    return _headline(frame, settings), sections

