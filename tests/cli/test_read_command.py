"""@read_command: a read command's own parameters, then the shared options in one order,
handed to the command as one ReadOptions."""
from pathlib import Path

import typer
from typer.testing import CliRunner

from bot.cli.output import ReadOptions, read_command


def _app(**flags):
    app = typer.Typer(add_completion=False)
    seen = {}

    @app.command()
    @read_command(**flags)
    def show(word: str = typer.Argument("x"), *, opts: ReadOptions) -> None:
        """Says what it was given."""
        seen["word"], seen["opts"] = word, opts

    return app, seen


def _options(app) -> list[str]:
    from typer.main import get_command

    return [p.opts[0] for p in get_command(app).params if p.opts[0].startswith("--")]


def test_shared_options_come_after_the_commands_own_in_one_order():
    app, _ = _app()
    assert _options(app) == ["--partner", "--as-of", "--database-url", "--json", "--format", "--output", "--lang"]
    assert _options(_app(as_of=False)[0]) == ["--partner", "--database-url", "--json", "--format", "--output",
                                              "--lang"]
    assert _options(_app(formats=False)[0]) == ["--partner", "--as-of", "--database-url", "--json", "--lang"]


def test_the_command_gets_its_own_parameters_and_one_read_options():
    app, seen = _app()
    result = CliRunner().invoke(app, ["hello", "--partner", "7", "--as-of", "2026-03-02", "--format", "csv",
                                      "--output", "out.csv", "--lang", "es"])
    assert result.exit_code == 0, result.output
    assert seen["word"] == "hello"
    assert seen["opts"] == ReadOptions(partner=7, as_of="2026-03-02", database_url=None, json_out=False,
                                       fmt="csv", output=Path("out.csv"), lang="es")
    assert seen["opts"].shape() == "csv"


def test_without_as_of_the_day_is_left_to_the_default():
    app, seen = _app(as_of=False)
    assert CliRunner().invoke(app, ["--json"]).exit_code == 0
    assert seen["opts"].as_of is None and seen["opts"].json_out is True and seen["opts"].shape() == "json"
    assert CliRunner().invoke(app, ["--as-of", "2026-03-02"]).exit_code == 2
