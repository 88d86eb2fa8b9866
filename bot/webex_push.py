"""Send a change made in Slack to Webex once it is committed (tags, partner admins).

Listeners call these right after the service call; the push runs after the request's
transaction commits (``Ctx.after_commit``), so our database keeps the change whatever
Webex says. When Webex fails the person is told, briefly, that the change is saved here
and that the next sync sends it (``partnerhub_core.sources.push`` marks it pending).
Partners without a Webex token are not pushed to, and hear nothing about it.
"""
from __future__ import annotations

from collections.abc import Iterable

from bot.context import Ctx
from partnerhub_core.errors import BadInput
from partnerhub_core.i18n import N_
from partnerhub_core.sources import push

TAGS_NOT_PUSHED = N_("Saved here, but Webex could not be updated just now ({count} customers); "
                     "the next sync will send it.")
ADMIN_NOT_PUSHED = N_("Saved here, but Webex could not be updated just now; the next sync will send it.")
ADMIN_NOT_IN_WEBEX = N_("Saved here only: {reason}")


def push_tags_after_commit(ctx: Ctx, customer_ids: Iterable[int]) -> None:
    """After the commit, send these customers' whole tag lists to Webex."""
    ids = sorted(set(customer_ids))
    if not ids:
        return
    partner_id, settings = ctx.partner_id, ctx.settings

    def push_tags(session_factory) -> str | None:
        result = push.push_tags(session_factory=session_factory, partner_id=partner_id,
                                customer_ids=ids, settings=settings)
        if result.ok:
            return None
        return ctx._(TAGS_NOT_PUSHED, count=len(result.failed))

    ctx.after_commit(push_tags)


def push_admin_after_commit(ctx: Ctx, *, customer_id: int, admin_id: int, assign: bool) -> None:
    """After the commit, assign (or unassign) the partner admin in Webex too."""
    partner_id, settings = ctx.partner_id, ctx.settings

    def push_admin(session_factory) -> str | None:
        result = push.push_admin(session_factory=session_factory, partner_id=partner_id,
                                 customer_id=customer_id, admin_id=admin_id, assign=assign, settings=settings)
        if result.ok:
            return None
        error = result.errors[0]
        if isinstance(error, BadInput):
            # e.g. no Webex person id: the sync cannot send it either; say why.
            return ctx._(ADMIN_NOT_IN_WEBEX, reason=ctx._(error.message, **error.params))
        return ctx._(ADMIN_NOT_PUSHED)

    ctx.after_commit(push_admin)
