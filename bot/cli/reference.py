"""docs/cli.md, generated from the Typer app: every command, its usage, its options and
the exit codes. ``python -m bot.cli.reference > docs/cli.md`` (``make docs``) writes it;
tests/cli/test_cli_app.py fails when the file and the app drift apart."""
from __future__ import annotations

import re

from bot.cli import COMMANDS, app, load_command

EXIT_CODES = [
    (0, "success"),
    (1, "failure without a more precise code (for example an unhealthy `jobs status`, a pending migration "
        "in `db current`, a sync part that stopped)"),
    (2, "bad input: an unknown option or command, a bad value, a bad setting (the line names the variable)"),
    (3, "not found: a customer, tag, report or partner named on the command line does not exist"),
    (4, "not allowed: the role of the person acting does not permit it"),
    (5, "the database cannot be reached (`cannot connect to …`)"),
    (6, "the database is missing or not migrated: run `partnerhub db upgrade`"),
    (130, "interrupted (Ctrl-C)"),
]


def _clean(text: str | None) -> str:
    return re.sub(r"\s+", " ", (text or "").replace("\b", "")).strip()


def _options(command, ctx) -> list[str]:
    rows = []
    for param in command.get_params(ctx):
        record = param.get_help_record(ctx)
        if record is None:
            continue
        names, help_text = record
        escaped = _clean(help_text).replace("|", "\\|")
        rows.append(f"| `{names.strip()}` | {escaped} |")
    return rows


def _command(path: list[str], command, parent_ctx, out: list[str]) -> None:
    import typer.core

    ctx = typer.core._click.Context(command, info_name=path[-1], parent=parent_ctx)
    if hasattr(command, "commands"):
        for name, sub in command.commands.items():
            _command([*path, name], sub, ctx, out)
        return
    out.append(f"### `{' '.join(path)}`")
    out.append("")
    out.append("```")
    out.append(_clean(command.get_usage(ctx)))
    out.append("```")
    out.append("")
    if command.help:
        out.append(_clean(command.help))
        out.append("")
    rows = _options(command, ctx)
    if rows:
        out += ["| option | meaning |", "|---|---|", *rows, ""]


def markdown() -> str:
    from typer.main import get_command

    root = get_command(app)
    root_ctx = root.make_context("partnerhub", ["--help"], resilient_parsing=True)
    out = ["# partnerhub command line", "",
           "Generated from the Typer app by `make docs` (`python -m bot.cli.reference`); "
           "tests/cli/test_cli_app.py fails when it drifts. `partnerhub COMMAND -h` shows the same.", "",
           "Every command takes `--database-url URL` (default `PARTNERHUB_DATABASE_URL`, else `DATABASE_URL`, "
           "else `sqlite:///partnerhub.db`; with none configured, the read commands find the demo's "
           "`partnerhub-demo.db`) and `-h`. `partnerhub --version` prints the version; "
           "`partnerhub --install-completion` installs shell completion.", "",
           "## Exit codes", "", "| code | meaning |", "|---|---|",
           *[f"| {code} | {meaning} |" for code, meaning in EXIT_CODES], "",
           "Errors are one line on stderr starting with `error:`; "
           "[troubleshooting.md](troubleshooting.md) explains each.", "",
           "## Commands", ""]
    out += [f"- `{name}`: {summary}" for name, (_, summary) in COMMANDS.items()]
    out.append("")
    for name in COMMANDS:
        _command(["partnerhub", name], load_command(name), root_ctx, out)
    return "\n".join(out).rstrip() + "\n"


if __name__ == "__main__":
    print(markdown(), end="")
