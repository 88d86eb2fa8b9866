"""/partnerhub digest … and /partnerhub schedule … — digests, alerts, scheduled reports (F20, F29).

    digest subscribe [#channel] [options]   this channel (or #channel) gets the digest
    digest unsubscribe [#channel]
    digest list                             the partner's digest subscriptions
    digest preview [#channel]               the digest as it would post now, only to you
    digest send-now [#channel]              post it now (does not move next week's comparison)
    schedule report <report> [#channel|@person|me] [options]
    schedule list
    schedule delete <number>

Options: ``daily|weekly|monthly on:mon|on:31 at:09:00 tz:America/Sao_Paulo
alerts:expiring,overage,low,spikes tag:<tag> region:EU lang:pt-BR quiet``. The time zone
defaults to the caller's Slack time zone. Only full and partner admins change schedules
(the services check). The alert menu in a digest acknowledges, snoozes (a date picker)
or assigns an owner (a user picker).
"""
from __future__ import annotations

import json
import re
from datetime import timedelta

from slack_bolt.async_app import AsyncApp

from bot import values, worker
from bot.commands import subcommand
from bot.context import Ctx, Modal, on_action, on_view
from bot.ids import ActionId, BlockId, CallbackId
from partnerhub_core import alerts, auth, ratelimit, schedules
from partnerhub_core.auth import Permission
from partnerhub_core.errors import BadInput, NotFound
from partnerhub_core.i18n import N_
from partnerhub_core.models import Schedule, ScheduleKind, TargetType

CHANNEL = re.compile(r"^<#([CG][A-Z0-9_]+)(\|[^>]*)?>$")
USER = re.compile(r"^<@([UW][A-Z0-9_]+)(\|[^>]*)?>$")

DIGEST_USAGE = N_("Usage: /partnerhub digest subscribe|unsubscribe|list|preview|send-now [#channel] "
                  "[daily|weekly|monthly] [on:mon] [at:09:00] [tz:America/Sao_Paulo] "
                  "[alerts:expiring,overage,low,spikes] [tag:<tag>] [region:EU] [lang:pt-BR] [quiet]")
SCHEDULE_USAGE = N_("Usage: /partnerhub schedule report <report> [#channel|@person|me] [daily|weekly|monthly] "
                    "[on:mon] [at:09:00] [tz:…] [region:EU] [lang:pt-BR] · schedule list · schedule delete <number>")


# ---------------------------------------------------------------------------------
# Command words
# ---------------------------------------------------------------------------------
def _split_target(ctx: Ctx, words: list[str], *, allow_user: bool = False) -> tuple[str, str, list[str]]:
    """(target type, id, the other words): a #channel, @person or "me" among the words,
    else the channel the command was typed in."""
    rest, target = [], None
    for word in words:
        channel, user = CHANNEL.match(word), USER.match(word)
        if channel and target is None:
            target = (TargetType.CHANNEL, channel.group(1))
        elif allow_user and target is None and (user or word.lower() == "me"):
            target = (TargetType.DM, user.group(1) if user else ctx.user_id)
        else:
            rest.append(word)
    if target is None:
        in_dm = not ctx.channel_id or ctx.channel_id.startswith("D")
        if in_dm and allow_user:
            target = (TargetType.DM, ctx.user_id)  # typed in a DM with the app: it comes back here
        elif in_dm:
            raise BadInput(N_("Say which channel: /partnerhub digest subscribe #channel"))
        else:
            target = (TargetType.CHANNEL, ctx.channel_id)
    return target[0], target[1], rest


def _defaults(ctx: Ctx) -> dict:
    tz = ctx.slack_user.get("tz") or "UTC"
    language = ctx.workspace.default_language if ctx.workspace else ctx.locale
    return {"default_timezone": tz, "default_language": language,
            "workspace_id": ctx.workspace.id if ctx.workspace else None}


