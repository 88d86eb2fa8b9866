"""Call legs as sources hand them over, and the per-leg rules (poor quality, endpoint type).

Poor quality (F17): a leg is poor when ANY of its audio or video streams had jitter
above ``poor_jitter_ms``, latency above ``poor_latency_ms`` or packet loss above
``poor_packet_loss_pct`` — each strictly greater; a value exactly at the threshold is
not poor. Legs that reported no media figures are neither poor nor counted in
``legs_with_media``.
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import date, datetime, timezone
from typing import Any

from partnerhub_core.models import EndpointType
from partnerhub_core.settings import Settings

ORIGINATING = "ORIGINATING"
TERMINATING = "TERMINATING"
_MEDIA = ("audio_jitter_ms", "audio_latency_ms", "audio_loss_pct",
          "video_jitter_ms", "video_latency_ms", "video_loss_pct")


@dataclass
class LegIn:
    """One call leg as a source hands it over (the CDR's fields, normalised)."""

    org_id: str  # the customer organization ("Org UUID")
    call_id: str
    start_time: datetime
    correlation_id: str = ""
    direction: str = ORIGINATING
    answer_time: datetime | None = None
    release_time: datetime | None = None
    duration_s: int = 0
    answered: bool = False
    call_type: str = ""
    call_outcome: str = ""
    user_uuid: str = ""
    is_user: bool = True
    feature: str | None = None  # CallFeature
    queue_outcome: str | None = None  # QueueOutcome, on the queue-entry leg only
    wait_s: float | None = None
    location_id: str = ""
    location_name: str = ""
    device_mac: str = ""
    model: str = ""
    client_type: str = ""
    endpoint_type: str | None = None  # derived from model/client type when None
    has_video: bool = False
    video_s: int = 0
    audio_jitter_ms: float | None = None
    audio_latency_ms: float | None = None
    audio_loss_pct: float | None = None
    video_jitter_ms: float | None = None
    video_latency_ms: float | None = None
    video_loss_pct: float | None = None

    @property
    def leg_key(self) -> str:
        key = f"{self.correlation_id}|{self.call_id}|{self.direction}"
        return key if len(key) <= 300 else hashlib.sha256(key.encode()).hexdigest()

    @property
    def day(self) -> date:
        return self.start_time.astimezone(timezone.utc).date()


@dataclass
class IngestResult:
    batch_key: str
    received: int = 0
    added: int = 0
    duplicate: int = 0
    skipped_unknown_customer: int = 0
    skipped_too_old: int = 0
    unknown_orgs: set[str] = field(default_factory=set)

    @property
    def skipped(self) -> int:
        return self.skipped_unknown_customer + self.skipped_too_old

def is_poor_quality(leg: Any, settings: Settings) -> bool:
    """ANY stream's jitter, latency or loss strictly above its threshold."""
    def over(value, limit) -> bool:
        return value is not None and value > limit

    return (
        over(leg.audio_jitter_ms, settings.poor_jitter_ms)
        or over(leg.video_jitter_ms, settings.poor_jitter_ms)
        or over(leg.audio_latency_ms, settings.poor_latency_ms)
        or over(leg.video_latency_ms, settings.poor_latency_ms)
        or over(leg.audio_loss_pct, settings.poor_packet_loss_pct)
        or over(leg.video_loss_pct, settings.poor_packet_loss_pct)
    )


def has_media_stats(leg: Any) -> bool:
    return any(getattr(leg, name) is not None for name in _MEDIA)


# Model name fragments of Cisco room/collaboration devices and of desk phones.
_ROOM_HINTS = ("room", "board", "desk pro", "desk mini", "webex desk", "codec", "navigator")
_PHONE_HINTS = ("cisco 68", "cisco 78", "cisco 88", "cisco 98", "dms cisco", "ip phone",
                "cisco 191", "cisco 192", "mpp", "8845", "8865", "8851", "7841", "6871", "9861")
_APP_CLIENTS = ("wxc_client", "teams_wxc_client", "webex_app", "wxc_app")


def endpoint_type_of(model: str = "", client_type: str = "") -> EndpointType:
    """Desk phone, room device, Webex App or other (third-party) from the CDR's
    "Model" and "Client type"."""
    m = (model or "").casefold()
    c = (client_type or "").casefold()
    if c in _APP_CLIENTS or "webex app" in m:
        return EndpointType.WEBEX_APP
    if "third_party" in c or "third party" in m:
        return EndpointType.OTHER
    if any(h in m for h in _ROOM_HINTS) or c == "wxc_device":
        return EndpointType.ROOM_DEVICE
    if any(h in m for h in _PHONE_HINTS):
        return EndpointType.DESK_PHONE
    return EndpointType.OTHER
