"""Analytics results cached in process memory and in the database, keyed by the partner's
data version.

``@cached("kind")`` wraps a keyword-only analytics function ``(*, session, partner_id, …)``.
A call reads ``Partner.data_version`` from the database first (``dataversion.current``) and
looks up (kind, partner, version, as_of, product, filters, visible customers, settings): every
argument but the session is part of the key, and ``settings`` counts by all its values (the
rules) but operational ones (``OPERATIONAL_SETTINGS``: URLs, secrets, process tuning). Any committed write to a partner's figures changes its version in the same
transaction (``dataversion.py``), so no process, however long its entry lived, can answer
with figures older than the last commit it can see.

Entries are bounded (least recently used goes first, ``MAX_ENTRIES``) and shared by the
threads of one process. Values are treated as immutable: the cache keeps its own copy and
every caller gets a fresh copy (DataFrames included), so a caller may change what it got.
A session that wrote figures in its open transaction bypasses the cache both ways.

Second level: on a miss here, ``analytics/shared_cache.py`` looks the same key up in the
database (what another process, typically the worker's warm-up, computed) before computing;
what is computed is stored there for every process. ``disabled()`` skips both levels,
``local_only()`` the database one.
"""
from __future__ import annotations

import copy
import functools
import hashlib
import inspect
import threading
from collections import OrderedDict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date
from typing import Any

from partnerhub_core import dataversion
from partnerhub_core.analytics import shared_cache

MAX_ENTRIES = 128  # a 20,000-customer overview is a few MB; this bounds the process
_lock = threading.Lock()
_entries: OrderedDict[tuple, Any] = OrderedDict()
_COUNTS = ("hits", "misses", "shared_hits", "computed", "stored")
_state = {"enabled": True, "shared": True, **dict.fromkeys(_COUNTS, 0)}


def clear() -> None:
    with _lock:
        _entries.clear()
        _state.update(dict.fromkeys(_COUNTS, 0))


def stats() -> dict[str, int]:
    """This process's LRU: entries, hits, misses (a miss is then found in the shared level
    or computed: ``shared_stats``)."""
    with _lock:
        return {"entries": len(_entries), "hits": _state["hits"], "misses": _state["misses"]}


def shared_stats() -> dict[str, int]:
    """Of this process's LRU misses: how many the database level served (``shared_hits``),
    how many were computed here (``computed``) and how many of those were stored there."""
    with _lock:
        return {k: _state[k] for k in ("shared_hits", "computed", "stored")}


@contextmanager
def local_only() -> Iterator[None]:
    """Only this process's LRU (benchmarks measuring a computation, tests)."""
    before = _state["shared"]
    _state["shared"] = False
    try:
        yield
    finally:
        _state["shared"] = before


@contextmanager
def disabled() -> Iterator[None]:
    """Compute everything afresh inside (tests compare cached with uncached answers)."""
    before = _state["enabled"]
    _state["enabled"] = False
    try:
        yield
    finally:
        _state["enabled"] = before


# Settings no figure depends on (where to connect, secrets, how processes run): left out of
# the key, so the web, the answer processes and the worker share results even where their
# environments differ in these. Every other setting, and any new one, is part of the key.
OPERATIONAL_SETTINGS = frozenset({"database_url", "environment", "log_level", "secret_keys",
                                  "shutdown_grace_seconds"})
OPERATIONAL_PREFIXES = ("slack_", "webex_", "worker_", "rate_limit_", "report_concurrency", "answer_", "demo_")


def settings_key(settings: Any) -> str:
    """The settings' values, hashed, but for ``OPERATIONAL_SETTINGS``: every rule a figure
    depends on is in there."""
    dump = settings.model_dump() if hasattr(settings, "model_dump") else vars(settings)
    text = repr(sorted((k, repr(v)) for k, v in dump.items()
                       if k not in OPERATIONAL_SETTINGS and not k.startswith(OPERATIONAL_PREFIXES)))
    return hashlib.sha256(text.encode()).hexdigest()


def _arg_key(name: str, value: Any) -> Any:
    if name == "settings":
        return settings_key(value)
    if name == "customer_ids":
        return None if value is None else tuple(sorted(value))
    if isinstance(value, (str, int, float, bool, date)) or value is None:
        return value
    return repr(value)


def _copy_value(value: Any) -> Any:
    return copy.deepcopy(value)


