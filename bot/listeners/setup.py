"""/partnerhub setup — first-run onboarding (SPEC F26).

In a workspace not linked yet: a modal names the partner organization (and its Webex org
id), the default region and language; the person who submits it becomes the first full
partner admin. Afterwards: an overview with the admins, a modal that maps a Slack user to
a partner admin role, and one for the workspace's default region and language.
"""
from __future__ import annotations

import json

from slack_bolt.async_app import AsyncApp
from slack_sdk.errors import SlackApiError

from bot.commands import subcommand
from bot.context import Ctx, Modal, on_action, on_view, runtime
from bot.errors import role_label
from bot.ids import ActionId, BlockId, CallbackId
from bot.render import escape_mrkdwn
from partnerhub_core import auth
from partnerhub_core.auth import Permission
from partnerhub_core.errors import BadInput
from partnerhub_core.i18n import LANGUAGE_NAMES, N_, SUPPORTED
from partnerhub_core.i18n.glossary import region_label
from partnerhub_core.i18n.preferences import set_workspace_language
from partnerhub_core.models import Region, Role
from partnerhub_core.services import onboarding

ADMINS_SHOWN = 25
NO_REGION = "none"


def _languages() -> list[dict]:
    return [{"value": code, "label": LANGUAGE_NAMES[code]} for code in SUPPORTED]


def _regions(ctx: Ctx) -> list[dict]:
    return ([{"value": NO_REGION, "label": ctx._("All regions")}]
            + [{"value": r.value, "label": region_label(r.value, ctx.locale)} for r in Region])


def _metadata(ctx: Ctx) -> str:
    return json.dumps({"channel": ctx.channel_id} if ctx.channel_id else {})


def link_modal(ctx: Ctx) -> Modal:
    email = ((ctx.slack_user.get("profile") or {}).get("email")) or ""
    return Modal(ctx.render("setup_link_modal.json.j2", email=email, language=ctx.locale,
                            regions=_regions(ctx)[1:], languages=_languages(), metadata=_metadata(ctx)))


def overview(ctx: Ctx, *, just_linked: bool = False) -> dict:
    partner, workspace = ctx.partner, ctx.workspace
    admins = auth.partner_admins(ctx.session, partner.id)
    lines = []
    for a in admins[:ADMINS_SHOWN]:
        who = f"<@{a.slack_user_id}>" if a.slack_user_id else escape_mrkdwn(a.display_name)
        scope = ctx._("all customers") if a.all_customers and a.role != Role.FULL_ADMIN else ""
        lines.append(f"• {who} — {escape_mrkdwn(role_label(a.role, ctx.locale))}"
                     + (f" ({escape_mrkdwn(scope)})" if scope else ""))
    region = workspace.default_region if workspace and workspace.default_region else None
    language = (workspace.default_language if workspace else None) or "en"
    return ctx.render(
        "setup_overview.json.j2", partner=partner.name, webex_org=partner.webex_org_id or "",
        region=region_label(region, ctx.locale) if region else ctx._("All regions"),
        language=LANGUAGE_NAMES.get(language, language),
        admins=[{"line": line} for line in lines], more_admins=max(len(admins) - ADMINS_SHOWN, 0),
        can_manage=ctx.admin is not None and ctx.actor.can(Permission.MANAGE_ADMINS), just_linked=just_linked,
    )


def setup_command(ctx: Ctx, args: list[str]):
    if ctx.partner is None:
        return link_modal(ctx)
    ctx.actor  # noqa: B018 - raises a polite NotAllowed for people who are not partner admins
    return overview(ctx)


def open_from_button(ctx: Ctx, action: dict):
    if ctx.partner is None:
        return link_modal(ctx)
    if (action.get("value") or "") == "defaults":
        auth.require(ctx.actor, Permission.SETUP)
        workspace = ctx.workspace
        return Modal(ctx.render("setup_defaults_modal.json.j2", region=workspace.default_region or NO_REGION,
                                language=workspace.default_language or "en", regions=_regions(ctx),
                                languages=_languages(), metadata=_metadata(ctx)))
    return overview(ctx)


def admin_modal(ctx: Ctx, action: dict) -> Modal:
    auth.require(ctx.actor, Permission.MANAGE_ADMINS)
    roles = [{"value": r.value, "label": role_label(r, ctx.locale)} for r in Role]
    return Modal(ctx.render("setup_admin_modal.json.j2", roles=roles, metadata=_metadata(ctx)))


def validate_link(values: dict, locale: str) -> dict[str, str]:
    from partnerhub_core import i18n

    _ = i18n.translations(locale).gettext
    problems = {}
    if not (values.get(BlockId.SETUP_PARTNER_NAME) or "").strip():
        problems[BlockId.SETUP_PARTNER_NAME.value] = _("Name the partner organization.")
    try:
        onboarding.clean_email(values.get(BlockId.SETUP_EMAIL))
    except BadInput:
        problems[BlockId.SETUP_EMAIL.value] = _("Type an email address, like name@example.com.")
    return problems


