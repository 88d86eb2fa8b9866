"""The core's typed errors, said politely in the user's language.

``context.run_in_transaction`` sends every error a handler raises through
``error_message``; ``install(app)`` registers the one ``@app.error`` handler for what
fails outside a handler (middleware, bolt itself). Nothing else in ``bot/`` catches
broadly.
"""
from __future__ import annotations

import logging
import uuid
from typing import Any

from slack_bolt.async_app import AsyncApp

from bot.guard import bolt_request_verified
from bot.render import render
from partnerhub_core import i18n
from partnerhub_core.auth import GRANTS, ROLE_LABELS, Permission
from partnerhub_core.errors import (
    localize_params,
    Ambiguous,
    BadInput,
    Conflict,
    NotAllowed,
    NotFound,
    NotSetUp,
    PartnerHubError,
    UpstreamError,
)
from partnerhub_core.i18n import N_
from partnerhub_core.i18n.glossary import region_label, status_label
from partnerhub_core.models import Role
from partnerhub_core.secrets import SecretsNotConfigured, SecretUnreadable

log = logging.getLogger("partnerhub.bot")

# auth.ROLE_LABELS holds the English names; these marks put them in the catalogs.
MAX_BUTTONS = 10  # candidates offered as buttons; the rest are counted

_ROLE_MSGIDS = (N_("full partner admin"), N_("partner admin"), N_("sales admin"),
                N_("read-only partner admin"))

TITLES = {
    NotFound: N_("Not found"),
    NotAllowed: N_("Not allowed"),
    BadInput: N_("I could not understand that"),
    Conflict: N_("That clashes with something that exists"),
    UpstreamError: N_("A service did not answer"),
}


def role_label(role: str | Role, locale: str | None) -> str:
    try:
        english = ROLE_LABELS[Role(role)]
    except ValueError:
        return str(role)
    return i18n.translations(locale).gettext(english)


def _roles_needed(permission: str, locale: str | None) -> str | None:
    try:
        roles = sorted(GRANTS[Permission(permission)], key=list(Role).index)
    except ValueError:
        return None
    gettext = i18n.translations(locale).gettext
    labels = [role_label(r, locale) for r in roles]
    text = labels[0]
    for label in labels[1:]:
        text = gettext("{first} or {second}").format(first=text, second=label)
    return text


def localized_text(exc: PartnerHubError, locale: str | None) -> str:
    gettext = i18n.translations(locale).gettext
    params = localize_params(exc.params, gettext)
    if isinstance(exc, NotAllowed) and "permission" in params:
        roles = _roles_needed(params["permission"], locale)
        if roles:
            params["roles"] = roles
        if "role" in params:
            english_to_role = {v: k for k, v in ROLE_LABELS.items()}
            role = english_to_role.get(params["role"])
            if role is not None:
                params["role"] = role_label(role, locale)
    text = gettext(exc.message)
    try:
        return text.format(**params)
    except (KeyError, IndexError, ValueError):
        return text


# Errors only the operator can mend (a key that cannot read what is stored): the person is
# told that, not the operator's instructions.
OPERATOR_ERRORS = (SecretUnreadable, SecretsNotConfigured)
_operator_told: set[str] = set()


def alert_operator_once(installation: str, exc: Exception) -> None:
    """One ERROR line per installation (per process) for an error only the operator can
    mend, however many requests run into it."""
    if installation in _operator_told:
        return
    if len(_operator_told) > 10_000:
        _operator_told.clear()
    _operator_told.add(installation)
    log.error("operator_needed", extra={"installation": installation, "error": type(exc).__name__,
                                        "detail": getattr(exc, "message", str(exc))})


def operator_needed_message(locale: str | None) -> dict:
    gettext = i18n.translations(locale).gettext
    return render("notice.json.j2", locale=locale, title=None,
                  text=gettext("This workspace needs its operator: Partner Hub cannot read its stored "
                               "credentials. The operator has been alerted; please try again later."),
                  detail=[], hint=None, buttons=[], level="error")


def error_message(exc: PartnerHubError, locale: str | None, *, setup_possible: bool = True) -> dict:
    """An ephemeral message for a typed error (NotSetUp: the setup prompt)."""
    if isinstance(exc, NotSetUp) and setup_possible:
        return setup_prompt(locale)
    if isinstance(exc, OPERATOR_ERRORS):
        return operator_needed_message(locale)
    gettext = i18n.translations(locale).gettext
    if getattr(exc, "candidates", None):
        return candidates_message(exc, locale)
    detail: list[str] = []
    if isinstance(exc, NotFound) and exc.suggestions:
        detail.append(gettext("Did you mean: {names}?").format(names=", ".join(exc.suggestions[:5])))
    title = next((gettext(t) for kind, t in TITLES.items() if isinstance(exc, kind)), None)
    return render(
        "notice.json.j2",
        locale=locale,
        title=title,
        text=localized_text(exc, locale),
        detail=detail,
        hint=gettext("Type /partnerhub help to see everything I can do.")
        if isinstance(exc, BadInput) else None,
        buttons=[],
        level="error",
    )


