"""/partnerhub language — the language Partner Hub answers you in.

    language                      which language, how it was chosen, buttons to change it
    language pt-BR | es | en      your own choice (stored on your partner admin, audited)
    language auto                 back to your Slack account's language
    language workspace pt-BR      the workspace default (full partner admins)

The confirmation is already in the new language.
"""
from __future__ import annotations

from slack_bolt.async_app import AsyncApp

from bot.commands import subcommand
from bot.context import Ctx
from bot.locale import request_locale
from bot.render import render
from partnerhub_core.errors import BadInput
from partnerhub_core.i18n import LANGUAGE_NAMES, N_, SUPPORTED, to_bcp47, translations
from partnerhub_core.i18n import preferences, resolve

USAGE = N_("Usage: /partnerhub language [en|pt-BR|es|auto], or language workspace <en|pt-BR|es>")

HOW = {
    resolve.SOURCE_USER: N_("You chose it with /partnerhub language."),
    resolve.SOURCE_SLACK: N_("It is the language of your Slack account."),
    resolve.SOURCE_WORKSPACE: N_("It is this workspace's default language."),
    resolve.SOURCE_DEFAULT: N_("English is the default."),
}


def language_message(ctx: Ctx, *, locale: str, source: str, done: str | None = None,
                     workspace_locale: str | None = None) -> dict:
    gettext = translations(locale).gettext
    choices = [{"name": LANGUAGE_NAMES[code], "command": f"language {to_bcp47(code)}",
                "current": code == locale and source == resolve.SOURCE_USER} for code in SUPPORTED]
    choices.append({"name": gettext("Follow my Slack language"), "command": "language auto",
                    "current": source != resolve.SOURCE_USER})
    return render(
        "language.json.j2", locale=locale,
        current=LANGUAGE_NAMES[locale],
        how=gettext(HOW[source]),
        done=done,
        workspace=LANGUAGE_NAMES.get(workspace_locale) if workspace_locale else None,
        choices=choices,
    )


def language_command(ctx: Ctx, args: list[str]) -> dict:
    if not args:
        choice = request_locale(admin=ctx.admin, slack_user=ctx.slack_user, workspace=ctx.workspace)
        return language_message(ctx, locale=choice.locale, source=choice.source,
                                workspace_locale=ctx.workspace.default_language if ctx.workspace else None)
    if args[0].casefold() in ("workspace", "default", "padrão", "padrao", "predeterminado") and len(args) == 2:
        return set_workspace(ctx, args[1])
    if len(args) != 1:
        raise BadInput(USAGE)
    language = resolve.parse_language(args[0])
    admin = preferences.set_my_language(session=ctx.session, actor=ctx.actor, language=language, now=ctx.now)
    choice = request_locale(admin=admin, slack_user=ctx.slack_user, workspace=ctx.workspace)
    gettext = translations(choice.locale).gettext
    if language is None:
        done = gettext("I follow your Slack language again: {language}.").format(
            language=LANGUAGE_NAMES[choice.locale])
    else:
        done = gettext("From now on I answer you in {language}.").format(language=LANGUAGE_NAMES[choice.locale])
    return language_message(ctx, locale=choice.locale, source=choice.source, done=done)


def set_workspace(ctx: Ctx, typed: str) -> dict:
    language = resolve.parse_language(typed)
    if language is None or ctx.workspace is None:
        raise BadInput(USAGE)
    preferences.set_workspace_language(session=ctx.session, actor=ctx.actor, workspace_id=ctx.workspace.id,
                                       language=language, now=ctx.now)
    choice = request_locale(admin=ctx.admin, slack_user=ctx.slack_user, workspace=ctx.workspace)
    done = translations(choice.locale).gettext(
        "This workspace's default language is now {language}. It applies to people whose Slack "
        "language I do not speak and who chose none.").format(language=LANGUAGE_NAMES[language])
    return language_message(ctx, locale=choice.locale, source=choice.source, done=done,
                            workspace_locale=language)


def register(app: AsyncApp) -> None:
    subcommand(app, "language", aliases=("lang", "idioma"), usage=N_("language [en|pt-BR|es|auto]"),
               help=N_("Choose the language I answer you in (by default, your Slack language)."),
               group=N_("Getting started"))(language_command)