def digest_command(ctx: Ctx, args: list[str]) -> dict:
    if not args:
        raise BadInput(DIGEST_USAGE)
    word, rest = args[0].casefold(), args[1:]
    if word == "list":
        return list_reply(ctx, kind=ScheduleKind.DIGEST)
    if word == "subscribe":
        _type, channel, words = _split_target(ctx, rest)
        spec = schedules.ScheduleSpec.parse(words)
        if spec.words:
            raise BadInput(N_("Unknown option {word}."), word=spec.words[0])
        sched = schedules.subscribe_digest(session=ctx.session, actor=ctx.actor, channel_id=channel, spec=spec,
                                           now=ctx.now, **_defaults(ctx))
        nxt = schedules.next_run(sched, ctx.now)
        return _notice(ctx, ctx._("<#{channel}> gets the digest {when}.", channel=channel,
                                  when=worker.describe_when(sched, ctx.locale)),
                       ctx._("Next: {date} {time} ({tz}).", date=_local(nxt, sched).date().isoformat(),
                             time=_local(nxt, sched).strftime("%H:%M"), tz=sched.timezone))
    if word == "unsubscribe":
        _type, channel, words = _split_target(ctx, rest)
        schedules.unsubscribe_digest(session=ctx.session, actor=ctx.actor, channel_id=channel, now=ctx.now)
        return _notice(ctx, ctx._("<#{channel}> no longer gets the digest.", channel=channel))
    if word == "preview":
        _type, channel, _words = _split_target(ctx, rest)
        _fair_use(ctx)
        return preview(ctx, channel)
    if word in ("send-now", "sendnow", "send"):
        _type, channel, _words = _split_target(ctx, rest)
        return send_now(ctx, channel)
    raise BadInput(DIGEST_USAGE)


def schedule_command(ctx: Ctx, args: list[str]) -> dict:
    if not args:
        raise BadInput(SCHEDULE_USAGE)
    word, rest = args[0].casefold(), args[1:]
    if word == "list":
        return list_reply(ctx, kind=None)
    if word == "delete":
        usage = N_("Usage: /partnerhub schedule delete <number> (see /partnerhub schedule list)")
        if len(rest) != 1:
            raise BadInput(usage)
        sched = schedules.delete_schedule(session=ctx.session, actor=ctx.actor,
                                          schedule_id=values.record_id(rest[0], usage),
                                          now=ctx.now)
        return _notice(ctx, ctx._("Deleted schedule {id}.", id=sched.id))
    if word == "report":
        if not rest:
            raise BadInput(SCHEDULE_USAGE)
        auth.require(ctx.actor, Permission.MANAGE_SCHEDULES)
        target_type, target, words = _split_target(ctx, rest[1:], allow_user=True)
        spec = schedules.ScheduleSpec.parse(words)
        if spec.words:
            raise BadInput(N_("Unknown option {word}."), word=spec.words[0])
        sched = schedules.schedule_report(session=ctx.session, actor=ctx.actor, report_key=rest[0],
                                          target_type=target_type, target_id=target, spec=spec, now=ctx.now,
                                          **_defaults(ctx))
        where = f"<#{target}>" if target_type == TargetType.CHANNEL else f"<@{target}>"
        return _notice(ctx, ctx._("Report {report} goes to {where} {when} (schedule {id}).", report=sched.report_key,
                                  where=where, when=worker.describe_when(sched, ctx.locale), id=sched.id))
    raise BadInput(SCHEDULE_USAGE)


def list_reply(ctx: Ctx, *, kind: str | None) -> dict:
    items = schedules.list_schedules(session=ctx.session, actor=ctx.actor, kind=kind)
    rows = [{"schedule": s, "when": worker.describe_when(s, ctx.locale),
             "next": _local(schedules.next_run(s, ctx.now), s) if s.enabled else None} for s in items]
    return ctx.render("digest_list.json.j2", rows=rows, kind=kind,
                      can_edit=ctx.actor.can(Permission.MANAGE_SCHEDULES))


def _subscription(ctx: Ctx, channel: str) -> Schedule | None:
    return next((s for s in schedules.list_schedules(session=ctx.session, actor=ctx.actor, kind=ScheduleKind.DIGEST)
                 if s.target_id == channel), None)


