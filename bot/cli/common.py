"""What every CLI command shares: settings, the engine, JSON output."""
from __future__ import annotations

import json
from dataclasses import asdict, is_dataclass
from datetime import date, datetime
from decimal import Decimal
from functools import lru_cache
from typing import Any

import typer

from partnerhub_core.db import make_engine
from partnerhub_core.settings import Settings


def settings() -> Settings:
    return Settings()


@lru_cache(maxsize=4)
def engine_for(url: str):
    return make_engine(url)


def _default(value: Any):
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    if isinstance(value, Decimal):
        return float(value)
    if is_dataclass(value):
        return asdict(value)
    if hasattr(value, "to_dict"):
        return value.to_dict(orient="records") if hasattr(value, "columns") else value.to_dict()
    if hasattr(value, "item"):  # numpy scalars
        return value.item()
    return str(value)


def echo_json(data: Any) -> None:
    typer.echo(json.dumps(data, default=_default, ensure_ascii=False, indent=2))
