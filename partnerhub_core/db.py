"""Engine and sessions from settings: SQLite is the embedded default, PostgreSQL production.

Entry points open databases with ``open_engine`` and check them with ``ensure_ready``:
a bad URL, a server that does not answer and a database that is not migrated each end
in one typed error that says the next step, and nothing creates a file by accident.
URLs shown to people or logged go through ``mask_url`` (no passwords).
"""
from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

from partnerhub_core.errors import BadInput, DatabaseNotReady, DatabaseUnavailable
from partnerhub_core.i18n import N_

if TYPE_CHECKING:  # SQLAlchemy and the models load only when a command opens a database
    from sqlalchemy.engine import Engine
    from sqlmodel import Session

_URL_PASSWORD = re.compile(r"(?P<head>[a-z][a-z0-9+.\-]*://[^:/@\s]*:)(?P<password>[^@\s]*)@", re.IGNORECASE)


def mask_url(url: object) -> str:
    """``url`` with its password replaced by ``***`` (also inside longer text)."""
    return _URL_PASSWORD.sub(lambda m: f"{m.group('head')}***@", str(url))


def parse_url(url: str):
    """The SQLAlchemy URL, or ``BadInput`` naming what a database URL looks like."""
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError

    try:
        parsed = make_url(url)
    except ArgumentError:
        parsed = None
    if parsed is None or parsed.get_backend_name() not in ("sqlite", "postgresql"):
        raise BadInput(N_("{url} is not a database URL: expected sqlite:///FILE.db or "
                          "postgresql://USER:PASSWORD@HOST/DATABASE."), url=mask_url(url))
    return parsed


def sqlite_file(url: str) -> Path | None:
    """The file of a SQLite URL (None for other databases and in-memory ones)."""
    parsed = parse_url(url)
    if parsed.get_backend_name() != "sqlite" or parsed.database in (None, "", ":memory:"):
        return None
    return Path(parsed.database).expanduser()


def make_engine(url: str, **kw) -> Engine:
    # SQLAlchemy's own create_engine (SQLModel's only wraps it): opening a database
    # loads no models; the code that queries them imports them.
    from sqlalchemy import create_engine, event

    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30}, **kw)

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_conn, _record):  # pragma: no cover - trivial
            cur = dbapi_conn.cursor()
            # WAL lets the web and worker processes read while one writes.
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute("PRAGMA synchronous=NORMAL")
            cur.close()

        return engine
    engine = create_engine(url, **kw)
    if "pool_pre_ping" not in kw:
        ping_when_idle(engine)
    return engine


# A pooled connection idle this long is checked with a round trip before it is handed out
# (a restarted server or a dropped idle connection is then replaced, not failed on).
PING_AFTER_IDLE_S = 10.0


def ping_when_idle(engine: Engine, idle_s: float | None = None) -> None:
    """Ping a pooled connection on checkout only when it has been idle ``idle_s`` (default
    ``PING_AFTER_IDLE_S``); a dead one is replaced before anyone uses it.

    SQLAlchemy's ``pool_pre_ping`` pings on every checkout: on PostgreSQL one more round trip
    (autocommit on, ``SELECT 1``, autocommit off) per transaction, ~1.2 ms of a ~12 ms answer
    in the burst (bench/RESULTS.md). A connection in constant use was alive a moment ago.
    One the server closed (restart, terminated backend) is seen with no round trip: the
    server's goodbye, or the end of the stream, makes the idle socket readable, and it is
    pinged and replaced. Only a connection lost silently (a network drop) within ``idle_s``
    of a use fails one transaction; the pool reconnects after it."""
    import time

    from sqlalchemy import event, exc

    dialect = engine.dialect

    @event.listens_for(engine, "checkin")
    def _idle_from(_dbapi_conn, record):
        record.info["partnerhub_idle_since"] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def _ping_if_idle(dbapi_conn, record, _proxy):
        since = record.info.pop("partnerhub_idle_since", None)  # None: connected just now
        if since is None:
            return
        if time.monotonic() - since < (PING_AFTER_IDLE_S if idle_s is None else idle_s) and not _readable(dbapi_conn):
            return
        try:
            dialect.do_ping(dbapi_conn)
        except dialect.loaded_dbapi.Error as err:
            if dialect.is_disconnect(err, dbapi_conn, None):
                raise exc.DisconnectionError() from err  # the pool connects afresh and retries
            raise


