"""Heavy libraries imported on first use, not when a module that names them is imported.

``pd = lazy_module("pandas")`` in a module whose functions use pandas lets a caller that
only needs its light parts (``customers lookup`` reads one customer with plain objects)
skip the 0.3–0.4 s of CPU that importing pandas costs. The first attribute read
(``pd.DataFrame``) imports the library through the normal import machinery (its locks make
that safe from several threads) and keeps the attribute, so later reads cost nothing extra.

``is_instance`` and ``is_missing`` answer for values without importing the library: a
value cannot be a pandas object, or pandas' NA / NaT, while pandas is not imported.
"""
from __future__ import annotations

import importlib
import math
import sys
from types import ModuleType
from typing import Any


class LazyModule(ModuleType):
    """A stand-in for the module ``name``, imported when an attribute is first read."""

    def __getattr__(self, attr: str) -> Any:
        if attr.startswith("__") and attr.endswith("__"):
            raise AttributeError(attr)  # introspection (copy, pickle, inspect) does not import
        value = getattr(importlib.import_module(self.__name__), attr)
        setattr(self, attr, value)
        return value


def lazy_module(name: str) -> ModuleType:
    """The module itself when it is already imported, else a ``LazyModule``."""
    return sys.modules.get(name) or LazyModule(name)


def is_instance(value: Any, module: str, name: str) -> bool:
    """``isinstance(value, module.name)`` without importing ``module``."""
    loaded = sys.modules.get(module)
    cls = getattr(loaded, name, None) if loaded is not None else None
    return isinstance(cls, type) and isinstance(value, cls)


def is_missing(value: Any) -> bool:
    """None, a float NaN, or (when pandas is imported) a scalar pandas counts as missing
    (``NaT``, ``<NA>``, numpy NaN). Containers are not missing values."""
    if value is None:
        return True
    if isinstance(value, float):
        return math.isnan(value)
    pandas = sys.modules.get("pandas")
    isna = getattr(pandas, "isna", None) if pandas is not None else None
    if isna is None:
        return False
    try:
        return bool(isna(value))
    except (TypeError, ValueError):
        return False
