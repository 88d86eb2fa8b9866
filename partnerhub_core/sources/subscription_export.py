"""A partner's subscriptions written in the import's own layout (``subscription_rows``), so
that ``partnerhub import subscriptions`` of the file gives back the same lines: the same
statuses and the same analytics rows (a test does the round trip on both databases).

One row per subscription line, or one per order line when it has several (the import
takes a repeated subscription as another order line). Cells that a spreadsheet would run
as a formula get a leading apostrophe, as in every CSV we write; the import removes it.
"""
from __future__ import annotations

from collections.abc import Iterable
from typing import BinaryIO

from sqlalchemy import select
from sqlmodel import Session

from partnerhub_core.models import Customer, OrderLine, Subscription
from partnerhub_core.reports.csvout import CsvWriter
from partnerhub_core.sources.subscription_rows import COLUMNS, export_row

BATCH = 2000  # subscriptions read per query (with their order lines)


def export_subscriptions(*, session: Session, partner_id: int, out: BinaryIO,
                         customer_ids: Iterable[int] | None = None) -> int:
    """Write the partner's subscription lines (or those of ``customer_ids``) to ``out``
    as CSV; returns the number of data rows written."""
    writer = CsvWriter(out)
    writer.header(COLUMNS)
    stmt = (
        select(Subscription, Customer.org_id, Customer.name, Customer.region, Customer.external_id)
        .join(Customer, Customer.id == Subscription.customer_id)
        .where(Subscription.partner_id == partner_id, Customer.partner_id == partner_id)
        .order_by(Customer.name, Customer.org_id, Subscription.subscription_id, Subscription.product)
    )
    if customer_ids is not None:
        stmt = stmt.where(Customer.id.in_(sorted(set(customer_ids)) or [-1]))
    result = session.execute(stmt.execution_options(yield_per=BATCH))
    for batch in result.partitions():
        orders: dict[int, list[OrderLine]] = {}
        pks = [sub.id for sub, *_ in batch]
        for line in session.execute(select(OrderLine).where(
                OrderLine.partner_id == partner_id, OrderLine.subscription_pk.in_(pks))
                .order_by(OrderLine.ordered_on, OrderLine.order_ref, OrderLine.id)).scalars():
            orders.setdefault(line.subscription_pk, []).append(line)
        rows = []
        for sub, org_id, name, region, external_id in batch:
            for order in orders.get(sub.id) or [None]:
                rows.append(export_row(org_id=org_id, customer_name=name, region=region,
                                       external_id=external_id, sub=sub, order=order))
        writer.many(rows)
    return writer.rows
