"""Events API deliveries: Slack retries an event it thinks went unanswered (the same
``event_id``, with ``X-Slack-Retry-Num``); every event listener asks ``first_delivery``
after its ack and drops a retry, whichever web process it reaches
(``partnerhub_core.event_once``)."""
from __future__ import annotations

import asyncio
import logging
from typing import Any

from partnerhub_core import event_once

log = logging.getLogger("partnerhub.bot")


async def first_delivery(rt: Any, body: dict, context: Any) -> bool:
    """True unless this event was already handled (or claimed) by some web process."""
    event_id = body.get("event_id") or ""
    team_id = context.get("team_id") or body.get("team_id") or ""
    try:
        first = await asyncio.to_thread(event_once.first_time_now, rt.engine, team_id=team_id,
                                        event_id=event_id, now=rt.settings.now())
    except Exception:  # noqa: BLE001 - better a rare double answer than none while the database hiccups
        log.warning("could not record event %s; handling it anyway", event_id, exc_info=True)
        return True
    if not first:
        log.info("event %s of %s already handled; retry dropped", event_id, team_id)
    return first
