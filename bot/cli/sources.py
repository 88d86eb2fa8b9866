"""``partnerhub sources`` — where each family of figures comes from: connected or not,
last refresh, rows, coverage, last error and missing Webex scopes (the same lines as
``/partnerhub sources`` in Slack). A table, or JSON with ``--json``."""
from __future__ import annotations

import typer

from bot.cli.common import echo_json
from bot.cli.output import JSON, TABLE, ReadOptions, emit_rows, read_command
from bot.cli.tables import text_table
from partnerhub_core import i18n
from partnerhub_core.i18n import N_
from partnerhub_core.provenance import source_states
from partnerhub_core.unknown import UNKNOWN, describe

HEADERS = (N_("Source"), N_("Status"), N_("Last refresh"), N_("Rows"), N_("Coverage"), N_("Last error"))


@read_command()
def sources(opts: ReadOptions) -> None:
    """Where each figure comes from: which Webex sources are connected, when they were last read, what is missing."""
    shape = opts.shape()
    ctx = opts.context()
    with ctx.session() as session:
        states = source_states(session, partner_id=ctx.partner_id, as_of=ctx.as_of, settings=ctx.settings)
    if shape not in (JSON, TABLE):
        gettext = i18n.translations(ctx.locale).gettext
        rows = [describe(s, gettext, ctx.locale) for s in states]
        emit_rows(gettext(N_("Source")), [gettext(h) for h in HEADERS],
                  [[r["label"], r["status_text"], r["last_refresh"], r["rows"], r["coverage"], r["last_error"]]
                   for r in rows], shape, locale=ctx.locale, output=opts.output)
        return
    if shape == JSON:
        echo_json({"partner_id": ctx.partner_id, "as_of": ctx.as_of.isoformat(),
                   "sources": {s.family.value: s.to_dict() for s in states}})
        return
    typer.echo(render_sources(states, ctx.locale))


def render_sources(states, locale: str) -> str:
    """The table of ``source_states``, then the missing scopes and how to connect what is missing."""
    gettext = i18n.translations(locale).gettext
    rows = [describe(s, gettext, locale) for s in states]
    out = [text_table(
        [gettext(h) for h in HEADERS],
        [[r["label"], r["status_text"], r["last_refresh"] or UNKNOWN, r["rows"] or UNKNOWN,
          r["coverage"] or UNKNOWN, _clip(r["last_error"])] for r in rows],
        [False, False, False, True, True, False])]
    notes = [f"{r['label']}: " + gettext(N_("missing scopes {scopes}")).format(scopes=r["missing_scopes"])
             for r in rows if r["missing_scopes"]]
    notes += [r["how"] for r in rows if r["how"]]
    if notes:
        out += ["", *notes]
    return "\n".join(out)


def _clip(text: str | None, limit: int = 60) -> str:
    if not text:
        return ""
    return text if len(text) <= limit else text[: limit - 1] + "…"


def register(app: typer.Typer) -> None:
    app.command("sources")(sources)
