"""/partnerhub admins — partner administrators and their roles (SPEC F6, F7).

    admins                                 every partner admin with role and scope (one place),
                                           with the list as CSV or XLSX (bot/table_files.py)
    admins <customer>                      the admins assigned to a customer
    admins assign <admin> <customer>       <admin>: a @mention, an email or a name
    admins unassign <admin> <customer>
    admins role <admin> <role> [all|assigned]   full | admin | sales | read-only

Everyone may look; assigning and roles are for full partner admins (the service says so).
"""
from __future__ import annotations

from slack_bolt.async_app import AsyncApp

from bot.commands import subcommand
from bot.context import Ctx, on_action
from bot.errors import role_label
from bot.ids import ActionId
from bot.listeners.customers import resolve_customer
from bot.table_files import action_pattern, file_format, send_table
from bot.webex_push import push_admin_after_commit
from partnerhub_core import auth
from partnerhub_core.auth import Permission
from partnerhub_core.errors import BadInput
from partnerhub_core.i18n import N_
from partnerhub_core.reports.views import admins_table
from partnerhub_core.services import admins

USAGE = {
    "assign": N_("Usage: /partnerhub admins assign <@person or email> <customer>"),
    "unassign": N_("Usage: /partnerhub admins unassign <@person or email> <customer>"),
    "role": N_("Usage: /partnerhub admins role <@person or email> <full|admin|sales|read-only> [all|assigned]"),
}
SCOPES = {"all": True, "all-customers": True, "assigned": False, "assigned-only": False}


def admins_command(ctx: Ctx, args: list[str]) -> dict:
    if not args or (args[0].casefold() == "list" and len(args) == 1):
        listed = admins.list_partner_admins(session=ctx.session, actor=ctx.actor)
        return ctx.render("admins_list.json.j2", admins=listed, can_manage=ctx.actor.can(Permission.MANAGE_ADMINS))
    word = args[0].casefold()
    if word in ("assign", "unassign"):
        if len(args) < 3:
            raise BadInput(USAGE[word])
        # The role first: a read-only admin learns who may do this, not which names exist.
        auth.require(ctx.actor, Permission.MANAGE_ADMINS)
        person = admins.find_admin(session=ctx.session, partner_id=ctx.partner_id, ref=args[1])
        customer = resolve_customer(ctx, " ".join(args[2:]))
        if word == "assign":
            admins.assign_admin(session=ctx.session, actor=ctx.actor, customer_id=customer.id,
                                admin_id=person.id, now=ctx.now)
            text = ctx._("Assigned {admin} to {customer}.", admin=person.display_name, customer=customer.name)
            push_admin_after_commit(ctx, customer_id=customer.id, admin_id=person.id, assign=True)
        else:
            admins.unassign_admin(session=ctx.session, actor=ctx.actor, customer_id=customer.id,
                                  admin_id=person.id, now=ctx.now)
            text = ctx._("{admin} is no longer assigned to {customer}.", admin=person.display_name,
                         customer=customer.name)
            push_admin_after_commit(ctx, customer_id=customer.id, admin_id=person.id, assign=False)
        return _customer_admins(ctx, customer, notice=text)
    if word == "role":
        if len(args) not in (3, 4) or (len(args) == 4 and args[3].casefold() not in SCOPES):
            raise BadInput(USAGE["role"])
        auth.require(ctx.actor, Permission.MANAGE_ADMINS)
        person = admins.find_admin(session=ctx.session, partner_id=ctx.partner_id, ref=args[1])
        scope = SCOPES[args[3].casefold()] if len(args) == 4 else None
        changed = admins.set_role(session=ctx.session, actor=ctx.actor, admin_id=person.id, role=args[2],
                                  all_customers=scope, now=ctx.now)
        return ctx.render("notice.json.j2", text=ctx._(
            "{admin} is now a {role} ({scope}).", admin=changed.display_name,
            role=role_label(changed.role, ctx.locale),
            scope=ctx._("all customers") if changed.all_customers or changed.role == "full_admin"
            else ctx._("assigned customers only"),
        ))
    return _customer_admins(ctx, resolve_customer(ctx, " ".join(args)))


def _customer_admins(ctx: Ctx, customer, notice: str | None = None) -> dict:
    assigned = admins.customer_admins(session=ctx.session, actor=ctx.actor, customer_id=customer.id)
    return ctx.render("admins_customer.json.j2", customer=customer, admins=assigned, notice=notice,
                      can_manage=ctx.actor.can(Permission.MANAGE_ADMINS))


def on_download(ctx: Ctx, action: dict) -> dict | None:
    """Every partner admin (name, email, role, scope) as CSV or XLSX, to the person's DM."""
    return send_table(ctx, lambda: admins_table(session=ctx.session, actor=ctx.actor, locale=ctx.locale),
                      file_format(action))


def register(app: AsyncApp) -> None:
    subcommand(app, "admins", aliases=("admin",),
               usage=N_("admins [<customer> | assign <@person> <customer> | unassign <@person> <customer> | "
                        "role <@person> <role>]"),
               help=N_("Partner admins: who looks after which customer, with which role."),
               group=N_("Customers"))(admins_command)
    on_action(app, action_pattern(ActionId.ADMINS_FILE), on_download)
