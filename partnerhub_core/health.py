"""Liveness and readiness of a process (``GET /healthz``, ``GET /readyz``).

Ready means: the database answers and its schema is at the newest migration. The reason
given when not ready names the problem without connection details (the endpoint is
public); the details go to the log.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass
from functools import lru_cache

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from partnerhub_core import migrate
from partnerhub_core.logging import event

log = logging.getLogger("partnerhub.health")


@dataclass(frozen=True)
class Readiness:
    ok: bool
    reason: str  # "ready", or what is wrong
    revision: str | None = None
    head: str | None = None

    def as_dict(self) -> dict:
        return {"ok": self.ok, "reason": self.reason, "revision": self.revision, "head": self.head}


@lru_cache(maxsize=1)
def _head() -> str | None:
    # The migration scripts ship with the code: their head cannot change while we run.
    return migrate.head_revision("sqlite://")


def readiness(engine: Engine) -> Readiness:
    """Can this process serve? Checks the database and the migration level."""
    head = _head()
    try:
        with engine.connect() as conn:
            conn.execute(sa.text("SELECT 1"))
            from alembic.runtime.migration import MigrationContext

            current = MigrationContext.configure(conn).get_current_revision()
    except Exception as exc:  # noqa: BLE001 - any failure to talk to the database is "not ready"
        event(log, "readiness_failed", level=logging.WARNING, error=type(exc).__name__,
              detail=str(exc).splitlines()[0][:300] if str(exc) else "")
        return Readiness(False, "database unreachable", None, head)
    if current is None:
        return Readiness(False, "database has no schema: run `partnerhub db upgrade`", None, head)
    if current != head:
        return Readiness(False, f"migration pending: database at {current}, code at {head}: run `partnerhub db upgrade`",
                         current, head)
    return Readiness(True, "ready", current, head)
