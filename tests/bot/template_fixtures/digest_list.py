from datetime import datetime, timezone

from partnerhub_core.models import Schedule

LONG = "Ünïcödé «ação» <!channel> & " * 20


def CASES():
    digest = Schedule(id=1, target_id="C1", alerts=["expiring", "overage", "low_assignment", "abandoned_spike"],
                      tag=LONG[:25], region="EU", quiet_when_empty=True)
    report = Schedule(id=2, kind="report", report_key=LONG[:100], target_type="dm", target_id="U1", enabled=False,
                      disabled_reason="channel_not_found")
    when = "weekly on Monday at 09:00 (America/Sao_Paulo)"
    nxt = datetime(2026, 11, 30, 9, 0, tzinfo=timezone.utc)
    rows = [{"schedule": digest, "when": when, "next": nxt}, {"schedule": report, "when": LONG, "next": None}] * 30
    return {
        "empty": {"rows": [], "kind": "digest", "can_edit": True},
        "large": {"rows": rows, "kind": None, "can_edit": True},
    }
