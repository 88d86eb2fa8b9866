"""Fair use of expensive commands, for listeners (thread side, inside ``Ctx``).

``expensive(ctx)`` counts one report / CSV download / digest preview against the
person's and the workspace's allowance (``partnerhub_core.ratelimit``, shared by every
web process through the database) and raises its polite ``RateLimited`` error past the
limit, which the bot's error handler shows like any typed error.

``report_slot(settings, partner_id)`` bounds how many reports this process builds at
once (``report_concurrency``) and how many of them one partner may hold
(``report_concurrency_per_partner``), so one partner's burst cannot starve the others;
a request that cannot get a slot within ``SLOT_WAIT_SECONDS`` gets a polite "busy".
"""
from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager

from partnerhub_core import ratelimit
from partnerhub_core.errors import PartnerHubError
from partnerhub_core.i18n import N_

SLOT_WAIT_SECONDS = 60.0


class Busy(PartnerHubError):
    """No report slot came free in time."""


def expensive(ctx, action: str = ratelimit.EXPENSIVE) -> None:
    """Count one expensive command of the caller; raise ``RateLimited`` past the limit.

    Runs in its own short transaction (not the request's), so the counter row is not
    held locked while the report is built."""
    decision = ratelimit.check_now(ctx.session.get_bind(), team_id=ctx.team_id, user_id=ctx.user_id,
                                   now=ctx.now, settings=ctx.settings, action=action)
    if not decision.allowed:
        raise ratelimit.refusal(decision)


class _Slots:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._total: tuple[int, threading.BoundedSemaphore] | None = None
        self._per_partner: dict[tuple[int, int], threading.BoundedSemaphore] = {}

    def total(self, size: int) -> threading.BoundedSemaphore:
        with self._lock:
            if self._total is None or self._total[0] != size:
                self._total = (size, threading.BoundedSemaphore(size))
            return self._total[1]

    def partner(self, partner_id: int, size: int) -> threading.BoundedSemaphore:
        with self._lock:
            key = (partner_id, size)
            if key not in self._per_partner:
                self._per_partner[key] = threading.BoundedSemaphore(size)
            return self._per_partner[key]


_slots = _Slots()


@contextmanager
def report_slot(settings, partner_id: int, wait_seconds: float = SLOT_WAIT_SECONDS) -> Iterator[None]:
    """Hold one of the process's report slots (and one of the partner's) while building."""
    mine = _slots.partner(partner_id, settings.report_concurrency_per_partner)
    if not mine.acquire(timeout=wait_seconds):
        raise Busy(N_("Your organization already has reports being prepared. Please try again in a minute."))
    try:
        shared = _slots.total(settings.report_concurrency)
        if not shared.acquire(timeout=wait_seconds):
            raise Busy(N_("Partner Hub is preparing many reports right now. Please try again in a minute."))
        try:
            yield
        finally:
            shared.release()
    finally:
        mine.release()
