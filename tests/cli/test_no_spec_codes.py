"""No spec codes ("F4", "(F9–F15)", "SPEC F14") in anything a person reads: the user docs,
the CLI's help, the Slack commands' usage and help, the translated catalogs and the
message templates (their Jinja comments are for developers and may name them)."""
import re
from pathlib import Path

import pytest

from bot.cli import COMMANDS, load_command
from bot.cli.slack_reference import router_subcommands

ROOT = Path(__file__).resolve().parents[2]
SPEC_CODE = re.compile(r"\bF\d{1,2}\b|\bSPEC\b")
DEVELOPER_DOCS = {"DEVELOPING.md"}


def codes(text: str) -> list[str]:
    return [m.group(0) for m in SPEC_CODE.finditer(text)]


def test_the_pattern_finds_what_it_should():
    assert codes("Customers by status (F1)") == ["F1"] and codes("analytics (F9–F15)") == ["F9", "F15"]
    assert codes("this is SPEC F14") == ["SPEC", "F14"]
    assert codes("F100, FF1, HTTP 451, 0xF1A, F-key") == []


@pytest.mark.parametrize("path", [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))],
                         ids=lambda p: p.name)
def test_user_docs(path):
    if path.name in DEVELOPER_DOCS:
        pytest.skip("developer documentation")
    found = [(n, codes(line)) for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
             if codes(line)]
    assert not found, f"{path.name}: spec codes on lines {found}"


def test_cli_help():
    from typer.main import get_command

    from bot.cli import app

    texts = [str(get_command(app).help)] + [summary for _, summary in COMMANDS.values()]

    def walk(command):
        texts.append(command.help or "")
        for param in command.params:
            texts.append(getattr(param, "help", None) or "")
        for sub in getattr(command, "commands", {}).values():
            walk(sub)

    for name in COMMANDS:
        walk(load_command(name))
    assert not [t for t in texts if codes(t)]


def test_slack_command_usage_and_help():
    assert not [(s.name, s.usage, s.help) for s in router_subcommands(include_hidden=True)
                if codes(s.usage) or codes(s.help) or codes(s.group)]


def test_catalogs_and_templates():
    for po in [ROOT / "partnerhub_core/i18n/messages.pot",
               *sorted((ROOT / "partnerhub_core/i18n/locale").glob("*/LC_MESSAGES/messages.po"))]:
        text = "\n".join(line for line in po.read_text(encoding="utf-8").splitlines() if not line.startswith("#"))
        assert not codes(text), po
    for template in sorted((ROOT / "templates").glob("*.j2")):
        text = re.sub(r"\{#.*?#\}", "", template.read_text(encoding="utf-8"), flags=re.DOTALL)
        assert not codes(text), template.name
