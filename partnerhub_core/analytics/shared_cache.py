"""The analytics cache's second level, shared by every process through the database.

``analytics/cache.py`` asks here when its in-process LRU misses, and stores here what it
computed. A row (table ``analyticscache``) is keyed by the partner and a hash of (kind,
partner, data version, every other argument, this code): the web, the answer processes,
the worker and the CLI all find what any of them computed, and the worker's warm-up
(``analytics/warm.py``) fills it for everyone after a sync.

Never stale: the data version is part of the key and is read from the database at the
start of each call (``cache.py``), so a write, which changes the version in its own
transaction, makes every older row unreachable at once. Rows of other versions are then
only garbage: deleted when the partner's next result is stored (``store``) and by the
warm-up (``prune``). Each partner keeps at most ``MAX_ROWS_PER_PARTNER`` rows (oldest go
first) and no payload above ``MAX_PAYLOAD_BYTES`` is stored, so the table stays bounded.

Rows are read and written on a connection of their own, not the caller's session: the
caller's transaction is never changed (a store is not a write to figures) and a failure
here (a locked SQLite file, a database not migrated yet) only costs a computation.

The payload is a pickle of the result (Sections hold DataFrames). Unpickling runs code
named in the data, so this is acceptable only because the database is ours and trusted:
whoever can write this table can already change every figure. Do not point this at a
store that others can write. The code's own hash is part of the key, so a deploy never
unpickles what an older version of the classes wrote.
"""
from __future__ import annotations

import hashlib
import logging
import pickle
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

log = logging.getLogger(__name__)

MAX_ROWS_PER_PARTNER = 400
MAX_PAYLOAD_BYTES = 64 * 2**20
STORE_WAIT_MS = 250  # SQLite: how long a store waits for another writer (see _short_wait)

_TABLE = sa.table("analyticscache", sa.column("partner_id", sa.Integer), sa.column("key", sa.String),
                  sa.column("kind", sa.String), sa.column("data_version", sa.BigInteger),
                  sa.column("created_at", sa.DateTime(timezone=True)), sa.column("size", sa.Integer),
                  sa.column("payload", sa.LargeBinary))
_PARTNER = sa.table("partner", sa.column("id", sa.Integer), sa.column("data_version", sa.BigInteger))
_state: dict[str, Any] = {"code": None, "warned": False}


def code_hash() -> str:
    """A hash of partnerhub_core's sources: results of other code are never read."""
    if _state["code"] is None:
        root = Path(__file__).resolve().parents[1]
        digest = hashlib.sha256()
        for path in sorted(root.rglob("*.py")):
            digest.update(str(path.relative_to(root)).encode())
            digest.update(path.read_bytes())
        _state["code"] = digest.hexdigest()[:16]
    return _state["code"]


def row_key(key: tuple) -> str:
    """The row's key: ``key`` is cache.py's (kind, partner, version, sorted arguments), whose
    parts are primitives, dates, tuples and reprs, so its repr is the same in every process."""
    return hashlib.sha256(f"{code_hash()}|{key!r}".encode()).hexdigest()


def _engine(session: Session):
    bind = session.get_bind()
    engine = getattr(bind, "engine", bind)
    if engine.dialect.name == "sqlite" and engine.url.database in (None, "", ":memory:"):
        return None  # one connection per thread: a connection "of its own" would be the caller's
    return engine


def _failed(what: str, exc: Exception) -> None:
    level = logging.DEBUG if _state["warned"] else logging.WARNING
    _state["warned"] = True
    log.log(level, "shared analytics cache: %s failed (%s); computing instead", what, exc)


def load(session: Session, partner_id: int, key: str) -> bytes | None:
    """The payload a process stored under this key, or None."""
    engine = _engine(session)
    if engine is None:
        return None
    try:
        with engine.connect() as conn:
            return conn.execute(sa.select(_TABLE.c.payload).where(
                _TABLE.c.partner_id == partner_id, _TABLE.c.key == key)).scalar()
    except sa.exc.SQLAlchemyError as exc:
        _failed("a read", exc)
        return None


def loads(payload: bytes) -> Any:
    """The stored value (raises what unpickling raises: the caller drops the row)."""
    return pickle.loads(payload)  # noqa: S301 - our own database, see the module doc


def dumps(value: Any) -> bytes:
    return pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)


