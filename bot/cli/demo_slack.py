"""The demo's Slack half: what the bot answers to a handful of ``/partnerhub`` commands and
the weekly digest it would post, written as text (the blocks rendered for reading) with
the digest's CSVs and charts beside them.

Runs the real app offline (``bot.offline``): the same router, handlers, templates and
error messages as over HTTP; only the delivery differs.
"""
from __future__ import annotations

import re

import typer

from bot.cli.demo import DemoRun, heading
from bot.context import Home, Modal, ViewUpdate
from bot.render import blocks_to_text
from partnerhub_core import partners
from partnerhub_core.i18n import N_
from partnerhub_core.models import AlertKind, PartnerAdmin, Schedule

DEMO_TEAM = "T0DEMO"
# What a partner admin would type in their first week.
COMMANDS = [
    "help",
    "customer sao paulo",
    "customers status:trial region:EU",
    "kpis calling",
    "expiring meetings",
    "overage calling",
    "calling queues",
    "tags",
    "customer no such customer",
]
# What the same admin types in the bot's DM (the App Home's Messages tab): no slash.
DM_MESSAGES = ["kpis calling", "customer sao paulo", "help"]
DEMO_DM = "D0DEMO"


def link_demo_workspace(run: DemoRun) -> list[PartnerAdmin]:
    """Link a demo Slack workspace to the demo partner (once); returns the admins who see
    every customer and may change things, the demo's language first."""
    with run.session() as session:
        admins = partners.link_demo_workspace(session, team_id=DEMO_TEAM, partner_id=run.partner_id,
                                              language=run.locale)
        session.commit()
    # Demo admins chose their languages; speak the demo's language first.
    return sorted(admins, key=lambda a: a.language not in (None, run.locale))


def _text_of(reply) -> str:
    if isinstance(reply, (Modal, Home, ViewUpdate)):
        return blocks_to_text(reply.view)
    if isinstance(reply, dict):
        return blocks_to_text(reply)
    return ""


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:40] or "command"


def show_bot_answers(run: DemoRun) -> None:
    from bot.offline import answer, offline_app

    heading(run._(N_("What the bot answers in Slack")))
    admins = link_demo_workspace(run)
    app = offline_app(run.settings.model_copy(update={"as_of": run.as_of}), run.engine)
    speaker = admins[0]
    typer.echo(run._(N_("As {name}, a partner admin of the demo partner:"), name=speaker.display_name))
    typer.echo("")
    # ... and one answer in the language another admin chose (Portuguese or Spanish).
    other = next((a for a in admins if a.language not in (None, speaker.language)), None)
    plan = [(c, speaker) for c in COMMANDS] + ([("kpis", other)] if other else [])
    for n, (command, admin) in enumerate(plan, 1):
        user = admin.slack_user_id
        if admin is not speaker:
            typer.echo(run._(N_("As {name}, who chose {language}:"), name=admin.display_name,
                             language=admin.language))
        # No channel: offline there is no Slack to attach the charts to (they are written to
        # the output folder instead), and the views say so.
        text = _text_of(answer(app, command, team_id=DEMO_TEAM, user_id=user, locale=run.locale, channel_id=None))
        typer.echo(f"> /partnerhub {command}")
        shown = text.splitlines()
        typer.echo("\n".join(shown[:25]) + ("\n  …" if len(shown) > 25 else ""))
        typer.echo("")
        run.write(f"slack-{n:02d}-{_slug(command)}.txt", (f"/partnerhub {command}\n\n{text}\n").encode())


def show_dm_conversation(run: DemoRun) -> None:
    """A short conversation in the bot's DM, through the handler a ``message.im`` event runs
    (bot/listeners/dm.py), offline: the person's messages and the bot's answers."""
    from bot.context import RequestInfo, run_in_transaction, runtime
    from bot.listeners.dm import dm_handler
    from bot.offline import offline_app

    heading(run._(N_("A conversation in the bot's DM (the Messages tab)")))
    speaker = link_demo_workspace(run)[0]
    app = offline_app(run.settings.model_copy(update={"as_of": run.as_of}), run.engine)
    rt = runtime(app)
    handler = dm_handler(rt.router)
    typer.echo(run._(N_("{name} writes to the bot in its DM, without the slash:"), name=speaker.display_name))
    typer.echo("")
    lines: list[str] = []
    for message in DM_MESSAGES:
        info = RequestInfo(team_id=DEMO_TEAM, enterprise_id="", user_id=speaker.slack_user_id, channel_id=DEMO_DM,
                           bot_token=None, slack_user={"locale": run.locale}, body={}, text=message)
        reply, _locale = run_in_transaction(rt, info, handler, message)
        shown = _text_of(reply).splitlines()
        said = [f"{speaker.display_name}: {message}", "Partner Hub:"]
        said += [f"  {line}" for line in shown[:15]] + (["  …"] if len(shown) > 15 else [])
        typer.echo("\n".join(said))
        typer.echo("")
        lines += said + [""]
    run.write("slack-dm-conversation.txt", "\n".join(lines).encode())


def show_weekly_digest(run: DemoRun) -> None:
    """The weekly digest of a channel that follows every alert, with its CSVs and chart."""
    from bot.worker import digest_post

    heading(run._(N_("The weekly digest")))
    schedule = Schedule(partner_id=run.partner_id, target_id="C0DEMODIGEST", alerts=[k.value for k in AlertKind],
                        language=run.locale, timezone="UTC")
    with run.session() as session:
        post = digest_post(session, run.settings, schedule, period=run.as_of.isoformat(), as_of=run.as_of)
    text = blocks_to_text(post.message)
    typer.echo(text)
    run.write("slack-digest.txt", text.encode())
    for name, content, title in post.files:
        path = run.write(f"digest-{name}", content)
        if name.startswith("license-trend-"):
            typer.echo(run._(N_("License trend chart ({title}): {path}"), title=title, path=str(path.resolve())))
