"""Commands answered without Slack (the demo prints these)."""
from datetime import timedelta

from bot.context import Modal
from bot.offline import answer, offline_app
from bot.render import blocks_to_text
from tests.bot.conftest import AS_OF


def test_offline_answers_are_the_bots_answers(settings, engine, session, linked):
    app = offline_app(settings, engine)
    reply = answer(app, "help setup", team_id="T001", user_id="U_FULL")
    assert blocks_to_text(reply).startswith("/partnerhub setup\n=================\n")
    assert answer(app, "nonsense", team_id="T001", user_id="U_FULL", locale="pt-BR")["text"] == \
        "Não conheço “nonsense”."
    assert isinstance(answer(app, "setup", team_id="T_NEW", user_id="U_NEW"), Modal)
    assert answer(app, "customers", team_id="T_NEW", user_id="U_NEW")["text"] == \
        "Partner Hub is not set up in this workspace yet."


def test_offline_calling_views_do_not_call_slack_for_their_charts(settings, engine, session, linked):
    """The demo answers without Slack (no channel): a view with charts says where charts go,
    instead of trying Slack's conversations.open and failing the whole answer."""
    from partnerhub_core.calling import ROLLUP_SUMS
    from partnerhub_core.models import CallRollup, Partner
    from partnerhub_core.timeutil import week_ending
    from tests.core.calling_world import make_customer

    partner = session.get(Partner, linked.partner_id)
    customer = make_customer(session, partner, "org-q", "Queue Co")
    for days_back in (3, 10):
        day = AS_OF - timedelta(days=days_back)
        row = CallRollup(partner_id=partner.id, customer_id=customer.id, day=day, week_ending=week_ending(day),
                         location_id="loc-1", location_name="HQ", endpoint_type="desk_phone",
                         **{k: 0 for k in ROLLUP_SUMS})
        row.calls, row.legs, row.queue_calls, row.queue_abandoned = 40, 40, 20, 4
        session.add(row)
    session.commit()
    nowhere = settings.model_copy(update={"slack_api_url": "http://127.0.0.1:9/api/", "as_of": AS_OF})  # nothing listens
    app = offline_app(nowhere, engine)
    text = blocks_to_text(answer(app, "calling queues", team_id="T001", user_id="U_FULL", channel_id=None))
    assert "something went wrong" not in text
    assert "Charts are attached only in a conversation." in text
