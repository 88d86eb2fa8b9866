"""One rounding rule for every figure a person reads: half-up ("7.25" -> "7.3", "128.25"
-> "128.3"), with the decimals of each kind of figure here and in docs/ROUNDING.md.

Computations keep exact values (a ratio is 0.0725, an average 7.25); only what is shown is
rounded — the Slack message, the CLI table, a CSV cell, the digest — and it is rounded
here, so no two views can disagree. ``--json`` gives the exact value and, beside it, the
displayed one (``displayed``).

A float is rounded as its shortest decimal spelling (``repr``): 0.0725 is the tie 7.25%, not
the binary 7.249999…%. Python's ``round``, numpy/pandas ``round`` and Babel all round half
to even, so none of them is used on a shown figure.
"""
from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

# Decimals shown, per kind of figure (the kinds of analytics.common: "percent", "float",
# "int"); percentages in percentage points (12.3%). Keep docs/ROUNDING.md in step.
DECIMALS = {"percent": 1, "float": 1, "int": 0}
REPORT_MINUTES_DECIMALS = 2  # the reports' "Call Minutes" columns (minutes with 2 decimals)


def to_decimal(value: Any) -> Decimal | None:
    """The value as a Decimal of its shortest spelling; None for None, NaN or infinity."""
    if value is None:
        return None
    if isinstance(value, Decimal):
        return value if value.is_finite() else None
    if hasattr(value, "item"):  # numpy / pandas scalars
        value = value.item()
    try:
        number = Decimal(repr(value)) if isinstance(value, float) else Decimal(value)
    except (InvalidOperation, TypeError, ValueError):
        return None
    return number if number.is_finite() else None


def round_half_up(value: Any, decimals: int) -> Decimal | None:
    """``value`` rounded half-up to ``decimals`` places (None stays None, so does NaN)."""
    number = to_decimal(value)
    if number is None:
        return None
    return number.quantize(Decimal(1).scaleb(-decimals), rounding=ROUND_HALF_UP)


def shown_ratio(ratio: Any, decimals: int = DECIMALS["percent"]) -> Decimal | None:
    """A ratio as the percentage a person reads, in points: 0.0725 -> Decimal("7.3")."""
    number = to_decimal(ratio)
    return None if number is None else round_half_up(number * 100, decimals)


def displayed(value: Any, kind: str) -> float | int | None:
    """The number a person reads for a figure of ``kind``, as JSON wants it: percentages in
    points (0.0725 -> 7.3), other decimals half-up (7.25 -> 7.3), counts as ints."""
    if kind == "percent":
        number = shown_ratio(value)
    elif kind in DECIMALS:
        number = round_half_up(value, DECIMALS[kind])
    else:
        return None
    if number is None:
        return None
    return int(number) if kind == "int" else float(number)


def displayed_figures(kpis, columns, rows: list[dict]) -> dict[str, Any]:
    """For ``--json``: beside the exact values, the numbers people read of every percentage
    and decimal figure (counts and text are shown as they are): ``{"kpis": {key: shown},
    "rows": [{column: shown}, …]}`` (``rows`` empty when the table has no such column)."""
    kinds = ("percent", "float")
    shown_columns = [c for c in columns if c.kind in kinds]
    return {
        "kpis": {k.key: displayed(k.value, k.kind) for k in kpis if k.kind in kinds},
        "rows": [{c.key: displayed(r.get(c.key), c.kind) for c in shown_columns} for r in rows]
        if shown_columns else [],
    }