def candidates_message(exc: Ambiguous | NotFound, locale: str | None) -> dict:
    """Several customers match, or none does and some are close: one "Open" button each
    (the customer card's own action), name, region and statuses in the person's language."""
    gettext = i18n.translations(locale).gettext
    rows = [{"id": c.id, "name": c.name, "region": region_label(c.region, locale),
             "statuses": [status_label(s, locale) for s in c.statuses]} for c in exc.candidates[:MAX_BUTTONS]]
    ambiguous = isinstance(exc, Ambiguous)
    text = localized_text(exc, locale) + ("" if ambiguous else " " + gettext("Did you mean one of these?"))
    return render("customers_candidates.json.j2", locale=locale, title=None, text=text, candidates=rows,
                  more=max((exc.total if ambiguous else len(exc.candidates)) - len(rows), 0),
                  level="info" if ambiguous else "error")


def setup_prompt(locale: str | None) -> dict:
    return render("setup_prompt.json.j2", locale=locale)


def unexpected_message(ref: str, locale: str | None) -> dict:
    gettext = i18n.translations(locale).gettext
    return render(
        "notice.json.j2",
        locale=locale,
        title=None,
        text=gettext("Sorry, something went wrong on our side. Please try again in a minute."),
        detail=[gettext("If it keeps happening, give your administrator this reference: {ref}").format(ref=ref)],
        hint=None,
        buttons=[],
        level="error",
    )


def install(app: AsyncApp, rt: Any) -> None:
    """The one @app.error: a polite ephemeral answer, never a stack trace to a person.
    ``rt`` is the app's ``bot.context.Runtime`` (its settings and Slack user cache), passed
    in: the runtime uses this module, which must therefore not import it back."""

    @app.error
    async def on_error(error, body, respond, logger, request, response):
        secret = rt.settings.slack_signing_secret
        if secret is None or not bolt_request_verified(request, secret.get_secret_value()):
            # Nothing of an unverified request is used: not its response_url, not its
            # channel. (bot/guard.py refuses these before bolt; this is the second lock.)
            if response is not None:
                response.status, response.body, response.headers = 401, "", {}
            logger.info("error on an unverified request; refused without an answer")
            return
        if isinstance(error, OPERATOR_ERRORS):
            # E.g. the installation's token no key can decrypt (bot/installation.py). A 200,
            # so that Slack does not retry what only the operator can mend; the person hears
            # that, once per request; the operator reads it once per installation.
            context = request.context
            alert_operator_once(f"{context.enterprise_id or ''}/{context.team_id or ''}", error)
            if response is not None:
                response.status, response.body, response.headers = 200, "", {}
            if respond is not None and isinstance(body, dict) and body.get("response_url"):
                try:
                    await respond(**operator_needed_message(_known_locale(rt, body)), response_type="ephemeral")
                except Exception:  # noqa: BLE001 - nothing more we can tell the user
                    logger.warning("could not answer after an error", exc_info=True)
            return
        acked = request.context.ack.response
        if acked is not None and response is not None:
            # Slack already has the ack; bolt (process_before_response) would now answer
            # 500, which Slack shows as a failure. Keep the ack, answer below.
            response.status, response.body, response.headers = acked.status, acked.body, acked.headers
        locale = _known_locale(rt, body)
        if isinstance(error, PartnerHubError):
            message = error_message(error, locale)
        else:
            ref = uuid.uuid4().hex[:8]
            logger.error("unhandled error (ref %s): %s", ref, error, exc_info=error)
            message = unexpected_message(ref, locale)
        if respond is not None and isinstance(body, dict) and body.get("response_url"):
            try:
                await respond(**message, response_type="ephemeral")
            except Exception:  # noqa: BLE001 - nothing more we can tell the user
                logger.warning("could not answer after an error", exc_info=True)


def _known_locale(rt, body) -> str | None:
    """The Slack language of the person, when this process has already asked Slack."""
    if not isinstance(body, dict):
        return None
    team = body.get("team_id") or (body.get("team") or {}).get("id") or ""
    user = body.get("user_id") or (body.get("user") or {}).get("id") or ""
    cached = rt.cached_user(team, user) or {}
    return i18n.normalize_locale(cached["locale"]) if i18n.is_supported(cached.get("locale")) else None


__all__ = ["error_message", "alert_operator_once", "operator_needed_message", "setup_prompt", "unexpected_message", "localized_text", "install",
           "role_label"]