def preview(ctx: Ctx, channel: str) -> dict:
    """The channel's digest as of today, for the caller's eyes (their customers only)."""
    sched = _subscription(ctx, channel)
    period = ctx.now.date().isoformat()
    sched = sched or Schedule(partner_id=ctx.partner_id, target_id=channel, alerts=schedules.ALL_ALERTS,
                              language=ctx.locale)
    digest = alerts.build_digest(
        session=ctx.session, partner_id=ctx.partner_id, as_of=ctx.as_of, settings=ctx.settings,
        alerts=list(sched.alerts or []), tag=sched.tag, region=sched.region,
        previous=alerts.previous_statuses(ctx.session, schedule_id=sched.id, before_period=period) if sched.id else None,
        customer_ids=auth.visible_customer_ids(ctx.session, ctx.actor),
    )
    from functools import partial

    return ctx.render("digest.json.j2", digest=digest, schedule=sched, preview=True,
                      rows_per_alert=ctx.settings.digest_rows_per_alert,
                      status_label=partial(worker._status_label, locale=ctx.locale))


def send_now(ctx: Ctx, channel: str) -> dict:
    auth.require(ctx.actor, Permission.MANAGE_SCHEDULES)
    sched = _subscription(ctx, channel)
    if sched is None:
        raise NotFound(N_("This channel has no digest subscription."))
    # The claim and the outcome commit in their own short transactions (worker.deliver),
    # so two clicks, or a click and the worker, still post once per minute's period.
    due = worker.Due(sched.id, sched.partner_id, f"m{ctx.now:%Y-%m-%dT%H:%M}", ctx.now)
    outcome = worker.deliver(ctx.session.get_bind(), ctx.settings, due, now=ctx.now, worker_id=f"slack:{ctx.user_id}",
                             client_for=lambda _s, _sched: ctx.client, remember=False)
    if outcome.status == "posted":
        return _notice(ctx, ctx._("Posted the digest to <#{channel}>.", channel=channel))
    if outcome.status == "not_claimed":
        return _notice(ctx, ctx._("The digest was just sent to <#{channel}>.", channel=channel))
    if outcome.status == "skipped":
        return _notice(ctx, ctx._("Nothing needs attention, and this subscription stays quiet then."))
    if outcome.status == "unknown":  # the post went out and no answer came back
        return _notice(ctx, ctx._("Slack did not answer in time, so the digest may already be in <#{channel}>: "
                                  "look there before sending it again.", channel=channel), error=True)
    return _notice(ctx, ctx._("Slack did not take the digest ({error}).", error=outcome.error or "?"), error=True)


def _fair_use(ctx: Ctx) -> None:
    decision = ratelimit.check_now(ctx.session.get_bind(), team_id=ctx.team_id, user_id=ctx.user_id, now=ctx.now,
                                   settings=ctx.settings)
    if not decision.allowed:
        raise ratelimit.refusal(decision)


def _local(at, sched):
    return at.astimezone(schedules.zone(sched.timezone))


def _notice(ctx: Ctx, text: str, detail: str | None = None, *, error: bool = False) -> dict:
    return ctx.render("notice.json.j2", text=text, detail=[detail] if detail else [],
                      level="error" if error else "info")


# ---------------------------------------------------------------------------------
# The alert menu: acknowledge, snooze (date picker), owner (user picker)
# ---------------------------------------------------------------------------------
def _parse_alert(value: str) -> tuple[str, str, int, str]:
    parts = value.split("|")
    if len(parts) != 4:
        raise BadInput(values.STALE)
    verb, kind, customer, fingerprint = parts
    return verb, _alert_kind(kind), values.record_id(customer), _fingerprint(fingerprint)


def _alert_kind(raw, message: str = values.STALE) -> str:
    return values.text(raw, 20, message, empty_ok=False)  # AlertState.kind is 20 characters


def _fingerprint(raw, message: str = values.STALE) -> str:
    return values.text(raw, 64, message)  # AlertState.fingerprint is 64 characters


