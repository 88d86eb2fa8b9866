"""The bulk ingest's write (on PostgreSQL: binary COPY, into the table for new days, into a
staging table and one upsert for the others) adds to rollup rows already there and keeps
text exactly, on both databases."""
from __future__ import annotations

from datetime import date, datetime, timezone

import pytest
from sqlalchemy import text
from sqlmodel import select

from partnerhub_core.calling import ingest_frame, legs_frame
from partnerhub_core.errors import BadInput
from partnerhub_core.models import CallIngestBatch, CallRollup, EndpointType
from partnerhub_core.settings import Settings
from tests.core.calling_world import make_customer, make_partner
from tests.core.test_calling_ingest_frame import _leg

NOW = datetime(2026, 11, 25, 12, tzinfo=timezone.utc)
MON = date(2026, 11, 16)


def test_a_batch_adds_to_a_rollup_row_already_there(session):
    partner = make_partner(session)
    customer = make_customer(session, partner, "org-a", "Alpha")
    session.add(CallRollup(partner_id=partner.id, customer_id=customer.id, day=MON, week_ending=date(2026, 11, 22),
                           location_id="loc-1", location_name="HQ", endpoint_type=EndpointType.DESK_PHONE,
                           legs=5, calls=2, duration_s=100, queue_calls=1, queue_answered=1,
                           queue_answer_wait_s=1.5))
    session.flush()
    frame = legs_frame([
        _leg("a", duration_s=30, location_name=""),  # an empty name keeps "HQ"
        _leg("b", direction="TERMINATING", is_user=False, feature="call_queue", queue_outcome="answered",
             wait_s=2.25, location_name=""),
        _leg("c", location_id="loc-2", location_name="Annex", duration_s=7),  # a new row
    ])
    result = ingest_frame(session=session, partner_id=partner.id, frame=frame, now=NOW, settings=Settings())
    assert result.added == 3
    session.expire_all()
    rows = session.exec(select(CallRollup).order_by(CallRollup.location_id)).all()
    assert [(r.location_id, r.location_name, r.legs, r.calls, r.duration_s, r.queue_calls, r.queue_answered,
             r.queue_answer_wait_s) for r in rows] == [
        ("loc-1", "HQ", 5 + 2, 2 + 1, 100 + 30, 1 + 1, 1 + 1, 1.5 + 2.25),
        ("loc-2", "Annex", 1, 1, 7, 0, 0, 0.0),
    ]
    if session.get_bind().dialect.name == "postgresql":  # the staging table is gone
        assert session.execute(text("SELECT to_regclass('pg_temp.call_rollup_stage')")).scalar() is None


def test_text_with_tabs_backslashes_and_newlines_is_kept_exactly(session):
    partner = make_partner(session)
    make_customer(session, partner, "org-a", "Alpha")
    loc_id, name = "loc\t1\\N", 'Sala\t"A" \\B\nC\r{x},\\.'  # \N and \. mean NULL / end in COPY text
    wide = "São Paulo – Zürich 東京 🙂"
    # the first batch writes a new day (COPY into the table), the second a day already
    # there (COPY into the staging table, then the upsert): both keep the text
    for call_id in ("a", "b"):
        ingest_frame(session=session, partner_id=partner.id, now=NOW, settings=Settings(),
                     frame=legs_frame([_leg(call_id, location_id=loc_id, location_name=name),
                                       _leg(call_id + "2", location_id=wide + call_id, location_name=wide)]))
    session.expire_all()
    rows = sorted((r.location_id, r.location_name, r.legs) for r in session.exec(select(CallRollup)).all())
    assert rows == [(wide + "a", wide, 1), (wide + "b", wide, 1), (loc_id, name, 2)]


@pytest.mark.parametrize("field", ["location_id", "location_name"])
def test_a_nul_character_in_text_is_refused_and_nothing_is_written(session, field):
    partner = make_partner(session)
    make_customer(session, partner, "org-a", "Alpha")
    with pytest.raises(BadInput) as refused:
        ingest_frame(session=session, partner_id=partner.id, now=NOW, settings=Settings(),
                     frame=legs_frame([_leg("a"), _leg("b", **{field: "HQ\x00"})]))
    assert refused.value.params == {"field": field}
    assert session.exec(select(CallRollup)).all() == []
    assert session.exec(select(CallIngestBatch)).all() == []
