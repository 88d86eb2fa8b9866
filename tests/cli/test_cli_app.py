"""The CLI app itself: the lazy command list agrees with the modules, docs/cli.md is the
generated reference, and starting the CLI imports no heavy library."""
from __future__ import annotations

import ast
import re
import subprocess
import sys
from pathlib import Path

from bot.cli import COMMANDS, load_command

ROOT = Path(__file__).resolve().parents[2]
CLI = ROOT / "bot" / "cli"


def _first_paragraph(text: str | None) -> str:
    return re.sub(r"\s+", " ", (text or "").split("\n\n")[0]).strip()


def test_every_module_that_registers_commands_is_listed():
    registering = {p.stem for p in CLI.glob("*.py")
                   if any(isinstance(n, ast.FunctionDef) and n.name == "register" for n in ast.parse(p.read_text()).body)}
    listed = {module for modules, _ in COMMANDS.values() for module in modules}
    assert registering - listed == set(), "add the module's commands to COMMANDS in bot/cli/__init__.py"


def test_each_listed_command_exists_with_the_help_line_shown():
    for name, (_, summary) in COMMANDS.items():
        command = load_command(name)
        assert command is not None, f"no module registers {name!r}"
        assert _first_paragraph(command.help) == summary, f"COMMANDS[{name!r}] differs from its own help"


def test_docs_cli_md_is_the_generated_reference():
    from bot.cli.reference import markdown

    current = (ROOT / "docs" / "cli.md").read_text(encoding="utf-8")
    assert current == markdown(), "docs/cli.md is stale: run `make docs`"


def test_starting_the_cli_imports_no_heavy_library():
    probe = ("import sys, bot.cli; from typer.main import get_command; get_command(bot.cli.app); "
             "print(' '.join(sorted(m for m in ('pandas', 'matplotlib', 'slack_bolt', 'sqlalchemy', 'pydantic') "
             "if m in sys.modules)))")
    loaded = subprocess.run([sys.executable, "-c", probe], cwd=ROOT, capture_output=True, text=True, check=True)
    assert loaded.stdout.strip() == ""


def test_help_and_a_db_command_stay_light():
    probe = ("import sys; from bot.cli import main; sys.argv = ['partnerhub', 'db', '-h']\n"
             "try:\n    main()\nexcept SystemExit:\n    pass\n"
             "print(' '.join(m for m in ('pandas', 'matplotlib', 'slack_bolt') if m in sys.modules), file=sys.stderr)")
    loaded = subprocess.run([sys.executable, "-c", probe], cwd=ROOT, capture_output=True, text=True, check=True)
    assert loaded.stderr.strip() == ""


def test_tables_fit_the_terminal_by_narrowing_the_widest_text_column():
    from bot.cli.tables import fit_widths

    # name 40, region 6, licenses 8 (numeric): 40 + 6 + 8 + 2*2 = 58 > 50 -> name gives 8.
    assert fit_widths([40, 6, 8], [False, False, True], 50) == [32, 6, 8]
    assert fit_widths([40, 6, 8], [False, False, True], None) == [40, 6, 8]  # a pipe: whole cells
    assert fit_widths([10, 10, 30], [False, False, True], 20) == [8, 8, 30]  # numbers are never cut


def test_help_shows_no_typer_types():
    from typer.testing import CliRunner

    from bot.cli import app
    from bot.cli.reference import markdown

    text = markdown()
    assert "<str>" not in text and "<list[" not in text and "<bool>" not in text
    result = CliRunner().invoke(app, ["section", "-h"])
    assert result.exit_code == 0
    assert "<str>" not in result.output and "<bool>" not in result.output and "<list[" not in result.output
