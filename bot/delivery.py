"""Delivering one (schedule, period) exactly once: the claim, the post, the outcome.

Delivering starts with a *claim*: an INSERT of ``Delivery(schedule_id, period)``, which the
unique constraint lets exactly one worker win (the claims and outcomes are the core's,
``partnerhub_core/deliveries.py``; this module is the Slack side). Only the claimant posts, then records the
outcome. A post Slack refused stays ``failed``; a post that got no answer (a timeout) is
``unknown``; both are claimed again on a later tick (until ``worker_max_attempts``), and a
claim whose worker died (its lease, ``worker_lease_seconds``, ran out) is taken over. The
message's ``ts`` is recorded as soon as Slack answers; any later attempt first looks for
the message in the conversation by the delivery id it carries (``bot.post_once``), so it
never posts it twice; it only finishes the files (each upload is counted).

``channel_not_found``, ``not_in_channel`` and ``is_archived`` disable the schedule with the
reason and tell the partner's full admins by DM instead of retrying forever.
"""
from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from functools import partial

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from sqlalchemy.engine import Engine
from sqlmodel import Session

from bot import post_once
from bot import render as _render
from bot.digest_posts import Post, content_as_of, describe_when, digest_post, report_post
from bot.slack_client import upload_file, web_client
from partnerhub_core import deliveries, schedules
from partnerhub_core.auth import Actor
from partnerhub_core.db import session_scope
# The claims and outcomes are the core's (partnerhub_core/deliveries.py); their names stay
# importable from here and from bot.worker.
from partnerhub_core.deliveries import Due, claim, due_now  # noqa: F401
from partnerhub_core.errors import NotFound, UpstreamError
from partnerhub_core.logging import event
from partnerhub_core.models import Delivery, DeliveryStatus, Partner, Schedule, ScheduleKind, Workspace
from partnerhub_core.settings import Settings

log = logging.getLogger("partnerhub.worker")


# The channel is gone or closed to us: stop the schedule and tell the admins.
CHANNEL_ERRORS = frozenset({"channel_not_found", "not_in_channel", "is_archived"})
# The workspace's token no longer works: stop too (nobody can be told through Slack).
TOKEN_ERRORS = frozenset({"token_revoked", "invalid_auth", "account_inactive", "not_authed"})

ClientFor = Callable[[Session, Schedule], WebClient]


_record = deliveries.record  # update our own claim; False once it is no longer ours


# ---------------------------------------------------------------------------------
# Delivering one claimed (schedule, period)
# ---------------------------------------------------------------------------------
@dataclass
class Outcome:
    schedule_id: int
    period: str
    status: str  # posted | skipped | failed | unknown | disabled | not_claimed
    error: str | None = None


def bot_client(settings: Settings, session: Session, schedule: Schedule) -> WebClient:
    """A client with the schedule's workspace bot token (OAuth installs), else SLACK_BOT_TOKEN."""
    token = None
    if schedule.workspace_id is not None and settings.slack_client_id:
        ws = session.get(Workspace, schedule.workspace_id)
        if ws is not None:
            from bot.installation import DatabaseInstallationStore

            store = DatabaseInstallationStore(session.get_bind(), settings.slack_client_id)
            bot = store.find_bot(enterprise_id=ws.enterprise_id or None, team_id=ws.team_id)
            token = bot.bot_token if bot else None
    return web_client(settings, token)


