"""Derived tables kept by the database writers themselves (``partnerhub_core/snapshot_totals.py``)."""
from datetime import date
from typing import Optional

from sqlalchemy import BigInteger
from sqlmodel import Field

from partnerhub_core.models.base import Table


class LicenseWeekTotal(Table, table=True):
    """The sums of one product's ``LicenseSnapshot`` rows of one week of one partner: what
    the unfiltered licence trend (F10) charts. Recomputed from the snapshots in the
    transaction of every write that changes them, so it is never ahead of or behind them.

    The key (partner, week, product) is the primary key, in that order: the trend reads a
    range of weeks of one partner, every product at once."""

    partner_id: int = Field(foreign_key="partner.id", primary_key=True)
    week_ending: date = Field(primary_key=True)
    product: str = Field(max_length=40, primary_key=True)
    # Sums over 100,000 customers' lines: BigInteger, as PostgreSQL's SUM of integers is.
    total: int = Field(default=0, sa_type=BigInteger)
    assigned: int = Field(default=0, sa_type=BigInteger)
    used_7d: Optional[int] = Field(default=None, sa_type=BigInteger)  # None: no line had a figure
    used_known: int = 0  # lines with a used_7d figure; the week's usage is known when == lines
    lines: int = 0
