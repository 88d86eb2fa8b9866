"""One record of Webex's detailed call history (CDR) into a ``LegIn``."""
from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timezone
from typing import Any

from partnerhub_core.calling.legs import ORIGINATING, LegIn
from partnerhub_core.errors import BadInput
from partnerhub_core.models import CallFeature, QueueOutcome

_FEATURE_HINTS = (
    ("callqueue", CallFeature.CALL_QUEUE),
    ("huntgroup", CallFeature.HUNT_GROUP),
    ("autoattendant", CallFeature.AUTO_ATTENDANT),
    ("automatedattendant", CallFeature.AUTO_ATTENDANT),
    ("callpark", CallFeature.CALL_PARK),
    ("callpickup", CallFeature.CALL_PICKUP),
    ("pickup", CallFeature.CALL_PICKUP),
    ("voicemail", CallFeature.VOICEMAIL),
)


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and value.strip() in ("", "NA"))


def _text(record: Mapping[str, Any], key: str) -> str:
    value = record.get(key)
    return "" if _blank(value) else str(value).strip()


def _number(record: Mapping[str, Any], key: str) -> float | None:
    value = record.get(key)
    if _blank(value):
        return None
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


def _instant(record: Mapping[str, Any], key: str) -> datetime | None:
    value = record.get(key)
    if _blank(value):
        return None
    if isinstance(value, datetime):
        moment = value
    else:
        try:
            moment = datetime.fromisoformat(str(value).strip().replace("Z", "+00:00"))
        except ValueError:
            return None
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)


def parse_cdr_record(record: Mapping[str, Any]) -> LegIn:
    """One item of the CDR feed (space-separated keys; "" and "NA" mean missing).

    Quality figures and the queue outcome are not CDR fields; they are read when a
    source adds them under the keys "Audio jitter", "Audio latency", "Audio packet
    loss", "Video jitter", "Video latency", "Video packet loss", "Video duration",
    "Queue outcome" and "Queue wait"."""
    start = _instant(record, "Start time")
    org = _text(record, "Org UUID")
    call_id = _text(record, "Call ID")
    if start is None or not org or not call_id:
        raise BadInput("A call record needs a start time, an org UUID and a call ID.")
    reasons = " ".join(
        _text(record, k) for k in ("Related reason", "Redirect reason", "Queue Type", "User type")
    ).casefold().replace(" ", "").replace("_", "")
    feature = next((f.value for hint, f in _FEATURE_HINTS if hint in reasons), None)
    outcome = _text(record, "Queue outcome").casefold().replace(" ", "_") or None
    if outcome is not None and outcome not in {o.value for o in QueueOutcome}:
        outcome = None
    video_s = int(_number(record, "Video duration") or 0)
    user_type = _text(record, "User type").casefold().replace(" ", "").replace("_", "")
    answer, release = _instant(record, "Answer time"), _instant(record, "Release time")
    wait = _number(record, "Queue wait")
    if wait is None and outcome is not None:
        # Without the queue's own figure: until an agent answered, else until the caller left.
        end = answer if outcome in (QueueOutcome.ANSWERED, QueueOutcome.TRANSFERRED) and answer else release
        wait = max((end - start).total_seconds(), 0.0) if end else None
    return LegIn(
        org_id=org,
        call_id=call_id,
        correlation_id=_text(record, "Correlation ID"),
        start_time=start,
        answer_time=answer,
        release_time=release,
        duration_s=int(_number(record, "Duration") or 0),
        direction=_text(record, "Direction").upper() or ORIGINATING,
        answered=_text(record, "Answered").casefold() in ("true", "yes", "1"),
        call_type=_text(record, "Call type"),
        call_outcome=_text(record, "Call outcome"),
        user_uuid=_text(record, "User UUID"),
        # People and workspaces place calls; features and trunks only route them.
        is_user=user_type in ("", "user", "place", "workspace", "virtualline"),
        feature=feature,
        queue_outcome=outcome,
        wait_s=wait,
        location_id=_text(record, "Site UUID"),
        location_name=_text(record, "Location"),
        device_mac=_text(record, "Device MAC"),
        model=_text(record, "Model"),
        client_type=_text(record, "Client type"),
        has_video=video_s > 0 or "video" in _text(record, "Call type").casefold(),
        video_s=video_s,
        audio_jitter_ms=_number(record, "Audio jitter"),
        audio_latency_ms=_number(record, "Audio latency"),
        audio_loss_pct=_number(record, "Audio packet loss"),
        video_jitter_ms=_number(record, "Video jitter"),
        video_latency_ms=_number(record, "Video latency"),
        video_loss_pct=_number(record, "Video packet loss"),
    )