def deliver(engine: Engine, settings: Settings, due: Due, *, now: datetime, worker_id: str,
            client_for: ClientFor | None = None, remember: bool = True) -> Outcome:
    """Claim, post, record. ``remember=False`` (send-now) keeps the weekly comparison
    base as it was."""
    delivery = claim(engine, schedule_id=due.schedule_id, partner_id=due.partner_id, period=due.period,
                     due_at=due.due_at, now=now, worker_id=worker_id, settings=settings)
    if delivery is None:
        return Outcome(due.schedule_id, due.period, "not_claimed")
    client_for = client_for or partial(bot_client, settings)
    try:
        with session_scope(engine) as s:
            schedule = s.get(Schedule, due.schedule_id)
            if schedule is None or not schedule.enabled:
                _record(engine, delivery.id, worker_id, status=DeliveryStatus.SKIPPED, error="schedule gone",
                        lease_until=None, updated_at=now)
                return Outcome(due.schedule_id, due.period, "skipped", "schedule gone")
            as_of = content_as_of(settings, schedule, due.due_at)
            if schedule.kind == ScheduleKind.REPORT:
                post = report_post(s, settings, schedule, as_of=as_of)
            else:
                post = digest_post(s, settings, schedule, period=due.period, as_of=as_of)
            client = post_once.posting_client(client_for(s, schedule), settings)
            s.expunge(schedule)
        if post.empty and schedule.quiet_when_empty:
            _finish(engine, delivery, worker_id, schedule, post, now, remember, DeliveryStatus.SKIPPED)
            return Outcome(due.schedule_id, due.period, "skipped", "empty")
        channel = delivery.channel_id or schedule.target_id
        if delivery.message_ts is None and delivery.attempts > 1:
            # An earlier attempt may have posted without hearing back (a timeout, a dead worker).
            found = post_once.find_posted(client, schedule, delivery)
            if found is not None:
                channel, ts = found
                delivery.message_ts = ts
                _record(engine, delivery.id, worker_id, message_ts=ts, channel_id=channel, updated_at=now)
                event(log, "delivery_found_posted", partner=due.partner_id, schedule=due.schedule_id,
                      period=due.period, delivery=delivery.id)
        if delivery.message_ts is None:
            response = post_once.post(client, schedule, delivery, post.message)
            # A DM posted to a user id answers with the conversation's id: files go there.
            channel = response.get("channel") or schedule.target_id
            _record(engine, delivery.id, worker_id, message_ts=response.get("ts"), channel_id=channel,
                    updated_at=now)
        for index, (filename, content, title) in enumerate(post.files):
            if index < delivery.files_posted:
                continue  # uploaded before a crash
            upload_file(client, channel=channel, filename=filename, content=content, title=title)
            _record(engine, delivery.id, worker_id, files_posted=index + 1, updated_at=now)
        if not _finish(engine, delivery, worker_id, schedule, post, now, remember, DeliveryStatus.POSTED):
            log.warning("delivery %s was taken over before it finished", delivery.id)
        return Outcome(due.schedule_id, due.period, "posted")
    except post_once.Unanswered as exc:
        # Not "failed": it may be in the channel. The next attempt looks before it posts.
        _record(engine, delivery.id, worker_id, status=DeliveryStatus.UNKNOWN, error=f"no answer: {exc}"[:500],
                lease_until=None, updated_at=now)
        return Outcome(due.schedule_id, due.period, "unknown", "no answer from Slack")
    except NotFound as exc:
        # What the schedule names is gone (its tag, its custom report): it cannot run again.
        reason = exc.render()[:200]
        _record(engine, delivery.id, worker_id, status=DeliveryStatus.FAILED, error=reason, lease_until=None,
                updated_at=now)
        disable_and_tell(engine, settings, due.schedule_id, reason=reason, now=now, client_for=client_for)
        return Outcome(due.schedule_id, due.period, "disabled", reason)
    except (SlackApiError, UpstreamError) as exc:
        code = _slack_code(exc)
        if code in CHANNEL_ERRORS or code in TOKEN_ERRORS:
            _record(engine, delivery.id, worker_id, status=DeliveryStatus.FAILED, error=code, lease_until=None,
                    updated_at=now)
            disable_and_tell(engine, settings, due.schedule_id, reason=code, now=now, client_for=client_for,
                             tell=code in CHANNEL_ERRORS)
            return Outcome(due.schedule_id, due.period, "disabled", code)
        _record(engine, delivery.id, worker_id, status=DeliveryStatus.FAILED, error=(code or str(exc))[:500],
                lease_until=None, updated_at=now)
        return Outcome(due.schedule_id, due.period, "failed", code)
    except Exception as exc:  # noqa: BLE001 - recorded on the claim; the tick goes on
        log.exception("delivering schedule %s period %s failed", due.schedule_id, due.period)
        _record(engine, delivery.id, worker_id, status=DeliveryStatus.FAILED,
                error=f"{type(exc).__name__}: {exc}"[:500], lease_until=None, updated_at=now)
        return Outcome(due.schedule_id, due.period, "failed", type(exc).__name__)


def _finish(engine: Engine, delivery: Delivery, worker_id: str, schedule: Schedule, post: Post, now: datetime,
            remember: bool, status: str) -> bool:
    return deliveries.finish(engine, delivery, worker_id, schedule, digest=post.digest, now=now,
                             remember=remember, status=status)


def _slack_code(exc: Exception) -> str | None:
    if isinstance(exc, SlackApiError):
        return (exc.response.get("error") if exc.response is not None else None) or "slack_error"
    if isinstance(exc, UpstreamError):
        return exc.params.get("code")
    return None


def disable_and_tell(engine: Engine, settings: Settings, schedule_id: int, *, reason: str, now: datetime,
                     client_for: ClientFor, tell: bool = True) -> None:
    """Stop a schedule Slack will not take, and DM the partner's full admins why."""
    with session_scope(engine) as s:
        schedule = s.get(Schedule, schedule_id)
        if schedule is None:
            return
        schedules.disable_schedule(session=s, actor=Actor.system(schedule.partner_id, label="system:worker"),
                                   schedule_id=schedule_id, reason=reason, now=now)
        admins = deliveries.full_admins_on_slack(s, schedule.partner_id)
        client = client_for(s, schedule) if tell else None
        partner = s.get(Partner, schedule.partner_id)
        notes = []
        for admin in admins:
            locale = admin.language or (partner.default_language if partner else "en")
            notes.append((admin.slack_user_id, _render.render(
                "digest_disabled.json.j2", locale=locale, schedule=schedule, reason=reason,
                when=describe_when(schedule, locale))))
    event(log, "schedule_disabled", partner=schedule.partner_id, schedule=schedule_id, reason=reason)
    for user_id, message in notes if client is not None else []:
        try:
            client.chat_postMessage(channel=user_id, text=message.get("text", ""), blocks=message.get("blocks"))
        except SlackApiError as exc:
            log.warning("could not tell admin %s about schedule %s: %s", user_id, schedule_id, _slack_code(exc))