def _dumps(value: Any) -> bytes | None:
    try:
        return shared_cache.dumps(value)
    except Exception:  # noqa: BLE001 - a value pickle cannot take stays in this process only
        return None


def _fresh(entry: tuple[bool, Any], copier: Callable[[Any], Any] | None) -> Any:
    pickled, kept = entry
    return shared_cache.loads(kept) if pickled else (copier or _copy_value)(kept)


def cached(kind: str, *, copier: Callable[[Any], Any] | None = None):
    """Cache a keyword-only analytics function under ``kind`` (see the module doc).
    ``copier``: how a hit is copied for its caller (default: kept pickled, unpickled per hit).

    The wrapped function also has ``lookup(session=…, partner_id=…, **kw)`` → ``(hit, value,
    save)``: a caller that computes several results in one pass (``license_trends``) takes
    what is cached and keeps what it computed with ``save``, under each result's own key."""

    def wrap(fn):
        # Defaults are part of the key: a call that omits region=None meets one that passes it.
        defaults = {name: p.default for name, p in inspect.signature(fn).parameters.items()
                    if p.default is not inspect.Parameter.empty}

        def arguments(kw: dict) -> dict:
            kw = {**defaults, **kw}
            if kw.get("customer_ids") is not None:
                kw["customer_ids"] = list(kw["customer_ids"])  # may be a one-shot iterator
            return kw

        def find(session, partner_id: int, kw: dict) -> tuple[Any, Callable[[Any], None]]:
            """The cached value (or ``_MISSING``), and how to keep a computed one."""
            if not _state["enabled"]:
                return _MISSING, _ignore
            version = dataversion.current(session, partner_id)
            if dataversion.wrote(session):
                return _MISSING, _ignore
            key = (kind, partner_id, version, tuple(sorted((k, _arg_key(k, v)) for k, v in kw.items())))
            with _lock:
                hit = _entries.get(key, _MISSING)
                if hit is not _MISSING:
                    _entries.move_to_end(key)
                    _state["hits"] += 1
            if hit is not _MISSING:
                return _fresh(hit, copier), _ignore
            row = shared_cache.row_key(key) if _state["shared"] else None
            payload = shared_cache.load(session, partner_id, row) if row else None
            if payload is not None:
                try:
                    value = shared_cache.loads(payload)
                except Exception as exc:  # noqa: BLE001 - a row this code cannot read
                    shared_cache.forget(session, partner_id, row, exc)
                else:
                    keep(key, value, payload, found=True, stored=False)
                    return value, _ignore

            def save(value: Any) -> None:
                payload = _dumps(value)
                stored = bool(row and payload) and shared_cache.store(session, partner_id, version, kind, row,
                                                                      payload)
                keep(key, value, payload, found=False, stored=stored)

            return _MISSING, save

        def keep(key: tuple, value: Any, payload: bytes | None, *, found: bool, stored: bool) -> None:
            # What is kept: the pickle (each hit unpickles a fresh copy, faster than deepcopy
            # for DataFrames), or the copier's own copy; the caller may change what it got.
            kept = (True, payload) if copier is None and payload is not None else (False, (copier or _copy_value)(value))
            with _lock:
                _state["misses"] += 1
                _state["shared_hits" if found else "computed"] += 1
                _state["stored"] += int(stored)
                _entries[key] = kept
                _entries.move_to_end(key)
                while len(_entries) > MAX_ENTRIES:
                    _entries.popitem(last=False)

        @functools.wraps(fn)
        def call(*, session, partner_id: int, **kw):
            kw = arguments(kw)
            value, save = find(session, partner_id, kw)
            if value is _MISSING:
                value = fn(session=session, partner_id=partner_id, **kw)
                save(value)
            return value

        def lookup(*, session, partner_id: int, **kw) -> tuple[bool, Any, Callable[[Any], None]]:
            value, save = find(session, partner_id, arguments(kw))
            return value is not _MISSING, (None if value is _MISSING else value), save

        call.uncached = fn
        call.lookup = lookup
        return call

    return wrap


def _ignore(value: Any) -> None:
    """Nothing to keep: the cache is off, the session wrote figures, or it was a hit."""


_MISSING = object()


def copy_statuses(value: dict) -> dict:
    """Statuses are enum members (immutable): copying the lists suffices, and is fast."""
    return {cid: list(found) for cid, found in value.items()}
