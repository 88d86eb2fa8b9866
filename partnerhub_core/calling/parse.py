"""One record of Webex's detailed call history (CDR) into a ``LegIn``.

Only fields the feed documents are read (developer.webex.com, "Get Detailed Call
History"; docs/webex-sources.md lists them). The feed has no queue outcome, no wait and
no media figures of its own: the queue outcome and wait are derived here from the
queue's own record (docs/rules.md, "Calling": "Queue calls from the CDR"); per-leg jitter,
latency, loss and video are not in it, so a leg parsed from the feed carries none
(media quality is its own source family, ``CALL_QUALITY``).
"""
from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timezone
from typing import Any

from partnerhub_core.calling.legs import ORIGINATING, LegIn
from partnerhub_core.errors import BadInput
from partnerhub_core.models import CallFeature, QueueOutcome

_FEATURE_HINTS = (
    ("callqueue", CallFeature.CALL_QUEUE),
    ("callcenter", CallFeature.CALL_QUEUE),  # User type of the queue service: CallCenterStandard
    ("customerassist", CallFeature.CALL_QUEUE),  # Queue Type of a Customer Assist queue
    ("huntgroup", CallFeature.HUNT_GROUP),
    ("autoattendant", CallFeature.AUTO_ATTENDANT),
    ("automatedattendant", CallFeature.AUTO_ATTENDANT),
    ("callpark", CallFeature.CALL_PARK),
    ("calllpark", CallFeature.CALL_PARK),  # spelled so in the field's documented values
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


# "Call outcome reason" values that mean the queue's own wait ran out (documented values).
_TIMEOUT_REASONS = {"sip408", "internalrequesttimeout", "q850102servertimeout", "noanswerfromuser",
                    "nouserresponse"}


def _key(value: str) -> str:
    return value.casefold().replace(" ", "").replace("_", "").replace("-", "")


def is_queue_entry(record: Mapping[str, Any]) -> bool:
    """The record the call queue service itself writes for a call it received ("User
    type" CallCenterStandard, or another CallCenter… service type): one per queued call.
    Agents' legs of the same call say "CallQueue" in Related / Redirect reason instead."""
    return _key(_text(record, "User type")).startswith("callcenter")


def queue_outcome_of(record: Mapping[str, Any]) -> QueueOutcome:
    """How a queued call left the queue, from the queue-entry record's own fields:

    answered     "Answered" is true, or "Answer indicator" is Yes / Yes-PostRedirection
    transferred  not answered, and "Call transfer Time" is set (the transfer service ran)
    overflowed   not answered, "Call outcome reason" UserBusy (the queue was full)
    timed out    not answered, and "Call outcome" Refusal, a time-out reason, or
                 "Releasing party" Local (the queue let the call go, not the caller)
    abandoned    not answered otherwise: the caller hung up ("Releasing party" Remote)
    """
    indicator = _key(_text(record, "Answer indicator"))
    if _text(record, "Answered").casefold() in ("true", "yes", "1") or indicator.startswith("yes"):
        return QueueOutcome.ANSWERED
    if _instant(record, "Call transfer Time") is not None:
        return QueueOutcome.TRANSFERRED
    reason = _key(_text(record, "Call outcome reason"))
    if reason == "userbusy":
        return QueueOutcome.OVERFLOWED
    if (_key(_text(record, "Call outcome")) == "refusal" or reason in _TIMEOUT_REASONS
            or _key(_text(record, "Releasing party")) == "local"):
        return QueueOutcome.TIMED_OUT
    return QueueOutcome.ABANDONED


def queue_wait_of(record: Mapping[str, Any], outcome: QueueOutcome) -> float | None:
    """Seconds the caller waited in the queue: "Ring duration" (documented as the ringing
    before the call was answered or timed out), else from the timestamps: until the
    answer when answered, else until the release. None when neither is there."""
    ring = _number(record, "Ring duration")
    if ring is not None:
        return max(ring, 0.0)
    start = _instant(record, "Start time")
    answer, release = _instant(record, "Answer time"), _instant(record, "Release time")
    end = answer if outcome == QueueOutcome.ANSWERED and answer else release
    return max((end - start).total_seconds(), 0.0) if start and end else None


def parse_cdr_record(record: Mapping[str, Any]) -> LegIn:
    """One item of the CDR feed (space-separated keys; "" and "NA" mean missing)."""
    start = _instant(record, "Start time")
    org = _text(record, "Org UUID")
    call_id = _text(record, "Call ID")
    if start is None or not org or not call_id:
        raise BadInput("A call record needs a start time, an org UUID and a call ID.")
    reasons = _key(" ".join(
        _text(record, k) for k in ("Related reason", "Redirect reason", "Queue Type", "User type")
    ))
    feature = next((f.value for hint, f in _FEATURE_HINTS if hint in reasons), None)
    outcome, wait = None, None
    if is_queue_entry(record):
        found = queue_outcome_of(record)
        outcome, wait = found.value, queue_wait_of(record, found)
    user_type = _key(_text(record, "User type"))
    return LegIn(
        org_id=org,
        call_id=call_id,
        correlation_id=_text(record, "Correlation ID"),
        start_time=start,
        answer_time=_instant(record, "Answer time"),
        release_time=_instant(record, "Release time"),
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
        # The feed has no video or media figures: has_video stays False and the media
        # fields None ("not reported"), so these legs are never counted as poor.
    )