def submit_link(ctx: Ctx, values: dict) -> dict:
    if ctx.partner is not None:  # linked meanwhile (two people, two modals)
        return overview(ctx)
    profile = ctx.slack_user.get("profile") or {}
    linked = onboarding.link_workspace(
        session=ctx.session, team_id=ctx.team_id, enterprise_id=ctx.enterprise_id,
        partner_name=values.get(BlockId.SETUP_PARTNER_NAME) or "",
        webex_org_id=values.get(BlockId.SETUP_WEBEX_ORG), default_region=values.get(BlockId.SETUP_REGION),
        default_language=values.get(BlockId.SETUP_LANGUAGE),
        slack_user_id=ctx.user_id,
        display_name=profile.get("real_name") or ctx.slack_user.get("real_name") or ctx.user_id,
        email=values.get(BlockId.SETUP_EMAIL) or "", allow_claim=not runtime_oauth(ctx), now=ctx.now,
    )
    ctx.workspace, ctx.partner, ctx.admin = linked.workspace, linked.partner, linked.admin
    ctx.locale = linked.admin.language or linked.workspace.default_language or ctx.locale
    return overview(ctx, just_linked=True)


def runtime_oauth(ctx: Ctx) -> bool:
    # Claiming a partner imported from Webex is for single-workspace installs only (see
    # onboarding.link_workspace); OAuth mode is bot.app.oauth_mode, not imported (cycle).
    return bool(getattr(ctx.settings, "slack_client_id", None) and getattr(ctx.settings, "slack_client_secret", None))


def validate_admin(values: dict, locale: str) -> dict[str, str]:
    from partnerhub_core import i18n

    _ = i18n.translations(locale).gettext
    problems = {}
    email = values.get(BlockId.SETUP_EMAIL)
    if email:
        try:
            onboarding.clean_email(email)
        except BadInput:
            problems[BlockId.SETUP_EMAIL.value] = _("Type an email address, like name@example.com.")
    return problems


def submit_admin(ctx: Ctx, values: dict) -> dict:
    user_id = values.get(BlockId.SETUP_USER) or ""
    info = _slack_profile(ctx, user_id)
    if info.get("is_bot"):
        raise BadInput(N_("Bots cannot be partner admins."))
    profile = info.get("profile") or {}
    admin = onboarding.map_slack_user(
        session=ctx.session, actor=ctx.actor, slack_user_id=user_id,
        display_name=profile.get("real_name") or info.get("real_name") or info.get("name") or user_id,
        email=values.get(BlockId.SETUP_EMAIL) or profile.get("email"),
        role=values.get(BlockId.SETUP_ROLE) or Role.READ_ONLY.value,
        all_customers="all" in (values.get(BlockId.SETUP_ALL_CUSTOMERS) or []), now=ctx.now,
    )
    return ctx.render("notice.json.j2", text=ctx._("{name} is now a {role}.", name=admin.display_name,
                                                   role=role_label(admin.role, ctx.locale)))


def _slack_profile(ctx: Ctx, user_id: str) -> dict:
    try:
        return dict(ctx.client.users_info(user=user_id).get("user") or {})
    except SlackApiError:
        return {}  # the email typed in the form is then required (map_slack_user says so)


def submit_defaults(ctx: Ctx, values: dict) -> dict:
    actor = ctx.actor
    region = values.get(BlockId.SETUP_REGION)
    onboarding.set_default_region(session=ctx.session, actor=actor, workspace_id=ctx.workspace.id,
                                  region=None if region == NO_REGION else region, now=ctx.now)
    language = values.get(BlockId.SETUP_LANGUAGE)
    if language:
        set_workspace_language(session=ctx.session, actor=actor, workspace_id=ctx.workspace.id,
                               language=language, now=ctx.now)
    return overview(ctx)


def register(app: AsyncApp) -> None:
    runtime(app)  # fails early when build_app did not attach the runtime
    subcommand(app, "setup", aliases=("configurar", "onboarding"), usage=N_("setup"),
               help=N_("Link this workspace to your partner organization, add partner admins, "
                       "choose the default region and language."),
               group=N_("Getting started"), needs_partner=False)(setup_command)
    on_action(app, ActionId.SETUP_OPEN, open_from_button)
    on_action(app, ActionId.SETUP_ADD_ADMIN, admin_modal)
    on_view(app, CallbackId.SETUP_LINK, submit_link, validate=validate_link)
    on_view(app, CallbackId.SETUP_ADMIN, submit_admin, validate=validate_admin)
    on_view(app, CallbackId.SETUP_DEFAULTS, submit_defaults)
