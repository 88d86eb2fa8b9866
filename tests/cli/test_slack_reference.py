"""docs/slack-commands.md is generated from the /partnerhub router (``make docs``), so it
lists exactly the subcommands the app answers, with their usage and help."""
from pathlib import Path

from bot.cli.slack_reference import markdown, router_subcommands, usage_lines
from bot.commands import Subcommand

DOC = Path(__file__).resolve().parents[2] / "docs" / "slack-commands.md"


def test_docs_slack_commands_md_is_the_generated_reference():
    assert DOC.read_text(encoding="utf-8") == markdown(), "run `make docs` and commit docs/slack-commands.md"


def test_every_listed_subcommand_is_in_the_reference_and_hidden_ones_are_not():
    subs = router_subcommands(include_hidden=True)
    text = markdown([s for s in subs if not s.hidden])
    for sub in subs:
        assert (f"### /partnerhub {sub.name}\n" in text) is not sub.hidden, sub.name
        if not sub.hidden:
            assert sub.help in text and f"    /partnerhub {usage_lines(sub.usage)[0]}" in text
    kpis = text.split("### /partnerhub kpis\n", 1)[1].split("###", 1)[0]
    assert "/partnerhub kpis [meetings|calling] [region:..] [tag:..]" in kpis
    assert "Also `kpi`." in kpis and "*Needs a linked workspace.*" in kpis


def test_a_new_subcommand_shows_up_in_its_group():
    subs = router_subcommands()
    extra = Subcommand(name="forecast", handler=lambda ctx, args: {}, usage="forecast [region:..]",
                       help="Next quarter's renewals.", group="Analytics")
    text = markdown([*subs, extra])
    analytics = text.split("## Analytics\n", 1)[1].split("\n## ", 1)[0]
    assert "### /partnerhub forecast\n\n    /partnerhub forecast [region:..]\n\nNext quarter's renewals." in analytics
    assert text != DOC.read_text(encoding="utf-8")


def test_usage_forms_split_outside_brackets_only():
    assert usage_lines("report <a|b> [US|CA] | report delete \"<name>\"") == [
        "report <a|b> [US|CA]", 'report delete "<name>"']
    assert usage_lines("channel [scope region:EU tag:NAME | scope off]") == ["channel [scope region:EU tag:NAME | scope off]"]