def forget(session: Session, partner_id: int, key: str, exc: Exception) -> None:
    """Drop a row this code cannot read (it is computed and stored again)."""
    _failed("unpickling", exc)
    engine = _engine(session)
    try:
        with engine.begin() as conn:
            conn.execute(sa.delete(_TABLE).where(_TABLE.c.partner_id == partner_id, _TABLE.c.key == key))
    except sa.exc.SQLAlchemyError:
        pass


def store(session: Session, partner_id: int, version: int, kind: str, key: str, payload: bytes) -> bool:
    """Store ``payload`` (``dumps`` of a result computed under ``version``) for every process;
    drop the partner's rows of other versions and the oldest beyond the bound. True when a
    row was written."""
    engine = _engine(session)
    if engine is None or len(payload) > MAX_PAYLOAD_BYTES:
        return False
    if engine.dialect.name == "postgresql":  # the dialect's package only where it is used (CLI start-up)
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    from partnerhub_core.models import utcnow

    stmt = insert(_TABLE).values(partner_id=partner_id, key=key, kind=kind, data_version=version,
                                 created_at=utcnow(), size=len(payload), payload=payload)
    try:
        with engine.connect() as conn:
            before = _short_wait(conn)
            try:
                with conn.begin():
                    # nothing returned: another process stored this key first
                    written = conn.execute(stmt.on_conflict_do_nothing().returning(_TABLE.c.key)).first() is not None
                    _prune_partner(conn, partner_id)
            finally:
                if before is not None:
                    conn.exec_driver_sql(f"PRAGMA busy_timeout = {int(before)}")
                    conn.commit()
    except sa.exc.SQLAlchemyError as exc:
        _failed("a store", exc)
        return False
    return written


def _short_wait(conn) -> int | None:
    """SQLite: wait at most ``STORE_WAIT_MS`` for the write lock (a sync or import may hold it
    for seconds; the answer that is storing must not wait for it: it just stays unstored).
    Returns the connection's own busy timeout, to put back."""
    if conn.dialect.name != "sqlite":
        return None
    before = conn.exec_driver_sql("PRAGMA busy_timeout").scalar()
    conn.exec_driver_sql(f"PRAGMA busy_timeout = {int(STORE_WAIT_MS)}")
    conn.commit()
    return before


def _prune_partner(conn, partner_id: int) -> None:
    current = sa.select(_PARTNER.c.data_version).where(_PARTNER.c.id == partner_id).scalar_subquery()
    conn.execute(sa.delete(_TABLE).where(_TABLE.c.partner_id == partner_id,
                                         sa.or_(current.is_(None), _TABLE.c.data_version != current)))
    count = conn.execute(sa.select(sa.func.count()).select_from(_TABLE).where(
        _TABLE.c.partner_id == partner_id)).scalar()
    if count > MAX_ROWS_PER_PARTNER:
        oldest = (sa.select(_TABLE.c.key).where(_TABLE.c.partner_id == partner_id)
                  .order_by(_TABLE.c.created_at, _TABLE.c.key).limit(count - MAX_ROWS_PER_PARTNER))
        conn.execute(sa.delete(_TABLE).where(_TABLE.c.partner_id == partner_id, _TABLE.c.key.in_(oldest)))


def prune(session: Session, partner_id: int | None = None) -> int:
    """Delete the rows no call can reach any more (another data version, a partner that is
    gone), for one partner or all; returns how many went."""
    engine = _engine(session)
    if engine is None:
        return 0
    current = sa.select(_PARTNER.c.data_version).where(_PARTNER.c.id == _TABLE.c.partner_id).scalar_subquery()
    stmt = sa.delete(_TABLE).where(sa.or_(current.is_(None), _TABLE.c.data_version != current))
    if partner_id is not None:
        stmt = stmt.where(_TABLE.c.partner_id == partner_id)
    try:
        with engine.begin() as conn:
            return conn.execute(stmt).rowcount or 0
    except sa.exc.SQLAlchemyError as exc:
        _failed("pruning", exc)
        return 0


def rows(session: Session, partner_id: int) -> list[tuple[str, int]]:
    """(kind, data version) of the partner's stored rows (tests, ops)."""
    return [(k, int(v)) for k, v in session.execute(sa.select(_TABLE.c.kind, _TABLE.c.data_version).where(
        _TABLE.c.partner_id == partner_id).order_by(_TABLE.c.kind)).all()]
