"""Fair use over signed HTTP: past the limit a polite answer with the wait; after the
window the user is let in again (frozen clock). Report slots bound concurrency."""
from __future__ import annotations

import json
import threading
import time
from datetime import datetime, timedelta, timezone

import pytest
import time_machine

from bot import fairuse
from bot.ids import ActionId
from bot.server import build_asgi
from tests.bot.conftest import SlackSender, serve
from tests.bot.feature_world import add_customers

# A 300 s window starts exactly here (epoch seconds divisible by 300).
T0 = datetime(2026, 11, 25, 14, 0, 0, tzinfo=timezone.utc)
# Acme Labs' Calling trial has more licenses assigned than bought: the table has a row (an
# empty one would answer "no rows" and upload nothing).
VALUE = json.dumps({"k": "overage", "p": "calling", "r": None, "t": None}, separators=(",", ":"))


@pytest.fixture
def limited(bot_settings, engine, fake_slack, linked, session):
    add_customers(session, linked)
    settings = bot_settings.model_copy(update={"rate_limit_per_user": 2, "rate_limit_per_workspace": 10,
                                               "rate_limit_window_seconds": 300})
    with time_machine.travel(T0, tick=True) as traveller:
        served, stop = serve(build_asgi(settings, engine))
        sender = SlackSender(served.url, fake_slack)
        yield sender, traveller
        sender.http.close()
        stop()


def _download(sender):
    return sender.action(ActionId.ANALYTICS_DOWNLOAD_CSV, VALUE)


def test_third_download_in_the_window_is_refused_politely_then_allowed_after_it(limited, fake_slack):
    sender, traveller = limited
    for n in (1, 2):
        _download(sender)
        fake_slack.wait_for("files.completeUploadExternal", count=n)

    traveller.move_to(T0 + timedelta(seconds=100), tick=True)
    key = _download(sender)
    answer = fake_slack.wait_for_response(key)
    # 300 - 100 = 200 seconds left in the window: "4 minutes" (rounded up).
    assert answer["text"] == ("You have asked for 2 reports and downloads in a short time, the most allowed. "
                              "Please try again in 4 minutes.")
    assert len(fake_slack.calls("files.completeUploadExternal")) == 2

    traveller.move_to(T0 + timedelta(seconds=301), tick=True)  # the next window
    _download(sender)
    fake_slack.wait_for("files.completeUploadExternal", count=3)


def test_report_slots_let_one_partner_hold_only_its_share(settings):
    cfg = settings.model_copy(update={"report_concurrency": 2, "report_concurrency_per_partner": 1})
    inside = threading.Event()
    release = threading.Event()

    def hold():
        with fairuse.report_slot(cfg, partner_id=1):
            inside.set()
            release.wait(5)

    holder = threading.Thread(target=hold)
    holder.start()
    assert inside.wait(5)
    try:
        with pytest.raises(fairuse.Busy) as err:  # the same partner waits, then is told to retry
            with fairuse.report_slot(cfg, partner_id=1, wait_seconds=0.2):
                pass
        assert err.value.render() == ("Your organization already has reports being prepared. "
                                      "Please try again in a minute.")
        started = time.monotonic()
        with fairuse.report_slot(cfg, partner_id=2, wait_seconds=0.2):  # another partner goes ahead
            pass
        assert time.monotonic() - started < 0.2
    finally:
        release.set()
        holder.join(5)
