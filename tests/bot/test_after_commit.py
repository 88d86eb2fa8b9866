"""``Ctx.after_commit``: steps that run once a request's transaction committed (and only then)."""
from __future__ import annotations

from sqlmodel import Session, select

from bot.context import RequestInfo, Runtime, run_in_transaction
from partnerhub_core.errors import BadInput
from partnerhub_core.models import Partner
from tests.bot.feature_world import blocks_text


def _run(settings, engine, handler):
    info = RequestInfo(team_id="T404", enterprise_id="", user_id="U1", channel_id="C1", bot_token=None,
                       slack_user={}, body={})
    reply, _locale = run_in_transaction(Runtime(settings=settings, engine=engine), info, handler)
    return reply


def test_a_step_sees_the_committed_change_and_its_note_ends_the_reply(settings, engine):
    seen = []

    def handler(ctx):
        ctx.session.add(Partner(name="After", webex_org_id="org-after"))

        def step(session_factory):
            with session_factory() as s:  # a new transaction: the handler's row is committed
                seen.extend(s.exec(select(Partner.name)).all())
            return "Webex said no."

        ctx.after_commit(step)
        return ctx.render("notice.json.j2", text="Done.")

    reply = _run(settings, engine, handler)
    assert seen == ["After"]
    assert [b["text"]["text"] for b in reply["blocks"]] == ["Done.", "Webex said no."]
    assert reply["text"] == "Done.\nWebex said no."


def test_no_step_runs_when_the_handler_fails(settings, engine):
    ran = []

    def handler(ctx):
        ctx.session.add(Partner(name="Rolled back", webex_org_id="org-rb"))
        ctx.after_commit(lambda factory: ran.append(1))
        raise BadInput("No such thing.")

    reply = _run(settings, engine, handler)
    assert ran == []
    assert "No such thing." in blocks_text(reply)
    with Session(engine) as s:
        assert s.exec(select(Partner)).all() == []


def test_a_failing_step_keeps_the_change_and_the_reply_and_gives_a_reference(settings, engine, caplog):
    def handler(ctx):
        ctx.session.add(Partner(name="Kept", webex_org_id="org-kept"))

        def broken(_factory):
            raise RuntimeError("boom")

        ctx.after_commit(broken)
        ctx.after_commit(lambda _factory: None)  # no note
        return None

    reply = _run(settings, engine, handler)
    [record] = [r for r in caplog.records if "after-commit step broken failed" in r.getMessage()]
    ref = record.getMessage().rsplit("ref ", 1)[1].rstrip(")")
    assert len(ref) == 8
    assert reply["blocks"][0]["text"]["text"] == (
        f"Saved. A follow-up step failed; if it matters, give your administrator this reference: {ref}")
    with Session(engine) as s:
        assert s.exec(select(Partner.name)).all() == ["Kept"]


def test_a_note_on_a_full_message_takes_the_last_block():
    from bot.context import Modal, with_notes

    full = {"text": "t", "blocks": [{"type": "divider"} for _ in range(50)]}
    merged = with_notes(full, ["Note."], "en")
    assert len(merged["blocks"]) == 50
    assert merged["blocks"][-1]["text"]["text"] == "Note." and merged["blocks"][-2] == {"type": "divider"}
    assert len(full["blocks"]) == 50  # the original is left alone
    modal = Modal({"type": "modal"})
    assert with_notes(modal, ["Note."], "en") is modal
    assert with_notes(full, [], "en") is full