def _readable(dbapi_conn) -> bool:
    """Whether an idle connection's socket has something to read (nothing is expected)."""
    import select

    try:
        ready, _, _ = select.select([dbapi_conn.fileno()], [], [], 0)
    except (AttributeError, OSError, ValueError):  # no socket to look at: ping by age only
        return False
    return bool(ready)


def open_engine(url: str, *, create: bool = False, **kw) -> Engine:
    """An engine for ``url`` after checking it parses; a missing SQLite file is refused
    (opening it would create an empty one) unless ``create`` (``db upgrade``, the demo)."""
    path = sqlite_file(url)
    if path is not None and not create and not path.exists():
        raise DatabaseNotReady(N_("There is no database at {url}: run `partnerhub db upgrade` (or `partnerhub demo` "
                                  "for the demo database) first, or pass --database-url."), url=mask_url(url))
    if path is not None and create and not path.parent.exists():
        raise BadInput(N_("{url} names a file in a folder that does not exist ({folder})."),
                       url=mask_url(url), folder=str(path.parent))
    return make_engine(url, **kw)


def connection_problem(exc: BaseException) -> str:
    """The driver's own first line (``connection refused``, ``password authentication
    failed …``), without the URL's password."""
    orig = getattr(exc, "orig", None) or exc
    lines = [line.strip() for line in str(orig).splitlines() if line.strip()]
    text = lines[0] if lines else type(orig).__name__
    # psycopg: 'connection failed: connection to server at "127.0.0.1", port 1 failed: Connection refused'
    text = text.rsplit("failed: ", 1)[-1] if "failed: " in text else text
    text = re.sub(r"^(FATAL|ERROR):\s*", "", text)  # PostgreSQL's severity adds nothing here
    return mask_url(text[:1].lower() + text[1:])


def ensure_ready(engine: Engine, *, at_head: bool = True) -> str | None:
    """Connect and check the schema; returns the current revision. Raises
    ``DatabaseUnavailable`` when the server does not answer, ``DatabaseNotReady`` when
    the schema is missing (or, with ``at_head``, older than this code)."""
    from sqlalchemy.exc import DBAPIError

    from partnerhub_core import migrate

    url = mask_url(engine.url.render_as_string(hide_password=True))
    try:
        current = migrate.current_revision(engine)
    except DBAPIError as exc:
        raise DatabaseUnavailable(N_("cannot connect to {url}: {reason}. Check that the database server is running "
                                     "and the URL is right."), url=url, reason=connection_problem(exc)) from None
    if current is None:
        from sqlalchemy import inspect

        # Tests build their schema with create_all (no Alembic revision): tables suffice.
        if {"partner", "jobrun"} <= set(inspect(engine).get_table_names()):
            return None
        raise DatabaseNotReady(N_("The database at {url} has no partnerhub schema yet: run `partnerhub db upgrade`."),
                               url=url)
    if at_head and current is not None:
        head = migrate.script_head()
        if current != head:
            raise DatabaseNotReady(N_("The database at {url} is at revision {current}, this version of partnerhub "
                                      "needs {head}: run `partnerhub db upgrade`."), url=url, current=current,
                                   head=head)
    return current


def metadata():
    from sqlmodel import SQLModel

    from partnerhub_core import models  # noqa: F401

    return SQLModel.metadata


def create_all(engine: Engine) -> None:
    """Tests and the demo only; real databases go through ``partnerhub db upgrade``."""
    metadata().create_all(engine)


@contextmanager
def session_scope(engine: Engine) -> Iterator[Session]:
    """The caller owns the transaction: commit on success, roll back on error, close."""
    from sqlmodel import Session

    session = Session(engine, expire_on_commit=False)
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()