def _alert_meta(ctx: Ctx) -> tuple[str, int, str]:
    """(kind, customer id, fingerprint) from the modal's private_metadata, which we wrote."""
    meta = ctx.metadata
    return (_alert_kind(meta.get("kind"), values.STALE_FORM), values.record_id(meta.get("customer"), values.STALE_FORM),
            _fingerprint(meta.get("fp", ""), values.STALE_FORM))


def on_alert_menu(ctx: Ctx, action: dict):
    value = (action.get("selected_option") or {}).get("value") or action.get("value") or ""
    verb, kind, customer_id, fingerprint = _parse_alert(value)
    if verb == "ack":
        alerts.acknowledge(session=ctx.session, actor=ctx.actor, kind=kind, customer_id=customer_id,
                           fingerprint=fingerprint, now=ctx.now)
        return _notice(ctx, ctx._("Acknowledged. This alert stays out of digests until it changes."))
    if verb not in ("snooze", "owner"):
        raise BadInput(N_("That button is out of date; run the command again."))
    auth.require(ctx.actor, Permission.MANAGE_SCHEDULES)  # before opening a modal that cannot be used
    meta = json.dumps({"kind": kind, "customer": customer_id, "fp": fingerprint, "channel": ctx.channel_id})
    template = "alert_snooze_modal.json.j2" if verb == "snooze" else "alert_owner_modal.json.j2"
    return Modal(ctx.render(template, metadata=meta, suggested=ctx.as_of + timedelta(days=7)))


def on_snooze_submit(ctx: Ctx, inputs: dict):
    kind, customer_id, fingerprint = _alert_meta(ctx)
    until = values.calendar_day(inputs.get(BlockId.ALERT_SNOOZE_UNTIL))
    if until is None:  # validate_snooze keeps a real client's modal open; this one was forged
        raise BadInput(values.STALE_FORM)
    alerts.snooze(session=ctx.session, actor=ctx.actor, kind=kind, customer_id=customer_id,
                  fingerprint=fingerprint, until=until, as_of=ctx.as_of, now=ctx.now)
    return _notice(ctx, ctx._("Snoozed until {date}, unless the alert changes before.", date=until.isoformat()))


def validate_snooze(inputs: dict, locale: str) -> dict[str, str]:
    from partnerhub_core.i18n import translations

    if values.calendar_day(inputs.get(BlockId.ALERT_SNOOZE_UNTIL)) is None:  # missing, or 2026-02-30
        return {BlockId.ALERT_SNOOZE_UNTIL: translations(locale).gettext("Pick a day.")}
    return {}


def on_owner_submit(ctx: Ctx, inputs: dict):
    kind, customer_id, _fingerprint_unused = _alert_meta(ctx)
    owner = inputs.get(BlockId.ALERT_OWNER_USER)
    if owner is not None and not USER.match(f"<@{owner}>"):
        raise BadInput(N_("Pick a person."))
    alerts.assign_owner(session=ctx.session, actor=ctx.actor, kind=kind, customer_id=customer_id,
                        owner_slack_user_id=owner, now=ctx.now)
    return _notice(ctx, ctx._("<@{user}> follows this alert up.", user=owner) if owner
                   else ctx._("This alert has no owner now."))


def register(app: AsyncApp) -> None:
    subcommand(app, "digest", aliases=("digests",), usage=N_("digest subscribe|unsubscribe|list|preview|send-now …"),
               help=N_("Weekly digests and alerts in a channel: subscribe, preview, send now."),
               group=N_("Digests and schedules"))(digest_command)
    subcommand(app, "schedule", aliases=("schedules",), usage=N_("schedule report <report> …|list|delete <number>"),
               help=N_("Scheduled reports to a channel or a DM: daily, weekly or monthly."),
               group=N_("Digests and schedules"))(schedule_command)
    on_action(app, ActionId.ALERT_MENU, on_alert_menu)
    on_view(app, CallbackId.ALERT_SNOOZE, on_snooze_submit, validate=validate_snooze)
    on_view(app, CallbackId.ALERT_OWNER, on_owner_submit)
