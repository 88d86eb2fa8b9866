"""docs/slack-commands.md, generated from the ``/partnerhub`` router: every subcommand the
app registers (bot/commands.py, through each feature's ``register``), by the groups
``/partnerhub help`` shows, with its usage, its one-line help and its other names.

``python -m bot.cli.slack_reference > docs/slack-commands.md`` (``make docs``) writes it;
tests/cli/test_slack_reference.py fails when the file and the router drift apart. The
text is the English msgids; Slack shows them in each person's language.
"""
from __future__ import annotations

HEADER = """# /partnerhub in Slack

Generated from the `/partnerhub` router by `make docs` (`python -m bot.cli.slack_reference`);
tests/cli/test_slack_reference.py fails when it drifts. `/partnerhub help` shows the same list in
Slack, in your language, and `/partnerhub help COMMAND` explains one command.

- Type the words after `/partnerhub` in any channel or DM; in the app's own DM you can leave out
  `/partnerhub` (`kpis calling` works as is).
- Words in quotes stay together: `/partnerhub tags add "Key accounts" Acme`.
- Filters are `key:value` words, spelled the same in every command that filters, and in the
  command line ([cli.md](cli.md)): `region:EU`, `tag:"At risk"`, `product:calling`,
  `status:expiring_soon`, `type:trial`, `managed:external`. Each command's usage below shows
  the ones it takes.
- Answers are private to you until you press **Share in channel**.
- Commands marked *Needs a linked workspace* answer with the setup prompt until a partner admin
  has run `/partnerhub setup`.
- How each figure is computed: [rules.md](rules.md).
"""


def router_subcommands(include_hidden: bool = False):
    """The subcommands of the real app, built with placeholder credentials (nothing is
    sent to Slack, no database is read)."""
    from pydantic import SecretStr
    from bot.app import build_app
    from bot.context import runtime
    from partnerhub_core.db import make_engine
    from partnerhub_core.settings import Settings

    settings = Settings(database_url="sqlite://", slack_bot_token=SecretStr("xoxb-reference"),
                        slack_signing_secret=SecretStr("reference"), slack_client_id=None, slack_client_secret=None,
                        webex_token=None)
    app = build_app(settings, make_engine("sqlite://"))
    return runtime(app).router.all(include_hidden=include_hidden)


def usage_lines(usage: str) -> list[str]:
    """``"a [x | y] | b"`` -> ``["a [x | y]", "b"]``: one line per form, split on the
    ``|`` that stand outside brackets."""
    forms, depth, start = [], 0, 0
    for i, ch in enumerate(usage):
        if ch in "[(<{":
            depth += 1
        elif ch in "])>}":
            depth = max(depth - 1, 0)
        elif ch == "|" and depth == 0 and usage[i - 1:i + 2] == " | ":
            forms.append(usage[start:i].strip())
            start = i + 1
    forms.append(usage[start:].strip())
    return [f for f in forms if f]


def _code(text: str) -> str:
    """Inline code that survives backticks and table pipes."""
    return "`" + text.replace("`", "'") + "`"


def markdown(subs=None) -> str:
    subs = router_subcommands() if subs is None else subs
    groups: dict[str, list] = {}
    for sub in subs:
        groups.setdefault(sub.group, []).append(sub)
    out = [HEADER, "## Commands", ""]
    for title, members in groups.items():
        out.append(f"- {title}: " + ", ".join(f"[{s.name}](#partnerhub-{s.name})" for s in members))
    out.append("")
    for title, members in groups.items():
        out += [f"## {title}", ""]
        for sub in members:
            out += [f"### /partnerhub {sub.name}", ""]
            for usage in usage_lines(sub.usage):
                out.append(f"    /partnerhub {usage}")
            out += ["", sub.help, ""]
            notes = []
            if sub.aliases:
                notes.append("Also " + ", ".join(_code(a) for a in sub.aliases) + ".")
            if sub.needs_partner:
                notes.append("*Needs a linked workspace.*")
            if notes:
                out += [" ".join(notes), ""]
    return "\n".join(out).rstrip() + "\n"


if __name__ == "__main__":
    print(markdown(), end="")
