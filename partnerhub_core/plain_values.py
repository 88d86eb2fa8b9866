"""A table column as plain Python values, for the writers that read whole columns (the
digest's alert rows, ``reports.section_csv``).

``plain_values(series)`` is ``analytics.common.plain_column(series)`` — the values
``Section.rows`` gives: NaN/NaT/<NA> as None, Timestamps as dates, numpy scalars as
Python ones — with one more fast path: pandas' nullable columns (Int64, Float64,
boolean; the low-assignment table's counts) are listed through their object array with
None for <NA>, where ``plain_column`` checks every value with ``pd.isna`` (about a
third of the low-assignment alert's rows at 100,000 customers).
"""
from __future__ import annotations

import pandas as pd
from pandas.core.arrays.masked import BaseMaskedArray

from partnerhub_core.analytics.common import plain_column


def plain_values(series: pd.Series) -> list:
    array = series.array
    if isinstance(array, BaseMaskedArray):
        values = array.to_numpy(dtype=object, na_value=None).tolist()
        if array.dtype.kind == "f":  # a NaN that is not <NA> is still no figure
            return [None if v != v else v for v in values]
        return values
    return plain_column(series)

