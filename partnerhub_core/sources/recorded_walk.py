"""Walking the customer organizations for one part, and recording where its figures come
from (provenance.py) once the walk is over.

A per-organization part answers for a *source family* (admin sign-in, locations, PSTN,
people, ...). After the walk: when at least one organization was read, the family is
refreshed with its coverage (organizations read of organizations walked); when none could
be read, the family's failure is recorded, and a 403 names the scopes the token lacks
(Webex answers 403 for a missing scope or role). Errors kept here carry HTTP statuses
only: no tokens, no organization names.

Every part walked here is an *optional* source (docs/webex-sources.md, "Optional and
required sources"): when Webex refuses the first ``DENIED_STOP`` organizations in a row
with 403 and none has been read, the token lacks the scope for every organization. The
walk stops there (a partner with 2,000 customers is not sent 2,000 requests that will all
be refused), the family's failure names the missing scopes, and the part is *not
connected* rather than failed: ``PartResult.not_connected`` makes the sync ok for it, so a
partner who has not granted, say, ``audit:events_read`` does not see a failing sync
every week. A 403 after some organizations were read is that organization's failure (a
customer the partner does not administer), as are 5xx and timeouts."""
from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Callable

from partnerhub_core import provenance
from partnerhub_core.errors import PartnerHubError, UpstreamError
from partnerhub_core.provenance import SourceFamily
from partnerhub_core.sources.org_walk import walk_organizations
from partnerhub_core.sources.sync_common import (
    OrgFetch,
    OrgPart,
    OrgWrite,
    PartnerPart,
    PartResult,
    SyncContext,
    not_connected_note,
    state_row,
)
from partnerhub_core.sources.webex import WebexHTTPError

MISSING_SCOPE = 403
DENIED_STOP = 3  # 403s in a row, before any organization was read, that mean "scope not granted"


class NotConnected(UpstreamError):
    """Raised instead of asking Webex once the token is known to lack the source's scope;
    ``ends_part`` stops the walk (org_walk.py) without counting an organization failed."""

    ends_part = True


class _NothingToRead:
    """What a fetch returns when the organization gave it nothing to ask (no owner to look
    up, no location): not evidence that the source can be read, so not counted as covered."""

    def __repr__(self) -> str:
        return "NOTHING_TO_READ"


NOTHING_TO_READ = _NothingToRead()


class _Statuses:
    """HTTP statuses of the failed fetches of one walk (fetches run in pool threads)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.counts: Counter[int] = Counter()
        self.idle = 0  # organizations with nothing to read
        self.read_any = False  # some organization answered (then a 403 is that organization's)
        self.denied_in_a_row = 0

    @property
    def denied(self) -> bool:
        """The token lacks the scope: ``DENIED_STOP`` refusals in a row and nothing read."""
        return not self.read_any and self.denied_in_a_row >= DENIED_STOP

    def watch(self, fetch: OrgFetch) -> OrgFetch:
        def watched(client, customer, cursor, now, settings):
            with self._lock:
                if self.denied:
                    raise NotConnected("not connected")  # no request: it would be refused too
            try:
                data = fetch(client, customer, cursor, now, settings)
            except WebexHTTPError as exc:
                with self._lock:
                    self.counts[exc.status] += 1
                    self.denied_in_a_row = self.denied_in_a_row + 1 if exc.status == MISSING_SCOPE else 0
                raise
            except PartnerHubError:
                with self._lock:
                    self.counts[0] += 1
                raise
            with self._lock:
                if data is NOTHING_TO_READ:
                    self.idle += 1
                else:
                    self.read_any = True
                self.denied_in_a_row = 0
            return data
        return watched


def _skip_nothing(write: OrgWrite) -> OrgWrite:
    def write_read(session, partner_id, customer, data, now, settings):
        return (0, None) if data is NOTHING_TO_READ else write(session, partner_id, customer, data, now, settings)
    return write_read


def walk_and_record(ctx: SyncContext, spec: OrgPart, family: SourceFamily | tuple[SourceFamily, ...],
                    scopes: tuple[str, ...]) -> PartResult:
    """``walk_organizations`` for ``spec``, then one provenance record for ``family`` (or
    for each family of a tuple: one read can feed several, as licences feed trials)."""
    families = family if isinstance(family, tuple) else (family,)
    statuses = _Statuses()
    watched = OrgPart(spec.name, statuses.watch(spec.fetch), _skip_nothing(spec.write), spec.calling_only)
    result = walk_organizations(ctx, watched)
    # skipped: read earlier in the pass being resumed; idle: nothing to ask Webex there
    read = result.succeeded + result.skipped - statuses.idle
    walked = read + result.failed
    # Not connected: nothing read and every refusal a 403 (none of them a 5xx or a timeout).
    if not read and result.failed and set(statuses.counts) == {MISSING_SCOPE}:
        result.not_connected = not_connected_note(scopes)
    with ctx.factory() as session:
        for fam in families:
            if read or not walked:
                provenance.record_refresh(session, partner_id=ctx.partner_id, family=fam, now=ctx.now,
                                          rows=result.items, covered=read, total=walked)
            if result.failed:
                denied = statuses.counts.get(MISSING_SCOPE, 0)
                provenance.record_failure(
                    session, partner_id=ctx.partner_id, family=fam, now=ctx.now,
                    error=failure_text(result, statuses.counts, statuses.idle),
                    missing_scopes=list(scopes) if denied else None,
                )
        if result.not_connected:
            # The part's own row says so (sync status), and no pass is left to resume.
            top = state_row(session, ctx.partner_id, spec.name)
            top.last_error, top.cursor = result.not_connected, None
        session.commit()
    return result


def failure_text(result: PartResult, counts: Counter[int], idle: int = 0) -> str:
    """"3 of 5 organizations could not be read (HTTP 403 ×3)": statuses, never names."""
    walked = result.failed + result.succeeded + result.skipped - idle
    if result.not_connected:
        return (f"{result.not_connected} (Webex refused the first {result.failed} organizations with HTTP 403; "
                "the others were not asked)")
    parts = ", ".join(f"HTTP {status} ×{n}" if status else f"no answer ×{n}"
                      for status, n in sorted(counts.items()))
    stopped = "; stopped after too many failures in a row" if result.stopped else ""
    return f"{result.failed} of {walked} organizations could not be read ({parts or 'failed'}){stopped}"


def recorded_part(spec: OrgPart, family: SourceFamily | tuple[SourceFamily, ...], scopes: tuple[str, ...]) -> PartnerPart:
    """``spec`` as a part the orchestrator runs once, recording ``family`` afterwards."""
    return PartnerPart(spec.name, lambda ctx: walk_and_record(ctx, spec, family, scopes), walks=True)


def prepared_part(name: str, family: SourceFamily, scopes: tuple[str, ...],
                  build: Callable[[SyncContext], OrgPart]) -> PartnerPart:
    """A recorded part whose fetch needs data read from the database first (the locations
    of each customer, the owners whose email is wanted): ``build(ctx)`` reads it and returns
    the ``OrgPart`` to walk (its fetch closes over what it read)."""
    return PartnerPart(name, lambda ctx: walk_and_record(ctx, build(ctx), family, scopes), walks=True)
