"""``sources/push.py``: immediate pushes to Webex after a committed change."""
from __future__ import annotations

from pydantic import SecretStr
from sqlmodel import Session

from partnerhub_core import credentials
from partnerhub_core.models import utcnow
from partnerhub_core.sources import push
from tests.factories import make_customer, make_partner, make_tag
from tests.fakes.webex import FakeWebex


def test_a_person_waiting_gets_fewer_retries_and_shorter_waits_than_a_sync(settings):
    slow = settings.model_copy(update=dict(webex_max_retries=4, webex_timeout_s=30.0,
                                           webex_max_rate_limit_waits=10, webex_retry_after_cap_s=60.0))
    q = push.quick(slow)
    assert (q.webex_max_retries, q.webex_timeout_s, q.webex_max_rate_limit_waits, q.webex_retry_after_cap_s) == (
        1, 10.0, 2, 10.0)
    fast = settings.model_copy(update=dict(webex_max_retries=0, webex_timeout_s=2.0))
    assert (push.quick(fast).webex_max_retries, push.quick(fast).webex_timeout_s) == (0, 2.0)


def test_no_token_means_nothing_is_sent_and_a_stored_token_wins(engine, settings):
    with Session(engine) as s:
        partner = make_partner(s)
        acme = make_customer(s, partner, "Acme", org_id="org-acme")
        make_tag(s, partner, "Gold", customers=[acme])
        s.commit()
        pid, acme_id = partner.id, acme.id
    factory = lambda: Session(engine)  # noqa: E731
    result = push.push_tags(session_factory=factory, partner_id=pid, customer_ids=[acme_id], settings=settings)
    assert (result.attempted, result.pushed, result.failed) == (False, 0, [])
    with FakeWebex(token="stored-token") as wx:
        with Session(engine) as s:
            credentials.set_webex_token(s, partner_id=pid, token="stored-token", now=utcnow())
            s.commit()
            assert push.webex_token(s, pid, settings.model_copy(
                update={"webex_token": SecretStr("env-token")})) == "stored-token"
        result = push.push_tags(session_factory=factory, partner_id=pid, customer_ids=[acme_id, acme_id],
                                settings=settings.model_copy(update={"webex_api_url": wx.url}))
        assert (result.attempted, result.pushed, result.failed) == (True, 1, [])
        [post] = wx.calls("/assignTags", method="POST")
        assert post.headers["Authorization"] == "Bearer stored-token"
        assert post.body == {"tags": [{"name": "Gold", "description": ""}]}


def test_once_webex_fails_the_other_customers_wait_for_the_sync(engine, settings):
    from sqlmodel import select

    from partnerhub_core.models import SyncState

    with Session(engine) as s:
        partner = make_partner(s)
        customers = [make_customer(s, partner, f"C{i}", org_id=f"org-{i}") for i in range(3)]
        make_tag(s, partner, "Gold", customers=customers)
        s.commit()
        pid, ids = partner.id, [c.id for c in customers]
    with FakeWebex(token="t") as wx:
        wx.fail_next(503, path_contains="assignTags", times=10)
        one_at_a_time = settings.model_copy(update=dict(
            webex_api_url=wx.url, webex_token=SecretStr("t"), webex_concurrency=1, webex_max_retries=1,
            webex_backoff_s=0.001))
        result = push.push_tags(session_factory=lambda: Session(engine), partner_id=pid, customer_ids=ids,
                                settings=one_at_a_time)
        assert len(wx.calls("/assignTags")) == 2  # the first customer, and its one retry
    assert (result.attempted, result.pushed, sorted(result.failed)) == (True, 0, ["org-0", "org-1", "org-2"])
    with Session(engine) as s:
        rows = s.exec(select(SyncState.org_id, SyncState.cursor).where(SyncState.part == "tags")).all()
    assert sorted(rows) == [(f"org-{i}", '{"pending": true}') for i in range(3)]
