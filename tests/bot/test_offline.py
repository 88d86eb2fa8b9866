"""Commands answered without Slack (the demo prints these)."""
from bot.context import Modal
from bot.offline import answer, offline_app
from bot.render import blocks_to_text


def test_offline_answers_are_the_bots_answers(settings, engine, session, linked):
    app = offline_app(settings, engine)
    reply = answer(app, "help setup", team_id="T001", user_id="U_FULL")
    assert blocks_to_text(reply).startswith("/partnerhub setup\n=================\n")
    assert answer(app, "nonsense", team_id="T001", user_id="U_FULL", locale="pt-BR")["text"] == \
        "Não conheço “nonsense”."
    assert isinstance(answer(app, "setup", team_id="T_NEW", user_id="U_NEW"), Modal)
    assert answer(app, "customers", team_id="T_NEW", user_id="U_NEW")["text"] == \
        "Partner Hub is not set up in this workspace yet."
