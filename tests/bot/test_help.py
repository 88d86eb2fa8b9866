"""/partnerhub help and resources (F27) through signed requests and the Slack stand-in."""
from bot.ids import ActionId
from tests.bot.feature_world import blocks_text


def test_help_lists_every_registered_subcommand(slack, fake_slack, linked, bot_server):
    answer = fake_slack.wait_for_response(slack.command("help"))
    text = blocks_text(answer)
    for sub in bot_server.bolt._partnerhub_runtime.router.all():
        assert f"`/partnerhub {sub.usage.replace('<', '&lt;').replace('>', '&gt;')}`" in text, sub.name


def test_help_for_one_command_and_an_unknown_topic(slack, fake_slack, linked):
    answer = fake_slack.wait_for_response(slack.command("help setup"))
    assert answer["blocks"][0]["text"]["text"] == "/partnerhub setup"
    assert answer["blocks"][2]["elements"][0]["text"] == "Also: configurar, onboarding"
    answer = fake_slack.wait_for_response(slack.command("help zzz"))
    assert "There is no command called “zzz”; here is everything." in blocks_text(answer)


def test_help_works_before_setup(slack, fake_slack):
    answer = fake_slack.wait_for_response(slack.command("help", team="T_NEW", user="U_X"))
    assert answer["text"] == "Partner Hub help"


def test_resources_show_quick_links_and_featured(slack, fake_slack, linked):
    answer = fake_slack.wait_for_response(slack.command("resources"))
    quick, featured = answer["blocks"][1]["text"]["text"], answer["blocks"][2]["text"]["text"]
    assert quick.startswith("*Quick links*\n<https://admin.webex.com|Partner Hub>")
    assert featured.count("\n• ") == 4 and "Assign administrator roles in Partner Hub" in featured


def test_resources_search_with_a_category_filter(slack, fake_slack, linked):
    answer = fake_slack.wait_for_response(slack.command("resources trial category:contact_center"))
    assert answer["blocks"][1]["text"]["text"] == (
        "*Results for “trial”*  _Contact Center_\n"
        "• <https://help.webex.com/en-us/article/nee1mb6/Get-Started-with-Cisco-Webex-Contact-Center-or-Cloud-Connect"
        "|Get started with Webex Contact Center>  Set up Contact Center services for trials and subscription orders.")


def test_resources_category_select_and_helpdesk_button(slack, fake_slack, linked):
    answer = fake_slack.wait_for_response(slack.action(ActionId.RESOURCE_FILTER, selected="developers"))
    assert "Partner Tags API" in answer["blocks"][1]["text"]["text"]
    answer = fake_slack.wait_for_response(slack.action(f"{ActionId.RUN_COMMAND}:helpdesk", "resources helpdesk"))
    desks = [b["text"]["text"].split("\n")[0] for b in answer["blocks"] if b["type"] == "section"]
    assert desks == ["*Partner helpdesk: Webex Calling*", "*Partner helpdesk: Webex Contact Center*"]


def test_resources_in_portuguese(slack, fake_slack, linked):
    fake_slack.add_user("U_READ", locale="pt-BR")
    answer = fake_slack.wait_for_response(slack.command("recursos", user="U_READ"))
    assert answer["blocks"][0]["text"]["text"] == "Recursos e ajuda"


def test_unknown_resource_category_is_a_polite_error(slack, fake_slack, linked):
    answer = fake_slack.wait_for_response(slack.command("resources category:mars"))
    assert "Unknown category “mars”." in answer["text"]
