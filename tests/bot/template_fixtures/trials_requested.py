from datetime import datetime, timezone

from partnerhub_core.models import TrialRequest
from tests.bot.template_fixtures._features import customer


def request() -> TrialRequest:
    return TrialRequest(id=7, partner_id=1, customer_id=99, product="contact_center", licenses=1000, days=90,
                        state="pending", requested_at=datetime(2026, 11, 25, 12, tzinfo=timezone.utc),
                        requested_by="slack:U" + "9" * 40)


CASES = {"large": {"customer": customer(), "request": request(),
                   "partner_hub_url": "https://admin.webex.com/" + "p" * 300}}
