"""/partnerhub sync — real data.

    sync [status]     when each part of the Webex sync last succeeded and what failed
    sync import       a form to upload a subscription CSV (full partner admins); the file
                      goes through the same import as `partnerhub import subscriptions`, or,
                      for a file downloaded from Partner Hub, `partnerhub import partner-hub`
"""
from __future__ import annotations

import io
import json
from urllib.parse import urlsplit

import httpx
from slack_bolt.async_app import AsyncApp

from bot.commands import subcommand
from bot.context import Ctx, Modal, on_view
from bot.ids import BlockId, CallbackId
from partnerhub_core import auth, i18n
from partnerhub_core.auth import Permission
from partnerhub_core.errors import BadInput, UpstreamError
from partnerhub_core.i18n import N_
from partnerhub_core.sources import sync as sync_core
from partnerhub_core.sources.partner_hub_exports import file_kind, import_partner_hub_export
from partnerhub_core.sources.partner_hub_layouts import KIND_LABELS, SUBSCRIPTIONS
from partnerhub_core.sources.subscription_import import import_subscriptions

USAGE = N_("Usage: /partnerhub sync [status], or sync import to upload a subscription CSV")
MAX_BYTES = 10 * 1024 * 1024  # Slack's file_input limit

PART_LABELS = {
    "organizations": N_("Customer organizations"),
    "licenses": N_("Licenses"),
    "license_usage": N_("Licence usage"),
    "tags": N_("Tags"),
    "region": N_("Region"),
    "admins": N_("Partner admins"),
    "sign_in": N_("Admin sign-in"),
    "locations": N_("Locations"),
    "numbers": N_("Phone numbers"),
    "devices": N_("Devices"),
    "pstn": N_("PSTN connections"),
    "people": N_("People"),
    "cdr": N_("Call history"),
}


def sync_command(ctx: Ctx, args: list[str]):
    word = args[0].casefold() if args else "status"
    if word in ("status", "estado") and len(args) <= 1:
        return status_reply(ctx)
    if word in ("import", "importar") and len(args) == 1:
        return import_form(ctx)
    raise BadInput(USAGE)


def _when(ctx: Ctx, moment) -> str | None:
    if moment is None:
        return None
    return f"{i18n.format_date(moment.date(), ctx.locale)} {moment:%H:%M} UTC"


def status_reply(ctx: Ctx) -> dict:
    auth.require(ctx.actor, Permission.VIEW)
    parts = sync_core.sync_status(session=ctx.session, partner_id=ctx.partner_id)
    # A part without a label yet is shown by its name rather than failing the whole status.
    rows = [{"label": ctx._(PART_LABELS[p.part]) if p.part in PART_LABELS else p.part,
             "success": _when(ctx, p.last_success_at),
             "failed_at": _when(ctx, p.last_error_at), "error": p.last_error,
             "failed": p.organizations_failed, "resuming": p.resuming,
             # "not connected: missing scope X": an optional source, not a failure (one line)
             "missing": (p.last_error or "").split("missing scope ", 1)[-1] if p.not_connected else None}
            for p in parts]
    return ctx.render("sync_status.json.j2", rows=rows, never=not any(r["success"] or r["failed_at"] for r in rows))


def import_form(ctx: Ctx) -> Modal:
    auth.require(ctx.actor, Permission.IMPORT_DATA)
    return Modal(view=ctx.render("sync_import_modal.json.j2", metadata=json.dumps({"channel": ctx.channel_id})))


def submitted_files(body: dict) -> list[dict]:
    state = ((body.get("view") or {}).get("state") or {}).get("values") or {}
    block = state.get(str(BlockId.SYNC_IMPORT_FILE)) or {}
    return [f for el in block.values() for f in (el.get("files") or []) if isinstance(f, dict)]


def download(ctx: Ctx, file: dict) -> bytes:
    """The uploaded file's bytes, fetched with the bot token from Slack's file host only
    (the token must never go anywhere else)."""
    url = file.get("url_private_download") or file.get("url_private") or ""
    allowed = {"files.slack.com", urlsplit(ctx.settings.slack_api_url).hostname}
    if urlsplit(url).scheme not in ("https", "http") or urlsplit(url).hostname not in allowed:
        raise BadInput(N_("That file did not come from Slack; upload it again."))
    if int(file.get("size") or 0) > MAX_BYTES:
        raise BadInput(N_("The file is larger than {size} MB."), size=MAX_BYTES // (1024 * 1024))
    try:
        with httpx.stream("GET", url, headers={"Authorization": f"Bearer {ctx.client.token}"},
                          timeout=30, follow_redirects=False) as response:
            if response.status_code != 200:
                raise UpstreamError(N_("Slack did not hand over the file (HTTP {status})."),
                                    status=response.status_code)
            data = bytearray()
            for chunk in response.iter_bytes():
                data.extend(chunk)
                if len(data) > MAX_BYTES:
                    raise BadInput(N_("The file is larger than {size} MB."), size=MAX_BYTES // (1024 * 1024))
    except httpx.HTTPError:
        raise UpstreamError(N_("Slack did not hand over the file; try again in a minute.")) from None
    return bytes(data)


def on_import(ctx: Ctx, _values: dict) -> dict:
    auth.require(ctx.actor, Permission.IMPORT_DATA)
    files = submitted_files(ctx.body)
    if len(files) != 1:
        raise BadInput(N_("Attach one CSV file."))
    name = str(files[0].get("name") or "subscriptions.csv")[:200]
    data = download(ctx, files[0])
    # A file downloaded from Partner Hub (customer list, devices or numbers report) is
    # welcome here too: its header row says which it is.
    if file_kind(io.BytesIO(data), name) != SUBSCRIPTIONS:
        return _imported_export(ctx, import_partner_hub_export(
            session=ctx.session, actor=ctx.actor, source=io.BytesIO(data), now=ctx.now, file_name=name), name)
    result = import_subscriptions(session=ctx.session, actor=ctx.actor, source=io.BytesIO(data),
                                  now=ctx.now, file_name=name)
    return ctx.render(
        "notice.json.j2", title=ctx._("Subscriptions imported"),
        text=ctx._("{rows} rows of {file}: {created} new and {updated} updated subscriptions, {customers} new "
                   "customers.", rows=result.rows, file=name, created=result.subscriptions_created,
                   updated=result.subscriptions_updated, customers=result.customers_created))


def _imported_export(ctx: Ctx, result, name: str) -> dict:
    return ctx.render(
        "notice.json.j2", title=ctx._("Partner Hub file imported"),
        text=ctx._("{rows} rows of {file} ({kind}): {customers} customers, {created} new and {updated} updated; "
                   "{items} devices or numbers.", rows=result.rows, file=name, kind=ctx._(KIND_LABELS[result.kind]),
                   customers=result.customers, created=result.customers_created, updated=result.customers_updated,
                   items=result.items))


def register(app: AsyncApp) -> None:
    subcommand(app, "sync", usage=N_("sync [status|import]"),
               help=N_("When Webex data was last synced and what failed; upload a subscription CSV."),
               group=N_("Getting started"))(sync_command)
    on_view(app, CallbackId.SYNC_IMPORT, on_import)
